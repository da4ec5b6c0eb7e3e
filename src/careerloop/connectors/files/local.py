"""Reviews as files: `reviews/<period>-<kind>.md` and `.html`, and an `index.html`.

Each generated `.md` opens with one machine-readable line the index is built from::

    <!-- careerloop: {"period": "2026-10", "kind": "monthly", "score": 78, "status": "at_risk"} -->

Upserts keep everything from the notes heading on byte for byte (report.notes), leave a
file alone when its generated part is unchanged (same content hash: not even its mtime
moves), and write through a temporary file in the same folder plus `os.replace`, so a
crash never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from careerloop.connectors.base import PublishAction, PublishOutcome
from careerloop.errors import PublishError
from careerloop.report.html import IndexEntry, index_html, review_html
from careerloop.report.notes import content_hash, find_notes_heading, merge_notes, split_notes
from careerloop.report.review import Review

__all__ = ["LocalPublisher", "read_meta", "strip_meta", "write_index"]

INDEX_NAME = "index.html"
_META = re.compile(r"\A<!-- careerloop: (?P<json>\{.*?\}) -->[ \t]*(?:\r\n|\n|\r|\Z)")
_REVIEW_FILE = re.compile(r"^(?P<period>\d{4}-(?:\d{2}|Q[1-4]))-(?P<kind>monthly|quarterly)\.md$")
_TMP_PREFIX = ".careerloop-"


def meta_line(review: Review) -> str:
    """The first line of a generated `.md`: period, kind, score and status as JSON."""
    card = review.scorecard
    data = {
        "period": review.period.label,
        "kind": review.kind,
        "score": card.score,
        "status": card.status,
        "action": card.actions[0].text if card.actions else "",
    }
    # A title with "-->" in the first action must not end the comment early.
    text = json.dumps(data, ensure_ascii=True).replace(">", "\\u003e")
    return f"<!-- careerloop: {text} -->\n"


def read_meta(markdown: str) -> dict[str, Any] | None:
    """The metadata of a generated `.md`, or None when it has no (valid) meta line."""
    match = _META.match(markdown)
    if match is None:
        return None
    try:
        data = json.loads(match.group("json"))
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def strip_meta(markdown: str) -> str:
    """The Markdown without its meta line (markdown-it would show it as text)."""
    return _META.sub("", markdown, count=1)


def _read_text(path: Path) -> str | None:
    """The file's text with its line endings untouched, or None when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PublishError(
            f"{path} is not UTF-8 text: fix or move it, careerloop will not overwrite it"
        ) from None


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and os.replace (atomic on POSIX)."""
    data = text.encode("utf-8")
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror}") from None
    try:
        # A read-only folder refuses the temporary file: that is this review's failure.
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise PublishError(f"cannot write {path}: {exc.strerror}") from None


def _write_if_changed(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds exactly that; True when written."""
    if _read_text(path) == text:
        return False
    _write_atomic(path, text)
    return True


class LocalPublisher:
    """Reviews as Markdown and HTML files in one folder, plus an index page."""

    name = "local"

    def __init__(self, directory: Path, notes_heading: str) -> None:
        self.directory = directory
        self.notes_heading = notes_heading
        self._published = False  # whether a real (not dry) publish ran: then the index is due

    def paths(self, review: Review) -> tuple[Path, Path]:
        """The `.md` and `.html` files of a review."""
        return (
            self.directory / f"{review.key}.md",
            self.directory / f"{review.key}.html",
        )

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        """Upsert the review's files; keep the notes; write nothing when nothing changed.

        Raises:
            PublishError: a file cannot be read or written.
        """
        md_path, html_path = self.paths(review)
        heading = self.notes_heading
        new_doc = meta_line(review) + strip_meta(markdown)
        new_generated, _ = split_notes(new_doc, heading)
        digest = content_hash(new_generated)

        existing = _read_text(md_path)
        action: PublishAction
        if existing is None:
            action, document = "created", new_doc
        elif (
            find_notes_heading(existing, heading) is not None
            and content_hash(split_notes(existing, heading)[0]) == digest
        ):
            action, document = "unchanged", existing
        else:
            action, document = "updated", merge_notes(new_doc, existing, heading)

        page = review_html(strip_meta(document), title=review.title, trend=review.trend,
                           status=review.scorecard.status, score=review.scorecard.score)
        html_stale = _read_text(html_path) != page
        write_md = action != "unchanged"
        detail = ""
        if action == "unchanged" and html_stale:
            # The notes were edited (or the page deleted): refresh the page only.
            action, detail = "updated", "HTML page refreshed; Markdown unchanged"

        outcome = PublishOutcome(
            target=self.name,
            review_key=review.key,
            action=action,
            location=str(md_path),
            content_hash=digest,
            detail=detail,
        )
        if dry_run:
            outcome.detail = f"dry run: would be {action}" + (f" ({detail})" if detail else "")
            return outcome

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"cannot create {self.directory}: {exc.strerror}") from None
        # The Markdown first: it is the source of truth, and a stale page is repaired on
        # the next run because its content no longer matches.
        if write_md:
            _write_atomic(md_path, document)
        if html_stale:
            _write_atomic(html_path, page)
        self._published = True  # only now: a folder nothing could be written to stays as is
        with contextlib.suppress(PublishError):  # the review stands; close() reports the index
            write_index(self.directory)
        return outcome

    def close(self) -> None:
        """Bring index.html up to date when this run wrote a review (dry runs write nothing).

        Also removes temporary files a killed earlier run left behind: they were never
        renamed into place, so nothing reads them.
        """
        if self._published:
            with contextlib.suppress(OSError):
                for leftover in self.directory.glob(f"{_TMP_PREFIX}*.tmp"):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
            write_index(self.directory)


def index_entries(directory: Path) -> list[IndexEntry]:
    """Every review file in the folder, from its name and meta line."""
    entries: list[IndexEntry] = []
    if not directory.is_dir():
        return entries
    try:
        paths = sorted(directory.iterdir())
    except OSError as exc:
        raise PublishError(f"cannot list {directory}: {exc.strerror}") from None
    for path in paths:
        match = _REVIEW_FILE.match(path.name)
        if match is None or not path.is_file():
            continue
        meta = read_meta(_read_text(path) or "") or {}
        score = meta.get("score")
        status = meta.get("status")
        action = meta.get("action")
        html_name = path.with_suffix(".html").name
        entries.append(
            IndexEntry(
                period=match.group("period"),
                kind=match.group("kind"),
                score=score if isinstance(score, int) and not isinstance(score, bool) else None,
                status=status if isinstance(status, str) else None,
                html=html_name,
                md=path.name,
                action=action if isinstance(action, str) else None,
            )
        )
    return entries


def write_index(directory: Path, *, dry_run: bool = False) -> bool:
    """Rebuild `index.html` from the `.md` reviews present; True when it was (or would be)
    rewritten, False when it already said the same.

    Raises:
        PublishError: the index cannot be written.
    """
    page = index_html(index_entries(directory))
    path = directory / INDEX_NAME
    if dry_run:
        return _read_text(path) != page
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {directory}: {exc.strerror}") from None
    return _write_if_changed(path, page)
