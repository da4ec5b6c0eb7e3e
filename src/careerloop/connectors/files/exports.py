"""The offline sources: Notion CSV exports and a Trello board exported as JSON.

An export is always read whole, so each read is a full read that replaces what the store
held for that file.
"""

from __future__ import annotations

from careerloop.config import Config
from careerloop.connectors.base import ReadResult, RequestStats
from careerloop.connectors.files.notion_csv import read_notion_exports
from careerloop.connectors.trello.read import read_export
from careerloop.store import Store


class NotionCsvSource:
    """Every `[sources.notion.<kind>] csv = …` table, read as one origin."""

    name = "notion-csv"

    def __init__(self, config: Config) -> None:
        assert config.sources.notion is not None
        self._config = config
        self._source = config.sources.notion

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read every CSV export (always whole)."""
        workspace = read_notion_exports(self._source, self._config.path, self._config.workspace.tz)
        return [ReadResult(origin="file:notion-csv", workspace=workspace, full=True)]

    def http_stats(self) -> RequestStats | None:
        """A file costs no request."""
        return None


class TrelloExportSource:
    """`[sources.trello] export = …`: a board exported as JSON."""

    name = "trello-export"

    def __init__(self, config: Config) -> None:
        assert config.sources.trello is not None and config.sources.trello.export
        self._config = config
        self._settings = config.sources.trello
        self._path = config.path(config.sources.trello.export)

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read the exported board (always whole)."""
        workspace = read_export(self._path, self._settings, self._config.workspace.tz)
        return [ReadResult(origin="file:trello-export", workspace=workspace, full=True)]

    def http_stats(self) -> RequestStats | None:
        """A file costs no request."""
        return None
