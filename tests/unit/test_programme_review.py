"""The programme review (programme/review.py): what it shows, pseudonyms, publishing.

Numbers are worked out by hand in the comments. The review is read as its reader reads
it: the rendered Markdown, and the text of the HTML page the local target writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from careerloop.errors import ConfigError, PublishError
from careerloop.kpi import catalog
from careerloop.kpi import pitfalls as pitfall_module
from careerloop.periods import Period
from careerloop.programme.config import ProgrammeConfig, load_programme
from careerloop.programme.review import (
    ATTENTION_ROWS,
    PROGRAMME_ACTIONS,
    ProgrammeReview,
    build_view,
    programme_action,
    pseudonyms,
    publish_programme_review,
    render_programme_review,
    review_page,
    score_bands,
    share_on_track,
    trend_text,
)
from careerloop.programme.rollup import Attention, KpiCounts, Quartiles, Rollup

TODAY = dt.date(2026, 11, 26)
NAMES = ("quentin", "wilhelmina", "zebedee", "ottoline")  # words no review text contains


def programme_file(tmp_path: Path, *, anonymise: bool = False, extra: str = "") -> ProgrammeConfig:
    people = tmp_path / "people"
    people.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (people / f"{name}.toml").write_text("", encoding="utf-8")
    (tmp_path / "programme.toml").write_text(
        '[workspace]\ntimezone = "UTC"\n'
        '[programme]\nname = "Product mentoring 2026"\nparticipants = ["people/*.toml"]\n'
        f"anonymise = {'true' if anonymise else 'false'}\n"
        '[programme.reviews]\ntargets = ["local"]\n'
        '[programme.reviews.local]\ndir = "programme-reviews"\n' + extra,
        encoding="utf-8",
    )
    return load_programme(tmp_path / "programme.toml")


def october(**changes: object) -> Rollup:
    """4 participants: ottoline failed, zebedee synced without a score."""
    rollup = Rollup(
        period=Period.parse("2026-10"),
        participants=4,
        scored=3,
        failed=("ottoline",),
        score=Quartiles(median=63.5, p25=53.75, p75=73.25),
        kpis={
            # 1 on track of 2 with a value: 50%
            "module_completion": KpiCounts(
                on_track=1, at_risk=1, off_track=0, no_data=1, median=0.82
            ),
            # 0 of 2: 0%
            "mentor_cadence": KpiCounts(
                on_track=0, at_risk=1, off_track=1, no_data=1, median=0.375
            ),
            "learning_minutes": KpiCounts(info=3, median=150),
        },
        pitfalls={"mentor-gap": 2, "stalled-goal": 1},
        attention=(Attention("quentin", 44, ("mentor_cadence",), ("mentor-gap",)),),
        scores={"quentin": 44, "wilhelmina": 83},
    )
    return Rollup(**{**{f: getattr(rollup, f) for f in rollup.__dataclass_fields__}, **changes})


def september() -> Rollup:
    return Rollup(
        period=Period.parse("2026-09"),
        participants=4,
        scored=4,
        failed=(),
        score=Quartiles(median=58, p25=50, p75=70),
        kpis={
            # 1 on track of 4: 25% -> October's 50% is up 25 points
            "module_completion": KpiCounts(on_track=1, at_risk=2, off_track=1, median=0.6),
            # 1 of 3: 33% -> October's 0% is down 33 points
            "mentor_cadence": KpiCounts(on_track=1, at_risk=1, off_track=1, no_data=1, median=0.5),
        },
        pitfalls={"mentor-gap": 1},
        attention=(),
        scores={},
    )


@pytest.fixture
def plain(tmp_path: Path) -> ProgrammeConfig:
    """The programme with names shown."""
    return programme_file(tmp_path)


# -- what the figures are --------------------------------------------------------------


def test_share_on_track_counts_only_participants_with_a_value() -> None:
    # 25 on track of 25 + 9 + 4 = 38 with a value: 65.8% -> 66; the 1 without is left out
    assert share_on_track(KpiCounts(on_track=25, at_risk=9, off_track=4, no_data=1)) == 66
    assert share_on_track(KpiCounts(no_data=3)) is None
    assert share_on_track(KpiCounts(info=3, median=120)) is None
    assert share_on_track(None) is None


def test_trend_against_the_previous_period_in_points_worked_by_hand(plain: ProgrammeConfig) -> None:
    view = build_view(plain, october(), september())
    rows = {row.key: row for row in view.kpis}
    completion = rows["module_completion"]
    assert (completion.on_track, completion.rated, completion.share) == (1, 2, 50)
    assert (completion.previous, completion.change, completion.trend) == (25, 25, "▲ 25 pts")
    cadence = rows["mentor_cadence"]
    # 0 of 2 now (0%), 1 of 3 before (33.3% -> 33): down 33 points
    assert (cadence.share, cadence.previous, cadence.change) == (0, 33, -33)
    assert cadence.trend == "▼ 33 pts"
    minutes = rows["learning_minutes"]
    assert (minutes.share, minutes.trend, minutes.median) == (None, "", "2 h 30 min")
    # median score 63.5 against 58: up 5.5
    assert view.median_trend == "▲ 5.5"
    assert trend_text(40, 40) == "= 0 pts"
    assert trend_text(40, None) == ""


def test_score_bands_count_and_scale_the_bars() -> None:
    # one score in each end of every band: 2 each, every bar the full 20
    bands = score_bands([95, 90, 89, 75, 74, 60, 59, 40, 39, 0])
    assert [(b.low, b.high, b.participants, len(b.bar)) for b in bands] == [
        (90, 100, 2, 20),
        (75, 89, 2, 20),
        (60, 74, 2, 20),
        (40, 59, 2, 20),
        (0, 39, 2, 20),
    ]
    assert [b.status for b in bands] == ["on_track", "at_risk", "at_risk", "off_track", "off_track"]
    # 1 and 3: the bar of 1 is 20 x 1/3 = 6.67 -> 7 characters
    bands = score_bands([95, 80, 80, 80])
    assert [(b.participants, len(b.bar)) for b in bands] == [
        (1, 7),
        (3, 20),
        (0, 0),
        (0, 0),
        (0, 0),
    ]
    assert [b.participants for b in score_bands([])] == [0, 0, 0, 0, 0]


def test_the_cohort_status_is_that_of_the_median_score(plain: ProgrammeConfig) -> None:
    view = build_view(plain, october(), None)
    assert view.status == "at_risk"  # 63.5 rounds to 64: at risk (60..89)
    low = build_view(plain, october(score=Quartiles(59.4, 40, 70)), None)
    assert low.status == "off_track"
    assert build_view(plain, october(score=None, scores={}), None).status == "no_data"


# -- programme actions --------------------------------------------------------------------


def test_every_pitfall_the_engine_finds_has_a_programme_action() -> None:
    # The detectors name their codes from the catalogue (tests/unit/test_kpi_catalog.py).
    codes = set(catalog.PITFALL_CODES)
    assert len(codes) == len(pitfall_module.DETECTORS) == 7
    assert codes == set(PROGRAMME_ACTIONS)


@pytest.mark.parametrize("code", sorted(PROGRAMME_ACTIONS))
def test_a_programme_action_is_one_sentence_with_the_count(code: str) -> None:
    many = programme_action(code, 6)
    one = programme_action(code, 1)
    assert "the 6 " in many and "the 1 " not in one and "{" not in many
    assert many[0].isupper() and not many.endswith(".") and ". " not in many


def test_the_mentor_gap_action_asks_the_quiet_pairs_mentors_to_book_a_session() -> None:
    assert programme_action("mentor-gap", 6) == (
        "Ask the mentors of the 6 pairs that went quiet to book a session this week"
    )
    assert programme_action("mentor-gap", 1) == (
        "Ask the mentors of the pair that went quiet to book a session this week"
    )


def test_an_unknown_pitfall_still_gets_an_action() -> None:
    assert programme_action("late-reflection", 2) == (
        "Go through late reflection with the mentors of the 2 mentees it came up for"
    )


# -- the page as read ------------------------------------------------------------------


def test_the_markdown_tells_the_lead_what_to_do_and_about_whom(plain: ProgrammeConfig) -> None:
    text = render_programme_review(plain, october(), september(), today=TODAY)
    lines = text.splitlines()
    assert lines[0] == "# Product mentoring 2026: programme review 2026-10"
    assert (
        "**Median score 63.5/100** (▲ 5.5 since 2026-09) · 🟡 at risk · 3 of 4 "
        "participants synced · 1 off track"
    ) in lines
    # the commonest pitfall first, with its action and how many it concerns (2 of 3: 67%)
    actions = [line for line in lines if line.startswith("- **")][:2]
    assert actions == [
        "- **Ask the mentors of the 2 pairs that went quiet to book a session this week.** "
        "Mentor gap: 2 participants (67% of those synced).",
        "- **Ask the mentors of the mentee with a stalled goal to agree the next step or a "
        "new date in their next session.** Stalled goal: 1 participant (33% of those synced).",
    ]
    # mentor_cadence is on track for 0 of 2 (0%, under half): a programme action too,
    # with its change since September (1 of 3: 33%)
    assert (
        "- **Bring mentor sessions vs planned up across the cohort: ask the mentors to agree "
        "one step for it in this month's sessions.** Mentor sessions vs planned: on track for "
        "0 of 2 (0%), ▼ 33 pts since 2026-09."
    ) in lines
    assert "| quentin | 44 | Mentor sessions vs planned | Mentor gap |" in lines
    assert "Median 63.5, middle half 53.75 to 73.25, over 2 participants with a score." in lines
    assert "| 🟡 75–89 | 1 | ████████████████████ |" in lines
    assert "| 🔴 40–59 | 1 | ████████████████████ |" in lines
    assert "| Modules completed vs planned | 1 of 2 (50%) | ▲ 25 pts | 1 | 0 | 1 | 82% |" in lines
    assert "| Mentor sessions vs planned | 0 of 2 (0%) | ▼ 33 pts | 1 | 1 | 1 | 38% |" in lines
    assert "- **Synced:** 3 of 4 participants" in lines
    assert any(line.startswith("- **Failed:** 1 — ottoline (no scorecard") for line in lines)
    assert any(line.startswith("- **No data:** 1 — zebedee (synced") for line in lines)
    assert lines[-3] == "## Notes"  # the reader's part comes last


def test_without_a_previous_period_there_is_no_trend_and_no_pitfall_says_so(
    plain: ProgrammeConfig,
) -> None:
    text = render_programme_review(plain, october(pitfalls={}, attention=()), None, today=TODAY)
    assert "since" not in text.splitlines()[2]
    assert "| Modules completed vs planned | 1 of 2 (50%) | – |" in text
    assert "- **Bring mentor sessions vs planned up across" in text  # 0% on track
    assert "No pitfall came up" not in text
    calm = october(pitfalls={}, attention=(), kpis={"module_completion": KpiCounts(on_track=2)})
    text = render_programme_review(plain, calm, None, today=TODAY)
    assert "No pitfall came up and every KPI is on track for most participants" in text
    assert "No participant is off track this period." in text


def test_a_long_attention_list_is_cut_and_says_how_many_more(plain: ProgrammeConfig) -> None:
    many = tuple(Attention(f"p{n:03}", 10 + n % 40, (), ()) for n in range(ATTENTION_ROWS + 7))
    view = build_view(plain, october(attention=many), None)
    assert len(view.attention) == ATTENTION_ROWS and view.more_attention == 7
    text = render_programme_review(plain, october(attention=many), None, today=TODAY)
    assert "… and 7 more off track" in text


def test_a_running_period_is_a_draft(plain: ProgrammeConfig) -> None:
    running = october(period=Period.parse("2026-11"))
    page = review_page(build_view(plain, running, None), None, TODAY)
    assert page.draft and page.title.endswith("programme review 2026-11 (draft)")
    assert page.key == "2026-11-monthly"


def test_the_page_carries_the_cohort_for_the_publishers(plain: ProgrammeConfig) -> None:
    page = review_page(build_view(plain, october(), september()), september(), TODAY)
    assert isinstance(page, ProgrammeReview)
    assert (page.key, page.kind) == ("2026-10-monthly", "monthly")
    assert page.scorecard.score == 64 and page.scorecard.status == "at_risk"  # 63.5 -> 64
    assert [(p.label, p.score) for p in page.trend] == [("2026-09", 58), ("2026-10", 64)]
    shares = {k: r.value for k, r in page.scorecard.kpis.items()}
    assert shares == {"module_completion_on_track": 50, "mentor_cadence_on_track": 0}
    assert [(a.pitfall, a.kpis) for a in page.scorecard.actions] == [
        ("mentor-gap", []),
        ("stalled-goal", []),
        (None, ["mentor_cadence"]),
    ]


# -- pseudonyms -----------------------------------------------------------------------------


def test_pseudonyms_are_a_keyed_hash_of_the_name_and_stable() -> None:
    first = pseudonyms(NAMES, "Product mentoring 2026")
    again = pseudonyms(reversed(NAMES), "Product mentoring 2026")
    assert first == again
    digest = hmac.new(b"Product mentoring 2026", b"quentin", hashlib.sha256).hexdigest()
    assert first["quentin"] == f"Participant {digest[:4]}"
    assert all(re.fullmatch(r"Participant [0-9a-f]{4}", p) for p in first.values())
    assert pseudonyms(NAMES, "Another programme")["quentin"] != first["quentin"]


def test_names_whose_hashes_collide_get_longer_pseudonyms_and_only_they() -> None:
    key = "Product mentoring 2026"
    seen: dict[str, str] = {}
    pair: tuple[str, str] | None = None
    for number in range(100_000):  # ~300 names give a shared 4-digit prefix on average
        name = f"mentee{number}"
        prefix = hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()[:4]
        if prefix in seen:
            pair = (seen[prefix], name)
            break
        seen[prefix] = name
    assert pair is not None
    cohort = [*pair, "quentin", "zebedee"]
    names = pseudonyms(cohort, key)
    assert len(set(names.values())) == 4
    assert len(names[pair[0]]) > len("Participant 0000")
    assert len(names[pair[1]]) > len("Participant 0000")
    assert names["quentin"] == pseudonyms(["quentin"], key)["quentin"]


def test_an_anonymised_review_names_nobody(tmp_path: Path) -> None:
    programme = programme_file(tmp_path, anonymise=True)
    first = render_programme_review(programme, october(), september(), today=TODAY)
    second = render_programme_review(programme, october(), september(), today=TODAY)
    assert first == second
    for name in NAMES:
        assert name not in first.casefold()
    names = pseudonyms(NAMES, programme.name)
    assert f"| {names['quentin']} | 44 |" in first
    assert f"1 — {names['ottoline']} (no scorecard" in first
    assert f"1 — {names['zebedee']} (synced" in first


# -- publishing to local files -----------------------------------------------------------


class _Text(HTMLParser):
    """The text of an HTML page, as a reader sees it (no markup, no script)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def page_text(path: Path) -> list[str]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.parts


