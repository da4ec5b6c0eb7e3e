"""Trello requests: a board of 500 cards with 1,500 actions, and review cards published.

Everything runs against the fake Trello API on 127.0.0.1 (tests/fakes/trello_api.py)
through the real py-trello and the real HTTP policy; requests are counted by the fake.
What py-trello's object model would cost for the same board is computed from py-trello
0.20.1's source (see `object_model_requests`), not measured.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.fakes.trello_api import FakeTrello, FakeTrelloServer, big_board

from careerloop.config import parse_config
from careerloop.connectors.trello.client import TrelloApi
from careerloop.connectors.trello.live import ACTIONS_PAGE, TrelloReader
from careerloop.connectors.trello.publish import TrelloPublisher
from careerloop.kpi.scorecard import KpiResult, Scorecard
from careerloop.periods import Period
from careerloop.report.render import render_markdown
from careerloop.report.review import Review, TrendPoint
from careerloop.store import Store

CARDS = 500
ACTIONS = 1500


def object_model_requests(board: dict[str, Any]) -> tuple[int, int]:
    """Requests py-trello 0.20.1's object model makes for what one nested read gives.

    From its source: `TrelloClient.get_board` (1), `Board.all_lists` (1), `get_labels`
    (1), `get_custom_field_definitions` (1, cached), `all_cards` (1); then per card
    `Card.fetch(eager=True)`: the card (1), `pluginData` (1), `checklists` when it has
    any, comments when `badges.comments` > 0, attachments when `badges.attachments` > 0;
    and `Board.fetch_actions` for list moves, 1000 per call, paged by hand.
    Returns (eager, lazy): lazy skips `Card.fetch` and only touches `card.comments` and
    `card.checklists`, which still cost one request per card that has them.
    """
    comments = Counter(
        a["data"]["card"]["id"] for a in board["actions"] if a["type"] == "commentCard"
    )
    cards = board["cards"]
    with_checklists = sum(1 for c in cards if c.get("idChecklists"))
    with_comments = sum(1 for c in cards if comments[c["id"]] > 0)
    fixed = 5
    moves = [a for a in board["actions"] if a["type"] == "updateCard"]
    action_pages = max(1, -(-len(moves) // ACTIONS_PAGE))
    eager = fixed + 2 * len(cards) + with_checklists + with_comments + action_pages
    lazy = fixed + with_checklists + with_comments + action_pages
    return eager, lazy


def _review(score: int) -> Review:
    result = KpiResult(key="module_completion", label="Module completion", value=score / 100,
                       target=0.8, score=score, status="at_risk")
    card = Scorecard(period=Period.parse("2026-10"), score=score, status="at_risk",
                     kpis={result.key: result})
    return Review(kind="monthly", scorecard=card, generated_on=dt.date(2026, 11, 2),
                  trend=[TrendPoint("2026-09", 70), TrendPoint("2026-10", score)])


def run() -> list[tuple[str, str]]:
    """(label, figure) rows for `make bench`."""
    figures: list[tuple[str, str]] = []
    fake = FakeTrello()
    export = big_board(CARDS, ACTIONS)
    saved = {name: os.environ.get(name) for name in ("TRELLO_API_KEY", "TRELLO_TOKEN")}
    os.environ["TRELLO_API_KEY"], os.environ["TRELLO_TOKEN"] = fake.key, fake.token
    try:
        with FakeTrelloServer(fake) as server, tempfile.TemporaryDirectory() as tmp:
            fake.load_board(export)
            config = parse_config({
                "sources": {"trello": {"board": "https://trello.com/b/BiGpLaN1/big-plan",
                                       "base_url": server.url}},
                "reviews": {"targets": ["trello"]},
            })
            assert config.sources.trello is not None
            with Store(Path(tmp) / "state.db") as store:
                started = time.perf_counter()
                (result,) = TrelloReader(config).read(store, full=True)
                elapsed = time.perf_counter() - started
                figures.append((f"read a board of {CARDS} cards, {ACTIONS} actions: requests",
                                f"{fake.count()} (target 2)"))
                figures.append(("  records read / wall time (loopback)",
                                f"{len(result.workspace.records())} / {elapsed * 1000:.0f} ms"))
                eager, lazy = object_model_requests(export)
                figures.append(("  py-trello object model, same board (computed)",
                                f"{eager} with Card.fetch(); {lazy} lazy"))
                figures.append(("  … at 90 requests per 10 s, that many take at least",
                                f"{eager / 9:.0f} s; {lazy / 9:.0f} s"))

                api = TrelloApi.from_config(config.sources.trello)
                publisher = TrelloPublisher(config, store=store, api=api)
                review = _review(78)
                markdown = render_markdown(review, config.reviews, None)

                def publish(item: Review, text: str, label: str, target: str) -> None:
                    fake.reset_log()
                    outcome = publisher.publish(item, text, dry_run=False)
                    store.record_publish(target="trello", period="2026-10", kind="monthly",
                                         remote_id=outcome.remote_id,
                                         location=outcome.location,
                                         content_hash=outcome.content_hash)
                    figures.append((f"publish a review card, {label}: requests",
                                    f"{fake.count()} ({outcome.action}; target {target})"))

                publish(review, markdown, "new", "≤ 4")
                publish(review, markdown, "unchanged", "1")
                changed = _review(90)
                publish(changed, render_markdown(changed, config.reviews, None),
                        "changed + new chart", "—")
                fake.reset_log()
                TrelloPublisher(config, api=api).publish(
                    changed, render_markdown(changed, config.reviews, None), dry_run=False)
                figures.append(("publish, unchanged, without the ledger (found by name)",
                                f"{fake.count()}"))
                api.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return figures


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<60} {figure}")
