"""careerloop.toml as one pydantic model tree; secrets come only from the environment.

Unknown keys are errors that name the key and suggest the closest valid one. The file
names environment variables (`token_env = "NOTION_TOKEN"`); a value that looks like a
token itself is refused wherever it is pasted (stripped, with a `Bearer `/`OAuth ` prefix
removed), and the error never shows it, so a secret never sits in a committed file or a
log.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from careerloop.errors import ConfigError
from careerloop.kpi import catalog

KPI_KEYS: tuple[str, ...] = catalog.keys()
"""The KPIs of the shipped catalogue (kpi/catalog.py), in its order."""

MODEL_KINDS: tuple[str, ...] = (
    "goal",
    "module",
    "session",
    "application",
    "milestone",
    "advancement",
)

# A token pasted where an environment variable name belongs (Notion: secret_/ntn_;
# Trello: 32 or 64 hex characters, or ATTA followed by hex in newer tokens). Any other
# value of 40 or more characters is no variable name a person would choose either.
_TOKEN_LIKE = re.compile(r"^(secret_|ntn_|ATTA)\S{20,}$|^[0-9a-fA-F]{32,}$|^\S{40,}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_AUTH_PREFIX = re.compile(r"^(?:bearer|oauth)\s+", re.IGNORECASE)
# A token anywhere inside any other setting (a board, a URL, a data source): the known
# token shapes only, since ids of 32 hex characters are legitimate there. Credentials in
# a URL (`?token=`, `user:secret@host`) count too.
_PASTED_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:secret_[A-Za-z0-9]{20,}|ntn_[A-Za-z0-9]{20,}|ATTA[0-9A-Za-z]{20,}"
    r"|[0-9a-fA-F]{64})(?![A-Za-z0-9])"
    r"|[?&](?:token|key|auth|access_token|api_key)=[^&\s]"
    r"|://[^/@\s:]+:[^/@\s]+@",
    re.IGNORECASE,
)
TOKEN_HINT = (
    "this looks like a token itself (not shown here); put the token in an environment "
    "variable and name that variable here"
)
PASTED_HINT = (
    "this looks like a token or credential (not shown here); tokens never go in "
    "careerloop.toml: put it in the environment variable that token_env names"
)
PROGRAMME_HINT = (
    "{source} is a programme file ([programme]): use `careerloop programme sync`, "
    "`programme rollup` or `programme matrix` with it"
)
MAX_CONFIG_BYTES = 1 << 20  # a real careerloop.toml is a few KB
MAX_CONFIG_DEPTH = 8  # careerloop's deepest key, sources.notion.modules.done_values.0, is 5


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def looks_like_token(value: str) -> bool:
    """Whether a setting holds a token or credentials, however it was pasted."""
    return bool(_PASTED_TOKEN.search(value))


def _env_name(value: str) -> str:
    bare = value.strip()
    prefixed = _AUTH_PREFIX.match(bare) is not None
    bare = _AUTH_PREFIX.sub("", bare)
    if prefixed or _TOKEN_LIKE.match(bare) or looks_like_token(bare):
        raise ValueError(TOKEN_HINT)
    if not _ENV_NAME.match(bare):
        # Never echoed: what was typed may be a token of a shape careerloop does not know.
        raise ValueError(
            "is not an environment variable name (letters, digits and _, like NOTION_TOKEN)"
        )
    return bare


class WorkspaceConfig(_Section):
    """`[workspace]`."""

    timezone: str = "UTC"
    state: str = ".careerloop/state.db"
    lock_timeout: float = Field(default=60.0, ge=0)  # seconds a run waits for another one

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
            ) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The workspace time zone."""
        return ZoneInfo(self.timezone)


class NotionKindMapping(_Section):
    """Fields shared by every `[sources.notion.<kind>]` table.

    A field left at its default names the property careerloop expects in a workspace made
    by `init`; when such a property is missing it is skipped. A property named explicitly
    in the file must exist.
    """

    data_source: str | None = None
    csv: str | None = None
    title: str | None = None

    def property_names(self) -> dict[str, str]:
        """Model field -> property name, for every mapped field but the title."""
        skip = {"data_source", "csv", "title", "done_values"}
        return {
            name: value
            for name, value in self.__dict__.items()
            if name not in skip and isinstance(value, str)
        }

    def required(self, model_field: str) -> bool:
        """Whether the user named this property explicitly (so it must exist)."""
        return model_field in self.model_fields_set


