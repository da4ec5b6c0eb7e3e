"""connectors/values.py: names that compare alike, rich text as it shows, numbers as typed."""

from __future__ import annotations

from careerloop.connectors.values import name_key, parse_number, plain_text


def test_name_key_ignores_spacing_and_case() -> None:
    assert name_key("  In   Progress\t") == "in progress"
    assert name_key("STRASSE") == name_key("straße")  # casefold, not lower
    assert name_key("Done") != name_key("Done 2026")


def test_plain_text_joins_what_notion_shows() -> None:
    # As the API sends it: every item carries its plain_text, links and mentions too.
    api = [
        {"type": "text", "text": {"content": "Ship ", "link": None}, "plain_text": "Ship "},
        {"type": "mention", "mention": {"type": "date"}, "plain_text": "2026-10-01"},
        {"type": "equation", "equation": {"expression": "x^2"}, "plain_text": "x^2"},
    ]
    assert plain_text(api) == "Ship 2026-10-01x^2"


def test_plain_text_of_items_careerloop_writes_before_notion_fills_plain_text() -> None:
    written = [
        {"type": "text", "text": {"content": "Score "}},
        {"type": "equation", "equation": {"expression": "81/100"}},
    ]
    assert plain_text(written) == "Score 81/100"
    assert plain_text(tuple(written)) == "Score 81/100"


def test_plain_text_of_anything_else_is_empty() -> None:
    assert plain_text(None) == ""
    assert plain_text({"plain_text": "not a list"}) == ""
    assert plain_text(["stray", {"plain_text": "kept"}]) == "kept"


def test_parse_number_reads_what_people_type() -> None:
    assert parse_number("1 234") == 1234.0
    assert parse_number("75%") == 0.75
    assert parse_number("⭐⭐⭐") == 3.0
    assert parse_number("twelve") is None
