"""`programme sync` over live Trello boards: participants on one token share its pacing.

Three mentees' boards on the fake, read under one Trello token through the CLI, the real
py-trello and real HTTP. The run's clock is the seams' fake clock, so the pacing shows as
the time it moved on, worked out by hand from the Trello policy:

requests_per_10s = 10 gives bursts of max(1, min(5, 10 // 10)) = 1 and a rate of
(10 - 1) / 10 = 0.9 requests per second. On one bucket, R requests take (R - 1) / 0.9 s;
on a bucket per participant, each participant's single board request would go at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop.cli import app
from careerloop.pipeline import Seams
from tests.e2e.cli import TODAY
from tests.fakes.fixtures import FakeClock
from tests.fakes.trello_api import FakeTrelloServer
from tests.fakes.trello_fixtures import fixture_board

NAMES = ("ana", "bo", "cy")
RATE = 0.9  # requests per second under requests_per_10s = 10, after a burst of 1


def write_cohort(root: Path, server: FakeTrelloServer, workers: int) -> Path:
    """A programme whose participants each read their own live board; programme.toml."""
    people = root / "people"
    people.mkdir(parents=True)
    for number, name in enumerate(NAMES):
        export = fixture_board()
        export.update(id=server.fake.new_id(), shortLink=f"MeNtEe0{number}")
        export.pop("url", None)
        board = server.fake.load_board(export)
        (people / f"{name}.toml").write_text(
            f"""\
[workspace]
timezone = "Europe/Berlin"
state = "../state/{name}.db"

[sources.trello]
board = "{board}"
base_url = "{server.url}"
requests_per_10s = 10

[reviews]
targets = ["local"]

[reviews.local]
dir = "../reviews/{name}"
""",
            encoding="utf-8",
        )
    programme = root / "programme.toml"
    programme.write_text(
        f"""\
[workspace]
timezone = "Europe/Berlin"
state = ".careerloop/programme.db"

[programme]
name = "Trello cohort"
participants = ["people/*.toml"]
workers = {workers}
""",
        encoding="utf-8",
    )
    return programme


@pytest.mark.parametrize("workers", [1, 3])
def test_participants_on_one_token_queue_on_one_bucket(
    fake_trello: FakeTrelloServer, trello_env: None, tmp_path: Path, workers: int
) -> None:
    programme = write_cohort(tmp_path, fake_trello, workers)
    clock = FakeClock()
    seams = Seams(today=dt.date.fromisoformat(TODAY), clock=clock)

    result = CliRunner().invoke(
        app,
        ["-c", str(programme), "programme", "sync", "--no-publish"],
        obj=seams,
    )

    assert result.exit_code == 0, result.stderr
    assert "3 of 3 participants synced" in result.stdout
    requests = fake_trello.fake.count()
    assert requests == len(NAMES)  # one nested board request each
    moved = clock.now - 1000.0
    if workers == 1:
        # One after the other, nothing else sleeps: exactly the shared bucket's schedule.
        assert moved == pytest.approx((requests - 1) / RATE)
    else:
        # Side by side, the fake clock adds up the threads' sleeps: at least the schedule.
        assert moved >= (requests - 1) / RATE - 1e-9
