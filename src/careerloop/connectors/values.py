"""Values written by people, read alike by every connector.

A number typed into a Notion text property, a CSV cell or a Trello custom field reads
the same way, so the parsing lives here rather than in one connector the others import.
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_number"]

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
