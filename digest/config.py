"""feeds.yaml: read once, validated once (pydantic), relative paths resolved.

`load_config(path)` returns a `Config` or raises `ConfigError`, whose message names the file
and the key path of every problem ("feeds.yaml: feeds[2].url: field required"). Unknown keys
are errors, with a suggestion when the key is a near miss ("briefng" → "briefing").
Relative paths (database, out, local feed paths) resolve against the config file's folder.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.base import BaseTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .config_errors import describe, yaml_problem
from .cron import cron_trigger
from .fetch import FetchLimits
from .summarize import ALGORITHMS

Format = Literal["html", "pdf", "rss", "json"]
ALL_FORMATS: tuple[str, ...] = get_args(Format)
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_WINDOW = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_WINDOW_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class ConfigError(Exception):
    """The config cannot be used. One line per problem, each naming the file and key path."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _problem(reason: str, *, at: tuple = ()) -> PydanticCustomError:
    """A validation error with our own message; `at` extends the key path below the validated value."""
    return PydanticCustomError("config", "{reason}", {"reason": reason, "at": at})


# --- value types --------------------------------------------------------------------------


def _parse_window(value: Any) -> timedelta | None:
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise _problem("must be a positive duration")
        return value
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return None
        match = _WINDOW.match(value)
        if match and int(match[1]) > 0:
            return timedelta(**{_WINDOW_UNITS[match[2].lower()]: int(match[1])})
    raise _problem(f"invalid window {value!r}: use a positive number with a unit (90m, 48h, 7d, 2w) or 'all'")


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _problem(f"unknown timezone {value!r} (use an IANA name such as Asia/Jakarta or UTC)") from None
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _problem(f"{value!r} is not an http(s) URL")
    return value


