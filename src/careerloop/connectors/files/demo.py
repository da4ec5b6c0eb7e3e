"""The sample workspace behind `careerloop demo`.

`write_demo_workspace` writes the career plan of a software engineer moving into product
management: goals, microlearning modules, milestones and advancements as a Notion CSV
export, mentor sessions and skill applications as a Trello board JSON export, and a
careerloop.toml that reads both without any account or token.

The plan is deterministic for a given `today` (everything comes from a `random.Random`
seeded with `today.isoformat()`). It spans the six closed months before the current one
(which always hold the last closed month and quarter), the current month up to today,
and modules and sessions planned for the rest of this month and the next.

The content is data-driven: the tables below (topics, curriculum, month profiles,
applications, milestones, advancements) say what happens; the functions only lay it out
on the calendar and in the two export formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from careerloop.errors import ConfigError

__all__ = [
    "DEMO_CONFIG_MARKER", "DEMO_TIMEZONE", "is_demo_config", "notion_date", "plan_months",
    "write_demo_workspace",
]

DEMO_TIMEZONE = "Europe/Berlin"
LEARNER = ("Alex Morgan", "alexmorgan")
MENTOR = ("Priya Raman", "priyaraman")
CLOSED_MONTHS = 6  # closed months before the current one; then the current and the next
# The first line of the careerloop.toml the demo writes: how a re-run knows the file is its own.
DEMO_CONFIG_MARKER = "# The careerloop demo workspace"

_TZ = ZoneInfo(DEMO_TIMEZONE)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)

# --- What the sample is made of -------------------------------------------------------

_GOALS: tuple[tuple[str, str, int], ...] = (
    # title, horizon, months from the plan start to the target date (inclusive)
    ("Move into a product manager role", "12m", 12),
    ("Lead discovery for the onboarding area", "6m", 7),
)

_TRACK_GOALS: dict[str, tuple[int, ...]] = {
    # which goals a track's modules serve (indexes into _GOALS)
    "Agile delivery": (0,),
    "Stakeholder management": (0,),
    "UX research": (1,),
    "Data analytics": (1, 0),
}

_TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # track, topic, skills
    ("Agile delivery", "Backlog refinement that sticks", ("Backlog refinement",)),
    ("Agile delivery", "Slicing user stories", ("Backlog refinement",)),
    ("Agile delivery", "Prioritisation with RICE", ("Prioritisation",)),
    ("Agile delivery", "Cost of delay", ("Prioritisation",)),
    ("Agile delivery", "Outcome roadmaps", ("Roadmapping",)),
    ("Agile delivery", "Now-next-later roadmaps", ("Roadmapping", "Prioritisation")),
    ("UX research", "Running user interviews", ("User interviews",)),
    ("UX research", "Interview synthesis", ("User interviews",)),
    ("UX research", "Usability testing on a budget", ("Usability testing",)),
    ("UX research", "Journey mapping", ("Journey mapping",)),
    ("UX research", "Service blueprints", ("Journey mapping",)),
    ("Data analytics", "SQL for product questions", ("SQL",)),
    ("Data analytics", "Window functions", ("SQL",)),
    ("Data analytics", "A/B test design", ("A/B testing",)),
    ("Data analytics", "Analysing experiments in SQL", ("SQL", "A/B testing")),
    ("Data analytics", "North-star metrics", ("Metrics definition",)),
    ("Data analytics", "Funnel metrics", ("Metrics definition",)),
    ("Stakeholder management", "Stakeholder mapping", ("Stakeholder mapping",)),
    ("Stakeholder management", "Power-interest grids", ("Stakeholder mapping",)),
    ("Stakeholder management", "Saying no to stakeholders", ("Prioritisation",)),
    ("Stakeholder management", "Executive updates", ("Executive communication",)),
    ("Stakeholder management", "Negotiating scope", ("Negotiation",)),
)

_CURRICULUM: tuple[tuple[str, ...], ...] = (
    # the skills each month focuses on: six closed months, the current one, the next
    ("Backlog refinement", "User interviews", "SQL"),
    ("SQL", "A/B testing", "User interviews", "Stakeholder mapping"),
    ("A/B testing", "Stakeholder mapping", "Prioritisation"),
    ("Prioritisation", "Roadmapping", "Metrics definition"),
    ("Roadmapping", "Metrics definition", "Executive communication", "Negotiation"),
    ("Journey mapping", "Executive communication", "Negotiation"),
    ("Usability testing", "Negotiation", "Journey mapping"),
    ("Usability testing", "Roadmapping", "Metrics definition"),
)

_FORMATS = (
    "video", "quiz", "flashcards", "infographic", "case study", "simulation", "article",
    "podcast",
)

_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Agile delivery": ("Reforge", "Scrum.org", "LinkedIn Learning"),
    "UX research": ("Nielsen Norman Group", "Interaction Design Foundation"),
    "Data analytics": ("Mode", "Coursera", "DataCamp"),
    "Stakeholder management": ("Mind the Product", "Harvard ManageMentor"),
}
_UNVETTED_PROVIDERS = ("YouTube", "Medium")

_NOTES = (
    "Good intro, revisit the examples.",
    "Shared with the squad.",
    "Too basic.\nSkip the follow-up module.",
    'Use the "five whys" template next time.',
)


@dataclass(frozen=True, slots=True)
class _MonthProfile:
    """How one month of the plan goes."""

    modules: int
    unaligned: int = 0  # modules linked to no goal
    unvetted: int = 1
    adhoc: int = 0  # completed modules that were never planned
    low_feedback: bool = False
    documented: bool = True  # whether session insights were written down


_PROFILES: tuple[_MonthProfile, ...] = (
    _MonthProfile(7),
    _MonthProfile(8, unaligned=3, adhoc=1),
    _MonthProfile(9, unaligned=1, unvetted=2, low_feedback=True),
    _MonthProfile(8, unvetted=0, documented=False),
    _MonthProfile(7, unaligned=1, adhoc=1),
    _MonthProfile(9, unaligned=1),
    _MonthProfile(8),  # the current month
    _MonthProfile(6, unvetted=0),  # the next month: planned only
)

_APPLICATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    # month index, project, skills (a skill's first application counts; SQL comes twice)
    (0, "Checkout redesign", ("Backlog refinement",)),
    (1, "Checkout redesign", ("User interviews",)),
    (1, "Analytics dashboard", ("SQL",)),
    (2, "Analytics dashboard", ("A/B testing",)),
    (3, "Onboarding flow", ("Stakeholder mapping",)),
    (3, "Checkout redesign", ("SQL",)),
    (4, "Pricing page experiment", ("Prioritisation",)),
    (4, "Quarterly planning", ("Roadmapping",)),
    (4, "Analytics dashboard", ("Metrics definition",)),
    (5, "Onboarding flow", ("Executive communication",)),
    (5, "Pricing page experiment", ("Negotiation",)),
)

_MILESTONES: tuple[tuple[int, str, int, int, int | None], ...] = (
    # goal, title, month index, due day, days done after due (negative: early; None: open)
    (0, "Shadow a product manager for a sprint", 0, 26, -2),
    (1, "Interview ten onboarding users", 1, 24, -3),
    (0, "Own the checkout squad backlog", 2, 20, 6),
    (0, "Pass the APM interview loop", 4, 8, -1),
    (1, "Ship the discovery metrics dashboard", 5, 18, 0),
    (1, "Present discovery findings to leadership", 6, 24, None),
    (0, "Publish the next half-year roadmap", 7, 16, None),
)

_ADVANCEMENTS: tuple[tuple[int, int, str, str, str, tuple[str, ...]], ...] = (
    # month index, day, kind, title, description, skills
    (4, 20, "role", "Promoted to Associate Product Manager",
     "Moved from Software Engineer II to Associate Product Manager on the checkout squad.",
     ("Backlog refinement", "User interviews", "SQL", "A/B testing", "Stakeholder mapping",
      "Prioritisation")),
    (5, 3, "compensation", "Salary moved to the APM band",
     "Compensation adjusted to the product band after the first roadmap cycle.",
     ("Roadmapping", "Metrics definition")),
)

_INSIGHTS = (
    "Frame every backlog item as a problem statement before sizing it.",
    "Talk to five users before writing a single requirement.",
    "Use SQL to answer your own questions instead of queueing them for analysts.",
    "Decide the success metric before the experiment starts, not after.",
    "Map who loses something when the roadmap changes; talk to them first.",
    "Say no with the trade-off on the table, not with a shrug.",
    "A roadmap is a communication tool: show outcomes, not dates.",
    "Executives want the decision you need in the first sentence.",
    "Journey maps are most useful when engineers help draw them.",
    "Negotiate scope, not quality: cut the edges, keep the core.",
    "Keep a decision log so the team can see why priorities moved.",
    "Pair discovery with delivery every sprint instead of in phases.",
)
_COMMENTS = (
    "Sharing the article we discussed.",
    "Booked the follow-up with design.",
    "Great progress this month - keep the interview cadence.",
    "Try the opportunity solution tree for the next planning round.",
    "Added the template to the team drive.",
)
_ACTION_ITEMS = (
    "Draft the problem statement", "Schedule three user interviews",
    "Write the experiment brief", "Review the dashboard with the data team",
    "Update the stakeholder map", "Prepare the roadmap one-pager",
    "Ask for feedback from the tech lead", "Read the chapter on opportunity trees",
    "Run the prioritisation workshop", "Send the monthly update to leadership",
)


# --- The plan as rows -------------------------------------------------------------------


@dataclass(slots=True)
class _Page:
    """A Notion page: a row of one CSV export."""

    title: str
    notion_id: str
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Card:
    """A Trello card before it is laid out as JSON."""

    name: str
    labels: tuple[str, ...]
    due: dt.datetime
    done: bool
    desc: str = ""
    comments: tuple[tuple[str, dt.datetime], ...] = ()
    checklist: tuple[tuple[str, bool], ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    list_name: str | None = None  # None: "Done" when done, else "Planned"
    closed: bool = False


@dataclass(slots=True)
class _Plan:
    """Everything the sample holds, before it is written."""

    goals: list[_Page] = field(default_factory=list)
    modules: list[_Page] = field(default_factory=list)
    milestones: list[_Page] = field(default_factory=list)
    advancements: list[_Page] = field(default_factory=list)
    cards: list[_Card] = field(default_factory=list)


def is_demo_config(path: Path) -> bool:
    """Whether `path` is a careerloop.toml the demo wrote (its first line is the marker)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().startswith(DEMO_CONFIG_MARKER)
    except (OSError, UnicodeDecodeError):
        return False


