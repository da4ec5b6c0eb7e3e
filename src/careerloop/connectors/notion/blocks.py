"""Markdown -> Notion blocks, and the append requests that deliver them within Notion's limits.

Two steps, so the publisher can count, diff and dry-run before it writes:

1. `markdown_to_blocks(markdown)` parses with markdown-it-py (commonmark + tables +
   strikethrough) into a tree of `Block`s. Every rich-text item it produces already holds
   at most 2000 UTF-16 units (Notion counts like JavaScript's `length`: an emoji is 2),
   every rich-text array at most 100 items, and every block's own body stays far below
   the request size limit.
2. `plan_appends(blocks)` cuts the tree into `AppendBatch`es: at most 100 children per
   array, at most two levels of nesting below the top of a request, at most 1000 blocks and
   500 KB per request. Children that do not fit are delivered by later batches whose
   parent is a `BlockRef` to a block created by an earlier batch. A `BlockRef` only ever
   names a *top-level* child of an earlier append, because the append response lists the
   created first-level blocks in order and nothing deeper.

Driving it (publisher)::

    batches = plan_appends(blocks, first_into_create=True)
    page = pages.create(parent=…, properties=…, children=batches[0].children)
    created: list[list[str]] = [[]]            # refs never point into the create batch
    for batch in batches[1:]:
        parent = resolve_parent(batch, page["id"], created)
        answer = blocks.children.append(parent, children=batch.children)
        created.append([block["id"] for block in answer["results"]])
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from careerloop.connectors.values import plain_text

__all__ = [
    "NOTION_LIMITS",
    "AppendBatch",
    "Block",
    "BlockRef",
    "Limits",
    "blocks_to_text",
    "code_language",
    "count_blocks",
    "markdown_to_blocks",
    "notion_rich_text",
    "plain_text",
    "plan_appends",
    "request_size",
    "resolve_parent",
    "split_text",
    "utf16_len",
]

JSON: TypeAlias = dict[str, Any]

MAX_TEXT: Final = 2000  # UTF-16 units in one text.content
MAX_URL: Final = 2000  # characters in a link URL
MAX_ITEMS: Final = 100  # items in any rich-text array
# The converter keeps one block's rich text under this many JSON bytes, so that any single
# block (or a table with its first row) always fits a 500 KB request.
BLOCK_TEXT_BYTES: Final = 100_000

_ELLIPSIS: Final = "…"
_URL_RE: Final = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


# --- limits and sizes --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """The per-request limits `plan_appends` plans for (Notion's by default)."""

    max_children: int = 100  # entries in any children array
    max_depth: int = 2  # levels of nested children below a request's top-level blocks
    max_blocks: int = 1000  # block elements in one request, nested ones included
    max_bytes: int = 500_000  # request body size
    # Room left for what the publisher adds around the children: a page's parent and
    # properties in pages.create, `position` in an append.
    reserve_bytes: int = 20_000


NOTION_LIMITS: Final = Limits()


def utf16_len(text: str) -> int:
    """Length as Notion counts it (UTF-16 code units, like JavaScript)."""
    return len(text.encode("utf-16-le")) // 2


def _json_size(value: Any) -> int:
    # ASCII-escaped with spaced separators: the largest form a client may send, so an
    # estimate from it holds whatever the HTTP client's JSON settings are.
    return len(json.dumps(value))


def request_size(children: Sequence[JSON]) -> int:
    """Bytes of `{"children": children}` in its largest JSON form."""
    return _json_size({"children": list(children)})


# --- blocks --------------------------------------------------------------------------------


@dataclass(slots=True)
class Block:
    """One Notion block: its type, its body (`block[type]` without children), its children."""

    type: str
    body: JSON = field(default_factory=dict)
    children: list[Block] = field(default_factory=list)

    def to_notion(self, children: Sequence[JSON] | None = None) -> JSON:
        """The request form; `children` defaults to the whole subtree."""
        if children is None:
            children = [child.to_notion() for child in self.children]
        body = dict(self.body)
        if children:
            body["children"] = list(children)
        return {"object": "block", "type": self.type, self.type: body}


def count_blocks(blocks: Iterable[Block]) -> int:
    """All blocks in the trees, table rows included (they count against workspace caps)."""
    return sum(1 + count_blocks(block.children) for block in blocks)


def blocks_to_text(blocks: Iterable[Block]) -> str:
    """The readable text of blocks, one block a line, depth first (tests, previews, hashes)."""
    return "\n".join(_block_lines(blocks))


def _block_lines(blocks: Iterable[Block]) -> Iterator[str]:
    for block in blocks:
        body = block.body
        if block.type == "table_row":
            yield " ".join(plain_text(cell) for cell in body["cells"])
        elif block.type == "image":
            yield plain_text(body.get("caption", []))
        elif "rich_text" in body:
            text = plain_text(body["rich_text"])
            if block.type == "to_do":
                text = ("[x] " if body.get("checked") else "[ ] ") + text
            elif block.type == "callout":
                text = f"{body['icon']['emoji']} {text}"
            yield text
        yield from _block_lines(block.children)


# --- rich text -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    code: bool = False
    url: str | None = None

    def with_(self, **changes: Any) -> _Style:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class _Span:
    text: str
    style: _Style


@dataclass(frozen=True, slots=True)
class _Image:
    url: str
    alt: tuple[_Span, ...]


_Segment: TypeAlias = _Span | _Image


def _usable_url(url: str | None) -> str | None:
    """The URL if Notion takes it as a link (absolute http(s), at most 2000 characters)."""
    if url and len(url) <= MAX_URL and _URL_RE.match(url):
        return url
    return None


def _item(text: str, style: _Style) -> JSON:
    content: JSON = {"content": text}
    if style.url:
        content["link"] = {"url": style.url}
    item: JSON = {"type": "text", "text": content}
    flags = {
        name: True
        for name in ("bold", "italic", "strikethrough", "code")
        if getattr(style, name)
    }
    if flags:
        item["annotations"] = flags
    return item


def _merge(spans: Iterable[_Span]) -> list[_Span]:
    """Adjacent spans of one style as one span; unusable links as plain text."""
    merged: list[_Span] = []
    for span in spans:
        if not span.text:
            continue
        style = span.style
        if style.url is not None and _usable_url(style.url) is None:
            style = style.with_(url=None)
        if merged and merged[-1].style == style:
            merged[-1] = _Span(merged[-1].text + span.text, style)
        else:
            merged.append(_Span(span.text, style))
    return merged


def _rich_text(spans: Iterable[_Span], *, code: bool = False) -> list[JSON]:
    """Items of at most 2000 UTF-16 units; a long link stays one link over several items."""
    return [
        _item(piece, span.style)
        for span in _merge(spans)
        for piece in split_text(span.text, MAX_TEXT, prefer_lines=code)
    ]


# Characters a cut must not fall before (they belong to the preceding character).
def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or code == 0x20E3
    )


