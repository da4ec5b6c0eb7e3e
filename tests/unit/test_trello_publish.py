"""Trello review cards, the pure parts: lengths as Trello counts, summaries, moved notes.

The publisher over HTTP (py-trello against the fake API) is tested in
tests/e2e/test_trello_e2e.py.
"""

from __future__ import annotations

from careerloop.connectors.trello.publish import (
    MOVED_NOTES,
    _Card,
    _with_moved_notes,
    summarise,
    trello_length,
)


def test_length_counts_utf16_units_as_trello_does() -> None:
    assert trello_length("abc") == 3
    assert trello_length("é") == 1  # one unit in UTF-16
    assert trello_length("😀") == 2  # outside the BMP: a surrogate pair


GENERATED = (
    "# Monthly review 2026-10\n\n**Score 78/100**\n\n"
    "## KPIs\n\n" + "row\n" * 10 + "\n"
    "## Actions\n\n" + "action\n" * 10 + "\n"
)


def test_a_summary_keeps_the_opening_and_the_whole_sections_that_fit() -> None:
    note = "_The full review is attached as `x.md`._"
    # The opening is 26 + 18 = 44 units, "## KPIs" 9 + 40 + 1 = 50, "## Actions" 12 + 70
    # + 1 = 83, the note's block 43. A budget of 140 leaves 97 for the review: the
    # opening and the KPIs (94) fit, with the actions (177) they do not.
    opening = GENERATED.split("## KPIs")[0]
    kpis = "## KPIs" + GENERATED.split("## KPIs")[1].split("## Actions")[0]
    assert (trello_length(opening), trello_length(kpis)) == (44, 50)
    text = summarise(GENERATED, 140, note)
    assert text == opening + kpis.rstrip("\n") + "\n" + f"\n{note}\n\n"
    assert "## Actions" not in text and trello_length(text) <= 140


def test_a_summary_cuts_lines_only_when_the_opening_alone_is_too_long() -> None:
    note = "_full review attached_"
    text = summarise(GENERATED, 60, note)
    # 60 - 25 (the note's block) = 35 units, less than the opening's 44: its lines are
    # taken while they fit, the title (25) and the blank line (1), not the score (17);
    # the blank line at the end is then trimmed.
    assert text == "# Monthly review 2026-10\n" + f"\n{note}\n\n"


def _card(card_id: str, desc: str) -> _Card:
    return _Card(
        id=card_id, name="Monthly review 2026-10", desc=desc, url=f"https://trello.com/c/{card_id}"
    )


def test_notes_of_a_duplicate_are_added_once() -> None:
    kept = "# Review\n\n## Notes\n\nMy first note\n"
    copy = _card("b", "# Review\n\n## Notes\n\nMy first note\n\nWritten on the copy\n")
    merged, moved = _with_moved_notes(kept, [copy], "Notes")
    intro = MOVED_NOTES.format(where="https://trello.com/c/b")
    assert moved == 1
    assert merged == kept + f"\n{intro}\n\nWritten on the copy\n"
    again, moved_again = _with_moved_notes(merged, [copy], "Notes")  # a rerun moves nothing
    assert (again, moved_again) == (merged, 0)


def test_a_duplicate_without_its_heading_gives_its_whole_description() -> None:
    copy = _card("c", "Only my words")
    merged, moved = _with_moved_notes("# Review\n\n## Notes\n", [copy], "Notes")
    assert moved == 1 and merged.endswith("\n\nOnly my words\n")
