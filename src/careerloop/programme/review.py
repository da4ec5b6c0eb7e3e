"""The programme review: the cohort's rollup as one page a programme lead acts on.

It shows what the programme does next about the commonest pitfalls (one sentence per
pitfall code), the participants needing attention, the cohort's score distribution,
each KPI's share on track against the previous period, and who took part. It goes out
through the personal review publishers (local files, Notion, Trello) with their upsert
rules: the notes are kept, an unchanged review is not written, there is never a second
copy. With `[programme] anonymise = true` every participant's name is replaced by a
stable pseudonym before anything is rendered, so no real name reaches any target.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from careerloop.config import Config
from careerloop.connectors.base import Clock, Publisher, PublishOutcome, Transport
from careerloop.errors import ConfigError, PublishError
from careerloop.kpi import catalog
from careerloop.kpi.engine import round_half_up, status_for
from careerloop.kpi.scorecard import Action, KpiResult, Scorecard, Status
from careerloop.kpi.words import format_value, plain_number, plural, round_to
from careerloop.periods import PERIOD_TO_REVIEW, Period, today_in
from careerloop.programme.config import ProgrammeConfig
from careerloop.programme.rollup import KpiCounts, Quartiles, Rollup
from careerloop.report.escape import Markdown, secret_values
from careerloop.report.render import render_template
from careerloop.report.review import Review, ReviewKind, TrendPoint
from careerloop.store import Store

__all__ = [
    "PROGRAMME_TEMPLATE",
    "ProgrammeReview",
    "ProgrammeView",
    "anonymise",
    "build_view",
    "programme_action",
    "pseudonyms",
    "publish_programme_review",
    "render_programme_review",
]

PROGRAMME_TEMPLATE = "programme.md.j2"
PSEUDONYM_DIGITS = 4  # hex digits of a pseudonym; more only where two would collide
SCORE_BANDS: tuple[tuple[int, int], ...] = ((90, 100), (75, 89), (60, 74), (40, 59), (0, 39))
BAR_WIDTH = 20  # characters of the longest distribution bar
ATTENTION_ROWS = 50  # participants listed by name; the rest are counted
WEAK_SHARE = 50  # a KPI on track for fewer than this % of the cohort gets a programme action
UP, DOWN, SAME = "▲", "▼", "="

# What the programme does about each pitfall, for the participants whose period has it:
# one sentence, in the lead's voice, with {mentees} or {pairs} counted ("the 3 pairs").
PROGRAMME_ACTIONS: dict[str, str] = {
    catalog.MENTOR_GAP: "Ask the mentors of {pairs} that went quiet to book a session this week",
    catalog.SKIPPED_CHECKINS: "Remind {pairs} that skipped check-ins of the agreed rhythm and "
    "have them put the next two sessions in their calendars now",
    catalog.UNDOCUMENTED_INSIGHTS: "Send {pairs} whose session insights go unrecorded the "
    "programme's one-paragraph notes template, to fill in after each session",
    catalog.UNALIGNED_LEARNING: "Ask {mentees} whose learning drifts from their goals to link "
    "each module to a goal before starting it, and their mentors to check the links",
    catalog.OVERLOAD_WITHOUT_APPLICATION: "Help {mentees} who learn without applying it find "
    "one live-project task for a skill they just studied, with their mentors",
    catalog.UNVETTED_CONTENT: "Point {mentees} relying on unvetted content to the programme's "
    "curated catalogue, and ask their mentors to vet what they keep",
    catalog.STALLED_GOAL: "Ask the mentors of {mentees} with a stalled goal to agree the next "
    "step or a new date in their next session",
}


# -- pseudonyms --------------------------------------------------------------------------


def pseudonyms(names: Iterable[str], key: str) -> dict[str, str]:
    """Name -> `Participant 7f3a`: a keyed hash of the name, the same on every run.

    The key is the programme's name, so the same person gets another pseudonym in another
    programme. Four hex digits as a rule; a name whose digits another name shares gets as
    many more as set the two apart (only theirs change), so no two collide.
    """
    digests = sorted(
        (hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest(), name)
        for name in dict.fromkeys(names)
    )
    # Sorted, a digest shares its longest prefix with one of its two neighbours.
    shared = [
        len(os.path.commonprefix([a[0], b[0]])) for a, b in zip(digests, digests[1:], strict=False)
    ]
    result: dict[str, str] = {}
    for position, (digest, name) in enumerate(digests):
        before = shared[position - 1] if position else 0
        after = shared[position] if position < len(shared) else 0
        width = max(PSEUDONYM_DIGITS, before + 1, after + 1)
        result[name] = f"Participant {digest[:width]}"
    return result


def anonymise(rollup: Rollup, names: Mapping[str, str]) -> Rollup:
    """The rollup with every participant's name replaced by its pseudonym in `names`."""
    attention = sorted(
        (
            dataclasses.replace(entry, participant=names[entry.participant])
            for entry in rollup.attention
        ),
        key=lambda entry: (entry.score, entry.participant),
    )
    return dataclasses.replace(
        rollup,
        failed=tuple(sorted(names[name] for name in rollup.failed)),
        attention=tuple(attention),
        scores=dict(sorted((names[name], score) for name, score in rollup.scores.items())),
    )


