"""The notes section: split, merge byte for byte, and the content hash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careerloop.report.notes import (
    LOST_HEADING_NOTE,
    content_hash,
    find_notes_heading,
    merge_notes,
    split_notes,
)

GENERATED = "# Monthly review 2026-10\n\n**Score 78/100**\n\n"
NEW_GENERATED = "# Monthly review 2026-10\n\n**Score 81/100**\n\n"
HINT = "## Notes\n\n_Everything below this heading is yours._\n"


@pytest.mark.parametrize(
    "line",
    ["## Notes", "# Notes", "###### notes", "##   NOTES   ", "## Notes ##", "   ## Notes"],
)
def test_any_atx_heading_with_the_text_matches(line: str) -> None:
    document = f"{GENERATED}{line}\nmine\n"
    generated, notes = split_notes(document, "Notes")
    assert generated == GENERATED
    assert notes == f"{line}\nmine\n"


@pytest.mark.parametrize(
    "line",
    ["#Notes", "####### Notes", "## Notes and more", "Notes", "    ## Notes", "- ## Notes"],
)
def test_other_lines_do_not_match(line: str) -> None:
    document = f"{GENERATED}{line}\n"
    assert split_notes(document, "Notes") == (document, "")


def test_heading_inside_a_code_fence_does_not_count() -> None:
    document = f"{GENERATED}```\n## Notes\n```\n{HINT}"
    generated, notes = split_notes(document, "Notes")
    assert notes == HINT
    assert generated.endswith("```\n")


def test_first_heading_wins() -> None:
    document = f"{GENERATED}{HINT}## Notes\nsecond\n"
    assert split_notes(document, "notes")[1] == f"{HINT}## Notes\nsecond\n"


def test_merge_keeps_notes_byte_for_byte() -> None:
    notes = "## Notes\r\n\r\nMentor said:   \r\n- try *SQL* window functions\t\n\n\n  <b>x</b>  "
    existing = GENERATED + notes
    merged = merge_notes(NEW_GENERATED + HINT, existing, "Notes")
    assert merged == NEW_GENERATED + notes


def test_merge_keeps_a_renamed_level_heading() -> None:
    notes = "### NOTES\nmine\n"
    assert merge_notes(NEW_GENERATED + HINT, GENERATED + notes, "Notes") == NEW_GENERATED + notes


def test_lost_heading_keeps_the_whole_old_document() -> None:
    existing = "# Monthly review\n\nI deleted the heading but wrote this.\n"
    merged = merge_notes(NEW_GENERATED + HINT, existing, "Notes")
    assert merged.startswith(NEW_GENERATED + "## Notes\n")
    assert LOST_HEADING_NOTE in merged
    assert merged.endswith(existing)
    # The next update finds the heading again and keeps everything.
    again = merge_notes(GENERATED + HINT, merged, "Notes")
    assert again == GENERATED + split_notes(merged, "Notes")[1]


def test_blank_existing_document_is_replaced() -> None:
    assert merge_notes(NEW_GENERATED + HINT, " \n", "Notes") == NEW_GENERATED + HINT


def test_content_hash_ignores_line_endings_and_trailing_blanks() -> None:
    base = content_hash("a\nb  \n\n")
    assert content_hash("a\r\nb\r\n") == base
    assert content_hash("a\rb") == base
    assert content_hash("a\nc\n") != base
    assert len(base) == 64 and int(base, 16) >= 0


def test_find_notes_heading_offset() -> None:
    assert find_notes_heading(GENERATED + HINT, "Notes") == len(GENERATED)
    assert find_notes_heading(GENERATED, "Notes") is None


@given(notes=st.text(), old_score=st.integers(0, 100), new_score=st.integers(0, 100))
def test_any_notes_survive_any_update(notes: str, old_score: int, new_score: int) -> None:
    existing = f"# Review\n\n**Score {old_score}**\n\n## Notes\n{notes}"
    new = f"# Review\n\n**Score {new_score}**\n\n{HINT}"
    merged = merge_notes(new, existing, "Notes")
    assert merged.endswith(f"## Notes\n{notes}")
    generated, kept = split_notes(merged, "Notes")
    assert generated + kept == merged
    assert f"**Score {new_score}**" in generated
