"""Plan data is text: no title, track or skill becomes Markdown, HTML or a control.

The payloads go in where a user's plan really holds them: a Notion "Markdown & CSV"
export (module names, tracks, skills, goal titles). Each review is then read the way its
target reads it: the .md with a CommonMark parser, the .html in headless Chromium behind
a recording proxy, the Notion blocks the publisher would send, the Trello description the
fake Trello stored, and the terminal output of `careerloop report`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from typer.testing import CliRunner

from careerloop.connectors.files.local import strip_meta
from careerloop.connectors.notion.blocks import Block, markdown_to_blocks
from careerloop.report.notes import split_notes
from tests.bad_input.cli import invoke
from tests.browser import measure
from tests.fakes.trello_api import FakeTrelloServer

PAYLOADS = {
    "image": "![g](http://img.example/x.png)",
    "link": "[phish](http://phish.example/login)",
    "reference": "[ref]: http://ref.example/",
    "heading": "# Notes",
    "html-image": "<img src=http://html.example/y.png>",
    "autolink": "<http://auto.example/>",
    "table": "a | b",
    "emphasis": "**bold** _it_ ~~gone~~",
    "code": "`code`",
    "entity": "&#x202E;&lt;b&gt;",
    "list": "- item",
    "ordered": "1. first",
    "quote": "> quoted",
    "newline": "one\n## Injected",
    "setext": "===",
}
# What must vanish: each would change what the text shows or what a terminal does.
CONTROLS = {
    "rtl-override": ("x \u202elive", "x live"),
    "isolate": ("a\u2066b\u2069c", "abc"),
    "mark": ("d\u200fe", "de"),
    "ansi": ("\x1b[31mred\x1b[0m", "[31mred[0m"),
    "nul": ("nul\x00byte", "nulbyte"),
    "c1": ("c1\x9bcsi", "c1csi"),
    "bell": ("be\x07ll", "bell"),
}
RAW_CONTROLS = ("\x00", "\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069", "\u200f")


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow({c: row.get(c, "") for c in columns})


def _plant(config: Path) -> dict[str, str]:
    """Every payload as a module, its track and skill, and a goal: name -> shown text."""
    notion = config.parent / "notion"
    shown: dict[str, str] = {}
    values = {**PAYLOADS, **{k: v for k, (v, _) in CONTROLS.items()}}
    for n, (name, value) in enumerate(sorted(values.items())):
        _append(notion / "Modules.csv", {
            "Name": f"{value} module", "Planned": f"October {n + 2}, 2026",
            "Completed": f"October {n + 2}, 2026", "Status": "Done", "Minutes": "30",
            "Track": f"{value} track", "Skills": f"{value} skill",
        })
        _append(notion / "Goals.csv", {"Name": f"{value} goal", "Horizon": "6m",
                                       "Target date": "December 15, 2026",
                                       "Status": "In progress"})
        text = CONTROLS[name][1] if name in CONTROLS else " ".join(value.split())
        shown[name] = text
    return shown


def _parse(markdown: str) -> list[Token]:
    """The tokens of CommonMark + GFM tables and strikethrough, raw HTML recognised."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    flat: list[Token] = []
    for token in parser.parse(strip_meta(markdown)):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def _headings(tokens: list[Token]) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def _text(tokens: list[Token]) -> str:
    return "\n".join(t.content for t in tokens if t.type == "text")


def _assert_shown(text: str, shown: dict[str, str], review: str) -> None:
    """Each payload shows as the very text the plan holds (controls removed).

    A quarterly review lists every goal (its table and checklist); a monthly one only
    some planted items (five per pitfall, eight tracks), so it must show at least five.
    """
    if "quarterly" in review:
        for label, value in shown.items():
            assert f"{value} goal" in text, (label, value)
    else:
        found = [v for v in shown.values() if f"{v} module" in text or f"{v} track" in text
                 or f"{v} goal" in text]
        assert len(found) >= 5, found


@pytest.fixture
def planted(runner: CliRunner, demo: Path, tmp_path: Path) -> dict[str, Any]:
    """A clean sync (for the headings a review has), then one with every payload planted."""
    clean = tmp_path / "clean"
    (demo.parent).rename(clean)
    config = clean / "careerloop.toml"
    assert invoke(runner, "-c", str(config), "sync").code == 0
    headings = {
        name: _headings(_parse((clean / "reviews" / name).read_text(encoding="utf-8")))
        for name in ("2026-10-monthly.md", "2026-Q3-quarterly.md")
    }
    (clean / "reviews").rename(tmp_path / "clean-reviews")
    shown = _plant(config)
    run = invoke(runner, "-c", str(config), "sync")
    assert run.code == 0, run.err
    return {"config": config, "reviews": clean / "reviews", "shown": shown,
            "headings": headings}