def test_published_twice_to_local_files_the_second_run_writes_nothing_and_keeps_notes(
    tmp_path: Path,
) -> None:
    programme = programme_file(tmp_path)
    (outcome,) = publish_programme_review(
        programme, october(), september(), to=None, dry_run=False, today=TODAY
    )
    md = tmp_path / "programme-reviews" / "2026-10-monthly.md"
    html = md.with_suffix(".html")
    assert (outcome.target, outcome.action, outcome.location) == ("local", "created", str(md))
    md.write_text(
        md.read_text(encoding="utf-8") + "\nCall Quentin's mentor on Friday.\n", encoding="utf-8"
    )
    publish_programme_review(
        programme, october(), september(), to=None, dry_run=False, today=TODAY
    )  # the page picks up the notes
    stamps = (md.stat().st_mtime_ns, html.stat().st_mtime_ns)

    (again,) = publish_programme_review(
        programme, october(), september(), to="local", dry_run=False, today=TODAY
    )
    assert again.action == "unchanged"
    assert (md.stat().st_mtime_ns, html.stat().st_mtime_ns) == stamps

    better = october(pitfalls={"mentor-gap": 1})
    (changed,) = publish_programme_review(
        programme, better, september(), to=None, dry_run=False, today=TODAY
    )
    text = md.read_text(encoding="utf-8")
    assert changed.action == "updated"
    assert "Ask the mentors of the pair that went quiet" in text
    assert text.endswith("\nCall Quentin's mentor on Friday.\n")
    assert [p.name for p in md.parent.glob("*.md")] == ["2026-10-monthly.md"]


