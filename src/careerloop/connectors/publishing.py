"""The publishing steps every target shares; a target only finds, plans and applies.

`publish_review(target, review, markdown, dry_run=)` runs the same steps for local
files, Notion and Trello:

1. **Draft.** The Markdown is split at the notes heading (report.notes) and the
   generated part hashed: that hash is what "unchanged" compares.
2. **Find.** `target.find` locates the existing file, page or card; a target that keeps
   remote ids asks its `Ledger` (this run's ids first, then the store's ledger).
3. **Plan.** `target.plan` says what it would write as `Step`s, each with the requests
   it takes, plus the notes the outcome carries.
4. **Stop when there is nothing to write.** A plan without steps (unchanged, skipped,
   or only repaired while finding) writes nothing more.
5. **Dry run.** The outcome says what would happen, worded here once: `dry run: would be
   <action> (<requests>; <steps>; <notes>)`, the requests being those made so far plus
   those the steps would take.
6. **Apply.** `target.apply` does the steps; the outcome counts the requests made.

A `SourceError` from any step (a refused request) becomes a `PublishError` with the same
message. Duplicates (two pages or cards for one review) are repaired with the helpers
at the end: one way to retire the copies and one wording of what was done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from careerloop.connectors.base import PublishAction, PublishOutcome
from careerloop.errors import NotFound, PublishError, SourceError
from careerloop.kpi.words import plural
from careerloop.report.notes import content_hash, find_notes_heading, split_notes
from careerloop.report.review import Review

if TYPE_CHECKING:
    from careerloop.store import Store

__all__ = [
    "Draft",
    "Ledger",
    "Plan",
    "Step",
    "Target",
    "dry_run_detail",
    "is_unchanged",
    "merge_step",
    "publish_review",
    "repair_line",
    "retire",
]


@dataclass(slots=True, frozen=True, kw_only=True)
class Draft:
    """A review about to be published: its Markdown split at the notes heading, hashed."""

    review: Review
    markdown: str
    generated: str  # everything above the notes heading
    notes: str  # the notes heading and below, as the template wrote it ("" without one)
    digest: str  # content_hash(generated)

    @classmethod
    def of(cls, review: Review, markdown: str, heading: str) -> Draft:
        """Split `markdown` at `heading` and hash the generated part."""
        generated, notes = split_notes(markdown, heading)
        return cls(
            review=review,
            markdown=markdown,
            generated=generated,
            notes=notes,
            digest=content_hash(generated),
        )


def is_unchanged(existing: str, digest: str, heading: str) -> bool:
    """Whether a stored document still holds its notes heading and a generated part
    hashing to `digest` (then only the reader's notes may differ: nothing to write)."""
    return (
        find_notes_heading(existing, heading) is not None
        and content_hash(split_notes(existing, heading)[0]) == digest
    )


@dataclass(slots=True, frozen=True)
class Step:
    """One thing a plan writes, said in a dry run, and the requests it takes."""

    what: str
    requests: int = 1


@dataclass(slots=True, kw_only=True)
class Plan:
    """What publishing one review will do; targets extend it with what `apply` needs.

    `content_hash` is what the ledger stores ("" means the draft's digest); `notes` go
    into the outcome's detail, on a dry run and a real one alike.
    """

    action: PublishAction
    location: str
    remote_id: str | None = None
    content_hash: str = ""
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """The requests the steps take."""
        return sum(step.requests for step in self.steps)


FoundT = TypeVar("FoundT")
PlanT = TypeVar("PlanT", bound=Plan)


class Target(Protocol[FoundT, PlanT]):
    """What a publishing target implements; `publish_review` does the rest."""

    name: str

    @property
    def ledger(self) -> Ledger | None:
        """Where the target's reviews went (None: it finds them without remote ids)."""
        ...

    def requests_sent(self) -> int:
        """Requests sent so far by this target (0 for files)."""
        ...

    def find(self, draft: Draft, *, dry_run: bool) -> FoundT:
        """Locate what the review was published as before (nothing is written)."""
        ...

    def plan(self, draft: Draft, found: FoundT, *, dry_run: bool) -> PlanT:
        """What publishing the draft over `found` would write."""
        ...

    def apply(self, draft: Draft, plan: PlanT) -> None:
        """Do the plan's steps; set `plan.remote_id`, `location` and `notes` as they end."""
        ...


class Ledger:
    """Where one target put each review: this run's ids first, then the store's ledger."""

    def __init__(self, target: str, store: Store | None) -> None:
        self.target = target
        self._store = store
        self._this_run: dict[str, str] = {}  # review key -> remote id

    def known_id(self, review: Review) -> str | None:
        """The id the review was published under, if any run recorded one."""
        if review.key in self._this_run:
            return self._this_run[review.key]
        if self._store is None:
            return None
        entry = self._store.published(self.target, review.period.label, review.kind)
        return entry.remote_id if entry is not None else None

    def seen_this_run(self, review: Review) -> bool:
        """Whether this run already published (or found) the review on the target."""
        return review.key in self._this_run

    def remember(self, review: Review, remote_id: str) -> None:
        """Keep the id for the rest of the run (the pipeline records it in the store)."""
        self._this_run[review.key] = remote_id


def publish_review(target: Target[FoundT, PlanT], draft: Draft, *, dry_run: bool) -> PublishOutcome:
    """Find, plan, stop or dry-run, apply: the one way every target publishes a review.

    Raises:
        PublishError: the target refused or failed (a source error keeps its message).
    """
    start = target.requests_sent()
    try:
        found = target.find(draft, dry_run=dry_run)
        plan = target.plan(draft, found, dry_run=dry_run)
        if dry_run:
            requests = target.requests_sent() - start + plan.requests
            return _outcome(
                target, draft, plan, requests, dry_run_detail(plan.action, requests, plan)
            )
        if plan.steps:
            target.apply(draft, plan)
    except SourceError as error:
        raise PublishError(str(error)) from None
    if target.ledger is not None and plan.remote_id and plan.action != "skipped":
        target.ledger.remember(draft.review, plan.remote_id)
    return _outcome(target, draft, plan, target.requests_sent() - start, "; ".join(plan.notes))


def _outcome(
    target: Target[FoundT, PlanT], draft: Draft, plan: Plan, requests: int, detail: str
) -> PublishOutcome:
    return PublishOutcome(
        target=target.name,
        review_key=draft.review.key,
        action=plan.action,
        location=plan.location,
        content_hash=plan.content_hash or draft.digest,
        remote_id=plan.remote_id,
        requests=requests,
        detail=detail,
    )


def dry_run_detail(action: PublishAction, requests: int, plan: Plan) -> str:
    """`dry run: would be updated (6 requests; remove 1 block; …)`: every target's wording."""
    parts = [plural(requests, "request")] if requests else []  # files cost no requests
    parts += [step.what for step in plan.steps if step.what]
    parts += plan.notes
    return f"dry run: would be {action}" + (f" ({'; '.join(parts)})" if parts else "")


# -- duplicates: two pages or cards for one review --------------------------------------

DuplicateT = TypeVar("DuplicateT")


def merge_step(duplicates: int, noun: str, *, requests: int) -> Step:
    """The plan's step that merges `duplicates` copies (`noun`: "page", "card")."""
    return Step(f"merge {plural(duplicates, f'duplicate {noun}')} into the oldest", requests)


def retire(duplicates: Iterable[DuplicateT], put_away: Callable[[DuplicateT], None]) -> int:
    """Trash or archive each duplicate (one gone meanwhile counts too); how many."""
    count = 0
    for duplicate in duplicates:
        try:
            put_away(duplicate)
        except NotFound:
            pass  # someone deleted it meanwhile: gone is what we wanted
        count += 1
    return count


def repair_line(
    *, found: int, noun: str, moved: str, retired: str, left: Sequence[str] = ()
) -> str:
    """What a repair did, for the outcome: `found 2 cards for this review: kept the oldest, …`.

    `moved` and `retired` are counted phrases (`2 note blocks`, `archived 1 duplicate`);
    an empty `retired` is left out, as is `left` (copies kept, with the reason).
    """
    parts = [f"found {plural(found, noun)} for this review: kept the oldest, moved {moved} into it"]
    if retired:
        parts.append(retired)
    if left:
        parts.append("left " + "; ".join(left))
    return ", ".join(parts)
