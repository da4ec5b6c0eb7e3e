"""Notion review pages: requests to publish the demo's monthly and quarterly reviews.

Against the fake Notion API on 127.0.0.1 (it validates every write as Notion does),
through the real notion-client and HTTP policy; requests are counted by the fake. The
reviews are the demo workspace's last closed month and quarter, rendered with the
shipped full template, then with the compact one.

Formulas met, per review, once the run has found the Reviews database:
- new: 1 query + 1 create + A appends + (1 hash update if A > 0) + 2 (chart upload), where
  A = the follow-up batches of `plan_appends` = ceil((blocks − 100) / 100) for a flat page
  (deep nesting adds one append per block whose children do not fit). The query is
  skipped in a database the run has just created.
- unchanged: 1 query, 0 writes.
- changed: 1 query + children list pages + L listings of children + D deletes + A appends
  + 1 properties update (+ 2 when the chart's trend changed), where the longest common
  prefix and suffix of equal top-level blocks above the notes heading are kept, D = the
  old blocks between them, A = the appends of the new blocks between them (after the last
  kept one), and L = one per block with children compared on the way (a table, a nested
  list), the one pair left between the kept ends excepted. Replacing every block cost
  1 query + list + every top-level block deleted + all appends + 1 update + 2 (chart).
Finding the database costs, once per run: list the parent page + retrieve the database
(+ retrieve its data source before the first write); a first run creates it instead.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.notion_api import FakeNotion, FakeNotionServer

from careerloop.config import Config, load_config, parse_config
from careerloop.connectors.base import HttpPolicy, RetryPolicy
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.connectors.notion.blocks import count_blocks, markdown_to_blocks
from careerloop.connectors.notion.client import NotionApi
from careerloop.connectors.notion.publish import NotionPublisher
from careerloop.periods import Period
from careerloop.pipeline import REVIEW_TO_PERIOD, build_review, pull, render_with, review_template
from careerloop.report.notes import split_notes
from careerloop.report.render import render_markdown
from careerloop.report.review import Review, ReviewKind
from careerloop.store import Store

TODAY = dt.date(2026, 11, 2)


ONE_KPI = "learning_minutes"  # an info KPI: a new value changes one table row, not the score


def _demo_reviews(tmp: Path) -> tuple[list[tuple[Review, str]], tuple[Review, str]]:
    """The demo's last closed monthly and quarterly reviews, with their Markdown; and the
    monthly one with one KPI's value changed."""
    config = load_config(write_demo_workspace(tmp / "demo", TODAY))
    reviews = []
    with Store(tmp / "demo-state.db") as store:
        pull(config, store, full=True)
        workspace = store.workspace()
        kinds: tuple[ReviewKind, ...] = ("monthly", "quarterly")
        for kind in kinds:
            period = Period.last_closed(REVIEW_TO_PERIOD[kind], TODAY)
            review = build_review(workspace, config, kind, period, TODAY)
            reviews.append((review, render_markdown(review, config.reviews, None)))
    changed = copy.deepcopy(reviews[0][0])
    kpi = changed.scorecard.kpis[ONE_KPI]
    kpi.value = (kpi.value or 0) + 30
    return reviews, (changed, render_markdown(changed, config.reviews, None))


def _publisher(config: Config) -> NotionPublisher:
    assert config.sources.notion is not None
    policy = HttpPolicy(service="Notion", rate=1000, burst=1000,
                        retry=RetryPolicy(jitter=lambda: 0.0))
    return NotionPublisher(config, api=NotionApi.from_config(config.sources.notion,
                                                             policy=policy))


def _new_formula(blocks: int) -> str:
    appends = max(0, math.ceil((blocks - 100) / 100))
    return f"1 + 1 + {appends} + {int(appends > 0)} + 2 = {4 + appends + int(appends > 0)}"


