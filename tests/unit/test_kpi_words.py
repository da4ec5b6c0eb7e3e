"""kpi/words: how numbers, durations and counts read in a sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from careerloop.kpi.words import (
    MINUS,
    day,
    first_sentences,
    format_minutes,
    format_value,
    join_words,
    number_word,
    percent,
    plain_number,
    plural,
    quote,
    round_to,
    sentence,
)


def test_round_to_rounds_halves_up_through_the_decimal_text() -> None:
    # 0.745 is 0.74499999… as a binary float; its text "0.745" rounds up to 0.75.
    assert round_to(0.745, 2) == Decimal("0.75")
    assert round_to(2.5) == Decimal(3)
    assert round_to(-2.5) == Decimal(-3)  # away from zero


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (2.5, "2.5"), (2.184, "2.18"), (-0.001, "0"), (0.0, "0")]
)
def test_plain_number(value: float, text: str) -> None:
    assert plain_number(value) == text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (200, "3 h 20 min"),
        (45, "45 min"),
        (120, "2 h"),
        (-60, f"{MINUS}1 h"),
        (0.4, "0 min"),
        (None, "–"),
    ],
)
def test_format_minutes(minutes: float | None, text: str) -> None:
    assert format_minutes(minutes) == text


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("module_completion", 0.745, "75%"),  # a ratio: 74.5 -> 75
        ("mentor_feedback", 81.5, "82/100"),  # a score out of 100
        ("learning_minutes", 95, "1 h 35 min"),
        ("skills_applied", 2.25, "2.3"),  # a count, to one decimal (a pro-rated target)
        ("unknown_kpi", 2.184, "2.18"),  # not in the catalogue: a plain number
        ("module_completion", None, "–"),
    ],
)
def test_format_value_by_the_catalogue_unit(key: str, value: float | None, text: str) -> None:
    assert format_value(value, key) == text


def test_counting_words() -> None:
    assert percent(0.41) == "41%"
    assert (plural(1, "goal"), plural(0, "goal"), plural(2.5, "hour")) == (
        "1 goal",
        "0 goals",
        "2.5 hours",
    )
    assert plural(3, "activity", "activities") == "3 activities"
    assert (number_word(0), number_word(2), number_word(10), number_word(11)) == (
        "no",
        "two",
        "ten",
        "11",
    )
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert join_words(["a", "b"], "or") == "a or b"


def test_titles_dates_and_sentences() -> None:
    assert quote("  Ship\n the  MVP ") == "“Ship the MVP”"
    assert day(dt.date(2026, 10, 2)) == "2 Oct 2026"
    assert sentence("keep going") == "Keep going."
    assert sentence("Done!") == "Done!"
    assert sentence("  ") == ""


def test_first_sentences_keeps_two_and_cuts_at_the_limit() -> None:
    text = "Ship smaller pieces. Ask for review early! Then the rest follows."
    assert first_sentences(text) == "Ship smaller pieces. Ask for review early!"
    assert first_sentences("One line without a stop") == "One line without a stop"
    # 20 characters at most: cut at a word, a trailing comma dropped, an ellipsis added.
    assert first_sentences("alpha beta gamma, delta epsilon zeta", limit=20) == (
        "alpha beta gamma…"
    )
