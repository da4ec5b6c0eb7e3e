"""Which connectors careerloop has, and what each one offers: the one place to look them up.

Each connector package under `careerloop.connectors` declares itself in its
`connector.py` as `CONNECTOR = Connector(...)`: the sources it reads, the review target
it publishes to, the doctor checks of both, and what `careerloop init` can set up on the
service. The pipeline, doctor, the CLI and the config look connectors up here instead of
naming services, so a new source or target is one declaration beside its package.

A declaration holds functions that import their connector's modules when called, so
looking connectors up (as `careerloop kpis` and `--help` do) imports no HTTP library.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from careerloop.errors import ConfigError

if TYPE_CHECKING:
    from careerloop.config import Config
    from careerloop.connectors.base import Check, Clock, Publisher, Source, Transport
    from careerloop.store import Store


def _no_credentials(config: Config) -> None:
    return None


def _no_checks(config: Config) -> list[Check]:
    return []


def _no_cause(config: Config) -> str:
    return "no records"


def _no_secrets(config: Config) -> list[str]:
    return []


def _own_template(config: Config, kind: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceKind:
    """One way a connector reads the plan (`notion`, `notion-csv`, …).

    `name` is the name of the `Source` it builds (`Source.name`), and `origin_prefix`
    how the origins of its reads start in the store (`notion:`, `file:notion-csv`).
    """

    name: str
    origin_prefix: str
    configured: Callable[[Config], bool]
    build: Callable[[Config, Clock | None, Transport | None], Source]
    # Raises ConfigError for a credential the source needs and the environment lacks.
    require: Callable[[Config], None] = _no_credentials
    checks: Callable[[Config], list[Check]] = _no_checks
    # Why a read of this source may have found no record at all (one clause).
    empty_cause: Callable[[Config], str] = _no_cause


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetKind:
    """Where a connector publishes reviews: the name in `[reviews] targets` and `--to`."""

    name: str
    build: Callable[[Config, Store, Clock | None, Transport | None], Publisher]
    # Raises ConfigError for a setting or credential this target needs and lacks.
    require: Callable[[Config], None] = _no_credentials
    check: Callable[[Config], Check]
    # The template file it publishes a review of `kind` with; None: the review's own.
    template: Callable[[Config, str], str | None] = _own_template


@dataclass(frozen=True, slots=True, kw_only=True)
class Provisioned:
    """What `careerloop init --<connector>` set up: config text and lines for the user."""

    toml: str
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provisioning:
    """`careerloop init --<option> REF`: set up the service and write its config.

    `run(ref, base_url, with_workspace)` does it; `with_workspace` asks for a
    `[workspace]` table too (no earlier part of the file has one).
    """

    option: str  # the init option without dashes: `notion` for `--notion PAGE`
    metavar: str
    help: str
    run: Callable[[str, str | None, bool], Provisioned]


@dataclass(frozen=True, slots=True, kw_only=True)
class Connector:
    """Everything one connector offers; each part is optional.

    `credentials(config)` names the environment variables that hold its secrets (the
    defaults too, since a target falls back to them): their values are redacted from
    every review, error and log line.
    """

    name: str
    sources: tuple[SourceKind, ...] = ()
    target: TargetKind | None = None
    provisioning: Provisioning | None = None
    credentials: Callable[[Config], list[str]] = _no_secrets


_built_in: list[Connector] | None = None
_registered: list[Connector] = []


def _discover() -> list[Connector]:
    """The `CONNECTOR` of every `careerloop.connectors.<package>.connector` module."""
    from careerloop import connectors as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module_name = f"{package.__name__}.{info.name}.connector"
        if info.ispkg and importlib.util.find_spec(module_name) is not None:
            found.append(importlib.import_module(module_name).CONNECTOR)
    return found


def connectors() -> tuple[Connector, ...]:
    """Every connector: the built-in ones by package name, then those registered."""
    global _built_in
    if _built_in is None:
        _built_in = _discover()
    return (*_built_in, *_registered)


def register(connector: Connector) -> None:
    """Add a connector from outside careerloop's packages (a plugin, a test).

    Raises:
        ValueError: a connector, source or target of that name exists already.
    """
    taken = {c.name for c in connectors()} | set(source_names()) | set(target_names())
    names = {connector.name, *(s.name for s in connector.sources)}
    if connector.target is not None:
        names.add(connector.target.name)
    if clash := sorted(names & taken):
        raise ValueError(f"connector {connector.name!r}: {', '.join(clash)} exists already")
    _registered.append(connector)


def unregister(name: str) -> None:
    """Remove a connector `register` added (no error when it is not there)."""
    _registered[:] = [c for c in _registered if c.name != name]


def source_kinds() -> list[SourceKind]:
    """Every way of reading the plan, in connector order."""
    return [kind for connector in connectors() for kind in connector.sources]


def source_names() -> list[str]:
    """The names of every source kind."""
    return [kind.name for kind in source_kinds()]


def configured_sources(config: Config) -> list[SourceKind]:
    """The source kinds `config` reads from, in connector order."""
    return [kind for kind in source_kinds() if kind.configured(config)]


def source_kind(name: str) -> SourceKind | None:
    """The source kind of a `Source.name` (None: not a registered source)."""
    return next((kind for kind in source_kinds() if kind.name == name), None)


def target_names() -> list[str]:
    """The names `[reviews] targets` and `--to` accept, in connector order."""
    return [c.target.name for c in connectors() if c.target is not None]


def find_target(name: str) -> TargetKind | None:
    """The target of that name (None: no connector publishes under it)."""
    return next((c.target for c in connectors() if c.target and c.target.name == name), None)


def target(name: str) -> TargetKind:
    """The target of that name.

    Raises:
        ConfigError: no connector publishes under that name.
    """
    for connector in connectors():
        if connector.target is not None and connector.target.name == name:
            return connector.target
    raise ConfigError(
        f"reviews.targets: unknown target {name!r} (targets are {', '.join(target_names())})"
    )


def unless_unused(checks: Sequence[Check], section: str, use: str) -> list[Check]:
    """A source's failing doctor rows, each also giving the way out for one not used.

    For a source declaration's `checks`: `section` is its config table, `use` what a
    user does with it (`use Notion`).
    """
    hint = f"or remove [{section}] if you do not {use}"
    return [
        dataclasses.replace(c, fix=f"{c.fix}; {hint}" if c.fix else hint.capitalize())
        if c.status == "fail"
        else c
        for c in checks
    ]


def credential_names(config: Config) -> set[str]:
    """Every environment variable any connector keeps a secret in, for this config."""
    return {name for connector in connectors() for name in connector.credentials(config)}


def provisionings() -> list[Provisioning]:
    """What `careerloop init` can set up, in connector order."""
    return [c.provisioning for c in connectors() if c.provisioning is not None]