def run() -> list[tuple[str, str]]:
    """(label, figure) rows for `make bench`."""
    figures: list[tuple[str, str]] = []
    fake = FakeNotion()
    saved = os.environ.get("NOTION_TOKEN")
    os.environ["NOTION_TOKEN"] = fake.token
    try:
        with FakeNotionServer(fake) as server, tempfile.TemporaryDirectory() as tmp:
            reviews, one_kpi = _demo_reviews(Path(tmp))
            for template in ("full", "compact"):
                parent = fake.add_page_container(f"Career plan ({template})")
                config = parse_config({
                    "sources": {"notion": {"base_url": server.url}},
                    "reviews": {"notion": {"parent": parent, "template": template}},
                })
                first = _publisher(config)
                fake.reset_log()
                first.reviews_source(reviews[0][0])
                figures.append((f"[{template}] create the Reviews database (once)",
                                f"{len(fake.requests)} requests"))
                warm = _publisher(config)
                fake.reset_log()
                warm.reviews_source(reviews[0][0])
                figures.append((f"[{template}] find it in a later run (once per run)",
                                f"{len(fake.requests)} requests"))
                for review, full_markdown in reviews:
                    # What the pipeline hands this target: the compact rendering, or the full.
                    name = review_template(config, "notion", review.kind)
                    text = render_with(config, review, name) if template == "compact" \
                        else full_markdown
                    generated, notes = split_notes(text, config.reviews.notes_heading)
                    blocks = count_blocks(markdown_to_blocks(text)) + 1  # + the chart
                    fake.reset_log()
                    new = warm.publish(review, text, dry_run=False)
                    figures.append((
                        f"[{template}] {review.kind} new ({blocks} blocks): requests",
                        f"{len(fake.requests)} ({new.action}; formula {_new_formula(blocks)};"
                        f" +1 schema read on the run's first write)",
                    ))
                    fake.reset_log()
                    same = warm.publish(review, text, dry_run=False)
                    writes = sum(1 for r in fake.requests
                                 if r.method != "GET" and not r.path.endswith("/query"))
                    figures.append((f"[{template}] {review.kind} unchanged: requests",
                                    f"{len(fake.requests)} ({same.action}; {writes} writes; "
                                    "target 1 query, 0 writes)"))
                if template == "full":
                    review, markdown = reviews[0]
                    top = len(markdown_to_blocks(split_notes(
                        markdown, config.reviews.notes_heading)[0])) + 1  # + the chart
                    fake.reset_log()
                    kpi = warm.publish(one_kpi[0], one_kpi[1], dry_run=False)
                    figures.append((
                        "[full] a monthly review with one KPI changed: requests",
                        f"{len(fake.requests)} ({kpi.action}; 1 query, 1 list, "
                        f"{fake.count('GET', r'blocks/.*') - 1} child lists, "
                        f"{fake.count('DELETE')} delete, "
                        f"{fake.count('PATCH', r'blocks/.*')} append, "
                        f"{fake.count('PATCH', r'pages/.*')} update, "
                        f"{fake.count('POST', r'file_uploads.*')} upload; replacing every "
                        f"block: 1 + 1 + {top} + 1 + 1 + 2 = {top + 6})",
                    ))
                    warm.publish(review, markdown, dry_run=False)  # back as it was
                    generated, notes = split_notes(markdown, config.reviews.notes_heading)
                    log = "".join(f"- log entry {n}\n" for n in range(300))
                    big = f"{generated}## Log\n\n{log}\n{notes}"
                    blocks = count_blocks(markdown_to_blocks(big)) + 1
                    fake.reset_log()
                    changed = warm.publish(review, big, dry_run=False)
                    figures.append((f"[full] monthly changed to {blocks} blocks: requests",
                                    f"{len(fake.requests)} ({changed.action}; 1 query, "
                                    "1 list, "
                                    f"{fake.count('GET', r'blocks/.*') - 1} child lists, "
                                    f"{fake.count('DELETE')} deletes, "
                                    f"{fake.count('PATCH', r'blocks/.*')} appends, "
                                    f"{fake.count('PATCH', r'pages/.*')} update, "
                                    f"{fake.count('POST', r'file_uploads.*')} upload)"))
    finally:
        if saved is None:
            os.environ.pop("NOTION_TOKEN", None)
        else:
            os.environ["NOTION_TOKEN"] = saved
    return figures


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<60} {figure}")
