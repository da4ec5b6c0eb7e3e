"""A resource-hungry template stops with one line naming the file, and writes nothing.

The limits count work (loop steps, characters, bits, include levels) rather than time,
so no test here races a clock; the time limit itself is tested with an injected clock.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.config import ReviewsConfig
from careerloop.errors import TemplateError
from careerloop.kpi.scorecard import Scorecard
from careerloop.periods import Period
from careerloop.report.render import RenderLimits, render_markdown
from careerloop.report.review import Review
from tests.bad_input.cli import assert_one_line, invoke, snapshot, use_templates

HUNGRY = {
    "string-times-huge": ("{{ 'a' * 10**10 }}", "a repeated value of 10,000,000,000"),
    "list-times-huge": ("{{ ([title] * 10**8) | length }}", "a repeated value"),
    "huge-power": ("{{ 7 ** (7 ** 10) }}", "7 ** 282475249 has more than 4,096 bits"),
    "squaring-loop": ("{% set ns = namespace(n=7) %}{% for i in range(40) %}"
                      "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
                      "a product of more than 4,096 bits"),
    "nested-ranges": ("{% for i in range(100000) %}{% for j in range(100000) %}"
                      "{% endfor %}{% endfor %}", "stopped after 250,000 loop steps"),
    "huge-range": ("{{ range(10**9) | list | length }}", "a range of 1,000,000,000"),
    "self-include": ("{% include 'monthly.md.j2' %}", "more than 16 levels deep"),
    "mutual-include": ("{% include 'partials/ping.md.j2' %}",
                       "partials/ping.md.j2 (in", "more than 16 levels deep",
                       "does partials/pong.md.j2 include itself?"),
    "macro-recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
                        "call themselves too deeply"),
    "doubling-string": ("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
                        "a value of 1,048,576 characters"),
    "center-method": ("{{ title.center(10**9) }}", "a padded string of 1,000,000,000"),
    "center-filter": ("{{ title | center(10**9) }}", "a padded string"),
    "indent-filter": ("{{ ('x\\n' * 1000) | indent(10**5) }}", "a padded string"),
    "percent-width": ("{{ '%0999999999d' % 1 }}", "a formatted field of 999,999,999"),
    "format-width": ("{{ '{:>999999999}'.format(1) }}", "a formatted field of 999,999,999"),
    "replace-blowup": ("{{ ('x' * 100000).replace('', 'y' * 1000) }}", "a replaced string"),
    "join-of-copies": ("{{ (['x' * 100000] * 1000) | join }}", "a repeated value"),
    "mapped-padding": ("{{ range(100000) | map('center', 100000) | join }}",
                       "stopped after producing 10,000,000 characters"),
    "literal-in-loops": ("{% for i in range(100000) %}{% for j in range(100) %}"
                         + "y" * 2000 + "{% endfor %}{% endfor %}",
                         "stopped after producing 10,000,000 characters"),
}




@pytest.mark.parametrize("case", sorted(HUNGRY))
def test_a_resource_hungry_template_is_one_template_error(
    runner: CliRunner, demo: Path, case: str
) -> None:
    source, *fragments = HUNGRY[case]
    if len(fragments) == 1:
        fragments.insert(0, "monthly.md.j2 (in")
    use_templates(demo, {
        "monthly.md.j2": "# {{ title }}\n" + source + "\n",
        "partials/ping.md.j2": "{% include 'partials/pong.md.j2' %}",
        "partials/pong.md.j2": "{% include 'partials/ping.md.j2' %}",
    })
    run = invoke(runner, "-c", str(demo), "sync", "--period", "2026-10")
    assert_one_line(run, 1, "template ", *fragments)
    assert "unexpected" not in run.err
    assert snapshot(demo.parent / "reviews") == {}


def test_a_macro_and_a_captured_block_are_not_escaped_twice(
    runner: CliRunner, demo: Path
) -> None:
    """What a template builds itself stays Markdown; only the data in it is escaped."""
    assert invoke(runner, "-c", str(demo), "sync", "--no-publish").code == 0
    use_templates(demo, {"monthly.md.j2": (
        "# {{ title }}\n\n"
        "{% macro row(k) %}| **{{ k.label }}** | {{ k | kpi_value }} |{% endmacro %}"
        "| KPI | Value |\n|---|---|\n"
        "{% for k in kpis[:2] %}{{ row(k) }}\n{% endfor %}\n"
        "{% set banner %}_{{ period }}: {{ 'a*b' }}_{% endset %}{{ banner }}\n"
    )})
    run = invoke(runner, "-c", str(demo), "report", "--period", "2026-10")
    assert run.code == 0, run.err
    assert re.search(r"^\| \*\*Modules completed vs planned\*\* \| \d+% \|$", run.out, re.M)
    assert "_2026-10: a\\*b_\n" in run.out  # the data's star escaped once, the block's kept


# -- the limits themselves, with numbers worked out by hand ------------------------------------


def _review() -> Review:
    card = Scorecard(period=Period.parse("2026-10"), score=None, status="no_data", kpis={})
    return Review(kind="monthly", scorecard=card, generated_on=dt.date(2026, 11, 2))


def _render(tmp_path: Path, source: str, limits: RenderLimits) -> str:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "monthly.md.j2").write_text(source, encoding="utf-8")
    return render_markdown(_review(), ReviewsConfig(), folder, limits=limits)


class SteppingClock:
    """A clock that moves on one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += 1.0
        return self.now


