"""model.py: the records every source maps into, the workspace, and their warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from careerloop.model import (
    KINDS,
    Goal,
    Milestone,
    Module,
    Record,
    Session,
    Workspace,
    kind_of,
    missing_date,
    quoted,
    skill_key,
)


def module(rid: str, **dates: dt.date | None) -> Module:
    return Module(id=f"file:module:{rid}", source="file", source_id=rid, title=f"Course {rid}",
                  **dates)


def test_skills_compare_after_trimming_and_case_folding() -> None:
    assert skill_key("  Data   Modelling ") == skill_key("data modelling") == "data modelling"
    assert skill_key("STRASSE") == skill_key("straße")  # case folding, not lower()


def test_a_workspace_keeps_each_record_under_its_kind_goals_first() -> None:
    workspace = Workspace()
    first = module("m1", planned=dt.date(2026, 10, 1))
    goal = Goal(id="file:goal:g1", source="file", source_id="g1", title="Staff engineer")
    workspace.add(first)
    workspace.add(goal)
    assert workspace.modules == [first] and workspace.goals == [goal]
    assert workspace.records() == [goal, first]
    with pytest.raises(TypeError, match="not a plan record: Record"):
        workspace.add(Record(id="x", source="file", source_id="x"))


def test_extend_merges_records_and_warnings() -> None:
    left, right = Workspace(), Workspace()
    left.add(module("m1"))
    right.add(module("m2"))
    warning = missing_date(module("m2"))
    assert warning is not None
    right.warnings.append(warning)
    left.extend(right)
    assert [m.source_id for m in left.modules] == ["m1", "m2"]
    assert left.warnings == [warning]


def test_kind_names_round_trip() -> None:
    assert {name: kind_of(cls(id="x", source="file", source_id="x"))
            for name, cls in KINDS.items()} == {name: name for name in KINDS}


def test_a_record_no_period_can_count_gets_a_warning() -> None:
    undated = missing_date(module("m1"))
    assert undated is not None
    assert undated.record_id == "file:module:m1"
    assert undated.message == ("module 'Course m1' has no planned or completed date: it counts "
                               "in no period")
    assert missing_date(module("m2", completed=dt.date(2026, 10, 3))) is None
    talk = Milestone(id="file:milestone:t", source="file", source_id="t", title="Talk")
    assert missing_date(talk) is not None and "has no due date" in missing_date(talk).message
    chat = Session(id="file:session:s", source="file", source_id="s", title="Chat",
                   date=dt.date(2026, 10, 8))
    assert missing_date(chat) is None


def test_quoted_keeps_text_as_written() -> None:
    assert quoted("👩‍💻 שלום") == "'👩‍💻 שלום'"
