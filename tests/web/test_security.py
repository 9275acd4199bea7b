"""Security rules on every page: CSP and friends, sanitised scraped HTML, private pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kil_feed.config import Settings
from kil_feed.errors import ConfigError
from kil_feed.web.security import CSRF_COOKIE, CSRF_FIELD, RateLimiter
from kil_feed.web.templating import sanitize
from tests.support.waiting import settled_response
from tests.support.webdata import XSS_BODY, Archive

PAGES = [
    "/",
    "/issues",
    "/news",
    "/jobs",
    "/search?q=council",
    "/subscribe",
    "/feeds/news.xml",
    "/api/items",
    "/robots.txt",
    "/static/kil.css",
    "/does-not-exist",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # no scripts at all on our pages
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


def test_issue_and_job_pages_have_csp(client: TestClient, archive: Archive) -> None:
    for path in (f"/issues/{archive.issues['sent']}", f"/jobs/{archive.items['head']}"):
        assert "default-src 'none'" in client.get(path).headers["content-security-policy"]


def test_pages_load_no_third_party_assets(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/static/kil.css"' in html
    assert "cdn" not in html.lower() and "<script" not in html


def test_sanitize_keeps_text_drops_scripts_and_js_links() -> None:
    clean = str(sanitize(XSS_BODY))
    assert "<p>Fine text</p>" in clean
    assert "<script" not in clean and "onerror" not in clean and "javascript:" not in clean


def test_job_body_is_sanitised_on_the_page(client: TestClient, archive: Archive) -> None:
    html = client.get(f"/jobs/{archive.items['head']}").text
    assert "<strong>category teams</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_token_pages_are_private(client: TestClient, settings: Settings, archive: Archive) -> None:
    from kil_feed.tokens import unsubscribe_url

    path = unsubscribe_url(settings, archive.subscribers["reader"]).removeprefix(settings.base_url)
    headers = client.get(path).headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"


def test_app_refuses_to_start_without_a_secret_key(settings: Settings) -> None:
    from kil_feed.web.app import create_app

    with pytest.raises(ConfigError):
        create_app(settings.model_copy(update={"secret_key": settings.secret_key.__class__("")}))


def test_rate_limiter_window(any_engine) -> None:  # type: ignore[no-untyped-def]
    """Counted in the database on both backends, one count for every limiter (worker) on
    the same database; attempts count for a window's length, not until its boundary."""
    limiter = RateLimiter(any_engine, 2, window=3600)
    start = 1_800_000_000.0  # the start of a window (a multiple of 3600)
    assert limiter.hit("a", now=start) and limiter.hit("a", now=start + 1)
    assert not limiter.hit("a", now=start + 2)
    assert limiter.hit("b", now=start + 3)  # per client
    other_worker = RateLimiter(any_engine, 2, window=3600)
    assert not other_worker.hit("a", now=start + 4)
    assert not limiter.hit("a", now=start + 3600)  # the last hour still has a's attempts
    assert limiter.hit("a", now=start + 3 * 3600)  # an hour with none of them


def test_rate_limiter_slides_across_the_window_boundary(any_engine) -> None:  # type: ignore[no-untyped-def]
    """Two attempts in a window's last seconds and a third just after its boundary: the
    third is the third within an hour, so it is refused (fixed windows would let a client
    make twice its limit there). The earlier window counts in proportion to the part of
    it the last hour still covers."""
    limiter = RateLimiter(any_engine, 2, window=3600)
    start = 1_800_000_000.0  # the start of a window (a multiple of 3600)
    assert limiter.hit("a", now=start - 2) and limiter.hit("a", now=start - 1)
    assert not limiter.hit("a", now=start + 1)  # 1 + 2 x 3599/3600 attempts: over 2
    # two windows on, half an hour in: this one + half of the one refused attempt before
    assert limiter.hit("a", now=start + 2 * 3600 + 1800)


def test_form_regions_are_the_classifier_regions() -> None:
    """Signup and preference forms offer exactly the ITL1 names items are tagged with."""
    from crawler.classify.gazetteer import ITL1_REGIONS
    from kil_feed.web.routes import pages, subscriptions

    assert tuple(subscriptions.ITL1_REGIONS) == tuple(ITL1_REGIONS)
    assert tuple(pages.ITL1_REGIONS) == tuple(ITL1_REGIONS)


def test_the_trailing_slash_redirect_never_names_a_host(
    client: TestClient, archive: Archive
) -> None:
    """`/news/` with `Host: evil.example` redirected to http://evil.example/news: any cache
    or proxy passing the header on made it an open redirect. The Location is the path and
    query only."""
    head = archive.items["head"]
    for path, location in (
        ("/news/", "/news"),
        ("/jobs/?region=north-west&page=1", "/jobs?region=north-west&page=1"),
        (f"/jobs/{head}/", f"/jobs/{head}"),
        ("/api/items/", "/api/items"),
        ("/news///", "/news"),
    ):
        response = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
        assert response.status_code == 307, path
        assert response.headers["location"] == location, path
    assert client.get("/news/", follow_redirects=True).url.path == "/news"
    missing = client.get("/no-such-page/", headers={"host": "evil.example"})
    assert missing.status_code == 404 and "location" not in missing.headers


REVALIDATED = ["/news", "/jobs", "/buyers", "/jobs/{head}", "/issues/{sent}"]
FORMS = ["/", "/subscribe"]


def test_a_304_never_pairs_a_cached_form_with_another_cookie(
    client: TestClient, archive: Archive
) -> None:
    """A 304 tells the browser to show its copy: had that copy a form, its token would have
    to match the cookie the 304 leaves. So a page with validators (`no-cache`) holds no
    CSRF token and sets no cookie, on the 200 or the 304, for a visitor with no cookie or
    a stale one; a page with a form sends no validator (each view is a 200 with its token
    and the cookie that matches it)."""
    for template in REVALIDATED:
        path = template.format(head=archive.items["head"], sent=archive.issues["sent"])
        for cookie in (None, "stale-token"):
            client.cookies.clear()
            if cookie:
                client.cookies.set(CSRF_COOKIE, cookie)
            page = settled_response(client, path)
            assert page.headers["cache-control"] == "no-cache", path
            assert "set-cookie" not in page.headers and CSRF_FIELD not in page.text, path
            for headers in (
                {"if-none-match": page.headers["etag"]},
                {"if-modified-since": page.headers["last-modified"]},
            ):
                cached = client.get(path, headers=headers)
                assert cached.status_code == 304 and "set-cookie" not in cached.headers, path
    for path in FORMS:
        client.cookies.clear()
        page = client.get(path)
        assert "etag" not in page.headers and "last-modified" not in page.headers, path
        token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', page.text)
        assert token and page.cookies[CSRF_COOKIE] == token[1], path
        again = client.get(path, headers={"if-none-match": "*"})
        assert again.status_code == 200 and "set-cookie" not in again.headers, path
        assert f'value="{token[1]}"' in again.text, path  # the cookie's token, kept


def test_a_form_page_stays_out_of_shared_caches(client: TestClient) -> None:
    """A page with a form holds the visitor's own CSRF token (and sets its cookie the first
    time): a shared cache must not hand it to the next visitor, nor a browser reuse it
    unasked, whether the token is new or the cookie's."""
    for path in FORMS:
        client.cookies.clear()
        for _ in range(2):  # a new token, then the cookie's
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers["cache-control"] == "private, no-cache", path
