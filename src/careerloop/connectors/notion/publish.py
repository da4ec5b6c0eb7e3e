"""Review pages in a Notion database: one page per (period, kind), upserted.

- **The Reviews database.** `[reviews.notion] database` (a database id, data source id or
  URL) is used as it is; otherwise a database titled "Career reviews" is looked up among
  the children of `[reviews.notion] parent` and created there when missing. Its
  properties: Name, Period (`2026-10`), Kind, Period start, Score, Status, one number per
  KPI (labelled as in the scorecard; ratios formatted as percent), Content hash, Generated
  and Draft, so Notion's own charts can plot the trend. Properties a newer review needs
  (a new KPI) are added with one `data_sources.update`.
- **Finding the page.** One query of the data source (Period equals, Kind equals; the
  oldest page wins). A query never shows trashed pages: when it finds nothing and the
  ledger knows a page id, that page is retrieved; in the trash it is reported and skipped,
  never resurrected nor duplicated.
- **Duplicates.** When the query finds more than one live page for the (period, kind) —
  made by runs on different machines, or by hand — the oldest is kept: every block a
  person wrote below the notes heading of the others (or, on a page without the heading,
  every block the kept page does not already hold) is appended to the kept page's end,
  then the others go to the trash, and the outcome says so. A block careerloop cannot
  copy (a file Notion hosts, a child page, a synced block) keeps its page out of the
  trash and is named in the outcome. A run killed halfway leaves notes already moved: the
  next run sees they are there (same content key) and does not move them twice.
- **A second Reviews database** under the parent (two first runs on different
  machines) is reported in the first outcome of a run and not used: the first one
  listed (the oldest) is.
- **Unchanged** (the Content hash property equals `content_hash` of the generated part)
  writes nothing: 1 query.
- **New page.** `pages.create` with the properties and the first batch of blocks, then
  the remaining appends in order. The Content hash is written last (with one
  `pages.update`, or in the create when everything fits it): a run killed halfway leaves a
  page with an empty hash, which the next run finds and completes, never a second page.
- **Changed page.** The page's children are listed and the top-level blocks above the
  notes heading block (a heading whose text equals `[reviews] notes_heading`, trimmed and
  case-insensitive) compared with the new generated blocks by a normalised content key:
  type and body as Notion returns it against the body that would be sent (rich text as
  runs of text, link and annotations; checked, language, icon, table cells, image source
  and caption), ignoring ids, timestamps and what Notion adds (`color: default`,
  `is_toggleable: false`, empty captions). The longest common prefix and suffix of equal
  blocks are kept; only the blocks between are deleted, and the new ones between are
  inserted with `blocks.children.append(position={"type": "after_block", …})` after the
  last kept block (`{"type": "start"}` when none; notion-client 3.1 passes `position`
  through; `after=` is gone in Notion-Version 2026-03-11). A block with children is equal
  only when its whole subtree is: its children are listed (one request per block with
  children, lazily, only where keeping it can save at least as much, and never for the
  last differing pair, which is the change). The properties and hash are written last,
  so a killed run leaves blocks the next run's comparison sorts out. The heading and
  every block below it are never touched. A page that lost its heading keeps all its
  blocks: the new part, a fresh heading and a one-line explanation go in at the start. A
  page left incomplete by a killed run (empty hash, no heading yet) first loses the
  leading blocks that match what is being published (they are that run's), so the review
  does not appear twice; both of these write the whole generated part.
- **Chart.** The score trend PNG is shown as an image block above the first section,
  captioned with the trend itself (`Score trend, 2026-08 to 2026-10: 70 → 74 → 78`): the
  caption is its content key, so an update keeps the image while the trend is the same
  and uploads a new one (`file_uploads.create` single_part, then `send`) only when the
  image block has to be written. When the upload fails the review still goes out with a
  text trend line, the failure is in the outcome's detail, and the hash is stored marked
  so the next run tries the chart again.
- **The free-workspace block cap.** Notion's answer (400 validation_error mentioning the
  block limit; the wording is undocumented) becomes one PublishError saying what to do.
- **Compact template.** `[reviews.notion] template = "compact"` makes the pipeline render
  `compact.md.j2` for this target (far fewer blocks), with every other template, before
  anything is written; the publisher only gets the Markdown.
- **Dry run.** Reads only; the outcome says what would happen and how many requests a
  real run would make.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from notion_client.helpers import extract_page_id

from careerloop.config import Config, NotionSource
from careerloop.connectors.base import Clock, PublishAction, PublishOutcome
from careerloop.connectors.notion.blocks import (
    AppendBatch,
    Block,
    count_blocks,
    markdown_to_blocks,
    notion_rich_text,
    plain_text,
    plan_appends,
    resolve_parent,
)
from careerloop.connectors.notion.client import NotionApi, notion_policy
from careerloop.connectors.publishing import (
    Draft,
    Ledger,
    Plan,
    Step,
    merge_step,
    publish_review,
    repair_line,
    retire,
)
from careerloop.errors import (
    CareerloopError,
    ConfigError,
    NotFound,
    PublishError,
    SourceError,
)
from careerloop.kpi import catalog
from careerloop.kpi.words import plural
from careerloop.report.charts import trend_png
from careerloop.report.notes import LOST_HEADING_NOTE
from careerloop.report.render import status_label
from careerloop.report.review import Review, TrendPoint
from careerloop.store import Store

__all__ = [
    "BLOCK_LIMIT_ERROR",
    "REVIEWS_TITLE",
    "NotionPublisher",
    "is_block_limit",
    "chart_caption",
    "reviews_schema",
    "trend_line",
]

REVIEWS_TITLE = "Career reviews"
BLOCK_LIMIT_ERROR = (
    "Notion refused new blocks: this free workspace has reached its 1,000-block limit for "
    'integrations; set [reviews.notion] template = "compact" or upgrade the workspace'
)
TRASHED_DETAIL = (
    "skipped: the review page is in the trash; restore it or delete it from the trash to "
    "publish again"
)
NAME, PERIOD, KIND, PERIOD_START, SCORE, STATUS = (
    "Name",
    "Period",
    "Kind",
    "Period start",
    "Score",
    "Status",
)
HASH, GENERATED, DRAFT = "Content hash", "Generated", "Draft"
MOVED_NOTES = "Notes moved here from a duplicate of this review (created {created}):"
_FIXED = frozenset({NAME, PERIOD, KIND, PERIOD_START, SCORE, STATUS, HASH, GENERATED, DRAFT})
# Stored after the hash when the chart could not be uploaded: the next run sees a change
# and tries the chart again.
NO_CHART = " (chart pending)"
CHART_NAME = "trend.png"

JSON = dict[str, Any]


# -- pure helpers --------------------------------------------------------------------------


def is_block_limit(message: str) -> bool:
    """Whether an error message is Notion's free-workspace block limit."""
    text = message.casefold()
    return "block limit" in text or "block_limit" in text


