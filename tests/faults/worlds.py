"""The plans the fault and kill-point runs work on, and snapshots of what a run left.

A *world* is a fake service (or export files) holding a plan, a careerloop.toml that
reads it and publishes reviews of it, and the state folder. Snapshots reduce what a run
left behind to what a user sees — review pages and cards (ids left out), review files,
the store's records, scorecards and ledger — so two runs can be compared with `==`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.connectors.files.demo import write_demo_workspace
from careerloop.connectors.notion.publish import REVIEWS_TITLE
from careerloop.pipeline import Seams
from tests.conftest import TODAY
from tests.fakes.fixtures import FakeClock, at, seed_schema
from tests.fakes.notion_api import FakeNotion, FakeNotionServer
from tests.fakes.trello_api import FakeTrello, FakeTrelloServer
from tests.fakes.wire import Wire

NOTES_HEADING = "Notes"
GOALS = 27  # past Notion's 25: the module linked to all of them needs a property read


@dataclass(slots=True)
class Run:
    """One `careerloop … sync` as the user saw it."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None
    timeouts: int = 0  # timeout faults the wire raised
    slept: list[float] = field(default_factory=list)  # the virtual clock's waits
    output: str = ""  # stdout and stderr as the user saw them, interleaved

    def error_lines(self) -> list[str]:
        """The stderr lines that report a failure."""
        return [line for line in self.stderr.splitlines()
                if line.startswith(("error:", "failed"))]


def careerloop(config: Path, *argv: str, options: Sequence[str] = (),
               clock: FakeClock | None = None) -> Run:
    """`careerloop OPTIONS -c CONFIG ARGV` in-process, as a fresh process would run it.

    Its seams: today is TODAY, the HTTP policies and the run lock wait on a virtual clock
    (`clock`, default a new one), and the wire raises a timeout fault's timeout at once.
    """
    clock, wire = clock or FakeClock(), Wire()
    seams = Seams(today=dt.date.fromisoformat(TODAY), clock=clock, transport=wire.transport)
    result = CliRunner().invoke(app, [*options, "-c", str(config), *argv], obj=seams)
    exc = result.exception
    if isinstance(exc, SystemExit):
        exc = None
    return Run(result.exit_code, result.stdout, result.stderr, exc, wire.timeouts,
               list(clock.slept), result.output)


def sync(config: Path, *args: str, options: Sequence[str] = (),
         clock: FakeClock | None = None) -> Run:
    """`careerloop OPTIONS -c CONFIG sync ARGS` (see `careerloop`)."""
    return careerloop(config, "sync", *args, options=options, clock=clock)


# -- the store -------------------------------------------------------------------------------


def store_rows(state: Path) -> dict[str, Any]:
    """Records (by id), scorecards (by period) and the ledger of a state database."""
    if not state.exists():
        return {"records": {}, "scorecards": {}, "ledger": {}, "cursors": {}}
    with sqlite3.connect(state) as db:
        records = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, origin, data FROM records")}
        cards = {r[0]: json.loads(r[1]) for r in db.execute("SELECT period, data FROM scorecards")}
        ledger = {
            (r[0], r[1], r[2]): (r[3], r[4])
            for r in db.execute("SELECT target, period, kind, remote_id, content_hash FROM ledger")
        }
        cursors = {r[0]: r[1] for r in db.execute("SELECT origin, cursor FROM cursors")}
    return {"records": records, "scorecards": cards, "ledger": ledger, "cursors": cursors}


def comparable_store(state: Path) -> dict[str, Any]:
    """What two runs on the same data must agree on: records, scorecards, ledger hashes."""
    rows = store_rows(state)
    return {
        "records": rows["records"],
        "scorecards": rows["scorecards"],
        "ledger": {key: digest for key, (_, digest) in rows["ledger"].items()},
    }


# -- worlds ----------------------------------------------------------------------------------


@dataclass(slots=True)
class World:
    """A plan somewhere, a config that reads and publishes it, and how to look at both."""

    kind: str  # notion, trello, local
    config: Path
    state: Path
    edit: Callable[[], None]  # a change to the plan a next run must carry into the reviews
    add_notes: Callable[[], dict[str, str]]  # the reader's notes: review key -> text
    published: Callable[[], Any]  # the published reviews, comparable between worlds
    reviews: Callable[[], dict[str, int]]  # review key -> copies published
    notes_of: Callable[[], dict[str, str]]  # review key -> the notes part, as published
    fake: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _notion_toml(url: str, ids: dict[str, str], parent: str, kinds: list[str]) -> str:
    tables = "\n".join(f'[sources.notion.{t}]\ndata_source = "{ds}"\n' for t, ds in ids.items())
    return (
        f'[workspace]\ntimezone = "Europe/Berlin"\nstate = "state.db"\n\n'
        f'[sources.notion]\nbase_url = "{url}"\nrequests_per_second = 1000\n\n{tables}\n'
        f"[reviews]\nkinds = {json.dumps(kinds)}\ntargets = [\"notion\"]\n"
        f'notes_heading = "{NOTES_HEADING}"\n\n'
        f'[reviews.notion]\nparent = "{parent}"\n'
    )


