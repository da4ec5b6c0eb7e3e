"""Notion review pages, the pure parts: content keys, copyable bodies, kept ends, steps.

Listed blocks are in the shape Notion returns them (ids, `plain_text`, `href`, every
annotation spelled out, `color: "default"`); blocks to send are `Block`s as the
publisher builds them. The publisher over HTTP is tested in tests/e2e/test_notion_publish.py.
"""

from __future__ import annotations

from typing import Any

from careerloop.connectors.notion.blocks import AppendBatch, Block
from careerloop.connectors.notion.publish import (
    REVIEWS_TITLE,
    _Ends,
    _key,
    _leading_matches,
    _page_steps,
    _PageWrites,
    _rich_key,
    _writable_body,
)
from careerloop.connectors.publishing import Step

PLAIN = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


def listed_text(content: str, *, link: str | None = None, **flags: Any) -> dict[str, Any]:
    """A rich text item as Notion lists it."""
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": {**PLAIN, **flags},
        "plain_text": content,
        "href": link,
    }


def listed(kind: str, *texts: dict[str, Any], **body: Any) -> dict[str, Any]:
    """A block as `blocks.children.list` returns it."""
    return {
        "object": "block",
        "id": f"id-{kind}-{len(texts)}",
        "type": kind,
        "has_children": False,
        "in_trash": False,
        kind: {"rich_text": list(texts), "color": "default", **body},
    }


def paragraph(text: str) -> Block:
    return Block("paragraph", {"rich_text": [{"type": "text", "text": {"content": text}}]})


def test_rich_text_compares_by_what_shows_not_how_it_is_cut() -> None:
    # Notion splits one run into two items and adds plain_text, href and default flags.
    split = [listed_text("Ship "), listed_text("smaller")]
    sent = [{"type": "text", "text": {"content": "Ship smaller"}}]
    assert _rich_key(split) == _rich_key(sent) == (("text", "Ship smaller", None, ()),)
    bold = [listed_text("Ship", bold=True), listed_text(" smaller")]
    assert _rich_key(bold) == (("text", "Ship", None, ("bold",)), ("text", " smaller", None, ()))
    linked = [listed_text("docs", link="https://example.com", color="red")]
    assert _rich_key(linked) == (("text", "docs", "https://example.com", ("color=red",)),)
    assert _rich_key([listed_text(""), "not an item"]) == ()  # nothing shows


def test_a_listed_block_and_the_block_sent_have_the_same_key() -> None:
    on_page = listed("paragraph", listed_text("Score 78/100"))
    assert _key(on_page) == _key(paragraph("Score 78/100"))
    assert _key(on_page) != _key(paragraph("Score 80/100"))
    done = listed("to_do", listed_text("Book the 1:1"), checked=True)
    open_item = Block(
        "to_do",
        {"rich_text": [{"type": "text", "text": {"content": "Book the 1:1"}}], "checked": False},
    )
    assert _key(done) != _key(open_item)


def test_a_listed_block_becomes_a_body_that_can_be_sent_back() -> None:
    body = _writable_body(
        "callout",
        {
            "rich_text": [listed_text("Keep this")],
            "icon": {"type": "emoji", "emoji": "💡"},
            "color": "gray_background",
            "children": [],
        },
    )
    assert body == {
        "rich_text": [
            {"type": "text", "text": {"content": "Keep this", "link": None}, "annotations": PLAIN}
        ],
        "icon": {"type": "emoji", "emoji": "💡"},
        "color": "gray_background",
    }
    uploaded_icon = _writable_body(
        "callout", {"rich_text": [], "icon": {"type": "file", "file": {"url": "https://s3/x.png"}}}
    )
    assert uploaded_icon == {"rich_text": []}  # an uploaded icon cannot be sent back
    row = _writable_body("table_row", {"cells": [[listed_text("a")], []]})
    assert row == {
        "cells": [
            [{"type": "text", "text": {"content": "a", "link": None}, "annotations": PLAIN}],
            [],
        ]
    }


