"""The notes section of a review: everything under the notes heading is the reader's.

Every target (local files, Notion, Trello) stores a review as one document whose generated
part comes first and whose notes section starts at the notes heading: an ATX heading
(`#` to `######`) whose text equals the configured heading, trimmed and case-insensitive.
An update replaces the generated part only; the notes section of the existing document is
kept byte for byte, its heading line included.

When the existing document has lost its notes heading (someone deleted or renamed it),
careerloop cannot tell generated text from the reader's, so it keeps the whole existing
document: the new generated part is written, then the notes heading, then a one-line
explanation, then the old document word for word. Nothing the reader wrote is ever lost,
and the next update finds the heading again.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["LOST_HEADING_NOTE", "content_hash", "find_notes_heading", "merge_notes", "split_notes"]

# CommonMark ATX heading: up to three spaces, 1-6 '#', then a space or the end of line.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*$")
_CLOSING = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# CommonMark line endings only (str.splitlines also splits on \x1c, \u2028, ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

LOST_HEADING_NOTE = (
    "_careerloop could not find this heading in the previous version of this review, "
    "so that whole version is kept below, word for word._"
)


def _heading_text(line: str) -> str | None:
    """The text of an ATX heading line, or None when the line is not one."""
    match = _ATX.match(line.rstrip("\r\n"))
    if match is None:
        return None
    text = match.group("text") or ""
    return _CLOSING.sub("", text).strip()


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes a code fence: the same character, at least as many, alone."""
    text = line.strip()
    return len(text) >= len(fence) and not text.strip(fence[0])


def find_notes_heading(markdown: str, heading: str) -> int | None:
    """The character offset where the notes heading line starts, or None.

    The first matching heading wins; headings inside fenced code blocks do not count.
    """
    wanted = heading.strip().casefold()
    fence: str | None = None
    for found in _LINE.finditer(markdown):
        line = found.group()
        fence_match = _FENCE.match(line)
        if fence is not None:
            if _closes(line, fence):
                fence = None
        elif fence_match is not None:
            fence = fence_match.group(1)
        else:
            text = _heading_text(line)
            if text is not None and text.casefold() == wanted:
                return found.start()
    return None


def split_notes(markdown: str, heading: str) -> tuple[str, str]:
    """Split a review into (generated part, notes section).

    The notes section starts at the notes heading line and runs to the end; it is ""
    when there is no such heading. `generated + notes == markdown` always.
    """
    start = find_notes_heading(markdown, heading)
    if start is None:
        return markdown, ""
    return markdown[:start], markdown[start:]


def merge_notes(new_markdown: str, existing_markdown: str, heading: str) -> str:
    """The new review with the existing document's notes section kept byte for byte.

    Without a notes heading in the existing document, the whole existing document is
    kept under a fresh notes heading (see the module docstring); a blank existing
    document is simply replaced.
    """
    new_generated, new_notes = split_notes(new_markdown, heading)
    if find_notes_heading(existing_markdown, heading) is not None:
        _, existing_notes = split_notes(existing_markdown, heading)
        return new_generated + existing_notes
    if not existing_markdown.strip():
        return new_markdown
    first = _LINE.match(new_notes)
    heading_line = first.group() if first else f"## {heading}\n"
    if not heading_line.endswith("\n"):
        heading_line += "\n"
    generated = (
        new_generated
        if new_generated.endswith("\n") or not new_generated
        else (new_generated + "\n")
    )
    return f"{generated}{heading_line}\n{LOST_HEADING_NOTE}\n\n{existing_markdown}"


def content_hash(generated: str) -> str:
    """sha256 hex of a generated part, insensitive to line endings and trailing blanks.

    Line endings are normalised to LF, trailing whitespace is dropped from every line and
    trailing blank lines from the end, so a round trip through an editor or a service
    that trims lines does not count as a change.
    """
    text = generated.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    normalised = "\n".join(lines).rstrip("\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
