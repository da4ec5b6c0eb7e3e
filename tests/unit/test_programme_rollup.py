"""programme/rollup.py: counts, medians and quartiles of the cohort, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careerloop.errors import ConfigError, SourceError
from careerloop.kpi.engine import status_for
from careerloop.kpi.scorecard import KpiResult, Pitfall, Scorecard
from careerloop.periods import Period
from careerloop.programme.config import Participant, ProgrammeConfig, load_programme
from careerloop.programme.rollup import (
    Quartiles,
    build_rollup,
    kpi_counts,
    previous_rollup,
    quartiles,
    scorecard_path,
)

OCTOBER = Period.parse("2026-10")


def _kpi(key: str, status: str, value: float | None) -> KpiResult:
    return KpiResult(key=key, label=key, value=value, target=0.8, score=None, status=status)  # type: ignore[arg-type]


def _card(
    score: int | None,
    kpis: dict[str, tuple[str, float | None]],
    pitfalls: tuple[str, ...] = (),
    period: Period = OCTOBER,
) -> dict[str, object]:
    """What `programme sync` writes: a real Scorecard's `kpis --json` object."""
    card = Scorecard(
        period=period,
        score=score,
        status=status_for(score),
        kpis={key: _kpi(key, status, value) for key, (status, value) in kpis.items()},
        pitfalls=[
            Pitfall(code=code, severity="warning", message=f"{code} found") for code in pitfalls
        ],
    )
    return card.to_json()


def _write(folder: Path, name: str, card: dict[str, object], period: Period = OCTOBER) -> None:
    path = scorecard_path(folder, name, period)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(card), encoding="utf-8")


def _programme(tmp_path: Path, names: list[str]) -> ProgrammeConfig:
    people = tmp_path / "people"
    people.mkdir()
    for name in names:
        (people / f"{name}.toml").write_text("", encoding="utf-8")
    path = tmp_path / "programme.toml"
    path.write_text('[programme]\nname = "P"\nparticipants = ["people/*.toml"]\n', encoding="utf-8")
    return load_programme(path)


def test_quartiles_of_an_even_count() -> None:
    # Inclusive method over 42 70 81 90 (n=4): the p-quantile sits at position (n-1)p.
    # p25 at 0.75: 42 + 0.75 * (70 - 42) = 63; median at 1.5: (70 + 81) / 2 = 75.5;
    # p75 at 2.25: 81 + 0.25 * (90 - 81) = 83.25.
    assert quartiles([42, 70, 81, 90]) == Quartiles(median=75.5, p25=63, p75=83.25)


def test_quartiles_of_an_odd_count_and_of_one_value() -> None:
    # 60 70 80 90 100: positions 1, 2, 3 are exact values.
    assert quartiles([60, 70, 80, 90, 100]) == Quartiles(median=80, p25=70, p75=90)
    assert quartiles([55]) == Quartiles(median=55, p25=55, p75=55)
    assert quartiles([]) is None


def test_whole_quartiles_print_as_whole_numbers() -> None:
    assert quartiles([60, 70, 80, 90, 100]).as_json() == {  # type: ignore[union-attr]
        "median": 80,
        "p25": 70,
        "p75": 90,
    }
    assert json.dumps(quartiles([42, 70, 81, 90]).as_json()) == (  # type: ignore[union-attr]
        '{"median": 75.5, "p25": 63, "p75": 83.25}'
    )


def test_kpi_counts_count_each_status_and_take_the_median_of_the_values() -> None:
    counts = kpi_counts(
        [
            ("on_track", 0.9),
            ("at_risk", 0.7),
            ("on_track", 1.0),
            ("no_data", None),
            ("off_track", 0.2),
        ]
    )
    # Values 0.2 0.7 0.9 1.0: median (0.7 + 0.9) / 2 = 0.8.
    assert counts.as_json() == {
        "on_track": 2,
        "at_risk": 1,
        "off_track": 1,
        "no_data": 1,
        "info": 0,
        "median": 0.8,
    }


def test_a_kpi_that_nobody_has_a_value_for_has_no_median() -> None:
    assert kpi_counts([("no_data", None), ("no_data", None)]).as_json()["median"] is None