def _texts(fake: FakeNotion, parent: str) -> list[Any]:
    """The live blocks under `parent` as (type, text, children), images by caption only."""
    out: list[Any] = []
    for block in fake.block_tree(parent):
        kind = block["type"]
        body = block[kind]
        key = "caption" if kind == "image" else "rich_text"
        text = "".join(i.get("plain_text", "") for i in body.get(key) or [])
        out.append((kind, text, _texts(fake, block["id"])))
    return out


def notion_world(tmp_path: Path, server: FakeNotionServer,
                 kinds: tuple[str, ...] = ("monthly",)) -> World:
    """Goals, modules (one linked to 27 goals) and sessions in Notion; reviews to Notion."""
    fake = server.fake
    ids = seed_schema(fake, ("goals", "modules", "sessions"))
    goals = [
        fake.add_page(ids["goals"], {"Name": f"Goal {n}", "Horizon": "12m",
                                     "Target date": "2027-06-30", "Status": "In progress"},
                      created=at("2026-09-01T08:00"))
        for n in range(GOALS)
    ]
    modules = [
        fake.add_page(ids["modules"], {
            "Name": f"Module {n}", "Planned": f"2026-{9 + n % 2:02d}-{n + 1:02d}",
            "Completed": f"2026-{9 + n % 2:02d}-{n + 1:02d}" if n < 6 else None,
            "Status": "Done" if n < 6 else "Not started", "Minutes": 10 + n, "Track": "Product",
            "Skills": ["Roadmapping"], "Goals": goals if n == 0 else [goals[n]], "Vetted": True,
        }, created=at("2026-09-20T08:00"))
        for n in range(8)
    ]
    for n in range(2):
        fake.add_page(ids["sessions"], {"Name": f"1:1 #{n}", "Date": f"2026-10-{7 + 14 * n:02d}",
                                        "Mentor": "Ana", "Feedback": 4,
                                        "Insights": "Ship smaller" if n == 0 else ""},
                      created=at("2026-10-07T17:00"))
    parent = fake.add_page_container("Career plan")
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "careerloop.toml"
    config.write_text(_notion_toml(server.url, ids, parent, list(kinds)), encoding="utf-8")

    def pages() -> list[dict[str, Any]]:
        sources = {ds for ds, s in fake.data_sources.items() if s["name"] == REVIEWS_TITLE}
        return [p for p in fake.pages.values()
                if p["_data_source"] in sources and not p["in_trash"]]

    def key(page: dict[str, Any]) -> str:
        return f"{page['_values'].get('Period')}-{page['_values'].get('Kind')}"

    def edit() -> None:
        # Module 6 (in October) is finished: completion moves, the reviews change. The
        # module linked to every goal is edited too, so a later read needs its relation.
        fake.edit_page(modules[6], {"Completed": "2026-10-30", "Status": "Done"},
                       at=at("2026-11-02T09:00"))
        fake.edit_page(modules[0], {"Minutes": 25}, at=at("2026-11-02T09:00"))

    def add_notes() -> dict[str, str]:
        notes = {}
        for page in pages():
            text = f"Reader's note on {key(page)}: ask Ana about the roadmap — «verbatim» ✓"
            fake.add_blocks(page["id"], [
                {"type": "paragraph", "paragraph": {"rich_text": [
                    {"type": "text", "text": {"content": text}}]}},
                {"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [
                    {"type": "text", "text": {"content": "second line, kept"}}]}},
            ])
            notes[key(page)] = text
        return notes

    def notes_of() -> dict[str, str]:
        out = {}
        for page in pages():
            blocks = _texts(fake, page["id"])
            heading = next(i for i, b in enumerate(blocks)
                           if b[0].startswith("heading_") and b[1].strip() == NOTES_HEADING)
            out[key(page)] = "\n".join(b[1] for b in blocks[heading + 1:])
        return out

    def published() -> Any:
        return sorted(
            (key(p), sorted((k, json.dumps(v, sort_keys=True)) for k, v in p["_values"].items()),
             _texts(fake, p["id"]))
            for p in pages()
        )

    def reviews() -> dict[str, int]:
        counts: dict[str, int] = {}
        for page in pages():
            counts[key(page)] = counts.get(key(page), 0) + 1
        return counts

    return World("notion", config, tmp_path / "state.db", edit, add_notes, published, reviews,
                 notes_of, fake=fake, extra={"ids": ids, "modules": modules})


def _demo_board(tmp_path: Path) -> dict[str, Any]:
    sample = write_demo_workspace(tmp_path / "sample", dt.date.fromisoformat(TODAY)).parent
    board: dict[str, Any] = json.loads((sample / "trello" / "board.json").read_text("utf-8"))
    return board


