"""One parser for a Trello board: the nested API response and a JSON export alike.

Both have the shape of
`GET /1/boards/{id}?lists=all&cards=all&card_customFieldItems=true&checklists=all&`
`customFields=true&labels=all&actions=<ACTION_FILTER>`: `lists[]`, `cards[]`,
`checklists[]`, `customFields[]`, `labels[]`, `actions[]`. Trello names (`idList`,
`customFieldItems`, `dueComplete`) stay in this module; `read_board` turns them into
model records in one step.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from careerloop.config import COLOUR_KEY, TrelloSource
from careerloop.connectors.trello.client import board_ref
from careerloop.connectors.values import name_key as _key
from careerloop.connectors.values import parse_number
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
    Workspace,
    missing_date,
    quoted,
)
from careerloop.periods import local_date, parse_iso, parse_timestamp

__all__ = [
    "ACTION_FILTER",
    "EXPORT_ACTION_CAP",
    "BoardPlan",
    "DoneLists",
    "actions_at_cap",
    "board_in_export",
    "fallback_summary",
    "load_export",
    "parse_board",
    "read_board",
    "read_export",
]

# Actions that put a card into `data.list`: created there, copied there, moved there from
# another board, or made from a checklist item there.
ARRIVALS = ("createCard", "copyCard", "moveCardToBoard", "convertToCardFromCheckItem")
# Every action the parser reads, as Trello's `actions` filter: the live read asks for
# exactly these, so it sees what an export holds.
ACTION_FILTER = ",".join(("updateCard:idList", "commentCard", *ARRIVALS))
# A board export keeps only the newest 1,000 actions of each type.
EXPORT_ACTION_CAP = 1000

Fallback = Literal["done", "created"]
_UNDATED_KINDS = frozenset({"session", "application", "advancement"})
_PLURAL = {"session": "sessions", "application": "applications", "advancement": "advancements"}

FieldValue = str | float | bool


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class DoneLists:
    """`done_lists`: names or glob patterns (`"Done*"`), trimmed and case-insensitive."""

    patterns: tuple[str, ...]

    @classmethod
    def of(cls, settings: TrelloSource) -> DoneLists:
        return cls(tuple(_key(p) for p in settings.done_lists if p.strip()))

    def match(self, name: Any) -> bool:
        """Whether a list named `name` is a done list."""
        if not isinstance(name, str):
            return False
        key = _key(name)
        # Equality first: a plain name such as "Done [2022]" is no character class.
        return any(key == p or fnmatch.fnmatchcase(key, p) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class _Label:
    """A label; `name` is "" for a label without a name (Trello sends "" or null)."""

    name: str
    colour: str


def _label(raw: Mapping[str, Any]) -> _Label:
    return _Label(name=str(raw.get("name") or "").strip(), colour=str(raw.get("color") or ""))


@dataclass(frozen=True, slots=True)
class _FieldDef:
    """A custom field definition: `{id, name, type, options}`."""

    name: str
    type: str
    options: dict[str, str]


@dataclass(slots=True)
class _BoardIndex:
    """What the cards refer to, indexed once per board."""

    lists: dict[str, dict[str, Any]]
    done: DoneLists
    fields: dict[str, _FieldDef]
    labels: dict[str, _Label]
    checklists: dict[str, list[dict[str, Any]]]
    done_list_ids: set[str] = field(default_factory=set)
    actions_capped: bool = False
    arrived_done: dict[str, dt.datetime] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    guessed_completion: list[str] = field(default_factory=list)

    def is_done_list(self, ref: Any) -> bool:
        """Whether an action's `list`/`listAfter`/`listBefore` ({id, name}) is a done list."""
        if not isinstance(ref, dict):
            return False
        list_id = ref.get("id")
        if isinstance(list_id, str) and list_id in self.lists:
            return self.done.match(self.lists[list_id].get("name"))
        # A list no longer on the board: only its name at the time is left.
        return self.done.match(ref.get("name"))


