"""Set-up of the fault suite: a fixed today and the terminal width its one-line checks read.

Runs through `worlds.sync` also get the library's seams: the same today, a virtual clock
(backoff and pacing cost no wall time) and the test wire (a timeout fault is raised at
once, not raced against a short real timer).
"""

from __future__ import annotations

import pytest

from tests.faults.worlds import TODAY


@pytest.fixture(autouse=True)
def _fault_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """CAREERLOOP_TODAY for a test that invokes the CLI itself; a wide terminal, so an
    error line is never wrapped."""
    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
