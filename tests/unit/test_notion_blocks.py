"""Markdown -> Notion blocks -> append requests, checked against Notion's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from careerloop.connectors.notion.blocks import (
    NOTION_LIMITS,
    AppendBatch,
    Block,
    BlockRef,
    Limits,
    blocks_to_text,
    code_language,
    count_blocks,
    markdown_to_blocks,
    notion_rich_text,
    plain_text,
    plan_appends,
    request_size,
    resolve_parent,
    utf16_len,
)
from tests.fakes.notion_limits import validate_children, validate_rich_text

Node = dict[str, Any]


# --- a Notion stand-in: applies batches the way the API would -------------------------------


def _node(block_json: Node) -> Node:
    kind = block_json["type"]
    body = dict(block_json[kind])
    children = [_node(child) for child in body.pop("children", [])]
    return {"type": kind, "body": body, "children": children}


def _as_json(node: Node) -> Node:
    return {"type": node["type"], node["type"]: node["body"]}


def _apply(
    batches: Sequence[AppendBatch], *, into_create: bool = False, limits: Limits = NOTION_LIMITS
) -> list[Node]:
    """The page after running `batches` in order; every request validated first."""
    page: list[Node] = []
    created: list[list[Node]] = []
    for number, batch in enumerate(batches):
        parent: Node | None = None
        target = page
        if batch.parent is not None:
            ref = batch.parent
            assert ref.batch < number, "a batch may only refer to an earlier one"
            assert not (into_create and ref.batch == 0), "pages.create lists no created ids"
            parent = created[ref.batch][ref.index]
            target = parent["children"]
        errors = validate_children(
            batch.children,
            depth_allowed=limits.max_depth,
            max_children=limits.max_children,
            max_blocks=limits.max_blocks,
            parent=_as_json(parent) if parent else None,
        )
        assert errors == [], errors[:5]
        nodes = [_node(child) for child in batch.children]
        target.extend(nodes)
        created.append(nodes)
    return page


def _tree(blocks: Sequence[Block]) -> list[Node]:
    return [_node(block.to_notion()) for block in blocks]


def _round_trip(markdown: str, **options: Any) -> tuple[list[Block], list[AppendBatch]]:
    blocks = markdown_to_blocks(markdown)
    batches = plan_appends(blocks, **options)
    assert _apply(batches, into_create=options.get("first_into_create", False),
                  limits=options.get("limits", NOTION_LIMITS)) == _tree(blocks)
    return blocks, batches


def _rich(block: Block) -> list[Node]:
    rich: list[Node] = block.body["rich_text"]
    return rich


# --- constructs ------------------------------------------------------------------------------


def test_headings_map_to_levels_one_to_three() -> None:
    blocks = markdown_to_blocks("# A\n\n## B\n\n### C\n\n#### D\n\n###### E\n\nSetext\n===\n")
    assert [b.type for b in blocks] == [
        "heading_1", "heading_2", "heading_3", "heading_3", "heading_3", "heading_1"
    ]
    assert plain_text(_rich(blocks[3])) == "D"


def test_inline_styles_become_annotations_and_links() -> None:
    [block] = markdown_to_blocks(
        "Plain **bold** *it* ~~gone~~ `x = 1` [site](https://example.com/a?b=1) "
        "***both*** [**strong link**](https://example.com)"
    )
    items = _rich(block)
    by_text = {item["text"]["content"]: item for item in items}
    assert by_text["bold"]["annotations"] == {"bold": True}
    assert by_text["it"]["annotations"] == {"italic": True}
    assert by_text["gone"]["annotations"] == {"strikethrough": True}
    assert by_text["x = 1"]["annotations"] == {"code": True}
    assert by_text["site"]["text"]["link"] == {"url": "https://example.com/a?b=1"}
    assert by_text["both"]["annotations"] == {"bold": True, "italic": True}
    assert by_text["strong link"]["annotations"] == {"bold": True}
    assert by_text["strong link"]["text"]["link"] == {"url": "https://example.com"}
    assert "annotations" not in by_text["Plain "]


def test_relative_links_and_autolinked_mail_stay_plain_text() -> None:
    [block] = markdown_to_blocks("[notes](notes.md) and <me@example.com>")
    assert all("link" not in item["text"] for item in _rich(block))
    assert plain_text(_rich(block)) == "notes and me@example.com"


def test_lists_and_todos_nest() -> None:
    blocks = markdown_to_blocks(
        "- one\n  - [ ] open\n  - [x] done\n- two\n\n1. first\n2. second\n   - inner\n"
    )
    assert [b.type for b in blocks] == [
        "bulleted_list_item", "bulleted_list_item", "numbered_list_item", "numbered_list_item"
    ]
    todo_open, todo_done = blocks[0].children
    assert (todo_open.type, todo_open.body["checked"], plain_text(_rich(todo_open))) == (
        "to_do", False, "open"
    )
    assert (todo_done.type, todo_done.body["checked"]) == ("to_do", True)
    assert blocks[3].children[0].type == "bulleted_list_item"


def test_nested_list_four_levels_deep_needs_follow_up_appends() -> None:
    markdown = "- level 1\n  - level 2\n    - level 3\n      - level 4\n- after\n"
    blocks, batches = _round_trip(markdown)
    assert len(batches) == 2
    first, second = batches
    assert first.parent is None and len(first.children) == 2
    assert "children" not in first.children[0]["bulleted_list_item"]  # cut: level 2 waits
    assert second.parent == BlockRef(0, 0)  # levels 2 to 4 in one request
    assert second.children[0]["bulleted_list_item"]["children"][0]["bulleted_list_item"][
        "children"
    ][0]["bulleted_list_item"]["rich_text"][0]["text"]["content"] == "level 4"
    assert blocks_to_text(blocks).split("\n") == [
        "level 1", "level 2", "level 3", "level 4", "after"
    ]


def test_table_rows_are_rich_text_cells() -> None:
    [table] = markdown_to_blocks("| Goal | Score |\n|---|---:|\n| **Ship** | 9 |\n| Learn |\n")
    assert table.type == "table"
    assert table.body == {"table_width": 2, "has_column_header": True, "has_row_header": False}
    rows = [row.body["cells"] for row in table.children]
    assert [[plain_text(cell) for cell in row] for row in rows] == [
        ["Goal", "Score"], ["Ship", "9"], ["Learn", ""]
    ]
    assert rows[1][0][0]["annotations"] == {"bold": True}


def test_quote_that_starts_with_an_emoji_is_a_callout() -> None:
    callout, quote, symbol = markdown_to_blocks(
        "> 💡 Tip: practise daily\n> every day\n\n> A plain quote\n\n> → not an icon\n"
    )
    assert callout.type == "callout"
    assert callout.body["icon"] == {"type": "emoji", "emoji": "💡"}
    assert plain_text(_rich(callout)) == "Tip: practise daily every day"
    assert quote.type == "quote" and symbol.type == "quote"


def test_callout_icon_keeps_whole_emoji_sequences() -> None:
    [callout] = markdown_to_blocks("> 👩🏽‍💻 **Pairing** notes\n>\n> second paragraph")
    assert callout.body["icon"]["emoji"] == "👩🏽‍💻"
    assert plain_text(_rich(callout)) == "Pairing notes"
    assert [child.type for child in callout.children] == ["paragraph"]


def test_code_blocks_map_languages() -> None:
    blocks = markdown_to_blocks(
        "```py\nprint(1)\n```\n\n```ts\nlet a\n```\n\n```brainfuck\n+\n```\n\n    indented\n"
    )
    assert [b.body["language"] for b in blocks] == ["python", "typescript", "plain text",
                                                    "plain text"]
    assert plain_text(_rich(blocks[0])) == "print(1)"
    assert code_language("C++ {linenos}") == "c++"
    assert code_language("") == "plain text"


def test_divider_image_and_comments() -> None:
    blocks = markdown_to_blocks(
        "<!-- generated: keep -->\n\nBefore ![trend](https://example.com/t.png) after\n\n"
        "---\n\nText <!-- hidden --> on\n\n![rel](chart.png)\n"
    )
    assert [b.type for b in blocks] == ["paragraph", "image", "paragraph", "divider",
                                        "paragraph", "paragraph"]
    image = blocks[1]
    assert image.body["external"] == {"url": "https://example.com/t.png"}
    assert plain_text(image.body["caption"]) == "trend"
    assert plain_text(_rich(blocks[4])) == "Text  on"
    assert plain_text(_rich(blocks[5])) == "rel"  # a relative image is its alt text


def test_long_paragraph_is_split_at_word_boundaries() -> None:
    words = [f"word{i:04d}" for i in range(600)]
    text = " ".join(words)
    assert len(text) > 5000
    [block] = markdown_to_blocks(text)
    items = _rich(block)
    assert len(items) == 3
    assert all(utf16_len(item["text"]["content"]) <= 2000 for item in items)
    assert all(item["text"]["content"].endswith(" ") for item in items[:-1])
    assert plain_text(items) == text


def test_emoji_count_two_units_and_are_never_cut_in_half() -> None:
    word = "👩🏽‍💻" * 700  # 7 UTF-16 units each: no whitespace to cut at
    [block] = markdown_to_blocks(word)
    items = _rich(block)
    assert all(utf16_len(item["text"]["content"]) <= 2000 for item in items)
    assert all(len(item["text"]["content"]) % 4 == 0 for item in items)  # whole sequences
    assert plain_text(items) == word


def test_long_link_text_keeps_its_link_on_every_piece() -> None:
    text = " ".join(["linked"] * 900)
    [block] = markdown_to_blocks(f"see [{text}](https://example.com/doc) end")
    linked = [item for item in _rich(block) if "link" in item["text"]]
    assert len(linked) >= 3
    assert {item["text"]["link"]["url"] for item in linked} == {"https://example.com/doc"}
    assert "".join(item["text"]["content"] for item in linked) == text


def test_link_with_overlong_url_becomes_plain_text() -> None:
    url = "https://example.com/" + "a" * 2480
    [block] = markdown_to_blocks(f"[the report]({url}) and [ok](https://example.com)")
    items = _rich(block)
    assert "link" not in items[0]["text"]
    assert plain_text(items).startswith("the report and ")
    assert items[-1]["text"]["link"] == {"url": "https://example.com"}
    assert validate_rich_text(items) == []


def test_more_than_100_rich_text_items_continue_in_a_following_block() -> None:
    markdown = " ".join(f"**b{i}** i{i}" for i in range(120))  # 240 runs
    blocks = markdown_to_blocks(markdown)
    assert [b.type for b in blocks] == ["paragraph"] * 3
    assert all(len(_rich(b)) <= 100 for b in blocks)
    assert "".join(plain_text(_rich(b)) for b in blocks) == markdown.replace("**", "")


def test_list_of_250_items_goes_out_in_three_batches() -> None:
    markdown = "\n".join(f"- item {i}" for i in range(250))
    blocks, batches = _round_trip(markdown)
    assert [len(batch.children) for batch in batches] == [100, 100, 50]
    assert all(batch.parent is None for batch in batches)
    assert batches[1].after == BlockRef(0, 99) and batches[2].after == BlockRef(1, 99)


def test_more_than_100_children_of_one_item_are_appended_to_it() -> None:
    markdown = "- parent\n" + "\n".join(f"  - child {i}" for i in range(150))
    _, batches = _round_trip(markdown)
    assert len(batches[0].children[0]["bulleted_list_item"]["children"]) == 100
    assert batches[1].parent == BlockRef(0, 0) and len(batches[1].children) == 50


def test_table_deep_in_a_list_is_created_with_its_rows() -> None:
    markdown = "- a\n  - b\n\n    | x | y |\n    |---|---|\n    | 1 | 2 |\n"
    blocks, batches = _round_trip(markdown)
    assert blocks[0].children[0].children[0].type == "table"
    assert len(batches) == 2 and batches[1].parent == BlockRef(0, 0)
    table = batches[1].children[0]["bulleted_list_item"]["children"][0]
    assert table["type"] == "table" and len(table["table"]["children"]) == 2


def test_table_with_150_rows_gets_the_rest_appended() -> None:
    markdown = "| n |\n|---|\n" + "\n".join(f"| {i} |" for i in range(150))
    _, batches = _round_trip(markdown)
    assert len(batches) == 2 and batches[1].parent == BlockRef(0, 0)


def test_request_byte_cap_splits_before_the_children_cap() -> None:
    markdown = "\n\n".join("💡" * 900 for _ in range(150))  # ~11 KB of JSON each
    _, batches = _round_trip(markdown)
    assert len(batches) > 2
    assert all(request_size(batch.children) <= 500_000 for batch in batches)


def test_request_block_cap() -> None:
    # 30 items with 50 children each: 1530 blocks, more than one request may hold.
    markdown = "\n".join(
        f"- item {i}\n" + "\n".join(f"  - sub {i}.{j} " + "x" * 300 for j in range(50))
        for i in range(30)
    )
    blocks, batches = _round_trip(markdown)
    assert count_blocks(blocks) == 1530
    assert all(batch.blocks <= 1000 for batch in batches)
    assert sum(batch.blocks for batch in batches) == 1530


def test_first_batch_for_pages_create_is_never_referred_to() -> None:
    markdown = "intro\n\n- a\n  - b\n    - c\n      - d\n\nend\n"
    _, batches = _round_trip(markdown, first_into_create=True)
    assert [child["type"] for child in batches[0].children] == ["paragraph"]
    assert batches[1].after is None  # right after the create: append at the end


def test_empty_markdown_plans_an_empty_create() -> None:
    assert markdown_to_blocks("") == []
    assert plan_appends([]) == []
    [batch] = plan_appends([], first_into_create=True)
    assert batch.children == [] and batch.parent is None


def test_resolve_parent_reads_ids_from_earlier_responses() -> None:
    batch = AppendBatch(parent=BlockRef(1, 2), children=[], blocks=0)
    assert resolve_parent(batch, "page", [[], ["a", "b", "c"]]) == "c"
    assert resolve_parent(AppendBatch(None, [], 0), "page", []) == "page"
    with pytest.raises(LookupError):
        resolve_parent(batch, "page", [[]])


def test_notion_rich_text_for_properties() -> None:
    assert notion_rich_text("Score 78") == [{"type": "text", "text": {"content": "Score 78"}}]
    huge = notion_rich_text("word " * 100_000, max_items=25)
    assert len(huge) == 25 and validate_rich_text(huge) == []
    assert huge[-1]["text"]["content"].endswith("…")
    assert notion_rich_text("") == []


def test_validator_reports_what_notion_rejects() -> None:
    deep = {"type": "paragraph", "paragraph": {"rich_text": [], "children": [
        {"type": "paragraph", "paragraph": {"rich_text": [], "children": [
            {"type": "paragraph", "paragraph": {"rich_text": [], "children": [
                {"type": "paragraph", "paragraph": {"rich_text": []}}]}}]}}]}}
    too_long = {"type": "paragraph", "paragraph": {"rich_text": [
        {"type": "text", "text": {"content": "💡" * 1001}}]}}
    bad_link = {"type": "text", "text": {"content": "x", "link": {"url": "notes.md"}}}
    errors = validate_children([deep, too_long])
    assert any("should be not present" in error for error in errors)
    assert any("should be ≤ 2000, instead was 2002" in error for error in errors)
    assert validate_rich_text([bad_link]) != []
    assert validate_children([{"type": "paragraph", "paragraph": {"rich_text": []}}] * 101)
    assert validate_children([{"type": "table", "table": {"table_width": 1}}])
    assert validate_children([{"type": "code", "code": {"rich_text": [], "language": "py"}}])


def test_review_template_output_fits_one_create() -> None:
    markdown = (
        "# October 2026 review\n\n> **Draft:** still running.\n\n**Score 78/100** · 🟢 on track\n"
        "\n## KPIs\n\n| KPI | Target | Value |\n|---|---|---|\n| Modules | 80% | 75% |\n\n"
        "## What to do next\n\n- ⚠️ **Unaligned learning** — link modules\n  - SQL basics\n"
        "\n## Refine the plan\n\n- [ ] Book a mentor session\n\n## Notes\n\n_Yours._\n"
    )
    blocks, batches = _round_trip(markdown, first_into_create=True)
    assert len(batches) == 1
    assert "Notes" in blocks_to_text(blocks)


# --- property-based: any Markdown, every request within the limits --------------------------

ATOMS = list("abcxyzXYZ0189éüñß") + list("שלוםעולם") + list("مرحبا") + list("日本語한국") + [
    "💡", "🚀", "✅", "⚠️", "👩🏽‍💻", "🇩🇪", "e\u0301",
]
EMOJI = ["💡", "✅", "⚠️", "🚀", "👩🏽‍💻", "🇩🇪"]

words = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=10).map("".join)
long_words = st.tuples(st.sampled_from(["x", "é", "💡", "ש", "日", "👩🏽‍💻"]),
                       st.integers(300, 2600)).map(lambda t: t[0] * (t[1] // len(t[0])))
urls = st.sampled_from([
    "https://example.com/a", "https://example.org/path?q=1#x", "notes/relative.md",
    "https://example.com/" + "p" * 2100,
])
inline = st.one_of(
    words,
    words.map(lambda w: f"**{w}**"),
    words.map(lambda w: f"*{w}*"),
    words.map(lambda w: f"~~{w}~~"),
    words.map(lambda w: f"`{w}`"),
    st.tuples(st.lists(words, min_size=1, max_size=4), urls).map(
        lambda t: f"[{' '.join(t[0])}]({t[1]})"
    ),
    st.tuples(words, st.sampled_from(["https://example.com/c.png", "img.png"])).map(
        lambda t: f"![{t[0]}]({t[1]})"
    ),
    st.just("<!-- note -->"),
)
sentences = st.lists(inline, min_size=1, max_size=8).map(" ".join)
paragraphs = st.tuples(
    st.lists(inline, max_size=6), st.lists(long_words, max_size=2), st.lists(inline, max_size=6)
).map(lambda t: " ".join(t[0] + t[1] + t[2]) or "x")
headings = st.tuples(st.integers(1, 6), sentences).map(lambda t: "#" * t[0] + " " + t[1])
code_blocks = st.tuples(
    st.sampled_from(["", "py", "python", "js", "no-such-lang", "sh", "SQL"]),
    st.lists(st.one_of(words, long_words, st.just("    if x:")), max_size=6),
).map(lambda t: f"```{t[0]}\n" + "\n".join(t[1]) + "\n```")
quotes = st.tuples(st.sampled_from(["", *(e + " " for e in EMOJI)]),
                   st.lists(sentences, min_size=1, max_size=3)).map(
    lambda t: "> " + t[0] + "\n>\n> ".join(t[1])
)
tables = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(sentences, min_size=width, max_size=width),
                           min_size=1, max_size=6)
).map(lambda rows: "\n".join(
    ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    + ["| " + " | ".join(row) + " |" for row in rows[1:]]
))
MARKERS = ["- ", "* ", "1. ", "- [ ] ", "- [x] "]


def _list_items(depth: int) -> st.SearchStrategy[list[tuple[str, str, list[Any]]]]:
    children = st.just([]) if depth >= 5 else st.one_of(st.just([]), _list_items(depth + 1))
    return st.lists(st.tuples(st.sampled_from(MARKERS), sentences, children),
                    min_size=1, max_size=3)


def _render_list(items: list[tuple[str, str, list[Any]]], indent: str = "") -> str:
    lines = []
    for marker, text, children in items:
        lines.append(f"{indent}{marker}{text}")
        if children:
            width = len(marker) - (4 if "[" in marker else 0)
            lines.append(_render_list(children, indent + " " * width))
    return "\n".join(lines)


nested_lists = _list_items(0).map(_render_list)
long_lists = st.integers(90, 260).map(lambda n: "\n".join(f"- item {i}" for i in range(n)))
documents = st.lists(
    st.one_of(paragraphs, headings, code_blocks, quotes, tables, nested_lists, long_lists,
              st.just("---"), st.just("<!-- hidden comment -->")),
    max_size=6,
).map("\n\n".join)

BOUNDED = settings(max_examples=120, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _inline_text(tokens: Sequence[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "html_inline":
            parts.append(re.sub(r"<!--.*?-->", "", token.content, flags=re.DOTALL))
        elif token.type == "image":
            parts.append(" " + _inline_text(token.children or []) + " ")
    return "".join(parts)


def _markdown_text(markdown: str) -> str:
    """The text a reader sees in the Markdown, whitespace-normalised."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parts = []
    for token in parser.parse(markdown):
        if token.type == "inline":
            parts.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.type == "html_block":
            parts.append(re.sub(r"<!--.*?(-->|$)", "", token.content, flags=re.DOTALL))
    return " ".join(" ".join(parts).split())


def _normalised(text: str) -> str:
    return " ".join(text.split())


@BOUNDED
@given(documents, st.booleans())
def test_any_markdown_plans_valid_requests_and_keeps_its_text(
    markdown: str, into_create: bool
) -> None:
    blocks, _ = _round_trip(markdown, first_into_create=into_create)
    assert _normalised(blocks_to_text(blocks)) == _markdown_text(markdown)


@BOUNDED
@given(documents)
def test_planning_holds_under_tighter_limits(markdown: str) -> None:
    limits = Limits(max_children=4, max_depth=1, max_blocks=12)
    blocks = markdown_to_blocks(markdown)
    batches = plan_appends(blocks, limits=limits)
    assert _apply(batches, limits=limits) == _tree(blocks)
    assert all(len(json.dumps(batch.body())) <= limits.max_bytes for batch in batches)