def trend_line(points: Sequence[TrendPoint]) -> str:
    """`Score trend: 80 → 85 → 88` (– for a period without a score)."""
    scores = [str(p.score) if p.score is not None else "–" for p in points]
    return "Score trend: " + " → ".join(scores)


def _kpi_property(label: str) -> str:
    # A KPI labelled like a fixed column would overwrite it.
    return f"{label} (KPI)" if label in _FIXED else label


def _kpi_columns(review: Review) -> dict[str, tuple[str, float | None]]:
    """Property name -> (KPI key, value) for every KPI of the review."""
    return {_kpi_property(k.label): (k.key, k.value) for k in review.scorecard.kpis.values()}


def _number_schema(key: str) -> JSON:
    return {"number": {"format": catalog.number_format(key)}}


def reviews_schema(review: Review) -> JSON:
    """The Reviews data source's properties, in `databases.create` form."""

    def select(*names: str) -> JSON:
        return {"select": {"options": [{"name": n} for n in names]}}

    schema: JSON = {
        NAME: {"title": {}},
        PERIOD: {"rich_text": {}},
        KIND: select("monthly", "quarterly"),
        PERIOD_START: {"date": {}},
        SCORE: {"number": {"format": "number"}},
        STATUS: select("on track", "at risk", "off track", "no data"),
    }
    for name, (key, _) in _kpi_columns(review).items():
        schema[name] = _number_schema(key)
    schema.update({HASH: {"rich_text": {}}, GENERATED: {"date": {}}, DRAFT: {"checkbox": {}}})
    return schema


def _text(value: str) -> JSON:
    return {"rich_text": notion_rich_text(value, max_items=25)}


def review_properties(review: Review, title_property: str, stored_hash: str | None) -> JSON:
    """Property values of the review page; the hash only when `stored_hash` is given."""
    card = review.scorecard
    props: JSON = {
        title_property: {"title": notion_rich_text(review.title, max_items=25)},
        PERIOD: _text(review.period.label),
        KIND: {"select": {"name": review.kind}},
        PERIOD_START: {"date": {"start": review.period.start.isoformat()}},
        SCORE: {"number": card.score},
        STATUS: {"select": {"name": status_label(card.status)}},
        GENERATED: {"date": {"start": review.generated_on.isoformat()}},
        DRAFT: {"checkbox": review.draft},
    }
    for name, (_, value) in _kpi_columns(review).items():
        props[name] = {"number": value}
    if stored_hash is not None:
        props[HASH] = _text(stored_hash)
    return props


def _block_text(block: Mapping[str, Any]) -> str:
    body = block.get(str(block.get("type")), {})
    return plain_text(body.get("rich_text") or []) if isinstance(body, dict) else ""


def _signature(kind: str, body: Mapping[str, Any]) -> tuple[str, str]:
    return kind, plain_text(body.get("rich_text") or []).strip()


def _is_heading(block: Mapping[str, Any], heading: str) -> bool:
    kind = str(block.get("type", ""))
    return kind in ("heading_1", "heading_2", "heading_3") and (
        _block_text(block).strip().casefold() == heading.strip().casefold()
    )


def _with_chart(blocks: list[Block], chart: Block) -> list[Block]:
    """`chart` placed above the first section (after the title and score lines)."""
    index = next(
        (i for i, b in enumerate(blocks) if i and b.type.startswith("heading_")),
        min(1, len(blocks)),
    )
    return [*blocks[:index], chart, *blocks[index:]]


def chart_caption(points: Sequence[TrendPoint]) -> str:
    """The chart's caption, which says what it shows (and is the image's content key)."""
    span = points[0].label if len(points) == 1 else f"{points[0].label} to {points[-1].label}"
    return trend_line(points).replace("Score trend:", f"Score trend, {span}:", 1)


# -- content keys: what Notion returns against what would be sent ------------------------

