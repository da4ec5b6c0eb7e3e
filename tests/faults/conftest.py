"""Set-up of the fault suite: a fixed today, virtual backoff, short request timeouts."""

from __future__ import annotations

import pytest

from tests.faults.worlds import TODAY, VirtualClock

TIMEOUT_S = 0.2  # per request, in these tests (production: Notion 60 s, Trello 30 s)
LATE_S = 0.4  # how late a "timeout" fault answers: always past TIMEOUT_S


@pytest.fixture(autouse=True)
def _fault_setup(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """CAREERLOOP_TODAY, a virtual clock for every policy, and short timeouts.

    The timeouts are module constants read when a client is built: the CLI offers no
    timeout option, so there is no other way to shorten them for a whole run.
    """
    from careerloop.connectors.notion import client as notion_client
    from careerloop.connectors.trello import client as trello_client

    monkeypatch.setenv("CAREERLOOP_TODAY", TODAY)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(notion_client, "TIMEOUT_S", TIMEOUT_S)
    monkeypatch.setattr(trello_client, "TIMEOUT_S", TIMEOUT_S)
    clock = VirtualClock()
    clock.install(monkeypatch)
    return clock