class GoalsMapping(NotionKindMapping):
    """`[sources.notion.goals]`."""

    horizon: str | None = "Horizon"
    target_date: str | None = "Target date"
    done: str | None = None
    status: str | None = "Status"
    done_values: list[str] = Field(default_factory=lambda: ["Done"])


class ModulesMapping(NotionKindMapping):
    """`[sources.notion.modules]`."""

    planned: str | None = "Planned"
    completed: str | None = "Completed"
    status: str | None = "Status"
    done_values: list[str] = Field(default_factory=lambda: ["Done"])
    minutes: str | None = "Minutes"
    format: str | None = "Format"
    track: str | None = "Track"
    skills: str | None = "Skills"
    goals: str | None = "Goals"
    vetted: str | None = "Vetted"
    provider: str | None = "Provider"


class SessionsMapping(NotionKindMapping):
    """`[sources.notion.sessions]`."""

    date: str | None = "Date"
    mentor: str | None = "Mentor"
    feedback: str | None = "Feedback"
    insights: str | None = "Insights"
    action_items_done: str | None = "Action items done"
    action_items_total: str | None = "Action items total"


class ApplicationsMapping(NotionKindMapping):
    """`[sources.notion.applications]`."""

    date: str | None = "Date"
    skills: str | None = "Skills"
    project: str | None = "Project"


class MilestonesMapping(NotionKindMapping):
    """`[sources.notion.milestones]`."""

    due: str | None = "Due"
    done_on: str | None = "Done on"
    status: str | None = "Status"
    done_values: list[str] = Field(default_factory=lambda: ["Done"])
    goals: str | None = "Goals"


class AdvancementsMapping(NotionKindMapping):
    """`[sources.notion.advancements]`."""

    date: str | None = "Date"
    kind: str | None = "Kind"
    description: str | None = "Description"
    skills: str | None = "Skills"


NOTION_TABLES: dict[str, str] = {
    "goals": "goal",
    "modules": "module",
    "sessions": "session",
    "applications": "application",
    "milestones": "milestone",
    "advancements": "advancement",
}


class NotionSource(_Section):
    """`[sources.notion]`."""

    token_env: str = "NOTION_TOKEN"
    base_url: str | None = None
    requests_per_second: float = Field(default=3.0, gt=0)
    reconcile_days: int = Field(default=7, ge=0)
    schema_days: int = Field(default=7, gt=0, strict=True)  # true or "7" is a slip, not a day count
    goals: GoalsMapping | None = None
    modules: ModulesMapping | None = None
    sessions: SessionsMapping | None = None
    applications: ApplicationsMapping | None = None
    milestones: MilestonesMapping | None = None
    advancements: AdvancementsMapping | None = None

    _check_env = field_validator("token_env")(lambda cls, v: _env_name(v))

    def tables(self) -> dict[str, NotionKindMapping]:
        """Configured tables by kind (`module`, …)."""
        found: dict[str, NotionKindMapping] = {}
        for table, kind in NOTION_TABLES.items():
            mapping = getattr(self, table)
            if mapping is not None:
                found[kind] = mapping
        return found

    @property
    def live(self) -> bool:
        """Whether any table reads from the API (rather than a CSV export)."""
        return any(m.data_source for m in self.tables().values())


def _default_kinds() -> dict[str, str]:
    return {
        "Microlearning": "module",
        "Mentor session": "session",
        "Skill applied": "application",
        "Advancement": "advancement",
        "Goal": "goal",
        "Milestone": "milestone",
    }


def _default_fields() -> dict[str, str]:
    return {
        "minutes": "Minutes",
        "feedback": "Feedback",
        "track": "Track",
        "goal": "Goal",
        "kind": "Type",
    }


TRELLO_FIELD_KEYS: tuple[str, ...] = (
    "minutes",
    "feedback",
    "track",
    "goal",
    "kind",
    "format",
    "vetted",
    "provider",
    "mentor",
    "project",
    "horizon",
    # Date custom fields: each feeds the model date of that name, before due and start.
    "date",
    "planned",
    "completed",
    "due",
    "done_on",
    "target_date",
)

