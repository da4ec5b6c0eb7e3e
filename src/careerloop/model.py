"""The common model every source maps into and the KPI engine reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["notion", "trello", "file"]
AdvancementKind = Literal["role", "title", "compensation"]


def skill_key(name: str) -> str:
    """Normalise a skill name: skills compare case-insensitively after trimming."""
    return " ".join(name.split()).casefold()


@dataclass(slots=True, kw_only=True)
class Record:
    """Fields every record carries, whatever its kind."""

    id: str
    source: Source
    source_id: str
    title: str = ""
    url: str | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Goal(Record):
    """A goal of the plan, usually for 6 or 12 months."""

    horizon: str | None = None
    target_date: dt.date | None = None
    done: bool = False


@dataclass(slots=True, kw_only=True)
class Module(Record):
    """A microlearning unit, planned for a day and maybe completed."""

    planned: dt.date | None = None
    completed: dt.date | None = None
    minutes: float | None = None
    format: str | None = None
    track: str | None = None
    skills: tuple[str, ...] = ()
    goal_ids: tuple[str, ...] = ()
    vetted: bool | None = None
    provider: str | None = None


@dataclass(slots=True, kw_only=True)
class Session(Record):
    """A mentor session with its feedback score and documented insights."""

    date: dt.date | None = None
    mentor: str | None = None
    feedback: float | None = None
    insights: str = ""
    action_items_done: int = 0
    action_items_total: int = 0


@dataclass(slots=True, kw_only=True)
class Application(Record):
    """A skill (or several) applied in a live project."""

    date: dt.date | None = None
    skills: tuple[str, ...] = ()
    project: str | None = None


@dataclass(slots=True, kw_only=True)
class Milestone(Record):
    """A milestone towards one or more goals."""

    due: dt.date | None = None
    done_on: dt.date | None = None
    goal_ids: tuple[str, ...] = ()


@dataclass(slots=True, kw_only=True)
class Advancement(Record):
    """A promotion, new title or raise, with the competencies it rests on."""

    date: dt.date | None = None
    kind: str = "role"
    description: str = ""
    skills: tuple[str, ...] = ()


KINDS: dict[str, type[Record]] = {
    "goal": Goal,
    "module": Module,
    "session": Session,
    "application": Application,
    "milestone": Milestone,
    "advancement": Advancement,
}


@dataclass(slots=True, kw_only=True)
class DataWarning:
    """Something in the data that careerloop used but had to bend (shown in reviews)."""

    record_id: str
    message: str


@dataclass(slots=True, kw_only=True)
class Workspace:
    """Everything the KPI engine needs: the plan, merged from all sources."""

    goals: list[Goal] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    advancements: list[Advancement] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)

    def add(self, record: Record) -> None:
        """Append a record to the list of its kind."""
        match record:
            case Goal():
                self.goals.append(record)
            case Module():
                self.modules.append(record)
            case Session():
                self.sessions.append(record)
            case Application():
                self.applications.append(record)
            case Milestone():
                self.milestones.append(record)
            case Advancement():
                self.advancements.append(record)
            case _:
                raise TypeError(f"not a plan record: {type(record).__name__}")

    def records(self) -> list[Record]:
        """All records, goals first."""
        return [
            *self.goals,
            *self.modules,
            *self.sessions,
            *self.applications,
            *self.milestones,
            *self.advancements,
        ]

    def extend(self, other: Workspace) -> None:
        """Merge another workspace (another source) into this one."""
        for record in other.records():
            self.add(record)
        self.warnings.extend(other.warnings)


def quoted(text: str) -> str:
    """`'text'` for messages; unlike repr(), keeps emoji joiners and right-to-left text as is."""
    return f"'{text}'"


def missing_date(record: Record) -> DataWarning | None:
    """A warning for a record that no period can count, for lack of its date."""
    match record:
        case Session() | Application() | Advancement() if record.date is None:
            what = "date"
        case Milestone() if record.due is None:
            what = "due date"
        case Module() if record.planned is None and record.completed is None:
            what = "planned or completed date"
        case _:
            return None
    return DataWarning(
        record_id=record.id,
        message=f"{kind_of(record)} {quoted(record.title)} has no {what}: it counts in no period",
    )


def kind_of(record: Record) -> str:
    """The kind name (`module`, `session`…) of a record."""
    for name, cls in KINDS.items():
        if type(record) is cls:
            return name
    raise TypeError(f"not a plan record: {type(record).__name__}")
