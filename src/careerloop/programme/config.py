"""A programme file: a careerloop.toml with a `[programme]` table and no sources.

It names the participants (each one's own careerloop.toml, found by globs relative to
the file), how many are synced at once, and where the programme review goes. The
programme review reuses the personal review machinery through `review_config`, an
ordinary `Config` with the programme's workspace and `[programme.reviews]`.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from careerloop.config import (
    Config,
    ReviewsConfig,
    SourcesConfig,
    TrelloReviews,
    TrelloSource,
    WorkspaceConfig,
    describe_validation_error,
    read_toml,
    refuse_tokens,
)
from careerloop.errors import ConfigError

DEFAULT_WORKERS = 4
SCORECARDS_FOLDER = "scorecards"


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgrammeTrelloReviews(TrelloReviews):
    """`[programme.reviews.trello]`: the list, and the board it is on (a personal config
    names the board in [sources.trello], which a programme file has not)."""

    board: str | None = None


class ProgrammeReviews(ReviewsConfig):
    """`[programme.reviews]`: the keys of `[reviews]`, the Trello board included."""

    trello: ProgrammeTrelloReviews = Field(default_factory=ProgrammeTrelloReviews)


class ProgrammeTable(_Table):
    """`[programme]`."""

    name: str = Field(min_length=1)
    participants: list[str] = Field(min_length=1)
    workers: int = Field(default=DEFAULT_WORKERS, ge=1)
    anonymise: bool = False
    reviews: ProgrammeReviews = Field(default_factory=ProgrammeReviews)

    @field_validator("participants")
    @classmethod
    def _no_blank_glob(cls, value: list[str]) -> list[str]:
        if any(not pattern.strip() for pattern in value):
            raise ValueError("a participants glob is blank; write one like 'people/*.toml'")
        return value


class ProgrammeFile(_Table):
    """The whole programme file: `[programme]` and the programme's own `[workspace]`."""

    programme: ProgrammeTable
    workspace: WorkspaceConfig = Field(default_factory=WorkspaceConfig)


@dataclass(frozen=True, slots=True)
class Participant:
    """One member of the cohort: `name` is the stem of its careerloop.toml."""

    name: str
    config_path: Path


@dataclass(frozen=True, slots=True)
class ProgrammeConfig:
    """A validated programme file.

    `review_config` carries the programme's workspace (state, time zone) and
    `[programme.reviews]` as its `reviews`, with no sources, so the personal publishers
    publish the programme review unchanged. `scorecards_dir` is the default folder of
    the participants' scorecards, beside the programme's state.
    """

    path: Path
    name: str
    participants: tuple[Participant, ...]
    workers: int
    anonymise: bool
    review_config: Config
    scorecards_dir: Path


# Tables of a personal careerloop.toml that a programme file must not have, and why.
_PERSONAL_TABLES = {
    "sources": "a programme has no sources of its own: each participant's careerloop.toml "
    "names its sources",
    "kpis": "a programme has no KPI settings of its own: each participant's careerloop.toml "
    "has its [kpis]",
    "reviews": "the programme review's settings go in [programme.reviews]",
}


def load_programme(path: Path) -> ProgrammeConfig:
    """Read and validate a programme file and find its participants.

    The participants' own files are not read here: a broken one fails that participant
    alone when the programme is synced.

    Raises:
        ConfigError: the file is missing or invalid, a glob matches no file, or two
            participants have the same name.
    """
    data = read_toml(path)
    source = str(path)
    if "programme" not in data:
        raise ConfigError(
            f"{source} has no [programme] table: a programme file names its participants "
            'there (participants = ["people/*.toml"])'
        )
    _refuse_personal_tables(data, source)
    refuse_tokens(data, (), source)
    try:
        parsed = ProgrammeFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, source, ProgrammeFile)) from None
    base_dir = path.resolve().parent
    board = parsed.programme.reviews.trello.board
    # The Trello publisher finds its board and credentials where a personal config has them.
    sources = SourcesConfig(trello=TrelloSource(board=board)) if board else SourcesConfig()
    review_config = Config(
        workspace=parsed.workspace, reviews=parsed.programme.reviews, sources=sources
    )
    review_config = review_config.model_copy(update={"base_dir": base_dir})
    return ProgrammeConfig(
        path=path,
        name=parsed.programme.name,
        participants=find_participants(parsed.programme.participants, base_dir, path, source),
        workers=parsed.programme.workers,
        anonymise=parsed.programme.anonymise,
        review_config=review_config,
        scorecards_dir=review_config.state_path.parent / SCORECARDS_FOLDER,
    )


def _refuse_personal_tables(data: dict[str, Any], source: str) -> None:
    for table, reason in _PERSONAL_TABLES.items():
        if table in data:
            raise ConfigError(f"{source}: [{table}] in a programme file: {reason}")


def find_participants(
    patterns: list[str], base_dir: Path, programme_path: Path, source: str
) -> tuple[Participant, ...]:
    """Every file the globs match (relative to `base_dir`), sorted by name.

    The programme file itself is skipped when a glob matches it.

    Raises:
        ConfigError: a glob matches no file, or two files have the same stem.
    """
    own = programme_path.resolve()
    found: dict[Path, None] = {}
    for pattern in patterns:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base_dir / full
        matches = [
            Path(match).resolve()
            for match in sorted(glob.glob(str(full), recursive=True))
            if Path(match).is_file()
        ]
        matches = [match for match in matches if match != own]
        if not matches:
            raise ConfigError(
                f"{source}: programme.participants: {pattern!r} matches no file "
                f"(globs are relative to {base_dir})"
            )
        found.update(dict.fromkeys(matches))
    return _named(found, source)


def _named(paths: dict[Path, None], source: str) -> tuple[Participant, ...]:
    by_name: dict[str, Path] = {}
    for config_path in paths:
        name = config_path.stem
        if name in by_name:
            raise ConfigError(
                f"{source}: two participants are named {name!r} ({by_name[name]} and "
                f"{config_path}): a participant's name is its file's stem, so rename one"
            )
        by_name[name] = config_path
    return tuple(Participant(name, by_name[name]) for name in sorted(by_name))
