"""Programmes on disk for the tests and the bench: participants on the demo's exports.

Each participant gets its own sample plan (the demo generator, seeded with a different
day of the month so the plans differ), its own state and reviews folder, and a
`people/<name>.toml` beside the others, as a programme lead lays a cohort out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from careerloop.connectors.files.demo import write_demo_workspace

PLAN_DAYS = 27  # plan seeds: the 1st to the 27th of the month before the one scored


def participant_config(root: Path, name: str, plan_day: dt.date) -> Path:
    """Write a sample plan under `root/data/<name>` and its `root/people/<name>.toml`."""
    data = root / "data" / name
    demo_config = write_demo_workspace(data, plan_day)
    text = demo_config.read_text(encoding="utf-8")
    demo_config.unlink()  # the participant's own file is the one in people/
    text = (
        text.replace('csv = "notion/', f'csv = "../data/{name}/notion/')
        .replace('export = "trello/', f'export = "../data/{name}/trello/')
        .replace('state = ".careerloop/state.db"', f'state = "../state/{name}.db"')
        .replace('dir = "reviews"', f'dir = "../reviews/{name}"')
    )
    people = root / "people"
    people.mkdir(parents=True, exist_ok=True)
    path = people / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_programme(
    root: Path,
    names: Sequence[str],
    today: dt.date,
    *,
    workers: int = 2,
    extra: str = "",
    lapsed: Sequence[str] = (),
) -> Path:
    """A programme of demo participants at `root`; returns programme.toml.

    `today` is the day the tests score on: the plans are those of days of its month. The
    `lapsed` participants' plans stop three months earlier (an off-track last month).
    """
    for number, name in enumerate(names):
        plan_day = today.replace(day=1 + number % PLAN_DAYS)
        if name in lapsed:
            plan_day = _months_before(plan_day, 3)
        participant_config(root, name, plan_day)
    path = root / "programme.toml"
    path.write_text(
        f"""\
[workspace]
timezone = "Europe/Berlin"
state = ".careerloop/programme.db"

[programme]
name = "Product mentoring 2026"
participants = ["people/*.toml"]
workers = {workers}
{extra}
[programme.reviews]
targets = ["local"]

[programme.reviews.local]
dir = "programme-reviews"
""",
        encoding="utf-8",
    )
    return path


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return day.replace(year=year, month=(month - 1) % 12 + 1)
