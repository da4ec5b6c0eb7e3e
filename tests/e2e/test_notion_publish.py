"""Review pages in Notion end to end: real notion-client, real HTTP, the fake on 127.0.0.1.

The fake validates every write as Notion does (sizes, nesting, positions, archived
pages), so a test that passes here sent only requests Notion accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from careerloop.config import Config, parse_config
from careerloop.connectors.base import HttpPolicy, Publisher, RetryPolicy
from careerloop.connectors.notion.client import NotionApi
from careerloop.connectors.notion.publish import (
    BLOCK_LIMIT_ERROR,
    HASH,
    REVIEWS_TITLE,
    TRASHED_DETAIL,
    NotionPublisher,
    chart_caption,
)
from careerloop.errors import PublishError
from careerloop.kpi.scorecard import KpiResult, Pitfall, Scorecard
from careerloop.kpi.words import plural
from careerloop.periods import Period
from careerloop.pipeline import render_with
from careerloop.report.notes import content_hash, split_notes
from careerloop.report.render import render_markdown
from careerloop.report.review import Review, TrendPoint
from careerloop.store import Store
from tests.fakes.fixtures import FakeClock
from tests.fakes.notion_api import FakeNotion, FakeNotionServer


def review(
    label: str = "2026-10",
    *,
    score: int = 78,
    completion: float = 0.75,
    kind: str = "monthly",
    minutes: float = 320,
) -> Review:
    kpis = [
        KpiResult(
            key="module_completion",
            label="Module completion",
            value=completion,
            target=0.8,
            score=score,
            status="at_risk",
            previous=0.5,
            delta=0.25,
        ),
        KpiResult(
            key="mentor_feedback",
            label="Mentor feedback",
            value=82.0,
            target=75,
            score=100,
            status="on_track",
        ),
        KpiResult(
            key="learning_minutes",
            label="Learning minutes",
            value=minutes,
            target=None,
            score=None,
            status="info",
        ),
    ]
    pitfalls = [
        Pitfall(
            code="mentor-gap",
            severity="warning",
            message="No mentor session lately",
            items=["Last session 2026-09-20"],
            advice="Book one this week",
        )
    ]
    card = Scorecard(
        period=Period.parse(label),
        score=score,
        status="at_risk",
        kpis={k.key: k for k in kpis},
        pitfalls=pitfalls,
    )
    return Review(
        kind=kind,
        scorecard=card,
        generated_on=dt.date(2026, 11, 2),  # type: ignore[arg-type]
        trend=[TrendPoint("2026-08", 70), TrendPoint("2026-09", 74), TrendPoint(label, score)],
    )


def big_markdown(item: Review, config: Config, rows: int = 180) -> str:
    """The review with a long section: more than 100 blocks, deep lists, a long paragraph."""
    generated, notes = split_notes(render_markdown(item, config.reviews, None), "Notes")
    lines = ["## Log", ""]
    for n in range(rows):
        lines.append(f"- entry {n}")
        if n % 30 == 0:
            lines += ["  - level two", "    - level three", "      - level four"]
    lines += ["", "word " * 1200, ""]
    return generated + "\n".join(lines) + "\n" + notes


def fast_api(config: Config) -> NotionApi:
    assert config.sources.notion is not None
    policy = HttpPolicy(
        service="Notion",
        rate=1000,
        burst=1000,
        clock=FakeClock(),
        retry=RetryPolicy(max_attempts=3, jitter=lambda: 0.0),
    )
    return NotionApi.from_config(config.sources.notion, policy=policy)


def publisher(config: Config, store: Store | None = None) -> NotionPublisher:
    return NotionPublisher(config, store=store, api=fast_api(config))


def make_config(server: FakeNotionServer, parent: str, **notion: Any) -> Config:
    return parse_config(
        {
            "workspace": {"timezone": "UTC"},
            "sources": {"notion": {"base_url": server.url}},
            "reviews": {"targets": ["notion"], "notion": {"parent": parent, **notion}},
        }
    )


def review_pages(fake: FakeNotion) -> list[dict[str, Any]]:
    sources = {ds for ds, s in fake.data_sources.items() if s["name"] == REVIEWS_TITLE}
    return [p for p in fake.pages.values() if p["_data_source"] in sources]


def lines(fake: FakeNotion, block_id: str) -> list[tuple[str, str]]:
    """(type, text) of every live block under `block_id`, depth first."""
    out: list[tuple[str, str]] = []
    for block in fake.block_tree(block_id):
        kind = block["type"]
        body = block[kind]
        text = "".join(i["plain_text"] for i in body.get("rich_text", []))
        out.append((kind, text))
        out += lines(fake, block["id"])
    return out


def writes(fake: FakeNotion) -> int:
    return sum(
        1
        for r in fake.requests
        if r.method in ("POST", "PATCH", "DELETE") and not r.path.endswith("/query")
    )


@pytest.fixture
def fake(fake_notion: FakeNotionServer, notion_token: str) -> FakeNotion:
    return fake_notion.fake


@pytest.fixture
def config(fake_notion: FakeNotionServer, fake: FakeNotion) -> Config:
    return make_config(fake_notion, fake.add_page_container("Career plan"))


@pytest.fixture
def store(tmp_path: Any) -> Any:
    with Store(tmp_path / "state.db") as opened:
        yield opened


def record(store: Store, item: Review, outcome: Any) -> None:
    """What the pipeline does after a publish."""
    store.record_publish(
        target="notion",
        period=item.period.label,
        kind=item.kind,
        remote_id=outcome.remote_id,
        location=outcome.location,
        content_hash=outcome.content_hash,
    )


def test_the_publisher_meets_the_protocol(config: Config) -> None:
    item: Publisher = NotionPublisher(config)
    assert item.name == "notion"


def test_first_publish_creates_the_database_and_one_complete_page(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    outcome = publisher(config).publish(item, markdown, dry_run=False)

    assert outcome.action == "created" and outcome.detail == ""
    assert fake.count("POST", "databases") == 1
    assert fake.count("POST", r"data_sources/.*/query") == 0  # nothing in a new database
    assert fake.count("POST", "pages") == 1
    assert fake.count("POST", "file_uploads") == 1
    assert fake.count("POST", r"file_uploads/.*/send") == 1
    assert fake.count("PATCH", r"blocks/.*/children") == 0  # all fits the create
    assert fake.count("PATCH", r"pages/.*") == 0  # the hash went in with the create
    assert outcome.requests == len(fake.requests) == 5  # list parent, create db, 2 + 1
    (page,) = review_pages(fake)
    generated, _ = split_notes(markdown, "Notes")
    assert page["_values"][HASH] == content_hash(generated)
    assert page["_values"]["Period"] == "2026-10" and page["_values"]["Kind"] == "monthly"
    assert page["_values"]["Module completion"] == 0.75 and page["_values"]["Score"] == 78
    schema = fake.data_sources[page["_data_source"]]["properties"]
    assert schema["Module completion"]["number"] == {"format": "percent"}
    tree = lines(fake, page["id"])
    assert tree[0] == ("heading_1", "Monthly review 2026-10")
    kinds = [k for k, _ in tree]
    assert kinds.index("image") < kinds.index("heading_2")  # the chart near the top
    assert ("heading_2", "Notes") in tree
    upload = next(iter(fake.file_uploads.values()))
    assert upload["status"] == "uploaded" and upload["_data"].startswith(b"\x89PNG")

    # The next review, in a later run: 1 query + 1 create + the upload pair, after the
    # run has found the database once (list the parent, retrieve the database and, before
    # its first write, the data source's schema).
    fake.reset_log()
    quarter = review("2026-Q4", kind="quarterly")
    second = publisher(config).publish(
        quarter, render_markdown(quarter, config.reviews, None), dry_run=False
    )
    assert second.action == "created" and second.requests == 3 + 4
    assert fake.count("POST", r"data_sources/.*/query") == 1
    assert len(review_pages(fake)) == 2


def test_an_unchanged_review_takes_one_query_and_writes_nothing(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    first = publisher(config)
    first.publish(item, markdown, dry_run=False)
    fake.reset_log()
    again = first.publish(item, markdown, dry_run=False)
    assert again.action == "unchanged" and again.requests == 1 == len(fake.requests)
    assert fake.count("POST", r"data_sources/.*/query") == 1

    # A new run without the ledger (a scheduled runner): it finds the database and page.
    fake.reset_log()
    fresh = publisher(config).publish(item, markdown, dry_run=False)
    assert fresh.action == "unchanged" and writes(fake) == 0
    assert fresh.requests == 3  # list the parent, retrieve the database, 1 query
    assert len(review_pages(fake)) == 1


def test_a_change_replaces_the_generated_part_and_keeps_the_notes_word_for_word(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    run = publisher(config)
    created = run.publish(item, render_markdown(item, config.reviews, None), dry_run=False)
    page_id = str(created.remote_id)
    heading = next(
        b
        for b in fake.block_tree(page_id)
        if b["type"] == "heading_2" and b["heading_2"]["rich_text"][0]["plain_text"] == "Notes"
    )
    # The reader writes under the notes heading, including a nested to-do.
    note = [
        {
            "type": "paragraph",
            "paragraph": {
                "rich_text": [
                    {"type": "text", "text": {"content": "Mentor said: ship the "}},
                    {"type": "text", "text": {"content": "roadmap"}, "annotations": {"bold": True}},
                ]
            },
        },
        {
            "type": "to_do",
            "to_do": {
                "rich_text": [{"type": "text", "text": {"content": "Ask Ana about pricing"}}],
                "checked": True,
                "children": [
                    {
                        "type": "paragraph",
                        "paragraph": {
                            "rich_text": [{"type": "text", "text": {"content": "before Friday"}}]
                        },
                    }
                ],
            },
        },
    ]
    fake._store_blocks(page_id, note)
    children = fake.children[page_id]
    below = children[children.index(fake.blocks[heading["id"]]) :]
    before = [fake.render_block(b) for b in below]
    nested_before = fake.block_tree(below[-1]["id"])

    changed = review(score=90, completion=0.9)
    outcome = run.publish(changed, render_markdown(changed, config.reviews, None), dry_run=False)

    assert outcome.action == "updated"
    live = [b for b in fake.children[page_id] if not b["in_trash"]]
    start = next(i for i, b in enumerate(live) if b["id"] == heading["id"])
    after = [fake.render_block(b) for b in live[start:]]
    for old, new in zip(before, after, strict=True):  # same ids, same content
        assert {k: v for k, v in old.items() if k != "last_edited_time"} == {
            k: v for k, v in new.items() if k != "last_edited_time"
        }
    assert fake.block_tree(below[-1]["id"]) == nested_before
    text = lines(fake, page_id)
    assert text[0] == ("heading_1", "Monthly review 2026-10")
    assert any("Score 90/100" in t for _, t in text)
    assert not any("Score 78/100" in t for _, t in text)
    assert sum(1 for k, t in text if k == "heading_1") == 1
    (page,) = review_pages(fake)
    assert page["_values"]["Score"] == 90 and page["_values"]["Module completion"] == 0.9


def test_a_page_without_its_notes_heading_keeps_every_block(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    run = publisher(config)
    page_id = str(
        run.publish(item, render_markdown(item, config.reviews, None), dry_run=False).remote_id
    )
    for block in fake.children[page_id]:
        if (
            block["type"] == "heading_2"
            and block["heading_2"]["rich_text"][0]["plain_text"] == "Notes"
        ):
            block["in_trash"] = True  # the reader deleted the heading
    old = lines(fake, page_id)
    changed = review(score=90)
    outcome = run.publish(changed, render_markdown(changed, config.reviews, None), dry_run=False)
    assert outcome.action == "updated" and "was missing" in outcome.detail
    new = lines(fake, page_id)
    assert new[-len(old) :] == old  # everything that was there is still there, in order
    assert ("heading_2", "Notes") in new[: len(new) - len(old)]


def test_a_trashed_review_page_is_skipped_and_reported(
    fake: FakeNotion, config: Config, store: Store
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    outcome = publisher(config, store).publish(item, markdown, dry_run=False)
    record(store, item, outcome)
    fake.edit_page(str(outcome.remote_id), in_trash=True)
    fake.reset_log()

    changed = review(score=95)
    again = publisher(config, store).publish(
        changed, render_markdown(changed, config.reviews, None), dry_run=False
    )

    assert again.action == "skipped" and again.detail == TRASHED_DETAIL
    assert again.remote_id == outcome.remote_id
    assert writes(fake) == 0 and len(review_pages(fake)) == 1
    assert fake.pages[str(outcome.remote_id)]["in_trash"]


def test_a_run_killed_after_the_page_was_created_is_completed_not_duplicated(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    markdown = big_markdown(item, config)
    fake.crash_after_writes(4)  # database, upload pair, page: then the process dies
    with pytest.raises(PublishError):
        publisher(config).publish(item, markdown, dry_run=False)
    (page,) = review_pages(fake)
    assert not page["_values"].get(HASH)  # the hash is written last
    assert ("heading_2", "Notes") not in lines(fake, page["id"])
    fake.recover()

    outcome = publisher(config).publish(item, markdown, dry_run=False)

    assert outcome.action == "updated" and "interrupted" in outcome.detail
    (again,) = review_pages(fake)
    assert again["id"] == page["id"] and again["_values"][HASH]
    text = lines(fake, page["id"])
    assert sum(1 for k, t in text if k == "heading_1") == 1
    assert sum(1 for _, t in text if t == "entry 179") == 1
    assert sum(1 for k, _ in text if k == "image") == 1
    assert text.count(("heading_2", "Notes")) == 1
    assert publisher(config).publish(item, markdown, dry_run=False).action == "unchanged"


def test_an_oversize_review_is_split_within_every_limit(fake: FakeNotion, config: Config) -> None:
    item = review()
    markdown = big_markdown(item, config, rows=420)
    outcome = publisher(config).publish(item, markdown, dry_run=False)
    assert outcome.action == "created"
    appends = fake.count("PATCH", r"blocks/.*/children")
    assert appends >= 4 and fake.count("PATCH", r"blocks/.*/children", status=400) == 0
    assert all(len(r.body.get("children", [])) <= 100 for r in fake.requests)
    text = lines(fake, str(outcome.remote_id))
    entries = [t for _, t in text if t.startswith("entry ")]
    assert entries == [f"entry {n}" for n in range(420)]
    assert ("bulleted_list_item", "level four") in text
    long = "".join(t for k, t in text if k == "paragraph" and t.startswith("word"))
    assert long.split() == ["word"] * 1200
    # A change to an oversize page is inserted above the notes in order (after_block).
    changed = review(score=91)
    again = publisher(config).publish(
        changed, big_markdown(changed, config, rows=420), dry_run=False
    )
    assert again.action == "updated"
    text = lines(fake, str(outcome.remote_id))
    assert [t for _, t in text if t.startswith("entry ")] == [f"entry {n}" for n in range(420)]
    assert text[-2][0] == "heading_2" and text[-2][1] == "Notes"


def test_the_chart_upload_failing_still_publishes_with_a_text_trend(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    # An upload is safe to resend, so it fails only when every attempt (3 here) does.
    fake.fail("file_uploads", method="POST", status=500, times=3)
    outcome = publisher(config).publish(item, markdown, dry_run=False)

    assert outcome.action == "created"
    assert "chart upload failed" in outcome.detail and "as text" in outcome.detail
    text = lines(fake, str(outcome.remote_id))
    assert ("paragraph", "Score trend: 70 → 74 → 78") in text
    assert not any(k == "image" for k, _ in text)

    # The next run tries the chart again and swaps the text line for the image.
    again = publisher(config).publish(item, markdown, dry_run=False)
    assert again.action == "updated" and again.detail == ""
    text = lines(fake, str(outcome.remote_id))
    assert any(k == "image" for k, _ in text)
    assert ("paragraph", "Score trend: 70 → 74 → 78") not in text
    assert publisher(config).publish(item, markdown, dry_run=False).action == "unchanged"


def test_the_free_workspace_block_cap_is_one_plain_error(
    fake: FakeNotion, config: Config, fake_notion: FakeNotionServer
) -> None:
    fake.block_cap = 15
    item = review()
    with pytest.raises(PublishError) as raised:
        publisher(config).publish(item, render_markdown(item, config.reviews, None), dry_run=False)
    assert str(raised.value) == BLOCK_LIMIT_ERROR
    assert not review_pages(fake)

    # The compact template fits where the full one did not.
    compact = make_config(fake_notion, str(config.reviews.notion.parent), template="compact")
    # The pipeline renders the compact template for Notion; the publisher takes Markdown.
    outcome = publisher(compact).publish(
        item, render_with(compact, item, "compact.md.j2"), dry_run=False
    )
    assert outcome.action == "created"
    assert fake.live_blocks() <= 15
    assert ("heading_2", "Notes") in lines(fake, str(outcome.remote_id))


def test_a_dry_run_writes_nothing_and_counts_what_a_real_run_makes(
    fake: FakeNotion, config: Config
) -> None:
    item = review()
    markdown = big_markdown(item, config)
    dry = publisher(config).publish(item, markdown, dry_run=True)
    assert dry.action == "created" and writes(fake) == 0 and not fake.data_sources
    real = publisher(config).publish(item, markdown, dry_run=False)
    assert dry.requests == real.requests
    assert re.fullmatch(
        rf"dry run: would be created \({real.requests} requests; create the 'Career reviews' "
        r"database; upload the chart; create the page with \d+ blocks\)",
        dry.detail,
    ), dry.detail

    changed = review(score=88)
    changed_md = big_markdown(changed, config)
    fake.reset_log()
    dry = publisher(config).publish(changed, changed_md, dry_run=True)
    assert dry.action == "updated" and writes(fake) == 0
    real = publisher(config).publish(changed, changed_md, dry_run=False)
    assert dry.requests == real.requests
    removed = fake.count("DELETE", r"blocks/.*")
    assert dry.detail.startswith(
        f"dry run: would be updated ({real.requests} requests; upload the chart; "
    ), dry.detail
    assert f"; remove {plural(removed, 'block')}; " in dry.detail

    unchanged = publisher(config).publish(changed, changed_md, dry_run=True)
    assert unchanged.action == "unchanged"


def test_a_configured_database_is_used_and_a_new_kpi_becomes_a_property(
    fake: FakeNotion, fake_notion: FakeNotionServer
) -> None:
    database_id, ds_id = fake.add_database(
        "My reviews",
        {
            "Title": "title",
            "Period": "rich_text",
            "Kind": {"select": {"options": [{"name": "monthly"}]}},
        },
    )
    config = parse_config(
        {
            "sources": {"notion": {"base_url": fake_notion.url}},
            "reviews": {"notion": {"database": database_id}},
        }
    )
    item = review()
    outcome = publisher(config).publish(
        item, render_markdown(item, config.reviews, None), dry_run=False
    )
    assert outcome.action == "created"
    props = fake.data_sources[ds_id]["properties"]
    assert {"Score", "Module completion", HASH, "Draft"} <= set(props)
    (page,) = [p for p in fake.pages.values() if p["_data_source"] == ds_id]
    assert page["_values"]["Title"] == "Monthly review 2026-10"


# -- updates write only what changed ---------------------------------------------------------
#
# The test review's page, top-level blocks above the notes heading (12), in order:
#   0 heading_1 "Monthly review 2026-10"   1 paragraph (score)   2 paragraph (dates, trend)
#   3 image (the chart)   4 heading_2 KPIs   5 table (4 rows)   6 heading_2 What went well
#   7 bullet   8 heading_2 What to do next   9 bullet with a nested bullet
#   10 heading_2 For the next mentor session   11 bullet
# then heading_2 Notes and the line below it. Two blocks have children: the table (5) and
# the bullet (9); comparing either takes one listing of its children.


def content(fake: FakeNotion, block_id: str) -> list[Any]:
    """The live blocks under `block_id` as (type, text, children): text, captions, cells."""
    out: list[Any] = []
    for block in fake.block_tree(block_id):
        kind = block["type"]
        body = block[kind]
        items = body.get("caption" if kind == "image" else "rich_text") or []
        text = "".join(i["plain_text"] for i in items)
        if kind == "table_row":
            text = " | ".join("".join(i["plain_text"] for i in cell) for cell in body["cells"])
        out.append((kind, text, content(fake, block["id"])))
    return out


def top_ids(fake: FakeNotion, page_id: str) -> list[str]:
    return [str(b["id"]) for b in fake.block_tree(page_id)]


def fresh_page(
    fake: FakeNotion, server: FakeNotionServer, item: Review, markdown: str
) -> list[Any]:
    """What publishing `markdown` to a new page shows (in a database of its own)."""
    other = make_config(server, fake.add_page_container("Fresh copy"))
    outcome = publisher(other).publish(item, markdown, dry_run=False)
    return content(fake, str(outcome.remote_id))


def appended(fake: FakeNotion) -> dict[str, Any]:
    (append,) = [r for r in fake.requests if r.method == "PATCH" and r.path.startswith("blocks/")]
    return append.body


def test_a_one_kpi_change_rewrites_that_block_only_and_keeps_the_rest_in_place(
    fake: FakeNotion, config: Config, fake_notion: FakeNotionServer
) -> None:
    item = review()
    run = publisher(config)
    page_id = str(
        run.publish(item, render_markdown(item, config.reviews, None), dry_run=False).remote_id
    )
    fake.add_blocks(
        page_id,
        [
            {
                "type": "paragraph",
                "paragraph": {"rich_text": [{"type": "text", "text": {"content": "My note"}}]},
            }
        ],
    )
    ids = top_ids(fake, page_id)
    assert len(ids) == 18 + 3  # the generated part, the heading, its line, the note
    notes_before = [fake.render_block(fake.blocks[i]) for i in ids[18:]]

    # Learning minutes (an info KPI: no score, so no change to the score or the trend)
    # moves from 5 h 20 min to 6 h 40 min: only its row of the KPI table changes.
    changed = review(minutes=400)
    markdown = render_markdown(changed, config.reviews, None)
    # Worked out by hand: 1 query + 1 list of the page + 1 listing of children (the
    # first action's nested bullet 5, equal; the table is then the one pair left between
    # the kept ends, the change itself, so its rows are not listed) + 1 delete (the table)
    # + 1 append (the new table, after "## KPIs") + 1 properties update = 6. The chart
    # keeps its block: nothing is uploaded. Replacing every block would take 24: 1 query
    # + 1 list + 18 deletes + 1 append + 2 upload + 1 update.
    fake.reset_log()
    dry = run.publish(changed, markdown, dry_run=True)
    assert dry.requests == 6 and writes(fake) == 0
    assert dry.detail == (
        "dry run: would be updated (6 requests; remove 1 block; add 5 blocks; "
        "keep 17 blocks; write the properties)"
    )
    fake.reset_log()
    outcome = run.publish(changed, markdown, dry_run=False)

    assert outcome.action == "updated" and outcome.detail == ""
    assert outcome.requests == 6 == len(fake.requests)
    assert fake.count("GET", r"blocks/.*/children") == 2
    assert fake.count("DELETE") == 1 and fake.count("DELETE", f"blocks/{ids[8]}") == 1
    assert fake.count("PATCH", r"blocks/.*/children") == 1
    assert fake.count("POST", "file_uploads") == 0
    assert fake.count("PATCH", f"pages/{page_id}") == 1
    assert appended(fake)["position"] == {"type": "after_block", "after_block": {"id": ids[7]}}
    after = top_ids(fake, page_id)
    assert after[:8] == ids[:8] and after[9:] == ids[9:] and after[8] != ids[8]
    assert [fake.render_block(fake.blocks[i]) for i in after[18:]] == notes_before
    tree = content(fake, page_id)
    assert ("table_row", "Learning minutes | – | 6 h 40 min | – | 🔵 info", []) in tree[8][2]
    assert tree[:20] == fresh_page(fake, fake_notion, changed, markdown)
    assert tree[20] == ("paragraph", "My note", [])
    (page,) = [p for p in review_pages(fake) if p["id"] == page_id]
    assert page["_values"]["Learning minutes"] == 400
    assert page["_values"][HASH] == content_hash(split_notes(markdown, "Notes")[0])

    # A new score changes the trend: the chart gets a new upload and a new block.
    scored = review(score=90, minutes=400)
    fake.reset_log()
    again = run.publish(scored, render_markdown(scored, config.reviews, None), dry_run=False)
    assert again.action == "updated"
    assert fake.count("POST", "file_uploads") == 1
    newer = top_ids(fake, page_id)
    assert newer[0] == ids[0] and newer[3] != ids[3] and newer[4:] == after[4:]
    chart = fake.blocks[newer[3]]
    assert chart["type"] == "image"
    assert (
        "".join(i["plain_text"] for i in chart["image"]["caption"])
        == chart_caption(scored.trend)
        == "Score trend, 2026-08 to 2026-10: 70 → 74 → 90"
    )


@pytest.mark.parametrize(
    ("where", "old", "new", "kept_from"),
    [
        ("start", "# Monthly review 2026-10\n", "# Monthly review 2026-10 (revised)\n", None),
        (
            "end",
            "given where the goals stand?\n\n## Notes",
            "given where the goals stand now?\n\n## Notes",
            16,
        ),
    ],
)
def test_a_change_at_the_very_start_or_end_rewrites_one_block(
    fake: FakeNotion,
    config: Config,
    fake_notion: FakeNotionServer,
    where: str,
    old: str,
    new: str,
    kept_from: int | None,
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    run = publisher(config)
    page_id = str(run.publish(item, markdown, dry_run=False).remote_id)
    ids = top_ids(fake, page_id)
    edited = markdown.replace(old, new, 1)
    assert edited != markdown
    fake.reset_log()
    outcome = run.publish(item, edited, dry_run=False)

    # By hand: 1 query + 1 list + 2 listings (the nested bullet and the table, both
    # equal) + 1 delete + 1 append + 1 update = 7.
    assert outcome.action == "updated" and outcome.requests == 7 == len(fake.requests)
    changed = 0 if where == "start" else 17
    assert fake.count("DELETE") == 1 and fake.count("DELETE", f"blocks/{ids[changed]}") == 1
    position = appended(fake)["position"]
    if kept_from is None:
        assert position == {"type": "start"}  # nothing above it to go after
    else:
        assert position == {"type": "after_block", "after_block": {"id": ids[kept_from]}}
    after = top_ids(fake, page_id)
    assert len(after) == len(ids) and after[changed] != ids[changed]
    assert [a for n, a in enumerate(after) if n != changed] == [
        i for n, i in enumerate(ids) if n != changed
    ]
    assert content(fake, page_id) == fresh_page(fake, fake_notion, item, edited)


def test_a_change_inside_a_nested_list_rewrites_its_top_level_block(
    fake: FakeNotion, config: Config, fake_notion: FakeNotionServer
) -> None:
    item = review()
    markdown = render_markdown(item, config.reviews, None)
    run = publisher(config)
    page_id = str(run.publish(item, markdown, dry_run=False).remote_id)
    ids = top_ids(fake, page_id)
    nested = top_ids(fake, ids[5])
    edited = markdown.replace("   - Last session 2026-09-20", "   - Last session 2026-10-01")
    assert edited != markdown
    fake.reset_log()
    outcome = run.publish(item, edited, dry_run=False)

    # By hand: 1 query + 1 list + 2 listings (action 5: its nested bullet differs; then
    # the table from the end: equal) + 1 delete (action 5) + 1 append (the action with its
    # nested bullet) + 1 update = 7.
    assert outcome.action == "updated" and outcome.requests == 7 == len(fake.requests)
    assert fake.count("GET", r"blocks/.*/children") == 3
    assert fake.count("DELETE") == 1 and fake.count("DELETE", f"blocks/{ids[5]}") == 1
    assert appended(fake)["position"] == {"type": "after_block", "after_block": {"id": ids[4]}}
    after = top_ids(fake, page_id)
    assert after[:5] == ids[:5] and after[6:] == ids[6:] and after[5] != ids[5]
    assert top_ids(fake, after[5]) != nested
    tree = content(fake, page_id)
    assert tree[5][2] == [("bulleted_list_item", "Last session 2026-10-01", [])]
    assert tree == fresh_page(fake, fake_notion, item, edited)
