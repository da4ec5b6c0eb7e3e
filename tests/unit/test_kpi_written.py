"""kpi/written: insights, open action items, advancements and milestones of a period."""

from __future__ import annotations

from careerloop.kpi import written
from tests.unit.kpi_records import (
    D,
    advancement,
    application,
    index_of,
    milestone,
    module,
    session,
)

START, END = D(2026, 10, 1), D(2026, 10, 31)


def test_insights_are_trimmed_to_two_sentences_and_blank_ones_skipped() -> None:
    index = index_of(
        session("s1", D(2026, 10, 7), insights="Ship small. Ask early. Then rest."),
        session("s2", D(2026, 10, 14), insights="   "),
        session("s3", D(2026, 9, 30), insights="Before the period."),
    )
    found = written.insights(index, START, END)
    assert [(i.date, i.session, i.mentor, i.text) for i in found] == [
        (D(2026, 10, 7), "s1", "Priya", "Ship small. Ask early.")
    ]


def test_open_items_count_what_is_left() -> None:
    index = index_of(
        session("s1", D(2026, 10, 7), done=1, total=4),
        session("s2", D(2026, 10, 14), done=2, total=2),
    )
    [items] = written.open_items(index, START, END)
    assert (items.session, items.open, items.total) == ("s1", 3, 4)  # 4 - 1 done


def test_an_advancement_is_built_on_the_skills_acquired_by_its_date() -> None:
    index = index_of(
        module("sql", completed=D(2026, 9, 3), skills=("SQL",)),
        application("a", D(2026, 10, 2), "Python"),
        module("late", completed=D(2026, 10, 25), skills=("Kubernetes",)),
        advancement(
            "Senior",
            D(2026, 10, 20),
            " sql ",
            "Python",
            "Kubernetes",
            description="Promoted\n to senior",
        ),
    )
    [note] = written.advancement_notes(index, START, END)
    # SQL learned on 3 Sep and Python applied on 2 Oct precede 20 Oct; Kubernetes came later.
    assert note.built_on == ["sql", "Python"]
    assert note.skills == ["sql", "Python", "Kubernetes"]
    assert note.description == "Promoted to senior"


def test_milestones_reached_on_time_and_missed() -> None:
    index = index_of(
        milestone("on time", D(2026, 10, 10), done_on=D(2026, 10, 9)),
        milestone("late", D(2026, 10, 5), done_on=D(2026, 10, 12)),
        milestone("open", D(2026, 10, 20)),
        milestone("after the period", D(2026, 10, 25), done_on=D(2026, 11, 3)),
        milestone("undated", None, done_on=D(2026, 10, 15)),
    )
    reached = written.milestones_reached(index, START, END)
    assert [m.title for m in reached] == ["on time", "undated"]
    missed = written.milestones_missed(index, START, END)
    # Late by 7 days (5 -> 12 Oct); the open one and the one done in November were not
    # reached by 31 Oct.
    assert [(m.title, m.done_on, m.days_late) for m in missed] == [
        ("late", D(2026, 10, 12), 7),
        ("open", None, None),
        ("after the period", None, None),
    ]
