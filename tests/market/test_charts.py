"""The charts themselves: SVG fit for the CSP and for several charts on a page, PNG for
email (served at /market/charts/NAME.png), and the week filter's edges."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from kil_feed.charts import inline_svg, render_chart
from kil_feed.errors import ValidationError
from kil_feed.marketview import market_filters
from kil_feed.storage.market import PayFigure, PeriodFigures

PNG = b"\x89PNG\r\n\x1a\n"


def _weeks() -> list[PeriodFigures]:
    pay = PayFigure(6, 500.0, 450.0, 560.0, "2026-W40", "2026-W40")
    none = PayFigure(0, None, None, None, None, None)
    return [
        PeriodFigures(
            f"2026-W{40 + i}",
            date(2026, 9, 28),
            date(2026, 10, 4),
            9 + i,
            i,
            pay if i % 3 else none,
            none,
            0,
            1,
            5,
            None,
        )  # fmt: skip
        for i in range(6)
    ]


def test_inline_svg_is_csp_safe_and_ids_are_unique() -> None:
    rates = inline_svg(render_chart("day-rates", _weeks()), 'Rates "quoted" & <b>')
    roles = inline_svg(render_chart("roles", _weeks()), "Roles")
    for svg in (rates, roles):
        assert svg.startswith('<svg role="img"') and "<?xml" not in svg
        assert " style=" not in svg and "<style" not in svg and "<script" not in svg
    assert 'aria-label="Rates &#34;quoted&#34; &amp; &lt;b&gt;"' in rates
    ids = re.findall(r'\sid="([^"]+)"', rates + roles)
    assert len(ids) == len(set(ids)) > 10
    # every reference points at an id of the same chart
    for ref in re.findall(r"url\(#([^)]+)\)", rates):
        assert ref.startswith("chart-day-rates-") and ref in ids
    assert re.search(r'<text [^>]*font-size="9(?:\.0)?px"', rates)  # the `font` shorthand split


def test_png_route(client: TestClient) -> None:  # noqa: F811
    png = client.get(
        "/market/charts/day-rates.png", params={"region": "north-west", "week": "2026-W48"}
    )
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG) and len(png.content) > 2000
    assert client.get("/market/charts/pie.png").status_code == 404
    assert client.get("/market/charts/roles.png", params={"region": "Atlantis"}).status_code == 422


def test_week_filter() -> None:
    assert market_filters(None, None, "2026-w48")[2] == date(2026, 11, 29)  # its Sunday
    assert market_filters(None, None, "2026-W53")[2] == date(2027, 1, 3)  # 2026 has 53 weeks
    assert market_filters(None, None, "2025-W53")[2] == date(2026, 1, 4)  # rolls into 2026-W01
    for bad in ("2026-W54", "2026-W00", "0001-W01", "next week"):
        with pytest.raises(ValidationError, match="invalid week"):
            market_filters(None, None, bad)