# -- what the page shows -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreBand:
    """Participants whose period score falls in [low, high]."""

    low: int
    high: int
    participants: int
    bar: str
    status: Status


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI across the cohort: its share on track and the change since last period.

    `share` and `previous` are whole percentages of the participants with a value (on
    track, at risk or off track); `change` is their difference in points.
    """

    key: str
    label: str
    on_track: int
    rated: int
    at_risk: int
    off_track: int
    no_data: int
    share: int | None
    previous: int | None
    change: int | None
    trend: str
    median: str
    action: str = ""  # what the programme does when the KPI is weak across the cohort


@dataclass(frozen=True, slots=True)
class PitfallRow:
    """A pitfall found in some participants' periods, and what the programme does."""

    code: str
    name: str
    participants: int
    share: int
    action: str


@dataclass(frozen=True, slots=True)
class AttentionRow:
    """A participant whose period is off track."""

    participant: str
    score: int
    off_track: tuple[str, ...]  # KPI labels
    pitfalls: tuple[str, ...]  # pitfall names


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    """Everything the programme template shows, worked out (the template only lays out)."""

    programme: str
    period: Period
    previous_period: str | None
    score: Quartiles | None
    median_trend: str
    status: Status
    bands: tuple[ScoreBand, ...]
    kpis: tuple[KpiRow, ...]
    pitfalls: tuple[PitfallRow, ...]
    weak_kpis: tuple[KpiRow, ...]
    attention: tuple[AttentionRow, ...]
    more_attention: int
    participants: int
    synced: int
    failed: tuple[str, ...]
    no_data: tuple[str, ...]
    scored_with_score: int


def score_bands(scores: Iterable[int]) -> tuple[ScoreBand, ...]:
    """How many participants score in each band, with a text bar scaled to the largest."""
    values = list(scores)
    counts = [sum(1 for s in values if low <= s <= high) for low, high in SCORE_BANDS]
    largest = max(counts, default=0)
    return tuple(
        ScoreBand(
            low,
            high,
            count,
            "█" * (round_half_up(BAR_WIDTH * count / largest) if largest else 0),
            status_for(low),
        )
        for (low, high), count in zip(SCORE_BANDS, counts, strict=True)
    )


def share_on_track(counts: KpiCounts | None) -> int | None:
    """Whole percent of the participants with a value that are on track; None for none."""
    if counts is None:
        return None
    rated = counts.on_track + counts.at_risk + counts.off_track
    return round_half_up(100 * counts.on_track / rated) if rated else None


def trend_text(now: float | None, before: float | None, unit: str = " pts") -> str:
    """`▲ 8 pts`, `▼ 3 pts`, `= 0 pts`; empty when either side is missing."""
    if now is None or before is None:
        return ""
    change = now - before
    arrow = UP if change > 0 else DOWN if change < 0 else SAME
    return f"{arrow} {plain_number(abs(float(round_to(change, 1))))}{unit}"


def kpi_label(key: str) -> str:
    """The catalogue's label of a KPI (`Mentor sessions vs planned`), else its key in words."""
    kpi = catalog.find(key)
    return kpi.label if kpi else key.replace("_", " ").capitalize()


def kpi_rows(rollup: Rollup, previous: Rollup | None) -> tuple[KpiRow, ...]:
    """One row per KPI of the rollup, in its order."""
    rows = []
    for key, counts in rollup.kpis.items():
        share = share_on_track(counts)
        before = share_on_track(previous.kpis.get(key)) if previous else None
        label = kpi_label(key)
        rows.append(
            KpiRow(
                key=key,
                label=label,
                on_track=counts.on_track,
                rated=counts.on_track + counts.at_risk + counts.off_track,
                at_risk=counts.at_risk,
                off_track=counts.off_track,
                no_data=counts.no_data,
                share=share,
                previous=before,
                change=None if share is None or before is None else share - before,
                trend=trend_text(share, before),
                median=format_value(counts.median, key),
                action=kpi_action(label) if share is not None and share < WEAK_SHARE else "",
            )
        )
    return tuple(rows)


def kpi_action(label: str) -> str:
    """What the programme does about a KPI most participants are not on track for."""
    return (
        f"Bring {label.lower()} up across the cohort: ask the mentors to agree one step for "
        "it in this month's sessions"
    )


