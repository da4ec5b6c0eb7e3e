"""Notion property values -> plain values -> model records.

Notion values reach careerloop from two places: API property values
(`{"id", "type": T, T: …}`) and the cells of a CSV export (the text a page shows). Both
become plain `Value`s first (`property_value` for the API; a CSV cell is already a
string), the `to_*` coercers turn a `Value` into what a model field needs, and
`record_from_row` maps a whole `Row` into a record in one step. The live connector and
the CSV reader share all of it, so a mapping that works offline works online.

A coercer given a value of the wrong shape (text where a number belongs) returns None;
`is_empty` tells the caller whether that None hides a value worth a `DataWarning`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from careerloop.config import NotionKindMapping
from careerloop.connectors.values import parse_number, plain_text
from careerloop.errors import SourceError
from careerloop.model import (
    Advancement,
    Application,
    DataWarning,
    Goal,
    Milestone,
    Module,
    Record,
    Session,
    Source,
    missing_date,
    quoted,
)
from careerloop.periods import local_date

__all__ = [
    "END_DATE_FIELDS",
    "LATEST_DATE_FIELDS",
    "PEOPLE_CAPABILITY",
    "DateRange",
    "Linker",
    "PageRow",
    "Relation",
    "Row",
    "RowMapper",
    "Value",
    "check_properties",
    "is_empty",
    "json_safe",
    "nameless_people",
    "notion_links",
    "parse_relation_text",
    "property_value",
    "record_from_row",
    "title_of",
    "to_bool",
    "to_date",
    "to_datetime",
    "to_number",
    "to_relation",
    "to_strings",
    "to_text",
    "truncated_relations",
    "truncated_rollups",
]


@dataclass(frozen=True, slots=True)
class Relation:
    """Related pages: ids from the API; titles (and ids from the links) from a CSV cell.

    From a CSV cell `ids` and `titles` run in parallel (an id is `""` when the link names
    none). From the API `ids` are known, and `titles` are those the reader looked up in
    the related data source. `has_more` marks a relation the API truncated at 25 pages.
    """

    ids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    has_more: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    """A date with an end (`{"start", "end"}`, or `April 23, 2024 → May 22, 2024`)."""

    start: dt.date
    end: dt.date


Value: TypeAlias = "str | float | bool | dt.date | DateRange | Relation | list[Value] | None"
"""A normalised property value (`dt.date` includes `dt.datetime`)."""

END_DATE_FIELDS = frozenset({"target_date", "due"})
"""Fields that are deadlines: a date range gives them its end (every other its start)."""

LATEST_DATE_FIELDS = frozenset({"completed", "done_on"})
"""Fields that take the latest of several dates (a rollup's originals); others the earliest."""

PEOPLE_CAPABILITY = "Read user information including email addresses"
"""The integration capability without which Notion sends people without their names."""


# --- API property values -> Value -------------------------------------------------------


def property_value(prop: Mapping[str, Any]) -> Value:
    """The plain value of an API property value (`{"type": T, T: …}`).

    Text types give `str`, number `float`, checkbox `bool`, date a `dt.date` (or a
    `dt.datetime` that keeps its offset; a `DateRange` when it has an end), timestamps an
    aware `dt.datetime`, list types a `list`, relation a `Relation`, verification `True`
    when verified; formulas and rollups give their result. Unknown or empty values give
    None.
    """
    kind = prop.get("type")
    if not isinstance(kind, str):
        return None
    if kind == "relation":
        return _relation(prop.get(kind), has_more=bool(prop.get("has_more")))
    read = _VALUE_OF.get(kind)
    return read(prop.get(kind)) if read is not None else None


def _names(raw: Any) -> Value:
    """The names of a list of named things (options, users, files)."""
    return [n for item in _items(raw) if (n := _name(item))]


def _people(raw: Any) -> Value:
    return _names(raw if isinstance(raw, list) else [raw])


def _checkbox(raw: Any) -> bool | None:
    return raw if isinstance(raw, bool) else None


def _filled_text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _timestamp_value(raw: Any) -> dt.date | None:
    return _iso_value(raw) if isinstance(raw, str) else None


def _relation(raw: Any, *, has_more: bool) -> Relation:
    ids = tuple(str(r["id"]) for r in _items(raw) if isinstance(r, dict) and "id" in r)
    return Relation(ids=ids, has_more=has_more)


def _unique_id(raw: Any) -> str | None:
    if not isinstance(raw, dict) or raw.get("number") is None:
        return None
    prefix = raw.get("prefix")
    return f"{prefix}-{raw['number']}" if prefix else str(raw["number"])


def _verification(raw: Any) -> bool | None:
    # Wiki pages: `verified`, `unverified` or `expired` (no longer vetted).
    state = raw.get("state") if isinstance(raw, dict) else None
    return state == "verified" if isinstance(state, str) else None


def _items(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _name(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"]:
        return str(raw["name"])
    return None


def _api_number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw)


def _iso_value(text: str, zone: str | None = None) -> dt.date | None:
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None and zone:
        # A naive start with a time_zone is wall time in that zone.
        try:
            value = value.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return value


def _api_date(raw: Any) -> dt.date | DateRange | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("start"), str):
        return None
    zone = raw.get("time_zone")
    zone = zone if isinstance(zone, str) else None
    start = _iso_value(raw["start"], zone)
    end = _iso_value(raw["end"], zone) if isinstance(raw.get("end"), str) else None
    if start is None or end is None:
        return start
    return DateRange(start=start, end=end)


def _formula(raw: Any) -> Value:
    if not isinstance(raw, dict):
        return None
    match raw.get("type"):
        case "string":
            text = raw.get("string")
            return text if isinstance(text, str) and text else None
        case "number":
            return _api_number(raw.get("number"))
        case "boolean":
            flag = raw.get("boolean")
            return flag if isinstance(flag, bool) else None
        case "date":
            return _api_date(raw.get("date"))
        case _:
            return None


def _rollup(raw: Any) -> Value:
    if not isinstance(raw, dict):
        return None
    match raw.get("type"):
        case "number":
            return _api_number(raw.get("number"))
        case "date":
            return _api_date(raw.get("date"))
        case "array":
            # "Show original": property values without an id ({"type": "title", …}).
            values = [property_value(item) for item in _items(raw.get("array"))]
            return [v for v in values if not is_empty(v)]
        case _:  # "unsupported", "incomplete"
            return None


_VALUE_OF: dict[str, Callable[[Any], Value]] = {
    "title": plain_text,
    "rich_text": plain_text,
    "number": _api_number,
    "select": _name,
    "status": _name,
    "multi_select": _names,
    "date": _api_date,
    "checkbox": _checkbox,
    "url": _filled_text,
    "email": _filled_text,
    "phone_number": _filled_text,
    "people": _people,
    "created_by": _people,
    "last_edited_by": _people,
    "formula": _formula,
    "rollup": _rollup,
    "created_time": _timestamp_value,
    "last_edited_time": _timestamp_value,
    "unique_id": _unique_id,
    "files": _names,
    "verification": _verification,
}
"""API property type -> its plain value (relation, which needs `has_more`, aside)."""


def nameless_people(prop: Mapping[str, Any]) -> bool:
    """Whether a people value holds users Notion sent without a name.

    That is what an integration without the "Read user information" capability gets:
    `{"object": "user", "id": …}` and nothing else.
    """
    if prop.get("type") not in ("people", "created_by", "last_edited_by"):
        return False
    raw = prop.get(str(prop["type"]))
    users = raw if isinstance(raw, list) else [raw]
    return any(isinstance(u, dict) and u.get("id") and not _name(u) for u in users)


def truncated_relations(page: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property name, property id) of each relation the API cut at 25 pages.

    The live connector reads these in full (`pages.properties.retrieve`) and writes the
    complete list back into `page["properties"][name]` with `has_more: False` before it
    builds a `PageRow`.
    """
    found = []
    for name, prop in (page.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("type") == "relation" and prop.get("has_more"):
            found.append((str(name), str(prop.get("id", ""))))
    return found


def truncated_rollups(
    page: Mapping[str, Any], schema: Mapping[str, Mapping[str, Any]], names: Iterable[str]
) -> list[tuple[str, str]]:
    """(property name, property id) of each rollup in `names` computed over a cut relation.

    Notion computes a rollup over the first 25 related pages only; when the relation it
    rolls up has `has_more`, the full value must be read through the page-property
    endpoint. `schema` is the data source's properties (it names each rollup's relation).
    """
    props = page.get("properties") or {}
    cut = {name for name, _ in truncated_relations(page)}
    cut_ids = {str(props[name].get("id")) for name in cut}
    found = []
    for name in names:
        spec = schema.get(name) or {}
        config = spec.get("rollup")
        if spec.get("type") != "rollup" or not isinstance(config, dict):
            continue
        if config.get("relation_property_name") in cut or (
            config.get("relation_property_id") in cut_ids
        ):
            found.append((name, str(spec.get("id", ""))))
    return found


# --- coercion: Value -> what a model field needs ----------------------------------------


def is_empty(value: Value) -> bool:
    """Whether a value holds nothing (so a None from a coercer needs no warning)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    if isinstance(value, Relation):
        return not any(value.ids) and not value.titles
    return False


