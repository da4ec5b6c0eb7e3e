"""Helpers of the secrets suite: unique token values and the places a value must never reach."""

from __future__ import annotations

import logging
import secrets
import traceback
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

# Loggers that see requests: the SDKs, the HTTP stacks and careerloop's own.
THIRD_PARTY_LOGGERS = ("httpx", "httpcore", "urllib3", "requests", "notion_client",
                       "careerloop", "careerloop.notion.sdk", "trello")


def notion_token() -> str:
    """A Notion integration token never used before (ntn_ + 46 characters)."""
    return f"ntn_{uuid.uuid4().hex}{secrets.token_hex(7)}"


def trello_key() -> str:
    """A Trello API key never used before (32 hex)."""
    return secrets.token_hex(16)


def trello_token() -> str:
    """A Trello token never used before (64 hex)."""
    return secrets.token_hex(32)


def capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    """caplog at DEBUG on the root and on every logger that sees HTTP traffic."""
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


def exception_chain(error: BaseException | None) -> Iterator[BaseException]:
    """The exception, its causes and contexts (each once), whatever suppresses them."""
    seen: set[int] = set()
    todo = [error] if error is not None else []
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([current.__cause__, current.__context__])
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)


def exception_texts(error: BaseException | None) -> list[str]:
    """str, repr and args of every exception in the chain, and the full formatted chain."""
    texts = []
    for item in exception_chain(error):
        texts += [str(item), repr(item), repr(item.args)]
        texts.append("".join(traceback.format_exception(item)))
    return texts


def log_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """Every captured record as text: message, raw msg and args, exception."""
    formatter = logging.Formatter()
    texts = []
    for record in records:
        texts += [record.getMessage(), str(record.msg), repr(record.args)]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            texts.append(record.exc_text)
    return texts


def file_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the state database and its -wal, reviews, configs…)."""
    return {p.as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_nowhere(values: Iterable[str], **places: str | list[str] | dict[str, bytes]) -> None:
    """No value appears in any place; a failure names the value's kind and the place."""
    for value in values:
        for where, content in places.items():
            if isinstance(content, dict):
                for name, data in content.items():
                    assert value.encode() not in data, f"secret {value[:6]}… in file {name}"
                continue
            items = [content] if isinstance(content, str) else content
            for text in items:
                assert value not in text, f"secret {value[:6]}… in {where}: {text[:600]}"
