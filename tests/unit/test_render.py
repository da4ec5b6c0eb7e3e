"""Review templates: content, formatting, user overrides and sandboxed errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import ReviewsConfig
from careerloop.errors import TemplateError
from careerloop.kpi.scorecard import (
    Action,
    AdvancementNote,
    ComingItem,
    GoalPace,
    GoalProgress,
    Insight,
    KpiResult,
    MilestoneNote,
    OpenItems,
    Pitfall,
    Scorecard,
    ShortGoals,
    TrackRow,
)
from careerloop.periods import Period
from careerloop.report.render import (
    build_context,
    format_delta,
    format_minutes,
    format_value,
    make_environment,
    render_markdown,
    shipped_templates,
    trend_arrow,
)
from careerloop.report.review import Review, TrendPoint


def kpi(key: str, label: str, value: float | None, target: float | None, **kw: Any) -> KpiResult:
    score = kw.pop("score", None)
    status = kw.pop("status", "info" if target is None else "on_track")
    return KpiResult(
        key=key, label=label, value=value, target=target, score=score, status=status, **kw
    )


def scorecard(label: str = "2026-10", *, score: int | None = 78, shift: float = 0.0) -> Scorecard:
    kpis = [
        kpi(
            "module_completion",
            "Module completion",
            0.75 + shift,
            0.8,
            score=94,
            previous=0.5,
            delta=0.25,
            detail={"planned": 12, "done": 9},
        ),
        kpi("mentor_feedback", "Mentor feedback", 82.0, 75, score=100, previous=82.0, delta=0.0),
        kpi(
            "skills_applied",
            "Skills applied",
            2,
            1,
            score=100,
            detail={"skills": ["SQL", "Roadmapping"]},
        ),
        kpi("advancements", "Advancements", 1, None, detail={"total": 1, "linked": 1}),
        kpi(
            "learning_consistency",
            "Learning consistency",
            0.3,
            0.6,
            score=50,
            status="off_track",
            previous=0.4,
            delta=-0.1,
        ),
        kpi("goal_alignment", "Goal alignment", None, 0.9, status="no_data"),
        kpi("learning_minutes", "Learning minutes", 200, None, previous=150, delta=50),
    ]
    return Scorecard(
        period=Period.parse(label),
        score=score,
        status="at_risk",
        kpis={k.key: k for k in kpis},
        pitfalls=[
            Pitfall(
                code="mentor-gap",
                severity="warning",
                message="No mentor session in the last 30 days",
                items=["last session 2026-09-12"],
                advice="Book a session this week.",
            ),
            Pitfall(
                code="unaligned-learning",
                severity="critical",
                message="Most modules serve no goal",
                items=[f"Module {i}" for i in range(7)],
                advice="Link each module to a goal or drop it.",
            ),
        ],
        tracks=[
            TrackRow(
                track="Data | analytics", modules=4, minutes=55, applications=2, per_hour=2.18
            ),
            TrackRow(track="Leadership", modules=3, minutes=120, applications=0, per_hour=0.0),
        ],
        accelerate="Data | analytics",
        revisit="Leadership",
        goals=[
            GoalProgress(
                id="g2",
                title="Become a PM",
                horizon="12m",
                target_date="2027-06-30",
                done=False,
                modules_completed=5,
                modules_in_period=2,
                milestones_done=1,
                milestones_total=4,
            ),
            GoalProgress(
                id="g1",
                title="Ship a roadmap",
                horizon="6m",
                target_date="2026-12-31",
                done=False,
                modules_completed=3,
                modules_in_period=0,
                milestones_done=0,
                milestones_total=2,
            ),
        ],
        warnings=["Feedback 7 outside the scale [1, 5] was clamped"],
        actions=[
            Action(
                text="Link the 7 modules without a goal to the goal they serve: 2 of 9",
                why="Learning that serves no goal takes the time the goals need.",
                kpis=["goal_alignment"],
                pitfall="unaligned-learning",
                items=[f"Module {i}" for i in range(7)],
                status="off_track",
            ),
            Action(
                text="Block two 10-minute learning slots a week, on Tuesdays and Thursdays",
                why="Short learning on most weekdays is what makes it stick.",
                kpis=["learning_consistency"],
                status="off_track",
            ),
            Action(
                text="Book the next session with Priya now",
                why="Nobody checks the plan.",
                pitfall="mentor-gap",
                items=["last session 2026-09-12"],
            ),
            Action(
                text="Ask Priya to vet the sources",
                why="Unvetted content misleads.",
                pitfall="unvetted-content",
                items=["A", "B", "C", "D"],
            ),
        ],
        coming_up=[
            ComingItem(
                date=dt.date(2026, 11, 4),
                kind="session",
                title="1:1 with Priya",
                detail="Priya Raman",
            ),
            ComingItem(date=dt.date(2026, 11, 5), kind="module", title="SQL joins", detail="Data"),
            ComingItem(
                date=dt.date(2026, 11, 9), kind="module", title="Roadmaps", detail="Product"
            ),
            ComingItem(
                date=dt.date(2026, 11, 12), kind="module", title="Window functions", detail="Data"
            ),
            ComingItem(date=dt.date(2026, 11, 20), kind="milestone", title="Ship the roadmap"),
            ComingItem(date=dt.date(2026, 11, 30), kind="goal", title="Become a PM"),
        ],
        coming_from=dt.date(2026, 11, 1),
        coming_to=dt.date(2026, 11, 30),
        insights=[
            Insight(
                date=dt.date(2026, 10, 6),
                mentor="Priya Raman",
                session="1:1",
                text="Talk to five users before writing a requirement.",
            )
        ],
        open_items=[
            OpenItems(
                date=dt.date(2026, 10, 6), session="1:1", mentor="Priya Raman", open=2, total=3
            )
        ],
        advancement_notes=[
            AdvancementNote(
                date=dt.date(2026, 10, 20),
                title="Promoted to APM",
                kind="role",
                description="Moved to product.",
                skills=["SQL", "Figma"],
                built_on=["SQL"],
            )
        ],
        milestones_reached=[
            MilestoneNote(
                title="Interview ten users",
                due=dt.date(2026, 10, 24),
                done_on=dt.date(2026, 10, 21),
            )
        ],
        milestones_missed=[
            MilestoneNote(
                title="Own the backlog", due=dt.date(2026, 10, 20), done_on=dt.date(2026, 10, 26)
            ),
            MilestoneNote(title="Present findings", due=dt.date(2026, 10, 24), done_on=None),
        ],
        goal_pace=[
            GoalPace(
                id="g1",
                title="Ship a roadmap",
                horizon="6m",
                target_date=dt.date(2026, 12, 31),
                done=False,
                milestones_done=0,
                milestones_total=2,
                next_milestone="Draft",
                next_due=dt.date(2026, 11, 20),
                days_left=61,
                elapsed=0.7,
                pace="behind",
            )
        ],
        short_goals=ShortGoals(label="sprint goals", due=12, done=9),
        track_window=(dt.date(2026, 8, 1), dt.date(2026, 10, 31)),
        accelerate_periods=3,
        revisit_periods=1,
        refinements=[
            "Learning consistency has been below 60% for 4 months",
            "Plan the modules and dates of 2026-Q1: 0 modules are planned so far",
        ],
    )


def monthly_review(*, draft: bool = False) -> Review:
    return Review(
        kind="monthly",
        scorecard=scorecard(),
        trend=[TrendPoint("2026-08", 70), TrendPoint("2026-09", None), TrendPoint("2026-10", 78)],
        generated_on=dt.date(2026, 11, 2),
        draft=draft,
    )


def quarterly_review() -> Review:
    return Review(
        kind="quarterly",
        scorecard=scorecard("2026-Q4", score=80),
        months=[
            scorecard("2026-10"),
            scorecard("2026-11", shift=0.1),
            scorecard("2026-12", shift=-0.2),
        ],
        trend=[TrendPoint("2026-Q3", 60), TrendPoint("2026-Q4", 80)],
        generated_on=dt.date(2027, 1, 2),
    )


REVIEWS = ReviewsConfig()


def test_monthly_review_reads_well() -> None:
    text = render_markdown(monthly_review(), REVIEWS, None)

    assert text.startswith("# Monthly review 2026-10\n")
    assert "**Score 78/100** · 🟡 at risk · 3 of 5 KPIs on track" in text
    assert "| KPI | Target | Value | Trend | Status |" in text
    assert "| Module completion | 80% | 75% | ↑ +25 pts | 🟢 on track |" in text
    assert "| Mentor feedback | 75/100 | 82/100 | → | 🟢 on track |" in text
    assert "| Learning consistency | 60% | 30% | ↓ −10 pts | 🔴 off track |" in text
    assert "| Goal alignment | 90% | – | – | ⚪ no data |" in text
    assert "| Learning minutes | – | 3 h 20 min | ↑ +50 min | 🔵 info |" in text
    assert "Skills applied for the first time: SQL, Roadmapping" in text
    # The score line, then the top three actions, then the KPI table, then the rest.
    assert text.index("**Score 78/100**") < text.index("## Do next") < text.index("## KPIs")
    do_next = text[text.index("## Do next") : text.index("## KPIs")]
    assert do_next.count("\n1. ") == 1 and "\n3. **Book the next session" in do_next
    assert "   - Module 4\n   - … and 4 more" not in do_next  # three items, then a count
    assert "   - Module 2\n   - … and 4 more\n" in do_next
    more = text[text.index("## Also worth doing") :]
    assert (
        "- **Ask Priya to vet the sources.** Unvetted content misleads. (A; B; C; … and 1 more)"
    ) in more
    assert "keep the rhythm" not in text
    assert "On track: a score of 90 or more" in text
    assert "1 is 0, 4 is 75 and 5 is 100" in text
    # Workspace text is escaped wherever it lands, outside tables too.
    assert "Accelerate:** Data \\| analytics (3 months in a row)" in text
    assert "Revisit:** Leadership" in text and "Leadership (1" not in text
    assert "| Data \\| analytics | 4 | 55 min | 2 | 2.18 |" in text  # pipe escaped in a cell
    assert "_Over 1 Aug 2026 to 31 Oct 2026:" in text
    assert "Learning consistency is at 30% against 60%: what gets in the way?" in text
    assert "## Data warnings" in text
    # The notes heading comes last, with its hint.
    tail = text[text.index("## Notes") :]
    assert tail == (
        "## Notes\n\n_Everything below this heading is yours: careerloop never changes it._\n"
    )
    assert "Draft" not in text
    assert "2026-11-02" not in text  # the run date would make every re-run a change


def test_draft_says_so_at_the_top() -> None:
    text = render_markdown(monthly_review(draft=True), REVIEWS, None)
    head = text.splitlines()[:3]
    assert head[0] == "# Monthly review 2026-10 (draft)"
    assert head[2].startswith("> **Draft:**")


def test_quarterly_has_months_goals_and_checklist() -> None:
    text = render_markdown(quarterly_review(), REVIEWS, None)

    assert text.startswith("# Quarterly review 2026-Q4\n")
    assert "| KPI | Oct 2026 | Nov 2026 | Dec 2026 | Quarter |" in text
    assert "| Module completion | 🟢 75% | 🟢 85% | 🟢 55% | 🟢 75% |" in text
    goals = text[text.index("## Goals on pace") :]
    checklist = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert checklist == [
        "- [ ] Learning consistency has been below 60% for 4 months",
        "- [ ] Plan the modules and dates of 2026-Q1: 0 modules are planned so far",
    ]
    assert (
        "| Ship a roadmap (6m) | 31 Dec 2026, 61 days left | 0 of 2 | Draft, 20 Nov 2026 "
        "| 🔴 behind |"
    ) in goals
    assert "9 of 12 sprint goals due this quarter are done." in goals
    assert text.rstrip().endswith("careerloop never changes it._")


def test_no_score_no_tracks_no_warnings() -> None:
    card = Scorecard(period=Period.parse("2026-10"), score=None, status="no_data", kpis={})
    review = Review(kind="monthly", scorecard=card, generated_on=dt.date(2026, 11, 1))
    text = render_markdown(review, REVIEWS, None)
    assert "**No score yet** · ⚪ no data · 0 of 0 KPIs on track" in text
    assert "## Tracks" not in text and "## Data warnings" not in text
    assert "No KPI is at risk or off track and no pitfall came up: keep the rhythm." in text
    assert "0 of 0 KPIs" in text
    assert "\n\n\n" not in text


def test_custom_notes_heading() -> None:
    text = render_markdown(monthly_review(), ReviewsConfig(notes_heading="Mentor notes"), None)
    assert "\n## Mentor notes\n" in text


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("module_completion", 0.745, "75%"),
        ("module_completion", 1.25, "125%"),
        ("mentor_feedback", 81.5, "82/100"),
        ("learning_minutes", 200, "3 h 20 min"),
        ("learning_minutes", 45, "45 min"),
        ("learning_minutes", 120, "2 h"),
        ("skills_applied", 3.0, "3"),
        ("some_new_kpi", 2.181, "2.18"),
        ("module_completion", None, "–"),
    ],
)
def test_format_value(key: str, value: float | None, expected: str) -> None:
    assert format_value(value, key) == expected


def test_deltas_and_arrows() -> None:
    assert format_delta(-0.1, "goal_alignment") == "−10 pts"
    assert format_delta(65, "learning_minutes") == "+1 h 5 min"
    assert format_delta(None, "goal_alignment") == ""
    assert [trend_arrow(d) for d in (1.0, -1.0, 0.0, None)] == ["↑", "↓", "→", "–"]
    assert format_minutes(None) == "–"


def test_user_folder_overrides_one_partial(tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "kpi_table.md.j2").write_text(
        "{% for k in kpis %}* {{ k.label }} = {{ k | kpi_value }}\n{% endfor %}",
        encoding="utf-8",
    )
    text = render_markdown(monthly_review(), REVIEWS, tmp_path)
    assert "* Module completion = 75%" in text
    assert "| KPI | Target |" not in text
    # Everything else still comes from the shipped templates.
    assert text.startswith("# Monthly review 2026-10\n")
    assert "## What went well" in text and "## Notes" in text


def _broken(tmp_path: Path, name: str, body: str) -> TemplateError:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_markdown(monthly_review(), REVIEWS, tmp_path)
    return caught.value


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    error = _broken(tmp_path, "monthly.md.j2", "# Title\n\n{% if %}\n{% endif %}\n")
    assert str(error).startswith("template monthly.md.j2")
    assert "line 3" in str(error)
    assert "syntax error" in str(error)


def test_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    error = _broken(tmp_path, "monthly.md.j2", "# Title\n\n\n{{ foo }}\n")
    assert str(error).startswith("template monthly.md.j2")
    assert "line 4: 'foo' is undefined" in str(error)


def test_error_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    error = _broken(tmp_path, "partials/tracks.md.j2", "ok\n{{ scorecard.nope }}\n")
    assert str(error).startswith("template partials/tracks.md.j2")
    assert "line 2" in str(error)
    assert "nope" in str(error)


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ review.__class__.__init__.__globals__ }}",
        "{{ kpis.append(1) }}",
        "{{ kpi.clear() }}",
    ],
)
def test_sandbox_escape_is_a_template_error(tmp_path: Path, body: str) -> None:
    error = _broken(tmp_path, "monthly.md.j2", body)
    assert "template monthly.md.j2" in str(error)
    assert "line 1" in str(error)
    assert "unsafe" in str(error)


def test_missing_user_folder(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist"):
        render_markdown(monthly_review(), REVIEWS, tmp_path / "nope")


def test_shipped_templates_are_found() -> None:
    folder = shipped_templates()
    assert (folder / "monthly.md.j2").is_file()
    assert (folder / "quarterly.md.j2").is_file()
    assert (folder / "partials" / "notes.md.j2").is_file()


def test_rendering_is_deterministic() -> None:
    first = render_markdown(quarterly_review(), REVIEWS, None)
    assert render_markdown(quarterly_review(), REVIEWS, None) == first


# --- reviews worth acting on ------------------------------------------------------------

V1_TEMPLATES = Path(__file__).parents[1] / "fixtures" / "templates_v1"


@pytest.mark.parametrize(
    "review", [monthly_review(), quarterly_review()], ids=["monthly", "quarterly"]
)
def test_a_template_written_before_actions_still_renders(review: Review) -> None:
    # A copy of the shipped templates as they were before actions, coming up and pace.
    text = render_markdown(review, REVIEWS, V1_TEMPLATES)
    assert text.startswith(f"# {review.title}\n")
    assert "## KPIs" in text and "## What went well" in text
    assert "| Module completion | 80% |" in text
    assert text.rstrip().endswith("careerloop never changes it._")


def test_went_well_lists_only_what_met_its_target() -> None:
    text = render_markdown(monthly_review(), REVIEWS, None)
    went_well = text[text.index("## What went well") : text.index("## In your words")]
    lines = [line for line in went_well.splitlines() if line.startswith("- ")]
    # Module completion is on track (score 94) but 75% is below its 80% target: not listed.
    assert lines == [
        "- Mentor feedback: 82/100 (target 75/100)",
        "- Skills applied: 2 (target 1)",
        "- Skills applied for the first time: SQL, Roadmapping",
        "- Promoted to APM (20 Oct 2026)",
        "- Milestone reached: “Interview ten users”",
    ]


def test_what_the_reader_wrote_and_what_is_coming() -> None:
    text = render_markdown(monthly_review(), REVIEWS, None)
    words = text[text.index("## In your words") : text.index("## Coming up")]
    assert "> “Talk to five users before writing a requirement.” — Priya Raman, 6 Oct 2026" in words
    assert "- 2 of 3 action items from “1:1” (6 Oct 2026) are still open" in words
    assert "- **Promoted to APM** (20 Oct 2026): Moved to product. Built on SQL." in words
    assert (
        "- Milestone **Own the backlog**, due 20 Oct 2026: reached 6 days late, on 26 Oct 2026"
        in words
    )  # noqa: E501
    assert "- Milestone **Present findings**, due 24 Oct 2026: not reached" in words
    coming = text[text.index("## Coming up") : text.index("## Tracks")]
    assert coming.splitlines()[2:] == [
        "- 4 Nov 2026: mentor session “1:1 with Priya” with Priya Raman",
        "- 20 Nov 2026: milestone “Ship the roadmap” is due",
        "- 30 Nov 2026: target date of the goal “Become a PM”",
        "- 3 modules planned from 5 Nov 2026 to 12 Nov 2026: 2 Data and 1 Product",
        "",
    ]


def test_monthly_shows_goals_only_when_one_is_due_soon() -> None:
    review = monthly_review()
    assert "## Goals on pace" not in render_markdown(review, REVIEWS, None)
    review.scorecard.goals_due_soon = True
    assert "## Goals on pace" in render_markdown(review, REVIEWS, None)


def test_mentor_questions_are_three_to_five_and_not_the_actions() -> None:
    text = render_markdown(monthly_review(), REVIEWS, None)
    section = text[text.index("## For the next mentor session") : text.index("## Data warnings")]
    questions = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    assert 3 <= len(questions) <= 5
    # The insight is quoted in its own section; the question refers to it by its date.
    assert questions[0] == "Has the takeaway of 6 Oct 2026 changed how you work yet?"
    assert (
        questions[1] == "2 action items from 1 session are still open: which still matter, "
        "and which can go?"
    )
    assert all(a.text not in q for a in monthly_review().scorecard.actions for q in questions)


def test_pages_never_write_plural_in_parentheses() -> None:
    for review in (monthly_review(), quarterly_review()):
        assert "(s)" not in render_markdown(review, REVIEWS, None)


def test_compact_template_keeps_the_actions_and_coming_up() -> None:
    env = make_environment(None)
    text = env.get_template("compact.md.j2").render(build_context(monthly_review(), "Notes"))
    assert text.index("## Do next") < text.index("| KPI |") < text.index("## Coming up")
    assert "\n4. **Ask Priya to vet the sources.**\n" in text  # every action, one line each
    assert "- 4 Nov 2026: mentor session “1:1 with Priya” with Priya Raman" in text
    assert "3 of 5 KPIs on track" in text
