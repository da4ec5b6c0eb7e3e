"""Notion's write limits as pure checks of a request body, for tests and the fake API.

`validate_children(children)` answers what Notion's validation would say about the
`children` of `blocks.children.append` (or `pages.create`): one message per violation,
worded like Notion's own (`body.children[0].paragraph.rich_text[3].text.content.length
should be ≤ 2000, instead was 2001`). An empty list means Notion accepts it.

Lengths are counted as Notion does, in UTF-16 code units (an emoji counts 2). The 500 KB
cap is checked on the body serialised ASCII-escaped with spaced separators: the largest
form a client may send, so a body that passes here passes from any client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

MAX_TEXT = 2000
MAX_URL = 2000
MAX_EQUATION = 1000
MAX_ITEMS = 100
MAX_CHILDREN = 100
MAX_BLOCKS = 1000
MAX_BYTES = 500_000

CODE_LANGUAGES = frozenset(
    """abap abc agda arduino assembly bash basic bnf c c# c++ clojure coffeescript coq css
    dart dhall diff docker ebnf elixir elm erlang f# flow fortran gherkin glsl go graphql
    groovy haskell hcl html idris java javascript json julia kotlin latex less lisp
    livescript lua makefile markdown markup matlab mathematica mermaid nix objective-c
    ocaml pascal perl php powershell prolog protobuf purescript python r racket reason ruby
    rust sass scala scheme scss shell smalltalk solidity sql swift toml typescript verilog
    vhdl webassembly xml yaml""".split()
) | {"ascii art", "llvm ir", "notion formula", "plain text", "vb.net", "visual basic",
     "java/c/c++/c#"}

# Block types careerloop writes, and whether each may carry children.
TEXT_PARENTS = frozenset(
    {"paragraph", "bulleted_list_item", "numbered_list_item", "to_do", "toggle", "quote",
     "callout"}
)
LEAVES = frozenset({"heading_1", "heading_2", "heading_3", "code", "divider", "image",
                    "equation", "table_of_contents", "table_row"})
KNOWN_TYPES = TEXT_PARENTS | LEAVES | {"table"}
ANNOTATIONS = frozenset({"bold", "italic", "strikethrough", "underline", "code", "color"})
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]+$", re.IGNORECASE)


def utf16_len(text: str) -> int:
    """Length as Notion counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def validate_rich_text(items: Any, *, path: str = "rich_text") -> list[str]:
    """Violations in one rich-text array (at most 100 items, each within its limits)."""
    if not isinstance(items, list):
        return [f"{path} should be an array, instead was `{type(items).__name__}`."]
    errors: list[str] = []
    if len(items) > MAX_ITEMS:
        errors.append(f"{path}.length should be ≤ {MAX_ITEMS}, instead was {len(items)}.")
    for index, item in enumerate(items):
        errors += _item_errors(item, f"{path}[{index}]")
    return errors


def _item_errors(item: Any, path: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{path} should be an object."]
    kind = item.get("type", "text")
    errors: list[str] = []
    if kind == "text":
        text = item.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("content"), str):
            return [f"{path}.text.content should be a string."]
        length = utf16_len(text["content"])
        if length > MAX_TEXT:
            errors.append(
                f"{path}.text.content.length should be ≤ {MAX_TEXT}, instead was {length}."
            )
        link = text.get("link")
        if link is not None:
            errors += _url_errors(link.get("url") if isinstance(link, dict) else None,
                                  f"{path}.text.link.url")
    elif kind == "equation":
        expression = str(item.get("equation", {}).get("expression", ""))
        if utf16_len(expression) > MAX_EQUATION:
            errors.append(
                f"{path}.equation.expression.length should be ≤ {MAX_EQUATION}, "
                f"instead was {utf16_len(expression)}."
            )
    elif kind != "mention":
        errors.append(f"{path}.type should be text, mention or equation, instead was `{kind}`.")
    annotations = item.get("annotations", {})
    unknown = set(annotations) - ANNOTATIONS if isinstance(annotations, dict) else {"?"}
    if unknown:
        errors.append(f"{path}.annotations has unknown keys {sorted(unknown)}.")
    return errors


def _url_errors(url: Any, path: str) -> list[str]:
    if not isinstance(url, str) or not _URL.match(url):
        return [f"{path}: Invalid URL for link."]
    if len(url) > MAX_URL:
        return [f"{path}.length should be ≤ {MAX_URL}, instead was {len(url)}."]
    return []


def count_blocks(children: Sequence[Any]) -> int:
    """Block elements in a children array, nested ones included."""
    total = 0
    for block in children:
        total += 1
        body = block.get(block.get("type", ""), {}) if isinstance(block, dict) else {}
        nested = body.get("children") if isinstance(body, dict) else None
        if isinstance(nested, list):
            total += count_blocks(nested)
    return total


