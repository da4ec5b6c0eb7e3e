"""Review cards on a Trello board: one card per (period, kind) in the Reviews list.

- **Where.** The list named by `[reviews.trello] list` (an open list, found by name,
  trimmed and case-insensitive; created at the end of the board when missing). The card
  is found by its name, `review.title` (`Monthly review 2026-10`), in one listing of the
  board's open lists and their open card names per run. The card the ledger in the store
  knows is also found wherever the user moved it on the board, as long as it is open.
- **Duplicates.** More than one open card for one (period, kind) — made by runs on
  different machines, or by hand — are merged: the oldest card (the lowest id: Trello
  ids start with their creation time) is kept, every paragraph below the notes heading
  of the others that it does not already hold is appended to its notes, then the others
  are archived (not deleted: Trello can restore them), and the outcome says so. A run
  killed between the two steps finds the notes already moved and does not move them
  twice.
- **Drafts.** A draft is titled `Monthly review 2026-10 (draft)`. Both names mean the
  same (period, kind): publishing looks for either and renames the card to the current
  title, so the final review takes over the draft card (its notes and comments included)
  and no second card appears.
- **Description.** The rendered Markdown (Trello renders it), at most 16,384 characters
  (counted in UTF-16 units, as Trello counts). Everything from the notes heading down is
  the reader's: kept word for word (report.notes). When the review does not fit, the
  description holds a summary (the opening and as many whole sections as fit) and the
  full review is attached as `<key>-<hash>.md`.
- **Chart.** The score trend as `<key>-trend-<hash>.png` (the card cover). A changed
  chart is uploaded first and the old one deleted after, so a run that dies halfway
  leaves at most one extra attachment, which the next run removes.
- **Unchanged** generated content (compared as `content_hash` of the part above the notes
  heading) with its attachments in place writes nothing: 1 request with a known card id.
- Comments are never read or written. A dry run reads but writes nothing and reports
  the requests a real run would make.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import requests.adapters

from careerloop.config import Config, TrelloSource
from careerloop.connectors.base import Clock, PublishOutcome
from careerloop.connectors.publishing import (
    Draft,
    Ledger,
    Plan,
    Step,
    is_unchanged,
    merge_step,
    publish_review,
    repair_line,
    retire,
)
from careerloop.connectors.trello.client import TrelloApi, board_ref, trello_policy
from careerloop.connectors.values import name_key as _key
from careerloop.errors import ConfigError, PublishError
from careerloop.kpi.words import plural
from careerloop.report.charts import trend_png
from careerloop.report.notes import content_hash, merge_notes, split_notes
from careerloop.report.review import Review
from careerloop.store import Store

__all__ = ["DESC_LIMIT", "TrelloPublisher", "summarise", "trello_length"]

DESC_LIMIT = 16_384
DRAFT_SUFFIX = " (draft)"
_CARD_PARAMS = {
    "fields": "name,desc,closed,idBoard,idList,shortUrl,url",
    "attachments": "true",
    "attachment_fields": "id,name",
    "board": "true",
    "board_fields": "id,shortLink",
    "list": "true",
    "list_fields": "name,closed",
}


def trello_length(text: str) -> int:
    """Length as Trello counts it: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _short_hash(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:8]


def _where(review: Review) -> str:
    return f"Trello review card {review.title!r}"


MOVED_NOTES = "_Notes moved here from a duplicate of this review ({where}):_"


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def _with_moved_notes(existing: str, duplicates: list[_Card], heading: str) -> tuple[str, int]:
    """`existing` with the notes of `duplicates` that it lacks appended; how many paragraphs.

    A duplicate's notes are what lies below its notes heading (its whole description
    when the heading is gone); a paragraph already in `existing` is not moved again.
    """
    moved = 0
    for duplicate in duplicates:
        notes = split_notes(duplicate.desc, heading)[1]
        body = notes.partition("\n")[2] if notes else duplicate.desc
        new = [p for p in _paragraphs(body) if p.strip() not in existing]
        if not new:
            continue
        intro = MOVED_NOTES.format(where=duplicate.url or duplicate.id)
        existing = existing.rstrip("\n") + "\n\n" + "\n\n".join([intro, *new]) + "\n"
        moved += len(new)
    return existing, moved


def summarise(generated: str, budget: int, note: str) -> str:
    """The opening of `generated` and as many whole `## ` sections as fit in `budget`
    (Trello length), then `note`; lines are cut only when the opening alone is too long.
    """
    blocks = re.split(r"(?m)^(?=## )", generated)
    tail = f"\n{note}\n\n"
    room = budget - trello_length(tail)
    kept: list[str] = []
    for block in blocks:
        if trello_length("".join(kept) + block) > room:
            break
        kept.append(block)
    if not kept:
        lines: list[str] = []
        for line in blocks[0].splitlines(keepends=True):
            if trello_length("".join(lines) + line) > room:
                break
            lines.append(line)
        kept = lines
    text = "".join(kept).rstrip("\n") + "\n"
    return text + tail