def _move_an_application(board: dict[str, Any]) -> None:
    """Move the first application of Metrics definition from September to October.

    Both the quarter it leaves (2026-Q3) and the month it joins (2026-10) score anew.
    """
    card = next(c for c in board["cards"]
                if str(c.get("name", "")).startswith("Applied Metrics definition"))
    card["due"] = "2026-10-02T14:00:00.000Z"


def trello_world(tmp_path: Path, server: FakeTrelloServer,
                 kinds: tuple[str, ...] = ("monthly",)) -> World:
    """The sample board served live by the fake; reviews to its Reviews list."""
    fake: FakeTrello = server.fake
    board_id = fake.load_board(_demo_board(tmp_path))
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "careerloop.toml"
    config.write_text(
        '[workspace]\ntimezone = "Europe/Berlin"\nstate = "state.db"\n\n'
        f'[sources.trello]\nboard = "{board_id}"\nbase_url = "{server.url}"\n'
        'requests_per_10s = 100\n\n'
        '[sources.trello.fields]\nfeedback = "Feedback"\nmentor = "Mentor"\n'
        'project = "Project"\nminutes = "Minutes"\ntrack = "Track"\ngoal = "Goal"\n'
        'kind = "Type"\n\n'
        f'[reviews]\nkinds = {json.dumps(list(kinds))}\ntargets = ["trello"]\n'
        f'notes_heading = "{NOTES_HEADING}"\n',
        encoding="utf-8",
    )
    board = fake.boards[board_id]

    def cards() -> list[dict[str, Any]]:
        return [c for c in board["cards"]
                if not c["closed"] and str(c["name"]).startswith(("Monthly review",
                                                                  "Quarterly review"))]

    def edit() -> None:
        with fake.lock:
            _move_an_application(board)

    def add_notes() -> dict[str, str]:
        notes = {}
        with fake.lock:
            for card in cards():
                text = f"Reader's note on {card['name']}: «verbatim» ✓\n- second line, kept"
                card["desc"] = card["desc"].rstrip("\n") + "\n\n" + text + "\n"
                notes[card["name"]] = text
        return notes

    def notes_of() -> dict[str, str]:
        out = {}
        for card in cards():
            desc = str(card["desc"])
            _, _, below = desc.partition(f"## {NOTES_HEADING}\n")
            out[str(card["name"])] = below
        return out

    def published() -> Any:
        return sorted(
            (c["name"], c["desc"], sorted(a["name"] for a in c["attachments"]))
            for c in cards()
        )

    def reviews() -> dict[str, int]:
        counts: dict[str, int] = {}
        for card in cards():
            counts[card["name"]] = counts.get(card["name"], 0) + 1
        return counts

    return World("trello", config, tmp_path / "state.db", edit, add_notes, published, reviews,
                 notes_of, fake=fake, extra={"board": board_id})


def local_world(tmp_path: Path) -> World:
    """The demo workspace (a Notion CSV export and a Trello export); reviews as files."""
    config = write_demo_workspace(tmp_path / "demo", dt.date.fromisoformat(TODAY))
    root = config.parent
    reviews_dir = root / "reviews"
    export = root / "trello" / "board.json"

    def files() -> list[Path]:
        return sorted(p for p in reviews_dir.glob("*.md")) if reviews_dir.exists() else []

    def edit() -> None:
        board = json.loads(export.read_text("utf-8"))
        _move_an_application(board)
        export.write_text(json.dumps(board), encoding="utf-8")

    def add_notes() -> dict[str, str]:
        notes = {}
        for path in files():
            text = f"Reader's note on {path.stem}: «verbatim» ✓\n- second line, kept\n"
            path.write_text(path.read_text("utf-8") + text, encoding="utf-8")
            notes[path.stem] = text
        return notes

    def notes_of() -> dict[str, str]:
        return {p.stem: p.read_text("utf-8").partition(f"## {NOTES_HEADING}\n")[2]
                for p in files()}

    def published() -> Any:
        if not reviews_dir.exists():
            return []
        return sorted((p.name, p.read_bytes()) for p in reviews_dir.iterdir()
                      if not p.name.startswith("."))

    def reviews() -> dict[str, int]:
        return {p.stem: 1 for p in files()}

    return World("local", config, root / ".careerloop" / "state.db", edit, add_notes, published,
                 reviews, notes_of, extra={"dir": reviews_dir})


def world_for(service: str, tmp_path: Path, request: pytest.FixtureRequest) -> World:
    """The world of `service` ("notion" or "trello") on its fake server, credentials set."""
    if service == "notion":
        request.getfixturevalue("notion_token")
        server: FakeNotionServer = request.getfixturevalue("fake_notion")
        return notion_world(tmp_path / "world", server)
    request.getfixturevalue("trello_env")
    trello: FakeTrelloServer = request.getfixturevalue("fake_trello")
    return trello_world(tmp_path / "world", trello)
