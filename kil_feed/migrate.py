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
    resolve, or one an upgrade cannot reach (older than the database's), is a
    ValidationError, and nothing changed."""
    if not revision.strip():
        raise ValidationError("the schema revision is empty", hint="leave it out for the newest")
    cfg = alembic_config()
    before = current_revision(engine)
    try:
        with writer(engine).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            after = MigrationContext.configure(conn).get_current_revision()
            if before is not None and after == before:
                _refuse_a_no_op(ScriptDirectory.from_config(cfg), revision, before)
    except CommandError as exc:  # "Can't locate revision identified by '0005_nope'"
        raise ValidationError(
            f"cannot upgrade to schema revision {revision!r}: {str(exc).splitlines()[0]}",
            hint=f"leave it out for the newest, {head_revision()}",
        ) from None


def _refuse_a_no_op(script: ScriptDirectory, revision: str, current: str) -> None:
    """An upgrade that applied nothing to a target that is not the database's revision:
    Alembic does nothing for an older one (`0001`, `base`, `head-1`) and returns, and `kil
    db upgrade 0001` said ok to an editor who believed the schema had gone back."""
    try:  # () for "base"
        targets: list[str] | None = [r.revision for r in script.get_revisions(revision) if r]
    except CommandError:
        targets = None  # a relative one, `head-1`: it named no newer revision
    if targets == [current]:
        return
    older = "which is newer" if targets is not None else f"and {revision!r} names no newer revision"
    raise ValidationError(
        f"cannot upgrade to schema revision {revision!r}: the database is at {current}, {older}",
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
