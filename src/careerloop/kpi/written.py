"""What the reader wrote and what happened: insights, open action items, advancements,
and the milestones of the period."""

from __future__ import annotations

import datetime as dt

from careerloop.kpi.metrics import WorkspaceIndex
from careerloop.kpi.scorecard import AdvancementNote, Insight, MilestoneNote, OpenItems
from careerloop.kpi.words import first_sentences


def insights(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[Insight]:
    """Each session's insights in start..end, trimmed to two sentences, oldest first."""
    return [
        Insight(
            date=day,
            mentor=session.mentor,
            session=session.title or session.id,
            text=first_sentences(session.insights),
        )
        for day, session in index.sessions.dated_between(start, end)
        if session.insights.strip()
    ]


def open_items(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[OpenItems]:
    """Sessions in start..end with action items still open."""
    return [
        OpenItems(
            date=day,
            session=session.title or session.id,
            mentor=session.mentor,
            open=session.action_items_total - session.action_items_done,
            total=session.action_items_total,
        )
        for day, session in index.sessions.dated_between(start, end)
        if session.action_items_total > session.action_items_done
    ]


def advancement_notes(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[AdvancementNote]:
    """Each advancement in start..end with the competencies acquired by its date."""
    notes = []
    for day, advancement in index.advancements.dated_between(start, end):
        built_on = []
        for name in advancement.skills:
            acquired = index.first_acquired.get(index.skill_key(name))
            if acquired is not None and acquired <= day:
                built_on.append(" ".join(name.split()))
        notes.append(
            AdvancementNote(
                date=day,
                title=advancement.title or advancement.id,
                kind=advancement.kind,
                description=" ".join(advancement.description.split()),
                skills=[" ".join(s.split()) for s in advancement.skills],
                built_on=built_on,
            )
        )
    return notes


def milestones_reached(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[MilestoneNote]:
    """Milestones reached in start..end on or before their due date."""
    return [
        MilestoneNote(title=m.title or m.id, due=m.due, done_on=m.done_on)
        for _, m in index.milestones_by_done.dated_between(start, end)
        if m.due is None or (m.done_on is not None and m.done_on <= m.due)
    ]


def milestones_missed(index: WorkspaceIndex, start: dt.date, end: dt.date) -> list[MilestoneNote]:
    """Milestones due in start..end reached late, or not reached by `end`."""
    missed = []
    for _, m in index.milestones_by_due.dated_between(start, end):
        reached = m.done_on if m.done_on is not None and m.done_on <= end else None
        if reached is None or (m.due is not None and reached > m.due):
            missed.append(MilestoneNote(title=m.title or m.id, due=m.due, done_on=reached))
    return missed
