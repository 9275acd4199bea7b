"""Per-invocation state of the CLI: the config path, settings and engine, built lazily."""

from __future__ import annotations

import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported when used, so that `kil --version` loads neither
    from sqlalchemy.engine import Engine

    from kil_feed.config import Settings


@dataclass
class CliState:
    config_file: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from kil_feed.config import config_path, load_settings

            self._settings = load_settings(self.config_file)
            warn_if_readable(config_path(self.config_file), self._settings)
        return self._settings

    @property
    def engine(self) -> Engine:
        """The database's engine; a database that was never set up is an error, and nothing
        is created for it (`setup_engine` is for the commands that create it)."""
        if self._engine is None:
            from kil_feed.db import make_engine, require_database, require_schema

            require_database(self.settings)
            engine = make_engine(self.settings)
            try:
                require_schema(engine)
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
        return self._engine

    def require_database(self) -> None:
        """For commands whose library function builds its own engine (crawl, serve)."""
        self.engine  # noqa: B018 (the property checks and raises)

    def setup_engine(self) -> Engine:
        """The engine for `kil init` and `kil db upgrade`, which create the database."""
        if self._engine is None:
            from kil_feed.db import make_engine

            self._engine = make_engine(self.settings)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def warn_if_readable(path: Path, settings: Settings) -> None:
    """A config file with the secret key that others can read gets one warning line."""
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8")) if mode & 0o077 else {}
    except (OSError, ValueError):
        return
    secret = data.get("secret_key") or "@" in str(data.get("smtp_url", ""))
    if secret and not settings.demo:
        from kil_feed.cli.output import warning_line

        warning_line(
            f"{path} holds secrets (secret_key, SMTP password) and is readable by others "
            f"({stat.filemode(mode)}): run `chmod 600 {path}`"
        )


def state() -> CliState:
    """The state of the running `kil` command (from click's context)."""
    ctx = click.get_current_context()
    obj = ctx.find_object(CliState)
    if obj is None:  # a sub-command invoked on its own, e.g. in a test
        obj = ctx.ensure_object(CliState)
    return obj