def _fit(text: str, limit: int) -> int:
    """The number of leading characters of `text` that fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, limit: int, prefer_lines: bool) -> int:
    end = _fit(text, limit)
    if end >= len(text):
        return end
    head = text[:end]
    if prefer_lines and (newline := head.rfind("\n")) >= 0:
        return newline + 1
    # Keep words whole: cut after the last whitespace that fits.
    for index in range(end - 1, -1, -1):
        if head[index].isspace():
            return index + 1
    # One word longer than the limit: cut it, but not inside an emoji or accented letter.
    safe = end
    while safe > 1 and (_joins_previous(text[safe]) or text[safe - 1] == "\u200d"):
        safe -= 1
    return safe if safe > 1 else end


def split_text(text: str, limit: int = MAX_TEXT, *, prefer_lines: bool = False) -> list[str]:
    """Pieces of at most `limit` UTF-16 units that join back to `text`, cut between words."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end = _cut(rest, limit, prefer_lines)
        pieces.append(rest[:end])
        rest = rest[end:]
    if rest:
        pieces.append(rest)
    return pieces


def _chunks(items: Sequence[JSON], *, budget: int = BLOCK_TEXT_BYTES) -> list[list[JSON]]:
    """Items grouped into arrays of at most 100 items and `budget` JSON bytes."""
    chunks: list[list[JSON]] = []
    current: list[JSON] = []
    size = 0
    for item in items:
        item_size = _json_size(item) + 2
        if current and (len(current) >= MAX_ITEMS or size + item_size > budget):
            chunks.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        chunks.append(current)
    return chunks