def validate_children(
    children: list[dict[str, Any]],
    *,
    depth_allowed: int = 2,
    max_children: int = MAX_CHILDREN,
    max_blocks: int = MAX_BLOCKS,
    max_bytes: int = MAX_BYTES,
    parent: dict[str, Any] | None = None,
) -> list[str]:
    """Violations in the `children` of one request, as Notion's validation reports them.

    `depth_allowed` is how many levels of `children` may hang below the top-level blocks
    (Notion: 2); the other limits are keyword arguments so tests can tighten them.
    `parent` is the existing block appended to (None: a page), in its block JSON: rows
    appended to a table must match its `table_width`.
    """
    errors = _children_errors(
        children, "body.children", level=0, depth_allowed=depth_allowed,
        max_children=max_children, parent=parent,
    )
    blocks = count_blocks(children) if isinstance(children, list) else 0
    if blocks > max_blocks:
        errors.append(f"body.children: {blocks} block elements, the limit is {max_blocks}.")
    size = len(json.dumps({"children": children}))
    if size > max_bytes:
        errors.append(f"body: {size} bytes, the request limit is {max_bytes}.")
    return errors


def _children_errors(
    children: Any, path: str, *, level: int, depth_allowed: int, max_children: int,
    parent: dict[str, Any] | None,
) -> list[str]:
    if not isinstance(children, list):
        return [f"{path} should be an array."]
    errors: list[str] = []
    if len(children) > max_children:
        errors.append(f"{path}.length should be ≤ {max_children}, instead was {len(children)}.")
    for index, block in enumerate(children):
        errors += _block_errors(
            block, f"{path}[{index}]", level=level, depth_allowed=depth_allowed,
            max_children=max_children, parent=parent,
        )
    return errors


def _block_errors(
    block: Any, path: str, *, level: int, depth_allowed: int, max_children: int,
    parent: dict[str, Any] | None,
) -> list[str]:
    if not isinstance(block, dict):
        return [f"{path} should be an object."]
    kind = block.get("type")
    if kind not in KNOWN_TYPES:
        return [f"{path}.type `{kind}` is not a block type careerloop may write."]
    body = block.get(kind)
    if not isinstance(body, dict):
        return [f"{path}.{kind} should be an object."]
    where = f"{path}.{kind}"
    errors = _body_errors(kind, body, where, parent)
    if parent is not None and parent.get("type") == "table" and kind != "table_row":
        errors.append(f"{path}: a table holds only table_row blocks, instead was `{kind}`.")
    if (parent is None or parent.get("type") != "table") and kind == "table_row":
        errors.append(f"{path}: a table_row belongs in a table.")
    nested = body.get("children")
    if nested is None:
        if kind == "table":
            errors.append(f"{where}.children should be defined: a table is created with rows.")
        return errors
    if kind in LEAVES:
        return [*errors, f"{where}.children should be not present: {kind} has no children."]
    if level >= depth_allowed:
        return [*errors, f"{where}.children should be not present, instead was an array."]
    if kind == "table" and not nested:
        errors.append(f"{where}.children should hold at least one table_row.")
    return errors + _children_errors(
        nested, f"{where}.children", level=level + 1, depth_allowed=depth_allowed,
        max_children=max_children, parent=block,
    )


def _body_errors(
    kind: str, body: dict[str, Any], where: str, parent: dict[str, Any] | None
) -> list[str]:
    errors: list[str] = []
    if kind in TEXT_PARENTS or kind.startswith("heading_") or kind == "code":
        errors += validate_rich_text(body.get("rich_text"), path=f"{where}.rich_text")
    if kind == "to_do" and not isinstance(body.get("checked", False), bool):
        errors.append(f"{where}.checked should be a boolean.")
    if kind == "code" and body.get("language") not in CODE_LANGUAGES:
        errors.append(f"{where}.language should be one of Notion's languages, "
                      f"instead was `{body.get('language')}`.")
    if kind == "callout" and "icon" in body:
        icon = body["icon"]
        if not isinstance(icon, dict) or not isinstance(icon.get("emoji"), str) or not icon[
            "emoji"
        ]:
            errors.append(f"{where}.icon.emoji should be an emoji.")
    if kind in ("code", "image") and "caption" in body:
        errors += validate_rich_text(body["caption"], path=f"{where}.caption")
    if kind == "image":
        external = body.get("external")
        if body.get("type") != "external" or not isinstance(external, dict):
            errors.append(f"{where}.external should be defined.")
        else:
            errors += _url_errors(external.get("url"), f"{where}.external.url")
    if kind == "table":
        width = body.get("table_width")
        if not isinstance(width, int) or width < 1:
            errors.append(f"{where}.table_width should be a positive integer.")
    if kind == "table_row":
        errors += _row_errors(body, where, parent)
    return errors


def _row_errors(body: dict[str, Any], where: str, parent: dict[str, Any] | None) -> list[str]:
    cells = body.get("cells")
    if not isinstance(cells, list):
        return [f"{where}.cells should be an array."]
    errors: list[str] = []
    width = parent.get("table", {}).get("table_width") if parent else None
    if width is not None and len(cells) != width:
        errors.append(f"{where}.cells.length should be {width}, instead was {len(cells)}.")
    for index, cell in enumerate(cells):
        errors += validate_rich_text(cell, path=f"{where}.cells[{index}]")
    return errors
