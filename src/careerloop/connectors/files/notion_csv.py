"""Notion CSV exports (Export → Markdown & CSV) read through the same mapping as the API.

An export has no page ids, so a record's id is `file:<kind>:<slug of its title>` (a
second row with the same title gets `-2`, a third `-3`, in file order). Its relations
carry the related page's title, so goal links are resolved by goal title
(case-insensitive) against the goals read from the goals export.

An export has no last-edited time either (unless a `Last edited time` column carries
it): a module marked done without a completed date counts as completed on its planned
date, a milestone on its due date, each with a `DataWarning`.

Slashed dates (`03/04/2026`) are read one way for a whole column: day-first when any cell
only makes sense day-first (`23/04/2026`), else month-first; a column where every cell
reads either way gets a `DataWarning`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from careerloop.config import NOTION_TABLES, NotionKindMapping, NotionSource
from careerloop.connectors.notion.properties import (
    Linker,
    Relation,
    RowMapper,
    Value,
    check_properties,
    parse_relation_text,
    title_of,
    to_datetime,
)
from careerloop.connectors.values import name_key
from careerloop.errors import SourceError
from careerloop.model import DataWarning, Goal, Record, Source, Workspace, quoted

__all__ = [
    "CsvRow",
    "goal_linker",
    "read_notion_csv",
    "read_notion_exports",
    "relation_columns",
    "slashed_date_columns",
    "slugify",
]

# Notion's default name for a "Last edited time" property: when an export carries it,
# rows get a real last-edited date (and `updated_at`).
LAST_EDITED_COLUMN = "last edited time"

_TABLE_OF_KIND = {kind: table for table, kind in NOTION_TABLES.items()}

_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_MOMENT = (r"\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
           r"(?:\s*\([^()]*\))?")
# A cell that is a slashed date (with a time, a zone, or a range of two) and nothing else.
_SLASHED_CELL = re.compile(rf"^\s*{_MOMENT}(?:\s*→\s*{_MOMENT})?\s*$")


def slugify(text: str) -> str:
    """A readable id part: lower case, accents dropped, words joined by `-`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "-", plain.casefold()).strip("-") or "untitled"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One line of a CSV export as a `Row`: cells are text, relation cells a `Relation`.

    `relations` names the relation columns (None: any cell written as links is one);
    `day_first` the columns of slashed dates and how each reads.
    """

    cells: dict[str, str]
    columns: tuple[str, ...]
    relations: frozenset[str] | None = None
    day_first: Mapping[str, bool] = field(default_factory=dict)
    record_id: str = ""
    source_id: str = ""
    source: Source = "file"
    url: str | None = None
    last_edited: dt.datetime | None = None

    @property
    def title_property(self) -> str | None:
        return self.columns[0] if self.columns else None

    def names(self) -> list[str]:
        return list(self.columns)

    def has(self, name: str) -> bool:
        return name in self.cells

    def get(self, name: str) -> Value:
        text = self.cells.get(name)
        if text is None:
            return None
        if name in self.day_first and _SLASHED_CELL.match(text):
            text = _iso_dates(text, day_first=self.day_first[name])
        # The export writes relations as `Title (link), …`; anything else stays text for
        # the coercers to read as a date, number, list or flag.
        if self.relations is not None and name not in self.relations:
            return text
        relation = parse_relation_text(text)
        return relation if relation is not None else text


def relation_columns(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> frozenset[str]:
    """The columns whose every filled cell is written as links (`Title (link), …`).

    Deciding per column keeps a note that happens to end in `(docs/notes.md)` text.
    """
    found = set()
    for column in columns:
        cells = [text for row in rows if (text := row.get(column, "")).strip()]
        if cells and all(parse_relation_text(text) is not None for text in cells):
            found.add(column)
    return frozenset(found)


def _iso_dates(text: str, *, day_first: bool) -> str:
    """Slashed dates rewritten as ISO dates; one that is no date that way stays as it is."""

    def iso(m: re.Match[str]) -> str:
        first, second, year = (int(g) for g in m.groups())
        day, month = (first, second) if day_first else (second, first)
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return m.group(0)

    return _SLASHED.sub(iso, text)


def slashed_date_columns(
    columns: Sequence[str], rows: Sequence[Mapping[str, str]], where: str, record_id: str
) -> tuple[dict[str, bool], list[DataWarning]]:
    """Which columns hold slashed dates, whether each reads day-first, and the doubts.

    A column is day-first when any of its dates only makes sense that way (a first
    number over 12), else month-first, Notion's own order. A column whose every date
    reads either way, or that holds dates of both orders, is named in a warning.
    """
    found: dict[str, bool] = {}
    warnings: list[DataWarning] = []
    for column in columns:
        pairs = [
            (int(m.group(1)), int(m.group(2)))
            for row in rows
            if _SLASHED_CELL.match(text := row.get(column, ""))
            for m in _SLASHED.finditer(text)
        ]
        if not pairs:
            continue
        day_first = any(first > 12 for first, _ in pairs)
        month_first = any(second > 12 for _, second in pairs)
        found[column] = day_first
        sample = next((f"{a:02d}/{b:02d}" for a, b in pairs if a != b), None)
        if day_first and month_first:
            message = (f"{where}: column {quoted(column)} mixes day-first and month-first "
                       "slashed dates; read day-first where that makes sense, the others "
                       "month-first")
        elif not day_first and not month_first and sample is not None:
            message = (f"{where}: column {quoted(column)} has slashed dates that read "
                       f"either way ({sample}); read month-first (month/day/year). Export "
                       "with Notion's \"Full date\" format to be sure")
        else:
            continue
        warnings.append(DataWarning(record_id=record_id, message=message))
    return found, warnings


def _read_rows(path: Path) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    try:
        # utf-8-sig drops the byte-order mark Notion usually writes.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError:
        raise SourceError(
            f"Notion CSV export {path} not found: export the database (••• → Export → "
            "Markdown & CSV), unzip it and point `csv` at the .csv file"
        ) from None
    except UnicodeDecodeError:
        raise SourceError(
            f"Notion CSV export {path} is not UTF-8: export it again from Notion "
            "rather than re-saving it in a spreadsheet"
        ) from None
    except (OSError, csv.Error) as exc:
        raise SourceError(f"cannot read Notion CSV export {path}: {exc}") from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise SourceError(f"Notion CSV export {path} is empty: it has no header row")
    columns = tuple(lines[0])
    rows = []
    for line in lines[1:]:
        if not any(cell.strip() for cell in line):
            continue
        # Quoted cells keep the file's line breaks; CRLF becomes LF like everywhere else.
        cells = [cell.replace("\r\n", "\n") for cell in line]
        padded = [*cells, *([""] * (len(columns) - len(cells)))]
        rows.append(dict(zip(columns, padded, strict=False)))
    return columns, rows


def goal_linker(goals: Sequence[Goal], warnings: list[DataWarning], where: str) -> Linker:
    """Link a CSV relation to goals by title (case-insensitive); warn about strangers."""
    by_title: dict[str, str] = {}
    for goal in goals:
        by_title.setdefault(name_key(goal.title), goal.id)

    def link(relation: Relation, record_id: str) -> tuple[str, ...]:
        ids: list[str] = []
        for title in relation.titles:
            goal_id = by_title.get(name_key(title))
            if goal_id is None:
                warnings.append(
                    DataWarning(
                        record_id=record_id,
                        message=f"{where}: goal {title!r} is not among the goals read; "
                        "link left out",
                    )
                )
            elif goal_id not in ids:
                ids.append(goal_id)
        return tuple(ids)

    return link


def read_notion_csv(
    path: Path,
    kind: str,
    mapping: NotionKindMapping,
    *,
    tz: ZoneInfo,
    goals: Sequence[Goal] = (),
) -> tuple[list[Record], list[DataWarning]]:
    """Read one CSV export of `kind` (`goal`, `module`, …) into records and warnings.

    `goals` are the goals that relations in this table may name.

    Raises:
        SourceError: the file is missing, unreadable, or lacks an explicitly mapped column.
    """
    where = f"Notion CSV export {path.name}"
    columns, rows = _read_rows(path)
    check_properties(columns, mapping, where)
    last_edited = next((c for c in columns if c.strip().casefold() == LAST_EDITED_COLUMN), None)
    day_first, warnings = slashed_date_columns(columns, rows, where, f"file:{kind}")
    relations = relation_columns(columns, rows)
    link = goal_linker(goals, warnings, where)
    # The header was checked above, once: each row is mapped without checking it again.
    mapper = RowMapper(kind, mapping, tz=tz, where=where, link_goals=link)
    records: list[Record] = []
    taken: set[str] = set()
    for cells in rows:
        probe = CsvRow(cells=cells, columns=columns, relations=relations, day_first=day_first)
        slug = base = slugify(title_of(probe, mapping))
        n = 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        source_id = f"{kind}:{slug}"
        row = CsvRow(
            cells=cells,
            columns=columns,
            relations=relations,
            day_first=day_first,
            record_id=f"file:{source_id}",
            source_id=source_id,
        )
        if last_edited:
            row = dataclasses.replace(row, last_edited=to_datetime(row.get(last_edited), tz))
        records.append(mapper.record(row, warnings))
    return records, warnings


def read_notion_exports(
    source: NotionSource, resolve: Callable[[str], Path], tz: ZoneInfo
) -> Workspace:
    """Read every table of `[sources.notion]` that names a `csv` export into one workspace.

    A table that also names a `data_source` is left to the live connector. Goals are read
    first so that the other tables can link to them. `resolve` turns the configured path
    into a file path (e.g. `Config.path`).

    Raises:
        SourceError: an export is missing or unreadable, or lacks a mapped column.
    """
    tables = {
        kind: mapping.csv
        for kind, mapping in source.tables().items()
        if mapping.csv and not mapping.data_source
    }
    mappings = source.tables()
    workspace = Workspace()
    goals: list[Goal] = []
    # Goals first: the other tables link to them by title.
    for kind in sorted(tables, key=lambda k: k != "goal"):
        path = resolve(tables[kind])
        try:
            records, warnings = read_notion_csv(path, kind, mappings[kind], tz=tz, goals=goals)
        except SourceError as exc:
            raise SourceError(f"{exc} (sources.notion.{_TABLE_OF_KIND[kind]}.csv)") from None
        for record in records:
            workspace.add(record)
            if isinstance(record, Goal):
                goals.append(record)
        workspace.warnings.extend(warnings)
    return workspace
