"""What the Trello connector offers: a live board or its JSON export, a target, `init --trello`.

Every function imports the connector's modules when called (see connectors/registry.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from careerloop.config import secret
from careerloop.connectors.registry import (
    Connector,
    Provisioned,
    Provisioning,
    SourceKind,
    TargetKind,
    unless_unused,
)
from careerloop.errors import ConfigError

if TYPE_CHECKING:
    from careerloop.config import Config
    from careerloop.connectors.base import Check, Clock, Publisher, Source, Transport
    from careerloop.store import Store


def _reads_export(config: Config) -> bool:
    return config.sources.trello is not None and bool(config.sources.trello.export)


def _reads_board(config: Config) -> bool:
    trello = config.sources.trello
    # An export wins over a board: the board is then only where reviews go.
    return trello is not None and bool(trello.board) and not trello.export


def _export_source(config: Config, clock: Clock | None, transport: Transport | None) -> Source:
    from careerloop.connectors.files.exports import TrelloExportSource

    return TrelloExportSource(config)


def _board_source(config: Config, clock: Clock | None, transport: Transport | None) -> Source:
    from careerloop.connectors.trello.live import TrelloReader

    return TrelloReader(config, clock=clock, adapter=transport.trello if transport else None)


def _credentials(config: Config) -> list[str]:
    names = {"TRELLO_API_KEY", "TRELLO_TOKEN"}
    if config.sources.trello is not None:
        names.update((config.sources.trello.key_env, config.sources.trello.token_env))
    return sorted(names)


def _require_credentials(config: Config) -> None:
    assert config.sources.trello is not None
    secret(config.sources.trello.key_env, "Trello API key")
    secret(config.sources.trello.token_env, "Trello token")


def _export_checks(config: Config) -> list[Check]:
    from careerloop.connectors.trello.doctor import check_trello_export

    assert config.sources.trello is not None and config.sources.trello.export
    export = check_trello_export(config, config.path(config.sources.trello.export))
    return unless_unused(export, "sources.trello", "use Trello")


def _board_checks(config: Config) -> list[Check]:
    from careerloop.connectors.trello.doctor import check_trello

    return unless_unused(check_trello(config), "sources.trello", "use Trello")


def _empty_cause(config: Config) -> str:
    trello = config.sources.trello
    if trello is None:
        return "no records"
    labels = ", ".join(repr(label) for label in trello.kinds)
    done = ", ".join(repr(d) for d in trello.done_lists)
    return (
        f"no open card carries a kind label ({labels}), every card is undated, or "
        f"done_lists ({done}) names no list of the board"
    )


def _publisher(
    config: Config, store: Store, clock: Clock | None, transport: Transport | None
) -> Publisher:
    from careerloop.connectors.trello.publish import TrelloPublisher

    return TrelloPublisher(
        config, store=store, clock=clock, adapter=transport.trello if transport else None
    )


def _has_board(config: Config) -> bool:
    return config.sources.trello is not None and bool(config.sources.trello.board)


def _require_target(config: Config) -> None:
    if not _has_board(config):
        raise ConfigError("reviews.targets: publishing to trello needs [sources.trello] board")
    _require_credentials(config)


def _target_check(config: Config) -> Check:
    from careerloop.connectors.base import Check

    if not _has_board(config):
        return Check(
            name="target trello",
            status="fail",
            detail="no [sources.trello] board to publish to",
            fix="set [sources.trello] board",
        )
    return Check(
        name="target trello",
        status="ok",
        detail=f"list {config.reviews.trello.list!r} on the board",
    )


def _provision(board: str, base_url: str | None, with_workspace: bool) -> Provisioned:
    """Create (or find) the lists, labels and custom fields on `board`; its config text."""
    from careerloop.config import TrelloSource
    from careerloop.connectors.trello.provision import provision_board

    done = provision_board(board, source=TrelloSource(board=board, base_url=base_url))
    messages = [
        f"Board {done.board_name}: created {len(done.created)}, "
        f"found {len(done.existing)} ({done.requests} requests)"
    ]
    messages += [f"To do by hand: {step}" for step in done.manual]
    text: str = done.toml
    if with_workspace:
        text = '[workspace]\ntimezone = "UTC"\n\n' + text
    return Provisioned(toml=text, messages=messages)


CONNECTOR = Connector(
    name="trello",
    sources=(
        SourceKind(
            name="trello-export",
            origin_prefix="file:trello-export",
            configured=_reads_export,
            build=_export_source,
            checks=_export_checks,
            empty_cause=_empty_cause,
        ),
        SourceKind(
            name="trello",
            origin_prefix="trello:",
            configured=_reads_board,
            build=_board_source,
            require=_require_credentials,
            checks=_board_checks,
            empty_cause=_empty_cause,
        ),
    ),
    target=TargetKind(
        name="trello", build=_publisher, require=_require_target, check=_target_check
    ),
    credentials=_credentials,
    provisioning=Provisioning(
        option="trello",
        metavar="BOARD",
        run=_provision,
        help="Set up this Trello board (id, short link or URL): lists, kind labels, custom "
        "fields. Needs TRELLO_API_KEY and TRELLO_TOKEN.",
    ),
)
