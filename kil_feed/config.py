"""Settings: one class, read from `kil.toml` (or `$KIL_CONFIG`) and overridden by `KIL_*`.

Every setting has a type, a default and a description, and the README lists them all
(`tests/test_config.py` checks that). Nested sections map to TOML tables (`[newsletter]`)
and to environment variables with a double underscore (`KIL_NEWSLETTER__MAX_NEWS`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from kil_feed.config_keys import (
    JSON_EXAMPLES,
    undecodable_variable,
    unknown_env_variables,
    unknown_key_message,
)
from kil_feed.errors import ConfigError
from kil_feed.rules import RulesSettings

CONFIG_FILE_NAME = "kil.toml"
DEMO_SECRET_KEY = "kil-demo-secret-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 32
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
]


class Section(BaseModel):
    """A `[table]` of kil.toml: a key it does not know is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class CrawlSettings(Section):
    """How politely and how long the crawler fetches."""

    user_agent: str = Field(
        "kil-feed/0.1 (+{contact_url})",
        description="User-Agent sent by the crawler; `{contact_url}` is filled in.",
    )
    contact_url: str = Field(
        "https://github.com/kil-feed/kil-feed",
        description="Where site owners can learn about the crawler; part of the User-Agent.",
    )
    download_timeout: int = Field(
        30, ge=1, le=3600, description="Seconds before a request is abandoned."
    )
    max_response_bytes: int = Field(
        15 * 1024 * 1024,
        ge=1024,
        description="Largest response body accepted (after decompression).",
    )
    concurrent_per_domain: int = Field(
        2, ge=1, le=64, description="Parallel requests to one domain."
    )
    download_delay: float = Field(
        1.0, ge=0, le=3600, description="Minimum seconds between requests to a domain."
    )
    obey_robots: bool = Field(True, description="Obey robots.txt.")
    robots_cache_hours: float = Field(
        24,
        ge=0,
        le=24,
        description="Hours a site's robots.txt is reused by later crawls before it is "
        "fetched again (RFC 9309 allows 24); 0 fetches it at every crawl. A 5xx answer is "
        "never reused.",
    )
    revalidate_first: bool = Field(
        True,
        description="Ask the feeds fetched in the last 3 hours (with an ETag or "
        "Last-Modified) whether they changed before starting the crawl processes; a 304 is "
        "then recorded without Scrapy, any other answer is crawled as usual.",
    )
    time_limit: int = Field(
        1800,
        ge=1,
        description="Seconds a crawl may take: its processes are then stopped (see "
        "`[schedule] crawl_kill_margin_seconds`); what arrived is kept.",
    )
    interval_minutes: int = Field(
        120,
        ge=1,
        description="Default minutes between crawls of one source (sources may override).",
    )
    concurrent_requests: int = Field(
        16, ge=1, le=1024, description="Parallel requests in one crawl, all domains."
    )
    autothrottle: bool = Field(
        True, description="Adapt the per-domain delay to the server's latency (AutoThrottle)."
    )
    max_redirects: int = Field(
        5, ge=0, le=50, description="Redirects followed per request (each hop checked)."
    )
    store_batch_size: int = Field(
        500, ge=1, le=100_000, description="Items written to the database per batch."
    )
    log_level: LogLevel = Field(
        "INFO", description="Log level of the crawl subprocess (its log file)."
    )
    processes: int = Field(
        0,
        ge=0,
        le=64,
        description="Crawl subprocesses per source kind (sources are split between them by "
        "host); 0 means one per CPU, at most 8, and no more than one per 16 sources (a "
        "feed with a stored ETag or Last-Modified, likely to answer 304, counts 1/25).",
    )
    topics_file: str | None = Field(
        None,
        description="TOML file of topic keyword rules merged over the bundled defaults "
        "(same layout as `crawler/classify/topics.toml`).",
    )
    log_dir: str | None = Field(
        None,
        description="Folder of the crawl subprocesses' log files; empty means "
        "`$TMPDIR/kil-feed-logs`.",
    )
    log_keep_days: int = Field(
        14, ge=1, description="Crawl log files older than this many days are deleted at each crawl."
    )
    log_keep_files: int = Field(
        200, ge=1, description="At most this many crawl log files are kept (the newest)."
    )
    backend: Literal["local", "redis"] = Field(
        "local",
        description="`local`: `kil crawl` runs the spiders itself; `redis`: it enqueues the "
        "sources' start requests in Redis for `kil worker crawl` processes (scrapy-redis).",
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        max_length=2000,
        description='Redis of the crawl queue and dupe filter (`backend = "redis"`).',
    )
    redis_prefix: str = Field(
        "kil:",
        max_length=100,
        description="Prefix of every Redis key of the crawl queue (several deployments, or "
        "tests, can share one Redis).",
    )


