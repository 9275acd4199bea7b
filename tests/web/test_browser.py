"""End to end in real headless Chromium (Debian's, driven by Playwright) against `kil serve`:
subscribe through the form -> the confirmation email reaches the SMTP server -> open its
link -> confirmed in the database; search; filter jobs by region; screenshots of the pages."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import load_settings
from kil_feed.db import read_session
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.tokens import preferences_url, unsubscribe_url
from tests.conftest import IN_CI, ROOT
from tests.support.waiting import WAIT_SECONDS, wait_until
from tests.support.webdata import Archive
from tests.web.liveserver import serve_subprocess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = os.environ.get("KIL_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = _chromium_path()
    # expect() waits for its condition (a page that has loaded, a heading that changed):
    # give it the suite's generous deadline instead of Playwright's 5 s
    expect.set_options(timeout=WAIT_SECONDS * 1000)
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live(kil_env, smtp_server, archive: Archive) -> Iterator[str]:  # type: ignore[no-untyped-def]
    env = {**kil_env, "KIL_SMTP_URL": smtp_server.url}
    with serve_subprocess(env) as base:
        yield base


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_for_mail(smtp_server, count: int = 1):  # type: ignore[no-untyped-def]
    wait_until(lambda: len(smtp_server.messages) >= count, "the confirmation email's arrival")
    return smtp_server.messages


def test_subscribe_confirm_by_email_link(browser, live: str, smtp_server, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live + "/")
    shot(page, "home")
    form = page.locator("form.subscribe-form").first
    form.get_by_label("Email address").fill("browser.reader@example.org")
    form.get_by_label("Name").fill("Bea Browser")
    form.locator("summary").click()
    form.get_by_label("North West").check()
    form.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(live + "/subscribe")
    expect(page.locator("body")).to_contain_text("Check your inbox")
    shot(page, "subscribe-done")

    messages = wait_for_mail(smtp_server)
    assert smtp_server.recipients() == ["browser.reader@example.org"]
    body = messages[0].message.get_body(("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/confirm/\S+)", body).group(1)  # type: ignore[union-attr]
    with read_session(engine) as s:
        assert find_subscriber("browser.reader@example.org", session=s).status == "pending"

    page.goto(link)  # a page with a button: opening the link confirms nothing
    expect(page.locator("h1")).to_have_text("Confirm your subscription")
    with read_session(engine) as s:
        assert find_subscriber("browser.reader@example.org", session=s).status == "pending"
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.locator("h1")).to_have_text("You are subscribed")
    welcome = wait_for_mail(smtp_server, 2)[1].message
    assert welcome["Subject"] == "Welcome to Keep it Local feed"
    shot(page, "confirmed")
    with read_session(engine) as s:
        sub = find_subscriber("browser.reader@example.org", session=s)
        assert sub.status == "confirmed" and sub.regions == ["North West"]

    # the preferences link from an email: add a region, then unsubscribe with the button
    settings = load_settings()
    page.goto(live + preferences_url(settings, sub.id).removeprefix(settings.base_url))
    page.get_by_label("Wales").check()
    shot(page, "preferences")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("body")).to_contain_text("Your preferences are saved")
    page.goto(live + unsubscribe_url(settings, sub.id).removeprefix(settings.base_url))
    shot(page, "unsubscribe")
    with read_session(engine) as s:
        sub = find_subscriber("browser.reader@example.org", session=s)
        assert sub.regions == ["North West", "Wales"] and sub.status == "confirmed"
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")
    with read_session(engine) as s:
        assert find_subscriber("browser.reader@example.org", session=s).status == "unsubscribed"
    page.close()


def test_search_and_filter_jobs_by_region(browser, live: str, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live + "/")
    page.get_by_label("Search news and jobs").fill("procurement")
    page.get_by_label("Search news and jobs").press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=procurement"))
    assert page.locator("ol.search-results mark").count() >= 2
    assert page.locator("ol.search-results h2").first.inner_text() != ""
    shot(page, "search")

    page.goto(live + "/jobs")
    assert page.locator(".job-list article").count() == 3
    shot(page, "jobs")
    page.get_by_label("Region", exact=True).select_option("North West")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/jobs\?region=north-west"))
    expect(page.locator(".job-list h3")).to_have_text(["Interim Head of Procurement"])
    page.get_by_text("Interim Head of Procurement").click()
    expect(page.locator("h1")).to_have_text("Interim Head of Procurement")
    assert page.get_by_role("link", name="Apply at Interim Board").get_attribute("href") == (
        "https://jobs.example/head-of-procurement"
    )
    shot(page, "job")
    for name, path in (
        ("news", "/news"),
        ("issues", "/issues"),
        ("issue", f"/issues/{archive.issues['sent']}"),
        ("closed-job", f"/jobs/{archive.items['closed']}"),
    ):
        page.goto(live + path)
        shot(page, name)
    page.close()


def test_pages_work_on_a_phone(browser, live: str, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
    context = browser.new_context(**phone)
    page = context.new_page()
    for name, path in (
        ("phone-home", "/"),
        ("phone-jobs", "/jobs"),
        ("phone-job", f"/jobs/{archive.items['head']}"),
    ):
        page.goto(live + path)
        # nothing is wider than the screen: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        shot(page, name)
    context.close()
    # the subscribe form works with JavaScript switched off
    context = browser.new_context(java_script_enabled=False, **phone)
    page = context.new_page()
    page.goto(live + "/subscribe")
    page.get_by_label("Email address").fill("phone@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("body")).to_contain_text("Check your inbox")  # the response loaded
    context.close()


def test_api_docs_load_from_our_own_origin(browser, live: str) -> None:  # type: ignore[no-untyped-def]
    """Swagger UI renders the API under the strict CSP with every request to our origin."""
    page = browser.new_page()
    requested: list[str] = []
    violations: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: violations.append(m.text) if "Security" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    spec = httpx.get(live + "/api/openapi.json", timeout=WAIT_SECONDS).json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    page.goto(live + "/api/docs")
    expect(page.locator(".opblock-summary-path")).to_have_count(operations)  # every one
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/jobs/{item_id}" in [p.replace("\u200b", "") for p in paths], paths
    assert any(u.endswith("/static/swagger-ui/swagger-ui-bundle.js") for u in requested)
    assert any(u.endswith("/api/openapi.json") for u in requested)
    assert [u for u in requested if not u.startswith((live, "data:"))] == []
    assert violations == []
    shot(page, "api-docs")
    page.close()