def notion_rich_text(text: str, *, max_items: int = MAX_ITEMS) -> list[JSON]:
    """A plain-text property value (rich_text or title) within Notion's limits.

    Text longer than `max_items` items of 2000 units is cut with an ellipsis. Pass
    `max_items=25` for a value that must read back whole (reads stop at 25 items).
    """
    pieces = split_text(text)
    if len(pieces) > max_items:
        pieces = pieces[:max_items]
        last = pieces[-1]
        pieces[-1] = last[: _fit(last, MAX_TEXT - 1)] + _ELLIPSIS
    return [_item(piece, _Style()) for piece in pieces]


def _cell(spans: Sequence[_Span], budget: int) -> list[JSON]:
    """A table cell: one rich-text array that cannot overflow into another block."""
    chunks = _chunks(_rich_text(spans), budget=budget)
    if len(chunks) <= 1:
        return chunks[0] if chunks else []
    # Rare: a cell beyond 100 items or its share of the row's bytes. Keep what fits, plain.
    text = "".join(span.text for span in spans)
    keep = _chunks(notion_rich_text(text), budget=budget)[0]
    kept = plain_text(keep)
    if len(kept) < len(text):
        keep[-1]["text"]["content"] = keep[-1]["text"]["content"][:-1] + _ELLIPSIS
    return keep


# --- inline Markdown -----------------------------------------------------------------------


_COMMENT_RE: Final = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


def _without_comments(html: str) -> str:
    """Raw HTML with its comments removed (the rest is shown as literal text)."""
    return _COMMENT_RE.sub("", html)


def _segments(node: SyntaxTreeNode, style: _Style) -> Iterator[_Segment]:
    """The inline content of `node` as styled spans and images, in order."""
    for child in node.children:
        kind = child.type
        if kind == "text":
            yield _Span(child.content, style)
        elif kind == "softbreak":
            yield _Span(" ", style)
        elif kind == "hardbreak":
            yield _Span("\n", style)
        elif kind == "code_inline":
            yield _Span(child.content, style.with_(code=True))
        elif kind == "html_inline":
            yield _Span(_without_comments(child.content), style)
        elif kind == "strong":
            yield from _segments(child, style.with_(bold=True))
        elif kind == "em":
            yield from _segments(child, style.with_(italic=True))
        elif kind == "s":
            yield from _segments(child, style.with_(strikethrough=True))
        elif kind == "link":
            yield from _segments(child, style.with_(url=str(child.attrs.get("href", ""))))
        elif kind == "image":
            alt = tuple(_spans(_segments(child, style)))
            yield _Image(str(child.attrs.get("src", "")), alt)
        else:  # a construct of a later markdown-it: keep its text
            yield from _segments(child, style)


def _spans(segments: Iterable[_Segment]) -> Iterator[_Span]:
    """Spans only: an image contributes its alt text."""
    for segment in segments:
        if isinstance(segment, _Image):
            yield from segment.alt
        else:
            yield segment


def _usable_images(segments: Iterable[_Segment]) -> list[_Segment]:
    """Images Notion cannot show (relative or over-long URLs) become their alt text."""
    out: list[_Segment] = []
    for segment in segments:
        if isinstance(segment, _Image) and _usable_url(segment.url) is None:
            out.extend(segment.alt)
        else:
            out.append(segment)
    return out


def _inline(node: SyntaxTreeNode) -> list[_Segment]:
    inline = node.children[0] if node.children else node
    return _usable_images(_segments(inline, _Style()))


def _lead(segments: Sequence[_Segment]) -> tuple[list[_Span], list[_Segment]]:
    """The spans before the first image, and the rest."""
    for index, segment in enumerate(segments):
        if isinstance(segment, _Image):
            return list(_spans(segments[:index])), list(segments[index:])
    return list(_spans(segments)), []


def _strip_lead(spans: list[_Span], count: int) -> list[_Span]:
    """Spans without their first `count` characters."""
    out: list[_Span] = []
    for span in spans:
        if count >= len(span.text):
            count -= len(span.text)
            continue
        out.append(_Span(span.text[count:], span.style))
        count = 0
    return out


def _lead_text(spans: Sequence[_Span]) -> str:
    return "".join(span.text for span in spans)


