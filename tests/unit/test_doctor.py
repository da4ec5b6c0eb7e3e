"""doctor.py: the rows of `careerloop doctor`, in the order a user fixes things."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from careerloop.connectors.base import Check
from careerloop.doctor import example_config, run_checks
from careerloop.errors import ConfigError

TODAY = dt.date(2026, 11, 26)


def write(folder: Path, text: str) -> Path:
    path = folder / "careerloop.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rows(checks: list[Check]) -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in checks}


def test_a_config_without_sources_fails_one_row_and_checks_the_rest(tmp_path: Path) -> None:
    checks = run_checks(write(tmp_path, '[workspace]\ntimezone = "Europe/Berlin"\n'),
                        today=TODAY)
    names = [c.name for c in checks]
    assert names == ["config", "time zone", "state", "sources", "template monthly",
                     "template quarterly", "target local"]
    found = rows(checks)
    assert found["time zone"] == ("ok", "Europe/Berlin")
    assert found["sources"] == ("fail", "no source configured")
    assert found["state"][0] == "ok" and "created on the first sync" in found["state"][1]
    assert found["template monthly"] == ("ok", "renders (shipped)")
    assert found["target local"] == ("ok", str(tmp_path.resolve() / "reviews"))


def test_a_csv_export_gets_a_row_per_missing_column(tmp_path: Path) -> None:
    (tmp_path / "modules.csv").write_text("Name,Planned,Status\nSQL,2026-10-01,Done\n",
                                          encoding="utf-8")
    config = write(tmp_path, '[sources.notion.modules]\ncsv = "modules.csv"\n'
                             'minutes = "Time spent"\n')
    found = rows(run_checks(config, today=TODAY))
    assert found["notion module csv"] == ("ok", "modules.csv: 3 columns")
    # Named in the file: it must exist. Left at its default: a warning.
    assert found["notion module csv: minutes"] == ("fail", "no column 'Time spent'")
    assert found["notion module csv: track"] == ("warn", "no column 'Track'")
    assert found["notion module csv: completed"][0] == "warn"


def test_a_failing_source_row_says_how_to_stop_using_it(tmp_path: Path) -> None:
    config = write(tmp_path, '[sources.notion.sessions]\ncsv = "missing.csv"\n')
    (row,) = [c for c in run_checks(config, today=TODAY) if c.name == "notion session csv"]
    assert row.status == "fail"
    assert row.fix == ("export the database as Markdown & CSV and point csv at it; or remove "
                       "[sources.notion.sessions] if you do not keep sessions in Notion")


def test_targets_without_their_settings_fail_their_rows(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("Name\n", encoding="utf-8")
    config = write(tmp_path, '[sources.notion.modules]\ncsv = "m.csv"\n\n'
                             '[reviews]\ntargets = ["notion", "trello"]\n')
    found = rows(run_checks(config, today=TODAY))
    assert found["target notion"] == ("fail", "no [reviews.notion] parent or database")
    assert found["target trello"] == ("fail", "no [sources.trello] board to publish to")


def test_an_invalid_config_stops_doctor_with_the_way_to_start_afresh(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        run_checks(write(tmp_path, "[reviews]\ntarget = 1\n"))
    assert str(caught.value).endswith(
        "(fix the file, or write a fresh commented one with `careerloop --config new.toml "
        "init`)")
    # A missing file already names `careerloop init`: said once, not twice.
    with pytest.raises(ConfigError) as missing:
        run_checks(tmp_path / "none.toml")
    assert str(missing.value).count("careerloop init") == 1


def test_the_example_config_is_the_commented_one_shipped() -> None:
    text = example_config()
    assert "[sources.notion" in text and text.count("#") > 20
