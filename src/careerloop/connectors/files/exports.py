"""The offline sources: Notion CSV exports and a Trello board exported as JSON.

An export is read whole, so each read is a full read that replaces what the store held
for that file. Its cursor is a hash of the files' content and of the settings that map
them (`export_cursor`): when the store holds the same cursor, nothing the read depends on
has changed, so the files are neither read nor stored again (`sync --full` reads them
anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from careerloop import __version__
from careerloop.config import Config
from careerloop.connectors.base import ReadResult, RequestStats
from careerloop.connectors.files.notion_csv import read_notion_exports
from careerloop.connectors.trello.read import read_export
from careerloop.model import Workspace
from careerloop.store import Store

__all__ = ["NotionCsvSource", "TrelloExportSource", "export_cursor", "unchanged_read"]


def export_cursor(paths: Sequence[Path], settings: str) -> str | None:
    """The cursor of an export: a SHA-256 of its files, in order, and of `settings`.

    `settings` is everything else the mapping depends on (the source's config, the time
    zone); careerloop's version is hashed too, since a new version may map differently.
    None when a file cannot be read: the reader then says what is wrong with it.
    """
    digest = hashlib.sha256(f"careerloop {__version__}\n{settings}\n".encode())
    for path in paths:
        try:
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        except OSError:
            return None
    return f"sha256:{digest.hexdigest()}"


def unchanged_read(store: Store, origin: str, cursor: str | None) -> ReadResult | None:
    """An empty incremental read when the store already holds this export as it is now.

    Saving it rewrites no record and no warning; only the cursor's read time moves.
    """
    kept = store.cursor(origin)
    if cursor is None or kept is None or kept.cursor != cursor:
        return None
    return ReadResult(origin=origin, workspace=Workspace(), full=False, cursor=cursor)


def _settings_text(source: BaseModel, config: Config) -> str:
    """What besides the files a read depends on: the source's settings and the time zone.

    The settings a user named explicitly count apart: a property named in the file must
    exist, one left at its default may be missing.
    """
    named = source.model_dump_json(exclude_unset=True)
    return f"{source.model_dump_json()}\n{named}\n{config.workspace.tz.key}"


class NotionCsvSource:
    """Every `[sources.notion.<kind>] csv = …` table, read as one origin."""

    name = "notion-csv"
    origin = "file:notion-csv"

    def __init__(self, config: Config) -> None:
        assert config.sources.notion is not None
        self._config = config
        self._source = config.sources.notion

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read every CSV export (whole), unless none changed since the stored read."""
        cursor = export_cursor(self._paths(), self._settings())
        if not full and (same := unchanged_read(store, self.origin, cursor)) is not None:
            return [same]
        workspace = read_notion_exports(self._source, self._config.path, self._config.workspace.tz)
        return [ReadResult(origin=self.origin, workspace=workspace, full=True, cursor=cursor)]

    def _paths(self) -> list[Path]:
        """The export files read, in a fixed order (the tables the live connector reads are
        left out, as `read_notion_exports` leaves them)."""
        tables = self._source.tables()
        return [
            self._config.path(tables[kind].csv or "")
            for kind in sorted(tables)
            if tables[kind].csv and not tables[kind].data_source
        ]

    def _settings(self) -> str:
        return _settings_text(self._source, self._config)

    def http_stats(self) -> RequestStats | None:
        """A file costs no request."""
        return None


class TrelloExportSource:
    """`[sources.trello] export = …`: a board exported as JSON."""

    name = "trello-export"
    origin = "file:trello-export"

    def __init__(self, config: Config) -> None:
        assert config.sources.trello is not None and config.sources.trello.export
        self._config = config
        self._settings = config.sources.trello
        self._path = config.path(config.sources.trello.export)

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read the exported board (whole), unless it did not change since the stored read."""
        cursor = export_cursor([self._path], _settings_text(self._settings, self._config))
        if not full and (same := unchanged_read(store, self.origin, cursor)) is not None:
            return [same]
        workspace = read_export(self._path, self._settings, self._config.workspace.tz)
        return [ReadResult(origin=self.origin, workspace=workspace, full=True, cursor=cursor)]

    def http_stats(self) -> RequestStats | None:
        """A file costs no request."""
        return None
