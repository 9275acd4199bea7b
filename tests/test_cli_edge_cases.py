"""What an editor meets at the edges of the `kil` commands: an old or unknown schema, a
file that cannot be written, options that contradict each other, values out of range.
Each is one line on stderr with the exit code of its kind, and nothing half-done."""

from __future__ import annotations

from pathlib import Path

import pytest

from kil_feed.db import make_engine
from kil_feed.migrate import current_revision, head_revision, upgrade


@pytest.fixture
def old_schema(kil_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """A database an older kil-feed migrated (schema revision 0006), in KIL_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0006")
    engine.dispose()
    monkeypatch.setenv("KIL_DATABASE_URL", url)
    return url


@pytest.mark.parametrize("args", [["status"], ["items", "list"], ["sources", "list"]])
def test_a_database_on_an_older_schema_says_to_upgrade(cli, old_schema, args) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, ok=False)
    assert result.exit_code == 8
    assert result.stderr.splitlines() == [
        f"error: the database is at schema revision 0006, this kil-feed needs "
        f"{head_revision()} (run `kil db upgrade`)"
    ]
    assert result.stdout == ""


def test_an_unknown_revision_is_refused_and_changes_nothing(cli, old_schema) -> None:  # type: ignore[no-untyped-def]
    result = cli("db", "upgrade", "0006_nope", ok=False)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot upgrade to schema revision '0006_nope': ")
    engine = make_engine(old_schema)
    assert current_revision(engine) == "0006"
    engine.dispose()
    cli("db", "upgrade")
    assert cli("items", "list", "--json").stdout.strip() == "[]"