# Trello's label colours; a `[sources.trello.kinds]` key `color:<colour>` names one.
TRELLO_COLOURS: tuple[str, ...] = tuple(
    f"{hue}{shade}"
    for hue in ("green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink",
                "black")
    for shade in ("", "_dark", "_light")
)
COLOUR_KEY = "color:"


class TrelloSource(_Section):
    """`[sources.trello]`."""

    key_env: str = "TRELLO_API_KEY"
    token_env: str = "TRELLO_TOKEN"
    board: str | None = None
    export: str | None = None
    base_url: str | None = None
    requests_per_10s: int = Field(default=90, gt=0, le=100)
    done_lists: list[str] = Field(default_factory=lambda: ["Done"])
    skill_prefix: str = "skill:"
    kinds: dict[str, str] = Field(default_factory=_default_kinds)
    fields: dict[str, str] = Field(default_factory=_default_fields)

    _check_env = field_validator("key_env", "token_env")(lambda cls, v: _env_name(v))

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for label, kind in value.items():
            colour = label.strip().casefold().removeprefix(COLOUR_KEY).strip()
            if label.strip().casefold().startswith(COLOUR_KEY) and colour not in TRELLO_COLOURS:
                raise ValueError(
                    f"label {label!r}: {colour!r} is not a Trello label colour"
                    f"{_suggest(colour, TRELLO_COLOURS)}; colours are "
                    f"{', '.join(c for c in TRELLO_COLOURS if '_' not in c)} "
                    "(also with _dark or _light)"
                )
            if kind not in MODEL_KINDS:
                raise ValueError(
                    f"label {label!r} maps to unknown kind {kind!r}"
                    f"{_suggest(kind, MODEL_KINDS)}; kinds are {', '.join(MODEL_KINDS)}"
                )
        return value

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in TRELLO_FIELD_KEYS:
                raise ValueError(f"unknown field {key!r}{_suggest(key, TRELLO_FIELD_KEYS)}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> TrelloSource:
        if not self.board and not self.export:
            raise ValueError("set board (live) or export (a board exported as JSON)")
        return self


class SourcesConfig(_Section):
    """`[sources]`."""

    notion: NotionSource | None = None
    trello: TrelloSource | None = None


class PitfallThresholds(_Section):
    """`[kpis.pitfalls]`: the thresholds of the pitfall detectors."""

    unaligned_learning: float = 0.8
    overload_modules_per_month: int = 4
    mentor_gap_days: int = 30
    mentor_gap_cadence: float = 0.5
    skipped_checkins_factor: float = 2.0
    undocumented_insights: float = 0.5
    unvetted_share: float = 0.5
    stalled_goal_ahead_days: int = 60
    stalled_goal_lookback_days: int = 30


DEFAULT_TARGETS: dict[str, float] = catalog.default_targets()
"""The shipped default targets (kpi/catalog.py); counts' targets are per month."""


class KpisConfig(_Section):
    """`[kpis]`."""

    feedback_scale: tuple[float, float] = (1.0, 5.0)
    sessions_per_month: float = Field(default=2.0, gt=0)
    targets: dict[str, float | None] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    pitfalls: PitfallThresholds = Field(default_factory=PitfallThresholds)
    # Goals with these horizons get a row each in the goals table; the others a count.
    goal_horizons: list[str] = Field(default_factory=lambda: ["6m", "12m"])

    @field_validator("feedback_scale")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] >= value[1]:
            raise ValueError("feedback_scale must be [low, high] with low < high")
        return value

    @field_validator("targets", "weights")
    @classmethod
    def _known_kpis(cls, value: dict[str, Any]) -> dict[str, Any]:
        known = catalog.keys()  # read now: a test may extend the catalogue
        for key in value:
            if key not in known:
                raise ValueError(f"unknown KPI {key!r}{_suggest(key, known)}")
        return value

    def weight(self, key: str) -> float:
        """The weight of a KPI in the period score (default 1)."""
        return self.weights.get(key, 1.0)


ReviewKindName = Literal["monthly", "quarterly"]