class NewsletterSettings(Section):
    """What goes into a weekly issue and how it is sent."""

    from_address: str = Field(
        "Keep it Local feed <newsletter@kil-feed.local>", description="From header of every email."
    )
    reply_to: str = Field("", description="Reply-To header; empty means none.")
    list_id: str = Field("kil-feed.local", description="List-Id domain part of every email.")
    max_news_age_days: int = Field(
        14, ge=1, description="News older than this is left out of an issue."
    )
    max_top_stories: int = Field(5, ge=0, le=100, description="Items in the top-stories section.")
    max_news_per_topic: int = Field(5, ge=0, le=100, description="Items per topic section.")
    max_jobs: int = Field(20, ge=0, le=500, description="Jobs in the jobs section.")
    recheck_links: bool = Field(
        True,
        description="Re-check jobs and notices just before a send and in housekeeping; "
        "closed ones are dropped (404/410, markup gone, closing date passed).",
    )
    recheck_time_limit: float = Field(
        30.0, ge=1, le=600, description="Seconds a pre-send or housekeeping link check may take."
    )
    market_pulse: bool = Field(
        True,
        description='A "Market pulse" section in every issue: day rates of the reader\'s '
        "regions and the UK, with a small chart; frozen when the send begins.",
    )
    max_error_rate: float = Field(
        0.2, ge=0, le=1, description="Fraction of failed deliveries that pauses a send."
    )
    dkim_selector: str = Field("", description="DKIM selector; empty disables DKIM signing.")
    dkim_domain: str = Field("", description="DKIM signing domain (d=).")
    dkim_private_key_file: str = Field("", description="Path to the PEM private key for DKIM.")
    max_notices: int = Field(
        10, ge=0, le=500, description="Procurement notices in the notices section."
    )
    unsubscribe_mailto: str = Field(
        "",
        description="Address of the mailto: List-Unsubscribe; empty: unsubscribe@ the From domain.",
    )
    smtp_connections: int = Field(
        4,
        ge=1,
        le=32,
        description="SMTP connections a send process uses in parallel (one message waits for "
        "the server's answer on each); a `kill -9` can duplicate one message per connection.",
    )
    max_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Tries per message on temporary failures (4xx, dropped connection).",
    )
    retry_backoff: float = Field(
        2.0,
        ge=0,
        le=3600,
        description="Seconds before the first retry of a message; doubles each try.",
    )
    lease_seconds: float = Field(
        60.0,
        ge=1,
        le=3600,
        description="PostgreSQL: how long a killed sender's claimed rows wait before another "
        "sender takes them (live senders renew theirs).",
    )
    subject_template: str = Field(
        "Keep it Local, week {week}: {lead}",
        description="Automatic subject: `{week}` (number), `{year}` and `{lead}` (the lead "
        "story's title, cut at a word so the subject fits in 78 characters).",
        json_schema_extra={"limits": "placeholders {week}, {year}, {lead}"},
    )

    @field_validator("subject_template")
    @classmethod
    def _subject_placeholders(cls, value: str) -> str:
        try:
            value.format(week=48, year=2026, lead="Lead")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"bad placeholder in {value!r} ({exc}); use {{week}}, {{year}} and {{lead}}"
            ) from None
        if not value.strip():
            raise ValueError("the subject template cannot be empty")
        return value


class WebSettings(Section):
    """The web archive (`kil serve`)."""

    host: str = Field("127.0.0.1", description="Address `kil serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kil serve` listens on.")
    page_size: int = Field(20, ge=1, le=500, description="Items per page in listings.")
    signup_rate_limit: int = Field(
        5, ge=1, description="Subscribe attempts allowed per client address per hour."
    )
    facet_cache_seconds: float = Field(
        60.0, ge=0, description="Seconds the web keeps its filter menus (regions, topics) cached."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (IP addresses or networks) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; from anyone else they are ignored.",
    )

    def uvicorn_proxy_options(self) -> dict[str, object]:
        """uvicorn's `proxy_headers` / `forwarded_allow_ips` for `trusted_proxies`."""
        if not self.trusted_proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted_proxies)}


