"""Two processes writing one SQLite file at once never see "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from kil_feed.db import read_session
from kil_feed.models import Item

WRITER = textwrap.dedent(
    """
    import sys
    from sqlmodel import func, select
    from kil_feed.db import make_engine, write_session
    from kil_feed.models import Item
    from kil_feed.storage import items, sources

    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = make_engine(url)
    with write_session(engine) as s:
        src, _ = sources.upsert_source(name, session=s, url="https://example.org/" + name)
        sid = src.id
    for i in range(n):
        # read-then-write in one transaction: the pattern that fails with a deferred BEGIN
        with write_session(engine) as s:
            count = s.exec(select(func.count()).select_from(Item)).one()
            items.save_item(
                Item(source_id=sid, url=f"https://example.org/{name}/{i}", title=f"{name} {count}",
                     topics=["procurement"]),
                session=s,
            )
    print("done", name)
    """
)


def test_two_processes_write_one_sqlite_file(tmp_path: Path, engine: Engine, settings) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    n = 150
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), settings.database_url, name, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        for name in ("alpha", "beta")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
        assert out.startswith("done")
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == 2 * n