def _index(board: Mapping[str, Any], settings: TrelloSource, actions_capped: bool) -> _BoardIndex:
    lists = {str(lst["id"]): lst for lst in _dicts(board.get("lists")) if "id" in lst}
    done = DoneLists.of(settings)
    index = _BoardIndex(
        lists=lists,
        done=done,
        done_list_ids={i for i, lst in lists.items() if done.match(lst.get("name"))},
        fields=_field_defs(board),
        labels=_labels_by_id(board),
        checklists=_checklists_by_card(board),
        actions_capped=actions_capped,
    )
    _read_actions(index, _dicts(board.get("actions")))
    return index


def _field_defs(board: Mapping[str, Any]) -> dict[str, _FieldDef]:
    """The board's custom field definitions by id, options by option id."""
    fields: dict[str, _FieldDef] = {}
    for definition in _dicts(board.get("customFields")):
        options = {
            str(opt.get("id")): str((opt.get("value") or {}).get("text", ""))
            for opt in _dicts(definition.get("options"))
        }
        fields[str(definition.get("id"))] = _FieldDef(
            name=str(definition.get("name") or ""),
            type=str(definition.get("type") or ""),
            options=options,
        )
    return fields


def _checklists_by_card(board: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each checklist once, by card, whether the board or its card carries it."""
    checklists: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    nested = [c for card in _dicts(board.get("cards")) for c in _dicts(card.get("checklists"))]
    for checklist in [*_dicts(board.get("checklists")), *nested]:
        checklist_id = str(checklist.get("id"))
        if checklist_id in seen:
            continue
        seen.add(checklist_id)
        checklists.setdefault(str(checklist.get("idCard")), []).append(checklist)
    return checklists


def _labels_by_id(board: Mapping[str, Any]) -> dict[str, _Label]:
    labels = {str(lb.get("id")): _label(lb) for lb in _dicts(board.get("labels"))}
    for card in _dicts(board.get("cards")):  # labels may be found only on cards
        for lb in _dicts(card.get("labels")):
            labels.setdefault(str(lb.get("id")), _label(lb))
    return labels


def _read_actions(index: _BoardIndex, actions: list[dict[str, Any]]) -> None:
    """First arrivals in the done lists and comments, oldest first, each action once.

    A move from one done list to another ("Done" → "Done 2022") keeps the arrival; a card
    that leaves the done lists loses it and arrives anew when it comes back. The live
    connector may append older pages of actions: order comes from the dates, and an
    action seen twice counts once.
    """
    unique: dict[str, tuple[dt.datetime, dict[str, Any]]] = {}
    for action in actions:
        try:
            when = parse_timestamp(str(action.get("date")))
        except ValueError:
            continue
        unique.setdefault(str(action.get("id", id(action))), (when, action))
    arrived = index.arrived_done
    for when, action in sorted(unique.values(), key=lambda item: item[0]):
        data = action.get("data") or {}
        card_id = (data.get("card") or {}).get("id")
        if not isinstance(card_id, str):
            continue
        kind = action.get("type")
        if kind == "updateCard" and "listAfter" in data:
            was_done = index.is_done_list(data.get("listBefore"))
            if not index.is_done_list(data["listAfter"]):
                arrived.pop(card_id, None)
            elif not was_done:
                arrived[card_id] = when
            # done → done: the card arrived earlier (known or not); nothing changes.
        elif kind in ARRIVALS:
            if index.is_done_list(data.get("list")):
                arrived[card_id] = when
            else:
                arrived.pop(card_id, None)
        elif kind == "commentCard" and isinstance(data.get("text"), str):
            index.comments.setdefault(card_id, []).append(data["text"])


class _Card:
    """One card read through the board index, collecting warnings."""

    def __init__(
        self,
        card: Mapping[str, Any],
        index: _BoardIndex,
        settings: TrelloSource,
        tz: ZoneInfo,
    ) -> None:
        self.card = card
        self.index = index
        self.settings = settings
        self.tz = tz
        self.warnings: list[DataWarning] = []
        self.id = str(card["id"])
        self.record_id = f"trello:{self.id}"
        self.title = str(card.get("name") or "")
        self.values, self.defined = self._custom_fields()

    def warn(self, message: str) -> None:
        self.warnings.append(
            DataWarning(
                record_id=self.record_id, message=f"Trello card {quoted(self.title)}: {message}"
            )
        )

    def labels(self) -> list[_Label]:
        labels = _dicts(self.card.get("labels"))
        if labels:
            return [
                _label(lb)
                if "name" in lb
                else self.index.labels.get(
                    str(lb.get("id")), _Label("", str(lb.get("color") or ""))
                )
                for lb in labels
            ]
        ids = self.card.get("idLabels")
        if not isinstance(ids, list):
            return []
        return [self.index.labels.get(str(i), _Label("", "")) for i in ids]

    def label_names(self) -> list[str]:
        return [label.name for label in self.labels() if label.name]

    def _custom_fields(self) -> tuple[dict[str, FieldValue], dict[str, _FieldDef]]:
        """Values by custom field name (case-folded); items without a definition skipped."""
        values: dict[str, FieldValue] = {}
        for item in _dicts(self.card.get("customFieldItems")):
            definition = self.index.fields.get(str(item.get("idCustomField")))
            if definition is None:
                continue  # the field was deleted; Trello keeps its items
            value = self._field_value(item, definition)
            if value is not None:
                values[_key(definition.name)] = value
        defined = {_key(d.name): d for d in self.index.fields.values()}
        return values, defined

    def _field_value(self, item: Mapping[str, Any], definition: _FieldDef) -> FieldValue | None:
        if item.get("idValue"):
            option = definition.options.get(str(item["idValue"]))
            if option is None:
                self.warn(f"custom field {definition.name!r} names an option that is gone")
            return option or None
        raw = item.get("value")
        if not isinstance(raw, dict):
            return None
        if "checked" in raw:
            return str(raw["checked"]).strip().lower() == "true"
        if "number" in raw:
            try:
                number = float(str(raw["number"]))
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                self.warn(
                    f"custom field {quoted(definition.name)} holds {quoted(str(raw['number']))}, "
                    "not a number"
                )
                return None
            return number
        for key in ("date", "text"):
            if isinstance(raw.get(key), str) and raw[key].strip():
                return str(raw[key])
        return None

    def field(self, model_field: str) -> FieldValue | None:
        name = self.settings.fields.get(model_field)
        return self.values.get(_key(name)) if name else None

    def text(self, model_field: str) -> str | None:
        value = self.field(model_field)
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        return value.strip() or None

    def number(self, model_field: str) -> float | None:
        value = self.field(model_field)
        if value is None or isinstance(value, float):
            return value
        # Text and dropdowns read as Notion's do: "1,234", "75%", a star rating "⭐⭐⭐⭐".
        if isinstance(value, str) and (number := parse_number(value)) is not None:
            return number
        self.warn(
            f"{quoted(self.settings.fields[model_field])} holds {quoted(str(value))}, not a number"
        )
        return None

    def flag(self, model_field: str) -> bool | None:
        value = self.field(model_field)
        if isinstance(value, bool):
            return value
        name = self.settings.fields.get(model_field)
        definition = self.defined.get(_key(name)) if name else None
        if value is None:
            # Trello drops the item of an unticked checkbox: defined but absent is False.
            return False if definition is not None and definition.type == "checkbox" else None
        if isinstance(value, str) and value.strip().casefold() in {"yes", "true"}:
            return True
        if isinstance(value, str) and value.strip().casefold() in {"no", "false"}:
            return False
        self.warn(f"{quoted(str(name))} holds {quoted(str(value))}, not a checkbox")
        return None

    def _date(self, raw: Any, what: str) -> dt.date | None:
        if not isinstance(raw, str) or not raw.strip():
            return None
        try:
            return parse_iso(raw, self.tz)
        except ValueError:
            self.warn(f"{what} {raw!r} is not a date")
            return None

    def date_field(self, model_field: str) -> dt.date | None:
        """The date in the custom field mapped to `model_field` (a date or text field)."""
        value = self.field(model_field)
        if value is None:
            return None
        name = self.settings.fields[model_field]
        if isinstance(value, str):
            return self._date(value, f"custom field {quoted(name)}")
        self.warn(f"custom field {quoted(name)} holds {quoted(str(value))}, not a date")
        return None

    def dated(self, model_field: str) -> dt.date | None:
        """Its mapped date custom field, else its due date, else its start date."""
        return (
            self.date_field(model_field)
            or self._date(self.card.get("due"), "due")
            or self._date(self.card.get("start"), "start")
        )

    def arrival(self) -> dt.date | None:
        """The day it arrived in the done lists, while it sits in one."""
        arrived = self.index.arrived_done.get(self.id) if self.in_done_list else None
        return local_date(arrived, self.tz) if arrived is not None else None

    def created(self) -> dt.date | None:
        """The day the card was made: its id starts with the Unix time in 8 hex digits."""
        if len(self.id) != 24:
            return None
        try:
            seconds = int(self.id[:8], 16)
        except ValueError:
            return None
        return local_date(dt.datetime.fromtimestamp(seconds, dt.UTC), self.tz)

    @property
    def card_list(self) -> dict[str, Any]:
        return self.index.lists.get(str(self.card.get("idList")), {})

    @property
    def in_done_list(self) -> bool:
        return str(self.card.get("idList")) in self.index.done_list_ids

    @property
    def due_complete(self) -> bool:
        """Its due date is ticked complete (`dueComplete` without a due date is nothing)."""
        return bool(self.card.get("dueComplete")) and bool(self.card.get("due"))

    def completed(self, model_field: str) -> dt.date | None:
        """Its mapped completion date, else its arrival in the done lists, else its due
        date when complete, else its last activity while it sits in a done list.
        """
        if (mapped := self.date_field(model_field)) is not None:
            return mapped
        if (arrived := self.arrival()) is not None:
            return arrived
        if self.due_complete and (due := self._date(self.card.get("due"), "due")) is not None:
            return due
        if not self.in_done_list:
            return None
        if self.index.actions_capped:
            self.index.guessed_completion.append(self.title)
        return self._date(self.card.get("dateLastActivity"), "last activity")

    def skills(self) -> tuple[str, ...]:
        prefix = self.settings.skill_prefix.casefold()
        found: list[str] = []
        for name in self.label_names():
            if prefix and name.casefold().startswith(prefix):
                skill = name[len(prefix) :].strip()
                if skill and skill not in found:
                    found.append(skill)
        return tuple(found)

    def insights(self) -> str:
        parts = [str(self.card.get("desc") or "").strip()]
        parts += [text.strip() for text in self.index.comments.get(self.id, [])]
        return "\n\n".join(p for p in parts if p)

    def action_items(self) -> tuple[int, int]:
        checklists = self.index.checklists.get(self.id, [])
        items = [i for c in checklists for i in _dicts(c.get("checkItems"))]
        return sum(i.get("state") == "complete" for i in items), len(items)

    def extra(self, kinds: Iterable[str]) -> dict[str, Any]:
        """Unmapped custom fields by name, other labels, and the list name."""
        mapped = {_key(name) for name in self.settings.fields.values()}
        extra: dict[str, Any] = {}
        for definition in self.defined.values():
            value = self.values.get(_key(definition.name))
            if _key(definition.name) not in mapped and value is not None:
                extra[definition.name] = value
        skip = {_key(k) for k in kinds}
        prefix = self.settings.skill_prefix.casefold()
        labels = [
            n
            for n in self.label_names()
            if n and _key(n) not in skip and not (prefix and n.casefold().startswith(prefix))
        ]
        if labels:
            extra["labels"] = labels
        if self.card_list.get("name"):
            extra["list"] = str(self.card_list["name"])
        return extra

    def common(self, kinds: Iterable[str]) -> dict[str, Any]:
        url = self.card.get("url") or self.card.get("shortUrl")
        activity = self.card.get("dateLastActivity")
        try:
            updated = parse_timestamp(activity) if isinstance(activity, str) else None
        except ValueError:
            updated = None
        return {
            "id": self.record_id,
            "source": "trello",
            "source_id": self.id,
            "title": self.title,
            "url": str(url) if url else None,
            "updated_at": updated,
            "extra": self.extra(kinds),
        }


@dataclass(frozen=True, slots=True)
class _Kinds:
    """`[sources.trello.kinds]`: label names, and `color:<colour>` for unnamed labels."""

    by_name: dict[str, str]
    by_colour: dict[str, str]

    @classmethod
    def of(cls, settings: TrelloSource) -> _Kinds:
        by_name: dict[str, str] = {}
        by_colour: dict[str, str] = {}
        for key, kind in settings.kinds.items():
            folded = _key(key)
            if folded.startswith(COLOUR_KEY):
                by_colour[folded.removeprefix(COLOUR_KEY).strip()] = kind
            else:
                by_name[folded] = kind
        return cls(by_name, by_colour)

    def of_label(self, label: _Label) -> str | None:
        if label.name:
            return self.by_name.get(_key(label.name))
        return self.by_colour.get(label.colour.casefold()) if label.colour else None


def _kind_of(card: _Card, kinds: _Kinds) -> str | None:
    found = [kind for label in card.labels() if (kind := kinds.of_label(label)) is not None]
    if len(set(found)) > 1:
        card.warn(f"has labels of several kinds ({', '.join(found)}); read as a {found[0]}")
    return found[0] if found else None


def _goal_ids(card: _Card, goals_by_title: Mapping[str, str]) -> tuple[str, ...]:
    name = card.text("goal")
    if name is None:
        return ()
    if (goal_id := goals_by_title.get(_key(name))) is not None:
        return (goal_id,)
    # Several goals may be named in one text field, separated by commas.
    ids = [goals_by_title.get(_key(part)) for part in name.split(",") if part.strip()]
    if ids and all(ids):
        return tuple(dict.fromkeys(i for i in ids if i))
    card.warn(f"goal {name!r} is not the title of a goal card; link left out")
    return ()


def _undated(card: _Card) -> tuple[dt.date | None, Fallback | None]:
    """The date of a session, application or advancement, and the fallback that gave it.

    With no mapped date, due or start date: the day it reached a done list, else the
    day the card was made.
    """
    if (date := card.dated("date")) is not None:
        return date, None
    if (arrived := card.arrival()) is not None:
        return arrived, "done"
    if (created := card.created()) is not None:
        return created, "created"
    return None, None


def _record(
    card: _Card,
    kind: str,
    date: dt.date | None,
    goals_by_title: Mapping[str, str],
    kinds: Iterable[str],
) -> Record:
    common = card.common(kinds)
    match kind:
        case "goal":
            return _goal(card, common)
        case "module":
            return Module(
                **common,
                planned=card.dated("planned"),
                completed=card.completed("completed"),
                minutes=card.number("minutes"),
                format=card.text("format"),
                track=card.text("track"),
                skills=card.skills(),
                goal_ids=_goal_ids(card, goals_by_title),
                vetted=card.flag("vetted"),
                provider=card.text("provider"),
            )
        case "session":
            done, total = card.action_items()
            return Session(
                **common,
                date=date,
                mentor=card.text("mentor"),
                feedback=card.number("feedback"),
                insights=card.insights(),
                action_items_done=done,
                action_items_total=total,
            )
        case "application":
            return Application(
                **common, date=date, skills=card.skills(), project=card.text("project")
            )
        case "milestone":
            return Milestone(
                **common,
                due=card.dated("due"),
                done_on=card.completed("done_on"),
                goal_ids=_goal_ids(card, goals_by_title),
            )
        case "advancement":
            return _advancement(card, common, date)
        case _:
            raise ValueError(f"unknown kind {kind!r}")


def _goal(card: _Card, common: dict[str, Any]) -> Goal:
    target = card.dated("target_date")
    if target is None:
        card.warn("no due or start date, so the goal has no target date")
    return Goal(
        **common,
        horizon=card.text("horizon"),
        target_date=target,
        done=card.in_done_list or card.due_complete,
    )


def _advancement(card: _Card, common: dict[str, Any], date: dt.date | None) -> Advancement:
    advancement_kind = card.text("kind")
    return Advancement(
        **common,
        date=date,
        kind=advancement_kind.casefold() if advancement_kind else "role",
        description=str(card.card.get("desc") or "").strip(),
        skills=card.skills(),
    )


@dataclass(slots=True)
class BoardPlan:
    """The plan on one board, the titles of the records each fallback dated (by kind),
    and the titles of cards whose completion is a guess (an export at the action cap)."""

    workspace: Workspace
    dated_by: dict[tuple[str, Fallback], list[str]] = field(default_factory=dict)
    guessed_completion: list[str] = field(default_factory=list)


def _some(titles: list[str]) -> str:
    """Up to three titles, quoted: `'A', 'B', 'C', …`."""
    return ", ".join(quoted(t) for t in titles[:3]) + (", …" if len(titles) > 3 else "")


def _fallback_message(kind: str, fallback: Fallback, titles: list[str]) -> str:
    count = len(titles)
    what = _PLURAL[kind] if count != 1 else kind
    if fallback == "done":
        how = f"the day {'they' if count != 1 else 'it'} reached a done list"
    else:
        how = "the card's creation"
    return f"{count} {what} dated by {how} (no due or start date): {_some(titles)}"


def fallback_summary(dated_by: Mapping[tuple[str, Fallback], list[str]]) -> list[str]:
    """One line per fallback and kind, e.g. `7 sessions dated by the card's creation …`."""
    order = {"session": 0, "application": 1, "advancement": 2, "done": 0, "created": 1}
    keys = sorted(dated_by, key=lambda k: (order[k[1]], order[k[0]]))
    return [
        _fallback_message(kind, how, dated_by[kind, how])
        for kind, how in keys
        if dated_by[kind, how]
    ]


def read_board(
    board: Mapping[str, Any], settings: TrelloSource, tz: ZoneInfo, *, actions_capped: bool = False
) -> BoardPlan:
    """The plan on a board: cards with a kind label, outside archived cards and lists.

    `actions_capped`: the board's actions may have lost older arrivals (an export at
    Trello's cap), so a completion taken from the last activity is a guess to flag.
    """
    index = _index(board, settings, actions_capped)
    cards = _kinded_cards(board, index, settings, tz)
    goals_by_title: dict[str, str] = {}
    for card, kind in cards:
        if kind == "goal":
            goals_by_title.setdefault(_key(card.title), card.record_id)
    plan = BoardPlan(Workspace())
    workspace = plan.workspace
    for card, kind in cards:
        date: dt.date | None = None
        if kind in _UNDATED_KINDS:
            date, fallback = _undated(card)
            if fallback is not None:
                plan.dated_by.setdefault((kind, fallback), []).append(card.title)
        record = _record(card, kind, date, goals_by_title, settings.kinds)
        workspace.add(record)
        workspace.warnings.extend(card.warnings)
        if (warning := missing_date(record)) is not None:
            workspace.warnings.append(warning)
    plan.guessed_completion = index.guessed_completion
    workspace.warnings.extend(_board_warnings(board, plan))
    return plan


def _kinded_cards(
    board: Mapping[str, Any], index: _BoardIndex, settings: TrelloSource, tz: ZoneInfo
) -> list[tuple[_Card, str]]:
    """The open cards in open lists that carry a kind label, with their kind."""
    kinds = _Kinds.of(settings)
    cards: list[tuple[_Card, str]] = []
    for raw in _dicts(board.get("cards")):
        if "id" not in raw or raw.get("closed"):
            continue
        # Cards in an archived list still say closed: false.
        if index.lists.get(str(raw.get("idList")), {}).get("closed"):
            continue
        card = _Card(raw, index, settings, tz)
        kind = _kind_of(card, kinds)
        if kind is not None:
            cards.append((card, kind))
    return cards


def _board_warnings(board: Mapping[str, Any], plan: BoardPlan) -> list[DataWarning]:
    """The board-wide warnings: records a fallback dated, completions left to guess."""
    board_id = f"trello:{board.get('id') or 'board'}"
    warnings = [
        DataWarning(record_id=board_id, message=line) for line in fallback_summary(plan.dated_by)
    ]
    if plan.guessed_completion:
        count = len(plan.guessed_completion)
        warnings.append(
            DataWarning(
                record_id=board_id,
                message=f"{count} card{'s' if count != 1 else ''} in a done list "
                f"({_some(plan.guessed_completion)}) "
                f"{'have' if count != 1 else 'has'} no record of arriving there: the "
                f"export keeps only the newest {EXPORT_ACTION_CAP:,} actions of each "
                "type, so the completion day is a guess from the last activity; read "
                "the board live ([sources.trello] board) for exact days",
            )
        )
    return warnings


def parse_board(
    board: Mapping[str, Any], settings: TrelloSource, tz: ZoneInfo, *, actions_capped: bool = False
) -> Workspace:
    """The plan on a board as a workspace (see `read_board`)."""
    return read_board(board, settings, tz, actions_capped=actions_capped).workspace


def actions_at_cap(board: Mapping[str, Any]) -> bool:
    """Whether an export holds Trello's cap of actions of a type the parser dates by."""
    counts = Counter(str(a.get("type")) for a in _dicts(board.get("actions")))
    return any(counts[kind] >= EXPORT_ACTION_CAP for kind in ("updateCard", *ARRIVALS))


def load_export(path: Path) -> Any:
    """The JSON in a Trello export (a byte-order mark allowed).

    Raises:
        SourceError: the file is missing, unreadable, not UTF-8 or not JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SourceError(
            f"Trello export {path} not found: export the board (board menu → Print, export "
            "and share → Export as JSON) and point [sources.trello] export at the file"
        ) from None
    except UnicodeDecodeError:
        raise SourceError(f"Trello export {path} is not UTF-8 JSON: export it again") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"Trello export {path} is not valid JSON (line {exc.lineno}, column {exc.colno}): "
            "export the board again"
        ) from None
    except OSError as exc:
        raise SourceError(f"cannot read Trello export {path}: {exc.strerror}") from None


def _board_name(board: Mapping[str, Any]) -> str:
    return quoted(str(board.get("name") or board.get("id") or "?"))


def board_in_export(data: Any, path: Path, settings: TrelloSource) -> dict[str, Any]:
    """The board in an export: a board export, or one board of an account export.

    An account export (`boards[]`) is read when it holds one board, or the one that
    `[sources.trello] board` names by id, short link or URL.

    Raises:
        SourceError: the file is not a board export, or names several boards.
    """
    how = "export the board from its menu (Print, export and share → Export as JSON)"
    if isinstance(data, list):
        raise SourceError(
            f"Trello export {path} is a bare list of {len(data)} items, not a board export "
            f"(its lists and labels are needed): {how}"
        )
    if not isinstance(data, dict):
        raise SourceError(f"Trello export {path} is not a board export: {how}")
    if isinstance(data.get("cards"), list):
        return data
    boards = _dicts(data.get("boards"))
    if not boards:
        raise SourceError(f"Trello export {path} is not a board export (no cards[]): {how}")
    if len(boards) == 1:
        return boards[0]
    if settings.board:
        ref = board_ref(settings.board)
        for board in boards:
            if ref in (board.get("id"), board.get("shortLink")):
                return board
    names = ", ".join(_board_name(b) for b in boards)
    none = f", none of them {settings.board!r}" if settings.board else ""
    raise SourceError(
        f"Trello export {path} holds {len(boards)} boards ({names}){none}: set "
        "[sources.trello] board to the id or URL of the one to read, or export that board "
        "alone"
    )


def read_export(path: Path, settings: TrelloSource, tz: ZoneInfo) -> Workspace:
    """Read a board exported as JSON (`[sources.trello] export`).

    Raises:
        SourceError: the file is missing, not JSON, or not a board.
    """
    board = board_in_export(load_export(path), path, settings)
    if not isinstance(board.get("cards"), list):
        raise SourceError(f"Trello export {path}: board {_board_name(board)} has no cards[]")
    return parse_board(board, settings, tz, actions_capped=actions_at_cap(board))