_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIME_SUFFIX = re.compile(
    r"^(?P<date>.+?)\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)$"
)
_DATE_FORMATS = (
    "%B %d, %Y",  # June 30, 2026 (Notion's default "Full date")
    "%b %d, %Y",  # Jun 30, 2026
    "%B %d %Y",
    "%d %B %Y",
    "%Y/%m/%d",  # 2026/06/30
    "%m/%d/%Y",  # 06/30/2026: Notion's Month/Day/Year wins over Day/Month/Year
    "%d/%m/%Y",
    "%Y-%m-%d",
)
_TIME_FORMATS = ("%I:%M %p", "%I:%M%p", "%H:%M", "%H:%M:%S", "%I:%M:%S %p")


def _parse_moment(text: str) -> dt.date | None:
    """A date or datetime from what a page shows (`June 30, 2026 11:30 PM`, ISO, …)."""
    text = text.strip().lstrip("@").strip()
    # "(GMT+2)", "(CEST)": the exporting user's zone; the text is taken as local time.
    text = re.sub(r"\s*\([^()]*\)$", "", text)
    if not text:
        return None
    if _ISO_START.match(text):
        parsed = _iso_value(text)
        if parsed is not None:
            return parsed
    date_part, time_part = text, None
    if m := _TIME_SUFFIX.match(text):
        date_part, time_part = m.group("date"), m.group("time").replace(".", "").upper()
    day = next((d for fmt in _DATE_FORMATS if (d := _strptime(date_part, fmt))), None)
    if day is None or time_part is None:
        return day.date() if day else None
    at = next((t for fmt in _TIME_FORMATS if (t := _strptime(time_part, fmt))), None)
    return dt.datetime.combine(day.date(), at.time()) if at else day.date()


