"""report/html: self-contained review pages and the index, raw HTML shown as text."""

from __future__ import annotations

from careerloop.report.html import (
    IndexEntry,
    index_html,
    markdown_to_html,
    review_html,
    status_banner,
)
from careerloop.report.review import TrendPoint


def test_raw_html_is_text_and_images_become_links() -> None:
    html = markdown_to_html("A <script>alert(1)</script> note\n\n![chart](https://x.test/c.png)\n")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://x.test/c.png">chart</a>' in html
    assert "<img" not in html


def test_task_list_items_become_disabled_checkboxes() -> None:
    html = markdown_to_html("- [ ] open\n- [x] done\n- plain\n")
    assert '<li class="task"><input type="checkbox" disabled> open</li>' in html
    assert '<li class="task"><input type="checkbox" checked disabled> done</li>' in html
    assert "<li>plain</li>" in html


def test_the_banner_says_the_status_in_words() -> None:
    assert status_banner("at_risk", 72) == (
        '<p class="banner status-at_risk" role="status"><span class="words">At risk</span>'
        " · score 72/100</p>\n"
    )
    # An unknown status reads as no data; no score, no score text.
    assert 'status-no_data"' in status_banner("weird", None)
    assert "score" not in status_banner("weird", None)


def test_a_review_page_puts_banner_and_chart_right_after_the_title() -> None:
    page = review_html(
        "# Monthly review 2026-10\n\nBody text\n",
        title="Monthly review 2026-10",
        trend=[TrendPoint("2026-09", 60), TrendPoint("2026-10", 78)],
        status="at_risk",
        score=78,
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Monthly review 2026-10</title>" in page
    title, banner, chart, body = (
        page.index("</h1>"),
        page.index('class="banner'),
        page.index('<figure class="trend">'),
        page.index("<p>Body text"),
    )
    assert title < banner < chart < body
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # it fetches nothing


def test_a_page_without_trend_or_status_is_the_review_alone() -> None:
    page = review_html("Just text\n", title="T", trend=[])
    assert "banner" not in page.split("</style>")[1]
    assert "<figure" not in page
    assert "<p>Just text</p>" in page


def test_the_index_lists_each_kind_newest_first() -> None:
    entries = [
        IndexEntry(
            period="2026-09",
            kind="monthly",
            score=60,
            status="off_track",
            html="2026-09-monthly.html",
            md="2026-09-monthly.md",
            action="Book <it>",
        ),
        IndexEntry(
            period="2026-10",
            kind="monthly",
            score=None,
            status=None,
            html="2026-10-monthly.html",
            md="2026-10-monthly.md",
            action="",
        ),
        IndexEntry(
            period="2026-Q3",
            kind="quarterly",
            score=70,
            status="at_risk",
            html="2026-Q3-quarterly.html",
            md="2026-Q3-quarterly.md",
        ),
    ]
    page = index_html(entries)
    assert page.index("<h2>Monthly</h2>") < page.index("<h2>Quarterly</h2>")
    assert page.index("<td>2026-10</td>") < page.index("<td>2026-09</td>")
    assert '<td>2026-10</td><td>–</td><td>–</td><td class="action">keep the rhythm</td>' in page
    assert '<td>60/100</td><td>🔴 off track</td><td class="action">Book &lt;it&gt;</td>' in page
    # A review recorded without an action column shows a dash.
    assert '<td>70/100</td><td>🟡 at risk</td><td class="action">–</td>' in page
    assert '<p class="muted">No reviews yet.</p>' in index_html([])