def _cron(default: str, description: str) -> Any:
    """A cron setting (checked by `ScheduleSettings._cron`)."""
    limits = "cron: 5 fields (6 with seconds first); empty: off"
    return Field(default, description=description, json_schema_extra={"limits": limits})


class ScheduleSettings(Section):
    """Cron expressions (in `timezone`) for the scheduler's jobs.

    Five fields are standard crontab; six put seconds first (`*/10 * * * * *`); an empty
    expression disables the job.
    """

    crawl: str = _cron("0 */2 * * *", "When to crawl due sources (cron).")
    build: str = _cron("0 6 * * mon", "When to build the weekly draft (cron).")
    send: str = _cron("0 8 * * mon", "When to send the approved issue (cron).")
    housekeeping: str = _cron("30 3 * * *", "When to expire jobs and prune (cron).")
    retry: str = _cron(
        "*/5 * * * *",
        "When to look for deferred deliveries of a send the scheduler began that are due for "
        "a retry (cron); a look that finds none is not logged.",
    )
    retry_deferred_hours: float = Field(
        24,
        ge=0,
        description="How long (from the start of the send) the scheduler retries deliveries "
        "deferred by temporary failures (4xx) before it gives up on them (failed, with the "
        "last answer); 0: never retried by the scheduler.",
    )
    retry_first_minutes: float = Field(
        5,
        gt=0,
        description="Wait before the first retry of deferred deliveries; each later wait is "
        "as long as they have already waited (so it doubles), at most 4 hours.",
    )
    auto_send: bool = Field(False, description="Send the draft even if no editor approved it.")
    misfire_grace_minutes: float = Field(
        60, ge=0, description="A job that missed its time runs if it is late by at most this."
    )
    keep_crawl_runs_days: int = Field(
        90, ge=1, description="Crawl runs older than this are pruned."
    )
    keep_job_runs_days: int = Field(
        90, ge=1, description="Scheduler run log entries older are pruned."
    )
    lock_ttl_seconds: float = Field(
        60, gt=0, description="SQLite: a leader silent this long is presumed dead and replaced."
    )
    heartbeat_seconds: float = Field(
        15,
        gt=0,
        description="How often the leader renews its lock and a stand-by retries.",
        json_schema_extra={"limits": "below lock_ttl_seconds"},
    )
    crawl_kill_margin_seconds: float = Field(
        30,
        ge=0,
        description="Seconds past `[crawl] time_limit` before a crawl's processes are killed.",
    )

    @field_validator("crawl", "build", "send", "housekeeping", "retry")
    @classmethod
    def _cron(cls, value: str, info: ValidationInfo) -> str:
        """A cron expression that the scheduler could not parse fails here, in every command."""
        expression = value.strip()
        if expression and expression != cls.model_fields[str(info.field_name)].default:
            from kil_feed.scheduler.triggers import cron_trigger

            try:
                cron_trigger(expression, "UTC")
            except ConfigError as exc:
                raise ValueError(exc.message) from None
        return expression

    @model_validator(mode="after")
    def _heartbeat_within_ttl(self) -> ScheduleSettings:
        if self.heartbeat_seconds >= self.lock_ttl_seconds:
            raise ValueError(
                f"heartbeat_seconds ({self.heartbeat_seconds:g}) must be below "
                f"lock_ttl_seconds ({self.lock_ttl_seconds:g}), or stand-bys take over a "
                "live leader"
            )
        return self


