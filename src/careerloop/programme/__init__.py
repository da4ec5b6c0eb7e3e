"""Programmes: careerloop for a whole mentoring cohort (sharded sync, scorecards, rollup)."""
