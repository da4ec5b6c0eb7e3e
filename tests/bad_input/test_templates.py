"""A user's template folder that cannot render: one line naming file and line, exit 1,
and no review written (not even half a file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_input.cli import assert_one_line, invoke, snapshot, use_templates

BROKEN = {
    "syntax": ("monthly.md.j2", "# {{ title }}\n\n{% if score %}\nScore {{ score }}\n",
               ("monthly.md.j2", "line", "syntax error")),
    "unclosed-expression": ("monthly.md.j2", "# {{ title }\n", ("monthly.md.j2", "line 1")),
    "undefined-variable": ("monthly.md.j2", "# {{ title }}\n\n{{ no_such_variable }}\n",
                           ("monthly.md.j2", "line 3", "no_such_variable")),
    "undefined-attribute": ("monthly.md.j2", "# {{ title }}\n\n\n{{ scorecard.nope }}\n",
                            ("monthly.md.j2", "line 4", "nope")),
    "unknown-filter": ("monthly.md.j2", "# {{ title | shout }}\n",
                       ("monthly.md.j2", "shout")),
    "partial": ("partials/kpi_table.md.j2", "| KPI |\n|---|\n{{ kpis[0].nope.deeper }}\n",
                ("partials/kpi_table.md.j2", "line 3")),
    "missing-include": ("monthly.md.j2", '{% include "partials/nope.md.j2" %}\n',
                        ("partials/nope.md.j2",)),
    "division": ("monthly.md.j2", "# {{ title }}\n{{ 1 // 0 }}\n",
                 ("monthly.md.j2", "line 2")),
}




@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_template_in_sync(runner: CliRunner, demo: Path, case: str) -> None:
    name, text, fragments = BROKEN[case]
    use_templates(demo, {name: text})
    run = invoke(runner, "-c", str(demo), "sync", "--period", "2026-10")
    assert_one_line(run, 1, "template", *fragments)
    reviews = demo.parent / "reviews"
    assert snapshot(reviews) == {}, "a review was written although its template failed"


@pytest.mark.parametrize("case", ["syntax", "undefined-variable", "partial"])
def test_broken_template_in_report(runner: CliRunner, demo: Path, case: str) -> None:
    assert invoke(runner, "-c", str(demo), "sync", "--no-publish").code == 0
    name, text, fragments = BROKEN[case]
    use_templates(demo, {name: text})
    state = snapshot(demo.parent / ".careerloop")
    for to in ("stdout", "local"):
        run = invoke(runner, "-c", str(demo), "report", "--period", "2026-10", "--to", to)
        assert_one_line(run, 1, *fragments)
        assert run.out == ""
    assert snapshot(demo.parent / "reviews") == {}
    assert snapshot(demo.parent / ".careerloop") == state


def test_a_broken_quarterly_template_writes_no_review_at_all(
    runner: CliRunner, demo: Path
) -> None:
    """One sync renders both reviews before it writes any, or the monthly one is orphaned."""
    use_templates(demo, {"quarterly.md.j2": "# {{ title }}\n{{ nope }}\n"})
    run = invoke(runner, "-c", str(demo), "sync")
    assert_one_line(run, 1, "quarterly.md.j2", "line 2")
    assert snapshot(demo.parent / "reviews") == {}


def test_missing_templates_folder(runner: CliRunner, demo: Path) -> None:
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace("[reviews]\n", '[reviews]\ntemplates = "nowhere"\n'),
                    encoding="utf-8")
    run = invoke(runner, "-c", str(demo), "sync")
    assert_one_line(run, 1, "nowhere", "does not exist")
    assert snapshot(demo.parent / "reviews") == {}


def test_doctor_reports_the_broken_template_in_its_table(runner: CliRunner, demo: Path) -> None:
    use_templates(demo, {"monthly.md.j2": "{{ no_such_variable }}\n"})
    run = invoke(runner, "-c", str(demo), "doctor")
    assert run.code == 1
    assert "no_such_variable" in run.out and "FAIL" in run.out
    assert "Traceback" not in run.out + run.err