def _known_target(name: str) -> str:
    from careerloop.connectors import registry

    names = registry.target_names()
    if name not in names:
        raise ValueError(
            f"unknown target {name!r}{_suggest(name, names)}; targets are {', '.join(names)}"
        )
    return name


# A review target by name: one a connector declares (connectors/registry.py).
TargetName = Annotated[str, AfterValidator(_known_target)]


def _default_review_kinds() -> list[ReviewKindName]:
    return ["monthly", "quarterly"]


def _default_targets() -> list[TargetName]:
    return ["local"]


class LocalReviews(_Section):
    """`[reviews.local]`."""

    dir: str = "reviews"


class NotionReviews(_Section):
    """`[reviews.notion]`."""

    parent: str | None = None
    database: str | None = None
    template: Literal["full", "compact"] = "full"


class TrelloReviews(_Section):
    """`[reviews.trello]`."""

    list: str = "Reviews"


class ReviewsConfig(_Section):
    """`[reviews]`."""

    kinds: list[ReviewKindName] = Field(default_factory=_default_review_kinds)
    targets: list[TargetName] = Field(default_factory=_default_targets)
    templates: str | None = None
    notes_heading: str = "Notes"
    drafts: bool = False
    local: LocalReviews = Field(default_factory=LocalReviews)
    notion: NotionReviews = Field(default_factory=NotionReviews)
    trello: TrelloReviews = Field(default_factory=TrelloReviews)

    @field_validator("notes_heading")
    @classmethod
    def _findable(cls, value: str) -> str:
        return check_notes_heading(value)


