"""Fixtures every test module can use: databases (SQLite and PostgreSQL), settings, the CLI,
a real HTTP server and a real SMTP server on loopback, and the shared real-world corpus.

Per test: `kil_env` (an isolated SQLite setup in os.environ, cwd = tmp_path), `settings`,
`engine`, `cli`, `http_server`, `smtp_server`; `any_settings`/`any_engine` run the test on
SQLite and on PostgreSQL; `fresh_engine` is an empty, unmigrated database of each (for a
migration's tests), `fresh_postgres_url` the URL of such a PostgreSQL database.

Shared by a module (one crawl or one server for many tests, which keeps the suite fast):
`kil_environment(folder, database_url)` is `kil_env` as a context manager for a module- or
session-scoped fixture, `sqlite_copy(folder, sqlite_template)` gives it a migrated SQLite
file, and `module_http_server` is a loopback HTTP server of the module's own. Waiting for
an event: `tests.support.waiting.wait_until` (never a fixed sleep).
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine
from kil_feed.loopback import MockServer
from kil_feed.migrate import upgrade
from tests.support.smtpserver import SMTPServer

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "KIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-key-0123456789abcdefghijklmnop"


# --- scheduling -----------------------------------------------------------------------------

# The slowest test files (measured, longest first; `--durations` shows when this needs
# updating). scripts/test runs files in xdist workers in collection order
# (--no-loadscope-reorder): a long file started last would leave one worker running alone
# at the end while the others sit idle, so these start first and the short ones fill in.
SLOW_FILES = [
    "demo/test_demo_e2e.py",
    "web/test_notices_browser.py",
    "newsletter/test_send_workers.py",
    "web/test_accessibility.py",
    "market/test_browser.py",
    "crawler/test_crawl_killed.py",
    "crawler/test_notices_crawl.py",
    "crawler/test_redis_workers.py",
    "scheduler/test_service.py",
    "crawler/test_redis_workers_killed.py",
    "newsletter/test_send_kill.py",
    "newsletter/test_send.py",
    "scheduler/test_schedule_cli.py",
    "web/test_browser.py",
    "scheduler/test_pipeline.py",
    "crawler/test_crawl_corpus.py",
    "crawler/test_recording.py",
    "crawler/test_extract_and_normalise.py",
    "crawler/test_robots.py",
    "web/test_openapi_fuzz.py",
    "web/test_proxies.py",
    "editorial/test_curation_cli.py",
    "web/test_html_valid.py",
    "crawler/test_revalidate.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files in SLOW_FILES first, in that order; the rest keep their order."""
    rank = {ROOT / "tests" / name: n for n, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path, len(rank)))


# --- the shared corpus -------------------------------------------------------------------