def test_the_html_page_reads_as_the_review(tmp_path: Path) -> None:
    programme = programme_file(tmp_path)
    publish_programme_review(programme, october(), september(), to=None, dry_run=False, today=TODAY)
    folder = tmp_path / "programme-reviews"
    text = page_text(folder / "2026-10-monthly.html")
    assert "Product mentoring 2026: programme review 2026-10" in text
    for heading in (
        "What the programme does next",
        "Participants needing attention",
        "Score distribution",
        "KPIs across the cohort",
        "Participation",
    ):
        assert heading in text
    assert "quentin" in text and "Mentor sessions vs planned" in text
    index = " ".join(page_text(folder / "index.html"))
    assert "2026-10" in index and "64" in index  # the median, rounded, as the page's score


def test_a_dry_run_and_stdout_write_nothing(tmp_path: Path) -> None:
    programme = programme_file(tmp_path)
    (outcome,) = publish_programme_review(
        programme, october(), None, to=None, dry_run=True, today=TODAY
    )
    assert outcome.action == "created" and outcome.detail.startswith("dry run")
    assert (
        publish_programme_review(
            programme, october(), None, to="stdout", dry_run=False, today=TODAY
        )
        == []
    )
    assert not (tmp_path / "programme-reviews").exists()
    assert not programme.review_config.state_path.exists()


