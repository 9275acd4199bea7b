"""The trend lines on a region's jobs page: new roles per week and the median day rate, as
inline SVG named by the sentence of their values (the known adverts of tests/support/market)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.sparkline import region_sparklines
from kil_feed.storage.market import market_figures
from kil_feed.web.app import create_app
from tests.support.market import NW, TODAY, seed_market


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    seed_market(engine)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.engine.dispose()


def test_sparklines_say_their_values(engine: Engine) -> None:
    seed_market(engine)
    with read_session(engine) as session:
        figs = market_figures(session=session, region=NW, weeks=12, quarters=1, today=TODAY)
    new, rate = region_sparklines(NW, figs)
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


def test_region_jobs_page_has_the_trend(client: TestClient) -> None:
    html = client.get("/jobs", params={"region": "north-west"}).text
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', html)
    assert len(labels) == 2
    assert labels[0].startswith("New roles in North West per week, ")
    assert labels[1].startswith("Median interim day rate in North West")
    assert "<figcaption>New roles per week: " in html
    assert '<a href="/market?region=north-west">Market pulse for North West</a>' in html
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert "<svg" not in client.get("/jobs").text  # the whole board has no trend line
