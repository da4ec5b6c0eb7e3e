"""`careerloop programme sync|matrix|rollup --json` end to end on the offline exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.e2e.cli import TODAY, invoke
from tests.e2e.programme import write_programme

NAMES = ("ana", "bo", "cy", "dee", "eli", "fay", "gus")


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """Seven participants on their own sample exports; bo's plan lapsed in the summer."""
    return write_programme(tmp_path / "cohort", NAMES, dt.date.fromisoformat(TODAY), lapsed=["bo"])


def _scorecards(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.json"))
    }


def test_sync_publishes_each_participants_reviews_and_writes_scorecards(
    runner: CliRunner, programme: Path
) -> None:
    root = programme.parent
    code, out, err = invoke(runner, "-c", str(programme), "programme", "sync")
    assert code == 0, err
    assert "7 of 7 participants synced" in out
    assert "bo: 2026-10 score 0/100 (off track)" in out
    for name in NAMES:
        # Each participant's own reviews, in its own folder, as when run alone.
        reviews = root / "reviews" / name
        assert (reviews / "2026-10-monthly.md").is_file()
        assert (reviews / "2026-Q3-quarterly.md").is_file()
        assert (root / "state" / f"{name}.db").is_file()
    folder = root / ".careerloop" / "scorecards"
    assert sorted(_scorecards(folder)) == sorted(
        f"{name}/{label}.json" for name in NAMES for label in ("2026-10", "2026-Q3")
    )
    # A scorecard is exactly what `kpis --json` prints for that participant and period.
    code, kpis, err = invoke(
        runner, "-c", str(root / "people" / "cy.toml"), "kpis", "--json", "--period", "2026-Q3"
    )
    assert code == 0, err
    assert json.loads((folder / "cy" / "2026-Q3.json").read_text(encoding="utf-8")) == (
        json.loads(kpis)
    )
    # No temporary file is left beside them.
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]


def test_rollup_json_counts_the_cohort(runner: CliRunner, programme: Path) -> None:
    assert invoke(runner, "-c", str(programme), "programme", "sync", "--no-publish")[0] == 0
    assert not (programme.parent / "reviews").exists()  # --no-publish: no review written
    code, out, err = invoke(runner, "-c", str(programme), "programme", "rollup", "--json")
    assert code == 0, err
    rollup = json.loads(out)
    folder = programme.parent / ".careerloop" / "scorecards"
    cards = {
        name: json.loads((folder / name / "2026-10.json").read_text(encoding="utf-8"))
        for name in NAMES
    }
    scores = sorted(card["score"] for card in cards.values())
    assert rollup["period"]["label"] == "2026-10"  # the last closed month of 2026-11-26
    assert (rollup["participants"], rollup["scored"], rollup["failed"]) == (7, 7, [])
    # Seven scores sorted s0..s6: median s3, p25 at position 1.5, p75 at 4.5.
    # (93 == 93.0 in Python: a whole quartile printed as 93 still compares equal.)
    assert rollup["score"] == {
        "median": scores[3],
        "p25": (scores[1] + scores[2]) / 2,
        "p75": (scores[4] + scores[5]) / 2,
    }
    # bo's October is empty: score 0, so off track and first (alone) in attention.
    assert [entry["participant"] for entry in rollup["attention"]] == ["bo"]
    assert rollup["attention"][0]["score"] == cards["bo"]["score"] == 0
    assert "mentor_cadence" in rollup["attention"][0]["off_track"]
    assert rollup["pitfalls"] == {"mentor-gap": 1}
    statuses = [card["kpis"]["mentor_cadence"]["status"] for card in cards.values()]
    cadence = rollup["kpis"]["mentor_cadence"]
    assert cadence["on_track"] == statuses.count("on_track")
    assert cadence["off_track"] == statuses.count("off_track") == 1