class Settings(BaseSettings):
    """Everything kil-feed can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="KIL_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database_url: str = Field(
        "sqlite:///kil.db",
        description="SQLAlchemy URL of the database: a SQLite file or postgresql+psycopg://...",
    )
    smtp_url: str = Field(
        "",
        description="SMTP relay, e.g. smtp://user:pass@host:587?starttls=true; empty: file outbox.",
        json_schema_extra={"limits": "smtp:// or smtps:// URL with a host, or empty"},
    )
    outbox_dir: Path = Field(
        Path("outbox"), description="Maildir that receives email when no SMTP relay is set."
    )
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public URL of the web archive, used in email links.",
        json_schema_extra={"limits": "http:// or https:// URL"},
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs unsubscribe, confirmation and CSRF tokens.",
        json_schema_extra={"limits": f"at least {MIN_SECRET_KEY_LENGTH} characters (demo: any)"},
    )
    timezone: str = Field(
        "Europe/London",
        description=(
            "Time zone for schedules, ISO weeks and every time the CLI shows people "
            "(`--json` keeps ISO 8601 in UTC)."
        ),
        json_schema_extra={"limits": "an IANA zone name"},
    )
    allow_private_networks: bool = Field(
        False, description="Allow sources on loopback/private addresses (tests and the demo)."
    )
    templates_dir: Path | None = Field(
        None, description="Folder of Jinja2 templates; empty uses the bundled `templates/`."
    )
    demo: bool = Field(False, description="Demo mode: allows the built-in demo secret key.")
    log_level: LogLevel = Field(
        "INFO", description="Logging level at the edges (CLI, scheduler, web)."
    )

    crawl: CrawlSettings = Field(default_factory=CrawlSettings, description="[crawl] section.")
    rules: RulesSettings = Field(default_factory=RulesSettings, description="[rules] section.")
    newsletter: NewsletterSettings = Field(
        default_factory=NewsletterSettings, description="[newsletter] section."
    )
    web: WebSettings = Field(default_factory=WebSettings, description="[web] section.")
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings, description="[schedule] section."
    )

    def templates_folder(self) -> Path:
        """The folder of the `email/` and `web/` templates: `templates_dir`, else the
        bundled `templates/` package (the one lookup, for the web app and the email)."""
        if self.templates_dir:
            return Path(self.templates_dir)
        import templates

        return Path(templates.__file__).resolve().parent

    @field_validator("templates_dir", mode="before")
    @classmethod
    def _templates_folder(cls, value: object) -> Path | None:
        """Checked here, else a preview or a send fails on TemplateNotFound at its first
        render, and the web app serves 500s. Empty (`KIL_TEMPLATES_DIR=`) is the bundled
        templates, not the current folder."""
        if value is None or value == "":
            return None
        value = Path(str(value))
        if not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        if not ((value / "email").is_dir() and (value / "web").is_dir()):
            raise ValueError(
                f"{value} has no email/ and web/ folders (start from a copy of the bundled "
                "templates/)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        value = value.strip()
        if value:
            try:
                parts = urlsplit(value)
                parts.port  # noqa: B018 (raises on a port that is not a number)
            except ValueError as exc:
                raise ValueError(f"not a valid URL: {exc}") from None
            if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
                raise ValueError(
                    "expected smtp://[user:pass@]host[:port][?starttls=true] or smtps://..."
                )
            from kil_feed.smtp_url import smtp_options

            smtp_options(parts.query)  # a misspelt option would quietly mean "off"
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL, e.g. https://news.example.org")
        return value.strip()

    @model_validator(mode="after")
    def _strong_secret_key(self) -> Settings:
        """A short key makes every unsubscribe and confirmation token guessable."""
        length = len(self.secret_key.get_secret_value())
        if 0 < length < MIN_SECRET_KEY_LENGTH and not self.demo:
            raise PydanticCustomError(
                "short_secret_key",
                "secret_key has {length} characters; at least {minimum} are needed outside "
                "the demo (e.g. the output of `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)",
                {"length": length, "minimum": MIN_SECRET_KEY_LENGTH},
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def require_secret_key(self) -> str:
        """The signing key; the demo key only in demo mode, otherwise a clear error."""
        key = self.secret_key.get_secret_value()
        if key:
            return key
        if self.demo:
            return DEMO_SECRET_KEY
        raise ConfigError(
            "KIL_SECRET_KEY is not set",
            hint="set secret_key in kil.toml or KIL_SECRET_KEY, e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def config_path(explicit: str | Path | None = None) -> Path:
    """The config file in use: the explicit one, `$KIL_CONFIG`, or `./kil.toml`."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIL_CONFIG")
    return Path(env) if env else Path(CONFIG_FILE_NAME)


