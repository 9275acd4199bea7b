"""A Contracts Finder tender that gives `minValue` and `value` is valued as a range, shown
so on the notices page, the notice page, the API, and the CLI's and email's signal line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Item
from kil_feed.notice_view import notice_line
from kil_feed.web.app import create_app
from tests.support.notices import store_notices

CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"
CF_2017 = "contractsfinder_2017-01_release-package_guer-9rgk-thfad0.json"
TENDER = "ocds-b5fd17-6d755e24-2b61-40ff-80e4-4ae4f4214e49"  # minValue 5000, value 22000
AWARD = "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30"  # tender 93007-372032, award 93007
GUERNSEY = "ocds-b5fd17-2cd66430-adc8-11e6-9901-0019b9f3037b"  # minValue 213506, value null


@pytest.fixture
def stored(settings: Settings, engine: Engine, corpus_dir: Path) -> dict[str, Item]:
    store_notices(engine, settings, [corpus_dir / "ocds" / f for f in (CF_2025, CF_2017)])
    with read_session(engine) as session:
        items = session.exec(select(Item).where(Item.kind == "notice")).all()
        return {i.guid: i for i in items if i.guid in (TENDER, AWARD, GUERNSEY)}


@pytest.fixture
def client(settings: Settings, stored: dict[str, Item]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.engine.dispose()


def test_min_value_and_value_are_a_range(stored: dict[str, Item], client: TestClient) -> None:
    tender, award, guernsey = stored[TENDER], stored[AWARD], stored[GUERNSEY]
    fields = tender.extra["notice"]
    assert (fields["value_min"], fields["value_amount"]) == (5000, 22000)
    # an award's value is what was awarded: no range
    assert (award.extra["notice"]["value_min"], award.extra["notice"]["value_amount"]) == (
        None,
        93007,
    )
    assert (guernsey.extra["notice"]["value_min"], guernsey.extra["notice"]["value_amount"]) == (
        213506,
        None,
    )

    page = client.get(f"/notices/{tender.id}").text
    assert "£5,000–£22,000" in page
    assert "from £213,506" in client.get(f"/notices/{guernsey.id}").text
    award_page = client.get(f"/notices/{award.id}").text
    assert "£93,007" in award_page and "£372,032" not in award_page

    for notice, shown in ((tender, "£5,000–£22,000"), (guernsey, "from £213,506")):
        cpv = notice.extra["notice"]["cpv"][0]["code"]
        cards = client.get("/notices", params={"cpv": cpv}).text
        assert f"/notices/{notice.id}" in cards and shown in cards

    cpv = fields["cpv"][0]["code"]
    rows = client.get("/api/notices", params={"cpv": cpv, "limit": 100}).json()["items"]
    by_ocid = {r["notice"]["ocid"]: r["notice"] for r in rows}
    assert (by_ocid[TENDER]["value_min"], by_ocid[TENDER]["value_amount"]) == (5000, 22000)

    # a value band holds the notices whose value or range falls in it
    def band(name: str, notice: Item) -> set[str]:
        cpv = notice.extra["notice"]["cpv"][0]["code"]
        params = {"cpv": cpv, "value": name, "limit": 100}
        return {
            r["notice"]["ocid"] for r in client.get("/api/notices", params=params).json()["items"]
        }

    assert TENDER in band("under-100k", tender) and TENDER not in band("100k-1m", tender)
    assert GUERNSEY in band("100k-1m", guernsey) and GUERNSEY not in band("under-100k", guernsey)

    assert "£5,000–£22,000" in notice_line(tender)
    assert "from £213,506" in notice_line(guernsey)
