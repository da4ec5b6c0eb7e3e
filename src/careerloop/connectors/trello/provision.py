"""Prepare a Trello board for careerloop (`careerloop init --trello`).

On a board the user names, it creates what the default mapping expects and is missing:
the lists (Planned, Doing, the done lists, the Reviews list), the kind labels and one
`skill:` example label, and the custom fields named in `[sources.trello.fields]`. Lists,
labels and fields are found by name (trimmed, case-insensitive; archived lists do not
count), so running it again creates nothing. Trello refuses custom fields on a board
where the Custom Fields Power-Up is off: that is reported as a step to do by hand, and
the rest is still created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from careerloop.config import TrelloSource
from careerloop.connectors.trello.client import TrelloApi, board_ref
from careerloop.connectors.values import name_key as _key
from careerloop.errors import AuthError, CareerloopError, SourceError

__all__ = ["FIELD_TYPES", "Provisioned", "provision_board", "source_toml"]

_LABEL_COLOURS = ["green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink"]
_FORMATS = [
    "video",
    "quiz",
    "flashcards",
    "infographic",
    "case study",
    "simulation",
    "article",
    "podcast",
]

FIELD_TYPES: dict[str, tuple[str, list[str]]] = {
    "minutes": ("number", []),
    "feedback": ("number", []),
    "track": ("text", []),
    "goal": ("text", []),
    "kind": ("list", ["role", "title", "compensation"]),
    "format": ("list", _FORMATS),
    "vetted": ("checkbox", []),
    "provider": ("text", []),
    "mentor": ("text", []),
    "project": ("text", []),
    "horizon": ("list", ["6m", "12m"]),
}
"""Model field -> (Trello custom field type, list options) for the fields init creates."""


@dataclass(slots=True, kw_only=True)
class Provisioned:
    """What `provision_board` found and did."""

    board_id: str
    board_name: str
    board_url: str
    created: list[str] = field(default_factory=list)  # "list 'Done'", "label 'Goal'", …
    existing: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)  # steps the user must take by hand
    toml: str = ""  # [sources.trello] and [reviews.trello], ready for careerloop.toml
    requests: int = 0


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def source_toml(source: TrelloSource, board_id: str, reviews_list: str) -> str:
    """The `[sources.trello]` and `[reviews.trello]` tables for a prepared board."""
    done = ", ".join(_toml_string(d) for d in source.done_lists)
    lines = [
        "[sources.trello]",
        f"key_env = {_toml_string(source.key_env)}",
        f"token_env = {_toml_string(source.token_env)}",
        f"board = {_toml_string(board_id)}",
    ]
    if source.base_url:
        lines.append(f"base_url = {_toml_string(source.base_url)}")
    lines += [
        f"done_lists = [{done}]",
        f"skill_prefix = {_toml_string(source.skill_prefix)}",
        "",
        "[sources.trello.kinds]",
        *(f"{_toml_string(label)} = {_toml_string(kind)}" for label, kind in source.kinds.items()),
        "",
        "[sources.trello.fields]",
        *(f"{key} = {_toml_string(name)}" for key, name in source.fields.items()),
        "",
        "[reviews.trello]",
        f"list = {_toml_string(reviews_list)}",
        "",
    ]
    return "\n".join(lines)


def provision_board(
    board: str,
    *,
    source: TrelloSource | None = None,
    reviews_list: str = "Reviews",
    api: TrelloApi | None = None,
) -> Provisioned:
    """Create on `board` (id, short link or URL) what careerloop's mapping expects.

    `source` supplies the key and token variables, base_url, done lists, kind labels and
    field names (default: the defaults of `[sources.trello]`).

    Raises:
        ConfigError: `board` is not a board reference, or a credential variable is unset.
        AuthError, NotFound, SourceError: Trello refused the token or has no such board.
    """
    settings = source or TrelloSource(board=board)
    ref = board_ref(board)
    client = api or TrelloApi.from_config(settings)
    start = client.calls
    try:
        result = _provision(client, ref, settings, reviews_list)
    finally:
        if api is None:
            client.close()
    result.requests = client.calls - start
    return result


def _provision(api: TrelloApi, ref: str, settings: TrelloSource, reviews_list: str) -> Provisioned:
    where = f"Trello board {ref}"
    board: dict[str, Any] = api.fetch(
        where,
        f"/boards/{ref}",
        params={
            "fields": "name,url",
            "lists": "open",
            "list_fields": "name",
            "labels": "all",
            "labels_limit": "1000",
            "customFields": "true",
        },
    )
    board_id = str(board["id"])
    result = Provisioned(
        board_id=board_id,
        board_name=str(board.get("name") or board_id),
        board_url=str(board.get("url") or ""),
    )
    _add_lists(api, where, board, settings, reviews_list, result)
    _add_labels(api, where, board, settings, result)
    _add_custom_fields(api, where, board, settings, result)
    result.toml = source_toml(settings, board_id, reviews_list)
    return result


def _names(board: dict[str, Any], part: str) -> set[str]:
    """The folded names of the board's `lists`, `labels` or `customFields`."""
    return {_key(str(x.get("name", ""))) for x in board.get(part) or []}


