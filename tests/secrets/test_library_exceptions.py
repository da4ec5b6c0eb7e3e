"""The exceptions the connectors raise carry no secret: not in str, repr or args, and not
in the SDK or transport exceptions chained behind them (`__cause__`, `__context__`), even
where `raise … from None` only hides the context from tracebacks."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from careerloop.config import Config, parse_config
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.connectors.notion.client import NotionApi
from careerloop.connectors.notion.provision import provision_workspace
from careerloop.connectors.notion.read import NotionReader
from careerloop.connectors.trello.live import TrelloReader
from careerloop.connectors.trello.provision import provision_board
from careerloop.connectors.trello.publish import TrelloPublisher
from careerloop.errors import CareerloopError
from careerloop.model import Workspace
from careerloop.periods import Period
from careerloop.pipeline import build_review
from careerloop.report.render import render_markdown
from careerloop.store import Store
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer
from tests.secrets.leaks import (
    assert_nowhere,
    capture_everything,
    exception_chain,
    exception_texts,
    log_texts,
    notion_token,
    trello_key,
    trello_token,
)

MODES = ("401", "404", "429", "503", "502-html", "drop")


def _raise(call: Callable[[], Any]) -> CareerloopError:
    with pytest.raises(CareerloopError) as caught:
        call()
    return caught.value


def _check(error: CareerloopError, values: list[str],
           caplog: pytest.LogCaptureFixture) -> None:
    chain = list(exception_chain(error))
    assert len(chain) >= 1
    assert_nowhere(values, exception=exception_texts(error), logs=log_texts(caplog.records))


# -- Notion -------------------------------------------------------------------------------------

@pytest.fixture
def notion() -> Iterator[FakeNotionServer]:
    with FakeNotionServer(FakeNotion(token=notion_token())) as server:
        yield server


def _break_notion(fake: FakeNotion, mode: str, ids: list[str]) -> None:
    if mode == "401":
        fake.token = notion_token()
    elif mode == "404":
        for ident in ids:
            fake.unshare(ident)
    elif mode == "429":
        fake.fail(".*", status=429, retry_after=0, times=10_000)
    elif mode == "503":
        fake.fail(".*", status=503, times=10_000)
    elif mode == "502-html":
        fake.fail(".*", status=502, times=10_000)
    else:
        fake.fail(".*", drop=True, times=10_000)


@pytest.mark.parametrize("mode", MODES)
def test_notion_errors_carry_no_token(
    notion: FakeNotionServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, mode: str,
) -> None:
    capture_everything(caplog)
    fake = notion.fake
    token = fake.token
    monkeypatch.setenv("NOTION_TOKEN", token)
    _, modules = fake.add_database("Modules", {"Name": "title", "Planned": "date"})
    parent = fake.add_page_container()
    config = parse_config({"sources": {"notion": {
        "base_url": notion.url, "requests_per_second": 1000,
        "modules": {"data_source": modules}}}}, base_dir=tmp_path)
    _break_notion(fake, mode, [modules, parent])
    assert config.sources.notion is not None
    api = NotionApi.from_config(config.sources.notion)
    try:
        with Store(tmp_path / "state.db") as store:
            _check(_raise(lambda: NotionReader(config).read(store, full=True)), [token], caplog)
        if mode != "404":  # users/me needs no shared page
            _check(_raise(api.me), [token], caplog)
        _check(_raise(lambda: provision_workspace(api, parent)), [token], caplog)
    finally:
        api.close()
    assert token.encode() not in (tmp_path / "state.db").read_bytes()


# -- Trello -------------------------------------------------------------------------------------

@pytest.fixture
def trello() -> Iterator[FakeTrelloServer]:
    with FakeTrelloServer(FakeTrello(key=trello_key(), token=trello_token())) as server:
        yield server


def _break_trello(fake: FakeTrello, mode: str) -> None:
    if mode == "401":
        fake.token = trello_token()
    elif mode == "404":
        fake.fail(".*", 404, times=10_000, body="The requested resource was not found.")
    elif mode == "429":
        fake.fail(".*", 429, times=10_000,
                  body=json.dumps({"error": "API_TOKEN_LIMIT_EXCEEDED"}))
    elif mode == "503":
        fake.fail(".*", 503, times=10_000)
    elif mode == "502-html":
        fake.fail(".*", 502, times=10_000, body="<html><body>502 Bad Gateway</body></html>")
    else:
        fake.fail(".*", drop=True, times=10_000)


def _trello_config(server: FakeTrelloServer, board: str, tmp_path: Path) -> Config:
    return parse_config({
        "workspace": {"timezone": "Europe/Berlin"},
        "sources": {"trello": {"board": board, "base_url": server.url,
                               "requests_per_10s": 100}},
        "reviews": {"targets": ["trello"], "kinds": ["monthly"]},
    }, base_dir=tmp_path)


@pytest.mark.parametrize("mode", MODES)
def test_trello_errors_carry_no_key_or_token(
    trello: FakeTrelloServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, mode: str,
) -> None:
    capture_everything(caplog)
    fake = trello.fake
    secrets = [fake.key, fake.token]
    monkeypatch.setenv("TRELLO_API_KEY", fake.key)
    monkeypatch.setenv("TRELLO_TOKEN", fake.token)
    sample = write_demo_workspace(tmp_path / "sample", dt.date(2026, 11, 26)).parent
    board = fake.load_board(json.loads((sample / "trello" / "board.json").read_text("utf-8")))
    config = _trello_config(trello, board, tmp_path)
    review = build_review(Workspace(), config, "monthly", Period.parse("2026-10"),
                          dt.date(2026, 11, 26))
    markdown = render_markdown(review, config.reviews, None)
    _break_trello(fake, mode)
    with Store(tmp_path / "state.db") as store:
        _check(_raise(lambda: TrelloReader(config).read(store, full=True)), secrets, caplog)
        publisher = TrelloPublisher(config, store=store)
        try:
            _check(_raise(lambda: publisher.publish(review, markdown, dry_run=False)),
                   secrets, caplog)
        finally:
            publisher.close()
    assert config.sources.trello is not None
    _check(_raise(lambda: provision_board(board, source=config.sources.trello)), secrets, caplog)
    data = (tmp_path / "state.db").read_bytes()
    assert all(s.encode() not in data for s in secrets)


def test_the_checks_would_see_a_leak(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """The checks themselves: a planted value is found in each place they look."""
    token = notion_token()
    capture_everything(caplog)
    logging.getLogger("httpx").debug("Authorization: Bearer %s", token)
    with pytest.raises(AssertionError, match="in logs"):
        assert_nowhere([token], logs=log_texts(caplog.records))
    try:
        try:
            raise ValueError(f"header {token}")
        except ValueError:
            raise CareerloopError("clean text") from None
    except CareerloopError as error:
        with pytest.raises(AssertionError, match="in exception"):
            assert_nowhere([token], exception=exception_texts(error))
    (tmp_path / "state.db").write_bytes(b"\x00" + token.encode() + b"\x00")
    from tests.secrets.leaks import file_bytes

    with pytest.raises(AssertionError, match="in file"):
        assert_nowhere([token], files=file_bytes(tmp_path))