def test_hosted_files_child_pages_and_synced_blocks_cannot_be_copied() -> None:
    hosted = {
        "type": "file",
        "file": {
            "url": "https://s3.example/x.png?X-Amz=1",
            "expiry_time": "2026-12-01T13:00:00.000Z",
        },
        "caption": [],
    }
    assert _writable_body("image", hosted) is None
    external = {
        "type": "external",
        "external": {"url": "https://example.com/chart.png"},
        "caption": [listed_text("chart")],
    }
    assert _writable_body("image", external) == {
        "type": "external",
        "external": {"url": "https://example.com/chart.png"},
        "caption": [
            {"type": "text", "text": {"content": "chart", "link": None}, "annotations": PLAIN}
        ],
    }
    assert _writable_body("child_page", {"title": "Mine"}) is None
    assert _writable_body("synced_block", {"synced_from": None}) is None
    assert _writable_body("paragraph", None) is None


def test_kept_ends_take_equal_blocks_from_both_sides() -> None:
    old = [_key(paragraph(t)) for t in ("title", "score", "old KPI row", "actions")]
    new_blocks = [paragraph(t) for t in ("title", "score", "new KPI row", "actions")]
    ends = _Ends(old, [_key(b) for b in new_blocks], new_blocks)
    ends.grow()
    # 2 equal at the start, 1 at the end; the one pair left is the change itself.
    assert (ends.head, ends.tail) == (2, 1)
    assert ends.settled()


def test_a_block_with_children_waits_for_its_subtree() -> None:
    parent = Block("bulleted_list_item", paragraph("Action").body, [paragraph("record")])
    new_blocks = [paragraph("title"), parent, paragraph("changed")]
    old = [_key(paragraph("title")), _key(parent), _key(paragraph("was"))]
    ends = _Ends(old, [_key(b) for b in new_blocks], new_blocks)
    ends.grow()
    assert (ends.head, ends.tail) == (1, 0) and ends.open_head
    assert not ends.settled() and ends.pending() == (1, 1)
    ends.decide(True)  # the subtrees were equal: kept
    ends.grow()
    assert (ends.head, ends.tail) == (2, 0) and ends.settled()


def test_leftovers_of_a_killed_run_are_matched_from_the_start() -> None:
    page = [
        listed("heading_1", listed_text("Monthly review 2026-10")),
        listed("paragraph", listed_text("Score 78/100")),
        listed("paragraph", listed_text("a note of the reader")),
    ]
    going_in = [
        Block(
            "heading_1",
            {"rich_text": [{"type": "text", "text": {"content": "Monthly review 2026-10"}}]},
        ),
        paragraph("Score 78/100"),
        paragraph("Something else"),
    ]
    assert _leading_matches(page, going_in) == 2
    assert _leading_matches(page, []) == 0


def test_page_steps_count_the_requests_of_a_new_and_a_changed_page() -> None:
    blocks = [paragraph(str(n)) for n in range(150)]
    two_batches = [
        AppendBatch(parent=None, children=[], blocks=100),
        AppendBatch(parent=None, children=[], blocks=50),
    ]
    created = _PageWrites(
        "created", None, blocks=blocks, batches=two_batches, missing={"Score": {"number": {}}}
    )
    # 1 create + 1 append after it + 1 hash update = 3 for the page.
    assert _page_steps(created, create_database=True, upload=True) == [
        Step(f"create the {REVIEWS_TITLE!r} database"),
        Step("add 1 property to the Reviews database"),
        Step("upload the chart", 2),
        Step("create the page with 150 blocks", 3),
    ]
    changed = _PageWrites(
        "updated",
        None,
        remove=["a", "b"],
        blocks=blocks[:5],
        batches=[AppendBatch(parent=None, children=[], blocks=5)],
        kept=17,
    )
    steps = _page_steps(changed, create_database=False, upload=False)
    assert steps == [
        Step("remove 2 blocks", 2),
        Step("add 5 blocks", 1),
        Step("keep 17 blocks", 0),
        Step("write the properties", 1),
    ]
    assert sum(s.requests for s in steps) == 4  # 2 deletes + 1 append + 1 update
