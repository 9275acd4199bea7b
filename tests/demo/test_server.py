"""The demo site's server: placeholders, conditional GET, paths, content types."""

from __future__ import annotations

import email.utils
import http.client
from datetime import UTC, datetime, timedelta

import pytest

from kil_feed.demo.server import DemoSite, PlaceholderError, fill_placeholders

NOW = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)


def _get(site: DemoSite, path: str, headers: dict[str, str] | None = None, method: str = "GET"):  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with DemoSite(now=NOW) as running:
        yield running


def test_placeholders_are_filled_relative_to_now() -> None:
    text = (
        "{{base_url}}/x | {{days_ago:3}} | {{days_ago:1.5|rfc822}} | {{days_ahead:10|date}} "
        "| {{days_ago:0|human}}"
    )
    out = fill_placeholders(text, base_url="http://127.0.0.1:9/", now=NOW)
    assert out == (
        "http://127.0.0.1:9/x | 2026-11-22T18:30:00+00:00 | Tue, 24 Nov 2026 06:30:00 +0000 "
        "| 2026-12-05 | 25 November 2026"
    )


@pytest.mark.parametrize("bad", ["{{days_ago}}", "{{nope:1}}", "{{days_ago:1|klingon}}"])
def test_unknown_placeholders_are_an_error(bad: str) -> None:
    with pytest.raises(PlaceholderError):
        fill_placeholders(bad, base_url="http://x", now=NOW)


def test_every_bundled_file_fills_without_leftovers(site: DemoSite) -> None:
    for file in sorted(p for p in site.root.rglob("*") if p.is_file()):
        path = "/" + file.relative_to(site.root).as_posix()
        page = site.render(path)
        assert page is not None, path
        text = page.body.decode("utf-8")
        assert "{{" not in text and "}}" not in text, path


def test_serves_pages_with_base_url_and_dates(site: DemoSite) -> None:
    status, headers, body = _get(site, "/feeds/news.rss")
    assert status == 200
    assert headers["Content-Type"].startswith("application/rss+xml")
    text = body.decode()
    assert f"<link>{site.base_url}/stories/" in text
    three_days = email.utils.format_datetime(NOW - timedelta(days=3.7))
    assert three_days in text


def test_directory_index_robots_and_404(site: DemoSite) -> None:
    status, headers, body = _get(site, "/news/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'class="news-card"' in body
    status, _, body = _get(site, "/robots.txt")
    assert status == 200 and f"Sitemap: {site.base_url}/sitemap.xml".encode() in body
    assert _get(site, "/no/such/page.html")[0] == 404
    assert _get(site, "/../../etc/passwd")[0] == 404
    assert _get(site, "/%2e%2e/%2e%2e/etc/passwd")[0] == 404


def test_conditional_get_with_etag(site: DemoSite) -> None:
    status, headers, body = _get(site, "/jobs/feed.xml")
    assert status == 200 and body
    etag = headers["ETag"]
    status, headers2, body2 = _get(site, "/jobs/feed.xml", {"If-None-Match": etag})
    assert status == 304 and body2 == b"" and headers2["ETag"] == etag
    status, _, _ = _get(site, "/jobs/feed.xml", {"If-None-Match": '"something-else"'})
    assert status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110)
    later = email.utils.format_datetime(NOW + timedelta(days=1), usegmt=True)
    assert (
        _get(site, "/jobs/feed.xml", {"If-None-Match": '"x"', "If-Modified-Since": later})[0] == 200
    )


def test_conditional_get_with_last_modified(site: DemoSite) -> None:
    status, headers, _ = _get(site, "/feeds/insight.atom")
    last_modified = headers["Last-Modified"]
    assert email.utils.parsedate_to_datetime(last_modified) == NOW
    assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": last_modified})[0] == 304
    earlier = email.utils.format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": earlier})[0] == 200
    assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": "garbage"})[0] == 200


def test_head_has_headers_but_no_body(site: DemoSite) -> None:
    status, headers, body = _get(site, "/jobs/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_same_start_same_documents_new_start_new_dates() -> None:
    url = "http://127.0.0.1:8123"
    a = DemoSite(now=NOW).render("/feeds/news.rss", url)
    b = DemoSite(now=NOW + timedelta(seconds=20)).render("/feeds/news.rss", url)
    c = DemoSite(now=NOW + timedelta(days=1)).render("/feeds/news.rss", url)
    assert a is not None and b is not None and c is not None
    assert a.etag == b.etag  # the same minute: the same document and validator
    assert a.etag != c.etag


def test_conditional_dates_are_read_as_the_web_archive_reads_them(site: DemoSite) -> None:
    """The demo publisher reads preconditions with the web archive's one helper (RFC 9110):
    all three HTTP-date forms count, anything else is ignored (a 200), never an error."""
    asctime = NOW.strftime("%a %b %d %H:%M:%S %Y")  # "Wed Nov 25 18:30:00 2026"
    rfc850 = NOW.strftime("%A, %d-%b-%y %H:%M:%S GMT")
    assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": asctime})[0] == 304
    assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": rfc850})[0] == 304
    for ignored in (
        "Wed, 25 Nov 99999999999999999999 18:30:00 GMT",  # was an OverflowError, no answer
        NOW.strftime("%a, %d %b %Y %H:%M:%S +0000"),  # not GMT: not an HTTP-date
    ):
        assert _get(site, "/feeds/insight.atom", {"If-Modified-Since": ignored})[0] == 200, ignored


def test_ocds_files_are_served_as_json_byte_for_byte(site: DemoSite) -> None:
    """The real Find a Tender documents answer as the API does, `application/json` (they
    were `application/octet-stream`, which `kil sources check` showed), and unchanged."""
    for name in ("fts-release-package.json", "durham-record-package.json"):
        status, headers, body = _get(site, f"/ocds/{name}")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert body == (site.root / "ocds" / name).read_bytes()