def weak_kpis(rows: Iterable[KpiRow]) -> tuple[KpiRow, ...]:
    """The KPIs with a programme action (on track for under half the cohort), weakest first."""
    return tuple(sorted((row for row in rows if row.action), key=lambda row: row.share or 0))


def pitfall_name(code: str) -> str:
    """`mentor-gap` -> `Mentor gap`."""
    return code.replace("-", " ").replace("_", " ").capitalize()


def programme_action(code: str, participants: int) -> str:
    """What the programme does about a pitfall found in `participants`' periods: one sentence."""
    words = {"mentees": _the(participants, "mentee"), "pairs": _the(participants, "pair")}
    template = PROGRAMME_ACTIONS.get(code)
    if template is None:
        return (
            f"Go through {pitfall_name(code).lower()} with the mentors of "
            f"{words['mentees']} it came up for"
        )
    return template.format(**words)


def _the(count: int, noun: str) -> str:
    """`the pair`, `the 3 pairs`."""
    return f"the {noun}" if count == 1 else f"the {plural(count, noun)}"


def pitfall_rows(rollup: Rollup) -> tuple[PitfallRow, ...]:
    """The pitfalls found, commonest first (the rollup's order), with the programme action."""
    return tuple(
        PitfallRow(
            code,
            pitfall_name(code),
            count,
            round_half_up(100 * count / rollup.scored) if rollup.scored else 0,
            programme_action(code, count),
        )
        for code, count in rollup.pitfalls.items()
        if count
    )


def attention_rows(rollup: Rollup) -> tuple[AttentionRow, ...]:
    """The participants off track, lowest score first, KPIs and pitfalls in words."""
    return tuple(
        AttentionRow(
            participant=entry.participant,
            score=entry.score,
            off_track=tuple(kpi_label(key) for key in entry.off_track),
            pitfalls=tuple(pitfall_name(code) for code in entry.pitfalls),
        )
        for entry in rollup.attention
    )


def build_view(
    programme: ProgrammeConfig, rollup: Rollup, previous: Rollup | None
) -> ProgrammeView:
    """What the page shows, with names already replaced when the programme anonymises."""
    everyone = [p.name for p in programme.participants]
    no_data = [n for n in everyone if n not in rollup.scores and n not in rollup.failed]
    if programme.anonymise:
        names = pseudonyms(everyone, programme.name)
        rollup = anonymise(rollup, names)
        no_data = [names[n] for n in no_data]
    score = rollup.score
    before = previous.score if previous else None
    attention = attention_rows(rollup)
    rows = kpi_rows(rollup, previous)
    return ProgrammeView(
        programme=programme.name,
        period=rollup.period,
        previous_period=previous.period.label if previous else None,
        score=score,
        median_trend=trend_text(
            score.median if score else None, before.median if before else None, ""
        ),
        status=status_for(round_half_up(score.median) if score else None),
        bands=score_bands(rollup.scores.values()),
        kpis=rows,
        pitfalls=pitfall_rows(rollup),
        weak_kpis=weak_kpis(rows),
        attention=attention[:ATTENTION_ROWS],
        more_attention=max(0, len(attention) - ATTENTION_ROWS),
        participants=rollup.participants,
        synced=rollup.scored,
        failed=rollup.failed,
        no_data=tuple(sorted(no_data)),
        scored_with_score=len(rollup.scores),
    )


# -- the page as the publishers see it -----------------------------------------------------


@dataclass(slots=True, kw_only=True)
class ProgrammeReview(Review):
    """The programme review in the form every publisher takes.

    Its scorecard is the cohort's: the median score and its status, one "KPI" per KPI
    holding the whole percent of participants on track (the Notion Reviews database gets
    a column each), and the programme actions. Its key is (period, kind) like a personal
    review's, so the upsert rules are the same; its title names the programme.
    """

    programme: str = ""

    @property
    def title(self) -> str:
        """`Product mentoring 2026: programme review 2026-10`."""
        suffix = " (draft)" if self.draft else ""
        return f"{self.programme}: programme review {self.period.label}{suffix}"


ON_TRACK_SUFFIX = "on_track"


def _cohort_scorecard(view: ProgrammeView) -> Scorecard:
    median = round_half_up(view.score.median) if view.score is not None else None
    kpis = {
        f"{row.key}_{ON_TRACK_SUFFIX}": KpiResult(
            key=f"{row.key}_{ON_TRACK_SUFFIX}",
            label=f"{row.label}: % on track",
            value=row.share,
            target=None,
            score=None,
            status="info",
        )
        for row in view.kpis
        if row.rated
    }
    actions = [
        Action(
            text=row.action,
            why=f"{row.name}: {plural(row.participants, 'participant')}",
            pitfall=row.code,
        )
        for row in view.pitfalls
    ] + [
        Action(text=row.action, why=f"on track for {row.on_track} of {row.rated}", kpis=[row.key])
        for row in view.weak_kpis
    ]
    return Scorecard(
        period=view.period, score=median, status=view.status, kpis=kpis, actions=actions
    )


