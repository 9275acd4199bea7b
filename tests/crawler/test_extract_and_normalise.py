"""Pure extraction and normalisation functions on real corpus files and hostile input."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.dedupe_keys import fingerprint, title_key
from crawler.extract.feed import parse_feed
from crawler.extract.jobs import jobs_from_json
from crawler.extract.text import shorten
from crawler.middlewares import PrivateNetworkMiddleware
from crawler.netguard import BlockedURL, check_url
from crawler.normal import canonical_link, canonical_url, canonicalise, parse_date, sanitise_html


def test_billion_laughs_and_xxe_are_not_expanded(data_dir, tmp_path):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    parsed = parse_feed((data_dir / "billion_laughs.xml").read_bytes(), "http://x/")
    assert time.monotonic() - started < 2
    for entry in parsed.entries:
        assert "lollollol" not in entry["title"] + entry["body_html"]
    secret = tmp_path / "s.txt"
    secret.write_text("TOP-SECRET")
    xxe = (data_dir / "xxe_template.xml").read_text().replace("SECRET_PATH", str(secret))
    parsed = parse_feed(xxe.encode(), "http://x/")
    assert all("TOP-SECRET" not in e["title"] + e["body_html"] for e in parsed.entries)


def test_feed_entries_from_corpus(corpus_dir):  # type: ignore[no-untyped-def]
    body = (corpus_dir / "feeds" / "bbc_news_uk_politics_2018-12-19.rss").read_bytes()
    parsed = parse_feed(body, "http://x/feed")
    assert parsed.problem is None and len(parsed.entries) == 33
    first = parsed.entries[0]
    assert first["title"] and first["url"].startswith("http") and first["published"]


def test_feedparser_gets_the_same_cp1252_mapping_as_a_list() -> None:
    from feedparser import html, mixin

    parse_feed(b'<rss version="2.0"><channel><title>x</title></channel></rss>', "http://x/")
    assert isinstance(mixin._cp1252, list)  # what parse_feed gives the parser
    text = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    assert text.translate(mixin._cp1252) == text.translate(html._cp1252)  # its own dict
    entry = parse_feed(
        b'<rss version="2.0"><channel><item><title>A &#150; b</title><link>http://x/1</link>'
        b"</item></channel></rss>",
        "http://x/",
    ).entries[0]
    assert entry["title"] == "A \u2013 b"  # C1 control read as the cp1252 en dash


def test_jobposting_from_nhs_jobs_json(corpus_dir):  # type: ignore[no-untyped-def]
    body = (corpus_dir / "jobs" / "nhsjobs_jobposting_916234107.json").read_bytes()
    (job,) = jobs_from_json(body, "http://x/job")
    assert job["kind"] == "job" and job["employer"] == "Cygnet Health Care"
    assert "Harrogate" in job["location"]
    # the advert's once-escaped HTML (`&lt;p&gt;...`) is repaired into markup
    assert job["body_html"].startswith(
        "<p><strong>*Interim position - 3 months*</strong></p>\n"
        "<p>We are looking for a <strong>Clinical Manager (RMN/RNLD)</strong> with a passion"
    )
    assert "&lt;" not in job["body_html"] and "&gt;" not in job["body_html"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.ORG/a?utm_source=x&b=2&a=1&fbclid=z#top", "http://example.org/a?a=1&b=2"),
        ("https://example.org/path?gclid=1", "https://example.org/path"),
        ("javascript:alert(1)", None),
        ("ftp://example.org/file", None),
    ],
)
def test_canonical_url(raw: str, expected: str | None) -> None:
    assert canonical_url(raw) == expected


def test_canonical_url_shortcut_agrees_with_the_long_way(corpus_dir):  # type: ignore[no-untyped-def]
    """URLs taken as canonical as they are (no w3lib call) are exactly what w3lib gives."""
    urls = [
        entry["url"]
        for folder in ("feeds", "feeds_nasty")
        for path in sorted((corpus_dir / folder).iterdir())
        for entry in parse_feed(path.read_bytes(), "http://x/feed").entries
    ]
    rng = random.Random(14)
    host_chars, path_chars = "abz09-.", "aZ09-._~/%?#:;@!+"
    for _ in range(5000):
        host = "".join(rng.choice(host_chars) for _ in range(rng.randint(1, 70)))
        path = "".join(rng.choice(path_chars) for _ in range(rng.randint(0, 12)))
        urls.append(f"{rng.choice(['http', 'https', 'HTTP'])}://{host}/{path}")
    urls += [
        "https://a.example",
        "https://a.example/./b",
        "https://a.example/b/..",
        "https://a--b.example/",
        "/relative/path",
        "//other.example/x",
    ]
    shortcut = [url for url in urls if canonical_url(url) is not None and url == canonical_url(url)]
    assert len(shortcut) > 1000  # the shortcut is taken
    for url in urls:
        assert canonical_url(url) == canonicalise(url), url
        for base in ("https://base.example/a/b", "http://base.example"):
            assert canonical_link(base, url) == canonicalise(urljoin(base, url)), (base, url)


def test_sanitise_html_keeps_text_drops_active_content() -> None:
    html = (
        '<p onclick="x()">Hi <a href="/rel">r</a> <a href="javascript:x()">j</a></p>'
        '<img src="data:image/png;base64,AAAA" onerror="x()"><script>bad()</script>'
        '<svg onload="x()"></svg>'
    )
    clean = sanitise_html(html, "https://example.org/news/")
    assert "Hi" in clean and 'href="https://example.org/rel"' in clean
    for bad in ("onclick", "javascript:", "data:", "<script", "bad()", "onload", "<svg", "onerror"):
        assert bad not in clean


def test_dates() -> None:
    assert parse_date("Tue, 01 Sep 2026 08:00:00 GMT") == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert parse_date("2026-10-01T09:30:00+01:00") == datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
    assert parse_date("15 March 2026") == datetime(2026, 3, 15, 0, tzinfo=UTC)
    assert parse_date("not a date at all") is None
    # a zone RFC 822 does not name: British Summer Time is an hour ahead (it was read as UTC)
    assert parse_date("Wed, 01 Jul 2026 09:00:00 BST") == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert parse_date("Wed, 01 Jul 2026 09:00:00 CEST") == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert parse_date("Wed, 01 Jul 2026 09:00:00 EDT") == datetime(2026, 7, 1, 13, tzinfo=UTC)
    assert parse_date("Wed, 01 Jul 2026 09:00:00 +0100") == datetime(2026, 7, 1, 8, tzinfo=UTC)


def test_summary_is_short() -> None:
    text = "word " * 200
    assert len(shorten(text.strip(), 300)) <= 300


def test_summary_cut_is_the_projects_one_cut() -> None:
    """The crawler's summaries and kil_feed's cards cut with one function. The crawler's own
    copy dropped a whole word that ended exactly where the ellipsis goes ("bb" below)."""
    from kil_feed import text as kil_text

    assert kil_text.shorten is shorten
    assert shorten("aaaaaaa bb cccc", 11) == "aaaaaaa bb…"


def test_dedupe_keys() -> None:
    assert title_key("Council Brings Repairs In-House!") == title_key(
        "council brings repairs in house"
    )
    assert title_key("Short title") == ""  # too short to identify a story
    assert title_key("Class Teacher", "job", "Leeds Council") != title_key(
        "Class Teacher", "job", "York Council"
    )
    text = " ".join(f"word{i}" for i in range(100))
    assert fingerprint(text) == fingerprint("<p>" + text + "</p>") != ""
    assert fingerprint("too short") == ""


def test_url_guard() -> None:
    private = ("http://127.0.0.1/feed", "http://localhost:8000/", "http://10.1.2.3/",
               "http://[::1]/", "http://169.254.169.254/latest", "http://192.168.0.1/")  # fmt: skip
    for url in private:
        with pytest.raises(BlockedURL):
            check_url(url, allow_private=False)
        check_url(url, allow_private=True)
    for url in ("file:///etc/passwd", "gopher://x/", "javascript:alert(1)"):
        with pytest.raises(BlockedURL):
            check_url(url, allow_private=True)
    check_url("https://93.184.216.34/feed", allow_private=False)


def test_middleware_refuses_private_redirect_hop() -> None:
    middleware = PrivateNetworkMiddleware(allow_private=False)
    hop = Request("http://127.0.0.1:8080/admin", meta={"redirect_urls": ["https://93.184.216.34/"]})
    with pytest.raises(IgnoreRequest):
        middleware.process_request(hop)
    assert middleware.process_request(Request("https://93.184.216.34/feed")) is None
    assert PrivateNetworkMiddleware(allow_private=True).process_request(hop) is None


def test_no_crawler_module_imports_kil_feed_or_the_database_layer() -> None:
    """Every module of `crawler/`, imported in a fresh interpreter, loads neither kil_feed
    nor SQLAlchemy/SQLModel: the crawler knows only Scrapy and parsing libraries."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = sorted(
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for path in (root / "crawler").rglob("*.py")
    )
    assert len(modules) > 30 and "crawler.records" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "bad = sorted(top & {'kil_feed', 'sqlalchemy', 'sqlmodel'})\n"
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_parsers_load_on_first_use() -> None:
    """A crawl where every source answers 304 parses nothing, and start-up is most of its
    time: the spiders and pipelines alone must not load the parsers and rule tables."""
    code = (
        "import sys, crawler.spiders.feeds, crawler.spiders.pages, crawler.spiders.jobs, "
        "crawler.pipelines.validate, crawler.pipelines.normalise, crawler.pipelines.classify, "
        "crawler.pipelines.dedupe, crawler.pipelines.store\n"
        "heavy = ('feedparser', 'crawler.classify', 'extruct', 'dateparser')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_relative_links_in_feeds_become_absolute(corpus_dir):  # type: ignore[no-untyped-def]
    body = (corpus_dir / "feeds_nasty" / "relative_urls_neverwinter.xml").read_bytes()
    parsed = parse_feed(body, "http://feeds.example/nw.xml")
    assert parsed.entries
    for entry in parsed.entries:
        assert entry["url"].startswith("/")  # relative in the feed; normalise joins it
        html = sanitise_html(entry["body_html"] + '<a href="/x">x</a>', entry["base_url"])
        assert 'href="/' not in html and 'href="http://feeds.example/x"' in html


def test_scrapy_list_from_the_repo_root() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=root, capture_output=True, text=True
    )
    assert out.stdout.split() == [
        "feeds",
        "feeds_worker",
        "jobs",
        "jobs_worker",
        "notices",
        "notices_worker",
        "pages",
        "pages_worker",
    ], out.stderr


def test_a_crawl_imports_only_its_own_spider() -> None:
    """`scrapy crawl feeds` loads the feeds spider's module, not the job, notice and worker
    spiders' (extruct, OCDS, scrapy-redis); `list` and an unknown name still see them all."""
    from pathlib import Path

    code = (
        "import sys\n"
        "from scrapy.spiderloader import get_spider_loader\n"
        "from scrapy.utils.project import get_project_settings\n"
        "loader = get_spider_loader(get_project_settings())\n"
        "assert loader.load('feeds').name == 'feeds'\n"
        "others = ('crawler.spiders.jobs', 'crawler.spiders.notices', 'crawler.spiders.pages',"
        " 'crawler.spiders.workers', 'scrapy_redis')\n"
        "loaded = [m for m in others if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "assert loader.load('jobs_worker').name == 'jobs_worker'  # not named after a module\n"
        "assert 'notices' in loader.list() and 'crawler.spiders.notices' in sys.modules\n"
        "try:\n"
        "    loader.load('no_such_spider')\n"
        "except KeyError as exc:\n"
        "    assert 'Spider not found: no_such_spider' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('an unknown spider loaded')\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
