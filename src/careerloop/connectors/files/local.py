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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerloop.connectors.base import PublishAction, PublishOutcome
from careerloop.connectors.publishing import (
    Draft,
    Plan,
    Step,
    is_unchanged,
    publish_review,
)
from careerloop.errors import PublishError
from careerloop.report.html import (
    IndexEntry,
    index_html,
    is_current_page,
    page_key,
    review_html,
)
from careerloop.report.notes import merge_notes
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


@dataclass(slots=True)
class _Files:
    """A review's two files and what they hold now (None: missing)."""

    md_path: Path
    html_path: Path
    md: str | None
    html: str | None


@dataclass(slots=True, kw_only=True)
class _FilePlan(Plan):
    """The Markdown and HTML page to write (each only when it differs)."""

    files: _Files
    document: str = ""
    page: str = ""
    write_md: bool = False
    write_html: bool = False


class LocalPublisher:
    """Reviews as Markdown and HTML files in one folder, plus an index page."""

    name = "local"
    ledger = None  # a review's files are found by name

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
        document = meta_line(review) + strip_meta(markdown)
        return publish_review(self, Draft.of(review, document, self.notes_heading), dry_run=dry_run)

    def requests_sent(self) -> int:
        """Files cost no requests."""
        return 0

    def find(self, draft: Draft, *, dry_run: bool) -> _Files:
        """The review's files as they are now."""
        md_path, html_path = self.paths(draft.review)
        return _Files(md_path, html_path, _read_text(md_path), _read_text(html_path))

    def plan(self, draft: Draft, found: _Files, *, dry_run: bool) -> _FilePlan:
        """Created, updated (notes kept) or unchanged; the page follows the Markdown."""
        existing = found.md
        action: PublishAction
        if existing is None:
            action, document = "created", draft.markdown
        elif is_unchanged(existing, draft.digest, self.notes_heading):
            action, document = "unchanged", existing
        else:
            action, document = "updated", merge_notes(draft.markdown, existing, self.notes_heading)
        page = _page_of(draft.review, strip_meta(document), found.html)
        plan = _FilePlan(
            action=action,
            location=str(found.md_path),
            files=found,
            document=document,
            page=page,
            write_md=action != "unchanged",
            write_html=found.html != page,
        )
        if plan.write_md:
            plan.steps.append(Step(f"write {found.md_path.name}", requests=0))
        if plan.write_html:
            plan.steps.append(Step(f"write {found.html_path.name}", requests=0))
            if action == "unchanged":
                # The notes were edited (or the page deleted): refresh the page only.
                plan.action = "updated"
                plan.notes.append("HTML page refreshed; Markdown unchanged")
        return plan

    def apply(self, draft: Draft, plan: _FilePlan) -> None:
        """Write the Markdown, then the page, then bring the index up to date."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"cannot create {self.directory}: {exc.strerror}") from None
        # The Markdown first: it is the source of truth, and a stale page is repaired on
        # the next run because its content no longer matches.
        if plan.write_md:
            _write_atomic(plan.files.md_path, plan.document)
        if plan.write_html:
            _write_atomic(plan.files.html_path, plan.page)
        self._published = True  # only now: a folder nothing could be written to stays as is
        with contextlib.suppress(PublishError):  # the review stands; close() reports the index
            write_index(self.directory)

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


def _page_of(review: Review, markdown: str, existing: str | None) -> str:
    """The review's HTML page: the existing one when it was made from the same review."""
    card = review.scorecard
    title, trend, status, score = review.title, review.trend, card.status, card.score
    key = page_key(markdown, title=title, trend=trend, status=status, score=score)
    if existing is not None and is_current_page(existing, key):
        return existing
    return review_html(markdown, title=title, trend=trend, status=status, score=score)


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


def write_index(directory: Path) -> bool:
    """Rebuild `index.html` from the `.md` reviews present; True when it was rewritten,
    False when it already said the same.

    Raises:
        PublishError: the index cannot be written.
    """
    page = index_html(index_entries(directory))
    path = directory / INDEX_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {directory}: {exc.strerror}") from None
    return _write_if_changed(path, page)
