"""programme/config.py: the [programme] table, the participants' globs, the review config."""

from __future__ import annotations

from pathlib import Path

import pytest

from careerloop.config import load_config
from careerloop.errors import ConfigError
from careerloop.programme.config import DEFAULT_WORKERS, Participant, load_programme

PROGRAMME = """\
[programme]
name = "Product mentoring 2026"
participants = ["people/*.toml"]
workers = 3
[programme.reviews]
targets = ["local"]
[programme.reviews.local]
dir = "programme-reviews"
"""


def _write(root: Path, text: str, people: tuple[str, ...] = ("bo", "ana")) -> Path:
    (root / "people").mkdir(exist_ok=True)
    for name in people:
        (root / "people" / f"{name}.toml").write_text("[workspace]\n", encoding="utf-8")
    path = root / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_example_parses(tmp_path: Path) -> None:
    programme = load_programme(_write(tmp_path, PROGRAMME))
    people = tmp_path.resolve() / "people"
    assert programme.name == "Product mentoring 2026"
    # Sorted by name, each its file's stem.
    assert programme.participants == (
        Participant("ana", people / "ana.toml"),
        Participant("bo", people / "bo.toml"),
    )
    assert programme.workers == 3
    assert programme.anonymise is False
    review = programme.review_config
    assert review.reviews.targets == ["local"]
    assert review.path(review.reviews.local.dir) == tmp_path.resolve() / "programme-reviews"
    assert review.sources.notion is None and review.sources.trello is None
    # Beside the programme's own state (default .careerloop/state.db).
    assert programme.scorecards_dir == tmp_path.resolve() / ".careerloop" / "scorecards"


def test_defaults_and_workspace(tmp_path: Path) -> None:
    text = (
        '[workspace]\ntimezone = "Europe/Berlin"\nstate = "run/programme.db"\n'
        '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\nanonymise = true\n'
    )
    programme = load_programme(_write(tmp_path, text))
    assert programme.workers == DEFAULT_WORKERS == 4
    assert programme.anonymise is True
    assert programme.review_config.workspace.timezone == "Europe/Berlin"
    assert programme.review_config.reviews.targets == ["local"]
    assert programme.scorecards_dir == tmp_path.resolve() / "run" / "scorecards"


def test_several_globs_overlap_once_and_skip_the_programme_file(tmp_path: Path) -> None:
    text = '[programme]\nname = "P"\nparticipants = ["people/a*.toml", "people/*.toml", "*.toml"]\n'
    path = _write(tmp_path, text, people=("ana", "al", "cy"))
    (tmp_path / "dee.toml").write_text("", encoding="utf-8")
    names = [p.name for p in load_programme(path).participants]
    assert names == ["al", "ana", "cy", "dee"]  # programme.toml itself is not a participant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[programme]\nname = "P"\nparticipants = ["nobody/*.toml"]\n',
            "'nobody/*.toml' matches no file",
        ),
        (
            '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\nworkers = 0\n',
            "programme.workers: Input should be greater than or equal to 1",
        ),
        ('[programme]\nname = "P"\nparticipants = []\n', "programme.participants"),
        (
            '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\nworker = 2\n',
            "unknown key 'programme.worker' in [programme] (did you mean 'workers'?)",
        ),
        ('[programme]\nparticipants = ["people/*.toml"]\n', "programme.name: Field required"),
        (
            '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\n'
            '[programme.reviews]\ntargets = ["email"]\n',
            "programme.reviews.targets.0",
        ),
        (
            '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\n'
            '[sources.trello]\nexport = "board.json"\n',
            "a programme has no sources of its own",
        ),
        (
            '[programme]\nname = "P"\nparticipants = ["people/*.toml"]\n[reviews]\n',
            "[programme.reviews]",
        ),
        (
            '[workspace]\ntimezone = "Mars/Olympus"\n[programme]\nname = "P"\n'
            'participants = ["people/*.toml"]\n',
            "unknown time zone 'Mars/Olympus'",
        ),
        ("[workspace]\n", "has no [programme] table"),
    ],
)
def test_bad_programme_files_are_one_config_error(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_programme(_write(tmp_path, text))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_two_participants_with_one_name_is_an_error(tmp_path: Path) -> None:
    text = '[programme]\nname = "P"\nparticipants = ["people/*.toml", "more/*.toml"]\n'
    path = _write(tmp_path, text, people=("ana",))
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "ana.toml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="two participants are named 'ana'"):
        load_programme(path)


def test_a_token_in_the_programme_file_is_refused_unshown(tmp_path: Path) -> None:
    token = "ntn_" + "a1" * 20
    text = f'[programme]\nname = "{token}"\nparticipants = ["people/*.toml"]\n'
    with pytest.raises(ConfigError) as caught:
        load_programme(_write(tmp_path, text))
    assert "programme.name" in str(caught.value)
    assert token not in str(caught.value)


def test_a_personal_command_on_a_programme_file_points_at_programme(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, PROGRAMME))
    assert "is a programme file" in str(caught.value)
    assert "`careerloop programme sync`" in str(caught.value)
    assert caught.value.exit_code == 2
