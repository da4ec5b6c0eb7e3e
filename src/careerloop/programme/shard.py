"""Shards: which participants one job of a GitHub Actions matrix syncs.

A participant belongs to shard `sha256(name) mod K + 1` of K: stable across machines,
runs and Python versions (Python's own `hash` is salted per process), and independent
of who else is in the cohort, so adding a participant never moves the others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from careerloop.errors import ConfigError
from careerloop.programme.config import Participant

MAX_SHARDS = 256  # the most jobs a GitHub Actions matrix may have
_SPEC = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    @property
    def label(self) -> str:
        """`2/3`."""
        return f"{self.index}/{self.count}"


def check_shard_count(count: int) -> int:
    """`count` when a matrix can have that many jobs.

    Raises:
        ConfigError: fewer than 1 or more than MAX_SHARDS.
    """
    if not 1 <= count <= MAX_SHARDS:
        raise ConfigError(
            f"--shards {count}: a programme is split into 1 to {MAX_SHARDS} shards "
            "(GitHub Actions runs at most 256 jobs of one matrix)"
        )
    return count


def parse_shard(spec: str) -> Shard:
    """`I/K` (shard I of K, 1 <= I <= K).

    Raises:
        ConfigError: the spec is not `I/K` with 1 <= I <= K <= MAX_SHARDS.
    """
    match = _SPEC.match(spec)
    if match is None:
        raise ConfigError(f"--shard {spec!r} is not I/K, like 2/3 (shard 2 of 3)")
    index, count = int(match.group(1)), check_shard_count(int(match.group(2)))
    if not 1 <= index <= count:
        raise ConfigError(f"--shard {spec!r}: the shard must be between 1 and {count}")
    return Shard(index, count)


def shard_of(name: str, count: int) -> int:
    """The shard (1 to `count`) a participant's name falls in."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def in_shard(participants: Sequence[Participant], shard: Shard | None) -> list[Participant]:
    """The participants of `shard` (all of them for None), in their order."""
    if shard is None:
        return list(participants)
    return [p for p in participants if shard_of(p.name, shard.count) == shard.index]


def matrix(count: int) -> dict[str, list[dict[str, str]]]:
    """`{"include": [{"shard": "1/K"}, …]}` for `strategy.matrix: ${{ fromJSON(...) }}`.

    Raises:
        ConfigError: `count` is out of range.
    """
    check_shard_count(count)
    return {"include": [{"shard": Shard(i, count).label} for i in range(1, count + 1)]}
