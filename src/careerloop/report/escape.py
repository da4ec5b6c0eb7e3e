"""Workspace data is text: escaped for Markdown, cleaned of controls, secrets redacted.

A title, label or note from Notion or Trello lands in Markdown that four renderers read
(the local HTML page, Notion blocks, a Trello description, a GitHub step summary). Each
would turn `![x](http://host/x.png)` into an image, `[a](http://…)` into a link and
`# Notes` at the start of a line into a heading. `escape_markdown` makes such text
literal for all of them with CommonMark backslash escapes, which every one of them
honours, and returns a `Markdown` marker so the text is never escaped twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from careerloop.config import Config

__all__ = [
    "REDACTED",
    "Markdown",
    "clean_text",
    "escape_markdown",
    "redact",
    "secret_values",
    "terminal_text",
]

REDACTED = "[redacted]"

# C0 controls but tab and newline, DEL, C1 controls, the bidirectional embeddings,
# overrides and isolates, and the left-to-right/right-to-left marks: they change what
# text shows ("x evil" reads "x live") or what a terminal does, and mean nothing here.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters that start Markdown inline syntax anywhere in a line. `&` only where it
# would start an entity: `&#x202E;` would bring back a character removed above.
_INLINE = re.compile(r"[\\`*_\[\]<|~]|&(?=#?[0-9A-Za-z]+;)")
# What makes a block (heading, quote, list, setext underline, ordered list) when it
# opens a line: a value may be written at the start of one.
_LINE_START = re.compile(r"^(?:[#>+=-]|(\d{1,9})([.)])(?=\s|$))")
# Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) and
# the two-character ones.
_TERMINAL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)
_MIN_SECRET = 6  # shorter values would redact ordinary words


class Markdown(str):
    """Text that already is Markdown (escaped data, or the renderer's own syntax)."""

    __slots__ = ()


def clean_text(text: str) -> str:
    """`text` without control characters (tab and newline stay) and bidi overrides."""
    return _CONTROLS.sub("", text)


def escape_markdown(value: object) -> Markdown:
    """`value` as literal text on one line of Markdown.

    Whitespace runs (newlines included) become one space, so a value cannot end the line
    it is in; Markdown syntax is backslash-escaped; a `Markdown` value is returned as is.
    """
    if isinstance(value, Markdown):
        return value
    text = " ".join(clean_text(str(value)).split())
    text = _INLINE.sub(lambda m: "\\" + m.group(), text)
    text = _LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(), text
    )
    return Markdown(text)


def terminal_text(text: str) -> str:
    """`text` safe to print on a terminal: escape sequences and controls removed."""
    return clean_text(_TERMINAL.sub("", text))


def secret_values(config: Config) -> list[str]:
    """The values of the environment variables the config names as credentials.

    The default names count too, since a target falls back to them.
    """
    from careerloop.connectors.registry import credential_names

    names = credential_names(config)  # each connector names its own (connector.py)
    values = {os.environ.get(name, "").strip() for name in names}
    return sorted((v for v in values if len(v) >= _MIN_SECRET), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced by `[redacted]`.

    A secret is found as written and as `escape_markdown` writes it (`ntn\\_…`).
    """
    forms: set[str] = set()
    for value in secrets:
        if len(value) >= _MIN_SECRET:
            inline = _INLINE.sub(lambda m: "\\" + m.group(), value)
            forms.update((value, inline, escape_markdown(value)))
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, REDACTED)
    return text
