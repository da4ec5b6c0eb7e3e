"""connectors/files/connector.py: the `local` target as the registry sees it."""

from __future__ import annotations

from pathlib import Path

from careerloop.config import Config, parse_config
from careerloop.connectors.files.connector import CONNECTOR
from careerloop.connectors.files.local import LocalPublisher
from careerloop.store import Store


def test_local_publishes_into_the_configured_folder(tmp_path: Path) -> None:
    assert CONNECTOR.target is not None and CONNECTOR.target.name == "local"
    assert CONNECTOR.sources == ()  # its exports are declared with their service
    config = parse_config({"reviews": {"local": {"dir": "out"}}}, base_dir=tmp_path)
    with Store(tmp_path / "state.db") as store:
        publisher = CONNECTOR.target.build(config, store, None, None)
    assert isinstance(publisher, LocalPublisher) and publisher.name == "local"
    row = CONNECTOR.target.check(config)
    assert (row.name, row.status, row.detail) == ("target local", "ok", str(tmp_path / "out"))
    CONNECTOR.target.require(Config())  # local needs nothing from the environment
