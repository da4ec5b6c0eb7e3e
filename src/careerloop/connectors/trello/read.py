"""One parser for a Trello board: the nested API response and a JSON export alike.

Both have the shape of
`GET /1/boards/{id}?lists=all&cards=all&card_customFieldItems=true&checklists=all&`
`customFields=true&labels=all&actions=updateCard:idList,commentCard,createCard`:
`lists[]`, `cards[]`, `checklists[]`, `customFields[]`, `labels[]`, `actions[]`. Trello
names (`idList`, `customFieldItems`, `dueComplete`) stay in this module; `parse_board`
turns them into model records in one step.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from careerloop.config import TrelloSource
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
from careerloop.periods import parse_iso, parse_timestamp

__all__ = ["parse_board", "read_export"]

# Actions that put a card into `data.list` (the board asks for createCard; the others
# appear in exports and merged action pages and mean the same).
_CREATED_IN_LIST = frozenset(
    {"createCard", "copyCard", "convertToCardFromCheckItem", "moveCardToBoard"}
)

FieldValue = str | float | bool


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


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
    done_list_ids: set[str]
    done_list_names: set[str]
    fields: dict[str, _FieldDef]
    labels: dict[str, str]
    checklists: dict[str, list[dict[str, Any]]]
    moved_done: dict[str, dt.datetime] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)

    def is_done_list(self, ref: Any) -> bool:
        """Whether an action's `list`/`listAfter` ({id, name}) is a done list."""
        if not isinstance(ref, dict):
            return False
        list_id = ref.get("id")
        if isinstance(list_id, str) and list_id in self.lists:
            return list_id in self.done_list_ids
        # A list no longer on the board: only its name at the time is left.
        name = ref.get("name")
        return isinstance(name, str) and _key(name) in self.done_list_names


def _index(board: Mapping[str, Any], settings: TrelloSource) -> _BoardIndex:
    lists = {str(lst["id"]): lst for lst in _dicts(board.get("lists")) if "id" in lst}
    done_names = {_key(name) for name in settings.done_lists}
    fields: dict[str, _FieldDef] = {}
    for definition in _dicts(board.get("customFields")):
        options = {
            str(opt.get("id")): str((opt.get("value") or {}).get("text", ""))
            for opt in _dicts(definition.get("options"))
        }
        fields[str(definition.get("id"))] = _FieldDef(
            name=str(definition.get("name", "")),
            type=str(definition.get("type", "")),
            options=options,
        )
    checklists: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    nested = [c for card in _dicts(board.get("cards")) for c in _dicts(card.get("checklists"))]
    for checklist in [*_dicts(board.get("checklists")), *nested]:
        checklist_id = str(checklist.get("id"))
        if checklist_id in seen:
            continue
        seen.add(checklist_id)
        checklists.setdefault(str(checklist.get("idCard")), []).append(checklist)
    index = _BoardIndex(
        lists=lists,
        done_list_ids={i for i, lst in lists.items() if _key(str(lst.get("name"))) in done_names},
        done_list_names=done_names,
        fields=fields,
        labels={str(lb.get("id")): str(lb.get("name", "")) for lb in _dicts(board.get("labels"))},
        checklists=checklists,
    )
    _read_actions(index, _dicts(board.get("actions")))
    return index


