"""careerloop: close the loop of a career plan built on mentorship and microlearning."""

from __future__ import annotations

__version__ = "0.1.0"
