"""The email on a phone (real headless Chromium, 375 px wide): a title or summary with a
word or URL longer than the screen wraps inside its card instead of widening the whole
email, which cuts every line of it off at the screen's edge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from newsletter.build import build_issue
from newsletter.content import load_issue_content
from newsletter.render import Audience, Renderer
from tests.newsletter.world import NOW, World

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")

WORD = "Supercalifragilisticexpialidociousprocurementframeworkagreementrenewal2026"
LINK = "https://www.contractsfinder.service.gov.uk/notice/" + "a1b2c3d4" * 8


def test_a_long_word_or_url_does_not_widen_the_email_on_a_phone(
    engine: Engine, settings: Settings, world: World, tmp_path: Path
) -> None:
    from tests.web.test_browser import LAUNCH_ARGS, _chromium_path

    with write_session(engine) as s:
        save_item(
            Item(
                source_id=world.sources["lg"],
                kind="news",
                title=f"Councils sign the {WORD} deal",
                summary=f"The notice is at {LINK} for every bidder.",
                url="https://news.example.org/long-words",
                status="approved",
                featured=True,
                published_at=NOW - timedelta(days=1),
                collected_at=NOW - timedelta(days=1),
            ),
            session=s,
        )
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    html = Renderer(settings, load_issue_content(engine, issue.id)).render(Audience()).html
    assert WORD in html and LINK in html
    page_file = tmp_path / "issue.html"
    page_file.write_text(html, encoding="utf-8")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=_chromium_path(), args=LAUNCH_ARGS, headless=True
        )
        try:
            page = chromium.new_page(viewport={"width": 375, "height": 800})
            page.goto(page_file.as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
        finally:
            chromium.close()
    assert width <= 375, f"the email is {width} px wide on a 375 px screen"
