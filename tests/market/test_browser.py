"""`/market` in real headless Chromium against `kil serve`: screenshots at desktop and phone
widths, no CSP refusals (the charts' styling is presentation attributes), nothing wider
than a phone, and axe-core reports no violations.

Screenshots are kept in $KIL_TEST_ARTIFACTS (default: kil-artifacts/market in the system's
temporary folder), whose path the test prints, so a closing note can cite them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support.market import seed_market
from tests.support.market_notices import seed_notices
from tests.web.liveserver import serve_subprocess
from tests.web.test_browser import browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGE = "/market?region=north-west&week=2026-W48"


def _axe_js() -> Path:
    """axe-core's script: from the project's validators (tests/validators, installed by
    scripts/test) when present, else $AXE_CORE_JS."""
    try:
        from tests.support.validators import axe_script  # type: ignore[import-not-found]
    except ImportError:
        path = Path(os.environ.get("AXE_CORE_JS", "/nonexistent"))
        if not path.is_file():
            pytest.skip("axe-core is not installed (npm axe-core; or set AXE_CORE_JS)")
        return path
    return axe_script()


@pytest.fixture
def live(kil_env: dict[str, str], engine: Engine) -> Iterator[str]:
    seed_market(engine)
    seed_notices(engine)
    with serve_subprocess(kil_env) as base:
        yield base


def _check(chromium, url: str, shot: Path, axe: Path, charts: dict[str, str], **options) -> None:  # type: ignore[no-untyped-def]
    """Under the site's CSP: each chart's marks drawn in their colour (`charts`: root id ->
    stroke), nothing refused, nothing wider than the window, a screenshot; then axe, which
    is a script the CSP would refuse, in a context that bypasses it."""
    context = chromium.new_context(**options)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    response = page.goto(url)
    assert response.status == 200
    for chart, colour in charts.items():
        # presentation attributes survive the CSP: the marks keep their colour
        stroke = page.evaluate(
            f"getComputedStyle(document.querySelector('#{chart} path[stroke=\"{colour}\"]')).stroke"
        )
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert stroke == f"rgb({red}, {green}, {blue})", chart
    assert page.locator("svg[role=img]").count() == len(charts)
    width = options["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert refused == [], refused
    context.close()
    context = chromium.new_context(bypass_csp=True, **options)
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document)")
    problems = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert problems == [], problems
    assert result["passes"], "axe checked nothing"
    context.close()


@pytest.fixture
def artifacts() -> Path:
    folder = Path(
        os.environ.get("KIL_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "kil-artifacts"
    )
    folder = folder / "market"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
MARKET_CHARTS = {
    "chart-day-rates": "#1d4f91",  # the median line
    "chart-roles": "#a1420b",  # the new roles' hatched bars
    "chart-notices": "#a1420b",  # the awards' hatched bars
    "chart-notice-value": "#a1420b",
}


def test_market_desktop_and_phone(browser, live: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    axe = _axe_js()
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        shot = artifacts / f"market-{name}.png"
        _check(browser, live + PAGE, shot, axe, MARKET_CHARTS, **options)
        assert shot.stat().st_size > 10_000


def test_region_jobs_page_trend_line(browser, live: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import httpx

    from tests.support.waiting import wait_until

    axe = _axe_js()
    lines = {"chart-spark-new": "#a1420b", "chart-spark-rate": "#1d4f91"}
    wait_until(  # the trend lines come once the server's first read of the roles is done
        lambda: "<svg" in httpx.get(live + "/jobs?region=north-west", timeout=10).text or None,
        "the region page shows its trend lines",
    )
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        shot = artifacts / f"jobs-north-west-{name}.png"
        _check(browser, live + "/jobs?region=north-west", shot, axe, lines, **options)
