"""The fault matrix: every fault at every kind of request, once and on every attempt.

Each cell runs `careerloop sync` through the CLI against a fake service that answers one
kind of request (a Notion query, a relation read past 25, a page create, a block append,
a file upload; a Trello board read, a card write, an attachment) with one fault:

- **transient** (the next request of that kind fails once): a read, a file upload and a
  refused (429) write are retried and the run ends like a clean run. Any other failed
  write may have been applied, so it is not sent twice: that run exits 1 with one line
  and the next clean run completes the review — one page or card, as a clean run left it;
- **persistent** (every attempt fails): exit code 1, one line naming the service and the
  request, the store as before for what failed (the source's records, the review's ledger
  entry) and the next clean run completes the work without a duplicate. A chart upload is
  the exception by design: the review goes out with a text trend line (exit 0) and the
  next run adds the chart.

Outcomes are asserted on the resulting state: the fake's pages, blocks and cards, the
store's records, scorecards and ledger. docs/reliability.md lists the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.notion_api import FakeNotionServer
from tests.fakes.trello_api import FakeTrelloServer
from tests.faults.worlds import (
    Run,
    World,
    comparable_store,
    notion_world,
    store_rows,
    sync,
    trello_world,
    world_for,
)

GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

# name -> fail() options common to both fakes (the Notion fake sends the HTML page on 502).
FAULTS: dict[str, dict[str, Any]] = {
    "429 + Retry-After": {"status": 429, "retry_after": 0},
    "429": {"status": 429},
    "500": {"status": 500},
    "502 HTML": {"status": 502, "body": GATEWAY_PAGE},
    "503": {"status": 503},
    "504": {"status": 504},
    "529": {"status": 529},
    "timeout": {"status": 200, "timeout": True},
    "dropped": {"drop": True},
    "truncated JSON": {"status": 200, "truncate": True},
    "truncated stream": {"status": 200, "truncate": "close"},
}
REFUSED = frozenset({"429 + Retry-After", "429"})  # the service did nothing: safe to resend


@dataclass(frozen=True, slots=True)
class Target:
    """One kind of request: where it is, how to match it and when a run makes it."""

    service: str  # notion, trello
    route: str  # path regex after /v1/ or /1/; {modules} is the modules data source
    method: str
    phase: str  # read (every run), create (first publish), update (a changed review)
    request: str  # what the error message names
    resendable: bool  # retried on any fault (reads, uploads)


TARGETS: dict[str, Target] = {
    "Notion query": Target("notion", "data_sources/{modules}/query", "POST", "read",
                           "data_sources.query", True),
    "Notion property read": Target("notion", "pages/[^/]+/properties/.*", "GET", "read",
                                   "pages.properties.retrieve", True),
    "Notion page create": Target("notion", "pages", "POST", "create", "pages.create", False),
    "Notion block append": Target("notion", "blocks/[^/]+/children", "PATCH", "update",
                                  "blocks.children.append", False),
    "Notion file upload": Target("notion", "file_uploads(/[^/]+/send)?", "POST", "create",
                                 "file_uploads", True),
    "Trello board read": Target("trello", "boards/[^/]+", "GET", "read", "GET /1/boards/",
                                True),
    "Trello card write": Target("trello", "cards", "POST", "create", "POST /1/cards", False),
    "Trello attachment": Target("trello", "cards/[0-9a-f]{24}/attachments", "POST", "create",
                                "/attachments", False),
}
SERVICE = {"notion": "Notion", "trello": "Trello"}

_REFERENCES: dict[tuple[str, bool], Any] = {}




def reference(service: str, edited: bool, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Any:
    """(published reviews, store) after clean runs: the first, or edit + a second one."""
    key = (service, edited)
    if key not in _REFERENCES:
        base = tmp_path_factory.mktemp(f"reference-{service}-{int(edited)}")
        if service == "notion":
            with FakeNotionServer() as server:
                monkeypatch.setenv("NOTION_TOKEN", server.fake.token)
                world = notion_world(base, server)
                _REFERENCES[key] = _clean_runs(world, edited)
        else:
            with FakeTrelloServer() as trello:
                monkeypatch.setenv("TRELLO_API_KEY", trello.fake.key)
                monkeypatch.setenv("TRELLO_TOKEN", trello.fake.token)
                world = trello_world(base, trello)
                _REFERENCES[key] = _clean_runs(world, edited)
    return _REFERENCES[key]


def _clean_runs(world: World, edited: bool) -> Any:
    first = sync(world.config)
    assert first.code == 0, first.stderr
    if edited:
        world.edit()
        second = sync(world.config)
        assert second.code == 0, second.stderr
    return world.published(), comparable_store(world.state)


def _inject(world: World, target: Target, fault: dict[str, Any], times: int) -> None:
    options = dict(fault)
    route = target.route.replace("{modules}", str(world.extra.get("ids", {}).get("modules")))
    if target.service == "notion":
        options.pop("body", None)  # the Notion fake sends its own gateway page on 502
        world.fake.fail(route, method=target.method, times=times, **options)
    else:
        world.fake.fail(route, method=target.method, times=times, **options)


def _clear(world: World, run: Run, fault_name: str) -> None:
    world.fake.wait_idle()  # no request still being answered when the next run starts
    world.fake.faults.clear()
    if fault_name == "timeout":
        assert run.timeouts >= 1  # the client really saw a timeout


def _assert_one_line(run: Run, target: Target) -> None:
    assert run.exception is None, run.exception
    assert "Traceback" not in run.stderr
    lines = run.error_lines()
    assert lines, run.stderr
    message = lines[0]
    assert SERVICE[target.service] in message, message
    assert target.request in message, message


def _assert_completed(world: World, expected: Any) -> None:
    published, store = expected
    counts = world.reviews()
    assert counts and set(counts.values()) == {1}, counts  # one page or card per review
    assert world.published() == published
    assert comparable_store(world.state) == store


CELLS = [(t, f) for t in TARGETS for f in FAULTS]


@pytest.mark.parametrize(("target_name", "fault_name"), CELLS)
def test_transient_fault(
    target_name: str, fault_name: str, tmp_path: Path, request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target, fault = TARGETS[target_name], FAULTS[fault_name]
    update = target.phase == "update"
    expected = reference(target.service, update, tmp_path_factory, monkeypatch)
    world = world_for(target.service, tmp_path, request)
    if update:
        assert sync(world.config).code == 0
        world.edit()
    _inject(world, target, fault, times=1)

    run = sync(world.config)
    _clear(world, run, fault_name)
    if target.resendable or fault_name in REFUSED:
        assert run.code == 0, run.stderr  # retried: the run ends as a clean one
    else:
        # A write that may have landed is not sent twice: one line, and the next run
        # completes the review.
        assert run.code == 1, run.stderr
        _assert_one_line(run, target)
        again = sync(world.config)
        assert again.code == 0, again.stderr
    _assert_completed(world, expected)


@pytest.mark.parametrize(("target_name", "fault_name"), CELLS)
def test_persistent_fault(
    target_name: str, fault_name: str, tmp_path: Path, request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target, fault = TARGETS[target_name], FAULTS[fault_name]
    edited = target.phase in ("read", "update")
    expected = reference(target.service, edited, tmp_path_factory, monkeypatch)
    world = world_for(target.service, tmp_path, request)
    if edited:
        assert sync(world.config).code == 0
        world.edit()
    before = store_rows(world.state)
    _inject(world, target, fault, times=10_000)

    run = sync(world.config)
    _clear(world, run, fault_name)
    after = store_rows(world.state)
    if target_name == "Notion file upload":
        # By design the chart is decoration: the review goes out with a text trend line,
        # and the stored hash is marked so the next run adds the chart.
        assert run.code == 0, run.stderr
        assert "chart upload failed" in run.stdout
        assert world.reviews() == {"2026-10-monthly": 1}
    else:
        assert run.code == 1, run.stderr
        _assert_one_line(run, target)
        if target.phase == "read":
            # The failing source's records and cursors are as they were.
            assert after["records"] == before["records"]
            assert after["cursors"] == before["cursors"]
        else:
            # No ledger entry for a review that did not publish (or the old one, unchanged).
            assert after["ledger"] == before["ledger"]

    again = sync(world.config)
    assert again.code == 0, again.stderr
    _assert_completed(world, expected)
