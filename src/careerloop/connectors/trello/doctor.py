"""`careerloop doctor` for Trello: a live board (credentials first) or a board export.

Live, two requests: `/1/members/me` once (the `/1/members/` routes allow only 100
requests per 900 s, so it is never called more often), then the board read the sync
makes (`live.fetch_board`). Both a live board and an export then get the same rows: done
lists, kind labels, custom fields, and how many records were dated by a fallback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careerloop.config import COLOUR_KEY, Config, TrelloSource
from careerloop.connectors.base import Check
from careerloop.connectors.trello.client import TrelloApi, board_ref
from careerloop.connectors.trello.live import fetch_board
from careerloop.connectors.trello.read import (
    EXPORT_ACTION_CAP,
    DoneLists,
    actions_at_cap,
    board_in_export,
    fallback_summary,
    load_export,
    read_board,
)
from careerloop.connectors.values import name_key as _key
from careerloop.errors import AuthError, CareerloopError, ConfigError

__all__ = ["check_trello", "check_trello_export"]

_FIX_TOKEN = (
    "make a token at https://trello.com/1/authorize?expiration=never&scope=read,write&"
    "response_type=token&key=<your key> and put it in {env}"
)
_FIX_EXPORT = "export the board from its menu (Print, export and share → Export as JSON)"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def check_trello(config: Config, *, api: TrelloApi | None = None) -> list[Check]:
    """The rows of `doctor` for `[sources.trello] board` (none when it reads an export)."""
    source = config.sources.trello
    if source is None or not source.board:
        return []
    try:
        ref = board_ref(source.board)
        client = api or TrelloApi.from_config(source)
    except ConfigError as error:
        return [
            Check(
                name="trello credentials",
                status="fail",
                detail=str(error),
                fix=f"export {source.key_env} and {source.token_env}",
            )
        ]
    try:
        checks = [_token_check(client, source)]
        if checks[0].status == "fail":
            return checks
        board = fetch_board(client, ref)
    except CareerloopError as error:
        checks.append(
            Check(
                name="trello board",
                status="fail",
                detail=str(error),
                fix="set [sources.trello] board to the board's URL or id",
            )
        )
        return checks
    finally:
        if api is None:
            client.close()
    checks.append(_board_state_check(board))
    checks.extend(_board_checks(source, board))
    checks.extend(_dating_checks(config, board, capped=False))
    if "trello" in config.reviews.targets:
        checks.append(_reviews_list_check(config.reviews.trello.list, board))
    return checks


def _token_check(client: TrelloApi, source: TrelloSource) -> Check:
    """Whether Trello accepts the key and token, and whose they are."""
    try:
        me = client.fetch("Trello token", "/members/me", params={"fields": "username,fullName"})
    except AuthError as error:
        return Check(
            name="trello token",
            status="fail",
            detail=str(error),
            fix=_FIX_TOKEN.format(env=source.token_env),
        )
    except CareerloopError as error:
        return Check(name="trello token", status="fail", detail=str(error))
    who = me.get("username") or me.get("fullName") or "?"
    return Check(name="trello token", status="ok", detail=f"key and token accepted (user @{who})")


def _board_state_check(board: dict[str, Any]) -> Check:
    name = str(board.get("name") or board.get("id"))
    if board.get("closed"):
        return Check(
            name="trello board",
            status="warn",
            detail=f"board {name!r} is closed (archived)",
            fix="reopen the board in Trello",
        )
    return Check(name="trello board", status="ok", detail=f"board {name!r}")


def _reviews_list_check(reviews: str, board: dict[str, Any]) -> Check:
    lists = {_key(str(x.get("name") or "")) for x in _open_lists(board)}
    found = "found" if _key(reviews) in lists else "will be created on the first publish"
    return Check(name="trello reviews list", status="ok", detail=f"list {reviews!r} {found}")


def check_trello_export(config: Config, path: Path) -> list[Check]:
    """The rows of `doctor` for `[sources.trello] export`: never raises on odd files."""
    source = config.sources.trello
    assert source is not None
    try:
        board = board_in_export(load_export(path), path, source)
    except CareerloopError as error:
        return [Check(name="trello export", status="fail", detail=str(error), fix=_FIX_EXPORT)]
    cards = _dicts(board.get("cards"))
    if not isinstance(board.get("cards"), list):
        return [
            Check(
                name="trello export",
                status="fail",
                detail=f"{path.name}: board {board.get('name')!r} has no cards[]",
                fix=_FIX_EXPORT,
            )
        ]
    name = str(board.get("name") or board.get("id") or "?")
    checks = [
        Check(
            name="trello export",
            status="ok",
            detail=f"{path.name}: board {name!r}, {len(cards)} cards",
        )
    ]
    checks.extend(_board_checks(source, board))
    checks.extend(_dating_checks(config, board, capped=actions_at_cap(board)))
    return checks


def _open_lists(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [x for x in _dicts(board.get("lists")) if not x.get("closed")]


def _board_checks(source: TrelloSource, board: dict[str, Any]) -> list[Check]:
    """Done lists, kind labels and custom fields, alike for a live board and an export."""
    return [
        _done_lists_check(source, board),
        _kind_labels_check(source, board),
        _custom_fields_check(source, board),
    ]


def _done_lists_check(source: TrelloSource, board: dict[str, Any]) -> Check:
    done = DoneLists.of(source)
    names = [str(x.get("name") or "") for x in _open_lists(board)]
    matched = [n for n in names if done.match(n)]
    if matched:
        return Check(
            name="trello done lists", status="ok", detail=f"done when in {', '.join(matched)}"
        )
    return Check(
        name="trello done lists",
        status="warn",
        detail=f"no open list matches {', '.join(source.done_lists)}: completion then "
        "comes only from complete due dates",
        fix="rename your done list or set [sources.trello] done_lists (patterns like "
        '"Done*" allowed)',
    )


def _kind_labels_check(source: TrelloSource, board: dict[str, Any]) -> Check:
    missing = _missing_kind_labels(source, board)
    if not missing:
        return Check(
            name="trello kind labels", status="ok", detail=f"{len(source.kinds)} kind labels found"
        )
    return Check(
        name="trello kind labels",
        status="warn" if len(missing) < len(source.kinds) else "fail",
        detail=f"labels missing: {', '.join(missing)} (cards of those kinds are not read)",
        fix="careerloop init --trello adds them, or map your labels in "
        '[sources.trello.kinds] (a label name, or "color:<colour>" for a label '
        "without a name)",
    )


def _missing_kind_labels(source: TrelloSource, board: dict[str, Any]) -> list[str]:
    """The configured kind labels no label of the board (or of a card) carries."""
    # Labels on the board and labels found only on cards both count.
    labels = [
        *_dicts(board.get("labels")),
        *(lb for card in _dicts(board.get("cards")) for lb in _dicts(card.get("labels"))),
    ]
    named = {_key(str(lb.get("name") or "")) for lb in labels if str(lb.get("name") or "").strip()}
    colours = {
        str(lb.get("color") or "").casefold()
        for lb in labels
        if not str(lb.get("name") or "").strip()
    }
    missing = []
    for key in source.kinds:
        folded = _key(key)
        if folded.startswith(COLOUR_KEY):
            if folded.removeprefix(COLOUR_KEY).strip() not in colours:
                missing.append(f"{key} (no label of that colour without a name)")
        elif folded not in named:
            missing.append(key)
    return missing


def _custom_fields_check(source: TrelloSource, board: dict[str, Any]) -> Check:
    definitions = _dicts(board.get("customFields"))
    fields = {_key(str(x.get("name") or "")) for x in definitions}
    absent = [
        f"{value} ({key})" for key, value in source.fields.items() if _key(value) not in fields
    ]
    if not absent:
        return Check(
            name="trello custom fields",
            status="ok",
            detail=f"{len(source.fields)} mapped custom fields found",
        )
    if not definitions:
        return Check(
            name="trello custom fields",
            status="warn",
            detail="the board has no custom fields (is the Custom Fields Power-Up on?); "
            f"missing: {', '.join(absent)}",
            fix="switch on Custom Fields (board menu → Power-Ups), then run "
            "careerloop init --trello",
        )
    return Check(
        name="trello custom fields",
        status="warn",
        detail=f"custom fields missing: {', '.join(absent)} (those values stay empty)",
        fix="careerloop init --trello adds them, or fix [sources.trello.fields]",
    )


def _dating_checks(config: Config, board: dict[str, Any], *, capped: bool) -> list[Check]:
    """How many records a fallback dated, and completions an export's cap left to guess."""
    source = config.sources.trello
    assert source is not None
    plan = read_board(board, source, config.workspace.tz, actions_capped=capped)
    lines = fallback_summary(plan.dated_by)
    checks = [
        Check(
            name="trello dates",
            status="warn",
            detail="; ".join(lines),
            fix="give those cards a due or start date, or map a date custom field "
            '([sources.trello.fields] date = "<field name>")',
        )
        if lines
        else Check(
            name="trello dates",
            status="ok",
            detail="every session, application and advancement has a date of its own",
        )
    ]
    if plan.guessed_completion:
        count = len(plan.guessed_completion)
        checks.append(
            Check(
                name="trello export actions",
                status="warn",
                detail=f"the export keeps only the newest {EXPORT_ACTION_CAP:,} actions of each "
                f"type: {count} card{'s' if count != 1 else ''} in done lists "
                f"{'have' if count != 1 else 'has'} no record of arriving there "
                "(completion guessed from the last activity)",
                fix="read the board live ([sources.trello] board) for exact completion days",
            )
        )
    return checks
