"""The run's clock: monotonic time and sleep, the seam every wait of a run goes through.

The HTTP policies' backoff and pacing and the run lock's wait use it; tests pass a fake
whose sleep only moves its time on. Its own module (re-exported by connectors/base.py)
so that the store can take one without importing an HTTP library.
"""

from __future__ import annotations

import time


class Clock:
    """Monotonic time and sleep; tests pass a fake whose sleep only moves time on."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Block the calling thread."""
        time.sleep(seconds)