# --- block Markdown ------------------------------------------------------------------------


def _text_blocks(kind: str, spans: Iterable[_Span], extra: JSON | None = None) -> list[Block]:
    """One block of `kind`, or several when its rich text overflows one block."""
    chunks = _chunks(_rich_text(spans)) or [[]]
    return [Block(kind, {"rich_text": chunk, **(extra or {})}) for chunk in chunks]


def _image_blocks(image: _Image) -> list[Block]:
    chunks = _chunks(_rich_text(image.alt))
    caption = chunks[0] if chunks else []
    image_block = Block("image", {"type": "external", "external": {"url": image.url}})
    if caption:
        image_block.body["caption"] = caption
    # An alt text beyond one caption continues as paragraphs rather than being lost.
    rest = [Block("paragraph", {"rich_text": chunk}) for chunk in chunks[1:]]
    return [image_block, *rest]


def _flow(segments: Sequence[_Segment]) -> list[Block]:
    """Paragraphs and image blocks, in order; blank text makes no paragraph."""
    blocks: list[Block] = []
    run: list[_Span] = []

    def flush() -> None:
        if _lead_text(run).strip():
            blocks.extend(_text_blocks("paragraph", run))
        run.clear()

    for segment in segments:
        if isinstance(segment, _Image):
            flush()
            blocks.extend(_image_blocks(segment))
        else:
            run.append(segment)
    flush()
    return blocks


def _with_children(blocks: list[Block], children: list[Block]) -> list[Block]:
    """Children go under the last block of an overflowed run."""
    if children:
        blocks[-1].children.extend(children)
    return blocks


def _opening(node: SyntaxTreeNode) -> tuple[list[_Span], list[Block]]:
    """The lead text of a container node, and the blocks that follow it."""
    nodes = list(node.children)
    if nodes and nodes[0].type == "paragraph":
        spans, rest = _lead(_inline(nodes[0]))
        return spans, _flow(rest) + _convert(nodes[1:])
    return [], _convert(nodes)


_TASK_RE: Final = re.compile(r"^\[([ xX])\](?:\s|$)")


def _list_item(node: SyntaxTreeNode, kind: str) -> list[Block]:
    spans, children = _opening(node)
    task = _TASK_RE.match(_lead_text(spans))
    if task and spans and not spans[0].style.code:
        spans = _strip_lead(spans, task.end())
        extra = {"checked": task.group(1) != " "}
        return _with_children(_text_blocks("to_do", spans, extra), children)
    return _with_children(_text_blocks(kind, spans), children)


def _quote(node: SyntaxTreeNode) -> list[Block]:
    spans, children = _opening(node)
    emoji = _leading_emoji(_lead_text(spans))
    if emoji is None:
        return _with_children(_text_blocks("quote", spans), children)
    after = _lead_text(spans)[len(emoji) :]
    skip = len(emoji) + len(after) - len(after.lstrip())
    extra = {"icon": {"type": "emoji", "emoji": emoji}}
    return _with_children(_text_blocks("callout", _strip_lead(spans, skip), extra), children)


def _table(node: SyntaxTreeNode) -> list[Block]:
    rows = [row for section in node.children for row in section.children]
    width = max((len(row.children) for row in rows), default=1)
    budget = BLOCK_TEXT_BYTES // width
    table_rows = []
    for row in rows:
        cells = [_cell(list(_spans(_inline(cell))), budget) for cell in row.children]
        cells += [[] for _ in range(width - len(cells))]
        table_rows.append(Block("table_row", {"cells": cells}))
    body = {"table_width": width, "has_column_header": True, "has_row_header": False}
    return [Block("table", body, table_rows)]


def _code(content: str, info: str) -> list[Block]:
    language = code_language(info)
    if content.endswith("\n"):
        content = content[:-1]
    chunks = _chunks(_rich_text([_Span(content, _Style())], code=True)) or [[]]
    return [Block("code", {"rich_text": chunk, "language": language}) for chunk in chunks]


def _heading(node: SyntaxTreeNode) -> list[Block]:
    level = min(int(node.tag[1:]), 3)
    return _text_blocks(f"heading_{level}", _spans(_inline(node)))


def _html_block(node: SyntaxTreeNode) -> list[Block]:
    text = _without_comments(node.content).strip()
    return _text_blocks("paragraph", [_Span(text, _Style())]) if text else []


