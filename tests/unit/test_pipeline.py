"""The orchestration's own logic: reviews over one shared scorer, failed and empty reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from careerloop import pipeline
from careerloop.config import Config, load_config
from careerloop.connectors.base import ReadResult
from careerloop.errors import EmptyRead, SourceError, TemplateError
from careerloop.model import DataWarning, Module, Session, Workspace
from careerloop.periods import Period
from careerloop.report.render import render_markdown
from careerloop.report.review import StaleSource
from careerloop.store import Store
from tests import conftest

TODAY = dt.date.fromisoformat(conftest.TODAY)


def plan() -> Workspace:
    ws = Workspace()
    for month in range(6, 11):
        for n in range(month - 5):  # June 1 module, July 2, … October 5
            day = dt.date(2026, month, 2 + n)
            ws.add(Module(id=f"m{month}-{n}", source="file", source_id="x", title="M",
                          planned=day, completed=day, goal_ids=("g",), minutes=10))
        ws.add(Session(id=f"s{month}", source="file", source_id="x", title="S",
                       date=dt.date(2026, month, 10), feedback=4, insights="ok"))
    return ws


def test_a_shared_scorer_gives_the_same_reviews_as_separate_ones() -> None:
    ws, config = plan(), Config()
    due = pipeline.due_periods(config, TODAY, period=None, draft=True)
    assert [(k, p.label) for k, p in due] == [
        ("monthly", "2026-10"), ("quarterly", "2026-Q3"), ("monthly", "2026-11")]
    scorer = pipeline.Scorer(ws, config, TODAY)
    shared = [pipeline.build_review(ws, config, k, p, TODAY, scorer=scorer) for k, p in due]
    alone = [pipeline.build_review(ws, config, k, p, TODAY) for k, p in due]
    assert shared == alone
    # The plan began in June: October's trend runs June..October (5 points, not 6), and
    # each month's completion is its modules / the same modules planned -> 1.0.
    october = shared[0]
    assert [t.label for t in october.trend] == ["2026-06", "2026-07", "2026-08", "2026-09",
                                                 "2026-10"]
    assert october.scorecard.kpis["module_completion"].value == 1.0
    assert [m.period.label for m in shared[1].months] == ["2026-07", "2026-08", "2026-09"]
    assert shared[2].draft and not shared[0].draft


def test_the_scorer_scores_each_period_once() -> None:
    scorer = pipeline.Scorer(plan(), Config(), TODAY)
    october = Period.parse("2026-10")
    assert scorer.card(october) is scorer.card(october)


# -- failed and empty reads ------------------------------------------------------------------


def _module(n: int, day: dt.date | None = dt.date(2026, 10, 5)) -> Module:
    return Module(id=f"m{n}", source="file", source_id=str(n), title=f"M{n}", planned=day)


def test_records_held_counts_what_the_origin_keeps_after_the_save(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        store.save_read("notion:ds", [_module(1), _module(2), _module(3)], full=True)
        # Incremental: m3 deleted, m2 changed, m4 new -> m1, m2, m4 = 3 kept.
        changes = Workspace()
        changes.add(_module(2))
        changes.add(_module(4))
        incremental = ReadResult(origin="notion:ds", workspace=changes, full=False,
                                 deleted_ids=("m3",))
        assert pipeline.records_held(store, incremental) == 3
        # No change at all is not an empty read: the 3 stored records stay.
        nothing = ReadResult(origin="notion:ds", workspace=Workspace(), full=False)
        assert pipeline.records_held(store, nothing) == 3
        # A full read holds exactly what it gave: here nothing.
        assert pipeline.records_held(
            store, ReadResult(origin="notion:ds", workspace=Workspace(), full=True)) == 0


class _Gives:
    """A source that gives one fixed workspace, or fails."""

    def __init__(self, name: str, workspace: Workspace | None) -> None:
        self.name, self._workspace = name, workspace

    def read(self, store: Store, *, full: bool) -> list[ReadResult]:
        if self._workspace is None:
            raise SourceError(f"{self.name} is down")
        return [ReadResult(origin=f"{pipeline.origin_prefix(self.name)}x",
                           workspace=self._workspace)]

    def http_stats(self) -> None:
        return None


def test_a_read_without_any_record_stores_nothing(tmp_path: Path) -> None:
    config = Config.model_validate({"sources": {"trello": {"board": "CaReEr01"}}})
    with Store(tmp_path / "state.db") as store:
        sources = [_Gives("notion", Workspace()), _Gives("trello", Workspace())]
        with pytest.raises(EmptyRead) as caught:
            pipeline.pull(config, store, full=True, sources=sources)
        assert store.cursors() == []
    message = str(caught.value)
    assert message.startswith("nothing to score: every source was read but none gave a record")
    assert "trello: no open card carries a kind label" in message
    assert "done_lists ('Done')" in message and "notion: the mapped data sources" in message


def test_a_failed_source_stands_in_with_its_last_good_read(tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    with Store(tmp_path / "state.db") as store:
        store.save_read("trello:x", [_module(1)], full=True)
        read_at = store.cursors()[0].read_at
        failures = [pipeline.Failure(where="trello", message="Trello answered 500"),
                    pipeline.Failure(where="notion", message="Notion answered 502")]
        stale, unread = pipeline.stand_ins(store, failures, berlin)
    assert stale == [StaleSource(source="trello", last_good_read=read_at.astimezone(berlin)
                                 .date(), failed_part="Trello answered 500")]
    assert unread == ["notion"]  # never read: nothing to stand in for it


def test_the_stale_note_is_at_the_top_of_the_review() -> None:
    stale = StaleSource(source="notion", last_good_read=dt.date(2026, 11, 20),
                        failed_part="Notion modules data source: Notion answered 500")
    review = pipeline.build_review(plan(), Config(), "monthly", Period.parse("2026-10"), TODAY,
                                   stale_sources=[stale])
    text = render_markdown(review, Config().reviews, None)
    note = ("> **Stale data:** notion could not be read this run, so this review uses its "
            "data from the last good read on 2026-11-20. What failed: Notion modules data "
            "source: Notion answered 500")
    assert note in text
    assert text.index(note) < text.index("**Score")
    # Without a failed source there is no note.
    plain = pipeline.build_review(plan(), Config(), "monthly", Period.parse("2026-10"), TODAY)
    assert "Stale data" not in render_markdown(plain, Config().reviews, None)


def test_each_data_warning_message_counts_once() -> None:
    ws = Workspace()
    ws.warnings.extend([DataWarning(record_id="a", message="no date"),
                        DataWarning(record_id="b", message="no goal"),
                        DataWarning(record_id="c", message="no date")])
    assert [w.record_id for w in pipeline.distinct_warnings(ws)] == ["a", "b"]


def test_sync_scores_against_the_today_it_is_given(tmp_path: Path) -> None:
    export = tmp_path / "Modules.csv"
    export.write_text("Name,Planned,Completed,Status\nM1,2026-09-03,2026-09-03,Done\n",
                      encoding="utf-8")
    (tmp_path / "careerloop.toml").write_text(
        '[workspace]\ntimezone = "UTC"\n\n[sources.notion.modules]\ncsv = "Modules.csv"\n',
        encoding="utf-8")
    config = load_config(tmp_path / "careerloop.toml")
    options = pipeline.SyncOptions(publish=False)
    report = pipeline.sync(config, options, today=dt.date(2026, 10, 15))
    # On 15 October the last closed month is September, the last closed quarter Q3.
    assert [c.period.label for c in report.scorecards] == ["2026-09", "2026-Q3"]
    assert report.ok and report.unread == [] and report.warnings == []


# -- rendering for the targets ------------------------------------------------------------


def _config(tmp_path: Path, targets: str, compact: str | None = None) -> Config:
    """A config publishing to `targets`, Notion on the compact template; `compact` is
    that template's text in the user's templates folder (None: the shipped one)."""
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    if compact is not None:
        (folder / "compact.md.j2").write_text(compact, encoding="utf-8")
    path = tmp_path / "careerloop.toml"
    path.write_text(
        f'[reviews]\ntargets = {targets}\ntemplates = "tpl"\n\n'
        '[reviews.notion]\nparent = "0123456789abcdef0123456789abcdef"\ntemplate = "compact"\n',
        encoding="utf-8",
    )
    return load_config(path)


def test_each_target_gets_the_template_it_publishes_with(tmp_path: Path) -> None:
    config = _config(tmp_path, '["local", "notion"]')
    assert pipeline.review_template(config, "local", "monthly") == "monthly.md.j2"
    assert pipeline.review_template(config, "notion", "quarterly") == "compact.md.j2"
    assert pipeline.review_template(config, "trello", "monthly") == "monthly.md.j2"
    review = pipeline.build_review(plan(), config, "monthly", Period.parse("2026-10"), TODAY)
    (texts,) = pipeline.render_reviews(config, [review], ["local", "notion"])
    assert sorted(texts) == ["compact.md.j2", "monthly.md.j2"]
    assert texts["monthly.md.j2"] == render_markdown(review, config.reviews,
                                                     tmp_path / "tpl")
    assert texts["compact.md.j2"] != texts["monthly.md.j2"]
    (local_only,) = pipeline.render_reviews(config, [review], ["local"])
    assert sorted(local_only) == ["monthly.md.j2"]  # nobody uses the compact one


def test_a_broken_compact_template_fails_before_any_target_is_called(tmp_path: Path) -> None:
    config = _config(tmp_path, '["local", "notion"]', "# {{ title }}\n\n{{ score // 0 }}\n")
    review = pipeline.build_review(plan(), config, "monthly", Period.parse("2026-10"), TODAY)

    class Refusing:
        """A target that fails the test if anything reaches it."""

        name = "notion"
        closed = False

        def publish(self, review: object, markdown: str, *, dry_run: bool) -> None:
            raise AssertionError("published although a template failed")

        def close(self) -> None:
            self.closed = True

    target = Refusing()
    with Store(tmp_path / "state.db") as store, pytest.raises(TemplateError) as error:
        pipeline.publish_reviews(config, store, [review], [target], dry_run=False)
    assert str(error.value).startswith("template compact.md.j2 (in ")
    assert "line 3: ZeroDivisionError" in str(error.value)
    assert target.closed  # closed all the same


def test_doctor_rows_cover_every_template_a_target_uses(tmp_path: Path) -> None:
    broken = _config(tmp_path, '["local", "notion"]', "# {{ title }}\n\n{{ score // 0 }}\n")
    rows = {c.name: c for c in pipeline.template_checks(broken, TODAY)}
    assert list(rows) == ["template monthly", "template quarterly",
                          "template compact.md.j2 (notion)"]
    assert rows["template monthly"].status == "ok"
    compact = rows["template compact.md.j2 (notion)"]
    assert compact.status == "fail" and "compact.md.j2" in compact.detail
    assert "line 3" in compact.detail and compact.fix == "fix the template and run doctor again"

    (tmp_path / "tpl" / "compact.md.j2").unlink()  # the shipped one renders
    rows = {c.name: c for c in pipeline.template_checks(broken, TODAY)}
    assert rows["template compact.md.j2 (notion)"].status == "ok"
    local = _config(tmp_path, '["local"]')
    assert [c.name for c in pipeline.template_checks(local, TODAY)] == [
        "template monthly", "template quarterly"]
