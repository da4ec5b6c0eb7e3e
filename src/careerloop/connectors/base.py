"""What every connector implements, and the one HTTP policy they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from careerloop.model import Workspace
from careerloop.report.review import Review

if TYPE_CHECKING:
    from careerloop.store import Store

PublishAction = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(slots=True, kw_only=True)
class ReadResult:
    """What one source gave: the records and how they were read."""

    origin: str  # what the store keys cursors by: `notion:<data source id>`, `trello:<board>`
    workspace: Workspace
    full: bool = True  # a full read replaces everything stored for the source
    deleted_ids: tuple[str, ...] = ()
    requests: int = 0
    cursor: str | None = None


class Source(Protocol):
    """A place the plan is read from (Notion, Trello or an export file)."""

    name: str

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        """Read the plan, one result per origin.

        `full` asks for a complete re-read rather than the changes since the cursors kept
        in `store` (which the source only reads; the pipeline saves the results).
        """
        ...


@dataclass(slots=True, kw_only=True)
class PublishOutcome:
    """What publishing one review to one target did (or would do, on a dry run)."""

    target: str
    review_key: str
    action: PublishAction
    location: str
    content_hash: str
    remote_id: str | None = None
    requests: int = 0
    detail: str = ""


@dataclass(slots=True, kw_only=True)
class Check:
    """One row of `careerloop doctor`."""

    name: str
    status: Literal["ok", "warn", "fail"]
    detail: str
    fix: str = ""


class Publisher(Protocol):
    """A place reviews are written to (local files, Notion, Trello)."""

    name: str

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        """Upsert the review keyed by (period, kind); keep everything under the notes heading."""
        ...
