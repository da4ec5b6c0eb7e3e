"""Notion sync cost: requests and wall time against the fake API paced at 3 requests/s.

Three data sources of 1,000 pages each (goals, modules, sessions; two modules link to
30 goals, past the 25 a query shows). Figures: a first (full) sync, a second sync with
nothing changed, and a full re-read, which is what sync tools without a cursor pay on
every run. The fake enforces the rate itself (429 + Retry-After past it) and measures
the pace it saw.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.fixtures import seed_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer

from careerloop.config import parse_config
from careerloop.connectors.base import ReadResult
from careerloop.connectors.notion.read import NotionReader
from careerloop.store import Store

PAGES = 1_000
RATE = 3.0
BURST = 3.0
OVERFLOWING = 2  # modules whose goals relation holds more than 25 pages


def _seed(fake: FakeNotion) -> dict[str, str]:
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    goals = [
        fake.add_page(ids["goals"], {"Name": f"Goal {n}", "Status": "In progress"},
                      created=start + dt.timedelta(minutes=n))
        for n in range(PAGES)
    ]
    for n in range(PAGES):
        linked = goals[:30] if n < OVERFLOWING else [goals[n % len(goals)]]
        fake.add_page(ids["modules"], {
            "Name": f"Module {n}", "Planned": "2026-10-02", "Completed": "2026-10-03",
            "Minutes": 5, "Skills": ["SQL"], "Goals": linked, "Status": "Done",
        }, created=start + dt.timedelta(minutes=n))
        fake.add_page(ids["sessions"], {"Name": f"Session {n}", "Date": "2026-10-07",
                                         "Feedback": 4}, created=start + dt.timedelta(minutes=n))
    return ids


def _sync(reader: NotionReader, store: Store, *, full: bool) -> tuple[list[ReadResult], float]:
    began = time.perf_counter()
    results = reader.read(store, full=full)
    for r in results:
        store.save_read(r.origin, r.workspace.records(), r.workspace.warnings, full=r.full,
                        deleted_ids=r.deleted_ids, cursor=r.cursor)
    return results, time.perf_counter() - began


def _bound(requests: int) -> float:
    """The least time the rate limit allows: a burst at once, the rest at RATE."""
    return max(0.0, requests - BURST) / RATE


def run() -> list[tuple[str, str]]:
    """Sync against the fake three times; (label, figure) rows."""
    fake = FakeNotion()
    fake.limit_rate(RATE, burst=BURST + 1, retry_after=1)  # one request of slack for jitter
    ids = _seed(fake)
    old_token = os.environ.get("NOTION_TOKEN")
    os.environ["NOTION_TOKEN"] = fake.token
    rows: list[tuple[str, str]] = []
    try:
        with FakeNotionServer(fake) as server, tempfile.TemporaryDirectory() as tmp:
            config = parse_config({"sources": {"notion": {
                "base_url": server.url, "requests_per_second": RATE,
                **{table: {"data_source": ds} for table, ds in ids.items()},
            }}})
            floor = len(ids) + len(ids) * math.ceil(PAGES / 100) + OVERFLOWING
            with Store(Path(tmp) / "state.db") as store:
                runs = []
                for label, full in (("full sync (first run)", False),
                                    ("second sync, nothing changed", False),
                                    ("full re-read (sync --full)", True)):
                    fake.reset_log()
                    time.sleep(1.0 / RATE * BURST)  # let both buckets fill up again
                    reader = NotionReader(config)
                    results, wall = _sync(reader, store, full=full)
                    requests = sum(r.requests for r in results)
                    pace = fake.pacing()
                    runs.append((label, requests, wall))
                    limited = fake.count(status=429)
                    bound = _bound(requests)
                    over = (wall / bound - 1) * 100 if bound else 0.0
                    rows += [
                        (f"{label}: requests (API calls)",
                         f"{requests}" + (f" (floor {floor}: 3 resolves + 30 query pages + "
                                          f"{OVERFLOWING} relation overflows)"
                                          if full or label.startswith("full sync") else
                                          " (1 query per data source: schemas kept)")),
                        (f"{label}: wall time",
                         f"{wall:.1f} s (rate-limit bound {bound:.1f} s at {RATE:g} req/s, "
                         f"burst {BURST:g}; {over:+.0f}%)"),
                        (f"{label}: records",
                         f"{sum(len(r.workspace.records()) for r in results)}"),
                        (f"{label}: pace seen by the fake",
                         f"{pace['rate']:.2f} req/s average, at most {pace['max_per_second']:g} "
                         f"in any 1 s; {limited} × 429, {reader.stats.retries} retries"),
                    ]
                full_requests, full_wall = runs[0][1], runs[0][2]
                quiet_requests, quiet_wall = runs[1][1], runs[1][2]
                rows.append((
                    "a full re-read on every run instead (a full-refresh sync)",
                    f"{full_requests / quiet_requests:.1f}× the requests and "
                    f"{full_wall / quiet_wall:.1f}× the time of a no-change incremental sync",
                ))
    finally:
        if old_token is None:
            os.environ.pop("NOTION_TOKEN", None)
        else:
            os.environ["NOTION_TOKEN"] = old_token
    return rows


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<58} {figure}")
