"""programme/run.py: one participant's failure stays its own, scorecards land whole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from careerloop import pipeline
from careerloop.config import load_config
from careerloop.kpi.scorecard import Scorecard
from careerloop.periods import Period
from careerloop.programme.config import load_programme
from careerloop.programme.run import (
    ProgrammeSyncOptions,
    shared_state,
    sync_programme,
    write_scorecard,
)
from careerloop.programme.shard import Shard, shard_of
from tests.e2e.programme import write_programme

TODAY = dt.date(2026, 11, 26)


def test_write_scorecard_writes_the_kpis_json_object_whole(tmp_path: Path) -> None:
    card = Scorecard(period=Period.parse("2026-10"), score=81, status="at_risk", kpis={})
    path = write_scorecard(tmp_path, "ana", card)
    assert path == tmp_path / "ana" / "2026-10.json"
    assert json.loads(path.read_text(encoding="utf-8")) == card.to_json()
    card.score = 90  # written again: replaced, and no temporary file is left
    write_scorecard(tmp_path, "ana", card)
    assert json.loads(path.read_text(encoding="utf-8"))["score"] == 90
    assert [p.name for p in (tmp_path / "ana").iterdir()] == ["2026-10.json"]


def _two_in_one_folder(tmp_path: Path, second: str) -> Path:
    people = tmp_path / "people"
    people.mkdir()
    (people / "ana.toml").write_text('[sources.trello]\nexport = "a.json"\n', encoding="utf-8")
    (people / "bo.toml").write_text(second, encoding="utf-8")
    path = tmp_path / "programme.toml"
    path.write_text('[programme]\nname = "P"\nparticipants = ["people/*.toml"]\n', encoding="utf-8")
    return path


def test_participants_sharing_a_state_are_refused(tmp_path: Path) -> None:
    path = _two_in_one_folder(tmp_path, '[sources.trello]\nexport = "b.json"\n')
    run = sync_programme(load_programme(path), ProgrammeSyncOptions(), today=TODAY)
    state = (tmp_path / "people" / ".careerloop" / "state.db").resolve()
    assert {r.name: r.error for r in run.runs} == {
        "ana": f"ana and bo use the same state {state}: give each participant its own "
        "([workspace] state, e.g. with the participant's name in it)",
        "bo": f"bo and ana use the same state {state}: give each participant its own "
        "([workspace] state, e.g. with the participant's name in it)",
    }
    assert not state.exists()  # refused before anything was opened


def test_participants_sharing_a_reviews_folder_are_refused(tmp_path: Path) -> None:
    path = _two_in_one_folder(
        tmp_path, '[workspace]\nstate = "bo.db"\n[sources.trello]\nexport = "b.json"\n'
    )
    programme = load_programme(path)
    configs: dict[str, Any] = {p.name: load_config(p.config_path) for p in programme.participants}
    errors = shared_state(programme.participants, configs)
    assert sorted(errors) == ["ana", "bo"]
    assert "use the same reviews folder" in errors["ana"] and "[reviews.local] dir" in errors["ana"]


def test_an_unexpected_error_is_one_redacted_line_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "secret_" + "T0ken" * 8
    monkeypatch.setenv("NOTION_TOKEN", token)
    programme = load_programme(write_programme(tmp_path, ["ana", "bo"], TODAY))
    real_sync = pipeline.sync

    def sync(config: Any, options: Any, **seams: Any) -> pipeline.SyncReport:
        if "bo" in str(config.state_path):
            raise RuntimeError(f"boom with {token}")
        return real_sync(config, options, **seams)

    monkeypatch.setattr(pipeline, "sync", sync)
    run = sync_programme(programme, ProgrammeSyncOptions(publish=False), today=TODAY)
    by_name = {r.name: r for r in run.runs}
    assert by_name["ana"].ok and len(by_name["ana"].scorecards) == 2
    assert by_name["bo"].error == "unexpected RuntimeError: boom with [redacted]"
    assert [r.name for r in run.failed] == ["bo"] and not run.ok


def test_events_carry_the_participant_and_a_shard_syncs_only_its_own(tmp_path: Path) -> None:
    names = ["ana", "bo", "cy", "dee"]
    programme = load_programme(write_programme(tmp_path, names, TODAY))
    events: list[pipeline.Event] = []
    shard = Shard(1, 2)
    run = sync_programme(
        programme,
        ProgrammeSyncOptions(shard=shard, publish=False, period=Period.parse("2026-10")),
        today=TODAY,
        on_event=events.append,
    )
    mine = [name for name in names if shard_of(name, 2) == 1]
    assert [r.name for r in run.runs] == mine
    assert {e.fields["participant"] for e in events if e.name == "source.read"} == set(mine)
    # --period: that one review's scorecard only.
    assert {r.scores[0][0] for r in run.runs} == {"2026-10"}
    assert all(len(r.scorecards) == 1 for r in run.runs)
