"""programme/shard.py: I/K specs, the stable hash, every participant in exactly one shard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careerloop.errors import ConfigError
from careerloop.programme.config import Participant
from careerloop.programme.shard import (
    MAX_SHARDS,
    Shard,
    in_shard,
    matrix,
    parse_shard,
    shard_of,
)


def _people(names: list[str]) -> list[Participant]:
    return [Participant(name, Path(f"{name}.toml")) for name in names]


@given(
    names=st.lists(st.text(min_size=1, max_size=30), unique=True, max_size=60),
    count=st.integers(min_value=1, max_value=MAX_SHARDS),
)
def test_every_participant_is_in_exactly_one_shard(names: list[str], count: int) -> None:
    people = _people(names)
    shards = [in_shard(people, Shard(index, count)) for index in range(1, count + 1)]
    found = [p.name for shard in shards for p in shard]
    assert sorted(found) == sorted(names)  # none lost, none twice


def test_the_hash_is_sha256_not_pythons_salted_hash() -> None:
    # sha256("ana") starts 24d4b96f58da6d4a: 0x24d4b96f58da6d4a mod 3 = 1, so shard 2 of 3.
    assert int("24d4b96f58da6d4a", 16) % 3 == 1
    assert shard_of("ana", 3) == 2
    script = "from careerloop.programme.shard import shard_of; print(shard_of('ana', 7))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert seen == {str(shard_of("ana", 7))}


def test_one_shard_holds_everyone_and_no_shard_means_all() -> None:
    people = _people(["ana", "bo", "cy"])
    assert in_shard(people, Shard(1, 1)) == people
    assert in_shard(people, None) == people


@pytest.mark.parametrize(
    ("spec", "expected"), [("1/3", Shard(1, 3)), (" 3 / 3 ", Shard(3, 3)), ("1/1", Shard(1, 1))]
)
def test_shard_specs(spec: str, expected: Shard) -> None:
    assert parse_shard(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2", "is not I/K"),
        ("a/b", "is not I/K"),
        ("-1/3", "is not I/K"),
        ("0/3", "between 1 and 3"),
        ("4/3", "between 1 and 3"),
        ("1/0", "1 to 256 shards"),
        ("1/257", "1 to 256 shards"),
    ],
)
def test_bad_shard_specs_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_shard(spec)
    assert caught.value.exit_code == 2


def test_the_matrix_lists_every_shard() -> None:
    assert matrix(3) == {"include": [{"shard": "1/3"}, {"shard": "2/3"}, {"shard": "3/3"}]}
    assert matrix(1) == {"include": [{"shard": "1/1"}]}
    with pytest.raises(ConfigError):
        matrix(0)
