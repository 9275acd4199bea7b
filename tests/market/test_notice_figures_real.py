"""The notice figures of real Contracts Finder releases (94 procurements: tenders, tender
amendments, awards), stored through the crawl's recorder, on SQLite and PostgreSQL: one
procurement counts once when a second source stores it again, the tenders match a count
taken straight from the releases, and the breakdowns add up to the totals."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.noticemarketview import notice_figures_json
from kil_feed.storage.market_notices import NoticeFigures, notice_figures
from tests.support.notices import store_notices

FILE = "contractsfinder_2025-01-23_ocds_search_100_releases.json"
TODAY = date(2025, 1, 31)  # in 2025-Q1, ISO week 2025-W05


def _figures(engine: Engine) -> NoticeFigures:
    with read_session(engine) as session:
        return notice_figures(session=session, today=TODAY)


@pytest.fixture
def path(corpus_dir: Path) -> Path:
    return corpus_dir / "ocds" / FILE


def _tenders_in(path: Path, start: date, end: date) -> int:
    """Procurements whose first tender release is dated in [start, end], from the file."""
    first: dict[str, str] = {}
    for release in json.loads(path.read_text(encoding="utf-8"))["releases"]:
        if {"tender", "tenderUpdate", "tenderAmendment"} & set(release.get("tag") or []):
            day = str(release["date"])[:10]
            first[release["ocid"]] = min(first.get(release["ocid"], day), day)
    return sum(1 for day in first.values() if start.isoformat() <= day <= end.isoformat())


def test_real_notices(any_engine: Engine, any_settings: Settings, path: Path) -> None:
    store_notices(any_engine, any_settings, [path], source="first")
    once = _figures(any_engine)
    store_notices(any_engine, any_settings, [path], source="second")  # the same procurements
    twice = _figures(any_engine)
    assert notice_figures_json(twice) == notice_figures_json(once)
    q1 = once.quarters[-1]
    assert q1.period == "2025-Q1"
    assert q1.tenders.count == _tenders_in(path, q1.start, q1.end) > 10
    assert q1.awards.count > 10
    assert 0 < q1.awards.valued <= q1.awards.count and q1.awards.value > 0
    assert q1.tenders.valued + q1.tenders.not_gbp + q1.tenders.no_value == q1.tenders.count
    for breakdown in (once.by_region, once.by_buyer_type):
        parts = [s.quarters[-1] for s in breakdown.values()]
        for kind in ("tenders", "awards"):
            assert sum(getattr(p, kind).count for p in parts) == getattr(q1, kind).count
            assert math.isclose(sum(getattr(p, kind).value for p in parts), getattr(q1, kind).value)
    assert len(once.by_region) > 3 and len(once.by_buyer_type) > 2
    assert once.top_buyers and once.top_buyers[0].value >= once.top_buyers[-1].value
    assert all(b.slug for b in once.top_buyers)  # every notice's buyer is stored
