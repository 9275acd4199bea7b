"""axe-core (npm's, injected with Playwright) on every page type, at desktop and phone
widths, in real Chromium against `kil serve`: zero violations of any rule axe runs by
default (WCAG 2 A/AA and best practices). Swagger UI (`/api/docs`, a third-party bundle) is
left out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kil_feed.config import load_settings
from kil_feed.tokens import preferences_url, unsubscribe_url
from tests.support.validators import axe_script
from tests.support.webdata import Archive
from tests.web.test_browser import browser, live  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
    },
}


def _pages(archive: Archive) -> dict[str, str]:
    settings = load_settings()
    base = settings.base_url
    sub = archive.subscribers["reader"]
    return {
        "home": "/",
        "news": "/news",
        "news filtered": "/news?region=north-west",
        "jobs": "/jobs",
        "jobs filtered": "/jobs?region=north-west&sort=pay",
        "job": f"/jobs/{archive.items['head']}",
        "closed job": f"/jobs/{archive.items['closed']}",
        "issues": "/issues",
        "issue": f"/issues/{archive.issues['sent']}",
        "search": "/search",
        "search results": "/search?q=procurement",
        "search nothing": "/search?q=zanzibar",
        "subscribe": "/subscribe",
        "preferences": preferences_url(settings, sub).removeprefix(base),
        "unsubscribe": unsubscribe_url(settings, sub).removeprefix(base),
        "not found": "/issues/999999",
        "invalid filter": "/jobs?rate_min=abc",
    }


@pytest.fixture
def axe_pages(browser, live: str, archive: Archive) -> Iterator[dict[str, list[str]]]:  # noqa: F811
    """{"width page": [violations]} for every page at every width."""
    script = axe_script().read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for width, options in WIDTHS.items():
        # axe is injected as a script, which the site's CSP (no scripts) would refuse
        context = browser.new_context(bypass_csp=True, **options)
        page = context.new_page()
        for name, path in _pages(archive).items():
            page.goto(live + path)
            page.add_script_tag(content=script)
            result = page.evaluate("async () => await axe.run(document)")
            found[f"{width} {name}"] = [
                f"{v['id']} ({v['impact']}): {n['target']} {n['failureSummary'][:160]}"
                for v in result["violations"]
                for n in v["nodes"]
            ]
            assert result["passes"], f"axe checked nothing on {path}"
        context.close()
    yield found


def test_no_accessibility_violations(axe_pages: dict[str, list[str]]) -> None:
    problems = {page: v for page, v in axe_pages.items() if v}
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)
    assert len(axe_pages) == 2 * 17


def test_pages_may_fetch_robots_txt_but_run_no_script(browser, live: str) -> None:  # noqa: F811
    """Under the page CSP, an auditor's fetch of /robots.txt from the page works (Lighthouse
    SEO), while an injected script still does not run."""
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(live + "/")
    robots = page.evaluate(
        "async () => { const r = await fetch('/robots.txt'); return [r.status, await r.text()]; }"
    )
    assert robots[0] == 200 and "Sitemap:" in robots[1]
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.head.appendChild(s); }"
    )
    assert page.evaluate("() => window.ran === undefined")
    context.close()
