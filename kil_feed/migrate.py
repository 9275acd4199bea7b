"""Apply the Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from kil_feed.db import writer
from kil_feed.errors import ValidationError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """The migrations' config. It holds no database URL: `env.py` runs on the connection
    handed over, and an URL in Alembic's ini-style options breaks on a `%` (a
    percent-encoded password such as `p%40ss`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest). A revision Alembic cannot
    resolve, or one older than the database's, is a ValidationError (nothing changed)."""
    cfg = alembic_config()
    _refuse_going_back(engine, ScriptDirectory.from_config(cfg), revision)
    try:
        with writer(engine).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except CommandError as exc:  # "Can't locate revision identified by '0005_nope'"
        raise ValidationError(
            f"cannot upgrade to schema revision {revision!r}: {str(exc).splitlines()[0]}",
            hint=f"leave it out for the newest, {head_revision()}",
        ) from None


def _refuse_going_back(engine: Engine, script: ScriptDirectory, revision: str) -> None:
    """Alembic's upgrade to a revision older than the database's does nothing and returns:
    `kil db upgrade 0001` said ok, and an editor who meant to go back believed it had."""
    current = current_revision(engine)
    if current is None:
        return
    try:
        targets = script.get_revisions(revision)  # () for "base"
        older = {r.revision for r in script.iterate_revisions(current, "base")} - {current}
    except CommandError:
        return  # an unknown target (or a database newer than this code): upgrade says so
    if all(t is not None and t.revision in older for t in targets):
        raise ValidationError(
            f"cannot upgrade to schema revision {revision!r}: the database is at {current}, "
            "which is newer",
            hint="an upgrade never goes back, and kil-feed has no downgrade: restore a backup "
            "taken before the upgrade to go back",
        )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_behind(engine: Engine) -> str | None:
    """Why the database's schema is not this code's, with what to do (None when it is): a
    database migrated by an older kil-feed fails on its first new column otherwise, with a
    message that says nothing of the cause."""
    script = ScriptDirectory.from_config(alembic_config())
    current, head = current_revision(engine), script.get_current_head()
    if current == head:
        return None
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        return (
            f"the database is at schema revision {current}, newer than this kil-feed knows "
            f"(its newest is {head}): upgrade kil-feed"
        )
    return (
        f"the database is at schema revision {current or 'none'}, this kil-feed needs {head} "
        "(run `kil db upgrade`)"
    )
