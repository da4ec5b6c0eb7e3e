"""The publishing core: draft and hash, find/plan/apply, stop when unchanged, dry runs,
requests counted, source errors as PublishError, the duplicate repair wording.

The target here keeps its documents in a dict and counts one request per read and per
write, like a service would: what it implements is exactly the `Target` protocol.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from careerloop.connectors.publishing import (
    Draft,
    Ledger,
    Plan,
    Step,
    dry_run_detail,
    is_unchanged,
    merge_step,
    publish_review,
    repair_line,
    retire,
)
from careerloop.errors import NotFound, PublishError, SourceError
from careerloop.kpi.scorecard import Scorecard
from careerloop.periods import Period
from careerloop.report.notes import content_hash, merge_notes
from careerloop.report.review import Review
from careerloop.store import Store

HEADING = "Notes"


def review(label: str = "2026-10") -> Review:
    card = Scorecard(period=Period.parse(label), score=80, status="on_track", kpis={})
    return Review(kind="monthly", scorecard=card, trend=[], generated_on=dt.date(2026, 11, 2))


@dataclass(slots=True, kw_only=True)
class _DocPlan(Plan):
    document: str = ""


class MemoryTarget:
    """Documents by review key; one request per read and per write."""

    name = "memory"

    def __init__(self, store: Store | None = None) -> None:
        self.documents: dict[str, str] = {}
        self.sent = 0
        self.writes = 0
        self.fail_with: Exception | None = None
        self.ledger = Ledger(self.name, store)

    def requests_sent(self) -> int:
        return self.sent

    def find(self, draft: Draft, *, dry_run: bool) -> str | None:
        self.sent += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.documents.get(draft.review.key)

    def plan(self, draft: Draft, found: str | None, *, dry_run: bool) -> _DocPlan:
        location = f"memory:{draft.review.key}"
        if found is None:
            plan = _DocPlan(action="created", location=location, document=draft.markdown)
        elif is_unchanged(found, draft.digest, HEADING):
            return _DocPlan(action="unchanged", location=location, remote_id=draft.review.key)
        else:
            plan = _DocPlan(
                action="updated",
                location=location,
                document=merge_notes(draft.markdown, found, HEADING),
            )
        plan.steps.append(Step("write the document"))
        return plan

    def apply(self, draft: Draft, plan: _DocPlan) -> None:
        self.sent += 1
        self.writes += 1
        self.documents[draft.review.key] = plan.document
        plan.remote_id = draft.review.key


def publish(
    target: MemoryTarget, markdown: str, *, dry_run: bool = False, item: Review | None = None
) -> tuple[str, int, str]:
    outcome = publish_review(target, Draft.of(item or review(), markdown, HEADING), dry_run=dry_run)
    return outcome.action, outcome.requests, outcome.detail


FIRST = "# Monthly review 2026-10\n\nScore 80\n\n## Notes\n"
SECOND = "# Monthly review 2026-10\n\nScore 85\n\n## Notes\n"


def test_a_draft_is_split_at_the_notes_heading_and_its_generated_part_hashed() -> None:
    draft = Draft.of(review(), "# Title\n\nbody\n\n## Notes\nmine\n", HEADING)
    assert draft.generated == "# Title\n\nbody\n\n"
    assert draft.notes == "## Notes\nmine\n"
    assert draft.digest == content_hash("# Title\n\nbody\n\n")


def test_unchanged_needs_the_heading_and_the_same_generated_part() -> None:
    digest = content_hash("# Title\n\nbody\n\n")
    assert is_unchanged("# Title\n\nbody\n\n## Notes\nedited by the reader\n", digest, HEADING)
    assert not is_unchanged("# Title\n\nbody\n\n", digest, HEADING)  # the heading is gone
    assert not is_unchanged("# Title\n\nother\n\n## Notes\n", digest, HEADING)


def test_created_then_unchanged_writes_once_and_counts_requests() -> None:
    target = MemoryTarget()
    # created: 1 read (find) + 1 write (apply) = 2 requests
    assert publish(target, FIRST) == ("created", 2, "")
    target.documents["2026-10-monthly"] += "my own note\n"
    # unchanged: 1 read, no write; the reader's note stays
    assert publish(target, FIRST) == ("unchanged", 1, "")
    assert target.writes == 1
    assert target.documents["2026-10-monthly"].endswith("## Notes\nmy own note\n")


def test_an_update_keeps_the_notes_and_the_ledger_remembers_the_id() -> None:
    target = MemoryTarget()
    publish(target, FIRST)
    target.documents["2026-10-monthly"] += "my own note\n"
    assert publish(target, SECOND) == ("updated", 2, "")
    assert target.documents["2026-10-monthly"] == SECOND + "my own note\n"
    assert target.ledger.seen_this_run(review())
    assert target.ledger.known_id(review()) == "2026-10-monthly"
    assert target.ledger.known_id(review("2026-09")) is None


def test_a_dry_run_counts_the_planned_requests_and_writes_nothing() -> None:
    target = MemoryTarget()
    publish(target, FIRST)
    # 1 read made + 1 write planned
    assert publish(target, SECOND, dry_run=True) == (
        "updated",
        2,
        "dry run: would be updated (2 requests; write the document)",
    )
    assert target.writes == 1 and target.documents["2026-10-monthly"] == FIRST
    assert publish(target, FIRST, dry_run=True) == (
        "unchanged",
        1,
        "dry run: would be unchanged (1 request)",
    )
    assert not MemoryTarget().ledger.seen_this_run(review())


def test_a_source_error_becomes_a_publish_error_with_its_message() -> None:
    target = MemoryTarget()
    target.fail_with = NotFound("Memory page 2026-10: not shared with the integration")
    with pytest.raises(PublishError, match=r"^Memory page 2026-10: not shared"):
        publish(target, FIRST)
    target.fail_with = ValueError("a bug")  # not a source error: left as it is
    with pytest.raises(ValueError, match="a bug"):
        publish(target, FIRST)


def test_the_ledger_falls_back_to_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        store.record_publish(
            target="memory",
            period="2026-10",
            kind="monthly",
            remote_id="page-1",
            location="memory:1",
            content_hash="abc",
        )
        ledger = Ledger("memory", store)
        assert ledger.known_id(review()) == "page-1"
        assert not ledger.seen_this_run(review())
        ledger.remember(review(), "page-2")  # this run's id wins
        assert ledger.known_id(review()) == "page-2"
        assert Ledger("other", store).known_id(review()) is None


def test_dry_run_wording_for_files_has_no_request_count() -> None:
    plan = Plan(
        action="created",
        location="x.md",
        steps=[Step("write x.md", requests=0)],
        notes=["HTML page refreshed"],
    )
    assert dry_run_detail("created", 0, plan) == (
        "dry run: would be created (write x.md; HTML page refreshed)"
    )
    assert dry_run_detail("unchanged", 0, Plan(action="unchanged", location="x.md")) == (
        "dry run: would be unchanged"
    )


def test_duplicate_repair_words() -> None:
    assert merge_step(1, "card", requests=1) == Step("merge 1 duplicate card into the oldest")
    assert merge_step(2, "page", requests=0).what == "merge 2 duplicate pages into the oldest"
    assert repair_line(
        found=2, noun="card", moved="1 note paragraph", retired="archived 1 duplicate"
    ) == (
        "found 2 cards for this review: kept the oldest, moved 1 note paragraph into it, "
        "archived 1 duplicate"
    )
    assert repair_line(
        found=3,
        noun="page",
        moved="0 note blocks",
        retired="",
        left=["https://x (holds child page careerloop cannot copy)"],
    ) == (
        "found 3 pages for this review: kept the oldest, moved 0 note blocks into it, "
        "left https://x (holds child page careerloop cannot copy)"
    )


def test_retire_counts_copies_gone_meanwhile_and_stops_on_other_errors() -> None:
    put_away: list[str] = []

    def archive(card: str) -> None:
        if card == "gone":
            raise NotFound("card gone")
        if card == "refused":
            raise SourceError("Trello refused")
        put_away.append(card)

    assert retire(["a", "gone", "b"], archive) == 3
    assert put_away == ["a", "b"]
    with pytest.raises(SourceError):
        retire(["c", "refused", "d"], archive)
    assert put_away == ["a", "b", "c"]
