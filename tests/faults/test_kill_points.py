"""Kill points: a publishing run killed at a random write, then completed by the next run.

Each seed picks a target and a kill point with `random.Random(seed)`. The scene: a clean
run publishes the monthly and quarterly reviews, the reader writes notes under the notes
heading, the plan changes, and the next run — which must update both reviews — is killed
after its n-th write:

- Notion and Trello: the fake drops every write after the n-th (`crash_after_writes`);
  with `land` the first dropped write is applied and only its answer lost (the process
  died while the answer was on its way);
- local files: `os.replace` raises at its n-th call (after replacing, with `land`), and
  the exception is not one careerloop catches: the process dies there.

Then a clean run must leave exactly one page, card or file per review, the same content
as a run that was never killed, and every note word for word.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from careerloop.connectors.files import local as local_files
from tests.fakes.notion_api import FakeNotionServer
from tests.fakes.trello_api import FakeTrelloServer
from tests.faults.worlds import World, local_world, notion_world, sync, trello_world

SEEDS = range(24)
TARGETS = ("notion", "trello", "local")
KINDS = ("monthly", "quarterly")


class Killed(BaseException):
    """The process died (not an Exception: nothing in careerloop catches it)."""


def _world(target: str, base: Path, request: pytest.FixtureRequest | None,
           servers: dict[str, Any] | None = None) -> World:
    if target == "notion":
        if request is not None:
            request.getfixturevalue("notion_token")
            server = request.getfixturevalue("fake_notion")
        else:
            assert servers is not None
            server = servers["notion"]
        return notion_world(base, server, KINDS)
    if target == "trello":
        if request is not None:
            request.getfixturevalue("trello_env")
            trello = request.getfixturevalue("fake_trello")
        else:
            assert servers is not None
            trello = servers["trello"]
        return trello_world(base, trello, KINDS)
    return local_world(base)


def _scene(world: World) -> dict[str, str]:
    """First publish, the reader's notes, a change to the plan; the notes as published."""
    first = sync(world.config)
    assert first.code == 0, first.stderr
    assert set(world.reviews().values()) == {1} and len(world.reviews()) == 2
    world.add_notes()
    world.edit()
    return world.notes_of()


class _ReplaceCounter:
    """`os.replace` that counts its calls and, once armed, dies at the n-th one."""

    def __init__(self) -> None:
        self.calls = 0
        self.kill_at: int | None = None
        self.land = False
        self._real: Callable[..., None] = os.replace

    def __call__(self, src: Any, dst: Any) -> None:
        self.calls += 1
        if self.kill_at is not None and self.calls >= self.kill_at:
            if self.land:
                self._real(src, dst)
            raise Killed(f"killed at os.replace #{self.calls}")
        self._real(src, dst)


_REFERENCES: dict[str, tuple[Any, dict[str, str], int]] = {}


def _writes(world: World, replaces: _ReplaceCounter) -> int:
    if world.kind == "notion":
        return int(world.fake.writes_done)
    if world.kind == "trello":
        return int(world.fake.writes_done)
    return replaces.calls


def reference(target: str, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, str], int]:
    """(published reviews, notes, writes of the updating run) when nothing is killed."""
    if target not in _REFERENCES:
        base = tmp_path_factory.mktemp(f"kill-reference-{target}")
        replaces = _ReplaceCounter()
        with monkeypatch.context() as patch:
            patch.setattr(local_files.os, "replace", replaces)
            with FakeNotionServer() as notion, FakeTrelloServer() as trello:
                patch.setenv("NOTION_TOKEN", notion.fake.token)
                patch.setenv("TRELLO_API_KEY", trello.fake.key)
                patch.setenv("TRELLO_TOKEN", trello.fake.token)
                world = _world(target, base, None, {"notion": notion, "trello": trello})
                notes = _scene(world)
                before = _writes(world, replaces)
                run = sync(world.config)
                assert run.code == 0, run.stderr
                writes = _writes(world, replaces) - before
                _REFERENCES[target] = (world.published(), notes, writes)
    return _REFERENCES[target]


def kill_point(seed: int, writes: int) -> tuple[str, int, bool]:
    """(target, writes allowed before the kill, whether the fatal write lands) for a seed."""
    rng = random.Random(seed)
    target = TARGETS[seed % len(TARGETS)]
    return target, rng.randrange(writes), rng.random() < 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_run_is_completed_by_the_next(
    seed: int, tmp_path: Path, request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = TARGETS[seed % len(TARGETS)]
    published, notes, writes = reference(target, tmp_path_factory, monkeypatch)
    assert writes >= 2  # the updating run writes something to kill
    _, allowed, land = kill_point(seed, writes)

    replaces = _ReplaceCounter()
    monkeypatch.setattr(local_files.os, "replace", replaces)
    world = _world(target, tmp_path / "world", request)
    assert _scene(world) == notes

    # The killed run.
    if target == "local":
        replaces.kill_at, replaces.land = replaces.calls + allowed + 1, land
        with pytest.raises(Killed):
            sync(world.config)  # the kill escapes CliRunner.invoke, as it ends a process
        replaces.kill_at = None
    else:
        world.fake.crash_after_writes(allowed, land=land)
        killed = sync(world.config)
        assert killed.code == 1, killed.stdout + killed.stderr  # the kill left work undone
        assert "Traceback" not in killed.stderr
        world.fake.wait_idle()
        world.fake.recover()

    # The next clean run completes the work.
    again = sync(world.config)
    assert again.code == 0, again.stderr
    counts = world.reviews()
    assert len(counts) == 2 and set(counts.values()) == {1}, counts
    assert world.notes_of() == notes  # every note, word for word
    assert world.published() == published  # the same as a run that was never killed