def test_the_rollup_of_a_cohort(tmp_path: Path) -> None:
    programme = _programme(tmp_path, ["ana", "bo", "cy", "dee", "eli"])
    folder = programme.scorecards_dir
    _write(
        folder,
        "bo",
        _card(
            42,
            {"module_completion": ("off_track", 0.25), "mentor_cadence": ("off_track", 0.0)},
            ("mentor-gap", "skipped-checkins"),
        ),
    )
    _write(
        folder,
        "cy",
        _card(81, {"module_completion": ("at_risk", 0.75), "mentor_cadence": ("on_track", 1.0)}),
    )
    _write(
        folder,
        "dee",
        _card(
            55,
            {"module_completion": ("off_track", 0.5), "mentor_cadence": ("at_risk", 0.5)},
            ("mentor-gap",),
        ),
    )
    _write(
        folder,
        "eli",
        _card(None, {"module_completion": ("no_data", None), "mentor_cadence": ("no_data", None)}),
    )
    rollup = build_rollup(programme, OCTOBER, [])
    result = rollup.as_json()
    assert result["period"] == {
        "label": "2026-10",
        "kind": "month",
        "start": "2026-10-01",
        "end": "2026-10-31",
    }
    assert (result["participants"], result["scored"], result["failed"]) == (5, 4, ["ana"])
    # Scores 42 55 81 (eli has none): median 55; p25 at 0.5: 42 + 0.5 * 13 = 48.5;
    # p75 at 1.5: 55 + 0.5 * 26 = 68.
    assert result["score"] == {"median": 55, "p25": 48.5, "p75": 68}
    assert rollup.scores == {"bo": 42, "cy": 81, "dee": 55}
    # module_completion values 0.25 0.5 0.75: median 0.5; mentor_cadence 0 0.5 1: 0.5.
    assert result["kpis"] == {
        "module_completion": {
            "on_track": 0,
            "at_risk": 1,
            "off_track": 2,
            "no_data": 1,
            "info": 0,
            "median": 0.5,
        },
        "mentor_cadence": {
            "on_track": 1,
            "at_risk": 1,
            "off_track": 1,
            "no_data": 1,
            "info": 0,
            "median": 0.5,
        },
    }
    assert result["pitfalls"] == {"mentor-gap": 2, "skipped-checkins": 1}
    # Off track (below 60): bo (42) before dee (55).
    assert result["attention"] == [
        {
            "participant": "bo",
            "score": 42,
            "off_track": ["module_completion", "mentor_cadence"],
            "pitfalls": ["mentor-gap", "skipped-checkins"],
        },
        {
            "participant": "dee",
            "score": 55,
            "off_track": ["module_completion"],
            "pitfalls": ["mentor-gap"],
        },
    ]


def test_a_pitfall_counts_each_participant_once(tmp_path: Path) -> None:
    programme = _programme(tmp_path, ["ana"])
    _write(programme.scorecards_dir, "ana", _card(70, {}, ("mentor-gap", "mentor-gap")))
    assert build_rollup(programme, OCTOBER, []).pitfalls == {"mentor-gap": 1}


def test_scorecards_come_from_every_folder_and_only_for_configured_people(
    tmp_path: Path,
) -> None:
    programme = _programme(tmp_path, ["ana", "bo"])
    first, second = tmp_path / "shard-1", tmp_path / "shard-2"
    _write(first, "ana", _card(90, {}))
    _write(second, "bo", _card(60, {}))
    _write(second, "zed", _card(10, {}))  # not a participant (any more): not counted
    rollup = build_rollup(programme, OCTOBER, [first, second])
    assert (rollup.participants, rollup.scored, rollup.failed) == (2, 2, ())
    assert rollup.scores == {"ana": 90, "bo": 60}
    assert rollup.attention == ()


def test_another_period_is_not_mixed_in(tmp_path: Path) -> None:
    programme = _programme(tmp_path, ["ana"])
    september = OCTOBER.previous()
    _write(programme.scorecards_dir, "ana", _card(70, {}, period=september), september)
    assert build_rollup(programme, OCTOBER, []).failed == ("ana",)
    # November's previous period is October, which nobody has a scorecard of.
    assert previous_rollup(programme, OCTOBER.next(), []) is None


def test_the_previous_rollup_is_the_period_before(tmp_path: Path) -> None:
    programme = _programme(tmp_path, ["ana"])
    september = OCTOBER.previous()
    _write(programme.scorecards_dir, "ana", _card(70, {}, period=september), september)
    previous = previous_rollup(programme, OCTOBER, [])
    assert previous is not None
    assert (previous.period, previous.scores) == (september, {"ana": 70})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ('{"period": {"label": "2026-09"}}', "it is the scorecard of '2026-09'"),
        ('{"period": {"label": "2026-10"}, "score": 80}', "no 'kpis'"),
        (
            '{"period": {"label": "2026-10"}, "score": "80", "kpis": {}, "pitfalls": []}',
            "its score is not a whole number",
        ),
        (
            '{"period": {"label": "2026-10"}, "score": 80, "pitfalls": [],'
            ' "kpis": {"x": {"status": "great", "value": 1}}}',
            "unknown status 'great'",
        ),
        ("[]", "list indices"),
    ],
)
def test_a_damaged_scorecard_is_one_source_error(tmp_path: Path, text: str, reason: str) -> None:
    programme = _programme(tmp_path, ["ana"])
    path = scorecard_path(programme.scorecards_dir, "ana", OCTOBER)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_rollup(programme, OCTOBER, [])
    assert str(path) in str(caught.value) and reason in str(caught.value)
    assert caught.value.exit_code == 1


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    programme = ProgrammeConfig(
        path=tmp_path / "p.toml",
        name="P",
        participants=(Participant("ana", tmp_path),),
        workers=1,
        anonymise=False,
        review_config=_programme(tmp_path, ["x"]).review_config,
        scorecards_dir=tmp_path / "nowhere",
    )
    with pytest.raises(ConfigError, match="no scorecards folder at"):
        build_rollup(programme, OCTOBER, [])