def test_a_participant_without_a_scorecard_is_listed_as_failed(
    runner: CliRunner, programme: Path
) -> None:
    assert invoke(runner, "-c", str(programme), "programme", "sync", "--no-publish")[0] == 0
    (programme.parent / ".careerloop" / "scorecards" / "eli" / "2026-10.json").unlink()
    rollup = json.loads(invoke(runner, "-c", str(programme), "programme", "rollup", "--json")[1])
    assert (rollup["participants"], rollup["scored"], rollup["failed"]) == (7, 6, ["eli"])


def test_shards_together_roll_up_to_the_unsharded_rollup(
    runner: CliRunner, programme: Path, tmp_path: Path
) -> None:
    code, _, err = invoke(
        runner,
        "-c",
        str(programme),
        "programme",
        "sync",
        "--no-publish",
        "--out",
        str(tmp_path / "all"),
    )
    assert code == 0, err
    whole = invoke(
        runner,
        "-c",
        str(programme),
        "programme",
        "rollup",
        "--json",
        "--from",
        str(tmp_path / "all"),
    )[1]
    shards = [tmp_path / f"shard-{i}" for i in (1, 2, 3)]
    for index, folder in enumerate(shards, start=1):
        code, out, err = invoke(
            runner,
            "-c",
            str(programme),
            "programme",
            "sync",
            "--shard",
            f"{index}/3",
            "--out",
            str(folder),
        )
        assert code == 0, err
        assert f"shard {index}/3:" in out
    # Every participant was synced by exactly one shard.
    owners = sorted(p.parent.name for folder in shards for p in folder.glob("*/2026-10.json"))
    assert owners == sorted(NAMES)
    merged = invoke(
        runner,
        "-c",
        str(programme),
        "programme",
        "rollup",
        "--json",
        *[arg for folder in shards for arg in ("--from", str(folder))],
    )[1]
    assert json.loads(merged) == json.loads(whole)
    assert json.loads(merged)["scored"] == 7


def test_more_workers_write_the_same_scorecards(runner: CliRunner, tmp_path: Path) -> None:
    today = dt.date.fromisoformat(TODAY)
    folders = []
    for workers in (1, 4):
        root = tmp_path / f"workers-{workers}"
        programme = write_programme(root, NAMES, today, workers=workers)
        code, _, err = invoke(runner, "-c", str(programme), "programme", "sync")
        assert code == 0, err
        folders.append(root / ".careerloop" / "scorecards")
    one, four = (_scorecards(folder) for folder in folders)
    assert len(one) == 2 * len(NAMES)
    assert one == four


def test_the_matrix_of_k_shards(runner: CliRunner, programme: Path) -> None:
    code, out, err = invoke(runner, "-c", str(programme), "programme", "matrix", "--shards", "3")
    assert code == 0, err
    assert out.count("\n") == 1  # one line, for $GITHUB_OUTPUT
    assert json.loads(out) == {"include": [{"shard": "1/3"}, {"shard": "2/3"}, {"shard": "3/3"}]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sync", "--shard", "4/3"], "--shard '4/3': the shard must be between 1 and 3"),
        (["sync", "--shard", "two"], "--shard 'two' is not I/K"),
        (["sync", "--period", "2026-13"], "period '2026-13' is not a month"),
        (["sync", "--period", "2026-12"], "period 2026-12 has not started yet"),
        (["matrix", "--shards", "0"], "--shards 0: a programme is split into 1 to 256"),
        (["rollup", "--json", "--from", "nowhere"], "no scorecards folder at nowhere"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    runner: CliRunner, programme: Path, args: list[str], message: str
) -> None:
    code, out, err = invoke(runner, "-c", str(programme), "programme", *args)
    assert code == 2
    assert err.startswith(f"error: {message}")
    assert err.count("\n") == 1
    assert not (programme.parent / ".careerloop").exists()  # nothing half-written
    assert not (programme.parent / "reviews").exists()


@pytest.mark.parametrize("command", [["sync"], ["doctor"], ["kpis"]])
def test_personal_commands_on_a_programme_file_point_at_programme(
    runner: CliRunner, programme: Path, command: list[str]
) -> None:
    code, _, err = invoke(runner, "-c", str(programme), *command)
    assert code == 2
    assert err.count("\n") == 1
    assert "is a programme file ([programme]): use `careerloop programme sync`" in err
