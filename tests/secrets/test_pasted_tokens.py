"""A token pasted into careerloop.toml is refused and never echoed, however it was pasted.

The reproduction (issue 11): `token_env = " ntn_…"`, `"Bearer ntn_…"`, a Trello token
with a trailing space, a token pasted into `board` or `base_url` were each printed back
in full in the error. Every string setting is checked on the stripped value with any
`Bearer `/`OAuth ` prefix removed; the error names the setting, never the value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from tests.secrets.leaks import assert_nowhere, notion_token, trello_key, trello_token

NOTION_DS = "0123456789abcdef0123456789abcdef"  # a data source id: 32 hex, not a secret


def _notion(**settings: str) -> str:
    notion = {"token_env": "NOTION_TOKEN", **settings}
    lines = ["[sources.notion]", *(f"{k} = {json.dumps(v)}" for k, v in notion.items()
                                   if k != "data_source")]
    lines += ["[sources.notion.modules]",
              f"data_source = {json.dumps(settings.get('data_source', NOTION_DS))}"]
    return "\n".join(lines) + "\n"


def _trello(**settings: str) -> str:
    trello = {"board": "CaReEr01", **settings}
    return "[sources.trello]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in trello.items())


# (setting the error must name, config text) for a token made fresh by each case.
CASES: dict[str, Callable[[str], tuple[str, str]]] = {
    "notion-leading-space": lambda t: ("sources.notion.token_env", _notion(token_env=f" {t}")),
    "notion-trailing-newline": lambda t: ("sources.notion.token_env",
                                          _notion(token_env=f"{t}\n")),
    "notion-bearer": lambda t: ("sources.notion.token_env", _notion(token_env=f"Bearer {t}")),
    "notion-base-url": lambda t: ("sources.notion.base_url",
                                  _notion(base_url=f"https://api.notion.com/?token={t}")),
    "notion-base-url-userinfo": lambda t: ("sources.notion.base_url",
                                           _notion(base_url=f"https://me:{t}@api.notion.com")),
    "notion-data-source": lambda t: ("sources.notion.modules.data_source",
                                     _notion(data_source=t)),
    "notion-review-parent": lambda t: ("reviews.notion.parent",
                                       _notion() + f"[reviews.notion]\nparent = {json.dumps(t)}\n"),
    "trello-token-trailing-space": lambda t: ("sources.trello.token_env",
                                              _trello(token_env=f"{t} ")),
    "trello-oauth": lambda t: ("sources.trello.token_env", _trello(token_env=f"OAuth {t}")),
    "trello-board": lambda t: ("sources.trello.board", _trello(board=f"{t} ")),
    "trello-board-url": lambda t: ("sources.trello.board",
                                   _trello(board=f"https://trello.com/b/CaReEr01?token={t}")),
    "trello-base-url": lambda t: ("sources.trello.base_url",
                                  _trello(base_url=f"https://api.trello.com/1?key=k&token={t}")),
    "trello-label": lambda t: ("sources.trello.kinds", _trello()
                               + f"[sources.trello.kinds]\n{json.dumps(t)} = \"module\"\n"),
}

TOKENS = {"notion": notion_token, "trello": trello_token}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", [("sync",), ("doctor",), ("kpis",)])
def test_a_pasted_token_is_refused_without_being_shown(
    runner: CliRunner, tmp_path: Path, case: str, command: tuple[str, ...]
) -> None:
    token = TOKENS[case.split("-")[0]]()
    setting, text = CASES[case](token)
    config = tmp_path / "careerloop.toml"
    config.write_text(text, encoding="utf-8")

    result = runner.invoke(app, ["-c", str(config), *command])

    assert result.exit_code == 2, (result.stdout, result.stderr)
    shown = result.stdout + result.stderr
    assert setting in shown, shown
    assert "token" in shown and "not shown" in shown
    # Not in full, not as its core: the last 16 characters are already too much.
    assert_nowhere([token, token[-16:]], output=shown)
    assert not (tmp_path / ".careerloop").exists()


@pytest.mark.parametrize(
    "value", [lambda: f"{trello_key()} ", lambda: f" {trello_token()}",
              lambda: "not a name", lambda: "export NOTION_TOKEN"],
    ids=["trello-key", "trello-token", "words", "shell-line"],
)
def test_a_bad_variable_name_is_never_echoed(
    runner: CliRunner, tmp_path: Path, value: Callable[[], str]
) -> None:
    pasted = value()
    config = tmp_path / "careerloop.toml"
    config.write_text(_trello(key_env=pasted), encoding="utf-8")

    result = runner.invoke(app, ["-c", str(config), "sync"])

    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("error: ") and "sources.trello.key_env" in line
    assert pasted.strip() not in line


def test_ids_that_look_like_hex_are_still_fine(runner: CliRunner, tmp_path: Path) -> None:
    """A data source id or Trello board id (hex) is no token: the config loads."""
    from careerloop.config import load_config

    config = tmp_path / "careerloop.toml"
    config.write_text(
        _notion(data_source=f"https://www.notion.so/Modules-{NOTION_DS}?v={NOTION_DS}")
        + "[reviews.notion]\nparent = \"Career-plan-fedcba9876543210fedcba9876543210\"\n",
        encoding="utf-8")
    loaded = load_config(config)
    assert loaded.sources.notion is not None and loaded.sources.notion.token_env == "NOTION_TOKEN"

    config.write_text(_trello(board="6650a1b2c3d4e5f6a7b80000", token_env=" TRELLO_TOKEN "),
                      encoding="utf-8")
    trello = load_config(config).sources.trello
    assert trello is not None and trello.token_env == "TRELLO_TOKEN"  # trimmed, accepted
