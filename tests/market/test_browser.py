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


def _check(chromium, live: str, shot: Path, axe: Path, **options) -> None:  # type: ignore[no-untyped-def]
    """Under the site's CSP: colours applied, nothing refused, a screenshot; then axe, which
    is a script the CSP would refuse, in a context that bypasses it."""
    context = chromium.new_context(**options)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    response = page.goto(live + PAGE)
    assert response.status == 200
    # the median line is drawn in its colour: presentation attributes survive the CSP
    stroke = page.evaluate(
        "getComputedStyle(document.querySelector('#chart-day-rates path[stroke=\"#1d4f91\"]'))"
        ".stroke"
    )
    assert stroke == "rgb(29, 79, 145)"
    assert page.locator("svg[role=img]").count() == 4  # two of the jobs, two of the notices
    width = options["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert refused == [], refused
    context.close()
    context = chromium.new_context(bypass_csp=True, **options)
    page = context.new_page()
    page.goto(live + PAGE)
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


def test_market_desktop_and_phone(browser, live: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    axe = _axe_js()
    _check(
        browser,
        live,
        artifacts / "market-desktop.png",
        axe,
        viewport={"width": 1280, "height": 900},
    )
    phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
    _check(browser, live, artifacts / "market-phone.png", axe, **phone)
    assert (artifacts / "market-phone.png").stat().st_size > 10_000
