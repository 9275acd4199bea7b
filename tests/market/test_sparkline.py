"""The trend lines on a region's jobs page: new roles per week and the median day rate, as
inline SVG named by the sentence of their values (the known adverts of tests/support/market)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import read_session, write_session
from kil_feed.sparkline import region_sparklines, sparkline_svg
from kil_feed.storage.market import market_figures
from tests.support.market import NW, TODAY, seed_market


def test_sparklines_say_their_values(engine: Engine) -> None:
    seed_market(engine)
    with read_session(engine) as session:
        figs = market_figures(session=session, region=NW, weeks=12, quarters=1, today=TODAY)
    new, rate = region_sparklines(NW, figs.weeks)
    # W37..W44 nothing; commissioning opened in W45, category in W47, six in W48
    assert new.text == (
        "New roles in North West per week, 2026-W37 to 2026-W48: "
        "0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 6; 8 in all."
    )
    assert new.caption == "New roles per week: 8 in 12 weeks"
    # only W48 rests on 5 day rates: 410 450 450 550 600
    assert rate.text == (
        "Median interim day rate in North West by week, 2026-W37 to 2026-W48 (weeks resting "
        "on at least 5 roles): W48 £450. This week: median £450 (IQR £450–£550), 5 roles."
    )
    assert rate.caption == "Median day rate: this week £450"
    assert new.svg.startswith('<svg role="img" aria-label="New roles in North West per week')
    assert 'id="chart-spark-new"' in new.svg and " style=" not in new.svg
    # eleven weeks without a rate leave no line: a lone point at W48 (level: mid-height)
    assert '<path d="M117.0 14.0"' in rate.svg and rate.svg.count("<circle") == 1


def test_sparkline_path() -> None:
    svg = sparkline_svg("s", [0, 2, None, 4], "#123456", 'a "quoted" label')
    # x from 3 to 117 in thirds; y from 25 (lowest) to 3 (highest); the gap lifts the pen
    assert '<path d="M3.0 25.0 L41.0 14.0 M117.0 3.0"' in svg
    assert '<circle cx="117.0" cy="3.0" r="2.2" fill="#123456"/>' in svg
    assert 'aria-label="a &#34;quoted&#34; label"' in svg
    flat = sparkline_svg("f", [5, 5], "#000000", "flat")
    assert 'd="M3.0 14.0 L117.0 14.0"' in flat  # a level line sits in the middle


def test_region_jobs_page_has_the_trend(client: TestClient) -> None:
    from tests.support.waiting import wait_until

    def page() -> str | None:  # the trend lines come once the app's first read is done
        html = client.get("/jobs", params={"region": "north-west"}).text
        return html if "<svg" in html else None

    html = wait_until(page, "the region page shows its trend lines")
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', html)
    assert len(labels) == 2
    assert labels[0].startswith("New roles in North West per week, ")
    assert labels[1].startswith("Median interim day rate in North West")
    assert "<figcaption>New roles per week: " in html
    assert '<a href="/market?region=north-west">Market pulse for North West</a>' in html
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert "<svg" not in client.get("/jobs").text  # the whole board has no trend line


def test_trend_cache_serves_stale_lines_while_it_reads_fresh_ones(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    import kil_feed.web.trends as trends
    from kil_feed.models import Item
    from kil_feed.storage.items import save_item
    from kil_feed.storage.sources import upsert_source
    from tests.support.waiting import wait_until

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(trends, "utcnow", lambda: now)
    seed_market(engine)
    cache = trends.TrendCache(engine)
    assert cache.lines(NW) == []  # the first read has started: the page does not wait
    wait_until(lambda: cache.lines(NW), "the first read")
    assert cache.lines(NW)[0].text.endswith("0, 1, 0, 1, 6; 8 in all.")
    assert cache.lines("Wales")[0].text.endswith(": 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0; 0 in all.")
    with write_session(engine) as s:
        source, _ = upsert_source("Late Board", session=s, kind="jobs", url="https://lb.example/")
        save_item(Item(kind="job", url="https://lb.example/1", title="Interim Buyer",
                       status="approved", regions=[NW], published_at=now, source_id=source.id),
                  session=s)  # fmt: skip
    assert cache.lines(NW)[0].text.endswith("; 8 in all.")  # kept for `ttl` seconds
    cache.ttl = 0
    assert cache.lines(NW)[0].text.endswith("; 8 in all.")  # stale, while a thread reads
    wait_until(lambda: cache.lines(NW)[0].text.endswith(", 7; 9 in all.") or None,
               "the trend lines read the new role")  # fmt: skip
