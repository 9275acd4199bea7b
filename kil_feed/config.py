"""Settings: one class, read from `kil.toml` (or `$KIL_CONFIG`) and overridden by `KIL_*`.

Every setting has a type, a default and a description, and the README lists them all
(`tests/test_config.py` checks that). Nested sections map to TOML tables (`[newsletter]`)
and to environment variables with a double underscore (`KIL_NEWSLETTER__MAX_NEWS`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kil_feed.errors import ConfigError

CONFIG_FILE_NAME = "kil.toml"
DEMO_SECRET_KEY = "kil-demo-secret-key-not-for-production"


class CrawlSettings(BaseModel):
    """How politely and how long the crawler fetches."""

    user_agent: str = Field(
        "kil-feed/0.1 (+{contact_url})",
        description="User-Agent sent by the crawler; `{contact_url}` is filled in.",
    )
    contact_url: str = Field(
        "https://github.com/kil-feed/kil-feed",
        description="Where site owners can learn about the crawler; part of the User-Agent.",
    )
    download_timeout: int = Field(30, description="Seconds before a request is abandoned.")
    max_response_bytes: int = Field(
        15 * 1024 * 1024, description="Largest response body accepted (after decompression)."
    )
    concurrent_per_domain: int = Field(2, description="Parallel requests to one domain.")
    download_delay: float = Field(1.0, description="Minimum seconds between requests to a domain.")
    obey_robots: bool = Field(True, description="Obey robots.txt.")
    time_limit: int = Field(
        1800, description="Hard limit in seconds for one crawl subprocess before it is killed."
    )
    interval_minutes: int = Field(
        120, description="Default minutes between crawls of one source (sources may override)."
    )
    concurrent_requests: int = Field(16, description="Parallel requests in one crawl, all domains.")
    autothrottle: bool = Field(
        True, description="Adapt the per-domain delay to the server's latency (AutoThrottle)."
    )
    max_redirects: int = Field(5, description="Redirects followed per request (each hop checked).")
    store_batch_size: int = Field(500, description="Items written to the database per batch.")
    log_level: str = Field("INFO", description="Log level of the crawl subprocess (its log file).")
    processes: int = Field(
        1, description="Crawl subprocesses per source kind (sources are split between them)."
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
        14, description="Crawl log files older than this many days are deleted at each crawl."
    )
    log_keep_files: int = Field(
        200, description="At most this many crawl log files are kept (the newest)."
    )


class RulesSettings(BaseModel):
    """Curation rules applied at ingest (block, keep, auto-approve)."""

    block: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that reject matching items at ingest (source/topic/region/pattern).",
    )
    keep: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that keep matching items even when a block rule matches.",
    )
    auto_approve: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that approve matching items at ingest.",
    )

    @model_validator(mode="after")
    def _rules_are_valid(self) -> RulesSettings:
        """Bad rules fail when the settings are read, with the rule named (see rules.py)."""
        from pydantic_core import PydanticCustomError

        from kil_feed.errors import KilError
        from kil_feed.rules import validate_rules

        try:
            validate_rules(
                {"block": self.block, "keep": self.keep, "auto_approve": self.auto_approve}
            )
        except KilError as exc:
            raise PydanticCustomError("invalid_rule", "{detail}", {"detail": str(exc)}) from None
        return self


class NewsletterSettings(BaseModel):
    """What goes into a weekly issue and how it is sent."""

    from_address: str = Field(
        "Keep it Local feed <newsletter@kil-feed.local>", description="From header of every email."
    )
    reply_to: str = Field("", description="Reply-To header; empty means none.")
    list_id: str = Field("kil-feed.local", description="List-Id domain part of every email.")
    max_news_age_days: int = Field(14, description="News older than this is left out of an issue.")
    max_top_stories: int = Field(5, description="Items in the top-stories section.")
    max_news_per_topic: int = Field(5, description="Items per topic section.")
    max_jobs: int = Field(20, description="Jobs in the jobs section.")
    max_error_rate: float = Field(
        0.2, description="Fraction of failed deliveries that pauses a send."
    )
    dkim_selector: str = Field("", description="DKIM selector; empty disables DKIM signing.")
    dkim_domain: str = Field("", description="DKIM signing domain (d=).")
    dkim_private_key_file: str = Field("", description="Path to the PEM private key for DKIM.")
    max_notices: int = Field(10, description="Procurement notices in the notices section.")
    unsubscribe_mailto: str = Field(
        "",
        description="Address of the mailto: List-Unsubscribe; empty: unsubscribe@ the From domain.",
    )
    smtp_connections: int = Field(
        1,
        ge=1,
        le=32,
        description="SMTP connections a send uses in parallel; a kill can duplicate one per "
        "connection.",
    )
    max_attempts: int = Field(
        5, ge=1, description="Tries per message on temporary failures (4xx, dropped connection)."
    )
    retry_backoff: float = Field(
        2.0, ge=0, description="Seconds before the first retry of a message; doubles each try."
    )
    subject_template: str = Field(
        "Keep it Local, week {week}: {lead}",
        description="Automatic subject: `{week}` (number), `{year}` and `{lead}` (the lead "
        "story's title, cut at a word so the subject fits in 78 characters).",
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


class WebSettings(BaseModel):
    """The web archive (`kil serve`)."""

    host: str = Field("127.0.0.1", description="Address `kil serve` listens on.")
    port: int = Field(8000, description="Port `kil serve` listens on.")
    page_size: int = Field(20, description="Items per page in listings.")
    signup_rate_limit: int = Field(
        5, description="Subscribe attempts allowed per client address per hour."
    )
    facet_cache_seconds: float = Field(
        60.0, description="Seconds the web keeps its filter menus (regions, topics) cached."
    )


class ScheduleSettings(BaseModel):
    """Cron expressions (in `timezone`) for the scheduler's jobs.

    Five fields are standard crontab; six put seconds first (`*/10 * * * * *`); an empty
    expression disables the job.
    """

    crawl: str = Field("0 */2 * * *", description="When to crawl due sources (cron).")
    build: str = Field("0 6 * * mon", description="When to build the weekly draft (cron).")
    send: str = Field("0 8 * * mon", description="When to send the approved issue (cron).")
    housekeeping: str = Field("30 3 * * *", description="When to expire jobs and prune (cron).")
    auto_send: bool = Field(False, description="Send the draft even if no editor approved it.")
    misfire_grace_minutes: float = Field(
        60, description="A job that missed its time runs if it is late by at most this."
    )
    keep_crawl_runs_days: int = Field(90, description="Crawl runs older than this are pruned.")
    keep_job_runs_days: int = Field(90, description="Scheduler run log entries older are pruned.")
    lock_ttl_seconds: float = Field(
        60, description="SQLite: a leader silent this long is presumed dead and replaced."
    )
    heartbeat_seconds: float = Field(
        15, description="How often the leader renews its lock and a stand-by retries."
    )
    crawl_kill_margin_seconds: float = Field(
        30,
        description="Seconds past `[crawl] time_limit` before a crawl's processes are killed.",
    )


class Settings(BaseSettings):
    """Everything kil-feed can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="KIL_",
        env_nested_delimiter="__",
        extra="ignore",
        validate_default=True,
    )

    database_url: str = Field(
        "sqlite:///kil.db",
        description="SQLAlchemy URL of the database: a SQLite file or postgresql+psycopg://...",
    )
    smtp_url: str = Field(
        "",
        description="SMTP relay, e.g. smtp://user:pass@host:587?starttls=true; empty: file outbox.",
    )
    outbox_dir: Path = Field(
        Path("outbox"), description="Maildir that receives email when no SMTP relay is set."
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public URL of the web archive, used in email links."
    )
    secret_key: SecretStr = Field(
        SecretStr(""), description="Signs unsubscribe, confirmation and CSRF tokens."
    )
    timezone: str = Field("Europe/London", description="Time zone for schedules and ISO weeks.")
    allow_private_networks: bool = Field(
        False, description="Allow sources on loopback/private addresses (tests and the demo)."
    )
    templates_dir: Path | None = Field(
        None, description="Folder of Jinja2 templates; empty uses the bundled `templates/`."
    )
    demo: bool = Field(False, description="Demo mode: allows the built-in demo secret key.")
    log_level: str = Field("INFO", description="Logging level at the edges (CLI, scheduler, web).")

    crawl: CrawlSettings = Field(default_factory=CrawlSettings, description="[crawl] section.")
    rules: RulesSettings = Field(default_factory=RulesSettings, description="[rules] section.")
    newsletter: NewsletterSettings = Field(
        default_factory=NewsletterSettings, description="[newsletter] section."
    )
    web: WebSettings = Field(default_factory=WebSettings, description="[web] section.")
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings, description="[schedule] section."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

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


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings; a missing default `kil.toml` is fine, a missing explicit file is not."""
    path = config_path(config_file)
    explicit = bool(config_file or os.environ.get("KIL_CONFIG"))
    if explicit and not path.is_file():
        raise ConfigError(f"config file {path} not found", hint="run `kil init` to create one")

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path if path.is_file() else None)

    try:
        return _FileSettings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise ConfigError(
            f"invalid setting {where}: {first.get('msg')}", hint=f"check {path} and KIL_* variables"
        ) from None
    except ValueError as exc:  # e.g. a TOML syntax error
        raise ConfigError(f"cannot read {path}: {exc}") from None


def iter_setting_names() -> list[tuple[str, str, Any, str]]:
    """(env name, type, default, description) for every setting, nested ones included."""
    rows: list[tuple[str, str, Any, str]] = []
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for sub, subfield in ann.model_fields.items():
                default = subfield.get_default(call_default_factory=True)
                rows.append(
                    (
                        f"KIL_{name.upper()}__{sub.upper()}",
                        _type_name(subfield.annotation),
                        default,
                        subfield.description or "",
                    )
                )
            continue
        default = field.get_default(call_default_factory=True)
        rows.append((f"KIL_{name.upper()}", _type_name(ann), default, field.description or ""))
    return rows


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
