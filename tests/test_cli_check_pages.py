"""`kil sources check` on a source of linked pages names each page that failed, with its
HTTP status or why it could not be read (a crawl goes on past them; the check said OK)."""

from __future__ import annotations

import json

from tests.support.crawl import FAST_CRAWL_ENV

ARTICLE = """<html><head><title>Council brings repairs in house</title></head><body><article>
<h1>Council brings repairs in house</h1><time datetime="2026-11-30">30 November 2026</time>
<p>The council agreed to bring its housing repairs service back in house after the
outsourced contract ended early, saving money and creating local jobs.</p></article>
</body></html>"""


def _listing(*paths: str) -> str:
    links = "".join(f'<li><a href="{p}">Procurement news story number {n}</a></li>'
                    for n, p in enumerate(paths))  # fmt: skip
    return f"<html><body><main><ul>{links}</ul></main></body></html>"


def test_check_of_pages_names_the_pages_that_failed(cli, http_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    http_server.add("/news/repairs-in-house", ARTICLE)
    listing = http_server.add(
        "/news/", _listing("/news/repairs-in-house", "/news/gone", "/status/503")
    )
    cli("sources", "add", "pages", listing, "--kind", "page", "--option",
        "follow_pattern=/(news|status)/")  # fmt: skip

    checked = json.loads(cli("sources", "check", "pages", "--json").output)
    assert checked["error"] is None and len(checked["items"]) == 1
    failed = sorted(checked["page_errors"], key=lambda p: p["url"])
    assert failed == [
        {"url": http_server.url("/news/gone"), "http_status": 404, "error": "HTTP 404"},
        {"url": http_server.url("/status/503"), "http_status": 503, "error": "HTTP 503"},
    ]
    shown = cli("sources", "check", "pages").output
    assert "pages failed: 2" in shown
    assert f"{http_server.url('/news/gone')}: HTTP 404" in shown


def test_check_of_jobs_names_a_page_that_is_no_advert(cli, http_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    http_server.add("/jobs/about-us", "<html><body><p>About the council.</p></body></html>")
    link = '<a href="/jobs/about-us">Interim Head of Procurement</a>'
    listing = http_server.add("/jobs/", f"<html><body>{link}</body></html>")
    cli("sources", "add", "jobs", listing, "--kind", "jobs", "--option", "follow_pattern=/jobs/")

    checked = json.loads(cli("sources", "check", "jobs", "--json").output)
    assert checked["error"] is None
    assert checked["page_errors"] == [
        {"url": http_server.url("/jobs/about-us"), "http_status": 200, "error": "not a job advert"}
    ]
