"""`kil db upgrade|current` and `kil init`: create and migrate the database."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import typer

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import console, success
from kil_feed.config import config_path, refuse_folder
from kil_feed.errors import ConflictError

db_app = command_group(help="Database schema (Alembic migrations).", no_args_is_help=True)

CONFIG_TEMPLATE = """\
# kil-feed configuration. Every setting can also be set as an environment variable
# KIL_<NAME> (nested: KIL_<SECTION>__<NAME>). See the README for the full list.

database_url = {database_url}
# smtp_url = "smtp://user:pass@smtp.example.org:587?starttls=true"   # empty: file outbox
outbox_dir = "outbox"
base_url = "http://127.0.0.1:8000"
secret_key = "{secret_key}"
timezone = "Europe/London"

[newsletter]
from_address = "Keep it Local feed <newsletter@example.org>"
"""


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply database migrations up to REVISION (default: the newest)."""
    from kil_feed.migrate import current_revision
    from kil_feed.migrate import upgrade as do_upgrade

    st = state()
    do_upgrade(st.setup_engine(), revision)
    success(f"database at revision {current_revision(st.engine)} ({_safe_url(st)})")


@db_app.command("current")
def current() -> None:
    """Show the database's schema revision and the newest available."""
    from kil_feed.migrate import current_revision, head_revision

    st = state()
    console.print(f"current: {current_revision(st.engine) or 'none'}  head: {head_revision()}")


def init(
    force: bool = typer.Option(False, "--force", help="Overwrite an existing config file."),
    database_url: str = typer.Option(
        "sqlite:///kil.db", "--database-url", help="Database to configure."
    ),
) -> None:
    """Create kil.toml (with a fresh secret key) and an up-to-date database."""
    from kil_feed.db import database_url as check_url
    from kil_feed.migrate import upgrade as do_upgrade

    st = state()
    path = config_path(st.config_file)  # where every other command will read it
    refuse_folder(path)
    if path.exists() and not force:
        raise ConflictError(f"{path} already exists", hint="use --force to overwrite it")
    check_url(database_url)  # before an existing kil.toml (and its secret key) is replaced
    text = CONFIG_TEMPLATE.format(
        database_url=json.dumps(database_url),  # a TOML string, whatever the URL holds
        secret_key=secrets.token_urlsafe(32),
    )
    write_private(path, text)
    st.config_file = path
    do_upgrade(st.setup_engine())
    success(f"wrote {path} and created the database ({_safe_url(st)})")
    console.print(
        "Next: `kil sources import --defaults`, `kil crawl`, `kil review`, or `kil demo` "
        "to see the whole pipeline on a bundled demo site."
    )


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds the secret key and SMTP password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _safe_url(st) -> str:  # type: ignore[no-untyped-def]
    return st.engine.url.render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command("init")(init)