_CONVERTERS: Final[dict[str, Callable[[SyntaxTreeNode], list[Block]]]] = {
    "paragraph": lambda node: _flow(_inline(node)),
    "heading": _heading,
    "bullet_list": lambda node: [
        b for item in node.children for b in _list_item(item, "bulleted_list_item")
    ],
    "ordered_list": lambda node: [
        b for item in node.children for b in _list_item(item, "numbered_list_item")
    ],
    "blockquote": _quote,
    "table": _table,
    "fence": lambda node: _code(node.content, node.info),
    "code_block": lambda node: _code(node.content, ""),
    "hr": lambda node: [Block("divider")],
    "html_block": _html_block,
}
"""Markdown node type -> its blocks; any other node gives the blocks of its children."""


def _convert_node(node: SyntaxTreeNode) -> list[Block]:
    convert = _CONVERTERS.get(node.type)
    return convert(node) if convert is not None else _convert(node.children)


def _convert(nodes: Iterable[SyntaxTreeNode]) -> list[Block]:
    return [block for node in nodes for block in _convert_node(node)]


def _parser() -> MarkdownIt:
    # html=True only so that comments can be recognised and dropped; other HTML is kept
    # as literal text (Notion shows it as text, never renders it).
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_to_blocks(markdown: str) -> list[Block]:
    """The Markdown as a tree of Notion blocks, each within Notion's size limits."""
    return _convert(SyntaxTreeNode(_parser().parse(markdown)).children)


# --- emoji and code languages --------------------------------------------------------------

_PICTO: Final = (
    "[\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u24c2\u25a0-\u27bf\u2934\u2935"
    "\u2b00-\u2bff\u3030\u303d\u3297\u3299\u00a9\u00ae\u203c\u2049\u2122\u2139]"
)
_MODS: Final = "\ufe0f?[\U0001f3fb-\U0001f3ff]?"
_EMOJI_RE: Final = re.compile(
    rf"(?:[\U0001f1e6-\U0001f1ff]{{2}}"
    rf"|{_PICTO}{_MODS}(?:\u200d{_PICTO}{_MODS})*[\U000e0020-\U000e007f]*)(?=\s|$)"
)
# Below U+1F000 only these show as emoji without U+FE0F (Emoji_Presentation=Yes).
_BMP_EMOJI: Final = frozenset(
    "⌚⌛⏩⏪⏫⏬⏰⏳◽◾☔☕♈♉♊♋♌♍♎♏♐♑♒♓♿⚓⚡⚪⚫⚽⚾⛄⛅⛎⛔⛪⛲⛳⛵⛺⛽✅✊✋✨❌❎❓❔❕❗➕➖➗➰➿⬛⬜⭐⭕"
)


def _leading_emoji(text: str) -> str | None:
    """The emoji that opens `text` (followed by a space or nothing), if any."""
    match = _EMOJI_RE.match(text)
    if match is None:
        return None
    emoji = match.group(0)
    if "\ufe0f" in emoji or ord(emoji[0]) >= 0x1F000 or emoji[0] in _BMP_EMOJI:
        return emoji
    return None  # a symbol shown as text (→, ©): not an icon


_LANGUAGES: Final = frozenset(
    """abap abc agda arduino assembly bash basic bnf c c# c++ clojure coffeescript coq css
    dart dhall diff docker ebnf elixir elm erlang f# flow fortran gherkin glsl go graphql
    groovy haskell hcl html idris java javascript json julia kotlin latex less lisp
    livescript lua makefile markdown markup matlab mathematica mermaid nix objective-c
    ocaml pascal perl php powershell prolog protobuf purescript python r racket reason ruby
    rust sass scala scheme scss shell smalltalk solidity sql swift toml typescript verilog
    vhdl webassembly xml yaml""".split()
) | {"ascii art", "llvm ir", "notion formula", "plain text", "vb.net", "visual basic",
     "java/c/c++/c#"}