class Config(_Section):
    """The whole careerloop.toml."""

    workspace: WorkspaceConfig = Field(default_factory=WorkspaceConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    kpis: KpisConfig = Field(default_factory=KpisConfig)
    reviews: ReviewsConfig = Field(default_factory=ReviewsConfig)

    # Where the file was read from; relative paths in it are relative to its folder.
    base_dir: Path = Field(default=Path("."), exclude=True)

    def path(self, value: str) -> Path:
        """A path from the file, resolved against the file's folder."""
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    @property
    def state_path(self) -> Path:
        """The SQLite state database."""
        return self.path(self.workspace.state)


# Characters that Markdown, Notion's converter or Trello would turn into something else
# than the plain text the notes finder compares against.
_HEADING_MARKUP = frozenset("#*_`~[]<>|\\")
MAX_HEADING = 100


def check_notes_heading(value: str) -> str:
    """The notes heading, trimmed, when every target can find it again; else ValueError.

    It must be one line of plain text (no Markdown markup, which would be rendered and
    then never match), recognised by the notes finder as a heading, and no heading of
    the shipped templates (the notes would start there and the review would freeze).
    """
    from careerloop.report.notes import find_notes_heading

    heading = value.strip()
    if not heading:
        raise ValueError("notes_heading must not be blank")
    if any(ord(c) < 32 or ord(c) == 127 for c in heading):
        raise ValueError("notes_heading must be one line of text (no line breaks or tabs)")
    markup = sorted(set(heading) & _HEADING_MARKUP)
    if markup:
        raise ValueError(
            f"notes_heading must be plain text: {' '.join(markup)} would be read as Markdown "
            "and the heading never found again; use letters, digits and punctuation"
        )
    if len(heading) > MAX_HEADING:
        raise ValueError(f"notes_heading is longer than {MAX_HEADING} characters")
    if find_notes_heading(f"## {heading}\n", heading) != 0:
        raise ValueError("notes_heading would not be recognised as a heading; use plain words")
    clash = next((h for h in _template_headings() if h.casefold() == heading.casefold()), None)
    if clash is not None:
        raise ValueError(
            f"notes_heading {heading!r} is a heading of the review templates: the notes would "
            "start there and the review would stop updating; choose another, like 'Notes'"
        )
    return heading


def _template_headings() -> list[str]:
    """The fixed headings of the shipped templates (`## KPIs`, …)."""
    from careerloop.errors import TemplateError
    from careerloop.report.render import shipped_templates

    try:
        folder = shipped_templates()
    except TemplateError:
        return []  # a broken install is reported when the templates are used
    headings = []
    for path in sorted(folder.rglob("*.j2")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*$", line)
            if match and "{" not in match.group(1):
                headings.append(match.group(1))
    return headings


def secret(env_name: str, purpose: str) -> SecretStr:
    """Read a secret from the environment.

    Raises:
        ConfigError: the variable is unset or empty.
    """
    value = os.environ.get(env_name, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {env_name} is not set: it must hold the {purpose}"
        )
    return SecretStr(value)


def _suggest(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The valid key names of the table at `loc` in the model tree."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        annotation = info.annotation
        current = next(
            (
                arg
                for arg in (*getattr(annotation, "__args__", ()), annotation)
                if isinstance(arg, type) and issubclass(arg, BaseModel)
            ),
            None,
        )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name in current.model_fields if name != "base_dir"]
    return []


def describe_validation_error(
    error: ValidationError, source: str, model: type[BaseModel] | None = None
) -> str:
    """One line per problem, as `sources.notion.modules.title: …` (`model`: default Config)."""
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        if any(looks_like_token(str(p)) for p in loc):
            lines.append(f"{source}: a key holds a token or credential (not shown here): "
                         f"{PASTED_HINT.split('; ', 1)[1]}")
        elif item["type"] == "extra_forbidden":
            parent, key = loc[:-1], str(loc[-1])
            table = ".".join(str(p) for p in parent) or "top level"
            hint = _suggest(key, _fields_at(model or Config, parent))
            lines.append(f"{source}: unknown key {where!r} in [{table}]{hint}")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{source}: {where}: {message}")
    return "; ".join(lines)


def parse_config(data: dict[str, Any], *, source: str = "careerloop.toml",
                 base_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document.

    Raises:
        ConfigError: a key is unknown or a value has the wrong type.
    """
    if "base_dir" in data:
        raise ConfigError(f"{source}: unknown key 'base_dir' at the top level")
    if "programme" in data:
        raise ConfigError(PROGRAMME_HINT.format(source=source))
    refuse_tokens(data, (), source)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, source)) from None
    if base_dir is not None:
        config = config.model_copy(update={"base_dir": base_dir})
    return config


def refuse_tokens(value: Any, where: tuple[str, ...], source: str) -> None:
    """Refuse a token pasted into any setting (or key), without showing it.

    Raises:
        ConfigError: naming the setting only.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if looks_like_token(str(key)):
                table = ".".join(where) or "the top level"
                raise ConfigError(f"{source}: a key of {table}: {PASTED_HINT}")
            refuse_tokens(item, (*where, str(key)), source)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            refuse_tokens(item, (*where, str(number)), source)
    elif isinstance(value, str) and looks_like_token(value):
        name = ".".join(where)
        hint = TOKEN_HINT if where and where[-1].endswith("_env") else PASTED_HINT
        raise ConfigError(f"{source}: {name}: {hint}")


def _depth(value: Any) -> int:
    """How deep tables and arrays nest (a scalar is 0); iterative, so any depth is fine."""
    deepest = 0
    todo = [(value, 0)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            children = item.values() if isinstance(item, dict) else item
            todo.extend((child, level + 1) for child in children)
    return deepest


def _too_deep(path: Path) -> ConfigError:
    return ConfigError(
        f"{path} nests tables or arrays more than {MAX_CONFIG_DEPTH} levels deep; "
        "careerloop's settings go 5 deep at most (see config.example.toml)"
    )


def load_config(path: Path) -> Config:
    """Read and validate careerloop.toml.

    Raises:
        ConfigError: the file is missing, not TOML, or not valid.
    """
    return parse_config(read_toml(path), source=str(path), base_dir=path.resolve().parent)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a careerloop.toml (or programme file), before validation.

    Raises:
        ConfigError: the file is missing, unreadable, too large or deep, or not TOML.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"no config at {path}: run `careerloop init` to write one, or pass --config"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path} is larger than {MAX_CONFIG_BYTES // 1024} KB; a careerloop.toml is a few "
            "KB: is this the right file?"
        )
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows start files with a BOM
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text: save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise _too_deep(path) from None
    if _depth(data) > MAX_CONFIG_DEPTH:
        raise _too_deep(path)
    return data
