"""Every command in every failure mode, each run with token values never used before.

For each run (plain, `--debug`, `--log-format json`) the values must not reach stdout,
stderr, any log record (DEBUG, third-party loggers included), any file in the workspace
(state database, reviews, written configs) or the text of the exception the run ended in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.connectors.files.demo import write_demo_workspace
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer
from tests.secrets.leaks import (
    assert_nowhere,
    capture_everything,
    exception_texts,
    file_bytes,
    log_texts,
    notion_token,
    trello_key,
    trello_token,
)

FLAGS: tuple[tuple[str, ...], ...] = ((), ("--debug",), ("--log-format", "json"))
DEBUG_PRINT = False
MODES = ("ok", "401", "404", "429", "5xx", "502-html", "drop", "bad-config", "missing-variable",
         "template-error")


@dataclass
class Setup:
    """One workspace in one failure mode; `arm()` gives a run its fresh secrets."""

    root: Path
    config: Path
    arm: Callable[[pytest.MonkeyPatch], list[str]]
    base_url: str
    parent: str = ""
    used: list[str] = field(default_factory=list)
    break_it: Callable[[], None] = lambda: None  # after one clean sync: store and reviews exist


def _run(runner: CliRunner, caplog: pytest.LogCaptureFixture, setup: Setup,
         monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...], command: list[str],
         expect: set[int]) -> None:
    values = setup.arm(monkeypatch)
    setup.used += values
    caplog.clear()
    result = runner.invoke(app, [*flags, "-c", str(setup.config), *command])
    if DEBUG_PRINT:
        print(f"{command} {flags}: {result.exit_code} {result.stderr.strip()}")
    assert result.exit_code in expect, (command, flags, result.exit_code, result.stdout,
                                        result.stderr, result.exception)
    if result.exit_code != 0:
        assert result.stderr.strip() or "FAIL" in result.stdout, (command, flags)
    assert_nowhere(
        setup.used,
        stdout=result.stdout,
        stderr=result.stderr,
        logs=log_texts(caplog.records),
        exception=exception_texts(result.exception),
        files=file_bytes(setup.root),
    )


# -- Notion ---------------------------------------------------------------------------------

@pytest.fixture
def notion_server() -> Iterator[FakeNotionServer]:
    with FakeNotionServer(FakeNotion()) as server:
        yield server


def _notion_setup(tmp_path: Path, server: FakeNotionServer, mode: str) -> Setup:
    fake = server.fake
    _, modules = fake.add_database("Modules", {
        "Name": "title", "Planned": "date", "Completed": "date", "Status": "status",
        "Minutes": "number", "Insights": "rich_text"})
    fake.add_page(modules, {"Name": "Interviewing", "Planned": "2026-10-05",
                            "Completed": "2026-10-05", "Status": "Done", "Minutes": 20})
    parent = fake.add_page_container("Career plan")
    config = tmp_path / "careerloop.toml"
    env = "NOTION_TOKEN"
    clean = text = (f'[workspace]\ntimezone = "UTC"\n\n[sources.notion]\ntoken_env = "{env}"\n'
            f'base_url = "{server.url}"\nrequests_per_second = 1000\n\n'
            f'[sources.notion.modules]\ndata_source = "{modules}"\n\n'
            '[reviews]\nkinds = ["monthly"]\n')
    if mode == "bad-config":
        text = text.replace("requests_per_second", "requests_per_secnd")
    if mode == "missing-variable":
        text = text.replace(f'token_env = "{env}"', 'token_env = "CAREER_NOTION_TOKEN"')
    if mode == "template-error":
        (tmp_path / "tpl").mkdir()
        (tmp_path / "tpl" / "monthly.md.j2").write_text("{{ title }}\n{{ nope.deeper }}\n",
                                                        encoding="utf-8")
        text = text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n')
    config.write_text(clean, encoding="utf-8")

    def break_it() -> None:
        if mode == "404":
            fake.unshare(modules)
            fake.unshare(parent)
        faults = {"429": {"status": 429, "retry_after": 0}, "5xx": {"status": 503},
                  "502-html": {"status": 502}, "drop": {"drop": True}}
        if mode in faults:
            fake.fail(".*", times=100_000, **faults[mode])  # type: ignore[arg-type]
        if mode in ("bad-config", "missing-variable", "template-error"):
            config.write_text(text, encoding="utf-8")

    broken = {"on": False}

    def arm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
        token = notion_token()
        fake.token = notion_token() if mode == "401" and broken["on"] else token
        monkeypatch.setenv("NOTION_TOKEN", token)
        return [token]

    def breaking() -> None:
        broken["on"] = True
        break_it()

    return Setup(root=tmp_path, config=config, arm=arm, base_url=server.url, parent=parent,
                 break_it=breaking)


NOTION_COMMANDS: dict[str, list[str]] = {
    "sync": ["sync"],
    "sync-dry-run": ["sync", "--dry-run", "--full"],
    "kpis": ["kpis", "--period", "2026-10", "--json"],
    "report-stdout": ["report", "--period", "2026-10"],
    "report-local": ["report", "--period", "2026-10", "--to", "local"],
    "doctor": ["doctor"],
}


@pytest.mark.parametrize("mode", MODES)
def test_notion_commands_never_show_the_token(
    runner: CliRunner, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, notion_server: FakeNotionServer, mode: str,
) -> None:
    capture_everything(caplog)
    setup = _notion_setup(tmp_path, notion_server, mode)
    _run(runner, caplog, setup, monkeypatch, (), ["sync"], {0})
    setup.break_it()
    for name, command in NOTION_COMMANDS.items():
        for flags in FLAGS:
            expect = {0, 1, 2} if mode != "ok" or name == "doctor" else {0}
            _run(runner, caplog, setup, monkeypatch, flags, command, expect)
    # init --notion writes a config: a fresh path each time, in the same workspace root.
    for n, flags in enumerate(FLAGS):
        target = tmp_path / f"init-{n}.toml"
        setup.config = target
        _run(runner, caplog, setup, monkeypatch, flags,
             ["init", "--notion", setup.parent, "--notion-base-url", setup.base_url],
             {0} if mode in ("ok", "bad-config", "template-error", "missing-variable") else {1, 2})


# -- Trello ---------------------------------------------------------------------------------

@pytest.fixture
def trello_server() -> Iterator[FakeTrelloServer]:
    with FakeTrelloServer(FakeTrello()) as server:
        yield server


def _trello_setup(tmp_path: Path, server: FakeTrelloServer, mode: str) -> Setup:
    fake = server.fake
    sample = write_demo_workspace(tmp_path / "sample", dt.date(2026, 11, 26)).parent
    export = json.loads((sample / "trello" / "board.json").read_text(encoding="utf-8"))
    board = fake.load_board(export)
    empty = fake.add_board("For init", short_link="InIt0001")
    config = tmp_path / "careerloop.toml"
    clean = text = ('[workspace]\ntimezone = "Europe/Berlin"\n\n'
            f'[sources.trello]\nboard = "{board}"\nbase_url = "{server.url}"\n'
            'requests_per_10s = 100\n\n'
            '[sources.trello.fields]\nfeedback = "Feedback"\nmentor = "Mentor"\n\n'
            '[reviews]\nkinds = ["monthly"]\ntargets = ["trello", "local"]\n')
    if mode == "bad-config":
        text = text.replace("requests_per_10s = 100", "requests_per_10s = 1000")
    if mode == "template-error":
        (tmp_path / "tpl").mkdir()
        (tmp_path / "tpl" / "monthly.md.j2").write_text("{% for %}\n", encoding="utf-8")
        text = text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n')
    config.write_text(clean, encoding="utf-8")
    broken = {"on": False}

    def break_it() -> None:
        broken["on"] = True
        config.write_text(text, encoding="utf-8")
        if mode == "404":
            fake.fail(".*", 404, times=100_000, body="The requested resource was not found.")
        faults = {"429": {"status": 429}, "5xx": {"status": 500}, "502-html": {
            "status": 502, "body": "<html><body>502 Bad Gateway</body></html>"},
            "drop": {"drop": True}}
        if mode in faults:
            fake.fail(".*", times=100_000, **faults[mode])  # type: ignore[arg-type]

    def arm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
        key, token = trello_key(), trello_token()
        fake.key, fake.token = key, token
        if mode == "401" and broken["on"]:
            fake.token = trello_token()
        monkeypatch.setenv("TRELLO_API_KEY", key)
        if mode == "missing-variable" and broken["on"]:
            monkeypatch.delenv("TRELLO_TOKEN", raising=False)
            return [key]
        monkeypatch.setenv("TRELLO_TOKEN", token)
        return [key, token]

    return Setup(root=tmp_path, config=config, arm=arm, base_url=server.url, parent=empty,
                 break_it=break_it)


TRELLO_COMMANDS: dict[str, list[str]] = {
    "sync": ["sync"],
    "sync-no-publish": ["sync", "--no-publish"],
    "report-trello": ["report", "--period", "2026-10", "--to", "trello"],
    "report-stdout": ["report", "--period", "2026-09"],
    "doctor": ["doctor"],
}


@pytest.mark.parametrize("mode", MODES)
def test_trello_commands_never_show_key_or_token(
    runner: CliRunner, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, trello_server: FakeTrelloServer, mode: str,
) -> None:
    capture_everything(caplog)
    setup = _trello_setup(tmp_path, trello_server, mode)
    _run(runner, caplog, setup, monkeypatch, (), ["sync"], {0})
    setup.break_it()
    for name, command in TRELLO_COMMANDS.items():
        for flags in FLAGS:
            expect = {0, 1, 2} if mode != "ok" or name == "doctor" else {0}
            _run(runner, caplog, setup, monkeypatch, flags, command, expect)
    for n, flags in enumerate(FLAGS):
        setup.config = tmp_path / f"init-{n}.toml"
        _run(runner, caplog, setup, monkeypatch, flags,
             ["init", "--trello", setup.parent, "--trello-base-url", setup.base_url],
             {0} if mode in ("ok", "bad-config", "template-error") else {1, 2})


# -- the demo, with every variable set --------------------------------------------------------

@pytest.mark.parametrize("mode", ["ok", "out-is-a-file", "template-error"])
def test_demo_never_shows_tokens_from_the_environment(
    runner: CliRunner, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, mode: str,
) -> None:
    capture_everything(caplog)
    out = tmp_path / "demo"
    if mode == "out-is-a-file":
        out.write_text("not a folder", encoding="utf-8")
    used: list[str] = []
    for flags in FLAGS:
        values = [notion_token(), trello_key(), trello_token()]
        used += values
        for name, value in zip(("NOTION_TOKEN", "TRELLO_API_KEY", "TRELLO_TOKEN"), values,
                               strict=True):
            monkeypatch.setenv(name, value)
        if mode == "template-error":
            monkeypatch.setenv("CAREERLOOP_TODAY", "yesterday")
        caplog.clear()
        result = runner.invoke(app, [*flags, "demo", "--out", str(out)])
        assert result.exit_code == (0 if mode == "ok" else result.exit_code)
        if mode != "ok":
            assert result.exit_code in (1, 2), (result.stderr, result.exception)
        assert_nowhere(used, stdout=result.stdout, stderr=result.stderr,
                       logs=log_texts(caplog.records),
                       exception=exception_texts(result.exception),
                       files=file_bytes(tmp_path))