_ALIASES: Final = {
    "py": "python", "python3": "python", "py3": "python", "pycon": "python",
    "js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript",
    "node": "javascript", "ts": "typescript", "tsx": "typescript",
    "sh": "shell", "zsh": "shell", "console": "shell", "shell-session": "shell",
    "shellsession": "shell", "fish": "shell", "ksh": "shell",
    "ps": "powershell", "ps1": "powershell", "pwsh": "powershell",
    "yml": "yaml", "md": "markdown", "rb": "ruby", "rs": "rust", "golang": "go",
    "cs": "c#", "csharp": "c#", "cpp": "c++", "cxx": "c++", "cc": "c++", "hpp": "c++",
    "h": "c", "objc": "objective-c", "objectivec": "objective-c", "kt": "kotlin",
    "kts": "kotlin", "fs": "f#", "fsharp": "f#", "dockerfile": "docker", "tf": "hcl",
    "terraform": "hcl", "proto": "protobuf", "tex": "latex", "hs": "haskell",
    "ex": "elixir", "exs": "elixir", "erl": "erlang", "ml": "ocaml", "clj": "clojure",
    "cljs": "clojure", "coffee": "coffeescript", "vb": "visual basic", "vbnet": "vb.net",
    "wasm": "webassembly", "wat": "webassembly", "make": "makefile", "mk": "makefile",
    "gql": "graphql", "patch": "diff", "svg": "xml", "xhtml": "html", "htm": "html",
    "jsonc": "json", "json5": "json", "jsonl": "json", "postgres": "sql",
    "postgresql": "sql", "mysql": "sql", "sqlite": "sql", "pl": "perl", "asm": "assembly",
    "nasm": "assembly", "sol": "solidity", "scm": "scheme", "rkt": "racket",
    "jl": "julia", "m": "matlab", "feature": "gherkin", "text": "plain text",
    "txt": "plain text", "plaintext": "plain text", "plain": "plain text", "ini": "toml",
    "cfg": "toml", "mmd": "mermaid", "sass": "sass", "styl": "css", "vue": "html",
    "ascii": "ascii art", "llvm": "llvm ir",
}


def code_language(info: str) -> str:
    """Notion's name for a fence's language (its first word); "plain text" when unknown."""
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    word = word.strip("{}").lstrip(".").lower()
    if word in _LANGUAGES:
        return word
    return _ALIASES.get(word, "plain text")


# --- planning requests ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockRef:
    """The block created as top-level child `index` of the earlier batch `batch`."""

    batch: int
    index: int


@dataclass(slots=True)
class AppendBatch:
    """One request: `children` to append under `parent` (None: the page itself).

    `after` is set on page-level batches that follow another append: the last block of
    the previous page-level batch, for a publisher that inserts above existing blocks
    (`position={"type": "after_block", …}`). Appending at the end needs no position.
    """

    parent: BlockRef | None
    children: list[JSON]
    blocks: int
    after: BlockRef | None = None

    def body(self) -> JSON:
        """The request body for `blocks.children.append` (without `position`)."""
        return {"children": self.children}


def resolve_parent(batch: AppendBatch, page_id: str, created: Sequence[Sequence[str]]) -> str:
    """The block id to append `batch` to: the page, or a block an earlier batch created.

    `created[i]` lists the ids from batch i's response (`results`, in order).

    Raises:
        LookupError: an earlier batch's ids are missing (its response was not recorded).
    """
    ref = batch.parent
    if ref is None:
        return page_id
    try:
        return created[ref.batch][ref.index]
    except IndexError:
        raise LookupError(f"no id recorded for block {ref.index} of batch {ref.batch}") from None


@dataclass(frozen=True, slots=True)
class _Stats:
    own: int  # JSON bytes of the block without children
    size: int  # JSON bytes of the whole subtree (an upper bound)
    count: int  # blocks in the subtree
    height: int  # levels of children below the block
    wide: bool  # some children array in the subtree is longer than max_children


_CHILDREN_KEY: Final = len(', "children": []')


