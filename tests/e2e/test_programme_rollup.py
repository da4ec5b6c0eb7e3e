"""`programme rollup` without --json: the programme review built from the scorecards."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from tests.e2e.cli import TODAY, invoke
from tests.e2e.programme import write_programme

NAMES = ("ana", "bo", "cy")


def test_rollup_publishes_the_programme_review_from_the_shards(
    runner: CliRunner, tmp_path: Path
) -> None:
    programme = write_programme(
        tmp_path / "cohort", NAMES, dt.date.fromisoformat(TODAY), lapsed=["bo"]
    )
    shards = [tmp_path / f"shard-{i}" for i in (1, 2)]
    for index, folder in enumerate(shards, start=1):
        code, _, err = invoke(
            runner,
            "-c",
            str(programme),
            "programme",
            "sync",
            "--no-publish",
            "--shard",
            f"{index}/2",
            "--out",
            str(folder),
        )
        assert code == 0, err
    sources = [arg for folder in shards for arg in ("--from", str(folder))]
    code, out, err = invoke(runner, "-c", str(programme), "programme", "rollup", *sources)
    assert code == 0, err
    review = tmp_path / "cohort" / "programme-reviews" / "2026-10-monthly.md"
    assert f"2026-10-monthly created on local: {review}" in out
    text = review.read_text(encoding="utf-8")
    assert "Product mentoring 2026" in text
    assert "bo" in text  # off track: named among those needing attention

    # --to stdout prints the same review and writes nothing.
    before = review.stat().st_mtime_ns
    code, printed, err = invoke(
        runner, "-c", str(programme), "programme", "rollup", "--to", "stdout", *sources
    )
    assert code == 0, err
    assert printed.startswith("# Product mentoring 2026: programme review 2026-10\n")
    assert "# Product mentoring 2026: programme review 2026-10\n" in text
    assert review.stat().st_mtime_ns == before

    # Unchanged scorecards: the second rollup writes nothing.
    code, out, err = invoke(runner, "-c", str(programme), "programme", "rollup", *sources)
    assert code == 0, err
    assert "2026-10-monthly unchanged on local" in out
    assert review.stat().st_mtime_ns == before


def test_rollup_of_a_chosen_period(runner: CliRunner, tmp_path: Path) -> None:
    programme = write_programme(tmp_path / "cohort", NAMES, dt.date.fromisoformat(TODAY))
    assert invoke(runner, "-c", str(programme), "programme", "sync", "--no-publish")[0] == 0
    code, out, err = invoke(
        runner, "-c", str(programme), "programme", "rollup", "--json", "--period", "2026-Q3"
    )
    assert code == 0, err
    rollup = json.loads(out)
    assert rollup["period"] == {
        "label": "2026-Q3",
        "kind": "quarter",
        "start": "2026-07-01",
        "end": "2026-09-30",
    }
    assert rollup["scored"] == 3
