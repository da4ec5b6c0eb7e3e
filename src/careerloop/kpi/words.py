"""How numbers and counts read in a sentence: shared by the advice (kpi) and the templates.

Everything here returns plain text (no Markdown), so a renderer may escape it as data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from careerloop.kpi import catalog

MINUS = "\u2212"

_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def round_to(value: float, places: int = 0) -> Decimal:
    """Round half up through the float's decimal text (so 0.745 gives 0.75)."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def plain_number(value: float) -> str:
    """A number without needless decimals: 3, 2.5, 2.18."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{round_to(value, 2):f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def format_minutes(minutes: float | None) -> str:
    """`3 h 20 min`, `45 min`, `2 h`; `–` for None."""
    if minutes is None:
        return "–"
    total = int(round_to(abs(minutes)))
    sign = MINUS if minutes < 0 and total else ""
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


def format_value(value: float | None, key: str) -> str:
    """A KPI value as a person reads it, by its catalogue unit: 75%, 82/100, 3 h 20 min, 4.

    A key the catalogue does not know reads as a plain number.
    """
    if value is None:
        return "–"
    unit = catalog.unit(key)
    if unit == "ratio":
        return f"{round_to(value * 100)}%"
    if unit == "score":
        return f"{round_to(value)}/100"
    if unit == "minutes":
        return format_minutes(value)
    if unit == "count":
        return plain_number(float(round_to(value, 1)))
    return plain_number(value)


def percent(share: float) -> str:
    """0.41 -> `41%`."""
    return f"{round_to(share * 100)}%"


def plural(count: float, noun: str, many: str | None = None) -> str:
    """`1 goal`, `2 goals`, `0 goals`; `many` for irregular plurals."""
    number = plain_number(count)
    word = noun if number == "1" else (many or f"{noun}s")
    return f"{number} {word}"


def number_word(count: int) -> str:
    """`two` for 2 (up to ten), digits above."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def quote(title: str) -> str:
    """A title in typographic quotes, on one line."""
    return f"“{' '.join(title.split())}”"


def day(value: dt.date) -> str:
    """`12 Oct 2026`: a date as a person writes it."""
    return f"{value.day} {value.strftime('%b %Y')}"


def sentence(text: str) -> str:
    """First letter upper case, one full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def first_sentences(text: str, count: int = 2, limit: int = 240) -> str:
    """The first `count` sentences of `text` on one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    picked: list[str] = []
    rest = flat
    while rest and len(picked) < count:
        cut = min(
            (i for i in (rest.find(". "), rest.find("! "), rest.find("? ")) if i >= 0), default=-1
        )
        if cut < 0:
            picked.append(rest)
            rest = ""
        else:
            picked.append(rest[: cut + 1])
            rest = rest[cut + 2 :]
    short = " ".join(picked)
    if len(short) > limit:
        short = short[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return short