# A suite started in the background (`... &` in a script) ignores SIGINT, and every `kil` a
# test starts would inherit that: a test's Ctrl-C (in a pty, or a signal) would never reach
# it. Python's own handler here means children start with the default, as from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """`../shared/corpus` (or $KIL_CORPUS_DIR): real feeds, job pages and notices."""
    path = Path(os.environ.get("KIL_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"corpus not found at {path}")
        pytest.skip(f"corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


# --- databases ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def sqlite_copy(folder: Path, template: Path) -> str:
    """The URL of a fresh copy of the migrated template database in `folder`."""
    db = folder / "kil.db"
    shutil.copy(template, db)
    return f"sqlite:///{db}"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(tmp_path, sqlite_template)


def _postgres_available() -> str | None:
    """None if the server answers, else the reason it does not."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except ModuleNotFoundError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    except Exception as exc:  # any connection failure
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    reason = _postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    name = f"kil_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    engine.dispose()


@pytest.fixture(scope="session")
def _fresh_postgres_database(postgres_url: str) -> Iterator[str]:
    """One more database for this test session, which `fresh_postgres_url` empties for each
    test. A database per test cost a DROP DATABASE each, and PostgreSQL 15 takes an
    immediate checkpoint for every DROP DATABASE, writing every dirty buffer of the whole
    server first: on a machine running other suites, 2 to 18 s of teardown per test."""
    name = f"kil_fresh_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def fresh_postgres_url(_fresh_postgres_database: str) -> str:
    """The URL of an empty PostgreSQL database, not yet migrated: the session's spare
    database with every schema of the test before it dropped (its connections ended
    first, as DROP DATABASE ... WITH (FORCE) would) and an empty `public` made again."""
    url = _fresh_postgres_database
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        schemas = conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE left(nspname, 3) <> 'pg_' "
            "AND nspname <> 'information_schema'"
        ).scalars()
        for schema in list(schemas):
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        conn.exec_driver_sql("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
        conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO PUBLIC")
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each backend, not yet migrated (for a migration's tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kil.db'}"
    else:  # skips (or fails in CI) without the server
        url = request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrised over both backends: tests using it run on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


# --- settings, engine, CLI ------------------------------------------------------------------


def _test_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "KIL_DATABASE_URL": database_url,
        "KIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "KIL_SECRET_KEY": TEST_SECRET,
        "KIL_BASE_URL": "https://kil.example.org",
        "KIL_ALLOW_PRIVATE_NETWORKS": "true",
        # fixtures' job URLs are example.org: no link checks unless a test asks (#16)
        "KIL_NEWSLETTER__RECHECK_LINKS": "false",
        "KIL_SMTP_URL": "",
        "COLUMNS": "80",  # CLI tables lay out the same whatever the shell that runs pytest
    }


def _isolate(
    mp: pytest.MonkeyPatch, folder: Path, database_url: str, extra: dict[str, str] | None
) -> dict[str, str]:
    for key in [k for k in os.environ if k.startswith("KIL_")]:
        mp.delenv(key)
    env = {**_test_env(folder, database_url), **(extra or {})}
    for key, value in env.items():
        mp.setenv(key, value)
    mp.chdir(folder)
    return env


@contextmanager
def kil_environment(
    folder: Path, database_url: str, extra: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """`kil_env` for a module- or session-scoped fixture: KIL_* of an isolated setup (plus
    `extra`) in os.environ and cwd at `folder`, all undone when the block ends."""
    with pytest.MonkeyPatch.context() as mp:
        yield _isolate(mp, folder, database_url, extra)


@pytest.fixture
def kil_env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """KIL_* variables of an isolated SQLite setup, set in os.environ; cwd is tmp_path."""
    return _isolate(monkeypatch, tmp_path, sqlite_url, None)


@pytest.fixture
def settings(kil_env: dict[str, str]) -> Settings:
    return load_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def any_settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on SQLite or PostgreSQL (parametrised), with KIL_* set in os.environ."""
    _isolate(monkeypatch, tmp_path, database_url, None)
    return load_settings()


@pytest.fixture
def any_engine(any_settings: Settings) -> Iterator[Engine]:
    eng = make_engine(any_settings)
    yield eng
    eng.dispose()


class Cli:
    """Runs `kil ...` in-process with Typer's runner; returns the click Result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, ok: bool = True):  # type: ignore[no-untyped-def]
        from kil_feed.cli import app

        result = self.runner.invoke(app, list(args), input=input, catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"kil {' '.join(args)} exited {result.exit_code}:\n{result.output}"
            )
        return result


@pytest.fixture
def cli(kil_env: dict[str, str]) -> Cli:
    return Cli()


# --- servers --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _http_server() -> Iterator[MockServer]:
    server = MockServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_server(_http_server: MockServer) -> Iterator[MockServer]:
    """A real HTTP server on 127.0.0.1 (port chosen by the OS), emptied after each test."""
    _http_server.reset()
    yield _http_server
    _http_server.reset()


@pytest.fixture(scope="module")
def module_http_server() -> Iterator[MockServer]:
    """A loopback HTTP server for one module's shared fixtures (a module-scoped crawl): the
    per-test `http_server` empties its routes between tests, this one keeps them."""
    server = MockServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server: SMTPServer) -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on loopback that records messages; reset per test."""
    _smtp_server.reset()
    yield _smtp_server
    _smtp_server.reset()
