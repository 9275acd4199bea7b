"""Storing notices costs a few queries per batch, not a few per notice or per buyer.

Real corpus notices go through the crawl's own recorder (`tests.support.notices`); the SQL
statements it sends are counted with SQLAlchemy's `before_cursor_execute` event.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Buyer, Item
from tests.support.notices import store_notices
from tests.support.queries import statements

# 100 real Contracts Finder releases: 100 procurements, dozens of distinct buyers
MANY_BUYERS = "contractsfinder_2025-01-23_ocds_search_100_releases.json"


def _buyer_selects(sent: list[str]) -> list[str]:
    return [s for s in sent if re.match(r"\s*SELECT\b.*\bFROM buyer\b", s, re.S | re.I)]


# `extra -> 'history'` (PostgreSQL) or JSON_EXTRACT(extra, ...) (SQLite): a JSON path
_JSON_PATH = re.compile(r"JSON_EXTRACT\(item\.extra|item\.extra\s*->", re.I)


def _full_extra_selects(sent: list[str]) -> list[str]:
    """SELECTs that read items' whole `extra` (compiled release and all), not a JSON path."""
    return [
        s
        for s in sent
        if s.lstrip().upper().startswith("SELECT") and "item.extra" in _JSON_PATH.sub("", s)
    ]


def test_a_batch_reads_its_stored_buyers_in_two_queries(
    any_engine: Engine, any_settings: Settings, corpus_dir: Path
) -> None:
    engine, settings = any_engine, any_settings
    path = corpus_dir / "ocds" / MANY_BUYERS
    store_notices(engine, settings, [path], source="first")
    with read_session(engine) as session:
        buyers = session.scalar(sa.select(sa.func.count()).select_from(Buyer))
    assert buyers is not None and buyers > 30  # the file names many buyers
    # a second source with the same procurements: every buyer is stored already
    with statements(engine) as sent:
        store_notices(engine, settings, [path], source="second")
    assert len(_buyer_selects(sent)) <= 2, _buyer_selects(sent)[:5]
    with read_session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Buyer)) == buyers
        keys = session.execute(
            sa.select(Item.source_id, sa.func.count(sa.distinct(Item.buyer_key)))
            .where(Item.kind == "notice")
            .group_by(Item.source_id)
        ).all()
    assert len(keys) == 2 and keys[0][1] == keys[1][1]  # both sources join the same buyers


def test_recrawl_of_stored_releases_never_loads_compiled_releases(
    any_engine: Engine, any_settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    engine, settings = any_engine, any_settings
    path = corpus_dir / "ocds" / MANY_BUYERS
    store_notices(engine, settings, [path])
    with statements(engine) as sent:
        store_notices(engine, settings, [path])  # the same releases again: all merged already
    assert _full_extra_selects(sent) == []
    # a newer release of one procurement: that one (only) is read whole and moves on
    package = json.loads(path.read_text(encoding="utf-8"))
    release = dict(package["releases"][0])
    release.update(id=f"{release['id']}-award", date="2099-01-01T00:00:00Z", tag=["award"])
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**package, "releases": [release]}), encoding="utf-8")
    with statements(engine) as sent:
        store_notices(engine, settings, [newer])
    assert len(_full_extra_selects(sent)) == 1
    with read_session(engine) as session:
        history = session.scalars(
            sa.select(Item.extra).where(Item.kind == "notice", Item.guid == release["ocid"])
        ).all()
    assert len(history) == 1  # still one item for the procurement
    assert [e["id"] for e in history[0]["history"]][-1] == release["id"]
