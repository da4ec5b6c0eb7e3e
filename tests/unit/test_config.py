"""config.py: the careerloop.toml model, its one-line errors, and secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from careerloop.config import (
    MAX_CONFIG_BYTES,
    Config,
    check_notes_heading,
    load_config,
    looks_like_token,
    parse_config,
    secret,
)
from careerloop.errors import ConfigError


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "careerloop.toml"
    path.write_text("", encoding="utf-8")
    config = load_config(path)
    assert config.reviews.targets == ["local"]
    assert config.reviews.kinds == ["monthly", "quarterly"]
    assert config.workspace.timezone == "UTC"
    # Relative paths are relative to the file's folder.
    assert config.state_path == tmp_path.resolve() / ".careerloop" / "state.db"


def test_an_unknown_key_is_named_with_the_closest_valid_one() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"reviews": {"target": ["local"]}})
    assert str(caught.value) == (
        "careerloop.toml: unknown key 'reviews.target' in [reviews] (did you mean 'targets'?)")


def test_targets_are_the_registered_ones() -> None:
    assert parse_config({"reviews": {"targets": ["trello", "local"]}}).reviews.targets == [
        "trello", "local"]
    with pytest.raises(ConfigError) as caught:
        parse_config({"reviews": {"targets": ["fax"]}})
    assert str(caught.value) == ("careerloop.toml: reviews.targets.0: unknown target 'fax'; "
                                 "targets are local, notion, trello")


def test_a_token_pasted_into_token_env_is_refused_without_showing_it() -> None:
    token = "ntn_" + "a1B2" * 12
    with pytest.raises(ConfigError) as caught:
        parse_config({"sources": {"notion": {"token_env": token}}})
    assert token not in str(caught.value)
    assert "sources.notion.token_env: this looks like a token itself" in str(caught.value)
    assert looks_like_token(f"https://api.example.com/?token={token}")
    assert not looks_like_token("NOTION_TOKEN")


def test_secret_reads_the_variable_and_names_it_when_unset(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_TOKEN", "  s3cret-value  ")
    assert secret("MY_TOKEN", "token").get_secret_value() == "s3cret-value"
    monkeypatch.setenv("MY_TOKEN", "   ")
    with pytest.raises(ConfigError) as caught:
        secret("MY_TOKEN", "Notion integration token")
    assert str(caught.value) == ("environment variable MY_TOKEN is not set: it must hold the "
                                 "Notion integration token")


def test_load_config_refuses_what_is_no_careerloop_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config at .*: run `careerloop init`"):
        load_config(tmp_path / "missing.toml")
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(ConfigError, match="is larger than 1024 KB"):
        load_config(big)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[workspace]\ntimezone = "Europe/Z\xfcrich"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(latin)
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 9 + "]" * 9 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="more than 8 levels deep"):
        load_config(deep)


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "careerloop.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[workspace]\ntimezone = "Europe/Berlin"\n')
    assert load_config(path).workspace.timezone == "Europe/Berlin"


def test_an_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        parse_config({"workspace": {"timezone": "Mars/Olympus"}})


def test_the_notes_heading_must_be_findable_plain_text() -> None:
    assert check_notes_heading("  My notes ") == "My notes"
    with pytest.raises(ValueError, match="must be plain text: # would be read as Markdown"):
        check_notes_heading("#1 notes")
    with pytest.raises(ValueError, match="is a heading of the review templates"):
        check_notes_heading("KPIs")


def test_config_paths_resolve_against_the_files_folder(tmp_path: Path) -> None:
    config = Config().model_copy(update={"base_dir": tmp_path})
    assert config.path("reviews") == tmp_path / "reviews"
    assert config.path("/srv/reviews") == Path("/srv/reviews")