class _Planner:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = limits.max_bytes - limits.reserve_bytes
        self.stats: dict[int, _Stats] = {}
        self.batches: list[AppendBatch] = []

    def stat(self, block: Block) -> _Stats:
        known = self.stats.get(id(block))
        if known is not None:
            return known
        own = _json_size(block.to_notion([]))
        children = [self.stat(child) for child in block.children]
        size = own + (_CHILDREN_KEY + sum(c.size + 2 for c in children) if children else 0)
        stats = _Stats(
            own=own,
            size=size,
            count=1 + sum(c.count for c in children),
            height=1 + max(c.height for c in children) if children else 0,
            wide=len(children) > self.limits.max_children or any(c.wide for c in children),
        )
        self.stats[id(block)] = stats
        return stats

    def whole_fits(self, block: Block, level: int) -> bool:
        stats = self.stat(block)
        return not stats.wide and level + stats.height <= self.limits.max_depth

    def plan(self, parent: BlockRef | None, blocks: Sequence[Block], *, create: bool) -> None:
        """Batches for `blocks` under `parent`, each followed by its follow-ups."""
        position = 0
        previous: int | None = None
        into_create = create
        while position < len(blocks) or (create and not self.batches):
            batch = _Batch(self, parent)
            while position < len(blocks) and batch.place(blocks[position], whole_only=create):
                position += 1
            if not batch.children and not create:
                raise ValueError("a block does not fit an empty request")  # guarded by caps
            index = len(self.batches)
            after = None
            if parent is None and previous is not None and not (into_create and previous == 0):
                last = len(self.batches[previous].children) - 1
                after = BlockRef(previous, last) if last >= 0 else None
            self.batches.append(AppendBatch(parent, batch.children, batch.count, after))
            if parent is None:
                previous = index
            create = False
            for child_index, rest in batch.partial:
                self.plan(BlockRef(index, child_index), rest, create=False)


class _Batch:
    def __init__(self, planner: _Planner, parent: BlockRef | None) -> None:
        self.planner = planner
        self.parent = parent
        self.children: list[JSON] = []
        self.count = 0
        self.size = len('{"children": []}')
        self.partial: list[tuple[int, list[Block]]] = []

    def fits(self, count: int, size: int) -> bool:
        limits = self.planner.limits
        return (
            len(self.children) < limits.max_children
            and self.count + count <= limits.max_blocks
            and self.size + size + 2 <= self.planner.budget
        )

    def add(self, block_json: JSON, count: int, size: int) -> None:
        self.children.append(block_json)
        self.count += count
        self.size += size + 2

    def place(self, block: Block, *, whole_only: bool) -> bool:
        """Put `block` (whole, or with a first part of its children) in this batch."""
        planner = self.planner
        stats = planner.stat(block)
        if planner.whole_fits(block, 0):
            if self.fits(stats.count, stats.size):
                self.add(block.to_notion(), stats.count, stats.size)
                return True
            fresh = _Batch(planner, self.parent)
            if self.children and fresh.fits(stats.count, stats.size):
                return False  # whole in the next request beats cut in two
        if whole_only:
            return False
        return self.place_partly(block)

    def place_partly(self, block: Block) -> bool:
        planner = self.planner
        stats = planner.stat(block)
        count, size = 1, stats.own + _CHILDREN_KEY
        included: list[JSON] = []
        for child in block.children[: planner.limits.max_children]:
            child_stats = planner.stat(child)
            if not planner.whole_fits(child, 1) or not self.fits(
                count + child_stats.count, size + child_stats.size + 2
            ):
                break
            included.append(child.to_notion())
            count += child_stats.count
            size += child_stats.size + 2
        # Notion creates a table only together with rows.
        if (block.type == "table" and not included) or not self.fits(count, size):
            return False
        self.add(block.to_notion(included), count, size)
        rest = block.children[len(included) :]
        if rest:
            self.partial.append((len(self.children) - 1, rest))
        return True


def plan_appends(
    blocks: Sequence[Block],
    *,
    first_into_create: bool = False,
    limits: Limits = NOTION_LIMITS,
) -> list[AppendBatch]:
    """The requests that create `blocks` in order, each within `limits`.

    Run them in order. A batch's `parent` is None for the page, else a `BlockRef` to a
    top-level block of an earlier batch. With `first_into_create`, batch 0 is meant for
    `pages.create(children=…)` (whose response lists no blocks): it may be empty, and no
    later batch refers into it.

    Raises:
        ValueError: `limits` leave no room for a block with a child, or for one block.
    """
    if limits.max_depth < 1 or limits.max_children < 1 or limits.max_blocks < 2:
        raise ValueError("limits must allow a block with one child per request")
    planner = _Planner(limits)
    planner.plan(None, blocks, create=first_into_create)
    return planner.batches