@functools.lru_cache(maxsize=4096)
def _parse_when(text: str) -> dt.date | DateRange | None:
    """A date, or a range `June 30, 2026 → July 2, 2026`, from what a page shows.

    Kept per distinct text: an export repeats the same few hundred days in every column,
    and trying the formats is most of what reading a CSV costs.
    """
    start_text, arrow, end_text = text.partition("→")
    start = _parse_moment(start_text)
    end = _parse_moment(end_text) if arrow else None
    if start is None or end is None:
        return start
    return DateRange(start=start, end=end)


def _strptime(text: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text.strip(), fmt)
    except ValueError:
        return None


def to_date(
    value: Value, tz: ZoneInfo, *, end: bool = False, latest: bool = False
) -> dt.date | None:
    """The local date: an offset datetime is converted to `tz` first; naive is local.

    A range gives its start, or its end with `end` (a deadline). Several dates (a
    rollup showing the original values) give the earliest, or the latest with `latest`.
    """
    if isinstance(value, DateRange):
        return local_date(value.end if end else value.start, tz)
    if isinstance(value, dt.date):
        return local_date(value, tz)
    if isinstance(value, str):
        parsed = _parse_when(value)
        return to_date(parsed, tz, end=end) if parsed is not None else None
    if isinstance(value, list):
        days = [d for v in value if (d := to_date(v, tz, end=end, latest=latest)) is not None]
        if not days:
            return None
        return max(days) if latest else min(days)
    return None


def to_datetime(value: Value, tz: ZoneInfo) -> dt.datetime | None:
    """An aware datetime: naive ones are in `tz`, a bare date is its local midnight."""
    if isinstance(value, str):
        value = _parse_when(value)
    if isinstance(value, DateRange):
        value = value.start
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=tz)
    return None


