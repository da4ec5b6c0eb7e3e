"""Running the `careerloop` command in-process: `TODAY` and `invoke` live in tests/conftest.py."""

from __future__ import annotations

from tests.conftest import TODAY, invoke

__all__ = ["TODAY", "invoke"]