def test_a_target_that_fails_is_one_error_naming_it(tmp_path: Path) -> None:
    programme = programme_file(tmp_path)
    (tmp_path / "programme-reviews").write_text("a file where the folder goes", encoding="utf-8")
    with pytest.raises(PublishError) as raised:
        publish_programme_review(programme, october(), None, to=None, dry_run=False, today=TODAY)
    message = str(raised.value)
    assert message.startswith("programme review 2026-10-monthly: local: ")
    assert "\n" not in message and message.endswith("(nothing published)")


def test_the_programme_reviews_trello_board_is_a_key_of_its_reviews(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = programme_file(tmp_path / "without")
    with pytest.raises(ConfigError, match=r"^programme\.reviews\.trello: set board"):
        publish_programme_review(without, october(), None, to="trello", dry_run=True, today=TODAY)
    board = '[programme.reviews.trello]\nboard = "CaReEr01"\nlist = "Programme reviews"\n'
    item = programme_file(tmp_path / "with", extra=board)
    trello = item.review_config.sources.trello
    assert trello is not None and trello.board == "CaReEr01"
    assert item.review_config.reviews.trello.list == "Programme reviews"
    # The Trello target is ready but for its credentials, the programme's own.
    monkeypatch.delenv("TRELLO_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="TRELLO_API_KEY"):
        publish_programme_review(item, october(), None, to="trello", dry_run=True, today=TODAY)