def write_demo_workspace(directory: Path, today: dt.date, *, force: bool = False) -> Path:
    """Write the sample workspace into `directory` and return its careerloop.toml.

    The same `today` always gives byte-identical files.

    Raises:
        ConfigError: `directory` holds a careerloop.toml the demo did not write (and not
            `force`); nothing is written then.
    """
    config = directory / "careerloop.toml"
    if config.exists() and not force and not is_demo_config(config):
        raise ConfigError(
            f"{config} exists and was not written by careerloop demo; choose another --out "
            "folder, or pass --force to overwrite it"
        )
    rng = random.Random(today.isoformat())
    months = plan_months(today)
    plan = _Plan()
    plan.goals = _goals(rng, months)
    plan.modules = _modules(rng, months, today, plan.goals)
    plan.milestones = _milestones(rng, months, today, plan.goals)
    plan.advancements = _advancements(rng, months)
    plan.cards = _session_cards(rng, months, today) + _application_cards(rng, months)
    plan.cards += _noise_cards(months)

    notion = directory / "notion"
    notion.mkdir(parents=True, exist_ok=True)
    for name, pages in (
        ("Goals", plan.goals),
        ("Modules", plan.modules),
        ("Milestones", plan.milestones),
        ("Advancements", plan.advancements),
    ):
        _write_csv(notion / f"{name}.csv", pages)
    trello = directory / "trello"
    trello.mkdir(parents=True, exist_ok=True)
    board = _board(rng, plan.cards, months[0])
    (trello / "board.json").write_text(
        json.dumps(board, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    config.write_text(_config_text(today), encoding="utf-8")
    return config


def plan_months(today: dt.date) -> list[dt.date]:
    """First days of the plan's months: six closed ones, the current one and the next.

    Six closed months always hold the last closed quarter: it ends at most five months
    before the current month starts.
    """
    first = today.replace(day=1)
    return [_add_months(first, offset) for offset in range(-CLOSED_MONTHS, 2)]


# --- Notion pages ---------------------------------------------------------------------


def _goals(rng: random.Random, months: Sequence[dt.date]) -> list[_Page]:
    """The two goals, with target dates counted from the plan start."""
    pages = []
    for title, horizon, span in _GOALS:
        target = _add_months(months[0], span) - dt.timedelta(days=1)
        page = _Page(title, _notion_id(rng))
        page.cells = {"Horizon": horizon, "Target date": notion_date(target),
                      "Status": "In progress"}
        pages.append(page)
    return pages


def _modules(
    rng: random.Random, months: Sequence[dt.date], today: dt.date, goals: Sequence[_Page]
) -> list[_Page]:
    """The microlearning modules of every month, planned on weekdays."""
    pages: list[_Page] = []
    seen: dict[str, int] = {}
    for index, (first, profile) in enumerate(zip(months, _PROFILES, strict=True)):
        days = sorted(rng.sample(_weekdays(first), profile.modules))
        unaligned = set(rng.sample(range(1, profile.modules), profile.unaligned))
        unvetted = set(rng.sample(range(profile.modules), profile.unvetted))
        focus = _CURRICULUM[index]
        for number, planned in enumerate(days):
            skill = focus[number % len(focus)]
            # the first module on each focus skill, and the unaligned ones, get done
            sure = number < len(focus) or number in unaligned
            completed = _completion(rng, planned, today, sure=sure)
            pages.append(
                _module_page(rng, skill, planned, completed, seen, goals, today,
                             aligned=number not in unaligned, vetted=number not in unvetted)
            )
        if index < CLOSED_MONTHS:
            for _ in range(profile.adhoc):
                done_on = rng.choice(_weekdays(first))
                skill = rng.choice(focus)
                pages.append(_module_page(rng, skill, None, _at(rng, done_on), seen, goals, today))
    return pages


def _module_page(
    rng: random.Random,
    skill: str,
    planned: dt.date | None,
    completed: dt.datetime | None,
    seen: dict[str, int],
    goals: Sequence[_Page],
    today: dt.date,
    *,
    aligned: bool = True,
    vetted: bool = True,
) -> _Page:
    """One module on a topic that teaches `skill`."""
    track, topic, skills = rng.choice([t for t in _TOPICS if skill in t[2]])
    form = rng.choice(_FORMATS)
    seen[topic + form] = seen.get(topic + form, 0) + 1
    part = f", part {seen[topic + form]}" if seen[topic + form] > 1 else ""
    page = _Page(f"{topic}{part} ({form})", _notion_id(rng))
    linked = [goals[g] for g in _TRACK_GOALS[track]] if aligned else []
    providers = _PROVIDERS[track] if vetted else _UNVETTED_PROVIDERS
    status = "Done" if completed is not None else "Not started"
    if completed is None and planned is not None and planned < today and rng.random() < 0.5:
        status = "In progress"
    page.cells = {
        "Planned": notion_date(planned),
        "Completed": _notion_moment(rng, completed),
        "Status": status,
        "Minutes": str(rng.randint(5, 25)),
        "Format": form,
        "Track": track,
        "Skills": ", ".join(skills),
        "Goals": ", ".join(_relation(goal) for goal in linked),
        "Vetted": "Yes" if vetted else "No",
        "Provider": rng.choice(providers),
        "Notes": rng.choice(_NOTES) if rng.random() < 0.12 else "",
    }
    return page


def _completion(
    rng: random.Random, planned: dt.date, today: dt.date, *, sure: bool
) -> dt.datetime | None:
    """When a module planned for `planned` was completed (None: not yet, or never).

    Most are done on the day, some early, some late, a few never; nothing planned from
    today on is done yet, and nothing is done today or later.
    """
    roll = rng.random()
    if planned >= today or (roll < 0.08 and not sure):
        return None
    if roll < 0.25:
        day = planned - dt.timedelta(days=rng.randint(1, 3))
    elif roll < 0.42 and not sure:
        day = planned + dt.timedelta(days=rng.randint(1, 5))
    else:
        day = planned
    return _at(rng, day) if day < today else None


def _milestones(
    rng: random.Random, months: Sequence[dt.date], today: dt.date, goals: Sequence[_Page]
) -> list[_Page]:
    """A few milestones per goal: most on time, one late, the last ones open."""
    pages = []
    for goal, title, index, day, lag in _MILESTONES:
        due = _weekday_on_or_after(months[index].replace(day=day))
        done_on = None if lag is None else due + dt.timedelta(days=lag)
        if done_on is not None and done_on >= today:
            done_on = None
        page = _Page(title, _notion_id(rng))
        page.cells = {
            "Due": notion_date(due),
            "Done on": notion_date(done_on),
            "Status": "Done" if done_on else ("In progress" if due < today else "Not started"),
            "Goals": _relation(goals[goal]),
        }
        pages.append(page)
    return pages


def _advancements(rng: random.Random, months: Sequence[dt.date]) -> list[_Page]:
    """The promotion in month five and the raise that followed it."""
    pages = []
    for index, day, kind, title, description, skills in _ADVANCEMENTS:
        page = _Page(title, _notion_id(rng))
        page.cells = {
            "Date": notion_date(_weekday_on_or_after(months[index].replace(day=day))),
            "Kind": kind,
            "Description": description,
            "Skills": ", ".join(skills),
        }
        pages.append(page)
    return pages


# --- Trello cards -----------------------------------------------------------------------


def _session_cards(
    rng: random.Random, months: Sequence[dt.date], today: dt.date
) -> list[_Card]:
    """Two mentor sessions a month; those from today on are still planned."""
    cards = []
    insights = rng.sample(_INSIGHTS, len(_INSIGHTS))
    for index, (first, profile) in enumerate(zip(months, _PROFILES, strict=True)):
        scores = (3, 4) if profile.low_feedback else rng.choice(((4, 5), (5, 4), (4, 4), (5, 5)))
        for half, score in enumerate(scores):
            day = _weekday_on_or_after(first.replace(day=rng.randint(6, 10) + 14 * half))
            due = _local(day, 17, 30)
            focus = _CURRICULUM[index][half % len(_CURRICULUM[index])]
            card = _Card(f"1:1 with {MENTOR[0].split()[0]}: {focus}",
                         ("Mentor session",), due, day < today)
            card.fields = {"Mentor": MENTOR[0]}
            if card.done:
                card.fields["Feedback"] = str(score)
                card.checklist = _action_items(rng)
                if profile.documented:
                    card.desc = insights[(2 * index + half) % len(insights)]
                    card.comments = tuple(
                        (text, due + dt.timedelta(hours=rng.randint(2, 40)))
                        for text in rng.sample(_COMMENTS, rng.randint(0, 2))
                    )
            cards.append(card)
    return cards


def _action_items(rng: random.Random) -> tuple[tuple[str, bool], ...]:
    """A session's action items: two to four, all or all but one done."""
    items = rng.sample(_ACTION_ITEMS, rng.randint(2, 4))
    open_one = rng.randrange(len(items)) if rng.random() < 0.5 else -1
    return tuple((item, n != open_one) for n, item in enumerate(items))


def _application_cards(rng: random.Random, months: Sequence[dt.date]) -> list[_Card]:
    """Skills applied in live projects, late in their month."""
    cards = []
    for index, project, skills in _APPLICATIONS:
        day = _weekday_on_or_after(months[index].replace(day=rng.randint(20, 25)))
        labels = ("Skill applied", *(f"skill:{skill}" for skill in skills))
        card = _Card(f"Applied {' and '.join(skills)} on {project}", labels,
                     _local(day, 16, 0), True)
        card.desc = f"Used {', '.join(skills)} in the {project} project."
        card.fields = {"Project": project}
        cards.append(card)
    return cards


def _noise_cards(months: Sequence[dt.date]) -> list[_Card]:
    """Cards that are on the board but not part of the plan."""
    cancelled = _Card(
        "1:1 with Priya: cancelled (travel)", ("Mentor session",),
        _local(_weekday_on_or_after(months[3].replace(day=15)), 17, 30), False, closed=True,
    )
    old_list = _Card(
        "Applied journey mapping on the help centre", ("Skill applied", "skill:Journey mapping"),
        _local(_weekday_on_or_after(months[1].replace(day=12)), 16, 0), True,
        list_name="Ideas (archived)",
    )
    no_kind = _Card(
        "Read 'Inspired' by Marty Cagan", ("", "skill:Roadmapping"),
        _local(_weekday_on_or_after(months[6].replace(day=27)), 9, 0), False,
    )
    return [cancelled, old_list, no_kind]


# --- The Trello board export ----------------------------------------------------------


class _Ids:
    """Trello-style 24-hex ids: a creation timestamp, then seeded random bits."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self, when: dt.datetime) -> str:
        return f"{int(when.timestamp()):08x}{self._rng.getrandbits(64):016x}"


def _board(rng: random.Random, cards: Sequence[_Card], start: dt.date) -> dict[str, Any]:
    """The board as the nested GET /1/boards/{id} response (and the JSON export)."""
    new_id = _Ids(rng)
    created = _local(start - dt.timedelta(days=3), 10, 0)
    board_id, short = new_id(created), _short_link(rng)
    ref = {"id": board_id, "name": "Career plan", "shortLink": short}
    members = [_member(new_id(created), *person) for person in (LEARNER, MENTOR)]
    lists = [
        {"id": new_id(created), "name": name, "closed": name.endswith("(archived)"),
         "idBoard": board_id, "pos": 16384 * (n + 1), "subscribed": False}
        for n, name in enumerate(("Planned", "Done", "Ideas (archived)"))
    ]
    labels = [
        {"id": new_id(created), "idBoard": board_id, "name": name, "color": color,
         "uses": sum(name in card.labels for card in cards)}
        for name, color in _label_table(cards)
    ]
    fields = _custom_fields(new_id, created, board_id)
    layout = _Layout(new_id, rng, ref, members, lists, labels, fields)
    for number, card in enumerate(sorted(cards, key=lambda c: c.due), start=1):
        layout.add(card, number)
    layout.actions.sort(key=lambda a: str(a["date"]), reverse=True)
    return {
        "id": board_id,
        "name": "Career plan",
        "desc": "Mentor sessions and skills applied on the way to product management.",
        "closed": False,
        "idOrganization": None,
        "pinned": False,
        "url": f"https://trello.com/b/{short}/career-plan",
        "shortUrl": f"https://trello.com/b/{short}",
        "shortLink": short,
        "dateLastActivity": max((str(a["date"]) for a in layout.actions), default=None),
        "prefs": {"permissionLevel": "private", "background": "blue", "cardAging": "regular"},
        "labelNames": {"green": "Skill applied", "purple": "Mentor session"},
        "actions": layout.actions,
        "cards": layout.cards,
        "labels": labels,
        "lists": lists,
        "members": members,
        "checklists": layout.checklists,
        "customFields": fields,
    }


def _label_table(cards: Iterable[_Card]) -> list[tuple[str, str]]:
    """Label names and colours: the kinds, one per skill, and two that mean nothing."""
    table = [("Mentor session", "purple"), ("Skill applied", "green"),
             ("Microlearning", "blue"), ("Blocked", "red"), ("", "yellow")]
    skills = sorted({name for card in cards for name in card.labels if name.startswith("skill:")})
    return table + [(name, "sky") for name in skills]


def _custom_fields(new_id: _Ids, created: dt.datetime, board_id: str) -> list[dict[str, Any]]:
    """The Feedback (number), Mentor (list) and Project (text) field definitions."""
    fields: list[dict[str, Any]] = []
    for pos, (name, kind) in enumerate(
        (("Feedback", "number"), ("Mentor", "list"), ("Project", "text")), start=1
    ):
        field_id = new_id(created)
        definition: dict[str, Any] = {
            "id": field_id, "idModel": board_id, "modelType": "board",
            "fieldGroup": new_id(created), "display": {"cardFront": True},
            "name": name, "pos": 16384 * pos, "type": kind, "isSuggestedField": False,
        }
        if kind == "list":
            definition["options"] = [
                {"id": new_id(created), "idCustomField": field_id, "value": {"text": person},
                 "color": "none", "pos": 16384 * (n + 1)}
                for n, person in enumerate((MENTOR[0], "Daniel Okafor"))
            ]
        fields.append(definition)
    return fields


def _member(member_id: str, full_name: str, username: str) -> dict[str, Any]:
    """A board member as the nested response shows it."""
    initials = "".join(part[0] for part in full_name.split())
    return {"id": member_id, "fullName": full_name, "username": username,
            "initials": initials, "avatarUrl": None, "confirmed": True}


class _Layout:
    """Turns cards into Trello JSON: cards, checklists, custom field items, actions."""

    def __init__(
        self,
        new_id: _Ids,
        rng: random.Random,
        board: dict[str, str],
        members: list[dict[str, Any]],
        lists: list[dict[str, Any]],
        labels: list[dict[str, Any]],
        fields: list[dict[str, Any]],
    ) -> None:
        self.new_id, self.rng, self.board = new_id, rng, board
        self.learner, self.mentor = members
        self.lists = {lst["name"]: lst for lst in lists}
        self.labels = {label["name"]: label for label in labels}
        self.fields = {f["name"]: f for f in fields}
        self.cards: list[dict[str, Any]] = []
        self.checklists: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []

    def add(self, card: _Card, number: int) -> None:
        """Lay out one card with its history."""
        created = card.due - dt.timedelta(days=self.rng.randint(5, 12), hours=3)
        card_id = self.new_id(created)
        home = self.lists[card.list_name or ("Done" if card.done else "Planned")]
        short = _short_link(self.rng)
        ref = {"id": card_id, "name": card.name, "idShort": number, "shortLink": short}
        planned = self.lists["Planned"]
        self._action("createCard", created, self.learner,
                     {"card": ref, "list": _ref(planned), "board": self.board})
        last = created
        if home is not planned:
            last = card.due + dt.timedelta(hours=self.rng.randint(1, 5))
            self._action("updateCard", last, self.learner, {
                "card": {**ref, "idList": home["id"]}, "old": {"idList": planned["id"]},
                "board": self.board, "listBefore": _ref(planned), "listAfter": _ref(home)})
        for text, when in card.comments:
            self._action("commentCard", when, self.mentor,
                         {"text": text, "card": ref, "list": _ref(home), "board": self.board})
            last = max(last, when)
        checklists = self._checklist(card_id, card.checklist, created)
        labels = [self.labels[name] for name in card.labels]
        member_ids = [self.learner["id"]]
        if "Mentor session" in card.labels:
            member_ids.append(self.mentor["id"])
        self.cards.append({
            "id": card_id, "name": card.name, "desc": card.desc, "idBoard": self.board["id"],
            "idList": home["id"], "closed": card.closed, "pos": 16384 * number,
            "due": _iso(card.due), "dueComplete": card.done, "start": None,
            "dateLastActivity": _iso(last, self.rng), "idShort": number, "shortLink": short,
            "shortUrl": f"https://trello.com/c/{short}",
            "url": f"https://trello.com/c/{short}/{number}-{_slug(card.name).lower()}",
            "labels": [{k: label[k] for k in ("id", "idBoard", "name", "color")}
                       for label in labels],
            "idLabels": [label["id"] for label in labels], "idMembers": member_ids,
            "idChecklists": [c["id"] for c in checklists],
            "badges": _badges(card), "customFieldItems": self._field_items(card_id, card),
        })

    def _action(
        self, kind: str, when: dt.datetime, member: dict[str, Any], data: dict[str, Any]
    ) -> None:
        """Record one action on the board."""
        self.actions.append({
            "id": self.new_id(when), "idMemberCreator": member["id"], "type": kind,
            "date": _iso(when, self.rng), "data": data,
            "memberCreator": {k: member[k] for k in ("id", "fullName", "username")},
        })

    def _checklist(
        self, card_id: str, items: Sequence[tuple[str, bool]], created: dt.datetime
    ) -> list[dict[str, Any]]:
        """The card's "Action items" checklist, when it has items."""
        if not items:
            return []
        checklist_id = self.new_id(created)
        check_items: list[dict[str, Any]] = [
            {"id": self.new_id(created), "idChecklist": checklist_id, "name": name,
             "state": "complete" if done else "incomplete", "pos": 16384 * (n + 1),
             "due": None, "idMember": None, "nameData": {"emoji": {}}}
            for n, (name, done) in enumerate(items)
        ]
        checklist = {"id": checklist_id, "name": "Action items", "idBoard": self.board["id"],
                     "idCard": card_id, "pos": 16384, "checkItems": check_items}
        self.checklists.append(checklist)
        return [checklist]

    def _field_items(self, card_id: str, card: _Card) -> list[dict[str, Any]]:
        """Custom field values, as strings (numbers too), or an option id for a list."""
        items = []
        for name, value in card.fields.items():
            definition = self.fields[name]
            item: dict[str, Any] = {"id": self.new_id(card.due), "idCustomField": definition["id"],
                                    "idModel": card_id, "modelType": "card"}
            if definition["type"] == "list":
                options = {o["value"]["text"]: o["id"] for o in definition["options"]}
                item["idValue"] = options[value]
            else:
                item["value"] = {definition["type"]: value}
            items.append(item)
        return items


def _badges(card: _Card) -> dict[str, Any]:
    """The badge counts Trello shows on a card front."""
    return {
        "attachments": 0, "checkItems": len(card.checklist),
        "checkItemsChecked": sum(done for _, done in card.checklist),
        "comments": len(card.comments), "description": bool(card.desc), "due": _iso(card.due),
        "dueComplete": card.done, "start": None, "votes": 0, "subscribed": False,
        "viewingMemberVoted": False, "location": False,
    }


def _ref(trello_list: dict[str, Any]) -> dict[str, Any]:
    """The short form of a list inside an action."""
    return {"id": trello_list["id"], "name": trello_list["name"]}


# --- Formats ----------------------------------------------------------------------------


def notion_date(day: dt.date | None) -> str:
    """A date as a Notion CSV export writes it: `June 30, 2026` (empty for None)."""
    if day is None:
        return ""
    return f"{_MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"


def _notion_moment(rng: random.Random, moment: dt.datetime | None) -> str:
    """A completion date, sometimes with its time: `June 30, 2026 11:30 PM`."""
    if moment is None:
        return ""
    if rng.random() < 0.7:
        return notion_date(moment.date())
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{notion_date(moment.date())} {hour}:{moment.minute:02d} {half}"


def _relation(page: _Page) -> str:
    """A relation cell entry: `Title (https://www.notion.so/Title-<32 hex id>)`."""
    return f"{page.title} (https://www.notion.so/{_slug(page.title)}-{page.notion_id})"


def _write_csv(path: Path, pages: Sequence[_Page]) -> None:
    """A Notion CSV export: UTF-8 with a BOM, the title column ("Name") first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    columns = list(pages[0].cells)
    writer.writerow(["Name", *columns])
    for page in pages:
        writer.writerow([page.title, *(page.cells[column] for column in columns)])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def _config_text(today: dt.date) -> str:
    """careerloop.toml for the sample: export files only, so no token is needed."""
    notion = "".join(
        f'\n[sources.notion.{table}]\ncsv = "notion/{table.capitalize()}.csv"\n'
        for table in ("goals", "modules", "milestones", "advancements")
    )
    return f"""\
{DEMO_CONFIG_MARKER}, generated for {today.isoformat()}.
# It reads a Notion CSV export and a Trello board export: no account, no token.
# `careerloop demo` rewrites this file; copy it elsewhere before you edit it.

[workspace]
timezone = "{DEMO_TIMEZONE}"
state = ".careerloop/state.db"

[sources.notion]
{notion}
[sources.trello]
export = "trello/board.json"
done_lists = ["Done"]
skill_prefix = "skill:"

# Only the labels and custom fields the board has (the plan's other kinds are in Notion).
[sources.trello.kinds]
"Mentor session" = "session"
"Skill applied" = "application"
Microlearning = "module"

[sources.trello.fields]
feedback = "Feedback"
mentor = "Mentor"
project = "Project"

[reviews]
targets = ["local"]

[reviews.local]
dir = "reviews"
"""


# --- Small helpers ----------------------------------------------------------------------


def _add_months(first: dt.date, offset: int) -> dt.date:
    """The first day of the month `offset` months after the month of `first`."""
    total = first.year * 12 + first.month - 1 + offset
    return dt.date(total // 12, total % 12 + 1, 1)


def _weekdays(first: dt.date) -> list[dt.date]:
    """Monday to Friday of the month starting on `first`."""
    days = []
    day = first
    while day.month == first.month:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _weekday_on_or_after(day: dt.date) -> dt.date:
    """`day`, or the Monday after it when it falls on a weekend."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time in the demo time zone."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_TZ)


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A plausible moment of `day` to finish a module (07:00 to 23:30)."""
    return _local(day, rng.randint(7, 23), rng.choice((0, 15, 30, 45)))


def _iso(moment: dt.datetime, rng: random.Random | None = None) -> str:
    """A Trello timestamp in UTC: `2026-10-14T15:00:00.000Z` (random ms for actions)."""
    utc = moment.astimezone(dt.UTC)
    millis = rng.randrange(1000) if rng is not None else 0
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def _notion_id(rng: random.Random) -> str:
    """A Notion page id: 32 hex digits."""
    return f"{rng.getrandbits(128):032x}"


def _short_link(rng: random.Random) -> str:
    """A Trello short link: 8 letters and digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(8))


def _slug(title: str) -> str:
    """Title words joined by hyphens, as in Notion and Trello URLs."""
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