@pytest.mark.parametrize("name", ["2026-10-monthly.md", "2026-Q3-quarterly.md"])
def test_payloads_stay_text_in_the_markdown(planted: dict[str, Any], name: str) -> None:
    markdown = (planted["reviews"] / name).read_text(encoding="utf-8")
    tokens = _parse(markdown)
    kinds = {t.type for t in tokens}

    assert not kinds & {"image", "link_open", "html_inline", "html_block"}, kinds
    assert _headings(tokens) == planted["headings"][name]  # none added, none lost
    for raw in RAW_CONTROLS:
        assert raw not in markdown, repr(raw)
    _assert_shown(_text(tokens), planted["shown"], name)
    # A payload with a pipe stays in its cell: every table row has its header's width.
    for table_start in (i for i, t in enumerate(tokens) if t.type == "table_open"):
        end = next(i for i in range(table_start, len(tokens)) if tokens[i].type == "table_close")
        widths, cells = [], 0
        for token in tokens[table_start:end]:
            if token.type in ("th_open", "td_open"):
                cells += 1
            elif token.type == "tr_close":
                widths.append(cells)
                cells = 0
        assert len(set(widths)) == 1, widths


def test_the_html_pages_fetch_nothing_in_a_browser(planted: dict[str, Any]) -> None:
    reviews: Path = planted["reviews"]
    # The reader's notes may hold an image too: the page still fetches nothing.
    md = reviews / "2026-10-monthly.md"
    md.write_text(md.read_text(encoding="utf-8")
                  + "\n![note](http://notes.example/n.png)\n", encoding="utf-8")
    run = invoke(CliRunner(), "-c", str(planted["config"]), "sync")
    assert run.code == 0, run.err
    for page in ("2026-10-monthly.html", "2026-Q3-quarterly.html", "index.html"):
        html = (reviews / page).read_text(encoding="utf-8")
        for tag in ("<img", "<script", "<link", "<iframe", "<object", "<embed"):
            assert tag not in html, (page, tag)
        seen = measure(reviews / page, width=1000, selectors=["li", "td"])
        assert seen.requests == [], (page, seen.requests)
        assert seen.images == [] and seen.resources == [], page
    seen = measure(reviews / "2026-Q3-quarterly.html", width=1000, selectors=["li", "td"])
    texts = "\n".join(b["text"] for s in ("li", "td") for b in seen.selectors[s])
    _assert_shown(texts, planted["shown"], "2026-Q3-quarterly")


def _all_blocks(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        out.extend(_all_blocks(block.children))
    return out


@pytest.mark.parametrize("name", ["2026-10-monthly.md", "2026-Q3-quarterly.md"])
def test_notion_blocks_hold_no_image_link_or_extra_heading(
    planted: dict[str, Any], name: str
) -> None:
    markdown = strip_meta((planted["reviews"] / name).read_text(encoding="utf-8"))
    generated, _ = split_notes(markdown, "Notes")
    blocks = _all_blocks(markdown_to_blocks(generated))

    assert "image" not in {b.type for b in blocks}
    body = json.dumps([b.body for b in blocks], ensure_ascii=False)
    assert '"link"' not in body
    headings = [b for b in blocks if b.type.startswith("heading_")]
    assert len(headings) == len(planted["headings"][name]) - 1  # the notes heading is cut off
    texts = "\n".join(
        "".join(item["text"]["content"] for item in b.body.get("rich_text", []))
        for b in blocks
    ) + "\n".join(
        "".join(item["text"]["content"] for item in cell)
        for b in blocks for cell in b.body.get("cells", [])
    )
    _assert_shown(texts, planted["shown"], name)


def test_the_trello_description_holds_no_link_or_image(
    runner: CliRunner, planted: dict[str, Any], fake_trello: FakeTrelloServer,
    trello_env: None,
) -> None:
    config: Path = planted["config"]
    board = fake_trello.fake.load_board(
        json.loads((config.parent / "trello" / "board.json").read_text(encoding="utf-8"))
    )
    text = config.read_text(encoding="utf-8")
    text = text.replace("[sources.trello]\n",
                        f'[sources.trello]\nboard = "{board}"\nbase_url = "{fake_trello.url}"\n')
    config.write_text(text.replace('targets = ["local"]', 'targets = ["trello"]'),
                      encoding="utf-8")

    run = invoke(runner, "-c", str(config), "sync", "--period", "2026-10")

    assert run.code == 0, run.err
    (card,) = [c for c in fake_trello.fake.boards[board]["cards"]
               if c["name"] == "Monthly review 2026-10"]
    tokens = _parse(card["desc"])
    assert not {t.type for t in tokens} & {"image", "link_open", "html_inline", "html_block"}
    _assert_shown(_text(tokens), planted["shown"], "2026-10-monthly")
    for raw in RAW_CONTROLS:
        assert raw not in card["desc"], repr(raw)


def test_the_terminal_gets_no_escape_sequence(runner: CliRunner, planted: dict[str, Any]) -> None:
    config: Path = planted["config"]
    # A template may hold an escape sequence of its own: the terminal still gets none.
    folder = config.parent / "tpl"
    folder.mkdir()
    (folder / "monthly.md.j2").write_text(
        "# {{ title }}\n\x1b]0;owned\x07\x1b[2J{% include 'partials/pitfalls.md.j2' %}\n",
        encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[reviews]\n", '[reviews]\ntemplates = "tpl"\n'),
                      encoding="utf-8")
    for command in (["report", "--period", "2026-10"], ["kpis", "--period", "2026-10"]):
        run = invoke(runner, "-c", str(config), *command)
        assert run.code == 0, run.err
        for raw in RAW_CONTROLS:
            assert raw not in run.out + run.err, (command, repr(raw))
    report = invoke(runner, "-c", str(config), "report", "--period", "2026-10").out
    assert "# Monthly review 2026-10\n]0;owned[2J## What to do next" in report  # inert text
