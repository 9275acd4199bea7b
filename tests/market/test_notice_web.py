"""The notice figures on `/market`, at `/api/market/notices` and in `kil market --notices`:
charts (inline SVG under the unchanged CSP) with summaries and tables, the same JSON in the
API and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.web.app import create_app
from tests.support.market import seed_market
from tests.support.market_notices import CAMDEN, MANCHESTER, seed_notices
from tests.support.validators import vnu_command
from tests.support.waiting import wait_until


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    seed_notices(engine)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.engine.dispose()


def _row(html: str, header: str) -> list[str]:
    found = re.search(rf"<tr><th scope=\"row\">{header}</th>(.*?)</tr>", html)
    assert found, header
    return re.findall(r"<td>(.*?)</td>", found.group(1))


def test_market_page_shows_the_notices(client: TestClient) -> None:
    page = client.get("/market", params={"week": "2026-W48"})
    assert page.status_code == 200, page.text
    html = page.text
    assert (
        "UK procurement notices, 2026-Q4: 4 tenders worth £130,000 (2 valued in GBP; 1 in "
        "another currency), 3 awards worth £740,000." in html
    )
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', html)
    assert len(labels) == 4  # the two job charts and the two notice charts
    assert (
        "this week 2 tenders worth £100,000 (1 valued in GBP; 1 in another currency)" in labels[2]
    )
    assert "the most in London" in labels[3]
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert len(set(re.findall(r'\sid="([^"]+)"', html))) == len(re.findall(r'\sid="([^"]+)"', html))
    html = html[html.index('id="h-notices-all"') :]  # the tables of the notices
    assert _row(html, "2026-W48") == ["2", "£100,000", "2", "£560,000"]
    assert _row(html, "North West") == ["3", "£100,000", "2", "£240,000"]
    assert _row(html, "Region not known") == ["1", "£30,000", "0", "–"]
    assert _row(html, "Education") == ["1", "–", "0", "–"]
    assert _row(html, "2026-Q3") == ["1", "£200,000", "0", "–"]
    buyers = re.findall(r'<tr><th scope="row"><a href="/buyers/([^"]+)">([^<]+)</a>', html)
    assert buyers[:2] == [("camden", CAMDEN), ("manchester-city-council", MANCHESTER)]
    assert _row(html, f'<a href="/buyers/camden">{CAMDEN}</a>') == [
        "Local authority", "£500,000", "1", "0", "1"
    ]  # fmt: skip
    assert '<a href="/api/market/notices?week=2026-W48">' in html


def test_region_filter(client: TestClient) -> None:
    html = client.get("/market", params={"region": "north-west", "week": "2026-W48"}).text
    assert "North West procurement notices, 2026-Q4: 3 tenders worth £100,000" in html
    assert "London Borough of Camden" not in html
    assert '<a href="/api/market/notices?region=north-west&amp;week=2026-W48">' in html


def test_api_and_cli_give_the_same_figures(client: TestClient, cli) -> None:  # type: ignore[no-untyped-def]
    got = client.get("/api/market/notices", params={"region": "North West", "week": "2026-W48"})
    assert got.status_code == 200
    data = got.json()
    assert data["currency"] == "GBP" and data["procurements"] == 5
    q4 = data["quarters"][-1]
    assert q4["tenders"] == {"count": 3, "valued": 1, "value": 100000, "not_gbp": 1, "no_value": 1}
    assert q4["awards"]["value"] == 240000
    assert data["top_buyers"]["quarter"] == "2026-Q4"
    assert data["top_buyers"]["buyers"][0]["url"] == "/buyers/manchester-city-council"
    assert list(data["by_buyer_type"]) == ["education", "local-authority", "nhs"]
    assert data["by_buyer_type"]["nhs"]["label"] == "NHS"
    printed = cli("market", "--notices", "--region", "north-west", "--week", "2026-W48", "--json")
    assert json.loads(printed.stdout) == data
    bad = client.get("/api/market/notices", params={"region": "Atlantis"})
    assert bad.status_code == 422 and "unknown region" in bad.text


def test_cli_table(client: TestClient, cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("market", "--notices", "--week", "2026-W48").stdout
    assert "UK procurement notices, 2026-Q4: 4 tenders worth £130,000" in out
    w48 = next(line for line in out.splitlines() if "2026-W48" in line)
    assert re.findall(r"[\d£,]+", w48.split("2026-W48", 1)[1]) == [
        "2",
        "£100,000",
        "1",
        "2",
        "£560,000",
        "0",
    ]
    top = out[out.index("Top buyers by value, 2026-Q4") :]
    assert re.search(r"London Borough\s.*£500,000 │ 1 ", top)
    assert top.index("London Borough") < top.index("Manchester City") < top.index("Salford")
    assert re.search(r"North West\s*│ 3 .*│ £100,000 │ 1 .*│ 2 .*│ £240,000", out)


def _charted(client: TestClient, path: str) -> str | None:
    page = client.get(path)
    assert page.status_code == 200
    return page.text if "<svg" in page.text else None


@pytest.mark.slow
def test_pages_with_notices_and_trend_lines_are_valid_html(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """The Nu Html Checker over /market with every notice table filled, and a region's jobs
    page with its trend lines: zero errors."""
    seed_market(engine)
    folder = tmp_path / "html"
    folder.mkdir()
    pages = {
        "market": "/market?week=2026-W48",
        "market-region": "/market?region=north-west&week=2026-W48",
        "jobs-region": "/jobs?region=north-west",
    }
    for name, path in pages.items():
        # a region page has its trend lines once the app's first read of the roles is done
        html = wait_until(lambda p=path: _charted(client, p), f"{path} with its charts")
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    run = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", "--stdout", str(folder)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    report = json.loads(run.stdout or "{}")
    assert "messages" in report, run.stderr[-2000:]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"]]  # fmt: skip
    assert errors == []


def test_a_buyer_rename_shows_at_once_and_a_view_reads_each_stamp_once(
    any_engine: Engine, any_settings: Settings
) -> None:
    """The top buyers on `/market` are kept with the notices' stamp, which a rename did not
    move: the old name stayed until a notice changed. Any UPDATE of a buyer now moves its
    `updated_at` (a trigger), which the notices' stamp reads. And a view missing the cache
    read each kind's stamp twice (once for the page's charts, again for the figures under
    them): now once. On SQLite and PostgreSQL."""
    import sqlalchemy as sa

    from kil_feed.db import write_session
    from kil_feed.models import Buyer

    seed_notices(any_engine)
    app = create_app(any_settings)
    stamps: list[str] = []

    def watch(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "item_removal" in statement:  # one per `listing_changed`, the stamp's read
            stamps.append(statement)

    params = {"week": "2026-W48"}
    renamed = "Camden Council (London Borough of Camden)"
    with TestClient(app, base_url="http://testserver") as client:
        sa.event.listen(app.state.engine, "before_cursor_execute", watch)
        first = client.get("/market", params=params)
        assert first.status_code == 200 and f'<a href="/buyers/camden">{CAMDEN}</a>' in first.text
        assert len(stamps) == 2, stamps  # jobs and notices, each read once on a miss
        assert client.get("/market", params=params).text == first.text
        assert len(stamps) == 4  # and once each on a hit
        with write_session(any_engine) as s:
            s.execute(sa.update(Buyer).where(Buyer.slug == "camden").values(name=renamed))
        after = client.get("/market", params=params).text
        assert f'<a href="/buyers/camden">{renamed}</a>' in after
        assert f">{CAMDEN}</a>" not in after
        api = client.get("/api/market/notices", params=params).json()
        assert renamed in {b["name"] for b in api["top_buyers"]["buyers"]}
    app.state.engine.dispose()


def test_every_change_under_the_figures_moves_their_stamp(
    any_engine: Engine, any_settings: Settings
) -> None:
    """The notices' stamp read the newest buyer `updated_at` and the items' own: a deleted
    buyer left nothing behind (unless it was the newest), and an UPDATE of a notice that
    did not set `updated_at` (SQL by hand, a script) moved nothing, so `/market` kept
    linking a buyer that was gone and counting a notice taken down. Now a buyer's DELETE
    is recorded (`buyer_removal`) and an UPDATE of a column the figures read moves the
    item's `updated_at` (triggers, migration 0023). On SQLite and PostgreSQL."""
    import sqlalchemy as sa

    from kil_feed.db import write_session
    from kil_feed.models import Buyer, Item

    seed_notices(any_engine)
    with write_session(any_engine) as s:  # Camden is the newest buyer: a delete of
        s.execute(sa.update(Buyer).where(Buyer.slug == "camden").values(region="London"))
    app = create_app(any_settings)
    params = {"week": "2026-W48"}
    manchester = f'<a href="/buyers/manchester-city-council">{MANCHESTER}</a>'
    camden = f'<a href="/buyers/camden">{CAMDEN}</a>'
    with TestClient(app, base_url="http://testserver") as client:
        first = client.get("/market", params=params).text
        assert manchester in first and camden in first
        with write_session(any_engine) as s:  # ... Manchester left the newest stamp as it was
            s.execute(sa.delete(Buyer).where(Buyer.slug == "manchester-city-council"))
        after = client.get("/market", params=params).text
        assert manchester not in after and camden in after
        with write_session(any_engine) as s:
            s.execute(
                sa.update(Item).where(Item.buyer_key == CAMDEN.lower()).values(status="rejected")
            )
        api = client.get("/api/market/notices", params=params).json()
        assert CAMDEN not in {b["name"] for b in api["top_buyers"]["buyers"]}
        assert camden not in client.get("/market", params=params).text
    app.state.engine.dispose()