@dataclass(slots=True)
class _Card:
    """The review card as read: what an update needs."""

    id: str
    name: str
    desc: str
    url: str
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Found:
    """Where the review card is (or goes): its list, the card, newer copies of it."""

    list_id: str | None = None
    board_id: str | None = None
    create_list: bool = False
    card: _Card | None = None
    duplicates: list[_Card] = field(default_factory=list)  # newer cards of this review


@dataclass(slots=True, kw_only=True)
class _CardPlan(Plan):
    """The core's plan plus what `apply` writes: description, name, attachments."""

    found: _Found
    document: str = ""  # the description to write
    write_card: bool = False  # create the card, or update its description or name
    desc_changed: bool = False
    old_name: str | None = None  # the card's name, when it is renamed
    full_name: str | None = None  # the full review's attachment, when the card has a summary
    wanted: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # name -> (data, mime)
    uploads: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # ids of attachments to delete
    moved: int = 0  # note paragraphs moved from the duplicates


class TrelloPublisher:
    """Review cards in the Reviews list of `[sources.trello] board`."""

    name = "trello"

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        api: TrelloApi | None = None,
        clock: Clock | None = None,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> None:
        source = config.sources.trello
        if source is None or not source.board:
            raise ConfigError(
                "reviews.targets: publishing to trello needs [sources.trello] board (the "
                "board whose Reviews list gets the review cards)"
            )
        self._source: TrelloSource = source
        self._ref = board_ref(source.board)
        self._list_name = config.reviews.trello.list
        self._heading = config.reviews.notes_heading
        self.ledger = Ledger(self.name, store)
        self._api = api
        self._clock = clock
        self._adapter = adapter
        self._lists: list[dict[str, Any]] | None = None  # the board's open lists, this run

    @property
    def api(self) -> TrelloApi:
        """The API client, made on first use (so a dry config check needs no token)."""
        if self._api is None:
            self._api = TrelloApi.from_config(
                self._source,
                policy=trello_policy(self._source, clock=self._clock),
                adapter=self._adapter,
            )
        return self._api

    def close(self) -> None:
        """Close the HTTP session."""
        if self._api is not None:
            self._api.close()

    # -- publish ----------------------------------------------------------------------------

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        """Upsert the review card; keep the notes; write nothing when nothing changed.

        Raises:
            PublishError: Trello refused or failed a request (the message names the card).
        """
        return publish_review(self, Draft.of(review, markdown, self._heading), dry_run=dry_run)

    def requests_sent(self) -> int:
        """Requests the API client sent so far."""
        return self.api.calls

    def plan(self, draft: Draft, found: _Found, *, dry_run: bool) -> _CardPlan:
        """The description (notes kept, duplicates' notes added), name and attachments."""
        review, card = draft.review, found.card
        existing, moved = _with_moved_notes(
            card.desc if card else "", found.duplicates, self._heading
        )
        document, described, full_name = self._description(draft, existing)
        plan = _CardPlan(
            action="created",
            location=f"Trello list {self._list_name!r}",
            content_hash=content_hash(described),
            found=found,
            document=document,
            full_name=full_name,
            moved=moved,
        )
        self._plan_attachments(draft, plan)
        if card is not None:
            plan.remote_id, plan.location = card.id, card.url
            plan.old_name = card.name if card.name != review.title else None
            plan.desc_changed = bool(moved) or not is_unchanged(
                existing, plan.content_hash, self._heading
            )
            plan.write_card = plan.desc_changed or plan.old_name is not None
            changed = plan.write_card or plan.uploads or plan.stale or found.duplicates
            plan.action = "updated" if changed else "unchanged"
        else:
            plan.write_card = True
        plan.steps = self._steps(review, plan)
        return plan

    def _description(self, draft: Draft, existing: str) -> tuple[str, str, str | None]:
        """(the description, its generated part, the full review's attachment name or None).

        Raises:
            PublishError: the reader's notes alone exceed Trello's description limit.
        """
        generated, heading = draft.generated, self._heading
        document = merge_notes(generated + draft.notes, existing, heading)
        if trello_length(document) <= DESC_LIMIT:
            return document, generated, None
        full_name = f"{draft.review.key}-{_short_hash(generated)}.md"
        notes_length = trello_length(document) - trello_length(generated)
        note = f"_The full review is attached as `{full_name}`._"
        summary = summarise(generated, DESC_LIMIT - notes_length, note)
        document = merge_notes(summary + draft.notes, existing, heading)
        if trello_length(document) > DESC_LIMIT:
            raise PublishError(
                f"{_where(draft.review)}: the notes under {heading!r} take more than Trello's "
                f"{DESC_LIMIT} characters of description: move some of them to a comment"
            )
        return document, summary, full_name

    def _plan_attachments(self, draft: Draft, plan: _CardPlan) -> None:
        """The chart (and full review) the card needs, what to upload and what is stale."""
        review, card = draft.review, plan.found.card
        chart = trend_png(review.trend)
        plan.wanted = {f"{review.key}-trend-{_short_hash(chart)}.png": (chart, "image/png")}
        if plan.full_name is not None:
            plan.wanted[plan.full_name] = (draft.generated.encode("utf-8"), "text/markdown")
        ours = re.compile(rf"^{re.escape(review.key)}-(?:trend-)?[0-9a-f]{{8}}\.(?:png|md)$")
        attachments = card.attachments if card else []
        present = {str(a.get("name")) for a in attachments}
        plan.stale = [
            str(a["id"])
            for a in attachments
            if ours.match(str(a.get("name", ""))) and a.get("name") not in plan.wanted
        ]
        plan.uploads = [name for name in plan.wanted if name not in present]

    def _steps(self, review: Review, plan: _CardPlan) -> list[Step]:
        found = plan.found
        steps = [Step(f"create list {self._list_name!r}")] if found.create_list else []
        if found.card is None:
            steps.append(Step(f"create card {review.title!r}"))
        elif plan.write_card:
            steps.append(
                Step(
                    f"rename the card to {review.title!r}"
                    if plan.old_name
                    else "write the description"
                )
            )
        steps += [Step(f"attach {name}") for name in plan.uploads]
        if plan.stale:
            steps.append(
                Step(f"delete {plural(len(plan.stale), 'old attachment')}", len(plan.stale))
            )
        if found.duplicates:
            steps.append(merge_step(len(found.duplicates), "card", requests=len(found.duplicates)))
        return steps

    def apply(self, draft: Draft, plan: _CardPlan) -> None:
        """Write the card, then its attachments, then archive the duplicates."""
        review, found, where = draft.review, plan.found, _where(draft.review)
        if found.create_list:
            found.list_id = self._create_list(found, where)
        card = self._write_card(review, plan, where)
        self._write_attachments(card, plan, where)
        # Archived only after the kept card holds their notes (a kill in between moves
        # nothing twice: the next run finds those notes there already).
        retire(
            found.duplicates,
            lambda duplicate: self.api.fetch(
                f"{where} (duplicate {duplicate.url or duplicate.id})",
                f"/cards/{duplicate.id}",
                method="PUT",
                body={"closed": "true"},
            ),
        )
        self._remember(found, card.id, review.title)
        plan.remote_id, plan.location = card.id, card.url or plan.location
        plan.notes = self._said(review, plan)

    def _write_card(self, review: Review, plan: _CardPlan, where: str) -> _Card:
        """The card created, or its description and name updated where they changed."""
        card = plan.found.card
        if card is None:
            assert plan.found.list_id is not None
            created = self.api.fetch(
                where,
                "/cards",
                method="POST",
                body={
                    "idList": plan.found.list_id,
                    "name": review.title,
                    "desc": plan.document,
                    "pos": "top",
                },
            )
            return _Card(
                id=str(created["id"]),
                name=review.title,
                desc=plan.document,
                url=str(created.get("shortUrl") or created.get("url") or ""),
            )
        if plan.write_card:
            body: dict[str, Any] = {}
            if plan.desc_changed:
                body["desc"] = plan.document
            if plan.old_name is not None:
                body["name"] = review.title
            self.api.fetch(where, f"/cards/{card.id}", method="PUT", body=body)
        return card

    def _write_attachments(self, card: _Card, plan: _CardPlan, where: str) -> None:
        for name in plan.uploads:
            content, mime = plan.wanted[name]
            self.api.fetch(
                f"{where} (attachment {name})",
                f"/cards/{card.id}/attachments",
                method="POST",
                params={"name": name, "mimeType": mime, "setCover": mime.startswith("image/")},
                files={"file": (name, content, mime)},
            )
        retire(
            plan.stale,
            lambda attachment_id: self.api.fetch(
                f"{where} (old attachment)",
                f"/cards/{card.id}/attachments/{attachment_id}",
                method="DELETE",
            ),
        )

    def _said(self, review: Review, plan: _CardPlan) -> list[str]:
        """The outcome's notes after a real run: rename, summary, repair."""
        found, said = plan.found, []
        if plan.old_name is not None:
            said.append(f"renamed from {plan.old_name!r}")
        if plan.full_name:
            said.append(f"summary in the description, full review attached as {plan.full_name}")
        if found.duplicates:
            said.append(
                repair_line(
                    found=len(found.duplicates) + 1,
                    noun="card",
                    moved=plural(plan.moved, "note paragraph"),
                    retired=f"archived {plural(len(found.duplicates), 'duplicate')}",
                )
            )
        return said

    # -- finding the card -------------------------------------------------------------------

    def _titles(self, review: Review) -> tuple[str, str]:
        """(this title, the other one): a draft and its final review share a card."""
        title = review.title
        if title.endswith(DRAFT_SUFFIX):
            return title, title[: -len(DRAFT_SUFFIX)]
        return title, title + DRAFT_SUFFIX

    def _read_card(self, card_id: str, where: str) -> tuple[_Card, dict[str, Any]]:
        raw = self.api.fetch(where, f"/cards/{card_id}", params=_CARD_PARAMS)
        card = _Card(
            id=str(raw["id"]),
            name=str(raw.get("name") or ""),
            desc=str(raw.get("desc") or ""),
            url=str(raw.get("shortUrl") or raw.get("url") or ""),
            attachments=[a for a in raw.get("attachments") or [] if isinstance(a, dict)],
        )
        return card, raw

    def _open_lists(self) -> list[dict[str, Any]]:
        """The board's open lists with their open cards' names (one request per run)."""
        if self._lists is None:
            lists = self.api.fetch(
                f"Trello board {self._ref}",
                f"/boards/{self._ref}/lists",
                params={
                    "filter": "open",
                    "fields": "name,idBoard",
                    "cards": "open",
                    "card_fields": "name",
                },
            )
            self._lists = (
                [x for x in lists if isinstance(x, dict)] if isinstance(lists, list) else []
            )
        return self._lists

    def _remember(self, found: _Found, card_id: str, name: str) -> None:
        """Keep this run's listing true to the board after a publish wrote to it."""
        if self._lists is None:
            return
        gone = {d.id for d in found.duplicates} | {card_id}
        for lst in self._lists:
            lst["cards"] = [c for c in lst.get("cards") or [] if c.get("id") not in gone]
        home = next((x for x in self._lists if str(x.get("id")) == found.list_id), None)
        if home is None:
            home = {
                "id": found.list_id,
                "name": self._list_name,
                "idBoard": found.board_id,
                "cards": [],
            }
            self._lists.append(home)
        home["cards"].append({"id": card_id, "name": name})

    def find(self, draft: Draft, *, dry_run: bool) -> _Found:
        """The Reviews list and the review's open cards there (or where the ledger says).

        More than one card: the oldest is the review's, the others are duplicates.
        """
        review = draft.review
        lists = self._open_lists()
        wanted = _key(self._list_name)
        home = next((x for x in lists if _key(str(x.get("name", ""))) == wanted), None)
        found = _Found(board_id=next((str(x["idBoard"]) for x in lists if x.get("idBoard")), None))
        matches = self._matches(review, lists, home)
        if home is None:
            found.create_list = not matches
        else:
            found.list_id = str(home["id"])
        if matches:
            # Trello ids start with their creation time in hex: the lowest is the oldest.
            keep, *others = sorted(matches)
            where = _where(review)
            found.card, _ = self._read_card(keep, where)
            found.duplicates = [self._read_card(other, where)[0] for other in others]
        return found

    def _matches(
        self, review: Review, lists: list[dict[str, Any]], home: dict[str, Any] | None
    ) -> list[str]:
        """Ids of the open cards named as the review (or its draft) in the Reviews list,
        and elsewhere only the card the ledger knows (the user moved it there)."""
        titles = {_key(t) for t in self._titles(review)}
        known = self.ledger.known_id(review)
        matches: list[str] = []
        for lst in lists:
            for card in lst.get("cards") or []:
                if not isinstance(card, dict) or _key(str(card.get("name", ""))) not in titles:
                    continue
                if lst is home or str(card.get("id")) == known:
                    matches.append(str(card["id"]))
        return list(dict.fromkeys(matches))

    def _create_list(self, found: _Found, where: str) -> str:
        board_id = found.board_id
        if board_id is None:  # a board without any open list: ask for its id
            board = self.api.fetch(where, f"/boards/{self._ref}", params={"fields": "id"})
            board_id = str(board["id"])
        created = self.api.fetch(
            where,
            "/lists",
            method="POST",
            body={
                "name": self._list_name,
                "idBoard": board_id,
                "pos": "bottom",
            },
        )
        return str(created["id"])
