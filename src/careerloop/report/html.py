"""Review Markdown as self-contained HTML pages, and the index of all reviews.

markdown-it-py runs with `html=False`: raw HTML in the Markdown (a reader's notes, a
module title) is shown as text, never executed. Pages carry their CSS and the trend
chart inline so a single file can be mailed, archived or printed, and they fetch
nothing: an image in the Markdown (a template's or a reader's) becomes a link to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from careerloop import __version__
from careerloop.report.charts import trend_svg
from careerloop.report.review import TrendPoint

__all__ = ["IndexEntry", "index_html", "markdown_to_html", "review_html"]

CSS = """
:root { color-scheme: light; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2937; background: #fff; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .5rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #e5e7eb;
     padding-bottom: .2rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
th, td { border: 1px solid #e5e7eb; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f9fafb; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; background: #fffbeb;
             border-left: 4px solid #d97706; }
code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
pre { background: #f3f4f6; padding: .75rem; overflow-x: auto; }
li.task { list-style: none; margin-left: -1.3rem; }
figure.trend { margin: 1rem 0; }
figure.trend svg { max-width: 100%; height: auto; }
a { color: #2563eb; }
.muted { color: #6b7280; }
.banner { margin: .5rem 0 1rem; padding: .6rem 1rem; border-radius: 6px; font-weight: 600;
          border-left: 6px solid; }
.banner .words { text-transform: uppercase; letter-spacing: .04em; }
.status-on_track { background: #dcfce7; border-color: #16a34a; color: #14532d; }
.status-at_risk { background: #fef3c7; border-color: #d97706; color: #78350f; }
.status-off_track { background: #fee2e2; border-color: #dc2626; color: #7f1d1d; }
.status-no_data, .status-info { background: #f3f4f6; border-color: #9ca3af; color: #374151; }
td.action { max-width: 28rem; }
@media (max-width: 640px) {
  body { margin: 1rem auto; padding: 0 .6rem; font-size: 15px; }
  table { font-size: .8rem; width: 100%; }
  th, td { padding: .25rem .3rem; overflow-wrap: break-word; hyphens: auto; }
  figure.trend { margin: .5rem 0; }
}
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
}
""".strip()


def _image_as_link(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """An image as a link to it: a self-contained page loads nothing from elsewhere."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
    src = str(token.attrs.get("src", ""))
    if not src:
        return escape(alt)
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


def _parser() -> MarkdownIt:
    # commonmark + GFM tables and strikethrough; html=False escapes any raw HTML.
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    return parser


def markdown_to_html(markdown: str) -> str:
    """An HTML fragment; `- [ ] item` list items become (disabled) checkboxes."""
    body: str = _parser().render(markdown)
    # A task marker can only appear right after <li> when it came from the Markdown list
    # syntax, since any user-typed HTML is escaped.
    body = body.replace("<li>[ ] ", '<li class="task"><input type="checkbox" disabled> ')
    for marker in ("[x] ", "[X] "):
        body = body.replace(
            f"<li>{marker}", '<li class="task"><input type="checkbox" checked disabled> '
        )
    return body


def _page(title: str, body: str, key: str | None = None) -> str:
    source = f'<meta name="careerloop-page" content="{key}">\n' if key else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="careerloop">\n'
        f"{source}"
        f"<title>{escape(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


_STATUS_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data",
    "info": "Info",
}


def status_banner(status: str | None, score: int | None) -> str:
    """A coloured bar with the status in words (readable without an emoji font)."""
    key = status if status in _STATUS_WORDS else "no_data"
    scored = f" · score {score}/100" if score is not None else ""
    return (
        f'<p class="banner status-{key}" role="status"><span class="words">'
        f"{_STATUS_WORDS[key]}</span>{scored}</p>\n"
    )


def page_key(
    markdown: str,
    *,
    title: str,
    trend: Sequence[TrendPoint],
    status: str | None = None,
    score: int | None = None,
) -> str:
    """A digest of everything a review's page is made from, careerloop's version included.

    The page carries it, so an unchanged review's page is recognised without rendering it
    again (Markdown to HTML is most of a no-change publish).
    """
    points = [(point.label, point.score) for point in trend]
    made_of = repr((__version__, markdown, title, points, status, score))
    return hashlib.sha256(made_of.encode("utf-8")).hexdigest()


def is_current_page(page: str, key: str) -> bool:
    """Whether an existing page was made from exactly what `key` digests."""
    return f'<meta name="careerloop-page" content="{key}">' in page


def review_html(
    markdown: str,
    *,
    title: str,
    trend: Sequence[TrendPoint],
    status: str | None = None,
    score: int | None = None,
) -> str:
    """A self-contained page of one review: title, status banner, trend, then the review.

    The banner is left out when `status` is not given.
    """
    key = page_key(markdown, title=title, trend=trend, status=status, score=score)
    body = markdown_to_html(markdown)
    chart = status_banner(status, score) if status is not None else ""
    if trend:
        svg = trend_svg(trend, title=f"Score trend: {title}")
        chart += f'<figure class="trend">\n{svg}\n</figure>\n'
    end_of_title = body.find("</h1>")
    if end_of_title == -1:
        body = chart + body
    else:
        cut = end_of_title + len("</h1>\n")
        body = body[:cut] + chart + body[cut:]
    return _page(title, body, key)


@dataclass(slots=True, frozen=True)
class IndexEntry:
    """One review in the index: links are relative to the index page."""

    period: str
    kind: str
    score: int | None
    status: str | None
    html: str
    md: str
    action: str | None = None  # the review's first action; "" when it had none


_STATUS = {
    "on_track": "🟢 on track",
    "at_risk": "🟡 at risk",
    "off_track": "🔴 off track",
    "no_data": "⚪ no data",
    "info": "🔵 info",
}


def index_html(entries: Sequence[IndexEntry]) -> str:
    """The index of every review: one section per kind, newest first, with the trend."""
    kinds = sorted({e.kind for e in entries}, key=lambda k: (k != "monthly", k))
    parts = ["<h1>Career reviews</h1>\n"]
    if not entries:
        parts.append('<p class="muted">No reviews yet.</p>\n')
    for kind in kinds:
        rows = sorted((e for e in entries if e.kind == kind), key=lambda e: e.period)
        trend = [TrendPoint(e.period, e.score) for e in rows]
        parts.append(f"<h2>{escape(kind.capitalize())}</h2>\n")
        parts.append(
            f'<figure class="trend">\n{trend_svg(trend, title=f"{kind} score trend")}\n</figure>\n'
        )
        parts.append(
            "<table>\n<thead><tr><th>Period</th><th>Score</th><th>Status</th>"
            "<th>First action</th><th>Review</th></tr></thead>\n<tbody>\n"
        )
        for entry in reversed(rows):
            score = "–" if entry.score is None else f"{entry.score}/100"
            status = _STATUS.get(entry.status or "", escape(entry.status or "–"))
            action = "–" if entry.action is None else escape(entry.action) or "keep the rhythm"
            parts.append(
                f"<tr><td>{escape(entry.period)}</td><td>{score}</td><td>{status}</td>"
                f'<td class="action">{action}</td>'
                f'<td><a href="{escape(entry.html)}">page</a> · '
                f'<a href="{escape(entry.md)}">Markdown</a></td></tr>\n'
            )
        parts.append("</tbody>\n</table>\n")
    return _page("Career reviews", "".join(parts))
