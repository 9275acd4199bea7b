"""`/market` and `/api/market` in-process: the figures of the known adverts as charts (inline
SVG under the unchanged CSP), summaries and tables; bad filters answer 422."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import read_session, write_session
from kil_feed.marketview import figures_json
from kil_feed.models import Item
from kil_feed.storage.curation import apply_action
from kil_feed.storage.items import save_item
from kil_feed.storage.market import market_figures
from kil_feed.storage.sources import remove_source
from kil_feed.web import figurecache
from tests.support.market import NW, TODAY


def test_market_page(client: TestClient) -> None:
    page = client.get("/market", params={"region": "north-west", "week": "2026-W48"})
    assert page.status_code == 200, page.text
    html = page.text
    assert "North West interim day rates: median £500, 6 roles." in html
    charts = re.findall(r'<svg role="img" aria-label="([^"]+)"', html)
    assert len(charts) == 4  # two of the jobs, then two of the notices
    assert "This week: median £450 (IQR £450–£550), 5 roles." in charts[0]
    assert "7 open this week, 6 new" in charts[1]
    # the CSP forbids inline styles and scripts: the charts use presentation attributes
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert 'stroke="#1d4f91"' in html  # the median line, in the chart's own colour
    row = re.search(r"<tr><th scope=\"row\">2026-W48</th>(.*?)</tr>", html).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<td>(.*?)</td>", row) == ["£450", "£450–£550", "5"]
    assert "not enough data" in html  # W47's day rates rest on 2 roles
    assert '<option value="north-west" selected>' in html
    assert (
        page.headers["content-security-policy"]
        == client.get("/jobs").headers["content-security-policy"]
    )


def test_role_filter_and_every_region(client: TestClient) -> None:
    page = client.get("/market", params={"role": "Category management", "week": "2026-W48"})
    assert page.status_code == 200
    assert '<option value="category-management" selected>' in page.text
    assert "UK interim day rates: not enough data this quarter (1 role)." in page.text
    whole = client.get("/market", params={"week": "2026-W48"}).text
    assert '<a href="/market?region=london">London</a>' in whole


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"region": "Atlantis"}, "unknown region"),
        ({"role": "plumbing"}, "unknown role family"),
        ({"week": "soon"}, "invalid week"),
    ],
)
def test_bad_filters(client: TestClient, params: dict[str, str], message: str) -> None:
    page = client.get("/market", params=params)
    assert page.status_code == 422 and message in page.text
    api = client.get("/api/market", params=params)
    assert api.status_code == 422 and message in api.text


def test_api_is_the_figures(client: TestClient, engine: Engine) -> None:
    got = client.get("/api/market", params={"region": "North West", "week": "2026-W48"})
    assert got.status_code == 200
    with read_session(engine) as session:
        expected = figures_json(
            market_figures(session=session, region=NW, today=TODAY.replace(day=29))
        )
    assert got.json() == expected
    assert got.json()["weeks"][-1]["day_rate"]["median"] == 450


def test_figures_are_counted_once_and_follow_every_change(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting the market took seconds per view at 20,000 jobs: the app keeps each filter's
    figures (and the page's charts) while the jobs are unchanged, and counts again when one
    is added, rejected or deleted, so a view never shows figures older than the data."""
    counted: list[str | None] = []

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        counted.append(kwargs.get("region"))
        return market_figures(**kwargs)

    monkeypatch.setattr(figurecache, "market_figures", counting)
    params = {"region": "North West", "week": "2026-W48"}

    def fresh() -> dict:
        with read_session(engine) as session:
            return figures_json(
                market_figures(session=session, region=NW, today=TODAY.replace(day=29))
            )

    first = client.get("/market", params=params).text
    assert client.get("/market", params=params).text == first
    assert client.get("/api/market", params=params).json() == fresh()
    assert counted == [NW]  # one count for two pages and the API
    with write_session(engine) as s:
        job = Item(
            kind="job", source_id=1, url="https://ib.example/late", status="approved",
            title="Interim Procurement Lead", published_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
            regions=[NW], pay_min=900, pay_max=900, pay_period="day", contract_type="interim",
        )  # fmt: skip
        job_id = save_item(job, session=s).id
    added = client.get("/api/market", params=params).json()
    assert added == fresh() and added["weeks"][-1]["open_roles"] == 8
    assert len(counted) == 2
    with write_session(engine) as s:
        apply_action(s.get(Item, job_id), "reject", session=s)
    assert client.get("/api/market", params=params).json()["weeks"][-1]["open_roles"] == 7
    with write_session(engine) as s:
        remove_source("Interim Board", session=s)
    gone = client.get("/api/market", params=params).json()
    assert gone == fresh() and gone["weeks"][-1]["open_roles"] < 7
    assert client.get("/market", params=params).text != first
    assert len(counted) == 4
