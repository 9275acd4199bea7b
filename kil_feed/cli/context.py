"""Per-invocation state of the CLI: the config path, settings and engine, built lazily."""

from __future__ import annotations

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
            from kil_feed.config import load_settings

            self._settings = load_settings(self.config_file)
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from kil_feed.db import make_engine

            self._engine = make_engine(self.settings)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state() -> CliState:
    """The state of the running `kil` command (from click's context)."""
    ctx = click.get_current_context()
    obj = ctx.find_object(CliState)
    if obj is None:  # a sub-command invoked on its own, e.g. in a test
        obj = ctx.ensure_object(CliState)
    return obj