def refuse_folder(path: Path) -> None:
    """A folder where the config file should be is a mistake, not "no config" (even at the
    default ./kil.toml), and "not found" would send the user looking for a missing file."""
    if path.is_dir():
        raise ConfigError(
            f"config file {path} is a folder, not a file",
            hint="point KIL_CONFIG or --config at a TOML file",
        )


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings; a missing default `kil.toml` is fine, a missing explicit file is not."""
    path = config_path(config_file)
    explicit = bool(config_file or os.environ.get("KIL_CONFIG"))
    refuse_folder(path)
    if explicit and not path.is_file():
        raise ConfigError(f"config file {path} not found", hint="run `kil init` to create one")

    unknown = unknown_env_variables(os.environ, Settings)
    if unknown:
        raise ConfigError(_first_of(unknown), hint="check the KIL_* environment variables")

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path if path.is_file() else None)

    try:
        return _FileSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(
            _first_of([_error_line(e) for e in exc.errors()]),
            hint=f"check {path} and KIL_* variables",
        ) from None
    except SettingsError as exc:  # KIL_CRAWL='notjson': the file is not to blame
        field = re.search(r'field "([^"]+)" from source "EnvSettingsSource"', str(exc))
        if field is None:
            raise ConfigError(f"cannot read the settings: {exc}") from None
        nested = undecodable_variable(os.environ, Settings, field.group(1))
        if nested is not None:  # KIL_WEB__TRUSTED_PROXIES=10.0.0.5, not KIL_WEB
            variable, kind = nested
            raise ConfigError(
                f"{variable} is not valid JSON: {exc.__cause__ or exc}",
                hint=f"a {kind} setting is written in JSON: {variable}='{JSON_EXAMPLES[kind]}'",
            ) from None
        raise ConfigError(
            f"KIL_{field.group(1).upper()} is not valid JSON: {exc.__cause__ or exc}",
            hint="a section is a JSON object, or set its keys one by one: "
            f"KIL_{field.group(1).upper()}__<NAME>",
        ) from None
    except ValueError as exc:  # e.g. a TOML syntax error
        raise ConfigError(f"cannot read {path}: {exc}") from None


def _error_line(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "extra_forbidden":
        return unknown_key_message(loc, Settings)
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if not loc:
        return message
    return f"invalid setting {'.'.join(str(p) for p in loc)}: {message}"


def _first_of(problems: list[str], shown: int = 3) -> str:
    """Up to `shown` problems in one line, then how many more there are."""
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f"; and {more} more" if more > 0 else "")


def iter_setting_fields() -> list[tuple[str, FieldInfo]]:
    """(env name, field) for every setting, nested ones included, in declaration order."""
    rows: list[tuple[str, FieldInfo]] = []
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(
                (f"KIL_{name.upper()}__{sub.upper()}", subfield)
                for sub, subfield in ann.model_fields.items()
            )
            continue
        rows.append((f"KIL_{name.upper()}", field))
    return rows


def iter_setting_names() -> list[tuple[str, str, Any, str]]:
    """(env name, type, default, description) for every setting, nested ones included."""
    return [
        (
            env,
            _type_name(field.annotation),
            field.get_default(call_default_factory=True),
            field.description or "",
        )
        for env, field in iter_setting_fields()
    ]


def setting_limits(field: FieldInfo) -> str:
    """The values a setting accepts, as the README's settings table shows them."""
    import annotated_types as at

    bounds = {type(m): m for m in field.metadata}
    low = bounds.get(at.Ge) or bounds.get(at.Gt)
    high = bounds.get(at.Le) or bounds.get(at.Lt)
    parts = []
    if isinstance(low, at.Ge) and isinstance(high, at.Le):
        parts.append(f"{low.ge} to {high.le}")
    else:
        if isinstance(low, at.Ge):
            parts.append(f">= {low.ge}")
        if isinstance(low, at.Gt):
            parts.append(f"> {low.gt}")
        if isinstance(high, at.Le):
            parts.append(f"<= {high.le}")
        if isinstance(high, at.Lt):
            parts.append(f"< {high.lt}")
    if getattr(field.annotation, "__origin__", None) is Literal:
        parts.append(", ".join(str(v) for v in field.annotation.__args__))  # type: ignore[union-attr]
    extra = field.json_schema_extra
    if isinstance(extra, dict) and extra.get("limits"):
        parts.append(str(extra["limits"]))
    return "; ".join(parts)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