def to_number(value: Value) -> float | None:
    """A number from a number, or from text like `42`, `1,234.5`, `75%` or `$1,200`.

    A list of numbers (a rollup showing the original values) gives their sum.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, list) and value and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    ):
        return to_number(math.fsum(v for v in value if isinstance(v, int | float)))
    if isinstance(value, list) and len(value) == 1:
        return to_number(value[0])
    return None


def _format_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def to_text(value: Value) -> str | None:
    """Text from any text-like value; a list is joined with `, `; blank gives None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return _format_number(float(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, DateRange):
        return f"{value.start.isoformat()} → {value.end.isoformat()}"
    if isinstance(value, Relation):
        return ", ".join(t for t in value.titles if t) or None
    parts = [t for v in value if (t := to_text(v))]
    return ", ".join(parts) or None


def to_strings(value: Value) -> tuple[str, ...] | None:
    """A list of strings: list values as they are, text split on commas."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Relation):
        return tuple(t for t in value.titles if t) or None
    if isinstance(value, str):
        return tuple(p for part in value.split(",") if (p := part.strip()))
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(to_strings(item) or ())
        return tuple(out)
    if isinstance(value, int | float):
        return (_format_number(float(value)),)
    return None  # dates and ranges are not a list of names


# A verification property exports as its state ("Verified", "Expired"…).
_TRUE = frozenset({"yes", "true", "checked", "1", "✓", "✔", "☑", "x", "verified"})
_FALSE = frozenset({"no", "false", "unchecked", "0", "☐", "unverified", "expired"})


def to_bool(value: Value) -> bool | None:
    """A flag from a checkbox, a boolean formula or `Yes`/`No` text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = value.strip().casefold()
        return True if key in _TRUE else False if key in _FALSE else None
    if isinstance(value, list) and len(value) == 1:
        return to_bool(value[0])
    return None


# One page of a CSV relation cell: `Title (https://www.notion.so/Title-<32 hex>?pvs=21)`
# or, in a "Markdown & CSV" export, `Title (Folder%20<id>/Title%20<32 hex>.md)`. A link
# holds no whitespace (the export percent-encodes it), so a title's own "(…)" is not
# taken for the link; each item ends at "), " or at the end of the cell.
_RELATION_ITEM = re.compile(
    r"(?P<title>.*?)\s*\("
    r"(?:(?P<url>https?://[^\s()]*?(?P<id>[0-9a-fA-F]{32})(?:[?#][^\s()]*)?)"
    r"|(?P<path>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*\.md))"
    r"\)(?:,\s*|\s*$)"
)
_MD_NAME = re.compile(r"^(?P<title>.*?)(?:\s+(?P<id>[0-9a-fA-F]{32}))?\.md$")


def _dashed(hex_id: str) -> str:
    hex_id = hex_id.lower()
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def parse_relation_text(text: str) -> Relation | None:
    """The pages of a CSV relation cell, or None when the text is not one.

    A cell reads `Title (https://www.notion.so/Title-<32 hex>), Other (…)` or, with
    relative links to the related pages' files, `Title (Folder/Title%20<32 hex>.md), …`.
    Titles may hold commas and parentheses, so the cell is split after each `(link)`,
    never on commas. The id is the 32 hex digits ending the URL or the file name (`""`
    when a file name has none); a link without text takes its title from the file name.
    """
    text = text.strip()
    # Every link ends in ")": a cell that does not is no relation (most cells, cheaply).
    if not text.endswith(")") or "(" not in text:
        return None
    return _relation_items(text)


@functools.lru_cache(maxsize=4096)
def _relation_items(text: str) -> Relation | None:
    """The pages of a stripped cell; kept per text, as the same links recur in a column."""
    ids, titles, pos = [], [], 0
    while pos < len(text):
        m = _RELATION_ITEM.match(text, pos)
        if m is None or m.end() == pos:
            return None
        title = m.group("title").strip()
        if m.group("path") is not None:
            name = unquote(m.group("path").rsplit("/", 1)[-1])
            parts = _MD_NAME.match(name)
            hex_id = parts.group("id") if parts else None
            title = title or (parts.group("title").strip() if parts else name)
        else:
            hex_id = m.group("id")
        ids.append(_dashed(hex_id) if hex_id else "")
        titles.append(title)
        pos = m.end()
    return Relation(ids=tuple(ids), titles=tuple(titles))


def to_relation(value: Value) -> Relation | None:
    """Related pages from a relation, a CSV relation cell, or a list of titles."""
    if isinstance(value, Relation):
        return value
    if isinstance(value, str):
        parsed = parse_relation_text(value)
        if parsed is not None:
            return parsed
    titles = to_strings(value) if isinstance(value, str | list) else None
    return Relation(titles=titles) if titles is not None else None


def json_safe(value: Value) -> Any:
    """A value as JSON can hold it (for `extra`): dates as ISO text, relations as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, DateRange):
        return f"{value.start.isoformat()} → {value.end.isoformat()}"
    if isinstance(value, Relation):
        return list(value.titles or value.ids)
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


# --- rows and the one mapping step ------------------------------------------------------


class Row(Protocol):
    """One page or one CSV line, its properties by name, normalised to `Value`s."""

    @property
    def record_id(self) -> str:
        """`notion:<page id>` or `file:<kind>:<slug>`."""
        ...

    @property
    def source(self) -> Source: ...

    @property
    def source_id(self) -> str: ...

    @property
    def url(self) -> str | None: ...

    @property
    def last_edited(self) -> dt.datetime | None:
        """When the page was last edited, if the source tells."""
        ...

    @property
    def title_property(self) -> str | None:
        """The name of the title property (the first column of a CSV export)."""
        ...

    def names(self) -> list[str]:
        """Every property name, in source order."""
        ...

    def has(self, name: str) -> bool: ...

    def get(self, name: str) -> Value: ...


@dataclass(frozen=True, slots=True)
class PageRow:
    """An API page (from a data source query) as a `Row`.

    `titles` (page id -> title) name related pages: a relation then carries the titles
    of the pages it links to, so it can feed a text or list field.
    """

    page: Mapping[str, Any]
    source: Source = "notion"
    titles: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def _props(self) -> Mapping[str, Any]:
        props = self.page.get("properties")
        return props if isinstance(props, Mapping) else {}

    @property
    def source_id(self) -> str:
        return str(self.page["id"])

    @property
    def record_id(self) -> str:
        return f"notion:{self.source_id}"

    @property
    def url(self) -> str | None:
        url = self.page.get("url")
        return url if isinstance(url, str) and url else None

    @property
    def last_edited(self) -> dt.datetime | None:
        raw = self.page.get("last_edited_time")
        value = _iso_value(raw) if isinstance(raw, str) else None
        return value if isinstance(value, dt.datetime) else None

    @property
    def title_property(self) -> str | None:
        return next(
            (n for n, p in self._props.items() if isinstance(p, dict) and p.get("type") == "title"),
            None,
        )

    def names(self) -> list[str]:
        return list(self._props)

    def has(self, name: str) -> bool:
        return name in self._props

    def get(self, name: str) -> Value:
        prop = self._props.get(name)
        if not isinstance(prop, Mapping):
            return None
        value = property_value(prop)
        if isinstance(value, Relation) and self.titles:
            titles = tuple(t for i in value.ids if (t := self.titles.get(i)))
            value = Relation(ids=value.ids, titles=titles, has_more=value.has_more)
        return value


Linker = Callable[[Relation, str], tuple[str, ...]]
"""Turns a goals relation (and the id of the record holding it) into goal record ids."""


def notion_links(relation: Relation, record_id: str) -> tuple[str, ...]:
    """Goal record ids of an API relation: `notion:<page id>`."""
    return tuple(f"notion:{page_id}" for page_id in relation.ids)


def check_properties(available: Iterable[str], mapping: NotionKindMapping, where: str) -> None:
    """Refuse a mapping that names, explicitly, a property the source does not have.

    A default-named property that is missing is simply skipped.

    Raises:
        SourceError: an explicitly mapped property is missing.
    """
    names = set(available)
    fields = dict(mapping.property_names())
    if mapping.title is not None:
        fields["title"] = mapping.title
    for field, name in fields.items():
        if name not in names and mapping.required(field):
            raise SourceError(
                f"{where}: property {name!r} (mapped to {field}) does not exist; "
                f"rename it in careerloop.toml or add it to the database"
                f"{_closest(name, names)}"
            )


def _closest(name: str, names: set[str]) -> str:
    match = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def title_of(row: Row, mapping: NotionKindMapping) -> str:
    """The record title: the mapped title property, else the row's title property."""
    name = mapping.title or row.title_property
    if name is None or not row.has(name):
        return ""
    return to_text(row.get(name)) or ""


class _Fields:
    """Typed access to one row's mapped properties, collecting warnings."""

    def __init__(
        self,
        row: Row,
        names: Mapping[str, str],
        *,
        tz: ZoneInfo,
        where: str,
        warnings: list[DataWarning],
    ) -> None:
        self.row = row
        self.names = names
        self.tz = tz
        self.where = where
        self.warnings = warnings

    def raw(self, field: str) -> Value:
        name = self.names.get(field)
        if name is None or not self.row.has(name):
            return None
        return self.row.get(name)

    def present(self, field: str) -> bool:
        name = self.names.get(field)
        return name is not None and self.row.has(name)

    def warn(self, message: str) -> None:
        self.warnings.append(DataWarning(record_id=self.row.record_id, message=message))

    def _coerce(self, field: str, convert: Callable[[Value], Any], expected: str) -> Any:
        value = self.raw(field)
        out = convert(value)
        if out is None and not is_empty(value):
            shown = json_safe(value)
            self.warn(
                f"{self.where}: {quoted(self.names[field])} holds {quoted(str(shown))}, "
                f"not {expected}; "
                f"{field} left empty"
            )
        return out

    def date(self, field: str) -> dt.date | None:
        end, latest = field in END_DATE_FIELDS, field in LATEST_DATE_FIELDS
        out: dt.date | None = self._coerce(
            field, lambda v: to_date(v, self.tz, end=end, latest=latest), "a date"
        )
        return out

    def number(self, field: str) -> float | None:
        out: float | None = self._coerce(field, to_number, "a number")
        return out

    def text(self, field: str) -> str | None:
        out: str | None = self._coerce(field, to_text, "text")
        return out

    def strings(self, field: str) -> tuple[str, ...]:
        out: tuple[str, ...] | None = self._coerce(field, to_strings, "a list")
        return out or ()

    def flag(self, field: str) -> bool | None:
        out: bool | None = self._coerce(field, to_bool, "a checkbox")
        return out

    def relation(self, field: str) -> Relation | None:
        out: Relation | None = self._coerce(field, to_relation, "a relation")
        if out is not None and out.has_more:
            self.warn(
                f"{self.where}: {self.names[field]!r} was cut at 25 pages; "
                "only those are linked"
            )
        return out

    def is_done(self, done_values: Iterable[str]) -> bool:
        """Whether `status` (a status, select or checkbox) says done (or `done` is ticked)."""
        if self.present("done") and self.flag("done"):
            return True
        status = self.raw("status")
        if isinstance(status, bool):
            return status
        wanted = {v.strip().casefold() for v in done_values}
        values = to_strings(status) if isinstance(status, list) else (to_text(status),)
        for value in values or ():
            if value is None:
                continue
            # A checkbox exported to CSV reads Yes/No.
            if value.strip().casefold() in wanted or to_bool(value) is True:
                return True
        return False

    def done_date(self, field: str, done_values: Iterable[str], fallback: dt.date | None,
                  what: str, fallback_name: str) -> dt.date | None:
        """The mapped done date, else the last edited date when the status says done.

        A CSV export carries no last-edited time (unless a `Last edited time` column
        provides it), so `fallback` (the planned or due date) stands in for it. Either
        way a `DataWarning` says which date was used.
        """
        day = self.date(field)
        if day is not None or not self.is_done(done_values):
            return day
        edited = self.row.last_edited
        day = local_date(edited, self.tz) if edited is not None else fallback
        if day is None:
            self.warn(f"{self.where}: marked done but no date is known; not counted as {what}")
        elif self.present(field):
            self.warn(
                f"{self.where}: marked done without a {self.names[field]!r} date; "
                f"counted as {what} on {day.isoformat()}"
            )
        else:
            used = "its last edit" if edited is not None else fallback_name
            self.warn(
                f"{self.where}: marked done with no {field.replace('_', ' ')} date property; "
                f"counted as {what} on {day.isoformat()}, {used}"
            )
        return day

    def count(self, field: str) -> int:
        number = self.number(field)
        return round(number) if number is not None else 0


def record_from_row(
    row: Row,
    kind: str,
    mapping: NotionKindMapping,
    *,
    tz: ZoneInfo,
    where: str,
    warnings: list[DataWarning],
    link_goals: Linker = notion_links,
) -> Record:
    """Map one row to a record (see `RowMapper`), checking its properties first.

    Raises:
        SourceError: a property named explicitly in the mapping is missing.
    """
    check_properties(row.names(), mapping, where)
    mapper = RowMapper(kind, mapping, tz=tz, where=where, link_goals=link_goals)
    return mapper.record(row, warnings)


class RowMapper:
    """Maps the rows of one table to records of `kind` (`goal`, `module`, …).

    `where` names the data source or file in messages; wrong-shaped values become
    `DataWarning`s. Unmapped properties go to `extra` by their name. A module (or
    milestone) without a completed (done on) date whose status is in `done_values`
    counts as completed on its last edited date; a CSV row has none unless a `Last
    edited time` column gives it, so its planned (due) date is used.

    What the mapping names is worked out once per table, not once per row; the caller
    checks the properties (`check_properties`) once for the table's header or schema.
    """

    def __init__(
        self,
        kind: str,
        mapping: NotionKindMapping,
        *,
        tz: ZoneInfo,
        where: str,
        link_goals: Linker = notion_links,
    ) -> None:
        build = _BUILDERS.get(kind)
        if build is None:
            raise ValueError(f"unknown kind {kind!r}")
        self._build = build
        self.mapping = mapping
        self.tz = tz
        self.where = where
        self.link_goals = link_goals
        self.names = mapping.property_names()
        self.mapped = frozenset(self.names.values())
        self.done_values = tuple(getattr(mapping, "done_values", ()))

    def record(self, row: Row, warnings: list[DataWarning]) -> Record:
        """The record of one row; a record no period can count is warned of."""
        title = title_of(row, self.mapping)
        # Messages name the row as a person sees it: its title, not only the table.
        fields = _Fields(row, self.names, tz=self.tz, where=f"{self.where}, {quoted(title)}",
                         warnings=warnings)
        common: dict[str, Any] = {
            "id": row.record_id,
            "source": row.source,
            "source_id": row.source_id,
            "title": title,
            "url": row.url,
            "updated_at": row.last_edited,
            "extra": self._extra(row),
        }
        record = self._build(fields, common, self)
        if (warning := missing_date(record)) is not None:
            warnings.append(warning)
        return record

    def goal_ids(self, fields: _Fields) -> tuple[str, ...]:
        """The goal record ids the row's goals relation links to."""
        relation = fields.relation("goals")
        return self.link_goals(relation, fields.row.record_id) if relation is not None else ()

    def _extra(self, row: Row) -> dict[str, Any]:
        title = self.mapping.title or row.title_property or ""
        extra: dict[str, Any] = {}
        for name in row.names():
            if name not in self.mapped and name != title:
                value = row.get(name)
                extra[name] = None if is_empty(value) else json_safe(value)
        return extra


_Builder: TypeAlias = Callable[[_Fields, dict[str, Any], RowMapper], Record]


def _goal(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    return Goal(
        **common,
        horizon=f.text("horizon"),
        target_date=f.date("target_date"),
        done=f.is_done(mapper.done_values),
    )


def _module(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    planned = f.date("planned")
    vetted = f.flag("vetted")
    return Module(
        **common,
        planned=planned,
        completed=f.done_date("completed", mapper.done_values, planned, "completed",
                              "its planned date"),
        minutes=f.number("minutes"),
        format=f.text("format"),
        track=f.text("track"),
        skills=f.strings("skills"),
        goal_ids=mapper.goal_ids(f),
        vetted=vetted,
        provider=f.text("provider"),
    )


def _session(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    return Session(
        **common,
        date=f.date("date"),
        mentor=f.text("mentor"),
        feedback=f.number("feedback"),
        insights=f.text("insights") or "",
        action_items_done=f.count("action_items_done"),
        action_items_total=f.count("action_items_total"),
    )


def _application(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    return Application(
        **common,
        date=f.date("date"),
        skills=f.strings("skills"),
        project=f.text("project"),
    )


def _milestone(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    due = f.date("due")
    return Milestone(
        **common,
        due=due,
        done_on=f.done_date("done_on", mapper.done_values, due, "reached", "its due date"),
        goal_ids=mapper.goal_ids(f),
    )


def _advancement(f: _Fields, common: dict[str, Any], mapper: RowMapper) -> Record:
    advancement_kind = f.text("kind")
    return Advancement(
        **common,
        date=f.date("date"),
        kind=advancement_kind.strip().casefold() if advancement_kind else "role",
        description=f.text("description") or "",
        skills=f.strings("skills"),
    )


_BUILDERS: dict[str, _Builder] = {
    "goal": _goal,
    "module": _module,
    "session": _session,
    "application": _application,
    "milestone": _milestone,
    "advancement": _advancement,
}
"""Record kind -> how a row's fields become that record."""
