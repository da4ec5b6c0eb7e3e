"""What the files connector offers: the `local` target (Markdown and HTML files).

The offline exports it reads are declared with their service (notion, trello), whose
config tables they use. Functions import the connector's modules when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from careerloop.connectors.registry import Connector, TargetKind

if TYPE_CHECKING:
    from careerloop.config import Config
    from careerloop.connectors.base import Check, Clock, Publisher, Transport
    from careerloop.store import Store


def _publisher(
    config: Config, store: Store, clock: Clock | None, transport: Transport | None
) -> Publisher:
    from careerloop.connectors.files.local import LocalPublisher

    return LocalPublisher(config.path(config.reviews.local.dir), config.reviews.notes_heading)


def _target_check(config: Config) -> Check:
    from careerloop.connectors.base import Check

    return Check(
        name="target local", status="ok", detail=str(config.path(config.reviews.local.dir))
    )


CONNECTOR = Connector(
    name="files",
    target=TargetKind(name="local", build=_publisher, check=_target_check),
)
