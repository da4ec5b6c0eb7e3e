"""Set-up of the fault suite: the terminal width its one-line checks read.

Each run gets its seams from `worlds.sync`: a fixed today, a virtual clock (backoff and
pacing cost no wall time) and the test wire (a timeout fault is raised at once, not
raced against a short real timer).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fault_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so an error line is never wrapped."""
    monkeypatch.setenv("COLUMNS", "200")
