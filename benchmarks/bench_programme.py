"""Programmes: `programme sync` of 200 generated participants, and rollups.

Each participant is a demo plan on offline exports (tests/e2e/programme.py): its own
Notion CSV and Trello JSON exports, state and reviews folder. Every measurement runs in
a fresh interpreter, so each one's peak memory (ru_maxrss) is its own. The projection
for live participants uses the Notion request counts docs/performance.md records.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.programme import write_programme

PARTICIPANTS = 200
ROLLUP_SCORECARDS = 1000
ROLLUP_SECONDS, ROLLUP_MB = 2.0, 300  # the ceiling for a 1,000-participant rollup
TODAY = dt.date(2026, 11, 26)
WORKERS = (1, 2, 4)

# Live projection: 500 participants in 10 jobs, Notion at 3 requests/s per integration.
LIVE_PARTICIPANTS, JOBS, NOTION_RATE = 500, 10, 3.0
# Per participant with three data sources of up to 100 pages (docs/performance.md):
# reading: 3 schema reads + 3 one-page queries on a first sync, the 3 queries alone on a
# no-change sync (the schemas are kept in the store); publishing a monthly and a
# quarterly review: new 2 (find the database) + 1 schema read + 4 + 4, unchanged 2 + 1 + 1.
FIRST_SYNC_REQUESTS = 6 + 11
NO_CHANGE_REQUESTS = 3 + 4


def _measure(kind: str, folder: Path, workers: int = 0) -> dict[str, float]:
    """Run one measurement in a fresh interpreter: wall seconds and peak RSS in MB."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_programme", kind, str(folder), str(workers)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env=os.environ | {"CAREERLOOP_TODAY": TODAY.isoformat()},
    )
    figures: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return figures


def _peak_mb() -> float:
    """This interpreter's peak resident memory in MB.

    Linux keeps ru_maxrss across fork and exec, so a child started by a big `make bench`
    process would report the parent's peak; VmHWM belongs to the new address space.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _sync(folder: Path, workers: int) -> dict[str, float]:
    from careerloop.programme.config import load_programme
    from careerloop.programme.run import ProgrammeSyncOptions, sync_programme

    programme = load_programme(folder / "programme.toml")
    began = time.perf_counter()
    run = sync_programme(programme, ProgrammeSyncOptions(workers=workers), today=TODAY)
    wall = time.perf_counter() - began
    assert run.ok, [r.error for r in run.failed]
    return {"wall": wall, "peak_mb": _peak_mb(), "participants": len(run.runs)}


def _rollup(folder: Path) -> dict[str, float]:
    from careerloop.periods import Period
    from careerloop.programme.config import load_programme
    from careerloop.programme.rollup import build_rollup

    programme = load_programme(folder / "programme.toml")
    began = time.perf_counter()
    rollup = build_rollup(programme, Period.parse("2026-10"), [])
    wall = time.perf_counter() - began
    return {"wall": wall, "peak_mb": _peak_mb(), "scored": rollup.scored}


def _thousand_scorecards(source: Path, target: Path) -> None:
    """A programme of 1,000 participants whose scorecards are the 200 real ones, reused."""
    cards = sorted((source / ".careerloop" / "scorecards").glob("*/2026-10.json"))
    people = target / "people"
    people.mkdir(parents=True)
    for number in range(ROLLUP_SCORECARDS):
        name = f"p{number:04d}"
        (people / f"{name}.toml").write_text("", encoding="utf-8")
        folder = target / ".careerloop" / "scorecards" / name
        folder.mkdir(parents=True)
        shutil.copy(cards[number % len(cards)], folder / "2026-10.json")
    (target / "programme.toml").write_text(
        '[programme]\nname = "Big"\nparticipants = ["people/*.toml"]\n', encoding="utf-8"
    )


def _projection(per_participant_s: float) -> list[tuple[str, str]]:
    per_job = LIVE_PARTICIPANTS // JOBS
    rows = []
    for label, requests in (
        ("first sync", FIRST_SYNC_REQUESTS),
        ("no-change sync", NO_CHANGE_REQUESTS),
    ):
        own = requests / NOTION_RATE + per_participant_s  # one integration per participant
        rounds = -(-per_job // 4)
        shared = LIVE_PARTICIPANTS * requests / NOTION_RATE  # one integration for all
        rows.append(
            (
                f"projection, {LIVE_PARTICIPANTS} live in {JOBS} jobs: {label}",
                f"own integrations: {rounds} rounds × {own:.1f} s = {rounds * own / 60:.1f} min "
                f"per job (workers 4); one shared integration: {shared / 60:.0f} min in all",
            )
        )
    return rows


def run() -> list[tuple[str, str]]:
    """The figures `make bench` prints."""
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        began = time.perf_counter()
        write_programme(base, [f"m{n:03d}" for n in range(PARTICIPANTS)], TODAY)
        rows.append(
            (
                f"generate {PARTICIPANTS} participants (demo exports)",
                f"{time.perf_counter() - began:.1f} s",
            )
        )
        walls = {}
        for workers in WORKERS:
            folder = Path(tmp) / f"workers-{workers}"
            shutil.copytree(base, folder)
            first = _measure("sync", folder, workers)
            walls[workers] = first["wall"]
            rows.append(
                (
                    f"programme sync, {PARTICIPANTS} participants, workers {workers}",
                    f"{first['wall']:.1f} s ({first['wall'] / PARTICIPANTS * 1000:.0f} ms "
                    f"each), peak {first['peak_mb']:.0f} MB",
                )
            )
        again = _measure("sync", Path(tmp) / "workers-4", 4)
        rows.append(
            (
                "… again, nothing changed, workers 4",
                f"{again['wall']:.1f} s, peak {again['peak_mb']:.0f} MB",
            )
        )
        rollup = _measure("rollup", Path(tmp) / "workers-4")
        rows.append(
            (
                f"programme rollup of {PARTICIPANTS} scorecards",
                f"{rollup['wall'] * 1000:.0f} ms, peak {rollup['peak_mb']:.0f} MB",
            )
        )
        big = Path(tmp) / "thousand"
        _thousand_scorecards(Path(tmp) / "workers-4", big)
        thousand = _measure("rollup", big)
        verdict = (
            "within"
            if thousand["wall"] < ROLLUP_SECONDS and thousand["peak_mb"] < ROLLUP_MB
            else "OVER"
        )
        rows.append(
            (
                f"programme rollup of {ROLLUP_SCORECARDS} scorecards",
                f"{thousand['wall']:.2f} s, peak {thousand['peak_mb']:.0f} MB ({verdict} "
                f"{ROLLUP_SECONDS:g} s and {ROLLUP_MB} MB)",
            )
        )
        rows += _projection(walls[1] / PARTICIPANTS)
    return rows


if __name__ == "__main__":
    kind, folder, workers = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    figures = _sync(folder, workers) if kind == "sync" else _rollup(folder)
    print(json.dumps(figures))
