"""The connector registry: the built-in declarations, lookups, and a connector added in a test.

The fake connector ("pigeon") is one declaration and nothing else: no edit to the
pipeline, doctor, the CLI or the config, yet `--to pigeon` is accepted, doctor runs its
checks, and sync reads from it and publishes through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careerloop import pipeline
from careerloop.config import Config, parse_config, secret
from careerloop.connectors import registry
from careerloop.connectors.base import Check, Clock, PublishOutcome, ReadResult, Transport
from careerloop.connectors.registry import Connector, SourceKind, TargetKind
from careerloop.errors import ConfigError
from careerloop.model import Module, Session, Workspace
from careerloop.report.escape import redact, secret_values
from careerloop.report.review import Review
from tests.conftest import invoke


def test_the_built_in_connectors_declare_what_the_pipeline_used_to_name() -> None:
    assert [c.name for c in registry.connectors()] == ["files", "notion", "trello"]
    assert registry.target_names() == ["local", "notion", "trello"]
    assert registry.source_names() == ["notion-csv", "notion", "trello-export", "trello"]
    assert [p.option for p in registry.provisionings()] == ["notion", "trello"]
    kind = registry.source_kind("trello-export")
    assert kind is not None and kind.origin_prefix == "file:trello-export"
    assert registry.source_kind("fax") is None


def test_configured_sources_follow_the_config() -> None:
    both = parse_config({"sources": {
        "notion": {"modules": {"csv": "m.csv"}, "goals": {"data_source": "ds-1"}},
        "trello": {"board": "CaReEr01", "export": "board.json"},
    }})
    # An export wins over the board (the board is then where reviews go).
    assert [k.name for k in registry.configured_sources(both)] == [
        "notion-csv", "notion", "trello-export"]
    board = parse_config({"sources": {"trello": {"board": "CaReEr01"}}})
    assert [k.name for k in registry.configured_sources(board)] == ["trello"]
    assert registry.configured_sources(Config()) == []


def test_an_unknown_target_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.target("fax")
    assert str(caught.value) == (
        "reviews.targets: unknown target 'fax' (targets are local, notion, trello)")
    with pytest.raises(ConfigError, match="unknown target 'notio' \\(did you mean 'notion'"):
        parse_config({"reviews": {"targets": ["notio"]}})


def test_unless_unused_adds_the_way_out_to_failing_rows_only() -> None:
    rows = [Check(name="a", status="fail", detail="x", fix="set it"),
            Check(name="b", status="fail", detail="y"),
            Check(name="c", status="warn", detail="z", fix="maybe")]
    marked = registry.unless_unused(rows, "sources.fax", "use fax")
    assert [r.fix for r in marked] == [
        "set it; or remove [sources.fax] if you do not use fax",
        "Or remove [sources.fax] if you do not use fax",
        "maybe",
    ]


def test_a_name_that_is_taken_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="connector 'mine': local exists already"):
        registry.register(Connector(name="mine", target=TargetKind(
            name="local", build=_pigeon_publisher, check=_pigeon_target_check)))
    assert registry.target_names() == ["local", "notion", "trello"]


# -- a connector declared in the test ----------------------------------------------------------


class PigeonSource:
    """Gives two October records: one completed module and one mentor session."""

    name = "pigeon"

    def read(self, store: object, *, full: bool) -> list[ReadResult]:
        workspace = Workspace()
        workspace.add(Module(id="pigeon:m1", source="file", source_id="m1", title="SQL",
                             planned=dt.date(2026, 10, 5), completed=dt.date(2026, 10, 6)))
        workspace.add(Session(id="pigeon:s1", source="file", source_id="s1", title="Kick-off",
                              date=dt.date(2026, 10, 8), feedback=4))
        return [ReadResult(origin="pigeon:loft", workspace=workspace)]

    def http_stats(self) -> None:
        return None


class PigeonPublisher:
    """Keeps what it was given; `PUBLISHED` lists (review key, first line) per publish."""

    name = "pigeon"

    def publish(self, review: Review, markdown: str, *, dry_run: bool) -> PublishOutcome:
        PUBLISHED.append((review.key, markdown.splitlines()[0]))
        return PublishOutcome(target=self.name, review_key=review.key, action="created",
                              location=f"loft/{review.key}", content_hash="h")

    def close(self) -> None:
        return None


PUBLISHED: list[tuple[str, str]] = []


def _pigeon_source(
    config: Config, clock: Clock | None, transport: Transport | None
) -> PigeonSource:
    return PigeonSource()


def _pigeon_publisher(
    config: Config, store: object, clock: Clock | None, transport: Transport | None
) -> PigeonPublisher:
    return PigeonPublisher()


def _require_pigeon_token(config: Config) -> None:
    secret("PIGEON_TOKEN", "pigeon post token")


def _pigeon_checks(config: Config) -> list[Check]:
    return [Check(name="pigeon loft", status="ok", detail="3 birds home")]


def _pigeon_target_check(config: Config) -> Check:
    return Check(name="target pigeon", status="warn", detail="the loft is far")


PIGEON = Connector(
    name="pigeon",
    sources=(SourceKind(name="pigeon", origin_prefix="pigeon:", configured=lambda c: True,
                        build=_pigeon_source, require=_require_pigeon_token,
                        checks=_pigeon_checks, empty_cause=lambda c: "the birds flew off"),),
    target=TargetKind(name="pigeon", build=_pigeon_publisher, check=_pigeon_target_check),
)


@pytest.fixture
def pigeon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The pigeon connector registered for one test; a config that publishes to it."""
    registry.register(PIGEON)
    PUBLISHED.clear()
    monkeypatch.setenv("PIGEON_TOKEN", "coo-coo-coo-coo")
    config = tmp_path / "careerloop.toml"
    config.write_text('[workspace]\nstate = "state.db"\n\n[reviews]\nkinds = ["monthly"]\n'
                      'targets = ["local", "pigeon"]\n', encoding="utf-8")
    try:
        yield config
    finally:
        registry.unregister("pigeon")


