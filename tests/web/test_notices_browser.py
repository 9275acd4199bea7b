"""/notices, /notices/{id} and /buyers/{slug} in real headless Chromium against `kil serve`,
on real corpus notices: the filter form, the timeline and the official notice's link, the
buyer's notices, jobs and news; no CSP refusal, nothing wider than a phone, axe-core reports
no violations and the Nu Html Checker no errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from tests.support.notices import store_items, store_notices
from tests.support.validators import axe_script, vnu_errors
from tests.web.liveserver import serve_subprocess
from tests.web.test_accessibility import WIDTHS
from tests.web.test_browser import browser, expect, shot  # noqa: F401  (shared Chromium)
from tests.web.test_notices_web import FILES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DURHAM = "Murton MOD Area Victor West Peatland Restoration Project"
SWANSEA = (
    "Framework Agreement for the Provision of Agency Social Workers and Adult Services "
    "Support Lots 1 & 2"
)
TENDER = "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"


def _durham_job_and_news() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    now = datetime.now(UTC)
    job = {
        "kind": "job", "url": "https://jobs.example/durham-interim", "guid": "durham-interim",
        "title": "Interim Procurement Manager", "employer": "Durham County Council",
        "summary": "Interim procurement manager, £550 per day, 6 months.",
        "body_html": "<p>Interim procurement manager, £550 per day, 6 months.</p>",
        "location": "Durham", "closes_at": now + timedelta(days=20), "published": now,
    }  # fmt: skip
    news = [
        {"kind": "news", "url": "https://news.example/durham-cc-peat", "guid": "durham-cc-peat",
         "title": "Durham CC restores peatland at Murton",
         "summary": "The council has appointed a contractor.", "published": now},
        {"kind": "news", "url": "https://news.example/durham-cricket", "guid": "durham-cricket",
         "title": "Durham beat Yorkshire", "summary": "Durham County Cricket Club won.",
         "published": now},
    ]  # fmt: skip
    return [job], news


@pytest.fixture
def live(
    kil_env: dict[str, str], engine: Engine, settings: Settings, corpus_dir: Path
) -> Iterator[str]:  # noqa: E501
    store_notices(engine, settings, [corpus_dir / "ocds" / f for f in FILES])
    jobs, news = _durham_job_and_news()
    store_items(engine, settings, jobs, source="jobs", kind="jobs")
    store_items(engine, settings, news, source="news")
    with serve_subprocess(kil_env) as base:
        yield base


def _titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("article.card.notice h3.card-title a").all_inner_texts()


def test_filter_notices_open_one_and_its_buyer(browser, live: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(live + "/notices")
    expect(page.get_by_role("status")).to_have_text("10 notices")
    assert TENDER in _titles(page)
    shot(page, "notices")

    # the filter form: a region, then a stage with a buyer type, as a person picks them
    form = page.get_by_role("form", name="Filter notices")
    form.get_by_label("Region").select_option(label="Wales")
    form.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/notices\?region=wales"))
    expect(page.get_by_role("status")).to_have_text("1 notice in Wales")
    assert _titles(page) == [SWANSEA]
    expect(form.get_by_label("Region")).to_have_value("wales")  # the choice is kept
    form.get_by_label("Region").select_option(label="All regions")
    form.get_by_label("Stage").select_option(label="Contract")
    form.get_by_label("Buyer", exact=True).select_option(label="Local authority")
    form.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*stage=contract.*buyer_type=local-authority"))
    contracts = _titles(page)
    assert DURHAM in contracts and TENDER not in contracts and SWANSEA not in contracts
    page.goto(live + "/notices?closing_before=soon")
    expect(page.get_by_role("alert")).to_contain_text("invalid closing_before")
    shot(page, "notices-invalid")

    # one notice: its stages as a timeline, the official notice, its buyer
    page.goto(live + "/notices?stage=contract&buyer_type=local-authority")
    page.get_by_role("link", name=DURHAM).click()
    expect(page.locator("h1")).to_have_text(DURHAM)
    stages = page.locator("ol.timeline li").all_inner_texts()
    assert len(stages) == 2
    assert stages[0].startswith("Planned procurement · release 027320-2025")
    assert stages[1].startswith("Contract details published · release 092299-2026")
    official = page.get_by_role("link", name="Read the official notice")
    expect(official).to_have_attribute(
        "href", "https://www.find-tender.service.gov.uk/Notice/092299-2026"
    )
    facts = page.get_by_role("complementary", name="Notice details")
    expect(facts).to_contain_text("Dinsdale Moorland Specialists Ltd")
    expect(facts).to_contain_text("£395,493")
    shot(page, "notice")
    facts.get_by_role("link", name="Durham County Council").click()
    page.wait_for_url(live + "/buyers/durham-county-council")
    expect(page.locator("h1")).to_have_text("Durham County Council")
    expect(page.locator("article.buyer-page > p.meta")).to_contain_text(
        "Local authority · North East"
    )
    expect(page.get_by_role("heading", name="Notices (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Open jobs (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Interim Procurement Manager")).to_be_visible()
    # the story naming the council as "Durham CC", not the cricket club's
    expect(page.get_by_role("heading", name="News (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Durham CC restores peatland at Murton")).to_be_visible()
    shot(page, "buyer")
    assert refused == [], refused
    page.close()


def _pages(live: str) -> dict[str, str]:
    listing = httpx.get(live + "/api/notices", params={"stage": "contract", "limit": 100})
    durham = next(n for n in listing.json()["items"] if n["title"] == DURHAM)
    swansea = next(
        n for n in httpx.get(live + "/api/notices", params={"limit": 100}).json()["items"]
        if n["title"] == SWANSEA
    )  # fmt: skip
    return {
        "notices": "/notices",
        "notices-filtered": "/notices?region=wales&stage=tender&value=1m-10m",
        "notices-invalid": "/notices?closing_before=soon",
        "notices-empty": "/notices?cpv=999",
        "notice": f"/notices/{durham['id']}",
        "notice-tender": f"/notices/{swansea['id']}",
        "buyer": "/buyers/durham-county-council",
        "buyer-few": "/buyers/leeds-city-council",
        "buyers": "/buyers",
        "buyers-search": "/buyers?q=city+and+county&sort=name",
        "buyers-empty": "/buyers?q=Nowhere",
        "buyers-invalid": "/buyers?sort=random",
    }


def test_notice_pages_pass_axe_and_fit_a_phone(browser, live: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    script = axe_script().read_text(encoding="utf-8")
    problems: dict[str, list[str]] = {}
    pages = _pages(live)
    for width, options in WIDTHS.items():
        # axe is injected as a script, which the site's CSP (no scripts) would refuse
        context = browser.new_context(bypass_csp=True, **options)
        page = context.new_page()
        for name, path in pages.items():
            response = page.goto(live + path)
            assert response is not None and response.status == (
                422 if name.endswith("-invalid") else 200
            ), path
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > options["viewport"]["width"]:  # type: ignore[index]
                problems.setdefault(f"{width} {name}", []).append(f"{scroll}px wide")
            page.add_script_tag(content=script)
            result = page.evaluate("async () => await axe.run(document)")
            assert result["passes"], f"axe checked nothing on {path}"
            for v in result["violations"]:
                for n in v["nodes"]:
                    problems.setdefault(f"{width} {name}", []).append(
                        f"{v['id']} ({v['impact']}): {n['target']} {n['failureSummary'][:160]}"
                    )
            if width == "phone":
                shot(page, f"phone-{name}")
        context.close()
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_notice_pages_are_valid_html(live: str, tmp_path: Path) -> None:
    folder = tmp_path / "html"  # tmp_path also holds the test's database
    folder.mkdir()
    for name, path in _pages(live).items():
        (folder / f"{name}.html").write_text(httpx.get(live + path).text, encoding="utf-8")
    assert len(list(folder.glob("*.html"))) == 12
    errors = vnu_errors(folder)
    assert errors == [], "\n".join(errors)
