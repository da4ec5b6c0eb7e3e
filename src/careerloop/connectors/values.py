"""Values written by people, read alike by every connector.

A number typed into a Notion text property, a CSV cell or a Trello custom field reads
the same way, a list or label name matches whatever its spacing and case, and Notion's
rich text reads as the text it shows: so those live here rather than in one connector
the others import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["name_key", "parse_number", "plain_text"]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = "$€£¥₹₩₽₺"
_STARS = frozenset("★⭐️")


def parse_number(text: str) -> float | None:
    """A number from text like `42`, `1 234`, `1,234.5`, `75%`, `$1,200` or `⭐⭐⭐⭐`."""
    s = "".join(text.split())  # "1 234", non-breaking spaces
    if not s:
        return None
    if set(s) <= _STARS:
        # A star-rating select ("⭐⭐⭐⭐") scores the number of stars.
        return float(sum(ch in "★⭐" for ch in s))
    percent = s.endswith("%")
    s = s.removesuffix("%").strip(_CURRENCY)
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
        return None
    number = float(s)
    if not math.isfinite(number):
        return None
    # Notion shows a percent-formatted 0.75 as "75%": read it back as the number it is.
    return number / 100 if percent else number


def name_key(name: str) -> str:
    """A name as names compare: runs of whitespace made one space, case folded."""
    return " ".join(name.split()).casefold()


def plain_text(rich_text: Any) -> str:
    """The text a Notion rich-text array shows, its items' `plain_text` joined.

    An item written by careerloop (no `plain_text` yet) gives its `text.content`, or its
    expression for an equation; anything that is not a list gives "".
    """
    if not isinstance(rich_text, list | tuple):
        return ""
    return "".join(_item_text(item) for item in rich_text if isinstance(item, Mapping))


def _item_text(item: Mapping[str, Any]) -> str:
    if "plain_text" in item:
        return str(item["plain_text"])
    kind = item.get("type", "text")
    body = item.get(kind)
    if not isinstance(body, Mapping):
        return ""
    if kind == "equation":
        return str(body.get("expression", ""))
    return str(body.get("content", ""))