def test_the_time_limit_reads_an_injected_clock(tmp_path: Path) -> None:
    # The start reads 1 s (deadline 1 + 10 = 11 s), the range() call 2 s; each pass reads
    # three times (its step, its text, its output chunk): passes 1-3 read 3 … 11 s, still
    # in time; the step of pass 4 reads 12 s: stopped, after 12 reads.
    clock = SteppingClock()
    with pytest.raises(TemplateError) as caught:
        _render(tmp_path, "{% for i in range(1000) %}.{% endfor %}",
                RenderLimits(seconds=10, clock=clock))
    assert "monthly.md.j2 (in" in str(caught.value)
    assert "line 1: stopped after 10 s: the template takes too long" in str(caught.value)
    assert clock.reads == 12


def test_the_step_budget_counts_every_loop_step(tmp_path: Path) -> None:
    # Each range() call is a step, and each pass of a loop: 1 + 5 outer passes + 5 inner
    # range() calls + 5 x 5 inner passes = 36, within 36; with 6 outer passes
    # 1 + 6 + 6 + 30 = 43, over 42.
    limits = RenderLimits(steps=36)
    text = _render(tmp_path, "{% for i in range(5) %}{% for j in range(5) %}x{% endfor %}"
                             "{% endfor %}", limits)
    assert text == "x" * 25 + "\n"
    with pytest.raises(TemplateError, match="stopped after 42 loop steps"):
        _render(tmp_path, "{% for i in range(6) %}{% for j in range(5) %}x{% endfor %}"
                          "{% endfor %}", RenderLimits(steps=42))


def test_the_output_budget_counts_loop_text_and_chunks(tmp_path: Path) -> None:
    # Each of 10 passes costs its 100 characters of text up front (1,000), and the 1,000
    # characters written are counted again as they leave the template: 2,000 in all.
    body = "{% for i in range(10) %}" + "y" * 100 + "{% endfor %}"
    assert _render(tmp_path, body, RenderLimits(output=2_000)) == "y" * 1000 + "\n"
    with pytest.raises(TemplateError, match="stopped after producing 1,999 characters"):
        _render(tmp_path, body, RenderLimits(output=1_999))


def test_the_value_limit_is_checked_before_the_value_is_made(tmp_path: Path) -> None:
    # 'ab' * 3 is 6 characters: over a limit of 5, refused; 'ab' * 2 (4) is fine.
    assert _render(tmp_path, "{{ 'ab' * 2 }}", RenderLimits(value=5)) == "abab\n"
    with pytest.raises(TemplateError, match="a repeated value of 6 characters or items"):
        _render(tmp_path, "{{ 'ab' * 3 }}", RenderLimits(value=5))


def test_a_template_file_too_large_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="monthly.md.j2 .* is larger than 1 KiB"):
        _render(tmp_path, "x" * 1025, RenderLimits(template_bytes=1024))