_FLAGS = ("bold", "italic", "strikethrough", "underline", "code")
# Body fields compared when set; unset, False and Notion's defaults compare equal.
_SCALARS = (
    "checked",
    "language",
    "table_width",
    "has_column_header",
    "has_row_header",
    "expression",
    "url",
    "is_toggleable",
)
_MEDIA = frozenset({"image", "video", "audio", "file", "pdf"})


def _rich_key(items: Any) -> tuple[Any, ...]:
    """Rich text as runs of (kind, text, link, annotations), adjacent equal styles joined.

    Only what shows counts: how the text is cut into items, `plain_text`, `href` and
    default annotations (`color: default`, flags that are False) do not.
    """
    runs: list[list[Any]] = []
    for item in items if isinstance(items, list) else []:
        run = _rich_run(item) if isinstance(item, Mapping) else None
        if run is None:
            continue
        if runs and run[0] == "text" and runs[-1][0] == "text" and runs[-1][2:] == run[2:]:
            runs[-1][1] += run[1]
        else:
            runs.append(run)
    return tuple(tuple(run) for run in runs)


def _rich_run(item: Mapping[str, Any]) -> list[Any] | None:
    """One rich text item as [kind, text, link, style]; None when it shows nothing."""
    kind = str(item.get("type", "text"))
    notes = item.get("annotations") or {}
    style = tuple(f for f in _FLAGS if notes.get(f))
    if notes.get("color", "default") != "default":
        style += (f"color={notes['color']}",)
    link: str | None = None
    if kind == "text":
        body = item.get("text") or {}
        text = str(body.get("content", item.get("plain_text", "")))
        link = (body.get("link") or {}).get("url") or None
    elif kind == "equation":
        text = str((item.get("equation") or {}).get("expression", ""))
    else:  # a mention: never what the publisher writes
        text = f"{item.get('plain_text', '')} {item.get(kind)!r}"
    return [kind, text, link, style] if text else None


def _body_key(kind: str, body: Mapping[str, Any], has_children: bool) -> tuple[Any, ...]:
    """A block's content without ids, timestamps and the defaults Notion adds."""
    key: list[Any] = [
        kind,
        has_children,
        _rich_key(body.get("rich_text")),
        _rich_key(body.get("caption")),
    ]
    key += [(name, body[name]) for name in _SCALARS if body.get(name) not in (None, False)]
    if "cells" in body:
        key.append(("cells", tuple(_rich_key(cell) for cell in body.get("cells") or [])))
    icon = body.get("icon")
    if isinstance(icon, Mapping):
        key.append(("icon", icon.get("type"), repr(icon.get(str(icon.get("type"))))))
    if body.get("color", "default") != "default":
        key.append(("color", body.get("color")))
    if kind in _MEDIA:  # an upload's id and a hosted file's URL change: only external counts
        source = body.get("type")
        url = (body.get("external") or {}).get("url") if source == "external" else None
        key.append(("source", "external" if source == "external" else "file", url))
    return tuple(key)


def _key(block: Mapping[str, Any] | Block) -> tuple[Any, ...]:
    """The content key of a block as listed by Notion, or of a block to be sent."""
    if isinstance(block, Block):
        return _body_key(block.type, block.body, bool(block.children))
    kind = str(block.get("type"))
    body = block.get(kind)
    return _body_key(
        kind, body if isinstance(body, Mapping) else {}, bool(block.get("has_children"))
    )


def _leading_matches(listed: Sequence[JSON], blocks: Sequence[Block]) -> int:
    """How many leading listed blocks have the type and text of `blocks`, in order."""
    matched = 0
    for block, wanted in zip(listed, blocks, strict=False):
        kind = str(block.get("type"))
        if _signature(kind, block.get(kind) or {}) != _signature(wanted.type, wanted.body):
            break
        matched += 1
    return matched


