"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite is tuned so the scheduler, the web app and the CLI can write at once: WAL,
`synchronous=NORMAL`, `foreign_keys=ON`, a busy timeout, and write transactions that begin
`IMMEDIATE` (a deferred transaction that later wants to write cannot wait for the lock and
fails with "database is locked"; an immediate one waits its turn up front).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.errors import ConfigError, DatabaseError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "kil_write"


def make_engine(settings: Settings | str, **kwargs: Any) -> Engine:
    """Build the engine for the configured database (never at import time)."""
    url = database_url(settings if isinstance(settings, str) else settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if url.drivername == "postgresql":  # PostgreSQL: database_url refuses the rest
        url = url.set(drivername="postgresql+psycopg")
    try:
        return sa.create_engine(url, pool_pre_ping=True, **kwargs)
    except ModuleNotFoundError:
        raise ConfigError(
            "PostgreSQL support is not installed", hint="pip install 'kil-feed[postgres]'"
        ) from None


def database_url(url_s: str) -> sa.URL:
    """The parsed URL of a database kil-feed can use; ConfigError says what is wrong."""
    try:
        url = make_url(url_s)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"invalid database URL {url_s!r}: {exc}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"unsupported database {url.get_backend_name()!r}",
            hint="use sqlite:/// or postgresql://",
        )
    return url


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # 64 MiB of page cache (the default is 2 MiB): a crawl batch touches a dozen item
        # indexes; with the small cache every insert re-reads their pages from the OS
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


NO_DATABASE_HINT = "run `kil init` (or `kil db upgrade`)"


def require_database(settings: Settings) -> None:
    """A SQLite file that does not exist is never created by a command that only reads or
    writes rows: it says so (only `kil init` and `kil db upgrade` create the database)."""
    try:
        url = make_url(settings.database_url)
    except sa.exc.ArgumentError:
        return  # make_engine says what is wrong with it
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    name = url.database
    if url.query.get("uri") == "true":  # sqlite:///file:path?mode=ro&uri=true
        name = name.removeprefix("file:")
    path = Path(name).expanduser()
    if not path.is_file():
        raise DatabaseError(f"no database here ({path}): {NO_DATABASE_HINT}")
    if path.stat().st_size == 0:  # SQLite would write its header into it on connecting
        raise DatabaseError(f"no database here ({path} has no tables): {NO_DATABASE_HINT}")


def require_schema(engine: Engine) -> None:
    """The schema exists (a database that was never set up has no `alembic_version`)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            url = engine.url.render_as_string(hide_password=True)
            raise DatabaseError(f"no database here ({url} has no tables): {NO_DATABASE_HINT}")


def database_problem(exc: sa.exc.DBAPIError) -> str:
    """`database error: database or disk is full`: the driver's first line, without the SQL
    and the "Background on this error" link that SQLAlchemy adds."""
    reason = str(exc.orig).strip().splitlines()
    return f"database error: {reason[0] if reason else type(exc.orig).__name__}"


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions begin IMMEDIATE on SQLite."""
    return engine.execution_options(**{_WRITE_OPTION: True})


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for a unit of writes: committed on success, rolled back on error."""
    with Session(writer(engine), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads (deferred transaction; never takes the SQLite write lock)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
