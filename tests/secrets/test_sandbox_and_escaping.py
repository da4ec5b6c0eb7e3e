"""Templates run sandboxed, user text is escaped in HTML, and the config refuses tokens."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.errors import TemplateError
from careerloop.model import Workspace
from careerloop.periods import Period
from careerloop.pipeline import build_review
from careerloop.report.render import render_markdown
from tests.secrets.leaks import notion_token, trello_key, trello_token

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return write_demo_workspace(tmp_path / "ws", TODAY)


def _use_templates(config: Path, monthly: str) -> None:
    folder = config.parent / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "monthly.md.j2").write_text(monthly, encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n'),
                      encoding="utf-8")


# -- the sandbox -----------------------------------------------------------------------------

ESCAPES = {
    "mro-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "review-globals": "{{ review.__class__.__init__.__globals__ }}",
    "cycler-os": "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].system('touch PWNED') }}",
    "namespace-import": "{{ namespace.__init__.__globals__.__builtins__.__import__('os') }}",
    "format-attribute": "{{ '{0.__class__.__init__.__globals__}'.format(review) }}",
    "mutate-list": "{% set _ = kpis.append(1) %}{{ kpis | length }}",
    "mutate-dict": "{% set _ = kpi.clear() %}{{ kpi }}",
    "huge-range": "{{ range(10 ** 9) | list | length }}",
    "include-absolute": "{% include '/etc/passwd' %}",
    "include-parent": "{% include '../careerloop.toml' %}",
    "self-context": "{{ self._TemplateReference__context }}",
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_a_template_escape_attempt_is_a_template_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo: Path, case: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY.isoformat())
    _use_templates(demo, "# {{ title }}\n" + ESCAPES[case] + "\n")
    from careerloop.config import load_config

    config = load_config(demo)
    review = build_review(Workspace(), config, "monthly", Period.parse("2026-10"), TODAY)
    with pytest.raises(TemplateError) as caught:
        render_markdown(review, config.reviews, config.path("tpl"))
    assert "monthly.md.j2" in str(caught.value) or "not found" in str(caught.value)
    assert not list(tmp_path.rglob("PWNED"))

    result = CliRunner().invoke(app, ["-c", str(demo), "sync", "--period", "2026-10"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.strip().splitlines()[-1].startswith("error: template ")
    assert "root:" not in result.stdout + result.stderr  # /etc/passwd stayed shut
    assert "[workspace]" not in result.stdout + result.stderr
    assert not list(tmp_path.rglob("PWNED"))
    assert not (demo.parent / "reviews" / "2026-10-monthly.md").exists()


# -- user text in HTML -----------------------------------------------------------------------

SCRIPT = "<script>alert('careerloop')</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"
RAW = (SCRIPT, IMG, "onerror=alert(1)>", "<script", 'href="javascript', "<img")


def _append_module(path: Path, row: dict[str, str]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow({c: row.get(c, "") for c in columns})


def test_user_text_is_escaped_in_html(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY.isoformat())
    notion = demo.parent / "notion"
    for n in range(3):
        _append_module(notion / "Modules.csv", {
            "Name": f"{SCRIPT} {n}", "Planned": f"October {n + 5}, 2026",
            "Completed": f"October {n + 5}, 2026", "Status": "Done", "Minutes": "ten",
            "Track": f"{IMG} track", "Skills": f"{IMG}, {LINK}",
        })
    goals = notion / "Goals.csv"
    goals.write_text(goals.read_text(encoding="utf-8-sig") +
                     f'"{SCRIPT} goal",6m,"December 15, 2026",In progress\n',
                     encoding="utf-8-sig")
    result = CliRunner().invoke(app, ["-c", str(demo), "sync", "--period", "2026-10"])
    assert result.exit_code == 0, result.stderr
    reviews = demo.parent / "reviews"
    markdown = (reviews / "2026-10-monthly.md").read_text(encoding="utf-8")
    assert "track" in markdown and ("alert" in markdown), "the user text reached the review"
    # The reader's notes with HTML in them.
    (reviews / "2026-10-monthly.md").write_text(markdown + f"\n{SCRIPT}\n\n{IMG}\n{LINK}\n",
                                                encoding="utf-8")
    (notion / "Modules.csv").write_text(
        (notion / "Modules.csv").read_text(encoding="utf-8-sig").replace("ten", "11"),
        encoding="utf-8-sig")
    result = CliRunner().invoke(app, ["-c", str(demo), "sync", "--period", "2026-10"])
    assert result.exit_code == 0, result.stderr
    for page in ("2026-10-monthly.html", "index.html"):
        html = (reviews / page).read_text(encoding="utf-8")
        for raw in RAW:
            assert raw not in html, (page, raw)
    html = (reviews / "2026-10-monthly.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# -- literal tokens in the config ------------------------------------------------------------

LITERALS = {
    "notion-secret": ("sources.notion", "token_env", lambda: "secret_" + secrets.token_hex(22)),
    "notion-ntn": ("sources.notion", "token_env", notion_token),
    "trello-key": ("sources.trello", "key_env", trello_key),
    "trello-token": ("sources.trello", "token_env", trello_token),
    "trello-key-upper": ("sources.trello", "key_env", lambda: trello_key().upper()),
    "trello-atta-token": ("sources.trello", "token_env",
                          lambda: "ATTA" + secrets.token_hex(32) + secrets.token_hex(4).upper()),
}


@pytest.mark.parametrize("case", sorted(LITERALS))
@pytest.mark.parametrize("flags", [(), ("--debug",), ("--log-format", "json")],
                         ids=["plain", "debug", "json"])
def test_the_config_refuses_a_literal_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, flags: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY.isoformat())
    for name in ("NOTION_TOKEN", "TRELLO_API_KEY", "TRELLO_TOKEN"):
        monkeypatch.setenv(name, "x" * 8)  # only the pasted value is at stake here
    table, key, make = LITERALS[case]
    value = make()
    source = ('board = "AbCd1234"\n' if table == "sources.trello"
              else "")
    config = tmp_path / "careerloop.toml"
    if table == "sources.notion":
        source = '\n[sources.notion.modules]\ndata_source = "0123456789abcdef0123456789abcdef"\n'
    config.write_text(f'[{table}]\n{key} = "{value}"\n{source}', encoding="utf-8")
    for command in (["sync"], ["doctor"], ["kpis"], ["report", "--to", "local"]):
        result = CliRunner().invoke(app, [*flags, "-c", str(config), *command])
        assert result.exit_code in (1, 2) if command == ["doctor"] else result.exit_code == 2
        shown = result.stdout + result.stderr
        assert f"{table}.{key}" in shown, (command, shown)
        assert value not in shown, (command, shown)
        assert value[:12] not in shown, (command, shown)
    assert not (tmp_path / ".careerloop").exists()
