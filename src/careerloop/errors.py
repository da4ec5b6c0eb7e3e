"""The one exception family of careerloop.

The whole tree::

    CareerloopError              anything careerloop raises on purpose (exit code 1)
    ├── ConfigError              careerloop.toml, the environment or usage is wrong (exit 2)
    │   └── PeriodError          a period label cannot be parsed, or the period has not started
    ├── SourceError              a source (Notion, Trello, an export file) could not be read
    │   ├── AuthError            the token or key was refused (401/403)
    │   ├── RateLimited          the service kept answering 429 after every retry
    │   ├── NotFound             a data source, board or page is missing or not shared
    │   └── EmptyRead            every source was read and none gave a record
    ├── PublishError             a review could not be written to a target
    ├── StoreError               the state database is damaged, locked, read-only, full,
    │                            from a newer careerloop, or held by another run
    └── TemplateError            a review template failed to load or render

Three private exceptions are signals inside one module; none escapes it::

    jinja2.exceptions.SecurityError
    └── _Exhausted               report/render.py: a render limit was reached; it leaves
                                 as a TemplateError naming the file and line
    Exception
    └── _CutBody                 connectors/base.py: an answer's JSON body was cut short;
                                 only counted in `RequestStats.errors`, never raised
    requests.ConnectionError
    └── _NotConnected            connectors/trello/client.py: the connection was never
                                 made, so the HTTP policy may resend even a write

Messages are one readable line: what failed, where, and what to do. They never carry a
token: connectors build them from ids and names, never from URLs with credentials.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CareerloopError",
    "ConfigError",
    "EmptyRead",
    "NotFound",
    "PeriodError",
    "PublishError",
    "RateLimited",
    "SourceError",
    "StoreError",
    "TemplateError",
]


class CareerloopError(Exception):
    """Root of every error careerloop raises on purpose."""

    exit_code = 1


class ConfigError(CareerloopError):
    """The configuration, the environment or the command line is wrong."""

    exit_code = 2


class PeriodError(ConfigError):
    """A period label is malformed or names a period that has not started."""


class SourceError(CareerloopError):
    """A source could not be read."""


class AuthError(SourceError):
    """The service refused the credentials."""


class RateLimited(SourceError):
    """The service still answered 429 after the retry budget was spent."""


class NotFound(SourceError):
    """A data source, board or page does not exist or is not shared with careerloop."""


class EmptyRead(SourceError):
    """Every source was read and none gave a record: most likely a mapping that matches
    nothing (kind labels, done lists, data sources), so nothing is stored or published."""


class PublishError(CareerloopError):
    """A review could not be written to its target."""


class StoreError(CareerloopError):
    """The state database cannot be used as it is; the message says what to do."""


class TemplateError(CareerloopError):
    """A template could not be loaded or rendered; the message names file and line."""
