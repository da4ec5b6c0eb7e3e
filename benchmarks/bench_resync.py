"""A sync of 100,000 records from Notion CSV exports, then a re-sync with nothing changed.

The exports are written as Notion writes them (a byte-order mark, `June 30, 2026` dates,
relations as `Title (https://www.notion.so/Title-<id>)`, multi-selects as `A, B`). Both
runs are whole `careerloop sync`s (read, store, score, publish the local reviews) on one
state file. Figures: wall time of each, the bytes the process wrote meanwhile (WAL,
checkpoints, reviews; /proc/self/io), the records rewritten (a rewritten row gets a new
rowid), and the WAL a run writes (measured with a reader holding the WAL open, so nothing
is checkpointed away), and the ratio of the two wall times (issue 14: at most a third).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from careerloop import pipeline
from careerloop.config import Config, load_config

RECORDS = 100_000
GOALS = 50
START = dt.date(2024, 11, 1)
DAYS = 730
TODAY = START + dt.timedelta(days=DAYS + 5)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
TRACKS = ("Agile delivery", "UX research", "Data analytics", "Stakeholder management")
SKILLS = [f"Skill {i}" for i in range(400)]
HEADERS = {
    "Goals": ["Name", "Horizon", "Target date", "Status"],
    "Modules": [
        "Name",
        "Planned",
        "Completed",
        "Status",
        "Minutes",
        "Format",
        "Track",
        "Skills",
        "Goals",
        "Vetted",
        "Provider",
        "Notes",
    ],
    "Sessions": [
        "Name",
        "Date",
        "Mentor",
        "Feedback",
        "Insights",
        "Action items done",
        "Action items total",
    ],
    "Applications": ["Name", "Date", "Skills", "Project"],
    "Milestones": ["Name", "Due", "Done on", "Status", "Goals"],
    "Advancements": ["Name", "Date", "Kind", "Description", "Skills"],
}


def notion_date(day: dt.date | None) -> str:
    return "" if day is None else f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def write_exports(folder: Path, records: int = RECORDS, seed: int = 7) -> None:
    """Six CSV exports holding `records` rows: 70% modules, 12% sessions, 12% applications,
    about 6% milestones and advancements, and 50 goals."""
    rng = random.Random(seed)
    rows: dict[str, list[list[str]]] = {name: [] for name in HEADERS}

    def day() -> dt.date:
        return START + dt.timedelta(days=rng.randrange(DAYS))

    goals = [f"Goal {n}" for n in range(GOALS)]
    links = {
        g: f"{g} (https://www.notion.so/{g.replace(' ', '-')}-{n:032x})"
        for n, g in enumerate(goals)
    }
    for goal in goals:
        rows["Goals"].append([goal, "12m", notion_date(day()), "In progress"])
    for n in range(records - GOALS):
        roll = rng.random()
        if roll < 0.70:
            planned = day()
            done = planned + dt.timedelta(days=rng.randrange(-3, 10))
            finished = rng.random() < 0.8
            rows["Modules"].append(
                [
                    f"Module {n}",
                    notion_date(planned),
                    notion_date(done if finished else None),
                    "Done" if finished else "Not started",
                    str(rng.randrange(5, 30)),
                    "video",
                    rng.choice(TRACKS),
                    f"{rng.choice(SKILLS)}, {rng.choice(SKILLS)}",
                    links[rng.choice(goals)] if rng.random() < 0.85 else "",
                    "Yes" if rng.random() < 0.9 else "No",
                    "Coursera",
                    "",
                ]
            )
        elif roll < 0.82:
            rows["Sessions"].append(
                [
                    f"Session {n}",
                    notion_date(day()),
                    "Ana Souza",
                    str(rng.randint(1, 5)),
                    "Notes" if rng.random() < 0.8 else "",
                    "1",
                    "2",
                ]
            )
        elif roll < 0.94:
            rows["Applications"].append(
                [f"Application {n}", notion_date(day()), rng.choice(SKILLS), "Project"]
            )
        elif roll < 0.99:
            due = day()
            rows["Milestones"].append(
                [
                    f"Milestone {n}",
                    notion_date(due),
                    notion_date(due) if rng.random() < 0.7 else "",
                    "Done",
                    links[rng.choice(goals)],
                ]
            )
        else:
            rows["Advancements"].append(
                [f"Advancement {n}", notion_date(day()), "Role", "Promoted", rng.choice(SKILLS)]
            )
    for name, table in rows.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS[name])
            writer.writerows(table)


def write_config(folder: Path) -> Config:
    tables = "".join(
        f'[sources.notion.{name.lower()}]\ncsv = "exports/{name}.csv"\n' for name in HEADERS
    )
    (folder / "careerloop.toml").write_text(
        f'[workspace]\ntimezone = "Europe/Berlin"\n{tables}[reviews]\ntargets = ["local"]\n',
        encoding="utf-8",
    )
    return load_config(folder / "careerloop.toml")


def bytes_written() -> int | None:
    """What this process has written through write() so far (Linux only)."""
    try:
        text = Path("/proc/self/io").read_text(encoding="ascii")
    except OSError:
        return None
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("wchar")))


def max_rowid(state: Path) -> int:
    if not state.exists():
        return 0
    with closing(sqlite3.connect(state)) as db:
        return int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0])


@contextmanager
def wal_held(state: Path) -> Iterator[Callable[[], int]]:
    """Hold a read transaction so no checkpoint resets the WAL; yields its size so far."""
    wal = state.with_name(state.name + "-wal")
    reader = sqlite3.connect(state, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM records").fetchone()
    start = wal.stat().st_size if wal.exists() else 0
    try:
        yield lambda: (wal.stat().st_size if wal.exists() else 0) - start
    finally:
        reader.execute("COMMIT")
        reader.close()


def timed_sync(config: Config, *, full: bool = False) -> tuple[float, float, int | None, int]:
    """Wall time, CPU time, bytes written and records rewritten by one sync."""
    rows, written = max_rowid(config.state_path), bytes_written()
    started, cpu = time.perf_counter(), time.process_time()
    report = pipeline.sync(config, pipeline.SyncOptions(full=full), today=TODAY)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.ok, report.failures
    after = bytes_written()
    wrote = None if after is None or written is None else after - written
    return wall, cpu, wrote, max_rowid(config.state_path) - rows


def mb(count: int | None) -> str:
    return "n/a" if count is None else f"{count / 1e6:.1f} MB"


def run() -> list[tuple[str, str]]:
    """Figures: first sync, no-change re-sync, their ratio and what each writes."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "exports").mkdir()
        write_exports(folder / "exports")
        config = write_config(folder)
        first, first_cpu, first_bytes, first_rows = timed_sync(config)
        again, again_cpu, again_bytes, again_rows = timed_sync(config)
        with wal_held(config.state_path) as wal:
            timed_sync(config)
            quiet_wal = wal()
        with wal_held(config.state_path) as wal:
            timed_sync(config, full=True)
            full_wal = wal()
    return [
        (
            f"first sync of {RECORDS:,} records (CSV exports, local reviews)",
            f"{first:.2f} s wall, {first_cpu:.2f} s CPU",
        ),
        ("  bytes written (WAL, checkpoints, reviews)", mb(first_bytes)),
        ("  records written", f"{first_rows:,}"),
        ("no-change re-sync", f"{again:.2f} s wall, {again_cpu:.2f} s CPU"),
        ("  bytes written (WAL, checkpoints, reviews)", mb(again_bytes)),
        ("  records rewritten", f"{again_rows:,}"),
        (
            "re-sync / first sync (target: at most 0.33)",
            f"{again / first:.2f} wall, {again_cpu / first_cpu:.2f} CPU",
        ),
        ("WAL written by a no-change re-sync", mb(quiet_wal)),
        ("WAL written by a full read (sync --full)", mb(full_wal)),
    ]


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<60} {figure}")
