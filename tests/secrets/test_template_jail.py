"""The template jail holds: no template reads a file outside its folder, and no secret
reaches a review even when a template or the workspace carries one."""

from __future__ import annotations

import csv
import datetime as dt
import os
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.config import ReviewsConfig, load_config
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.errors import TemplateError
from careerloop.model import Workspace
from careerloop.periods import Period
from careerloop.pipeline import build_review
from careerloop.report.render import render_markdown
from tests.secrets.leaks import notion_token

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY.isoformat())
    return write_demo_workspace(tmp_path / "ws", TODAY)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A Notion token in the environment, as a scheduled run has it."""
    value = notion_token()
    monkeypatch.setenv("NOTION_TOKEN", value)
    return value


def _templates(config: Path) -> Path:
    folder = config.parent / "tpl"
    folder.mkdir(exist_ok=True)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n'),
                      encoding="utf-8")
    return folder


def _everything(root: Path) -> str:
    """Every file under `root` as text (the reviews, the state, the templates)."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())


def _sync(config: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-c", str(config), "sync", "--period", "2026-10"])
    return result.exit_code, result.stdout, result.stderr


def _secret_file(tmp_path: Path, token: str) -> Path:
    """A file outside the templates folder holding the token (like a .env or environ)."""
    leak = tmp_path / "outside" / "env.md.j2"
    leak.parent.mkdir()
    leak.write_text(f"NOTION_TOKEN={token}\n", encoding="utf-8")
    return leak


def _link_out(folder: Path, tmp_path: Path, token: str) -> str:
    (folder / "partials").mkdir()
    (folder / "partials" / "leak.md.j2").symlink_to(_secret_file(tmp_path, token))
    (folder / "monthly.md.j2").write_text("# {{ title }}\n{% include 'partials/leak.md.j2' %}\n",
                                          encoding="utf-8")
    return "partials/leak.md.j2"


def _link_top(folder: Path, tmp_path: Path, token: str) -> str:
    (folder / "monthly.md.j2").symlink_to(_secret_file(tmp_path, token))
    return "monthly.md.j2"


def _link_folder(folder: Path, tmp_path: Path, token: str) -> str:
    secret = _secret_file(tmp_path, token)
    secret.rename(secret.with_name("kpi_table.md.j2"))
    (folder / "partials").symlink_to(secret.parent, target_is_directory=True)
    return "partials/kpi_table.md.j2"


def _link_environ(folder: Path, tmp_path: Path, token: str) -> str:
    (folder / "environ.md.j2").symlink_to("/proc/self/environ")
    (folder / "monthly.md.j2").write_text("{% include 'environ.md.j2' %}\n", encoding="utf-8")
    return "environ.md.j2"


LINKS = {
    "partial-links-out": _link_out,
    "template-links-out": _link_top,
    "folder-links-out": _link_folder,
    "proc-self-environ": _link_environ,
}


@pytest.mark.parametrize("case", sorted(LINKS))
def test_a_symlink_out_of_the_templates_folder_is_refused(
    demo: Path, tmp_path: Path, token: str, case: str
) -> None:
    folder = _templates(demo)
    name = LINKS[case](folder, tmp_path, token)

    code, out, err = _sync(demo)

    assert code == 1, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("error: template "), err
    assert name in lines[-1] and "outside the templates folder" in lines[-1], lines[-1]
    assert "Traceback" not in out + err
    assert token not in out + err
    assert not (demo.parent / "reviews" / "2026-10-monthly.md").exists()
    assert token not in _everything(demo.parent / ".careerloop")


def test_a_symlink_that_stays_inside_the_folder_is_followed(demo: Path) -> None:
    folder = _templates(demo)
    (folder / "mine.md.j2").write_text("# {{ title }}\n\nMy own layout\n", encoding="utf-8")
    (folder / "monthly.md.j2").symlink_to(folder / "mine.md.j2")

    code, out, err = _sync(demo)

    assert code == 0, (out, err)
    review = (demo.parent / "reviews" / "2026-10-monthly.md").read_text(encoding="utf-8")
    assert "My own layout" in review


def test_only_j2_files_are_templates(demo: Path, token: str) -> None:
    folder = _templates(demo)
    (folder / "secrets.txt").write_text(f"token {token}\n", encoding="utf-8")
    (folder / "monthly.md.j2").write_text("# {{ title }}\n{% include 'secrets.txt' %}\n",
                                          encoding="utf-8")

    code, out, err = _sync(demo)

    assert code == 1
    assert "secrets.txt is not a template: templates are .j2 files" in err.splitlines()[-1]
    assert token not in out + err


def _append_module(config: Path, name: str) -> None:
    path = config.parent / "notion" / "Modules.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns = next(csv.reader(handle))
    row = {"Name": name, "Planned": "October 5, 2026", "Completed": "October 5, 2026",
           "Status": "Done", "Minutes": "300", "Track": name}
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow({c: row.get(c, "") for c in columns})


def test_a_secret_in_the_workspace_is_redacted_from_the_review(demo: Path, token: str) -> None:
    """The last wall: a token pasted into a module title never reaches a review."""
    _append_module(demo, f"Rotate {token} now")

    code, out, err = _sync(demo)

    assert code == 0, err
    review = (demo.parent / "reviews" / "2026-10-monthly.md").read_text(encoding="utf-8")
    assert "| Rotate [redacted] now | 1 | 5 h | 0 | 0 |" in review  # the tracks table
    for page in (demo.parent / "reviews").iterdir():
        assert token not in page.read_text(encoding="utf-8"), page.name
    assert token not in out + err


def test_a_template_error_message_is_redacted_too(demo: Path, token: str) -> None:
    folder = _templates(demo)
    # A template author pastes the token into a template: the error shows it redacted.
    (folder / "monthly.md.j2").write_text(
        "# {{ title }}\n{{ '" + token + "' ~ nope }}\n", encoding="utf-8"
    )

    code, out, err = _sync(demo)

    assert code == 1
    assert token not in out + err
    assert not (demo.parent / "reviews" / "2026-10-monthly.md").exists()


def test_every_configured_secret_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names the config gives (not only the defaults) are the ones read and redacted."""
    key, trello = secrets.token_hex(16), secrets.token_hex(32)
    monkeypatch.setenv("MY_TRELLO_KEY", key)
    monkeypatch.setenv("MY_TRELLO_TOKEN", trello)
    config_path = tmp_path / "careerloop.toml"
    config_path.write_text(
        '[sources.trello]\nboard = "AbCd1234"\nkey_env = "MY_TRELLO_KEY"\n'
        'token_env = "MY_TRELLO_TOKEN"\n\n[reviews]\ntemplates = "tpl"\n', encoding="utf-8")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "monthly.md.j2").write_text(
        "# {{ title }}\nkey {{ '" + key + "' }} token " + trello + "\n", encoding="utf-8")
    config = load_config(config_path)
    review = build_review(Workspace(), config, "monthly", Period.parse("2026-10"), TODAY)
    from careerloop.report.escape import secret_values

    text = render_markdown(review, config.reviews, config.path("tpl"),
                           secrets=secret_values(config))

    assert text == "# Monthly review 2026-10\nkey [redacted] token [redacted]\n"


def test_an_unreadable_template_is_one_error(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "monthly.md.j2").mkdir()  # a folder where the file should be
    os.mkfifo(folder / "pipe.md.j2")  # reading a pipe would wait for a writer forever
    config = load_config(_minimal(tmp_path))
    review = build_review(Workspace(), config, "monthly", Period.parse("2026-10"), TODAY)
    with pytest.raises(TemplateError) as caught:
        render_markdown(review, ReviewsConfig(), folder)
    assert "monthly.md.j2" in str(caught.value) and "is not a regular file" in str(caught.value)
    (folder / "monthly.md.j2").rmdir()
    (folder / "monthly.md.j2").write_text("{% include 'pipe.md.j2' %}", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"pipe\.md\.j2 \(in .*\) is not a regular file"):
        render_markdown(review, ReviewsConfig(), folder)


def _minimal(tmp_path: Path) -> Path:
    path = tmp_path / "careerloop.toml"
    path.write_text('[sources.trello]\nboard = "AbCd1234"\n', encoding="utf-8")
    return path