def _database(value: Any) -> Path | str:
    """An SQLAlchemy URL (anything with "://") stays a string; anything else is a file path."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise _problem("expected a file path or an SQLAlchemy URL")
    value = value.strip()
    return value if "://" in value else Path(value).expanduser()


def _path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise _problem("expected a path")
    return Path(value.strip()).expanduser()


def _one_of(choices: tuple[str, ...]):
    """Case-insensitive match of a string to its canonical spelling; other values pass through."""
    canonical = {c.lower(): c for c in choices}
    return lambda value: canonical.get(value.lower(), value) if isinstance(value, str) else value


def _comma_list(value: Any) -> Any:
    """Accept `formats: html, pdf` as well as `formats: [html, pdf]`."""
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    return value


def _no_duplicates(values: list[str]) -> list[str]:
    seen = set()
    for index, value in enumerate(values):
        if value in seen:
            raise _problem(f"{value!r} is listed twice", at=(index,))
        seen.add(value)
    return values


def _check_algorithm(value: str) -> str:
    if value not in ALGORITHMS:
        raise _problem(f"unknown summary algorithm {value!r}: choose one of {', '.join(sorted(ALGORITHMS))}")
    return value


def _address(value: str) -> str:
    from email.utils import parseaddr

    if not _ADDRESS.match(parseaddr(value)[1]):
        raise _problem(f"{value!r} is not an email address")
    return value


def _none_is_empty(value: Any) -> Any:
    """A section whose keys are all commented out (`briefing:`) means its defaults."""
    return {} if value is None else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, Field(strict=True)]
Address = Annotated[Text, AfterValidator(_address)]


# --- sections -----------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Briefing(_Section):
    max_stories: Annotated[Count, Field(ge=0)] = 20  # 0 = all
    min_articles: Annotated[Count, Field(ge=1)] = 2
    # The HTML and PDF brief (the one a person reads) hold the first this many stories, while
    # briefing.json and the RSS feed hold every story of the briefing; 0 = every story.
    print_stories: Annotated[Count, Field(ge=0)] = 0


class Summary(_Section):
    algorithm: Annotated[Text, BeforeValidator(_one_of(tuple(ALGORITHMS))), AfterValidator(_check_algorithm)] = "lexrank"
    sentences: Annotated[Count, Field(ge=1)] = 5
    max_words: Annotated[Count, Field(ge=10)] = 120


class Email(_Section):
    host: Text
    port: Annotated[Count, Field(ge=1, le=65535)] = 587  # 465 when security is ssl and no port is given
    security: Annotated[Literal["starttls", "ssl", "none"], BeforeValidator(_one_of(("starttls", "ssl", "none")))] = "starttls"
    username: Text | None = None
    password_env: Text | None = None  # name of the environment variable that holds the password
    from_addr: Address = Field(alias="from")
    to: Annotated[list[Address], Field(min_length=1), BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]

    @model_validator(mode="before")
    @classmethod
    def _no_password_and_ssl_port(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "password" in data:
                raise _problem("do not write the password in the config; set password_env to the name of "
                               "an environment variable that holds it", at=("password",))
            if "port" not in data and str(data.get("security", "")).lower() == "ssl":
                data = {**data, "port": 465}
        return data

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise _problem(f"{value!r} is not an environment variable name (e.g. DIGEST_SMTP_PASSWORD)")
        return value

    def password(self) -> str | None:
        """The password from the environment, or None (no password_env, or the variable is unset)."""
        return os.environ.get(self.password_env) if self.password_env else None


class Delivery(_Section):
    email: Email | None = None


Seconds = Annotated[float, Field(gt=0, le=3600)]


class Fetch(_Section):
    """Limits of every HTTP request (see digest.fetch.FetchLimits)."""

    connect_timeout: Seconds = 10.0
    read_timeout: Seconds = 20.0
    total_timeout: Seconds = 60.0  # whole request, all retries included
    max_bytes: Annotated[Count, Field(ge=1024)] = 10 * 1024 * 1024
    retries: Annotated[Count, Field(ge=0, le=10)] = 2
    backoff: Annotated[float, Field(ge=0, le=60)] = 1.0
    concurrency: Annotated[Count, Field(ge=1, le=256)] = 64

    def limits(self) -> FetchLimits:
        return FetchLimits(self.connect_timeout, self.read_timeout, self.total_timeout, self.max_bytes,
                           retries=self.retries, backoff=self.backoff)


class Feed(_Section):
    name: Text
    url: Text  # an http(s) URL as given, else a local path (absolute once loaded)
    language: Text | None = None

    @field_validator("url")
    @classmethod
    def _url_or_path(cls, value: str) -> str:
        if _URL_SCHEME.match(value):
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                raise _problem(f"{value!r}: use an http(s) URL or a local path")
        return value

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.match(value):
            raise _problem(f"{value!r} is not a language code (e.g. id, en)")
        return value.lower() if value else value

    @property
    def is_url(self) -> bool:
        return bool(_URL_SCHEME.match(self.url))


class Config(_Section):
    title: Text = "Daily Brief"
    timezone: Annotated[Text, AfterValidator(_check_timezone)] = "UTC"
    schedule: Text = "0 6 * * *"
    database: Annotated[Path | str, PlainValidator(_database)] = Path("var/digest.db")
    out: Annotated[Path, PlainValidator(_path)] = Path("out")
    base_url: Annotated[Text, AfterValidator(_http_url)] | None = None
    page_size: Annotated[Literal["A4", "Letter"], BeforeValidator(_one_of(("A4", "Letter")))] = "A4"
    window: Annotated[timedelta | None, PlainValidator(_parse_window)] = timedelta(hours=48)
    # A story silent longer than this takes no new article (digest.cluster); None: never closes.
    story_gap: Annotated[timedelta | None, PlainValidator(_parse_window)] = timedelta(days=7)
    formats: Annotated[list[Format], Field(min_length=1), BeforeValidator(_comma_list),
                       AfterValidator(_no_duplicates)] = Field(default_factory=lambda: list(ALL_FORMATS))
    briefing: Annotated[Briefing, BeforeValidator(_none_is_empty)] = Field(default_factory=Briefing)
    summary: Annotated[Summary, BeforeValidator(_none_is_empty)] = Field(default_factory=Summary)
    delivery: Delivery | None = None
    fetch: Annotated[Fetch, BeforeValidator(_none_is_empty)] = Field(default_factory=Fetch)
    feeds: Annotated[list[Feed], Field(min_length=1)]
    # The file the config was read from (not a YAML key); its folder anchors relative paths.
    config_path: Path = Field(default_factory=lambda: Path("feeds.yaml").absolute(), exclude=True)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            trigger = cron_trigger(value, "UTC")
        except ValueError as exc:
            raise _problem(f"invalid cron expression {value!r} ({exc})") from None
        if trigger.get_next_fire_time(None, datetime.now(timezone.utc)) is None:
            raise _problem(f"cron expression {value!r} never fires")
        return value

    @field_validator("feeds")
    @classmethod
    def _unique_names(cls, feeds: list[Feed]) -> list[Feed]:
        first: dict[str, int] = {}
        for index, feed in enumerate(feeds):
            key = feed.name.casefold()
            if key in first:
                raise _problem(f"duplicate feed name {feed.name!r} (also feeds[{first[key]}])", at=(index, "name"))
            first[key] = index
        return feeds

    @model_validator(mode="after")
    def _resolve_paths(self) -> Config:
        self.config_path = Path(os.path.normpath(self.config_path.expanduser().absolute()))
        base = self.config_path.parent
        self.out = _resolve(self.out, base)
        if isinstance(self.database, Path):
            self.database = _resolve(self.database, base)
        for feed in self.feeds:
            if not feed.is_url:
                feed.url = str(_resolve(Path(feed.url).expanduser(), base))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url(self) -> str:
        """The database as an SQLAlchemy URL (a file path becomes sqlite:///ABSOLUTE)."""
        return self.database if isinstance(self.database, str) else f"sqlite:///{self.database.as_posix()}"

    def trigger(self) -> BaseTrigger:
        """The APScheduler trigger for `schedule`, in `timezone`, with standard cron meaning."""
        return cron_trigger(self.schedule, self.zone)


def _resolve(path: Path, base: Path) -> Path:
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


# --- loading ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one mapping (the first would be lost silently)."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_config(path: Path | str) -> Config:
    """Read, validate and resolve a feeds.yaml. Every problem is a ConfigError naming file and key."""
    shown = str(path)
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a folder, not a config file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: {yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: the top level must be a mapping of keys (title, feeds, …), "
                          f"not a {type(data).__name__}")
    if "config_path" in data:
        raise ConfigError(f"{shown}: config_path: unknown key")
    try:
        return Config.model_validate({**data, "config_path": path})
    except ValidationError as exc:
        raise ConfigError([f"{shown}: {describe(error, Config)}" for error in exc.errors()]) from None