def _lists_needed(block: Block) -> int:
    """Children listings needed to compare `block`'s subtree with one on the page."""
    if not block.children:
        return 0
    pages = -(-len(block.children) // 100)
    return pages + sum(_lists_needed(child) for child in block.children)


@dataclass(slots=True)
class _Ends:
    """The equal leading (`head`) and trailing (`tail`) blocks of two lists, as found so far.

    An end stays open while its next pair may still be equal; a pair whose new block has
    children waits for `decide` (the caller compares the subtrees).
    """

    old: Sequence[tuple[Any, ...]]  # content keys
    new: Sequence[tuple[Any, ...]]
    blocks: Sequence[Block]  # the new blocks, for their children
    head: int = 0
    tail: int = 0
    open_head: bool = True
    open_tail: bool = True

    def grow(self) -> None:
        """Take in equal pairs without children at both ends, up to a difference."""
        limit = min(len(self.old), len(self.new))
        while self.open_head and self.head + self.tail < limit:
            if self.old[self.head] != self.new[self.head]:
                self.open_head = False
            elif self.blocks[self.head].children:
                break  # equal so far: the children decide
            else:
                self.head += 1
        while self.open_tail and self.head + self.tail < limit:
            i, j = len(self.old) - 1 - self.tail, len(self.new) - 1 - self.tail
            if self.old[i] != self.new[j]:
                self.open_tail = False
            elif self.blocks[j].children:
                break
            else:
                self.tail += 1

    def settled(self) -> bool:
        """Whether nothing is left to compare (or only the one differing pair: the change)."""
        left_old = len(self.old) - self.head - self.tail
        left_new = len(self.new) - self.head - self.tail
        if not (self.open_head or self.open_tail) or min(left_old, left_new) == 0:
            return True
        return left_old == 1 and left_new == 1

    def pending(self) -> tuple[int, int]:
        """The (old, new) indexes of the pair whose subtrees decide."""
        if self.open_head:
            return self.head, self.head
        return len(self.old) - 1 - self.tail, len(self.new) - 1 - self.tail

    def decide(self, same: bool) -> None:
        """Keep the pending pair (`same`) or close its end."""
        if self.open_head:
            self.head, self.open_head = (self.head + 1, True) if same else (self.head, False)
        else:
            self.tail, self.open_tail = (self.tail + 1, True) if same else (self.tail, False)


# -- copying a listed block (moving notes off a duplicate page) -----------------------------

_COPYABLE = frozenset(
    {
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
        "equation",
        "divider",
        "table",
        "table_row",
        "bookmark",
        "embed",
        "column_list",
        "column",
    }
)
_READ_ONLY = frozenset({"plain_text", "href"})


def _writable_rich(items: Any) -> list[JSON]:
    """Rich text as listed, without the fields Notion computes (they are not writable)."""
    return [
        {k: v for k, v in item.items() if k not in _READ_ONLY}
        for item in items or []
        if isinstance(item, Mapping)
    ]


def _writable_body(kind: str, body: Any) -> JSON | None:
    """The body to send for a listed block of `kind`, or None when it cannot be re-created.

    A file Notion hosts has an expiring URL, and a child page or synced block is not a
    body at all: those are left where they are.
    """
    if not isinstance(body, Mapping):
        return None
    if kind in _MEDIA:
        url = (body.get("external") or {}).get("url") if body.get("type") == "external" else None
        if not url:
            return None
        return {
            "type": "external",
            "external": {"url": url},
            "caption": _writable_rich(body.get("caption")),
        }
    if kind not in _COPYABLE:
        return None
    out: JSON = {}
    for name, value in body.items():
        if name == "children":
            continue
        if name == "icon" and isinstance(value, Mapping) and value.get("type") != "emoji":
            continue  # an uploaded icon cannot be sent back
        out[name] = _writable_field(name, value)
    return out


def _writable_field(name: str, value: Any) -> Any:
    """A body field as listed, made writable (rich text without its computed parts)."""
    if name in ("rich_text", "caption"):
        return _writable_rich(value)
    if name == "cells":
        return [_writable_rich(cell) for cell in value or []]
    return value


# -- plans ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Source:
    """The Reviews data source: id (None: to be created), schema once known."""

    id: str | None
    title_property: str = NAME
    properties: dict[str, Any] | None = None
    database_id: str | None = None
    created: bool = False  # by this run: it holds only pages this run made


@dataclass(slots=True)
class _Page:
    """The review page as found: what an update needs."""

    id: str
    url: str
    stored_hash: str
    in_trash: bool = False
    created: str = ""


@dataclass(slots=True)
class _PageWrites:
    """What publishing will write on the page (and the data source's new properties)."""

    action: PublishAction
    page: _Page | None
    remove: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    batches: list[AppendBatch] = field(default_factory=list)
    missing: JSON = field(default_factory=dict)  # properties to add to the data source
    notes: list[str] = field(default_factory=list)
    after: str | None = None  # the kept block new ones go after (None: the page's start)
    kept: int = 0  # top-level generated blocks left in place


@dataclass(slots=True, kw_only=True)
class _Found:
    """What `find` located: the data source and the review's pages."""

    source: _Source
    page: _Page | None
    trashed: _Page | None
    duplicates: list[_Page]
    notice: str  # a second Reviews database, said once


@dataclass(slots=True, kw_only=True)
class _NotionPlan(Plan):
    """The core's plan plus what `apply` needs: the page and its writes."""

    source: _Source
    page: _Page | None = None
    duplicates: list[_Page] = field(default_factory=list)
    notice: str = ""
    writes: _PageWrites | None = None  # None: the generated part is unchanged
    chart: Block | None = None  # the chart's placeholder block
    upload: bool = False  # whether the writes include the chart (then it is uploaded)


def _page_steps(writes: _PageWrites, *, create_database: bool, upload: bool) -> list[Step]:
    """The steps of the page writes, each with the requests it takes."""
    steps = [Step(f"create the {REVIEWS_TITLE!r} database")] if create_database else []
    if writes.missing:
        steps.append(
            Step(
                f"add {plural(len(writes.missing), 'property', 'properties')} "
                "to the Reviews database"
            )
        )
    if upload:
        steps.append(Step("upload the chart", requests=2))  # file_uploads create and send
    added = plural(count_blocks(writes.blocks), "block")
    if writes.action == "created":
        follow = len(writes.batches) - 1  # appends after the create, then the hash
        steps.append(Step(f"create the page with {added}", 1 + follow + int(follow > 0)))
        return steps
    if writes.remove:
        steps.append(Step(f"remove {plural(len(writes.remove), 'block')}", len(writes.remove)))
    if writes.batches:
        steps.append(Step(f"add {added}", len(writes.batches)))
    if writes.kept:
        steps.append(Step(f"keep {plural(writes.kept, 'block')}", requests=0))
    steps.append(Step("write the properties"))
    return steps


def _where(review: Review) -> str:
    return f"Notion review page {review.title!r}"


# -- the publisher -------------------------------------------------------------------------


class NotionPublisher:
    """Review pages in the Reviews database of `[reviews.notion]`."""

    name = "notion"

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        api: NotionApi | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = config.reviews.notion
        if not settings.database and not settings.parent:
            raise ConfigError(
                "reviews.notion: publishing to notion needs `parent` (a page the Reviews "
                "database is created under) or `database` (an existing Reviews database)"
            )
        self._config = config
        self._settings = settings
        self._heading = config.reviews.notes_heading
        self._api = api
        self._clock = clock
        self._transport = transport
        self._source: _Source | None = None
        self.ledger = Ledger(self.name, store)
        self._notice = ""  # said once, in the next outcome: a second Reviews database

    @property
    def api(self) -> NotionApi:
        """The API client, made on first use (so building the publisher needs no token)."""
        if self._api is None:
            source = self._config.sources.notion or NotionSource()
            self._api = NotionApi.from_config(
                source, policy=notion_policy(source, clock=self._clock), transport=self._transport
            )
        return self._api

    def close(self) -> None:
        """Close the HTTP client."""
        if self._api is not None:
            self._api.close()

    # -- publish --------------------------------------------------------------------------

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        """Upsert the review page; keep the notes; write nothing when nothing changed.

        `markdown` is what goes on the page, rendered by the pipeline with the template
        `[reviews.notion] template` names.

        Raises:
            PublishError: Notion refused or failed a request (the block limit included).
        """
        return publish_review(self, Draft.of(review, markdown, self._heading), dry_run=dry_run)

    def requests_sent(self) -> int:
        """Requests the API client sent so far."""
        return self.api.calls

    def find(self, draft: Draft, *, dry_run: bool) -> _Found:
        """The Reviews data source, then the review's live page, trashed page or copies."""
        source = self.reviews_source(draft.review, dry_run=dry_run)
        notice, self._notice = self._notice, ""
        page, trashed, duplicates = self._locate(draft.review, source, _where(draft.review))
        return _Found(
            source=source, page=page, trashed=trashed, duplicates=duplicates, notice=notice
        )

    def plan(self, draft: Draft, found: _Found, *, dry_run: bool) -> _NotionPlan:
        """Skip a trashed page; keep an unchanged one; else the blocks to remove and add."""
        if found.trashed is not None:
            return _NotionPlan(
                action="skipped",
                location=found.trashed.url,
                remote_id=found.trashed.id,
                notes=[TRASHED_DETAIL],
                source=found.source,
            )
        page = found.page
        plan = _NotionPlan(
            action="created",
            location=f"Notion database {REVIEWS_TITLE!r}",
            source=found.source,
            page=page,
            duplicates=found.duplicates,
            notice=found.notice,
        )
        if page is not None:
            plan.remote_id, plan.location = page.id, page.url
            if found.duplicates:
                plan.steps.append(merge_step(len(found.duplicates), "page", requests=0))
            if page.stored_hash == draft.digest:
                plan.action = "updated" if found.duplicates else "unchanged"
                plan.notes = [found.notice] if found.notice else []
                return plan
        self._plan_page(draft, plan)
        return plan

    def _plan_page(self, draft: Draft, plan: _NotionPlan) -> None:
        """Fill `plan` with the page writes: blocks, chart, properties, the database."""
        review, where = draft.review, _where(draft.review)
        notes = draft.notes if draft.notes.strip() else f"## {self._heading}\n"
        blocks = markdown_to_blocks(draft.generated)
        if review.trend:
            # Uploaded only when the plan writes it: a kept chart (same trend) is not.
            caption = notion_rich_text(chart_caption(review.trend))
            plan.chart = Block(
                "image",
                {"type": "file_upload", "file_upload": {"id": "pending"}, "caption": caption},
            )
            blocks = _with_chart(blocks, plan.chart)
        writes = self._page_writes(review, plan.source, plan.page, blocks, notes, where)
        writes.batches = plan_appends(writes.blocks, first_into_create=writes.action == "created")
        plan.writes, plan.action = writes, writes.action
        plan.upload = plan.chart is not None and any(b is plan.chart for b in writes.blocks)
        plan.steps[:0] = _page_steps(
            writes, create_database=plan.source.id is None, upload=plan.upload
        )
        plan.notes = [*writes.notes, *([plan.notice] if plan.notice else [])]

    def apply(self, draft: Draft, plan: _NotionPlan) -> None:
        """Merge the duplicates, upload the chart, then write the page (the hash last)."""
        where = _where(draft.review)
        repaired = ""
        if plan.page is not None and plan.duplicates:
            repaired = self._repair(plan.page, plan.duplicates, where)
        chart_failure = self._write_page(draft, plan, where) if plan.writes else ""
        plan.notes = [
            *(plan.writes.notes if plan.writes else []),
            *([chart_failure] if chart_failure else []),
            *([plan.notice] if plan.notice else []),
            *([repaired] if repaired else []),
        ]

    def _write_page(self, draft: Draft, plan: _NotionPlan, where: str) -> str:
        """Create or update the page as planned; why the chart failed ("" if it did not)."""
        writes, source, review = plan.writes, plan.source, draft.review
        assert writes is not None
        chart_failure = ""
        if plan.upload and plan.chart is not None:
            drawn, chart_failure = self._chart(review, plan.chart, where)
            writes.blocks = [drawn if b is plan.chart else b for b in writes.blocks]
            writes.batches = plan_appends(
                writes.blocks, first_into_create=writes.action == "created"
            )
        stored = draft.digest + (NO_CHART if chart_failure else "")
        assert source.id is not None  # a real run made the database in `find`
        if writes.missing:
            self._write(
                where, self.api.sdk.data_sources.update, source.id, properties=writes.missing
            )
            if source.properties is not None:
                source.properties.update(writes.missing)
        if plan.page is None:
            page = self._create(review, source, writes, stored, where)
        else:
            page = plan.page
            self._replace(review, source, page, writes, stored, where)
        plan.remote_id, plan.location = page.id, page.url
        return chart_failure

    # -- the database ---------------------------------------------------------------------

    def reviews_source(self, review: Review, *, dry_run: bool = False) -> _Source:
        """The Reviews data source, found or (unless `dry_run`) created; once per run."""
        if self._source is not None and self._source.id is not None:
            return self._source
        api = self.api
        if self._settings.database:
            where = "[reviews.notion] database"
            found = api.resolve(self._settings.database, where=where)
            self._source = _Source(
                id=found.id,
                title_property=found.title_property or NAME,
                properties=dict(found.properties),
                database_id=found.database_id,
            )
            return self._source
        parent = extract_page_id(str(self._settings.parent))
        if parent is None:
            raise ConfigError(
                f"reviews.notion.parent: {self._settings.parent!r} is not a Notion page id or URL"
            )
        where = f"Notion page {parent} ([reviews.notion] parent)"
        databases = self._find_databases(parent, where)
        if len(databases) > 1:
            others = ", ".join(databases[1:])
            self._notice = (
                f"{len(databases)} {REVIEWS_TITLE!r} databases under the parent page: using "
                f"the oldest ({databases[0]}); not using {others}: move its pages into the "
                "first and delete it"
            )
        database_id = databases[0] if databases else None
        if database_id is not None:
            database = api.call(where, api.sdk.databases.retrieve, database_id)
            sources = database.get("data_sources") or []
            if not sources:
                raise PublishError(f"{where}: database {REVIEWS_TITLE!r} has no data source")
            self._source = _Source(id=str(sources[0]["id"]), database_id=database_id)
            return self._source
        if dry_run:
            self._source = _Source(id=None)
            return self._source
        schema = reviews_schema(review)
        created = self._write(
            where,
            api.sdk.databases.create,
            parent={"type": "page_id", "page_id": parent},
            title=[{"type": "text", "text": {"content": REVIEWS_TITLE}}],
            initial_data_source={"properties": schema},
        )
        sources = created.get("data_sources") or []
        if not sources:
            raise PublishError(f"{where}: Notion created {REVIEWS_TITLE!r} without a data source")
        self._source = _Source(
            id=str(sources[0]["id"]),
            properties=schema,
            database_id=str(created.get("id")),
            created=True,
        )
        return self._source

    def _find_databases(self, parent: str, where: str) -> list[str]:
        """The ids of the Reviews databases directly under the parent page, oldest first.

        More than one means two first runs created it at once (on different machines:
        the run lock keeps runs on one state file apart).
        """
        found = []
        for block in self._children(parent, where):
            if block.get("type") != "child_database" or block.get("in_trash"):
                continue
            title = str((block.get("child_database") or {}).get("title", ""))
            if title.strip() == REVIEWS_TITLE:
                found.append(str(block["id"]))
        return found

    def _schema(self, source: _Source, where: str) -> dict[str, Any]:
        if source.properties is None:
            assert source.id is not None
            found = self.api.data_source(source.id, where=where)
            source.properties = dict(found.properties)
            source.title_property = found.title_property or NAME
        return source.properties

    def _missing(self, review: Review, source: _Source, where: str) -> JSON:
        """Properties the review writes that the data source lacks (a new KPI, a hash)."""
        if source.id is None:
            return {}
        have = self._schema(source, where)
        wanted = reviews_schema(review)
        wanted.pop(NAME)  # the title property exists under whatever name it has
        return {name: spec for name, spec in wanted.items() if name not in have}

    # -- finding the page -----------------------------------------------------------------

    def _locate(
        self, review: Review, source: _Source, where: str
    ) -> tuple[_Page | None, _Page | None, list[_Page]]:
        """(the live review page, the trashed one the ledger knows, live duplicates).

        The page is the oldest live one; the duplicates are the others (newest last).
        """
        if source.id is None or (source.created and not self.ledger.seen_this_run(review)):
            return None, None, []  # nothing to find in a database this run just made
        answer = self.api.query(
            source.id,
            where=where,
            page_size=10,
            filter={
                "and": [
                    {"property": PERIOD, "rich_text": {"equals": review.period.label}},
                    {"property": KIND, "select": {"equals": review.kind}},
                ]
            },
            sorts=[{"timestamp": "created_time", "direction": "ascending"}],
        )
        results = [_page(r) for r in answer.get("results") or [] if not r.get("in_trash")]
        if results:
            return results[0], None, results[1:]
        known = self.ledger.known_id(review)
        if known is None:
            return None, None, []
        try:
            raw = self.api.call(where, self.api.sdk.pages.retrieve, known)
        except NotFound:
            return None, None, []  # deleted for good, or no longer shared: publish anew
        page = _page(raw)
        if page.in_trash:
            return None, page, []
        parent = raw.get("parent") or {}
        if parent.get("data_source_id") == source.id:
            return page, None, []  # its Period or Kind was edited: it is still this review
        return None, None, []

    # -- duplicates -------------------------------------------------------------------------

    def _repair(self, keeper: _Page, duplicates: Sequence[_Page], where: str) -> str:
        """Move the notes of `duplicates` to the end of `keeper`, then trash them.

        Returns what was done, for the outcome. A duplicate holding a block that cannot
        be copied stays out of the trash (its notes that can be copied are moved).
        """
        have = {_key(b) for b in self._children(keeper.id, where)}
        moved = trashed = 0
        kept: list[str] = []
        for duplicate in duplicates:
            lost: list[str] = []
            moved += self._move_notes(keeper, duplicate, have, lost, where)
            if lost:
                kept.append(
                    f"{duplicate.url or duplicate.id} (holds {', '.join(sorted(set(lost)))}"
                    " careerloop cannot copy: move it by hand, then delete the page)"
                )
                continue
            # Each copy goes as soon as its notes are safe on the kept page.
            trashed += retire(
                [duplicate],
                lambda page: self._write(where, self.api.sdk.pages.update, page.id, in_trash=True),
            )
        return repair_line(
            found=len(duplicates) + 1,
            noun="page",
            moved=plural(moved, "note block"),
            retired=f"moved {plural(trashed, 'duplicate')} to the trash" if trashed else "",
            left=kept,
        )

    def _move_notes(
        self,
        keeper: _Page,
        duplicate: _Page,
        have: set[tuple[Any, ...]],
        lost: list[str],
        where: str,
    ) -> int:
        """Append the notes of `duplicate` that `keeper` lacks (`have`); how many blocks.

        Blocks that cannot be copied are named in `lost`.
        """
        listed = self._children(duplicate.id, where)
        heading = next((i for i, b in enumerate(listed) if _is_heading(b, self._heading)), None)
        # Without its heading the whole page may be the reader's: copy what is new.
        candidates = listed[heading + 1 :] if heading is not None else listed
        blocks: list[Block] = []
        for block in candidates:
            if _key(block) in have:
                continue  # the kept page holds it already (or an earlier run moved it)
            copy = self._copy_tree(block, lost, where)
            if copy is not None:
                blocks.append(copy)
        if blocks:
            intro = MOVED_NOTES.format(created=duplicate.created[:10] or "earlier")
            lead = Block("paragraph", {"rich_text": notion_rich_text(intro)})
            self._append_at_end(keeper.id, [lead, *blocks], where)
            have.update(_key(b) for b in blocks)
        return len(blocks)

    def _copy_tree(self, block: JSON, lost: list[str], where: str) -> Block | None:
        """A listed block (and its children) as a block to send, or None (added to `lost`)."""
        kind = str(block.get("type"))
        body = _writable_body(kind, block.get(kind))
        if body is None:
            lost.append(kind.replace("_", " "))
            return None
        children: list[Block] = []
        if block.get("has_children"):
            for child in self._children(str(block["id"]), where):
                copy = self._copy_tree(child, lost, where)
                if copy is not None:
                    children.append(copy)
        return Block(kind, body, children)

    def _append_at_end(self, page_id: str, blocks: list[Block], where: str) -> None:
        ids: list[list[str]] = []
        for batch in plan_appends(blocks):
            parent = resolve_parent(batch, page_id, ids)
            answer = self._write(
                where, self.api.sdk.blocks.children.append, parent, children=batch.children
            )
            ids.append([str(b["id"]) for b in answer.get("results") or []])

    # -- planning -------------------------------------------------------------------------

    def _page_writes(
        self,
        review: Review,
        source: _Source,
        page: _Page | None,
        generated: list[Block],
        notes: str,
        where: str,
    ) -> _PageWrites:
        missing = self._missing(review, source, where)
        if page is None:
            return _PageWrites(
                "created", None, blocks=generated + markdown_to_blocks(notes), missing=missing
            )
        plan = _PageWrites("updated", page, missing=missing)
        existing = list(self._children(page.id, where))
        heading = next((i for i, b in enumerate(existing) if _is_heading(b, self._heading)), None)
        if not page.stored_hash:
            plan.notes.append("completed an interrupted publish")
        if heading is not None:
            old = existing[:heading]
            head, tail = self._common_ends(old, generated, where)
            plan.remove = [str(b["id"]) for b in old[head : len(old) - tail]]
            plan.blocks = generated[head : len(generated) - tail]
            plan.after = str(old[head - 1]["id"]) if head else None
            plan.kept = head + tail
        else:
            self._without_heading(plan, existing, generated, notes)
        return plan

    def _without_heading(
        self, plan: _PageWrites, existing: list[JSON], generated: list[Block], notes: str
    ) -> None:
        """A page without the notes heading keeps its blocks below a new heading.

        A page a killed run left incomplete (empty hash) first loses the leading blocks
        that match what goes in: they are that run's, not the reader's.
        """
        assert plan.page is not None
        notes_blocks = markdown_to_blocks(notes)
        keep = existing
        if not plan.page.stored_hash:
            matched = _leading_matches(existing, generated + notes_blocks)
            plan.remove = [str(b["id"]) for b in existing[:matched]]
            keep = existing[matched:]
        if keep:
            first = notes.splitlines()[0] if notes.strip() else f"## {self._heading}"
            notes_blocks = markdown_to_blocks(f"{first}\n\n{LOST_HEADING_NOTE}\n")
            plan.notes.append(
                f"the notes heading {self._heading!r} was missing: the page's blocks "
                "are kept below a new one"
            )
        plan.blocks = generated + notes_blocks

    def _common_ends(
        self, old: Sequence[JSON], new: Sequence[Block], where: str
    ) -> tuple[int, int]:
        """How many leading and trailing blocks of `old` equal those of `new` (kept).

        Blocks compare by content key; a pair with children is equal only when the
        subtrees are, which takes listing the children on the page. That listing is made
        only when keeping the block can save as many requests as it costs (the blocks
        still to be deleted), and not for the one pair left between the kept ends: the
        hash said something changed, so it is that pair, and checking would waste a read.
        """
        ends = _Ends([_key(b) for b in old], [_key(b) for b in new], new)
        while True:
            ends.grow()
            if ends.settled():
                return ends.head, ends.tail
            i, j = ends.pending()
            left_old = len(old) - ends.head - ends.tail
            worth = _lists_needed(new[j]) <= left_old  # listing costs no more than it saves
            ends.decide(worth and self._same_tree(old[i], new[j], where))

    def _same_tree(self, old: JSON, new: Block, where: str) -> bool:
        """Whether the children below `old` (listed now) equal `new`'s, all the way down."""
        if not new.children:
            return not old.get("has_children")
        if not old.get("has_children"):
            return False
        children = self._children(str(old["id"]), where)
        if len(children) != len(new.children):
            return False
        if any(_key(a) != _key(b) for a, b in zip(children, new.children, strict=True)):
            return False
        return all(
            self._same_tree(a, b, where)
            for a, b in zip(children, new.children, strict=True)
            if b.children
        )

    # -- writing --------------------------------------------------------------------------

    def _write(self, where: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A write; Notion's free-workspace block limit becomes one plain PublishError."""
        try:
            return self.api.call(where, method, *args, **kwargs)
        except SourceError as error:
            if is_block_limit(str(error)):
                raise PublishError(BLOCK_LIMIT_ERROR) from None
            raise

    def _create(
        self, review: Review, source: _Source, plan: _PageWrites, stored: str, where: str
    ) -> _Page:
        api = self.api
        batches = plan.batches
        single = len(batches) == 1
        created = self._write(
            where,
            api.sdk.pages.create,
            parent={"type": "data_source_id", "data_source_id": source.id},
            properties=review_properties(review, source.title_property, stored if single else None),
            children=batches[0].children,
        )
        page = _page(created)
        self.ledger.remember(review, page.id)  # a failure below leaves it for the next run
        ids: list[list[str]] = [[]]
        for batch in batches[1:]:
            parent = resolve_parent(batch, page.id, ids)
            answer = self._write(
                where, api.sdk.blocks.children.append, parent, children=batch.children
            )
            ids.append([str(b["id"]) for b in answer.get("results") or []])
        if not single:
            self._write(where, api.sdk.pages.update, page.id, properties={HASH: _text(stored)})
        return page

    def _replace(
        self,
        review: Review,
        source: _Source,
        page: _Page,
        plan: _PageWrites,
        stored: str,
        where: str,
    ) -> None:
        api = self.api
        for block_id in plan.remove:
            try:
                self._write(where, api.sdk.blocks.delete, block_id)
            except NotFound:
                pass  # already gone
        ids: list[list[str]] = []
        for batch in plan.batches:
            kwargs: JSON = {"children": batch.children}
            if batch.parent is None:
                after = (
                    plan.after if batch.after is None else ids[batch.after.batch][batch.after.index]
                )
                kwargs["position"] = (
                    {"type": "start"}
                    if after is None
                    else {"type": "after_block", "after_block": {"id": after}}
                )
            parent = resolve_parent(batch, page.id, ids)
            answer = self._write(where, api.sdk.blocks.children.append, parent, **kwargs)
            ids.append([str(b["id"]) for b in answer.get("results") or []])
        self._write(
            where,
            api.sdk.pages.update,
            page.id,
            properties=review_properties(review, source.title_property, stored),
        )

    def _chart(self, review: Review, chart: Block, where: str) -> tuple[Block, str]:
        """`chart` with the uploaded PNG, or a text trend line and why the upload failed."""
        api = self.api
        try:
            data = trend_png(review.trend)
            upload = api.call(
                f"{where} (chart)",
                api.sdk.file_uploads.create,
                mode="single_part",
                filename=CHART_NAME,
                content_type="image/png",
            )
            sent = api.call(
                f"{where} (chart)",
                api.sdk.file_uploads.send,
                str(upload["id"]),
                file=(CHART_NAME, data, "image/png"),
            )
            if sent.get("status") != "uploaded":
                raise SourceError(f"the upload ended {sent.get('status')!r}")
        # The chart is decoration: whatever went wrong, the review itself still goes out.
        except Exception as error:  # noqa: BLE001
            reason = str(error) if isinstance(error, CareerloopError) else type(error).__name__
            line = Block("paragraph", {"rich_text": notion_rich_text(trend_line(review.trend))})
            return line, f"chart upload failed ({reason}): the trend is shown as text"
        body = {**chart.body, "file_upload": {"id": str(upload["id"])}}
        return Block("image", body), ""

    def _children(self, block_id: str, where: str) -> list[JSON]:
        """Every child of a page or block, page by page (refuses a repeated cursor)."""
        api = self.api
        return [
            block
            for answer in api.paginate(where, api.sdk.blocks.children.list, block_id)
            for block in answer.get("results") or []
            if isinstance(block, dict)
        ]


def _page(raw: Mapping[str, Any]) -> _Page:
    properties = raw.get("properties") or {}
    stored = properties.get(HASH) or {}
    return _Page(
        id=str(raw["id"]),
        url=str(raw.get("url") or ""),
        stored_hash=plain_text(stored.get("rich_text") or []).strip(),
        in_trash=bool(raw.get("in_trash", raw.get("archived", False))),
        created=str(raw.get("created_time") or ""),
    )
