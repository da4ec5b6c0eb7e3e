"""Shared test set-up: no test may reach beyond this machine, nor see real credentials.

The loopback-only guard (`no_internet`, autouse) and the fakes' fixtures live in
tests/fakes/fixtures.py.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fakes.fixtures", "tests.fakes.trello_fixtures"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or config leak into a test from the machine it runs on."""
    for name in ("NOTION_TOKEN", "TRELLO_API_KEY", "TRELLO_TOKEN", "CAREERLOOP_CONFIG",
                 "CAREERLOOP_TODAY"):
        monkeypatch.delenv(name, raising=False)
