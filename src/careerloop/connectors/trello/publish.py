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
from careerloop.connectors.base import Clock, PublishAction, PublishOutcome
from careerloop.connectors.trello.client import TrelloApi, board_ref, trello_policy
from careerloop.connectors.values import name_key as _key
from careerloop.errors import ConfigError, NotFound, PublishError, SourceError
from careerloop.kpi.words import plural
from careerloop.report.charts import trend_png
from careerloop.report.notes import content_hash, find_notes_heading, merge_notes, split_notes
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
class _Plan:
    """What publishing will do; `writes` counts the requests still to make."""

    list_id: str | None = None
    board_id: str | None = None
    create_list: bool = False
    card: _Card | None = None
    duplicates: list[_Card] = field(default_factory=list)  # newer cards of this review
    reads: int = 0
    steps: list[str] = field(default_factory=list)


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
        self._store = store
        self._api = api
        self._clock = clock
        self._adapter = adapter
        self._known: dict[str, str] = {}  # review key -> card id, for this run
        self._lists: list[dict[str, Any]] | None = None  # the board's open lists, this run

    @property
    def api(self) -> TrelloApi:
        """The API client, made on first use (so a dry config check needs no token)."""
        if self._api is None:
            self._api = TrelloApi.from_config(
                self._source, policy=trello_policy(self._source, clock=self._clock),
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
        where = f"Trello review card {review.title!r}"
        try:
            return self._publish(review, markdown, dry_run=dry_run, where=where)
        except SourceError as error:
            raise PublishError(str(error)) from None

    def _publish(self, review: Review, markdown: str, *, dry_run: bool,
                 where: str) -> PublishOutcome:
        api = self.api
        start = api.calls
        plan = self._find(review, where)

        generated, template_notes = split_notes(markdown, self._heading)
        existing = plan.card.desc if plan.card is not None else ""
        existing, moved = _with_moved_notes(existing, plan.duplicates, self._heading)
        chart = trend_png(review.trend)
        chart_name = f"{review.key}-trend-{_short_hash(chart)}.png"
        full_name: str | None = None
        desc_generated = generated
        document = merge_notes(generated + template_notes, existing, self._heading)
        if trello_length(document) > DESC_LIMIT:
            full_name = f"{review.key}-{_short_hash(generated)}.md"
            notes_length = trello_length(document) - trello_length(generated)
            note = f"_The full review is attached as `{full_name}`._"
            desc_generated = summarise(generated, DESC_LIMIT - notes_length, note)
            document = merge_notes(desc_generated + template_notes, existing, self._heading)
            if trello_length(document) > DESC_LIMIT:
                raise PublishError(
                    f"{where}: the notes under {self._heading!r} take more than Trello's "
                    f"{DESC_LIMIT} characters of description: move some of them to a comment"
                )
        digest = content_hash(desc_generated)

        wanted = {chart_name: (chart, "image/png")}
        if full_name is not None:
            wanted[full_name] = (generated.encode("utf-8"), "text/markdown")
        pattern = re.compile(rf"^{re.escape(review.key)}-(?:trend-)?[0-9a-f]{{8}}\.(?:png|md)$")
        card = plan.card
        present = {str(a.get("name")) for a in card.attachments} if card else set()
        stale = [str(a["id"]) for a in (card.attachments if card else [])
                 if pattern.match(str(a.get("name", ""))) and a.get("name") not in wanted]
        uploads = [name for name in wanted if name not in present]

        action: PublishAction
        desc_changed = card is None or bool(moved) or not (
            find_notes_heading(existing, self._heading) is not None
            and content_hash(split_notes(existing, self._heading)[0]) == digest
        )
        rename = card is not None and card.name != review.title
        if card is None:
            action = "created"
        elif desc_changed or rename or uploads or stale:
            action = "updated"
        else:
            action = "unchanged"

        if plan.duplicates and action == "unchanged":
            action = "updated"  # the duplicates are archived, at least
        writes = (
            int(plan.create_list)
            + int(card is None or desc_changed or rename)
            + len(uploads)
            + len(stale)
            + len(plan.duplicates)
        )
        repaired = (
            f"found {len(plan.duplicates) + 1} cards for this review: kept the oldest, "
            f"moved {plural(moved, 'note paragraph')} into it, "
            f"archived {plural(len(plan.duplicates), 'duplicate')}"
            if plan.duplicates else ""
        )
        outcome = PublishOutcome(
            target=self.name,
            review_key=review.key,
            action=action,
            location=card.url if card else f"Trello list {self._list_name!r}",
            content_hash=digest,
            remote_id=card.id if card else None,
        )
        if dry_run:
            outcome.requests = api.calls - start + writes
            outcome.detail = (
                f"dry run: would be {action} ({outcome.requests} requests"
                + (f"; {', '.join(plan.steps)}" if plan.steps else "")
                + (f"; would merge {plural(len(plan.duplicates), 'duplicate card')} into the oldest"
                   if plan.duplicates else "")
                + ")"
            )
            return outcome
        if action == "unchanged":
            assert card is not None
            self._known[review.key] = card.id
            outcome.requests = api.calls - start
            return outcome

        if plan.create_list:
            plan.list_id = self._create_list(plan, where)
        if card is None:
            assert plan.list_id is not None
            created = api.fetch(where, "/cards", method="POST", body={
                "idList": plan.list_id, "name": review.title, "desc": document, "pos": "top",
            })
            card = _Card(id=str(created["id"]), name=review.title, desc=document,
                         url=str(created.get("shortUrl") or created.get("url") or ""))
        elif desc_changed or rename:
            body: dict[str, Any] = {}
            if desc_changed:
                body["desc"] = document
            if rename:
                body["name"] = review.title
            api.fetch(where, f"/cards/{card.id}", method="PUT", body=body)
        for name in uploads:
            content, mime = wanted[name]
            api.fetch(
                f"{where} (attachment {name})",
                f"/cards/{card.id}/attachments",
                method="POST",
                params={"name": name, "mimeType": mime,
                        "setCover": mime.startswith("image/")},
                files={"file": (name, content, mime)},
            )
        for attachment_id in stale:
            try:
                api.fetch(f"{where} (old attachment)",
                          f"/cards/{card.id}/attachments/{attachment_id}", method="DELETE")
            except NotFound:
                pass  # already gone: someone deleted it by hand
        # Archived only after the kept card holds their notes (a kill in between moves
        # nothing twice: the next run finds those notes there already).
        for duplicate in plan.duplicates:
            try:
                api.fetch(f"{where} (duplicate {duplicate.url or duplicate.id})",
                          f"/cards/{duplicate.id}", method="PUT", body={"closed": "true"})
            except NotFound:
                pass  # deleted meanwhile
        self._known[review.key] = card.id
        self._remember(plan, card.id, review.title)
        outcome.remote_id = card.id
        outcome.location = card.url or outcome.location
        outcome.requests = api.calls - start
        details = []
        if rename:
            details.append(f"renamed from {plan.card.name!r}" if plan.card else "")
        if full_name:
            details.append(f"summary in the description, full review attached as {full_name}")
        details.append(repaired)
        outcome.detail = "; ".join(d for d in details if d)
        return outcome

    # -- finding the card -------------------------------------------------------------------

    def _titles(self, review: Review) -> tuple[str, str]:
        """(this title, the other one): a draft and its final review share a card."""
        title = review.title
        if title.endswith(DRAFT_SUFFIX):
            return title, title[: -len(DRAFT_SUFFIX)]
        return title, title + DRAFT_SUFFIX

    def _known_id(self, review: Review) -> str | None:
        if review.key in self._known:
            return self._known[review.key]
        if self._store is None:
            return None
        entry = self._store.published(self.name, review.period.label, review.kind)
        return entry.remote_id if entry is not None else None

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
                params={"filter": "open", "fields": "name,idBoard", "cards": "open",
                        "card_fields": "name"},
            )
            self._lists = (
                [x for x in lists if isinstance(x, dict)] if isinstance(lists, list) else []
            )
        return self._lists

    def _remember(self, plan: _Plan, card_id: str, name: str) -> None:
        """Keep this run's listing true to the board after a publish wrote to it."""
        if self._lists is None:
            return
        gone = {d.id for d in plan.duplicates} | {card_id}
        for lst in self._lists:
            lst["cards"] = [c for c in lst.get("cards") or [] if c.get("id") not in gone]
        home = next((x for x in self._lists if str(x.get("id")) == plan.list_id), None)
        if home is None:
            home = {"id": plan.list_id, "name": self._list_name, "idBoard": plan.board_id,
                    "cards": []}
            self._lists.append(home)
        home["cards"].append({"id": card_id, "name": name})

    def _find(self, review: Review, where: str) -> _Plan:
        plan = _Plan()
        titles = {_key(t) for t in self._titles(review)}
        lists = self._open_lists()
        wanted = _key(self._list_name)
        found = next((x for x in lists if _key(str(x.get("name", ""))) == wanted), None)
        plan.board_id = next((str(x["idBoard"]) for x in lists if x.get("idBoard")), None)
        known = self._known_id(review)
        matches: dict[str, str] = {}  # card id -> name
        for lst in lists:
            for card in lst.get("cards") or []:
                if not isinstance(card, dict) or _key(str(card.get("name", ""))) not in titles:
                    continue
                # In the Reviews list; elsewhere only the card the ledger knows (moved there).
                if lst is found or str(card.get("id")) == known:
                    matches[str(card["id"])] = str(card.get("name", ""))
        if found is None:
            plan.create_list = not matches
            if plan.create_list:
                plan.steps.append(f"create list {self._list_name!r}")
        else:
            plan.list_id = str(found["id"])
        if not matches:
            plan.steps.append(f"create card {review.title!r}")
            return plan
        # Trello ids start with their creation time in hex: the lowest is the oldest.
        keep, *others = sorted(matches)
        plan.card, _ = self._read_card(keep, where)
        plan.duplicates = [self._read_card(other, where)[0] for other in others]
        return plan

    def _create_list(self, plan: _Plan, where: str) -> str:
        board_id = plan.board_id
        if board_id is None:  # a board without any open list: ask for its id
            board = self.api.fetch(where, f"/boards/{self._ref}", params={"fields": "id"})
            board_id = str(board["id"])
        created = self.api.fetch(where, "/lists", method="POST", body={
            "name": self._list_name, "idBoard": board_id, "pos": "bottom",
        })
        return str(created["id"])
