"""Workspace text made literal for Markdown, clean for terminals, free of secrets."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from careerloop.report.escape import (
    Markdown,
    clean_text,
    escape_markdown,
    redact,
    terminal_text,
)
from careerloop.report.html import markdown_to_html

CASES = {
    "plain": ("Ship the roadmap", "Ship the roadmap"),
    "image": ("![g](http://h/x.png)", "!\\[g\\](http://h/x.png)"),
    "link": ("[a](http://h)", "\\[a\\](http://h)"),
    "heading": ("# Notes", "\\# Notes"),
    "hash-inside": ("C# and F#", "C# and F#"),
    "emphasis": ("*a* _b_ ~~c~~", "\\*a\\* \\_b\\_ \\~\\~c\\~\\~"),
    "table": ("a | b", "a \\| b"),
    "html": ("<b>x</b>", "\\<b>x\\</b>"),
    "quote": ("> q", "\\> q"),
    "arrow-inside": ("a -> b", "a -> b"),
    "list": ("- x", "\\- x"),
    "ordered": ("1. x", "1\\. x"),
    "decimal": ("2.18 per hour", "2.18 per hour"),
    "entity": ("&#x202E; R&D", "\\&#x202E; R&D"),
    "backslash": ("a\\b", "a\\\\b"),
    "newlines": ("one\n## two\r\n  three", "one ## two three"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_escape_markdown(case: str) -> None:
    raw, escaped = CASES[case]
    assert escape_markdown(raw) == escaped
    # CommonMark shows the escaped text as exactly the (one-line) original.
    html = MarkdownIt("commonmark").renderInline(escaped)
    assert "<" not in html.replace("&lt;", "")
    assert isinstance(escape_markdown(raw), Markdown)


def test_markdown_is_not_escaped_twice() -> None:
    once = escape_markdown("**x**")
    assert escape_markdown(once) == "\\*\\*x\\*\\*"


def test_controls_and_bidi_overrides_are_removed() -> None:
    assert clean_text("x \u202elive\u202c\x00\x07\x1b\x9b\u2066y\u2069\u200e\u200f\tz\n") == (
        "x livey\tz\n"
    )


def test_terminal_text_drops_whole_escape_sequences() -> None:
    text = "a\x1b[31mred\x1b[0m \x1b]0;title\x07b \x1b]8;;http://h\x1b\\link\x1b]8;;\x1b\\ \x9b2Jc"
    assert terminal_text(text) == "ared b link c"


def test_redact_finds_the_secret_escaped_too() -> None:
    secret = "ntn_abc_123456"
    text = f"raw {secret} escaped {escape_markdown(secret)} short abc"
    assert redact(text, [secret, "abc"]) == "raw [redacted] escaped [redacted] short abc"


def test_the_html_page_shows_an_image_as_a_link() -> None:
    html = markdown_to_html("![chart](http://h/c.png) and ![local](c.png)\n")
    assert html == ('<p><a href="http://h/c.png">chart</a> and <a href="c.png">local</a></p>\n')