def _read_actions(index: _BoardIndex, actions: list[dict[str, Any]]) -> None:
    """Last moves into a done list and comments, oldest first, each action once.

    The live connector may append older pages of actions: order comes from the dates,
    and an action seen twice counts once.
    """
    unique: dict[str, tuple[dt.datetime, dict[str, Any]]] = {}
    for action in actions:
        try:
            when = parse_timestamp(str(action.get("date")))
        except ValueError:
            continue
        unique.setdefault(str(action.get("id", id(action))), (when, action))
    for when, action in sorted(unique.values(), key=lambda item: item[0]):
        data = action.get("data") or {}
        card_id = (data.get("card") or {}).get("id")
        if not isinstance(card_id, str):
            continue
        kind = action.get("type")
        moved_into_done = (kind == "updateCard" and index.is_done_list(data.get("listAfter"))) or (
            kind in _CREATED_IN_LIST and index.is_done_list(data.get("list"))
        )
        if moved_into_done:
            index.moved_done[card_id] = when
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

    def label_names(self) -> list[str]:
        labels = _dicts(self.card.get("labels"))
        if labels:
            return [str(lb.get("name") or "") for lb in labels]
        ids = self.card.get("idLabels")
        return [self.index.labels.get(str(i), "") for i in ids] if isinstance(ids, list) else []

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
        if isinstance(value, str):
            try:
                number = float(value.strip().replace(",", ""))
                if math.isfinite(number):
                    return number
            except ValueError:
                pass
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

    def dated(self) -> dt.date | None:
        """Its due date, else its start date."""
        return self._date(self.card.get("due"), "due") or self._date(
            self.card.get("start"), "start"
        )

    @property
    def card_list(self) -> dict[str, Any]:
        return self.index.lists.get(str(self.card.get("idList")), {})

    @property
    def in_done_list(self) -> bool:
        return str(self.card.get("idList")) in self.index.done_list_ids

    def completed(self) -> dt.date | None:
        """The last move into a done list, else due when complete, else last activity.

        A card moved back out of a done list is open again: its old move no longer counts.
        """
        due_complete = bool(self.card.get("dueComplete"))
        if not self.in_done_list and not due_complete:
            return None
        moved = self.index.moved_done.get(self.id)
        if self.in_done_list and moved is not None:
            return moved.astimezone(self.tz).date()
        if due_complete and (due := self._date(self.card.get("due"), "due")) is not None:
            return due
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


def _kind_of(card: _Card, kinds: Mapping[str, str]) -> str | None:
    found = [kinds[_key(n)] for n in card.label_names() if _key(n) in kinds]
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


def _record(card: _Card, kind: str, goals_by_title: Mapping[str, str],
            kinds: Iterable[str]) -> Record:
    common = card.common(kinds)
    match kind:
        case "goal":
            return Goal(
                **common,
                horizon=card.text("horizon"),
                target_date=card.dated(),
                done=card.in_done_list or bool(card.card.get("dueComplete")),
            )
        case "module":
            return Module(
                **common,
                planned=card.dated(),
                completed=card.completed(),
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
                date=card.dated(),
                mentor=card.text("mentor"),
                feedback=card.number("feedback"),
                insights=card.insights(),
                action_items_done=done,
                action_items_total=total,
            )
        case "application":
            return Application(
                **common, date=card.dated(), skills=card.skills(), project=card.text("project")
            )
        case "milestone":
            return Milestone(
                **common,
                due=card.dated(),
                done_on=card.completed(),
                goal_ids=_goal_ids(card, goals_by_title),
            )
        case "advancement":
            advancement_kind = card.text("kind")
            return Advancement(
                **common,
                date=card.dated(),
                kind=advancement_kind.casefold() if advancement_kind else "role",
                description=str(card.card.get("desc") or "").strip(),
                skills=card.skills(),
            )
        case _:
            raise ValueError(f"unknown kind {kind!r}")


def parse_board(board: Mapping[str, Any], settings: TrelloSource, tz: ZoneInfo) -> Workspace:
    """The plan on a board: cards with a kind label, outside archived cards and lists."""
    index = _index(board, settings)
    kinds = {_key(label): kind for label, kind in settings.kinds.items()}
    workspace = Workspace()
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
    goals_by_title: dict[str, str] = {}
    for card, kind in cards:
        if kind == "goal":
            goals_by_title.setdefault(_key(card.title), card.record_id)
    for card, kind in cards:
        record = _record(card, kind, goals_by_title, settings.kinds)
        workspace.add(record)
        workspace.warnings.extend(card.warnings)
        if (warning := missing_date(record)) is not None:
            workspace.warnings.append(warning)
    return workspace


def read_export(path: Path, settings: TrelloSource, tz: ZoneInfo) -> Workspace:
    """Read a board exported as JSON (`[sources.trello] export`).

    Raises:
        SourceError: the file is missing, not JSON, or not a board.
    """
    try:
        board = json.loads(path.read_text(encoding="utf-8-sig"))
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
    if not isinstance(board, dict) or not isinstance(board.get("cards"), list):
        raise SourceError(
            f"Trello export {path} is not a board export (no cards[]): use Export as JSON "
            "from the board menu"
        )
    return parse_board(board, settings, tz)