def review_page(view: ProgrammeView, previous: Rollup | None, today: dt.date) -> ProgrammeReview:
    """The page the publishers upsert, keyed by the rollup's period and kind."""
    kind: ReviewKind = PERIOD_TO_REVIEW[view.period.kind]
    card = _cohort_scorecard(view)
    trend = []
    if previous is not None and previous.score is not None:
        trend.append(TrendPoint(previous.period.label, round_half_up(previous.score.median)))
    trend.append(TrendPoint(view.period.label, card.score))
    return ProgrammeReview(
        kind=kind,
        scorecard=card,
        trend=trend,
        generated_on=today,
        draft=not view.period.has_ended(today),
        programme=view.programme,
    )


def _context(view: ProgrammeView, page: ProgrammeReview, notes_heading: str) -> dict[str, object]:
    """The variables of programme.md.j2 (docs/templates.md lists them)."""
    return {
        "view": view,
        "title": page.title,
        "draft": page.draft,
        "period": view.period.label,
        "period_start": view.period.start.isoformat(),
        "period_end": view.period.end.isoformat(),
        "generated_on": page.generated_on.isoformat(),
        "notes_heading": Markdown(notes_heading),  # config, matched as written
    }


def _render(config: Config, view: ProgrammeView, page: ProgrammeReview) -> str:
    folder = config.reviews.templates
    return render_template(
        page,
        config.reviews,
        config.path(folder) if folder else None,
        PROGRAMME_TEMPLATE,
        secrets=secret_values(config),
        context=_context(view, page, config.reviews.notes_heading),
    )


def render_programme_review(
    programme: ProgrammeConfig,
    rollup: Rollup,
    previous: Rollup | None,
    *,
    today: dt.date | None = None,
) -> str:
    """The programme review's Markdown (what `programme rollup --to stdout` prints).

    Raises:
        TemplateError: the template fails; the message names the file and line.
    """
    config = programme.review_config
    today_ = today or today_in(config.workspace.tz)
    view = build_view(programme, rollup, previous)
    return _render(config, view, review_page(view, previous, today_))


# -- publishing ----------------------------------------------------------------------------


def _targets(config: Config, to: str | None) -> list[str]:
    if to is None:
        return list(config.reviews.targets)
    return [] if to == "stdout" else [to]


def publish_programme_review(
    programme: ProgrammeConfig,
    rollup: Rollup,
    previous: Rollup | None,
    *,
    to: str | None,
    dry_run: bool,
    today: dt.date | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
) -> list[PublishOutcome]:
    """Upsert the programme review on `to` (None: `[programme.reviews] targets`).

    `stdout` publishes nothing (the CLI prints `render_programme_review`). The review is
    rendered before anything is written; each target then runs on its own, and the
    ledger of the programme's state records what was published (not on a dry run).
    `clock` and `transport` are the HTTP policy's seams, as in `pipeline.sync`.

    Raises:
        TemplateError: the template fails (nothing is written).
        ConfigError: a target lacks its settings.
        PublishError: a target failed; the others still ran and the message names them.
    """
    from careerloop.pipeline import build_publishers, check_ready

    config = programme.review_config
    targets = _targets(config, to)
    today_ = today or today_in(config.workspace.tz)
    view = build_view(programme, rollup, previous)
    page = review_page(view, previous, today_)
    markdown = _render(config, view, page)
    if not targets:
        return []
    if "trello" in targets and config.sources.trello is None:
        raise ConfigError(
            "programme.reviews.trello: set board (the board whose Reviews list gets the "
            "programme review cards) to publish to trello"
        )
    check_ready(config, targets)
    state = Store.scratch_copy if dry_run else Store
    with state(config.state_path) as store:
        publishers = build_publishers(config, store, targets, clock=clock, transport=transport)
        return _publish(config, store, page, markdown, publishers, dry_run=dry_run)


def _publish(
    config: Config,
    store: Store,
    page: ProgrammeReview,
    markdown: str,
    publishers: Sequence[Publisher],
    *,
    dry_run: bool,
) -> list[PublishOutcome]:
    """Each target on its own, as a personal review; failures raised together as one line."""
    from careerloop.pipeline import upsert_reviews

    outcomes, failures = upsert_reviews(
        config, store, [(page, lambda _target: markdown)], publishers, dry_run=dry_run
    )
    if failures:
        done = ", ".join(f"{o.target} {o.action}" for o in outcomes) or "nothing published"
        said = "; ".join(f"{f.where.removesuffix(' ' + page.key)}: {f.message}" for f in failures)
        raise PublishError(f"programme review {page.key}: {said} ({done})")
    return outcomes