def test_a_registered_connector_is_a_source_a_target_and_doctor_rows(
    pigeon: Path, runner: CliRunner
) -> None:
    code, out, err = invoke(runner, "-c", str(pigeon), "sync", "--period", "2026-10")
    assert code == 0, err
    assert "read pigeon:loft: 2 records (full)" in err
    assert "2026-10-monthly created on pigeon: loft/2026-10-monthly" in out
    assert (pigeon.parent / "reviews" / "2026-10-monthly.md").is_file()
    assert PUBLISHED == [("2026-10-monthly", PUBLISHED[0][1])]
    assert PUBLISHED[0][1].startswith("# ")  # the rendered review's title

    code, out, err = invoke(runner, "-c", str(pigeon), "report", "--period", "2026-10",
                            "--to", "pigeon")
    assert code == 0, err
    assert "2026-10-monthly created on pigeon" in out and len(PUBLISHED) == 2

    code, out, _ = invoke(runner, "-c", str(pigeon), "doctor")
    assert code == 0, out
    assert "pigeon loft" in out and "3 birds home" in out
    assert "target pigeon" in out and "the loft is far" in out


def test_a_registered_source_states_its_credentials_before_anything_is_read(
    pigeon: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIGEON_TOKEN")
    code, _, err = invoke(runner, "-c", str(pigeon), "sync", "--period", "2026-10")
    assert code == 2
    assert err.strip() == ("error: environment variable PIGEON_TOKEN is not set: it must hold "
                           "the pigeon post token")
    assert not (pigeon.parent / "state.db").exists() and PUBLISHED == []


def test_the_empty_read_names_a_registered_source_with_its_cause(pigeon: Path) -> None:
    message = pipeline.empty_read_message(Config(), ["pigeon", "somewhere"])
    assert "pigeon: the birds flew off; somewhere: no records" in message
    assert pipeline.origin_prefix("pigeon") == "pigeon:"
    assert pipeline.origin_prefix("somewhere") == "somewhere:"


def test_an_unregistered_connector_is_gone(pigeon: Path, runner: CliRunner) -> None:
    registry.unregister("pigeon")
    code, _, err = invoke(runner, "-c", str(pigeon), "report", "--to", "pigeon")
    assert code == 2
    assert "invalid value for '--to': 'pigeon' is not one of 'local', 'notion', 'trello', " \
        "'stdout'" in err


def test_each_connector_names_the_variables_its_secrets_are_redacted_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = parse_config({"sources": {"notion": {"token_env": "MY_NOTION"},
                                       "trello": {"board": "CaReEr01", "key_env": "MY_KEY"}}})
    assert registry.credential_names(config) == {
        "NOTION_TOKEN", "MY_NOTION", "TRELLO_API_KEY", "MY_KEY", "TRELLO_TOKEN"}
    registry.register(Connector(name="pigeon", credentials=lambda c: ["PIGEON_TOKEN"]))
    try:
        monkeypatch.setenv("PIGEON_TOKEN", "coo-coo-coo-coo-coo")
        assert secret_values(Config()) == ["coo-coo-coo-coo-coo"]
        assert redact("sent with coo-coo-coo-coo-coo", secret_values(Config())) == (
            "sent with [redacted]")
    finally:
        registry.unregister("pigeon")