def _add_lists(
    api: TrelloApi,
    where: str,
    board: dict[str, Any],
    settings: TrelloSource,
    reviews_list: str,
    result: Provisioned,
) -> None:
    lists = _names(board, "lists")
    for name in dict.fromkeys(["Planned", "Doing", *settings.done_lists, reviews_list]):
        if _key(name) in lists:
            result.existing.append(f"list {name!r}")
            continue
        api.fetch(
            where,
            "/lists",
            method="POST",
            body={"name": name, "idBoard": str(board["id"]), "pos": "bottom"},
        )
        result.created.append(f"list {name!r}")


def _add_labels(
    api: TrelloApi, where: str, board: dict[str, Any], settings: TrelloSource, result: Provisioned
) -> None:
    labels = _names(board, "labels")
    wanted = [*settings.kinds, f"{settings.skill_prefix}SQL"]
    for number, name in enumerate(wanted):
        if _key(name) in labels:
            result.existing.append(f"label {name!r}")
            continue
        colour = (
            "black"
            if name.startswith(settings.skill_prefix)
            else _LABEL_COLOURS[number % len(_LABEL_COLOURS)]
        )
        api.fetch(
            where,
            "/labels",
            method="POST",
            body={"name": name, "color": colour, "idBoard": str(board["id"])},
        )
        result.created.append(f"label {name!r}")


def _add_custom_fields(
    api: TrelloApi, where: str, board: dict[str, Any], settings: TrelloSource, result: Provisioned
) -> None:
    fields = _names(board, "customFields")
    for model_field, name in settings.fields.items():
        if _key(name) in fields:
            result.existing.append(f"custom field {name!r}")
            continue
        kind, options = FIELD_TYPES.get(model_field, ("text", []))
        body: dict[str, Any] = {
            "idModel": str(board["id"]),
            "modelType": "board",
            "name": name,
            "type": kind,
            "pos": "bottom",
            "display_cardFront": True,
        }
        if options:
            body["options"] = [
                {"value": {"text": o}, "color": "none", "pos": n} for n, o in enumerate(options)
            ]
        try:
            api.fetch(f"{where} (custom field {name!r})", "/customFields", method="POST", body=body)
        except (AuthError, SourceError) as error:
            if not _plugin_refused(error):
                raise
            result.manual.append(
                "switch on the Custom Fields Power-Up by hand (board menu → Power-Ups → "
                "Custom Fields), then run `careerloop init --trello` again to add the "
                f"fields {', '.join(repr(n) for n in settings.fields.values())}"
            )
            return
        result.created.append(f"custom field {name!r} ({kind})")


def _plugin_refused(error: CareerloopError) -> bool:
    """Whether Trello refused a custom field as it does when the Power-Up is off: a 403,
    or a 400/422 (the status and text vary), never a 401, 404 or 429."""
    text = str(error)
    return "(403 " in text or "answered 400" in text or "answered 422" in text
