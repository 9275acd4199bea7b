"""HTTP as clients expect it: HEAD wherever GET works, validators and 304s, cache headers for
static files, 404 for ids no database can hold, 405 with `Allow`, and valid Atom feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item, ItemRemoval, Source
from kil_feed.storage.curation import apply_action
from kil_feed.storage.items import save_item
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from tests.conftest import Cli
from tests.support.atomcheck import atom_problems
from tests.support.waiting import settled_response as settled
from tests.support.webdata import Archive, seed_archive

PAGES = [
    "/", "/news", "/jobs", "/jobs/{head}", "/issues", "/issues/{sent}", "/search?q=council",
    "/subscribe", "/feeds/issues.xml", "/feeds/news.xml", "/feeds/jobs.xml",
    "/feeds/topic/outsourcing.xml", "/feeds/region/north-west.xml", "/sitemap.xml",
    "/robots.txt", "/api/items", "/api/jobs", "/api/jobs/{head}", "/api/issues",
    "/api/issues/{sent}", "/api/openapi.json", "/api/docs", "/static/kil.css",
]  # fmt: skip
FEEDS = [
    "/feeds/issues.xml", "/feeds/news.xml", "/feeds/jobs.xml", "/feeds/topic/outsourcing.xml",
    "/feeds/topic/social-value.xml", "/feeds/region/north-west.xml",
    "/feeds/region/yorkshire-and-the-humber.xml",
]  # fmt: skip
CONDITIONAL = [*FEEDS, "/sitemap.xml", "/jobs/{head}", "/issues/{sent}"]


def _path(template: str, archive: Archive) -> str:
    return template.format(head=archive.items["head"], sent=archive.issues["sent"])


def test_head_answers_wherever_get_does(client: TestClient, archive: Archive) -> None:
    for template in PAGES:
        path = _path(template, archive)
        got, head = client.get(path), client.head(path)
        assert (got.status_code, head.status_code) == (200, 200), path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path


def test_feeds_and_pages_answer_conditional_requests(client: TestClient, archive: Archive) -> None:
    for template in CONDITIONAL:
        path = _path(template, archive)
        first = settled(client, path)  # the archive may have been seeded this second
        etag, modified = first.headers.get("etag"), first.headers.get("last-modified")
        assert etag and modified, f"{path}: no validators"
        again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag
        since = client.get(path, headers={"if-modified-since": modified})
        assert since.status_code == 304, path
        stale = client.get(path, headers={"if-none-match": 'W/"something-else"'})
        assert stale.status_code == 200 and stale.content == first.content, path
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        both = client.get(path, headers={"if-none-match": '"x"', "if-modified-since": modified})
        assert both.status_code == 200, path
        # a date later than the server's is invalid and ignored (RFC 9110 13.1.3)
        future = format_datetime(utcnow() + timedelta(days=1), usegmt=True)
        assert client.get(path, headers={"if-modified-since": future}).status_code == 200, path


def test_every_conditional_page_reads_its_preconditions_alike(
    client: TestClient, archive: Archive
) -> None:
    """The feeds, the sitemap, item pages and the buyers index (HTML and JSON) read
    preconditions as the listings do, with one helper: every If-None-Match line counts, a
    tag may hold a comma, the obsolete HTTP-date forms are dates, and a date no HTTP-date
    is (a year of twenty digits, a zone other than GMT) is ignored. Before, only the first
    If-None-Match line was read, an asctime date was a 200 and a huge year a 500."""
    for template in [*CONDITIONAL, "/buyers", "/api/buyers"]:
        path = _path(template, archive)
        first = settled(client, path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        date = parsedate_to_datetime(modified)
        current: list[Any] = [
            [("if-none-match", '"other"'), ("if-none-match", etag)],
            {"if-none-match": f'W/"a,b", {etag.removeprefix("W/")}'},
            {"if-none-match": "*"},
            {"if-modified-since": date.strftime("%a %b %e %H:%M:%S %Y")},
            {"if-modified-since": date.strftime("%A, %d-%b-%y %H:%M:%S GMT")},
        ]
        for headers in current:
            cached = client.get(path, headers=headers)
            assert cached.status_code == 304 and cached.content == b"", (path, headers)
            assert cached.headers["etag"] == etag, (path, headers)
            assert cached.headers["last-modified"] == modified, (path, headers)
        ignored = [
            {"if-modified-since": modified.replace(str(date.year), "1" * 20)},
            {"if-modified-since": modified.replace("GMT", "+0000")},
            [("if-modified-since", modified), ("if-modified-since", modified)],
        ]
        for headers in ignored:
            got = client.get(path, headers=headers)
            assert got.status_code == 200 and got.content == first.content, (path, headers)


def test_no_html_page_sends_validators_without_cache_control(
    client: TestClient, archive: Archive
) -> None:
    """A page with Last-Modified and no Cache-Control is heuristically fresh in a shared
    cache for a tenth of its age (RFC 9111 4.2.2): it is served unasked, old. Every HTML page
    that sends a validator says how it is cached (`no-cache`: ask each time)."""
    checked = []
    for template in [*PAGES, "/notices", "/buyers"]:
        page = client.get(_path(template, archive))
        if "text/html" not in page.headers.get("content-type", ""):
            continue
        if "etag" in page.headers or "last-modified" in page.headers:
            checked.append(template)
            assert page.headers.get("cache-control") == "no-cache", template
    assert {"/news", "/jobs/{head}", "/issues/{sent}", "/buyers"} <= set(checked), checked


def test_feeds_and_the_sitemap_are_revalidated(client: TestClient, archive: Archive) -> None:
    """The Atom feeds and the sitemap sent Last-Modified and no Cache-Control, so a shared
    cache served them unasked for a tenth of their age (RFC 9111 4.2.2): a feed reader
    behind it missed new items. They say `no-cache`, as the pages do, on the 200 and the 304."""
    for template in CONDITIONAL:
        path = _path(template, archive)
        first = settled(client, path)
        assert first.headers.get("cache-control") == "no-cache", path
        assert first.headers["etag"].startswith('W/"'), path
        for headers in (
            {"if-none-match": first.headers["etag"]},
            {"if-modified-since": first.headers["last-modified"]},
        ):
            cached = client.get(path, headers=headers)
            assert cached.status_code == 304, (path, headers)
            assert cached.headers.get("cache-control") == "no-cache", (path, headers)


def test_a_new_item_changes_the_feed_validators(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    before = client.get("/feeds/news.xml")
    with write_session(engine) as s:
        s.add(
            Item(
                source_id=1, kind="news", url="https://lgw.example/new", title="Fresh news",
                status="approved", published_at=utcnow() + timedelta(minutes=1),
            )
        )  # fmt: skip
    after = client.get("/feeds/news.xml", headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200 and b"Fresh news" in after.content
    assert after.headers["etag"] != before.headers["etag"]
    old = format_datetime(utcnow() - timedelta(days=1), usegmt=True)
    assert client.get("/feeds/news.xml", headers={"if-modified-since": old}).status_code == 200


def _curated(engine: Engine, at: datetime) -> None:
    """The archive was curated, and its sources named, `at` (a listing's stamp counts both):
    a Last-Modified of the seeding's second is no validator yet (`web.http.settled`)."""
    with write_session(engine) as s:
        s.execute(sa.update(Item).values(updated_at=at))
        s.execute(sa.update(Source).values(updated_at=at))


def test_an_older_story_approved_later_changes_last_modified(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    """Last-Modified is when the feed changed, not its newest published date: a story
    published last week and approved now was answered 304 to the poller's If-Modified-Since."""
    feeds = ("/feeds/news.xml", "/feeds/region/north-west.xml", "/feeds/topic/outsourcing.xml")
    _curated(engine, utcnow() - timedelta(hours=1))
    before = {path: client.get(path).headers["last-modified"] for path in feeds}
    with write_session(engine) as s:
        late = Item(
            source_id=1, kind="news", url="https://lgw.example/late", title="Late story",
            status="approved", published_at=utcnow() - timedelta(days=7),
            regions=["North West"], topics=["outsourcing"],
        )  # fmt: skip
        save_item(late, session=s)
    for path in feeds:
        after = client.get(path, headers={"if-modified-since": before[path]})
        assert after.status_code == 200 and b"Late story" in after.content, path
        assert settled(client, path).headers["last-modified"] != before[path], path


def test_an_item_leaving_a_feed_changes_last_modified(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    """Last-Modified was the newest `updated_at` of the listed items: a story rejected (or
    retagged out of a topic) left the feed and that date as it was, and If-Modified-Since
    was answered 304 with the feed that still held it."""
    feeds = ("/feeds/news.xml", "/feeds/topic/outsourcing.xml", "/feeds/region/north-west.xml")
    _curated(engine, utcnow() - timedelta(hours=1))
    before = {path: client.get(path) for path in feeds}
    title = "Council brings waste collection back in-house"
    assert all(title in r.text for r in before.values())
    with write_session(engine) as s:
        apply_action(s.get(Item, archive.items["insourcing"]), "reject", session=s)
    for path, first in before.items():
        since = {"if-modified-since": first.headers["last-modified"]}
        after = client.get(path, headers=since)
        assert after.status_code == 200 and title not in after.text, path
        both = client.get(path, headers={**since, "if-none-match": first.headers["etag"]})
        assert both.status_code == 200, path
        modified = settled(client, path).headers["last-modified"]
        assert client.get(path, headers={"if-modified-since": modified}).status_code == 304


def test_a_job_closing_changes_the_jobs_feed_last_modified(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    """A job leaves the board when it closes, and nothing is written then: a poller whose
    copy was fetched before the close got 304 and kept the closed job."""
    now = utcnow()
    with write_session(engine) as s:  # a job that was to close at 30 minutes ago, last
        # changed two hours ago (an UPDATE of closes_at alone moves updated_at: migration 0023)
        head = sa.update(Item).where(Item.id == archive.items["head"])
        s.execute(head.values(closes_at=now - timedelta(minutes=30)))
    _curated(engine, now - timedelta(hours=2))
    fetched_before_the_close = format_datetime(now - timedelta(hours=1), usegmt=True)
    response = client.get(
        "/feeds/jobs.xml", headers={"if-modified-since": fetched_before_the_close}
    )
    assert response.status_code == 200
    assert "Interim Head of Procurement" not in response.text
    # the sitemap keeps a closed job's page, and drops a rejected one
    sitemap = client.get("/sitemap.xml")
    page = f"/jobs/{archive.items['head']}</loc>"
    assert page in sitemap.text
    with write_session(engine) as s:
        apply_action(s.get(Item, archive.items["head"]), "reject", session=s)
    since = {"if-modified-since": sitemap.headers["last-modified"]}
    after = client.get("/sitemap.xml", headers=since)
    assert after.status_code == 200 and page not in after.text


def test_an_empty_feed_answers_304_to_its_etag(client: TestClient) -> None:
    """An empty feed's <updated> was the time of the request: each fetch was a new body, so
    a saved search with no jobs yet never got a 304."""
    path = "/feeds/jobs.xml?region=london&rate_min=900"
    first = client.get(path)
    assert first.status_code == 200 and "<entry>" not in first.text
    again = client.get(path, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


def test_static_files_are_cacheable(client: TestClient) -> None:
    css = client.get("/static/kil.css")
    assert css.headers["cache-control"] == "public, max-age=3600"
    assert css.headers["etag"]
    assert (
        client.get("/static/kil.css", headers={"if-none-match": css.headers["etag"]}).status_code
        == 304
    )
    bundle = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert "max-age" in bundle.headers["cache-control"]


@pytest.mark.parametrize("big", [2**63, 2**63 + 1, 2**64, 10**30, -(2**63) - 1])
def test_ids_no_database_can_hold_are_not_found(client: TestClient, big: int) -> None:
    for path in ("/api/items", "/api/jobs", "/api/issues", "/jobs", "/issues"):
        response = client.get(f"{path}/{big}")
        assert response.status_code == 404, (path, response.text[:200])
        if path.startswith("/api/"):
            assert "error" in response.json()


@pytest.mark.parametrize("odd", ["{id}.0", "+{id}", "0{id}", "%20{id}", "{id}%20", "{id}e0"])
def test_an_id_is_written_one_way(client: TestClient, archive: Archive, odd: str) -> None:
    """`/jobs/54.0`, `/jobs/+54`, `/jobs/054` and `/jobs/%2054` were all job 54 (Pydantic's
    lax int): one page at many addresses. Only the id as links write it is a page."""
    item, issue = archive.items["head"], archive.issues["sent"]
    for path, id_ in (
        ("/jobs/", item), ("/api/jobs/", item), ("/api/items/", item),
        ("/issues/", issue), ("/api/issues/", issue),
    ):  # fmt: skip
        response = client.get(path + odd.format(id=id_), follow_redirects=False)
        assert response.status_code == 404, (path, odd)
        if path.startswith("/api/"):
            assert response.json()["error"] == "There is nothing at this address."
        else:
            assert "There is nothing at this address." in response.text
    assert client.get(f"/jobs/{item}").status_code == 200
    assert client.get(f"/api/issues/{issue}").status_code == 200


def test_the_largest_storable_id_is_a_plain_miss(client: TestClient) -> None:
    assert client.get(f"/api/items/{2**63 - 1}").status_code == 404
    assert client.get(f"/jobs/{2**63 - 1}").status_code == 404


def test_other_methods_answer_405_with_allow(client: TestClient) -> None:
    for method, path, allowed in (
        ("TRACE", "/", {"GET", "HEAD"}),
        ("DELETE", "/api/items", {"GET", "HEAD"}),
        ("PUT", "/feeds/news.xml", {"GET", "HEAD"}),
        ("POST", "/jobs", {"GET", "HEAD"}),
        ("PATCH", "/subscribe", {"GET", "HEAD", "POST"}),
    ):
        response = client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert {m.strip() for m in response.headers["allow"].split(",")} == allowed, path


def test_static_files_answer_405_with_allow(client: TestClient) -> None:
    """Inside the /static mount the routes were matched against the mount's root path:
    the 405 came with an empty `Allow`, which says nothing may be done there."""
    for path in ("/static/kil.css", "/static/swagger-ui/swagger-ui.css"):
        for method in ("POST", "DELETE", "OPTIONS"):
            response = client.request(method, path)
            assert response.status_code == 405, (method, path)
            assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_are_valid_atom(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert atom_problems(response.content) == []


def test_region_feed_links_are_encoded(client: TestClient) -> None:
    body = client.get("/feeds/region/north-west.xml").text
    assert "region=North West" not in body
    assert "/jobs?region=" in body


def test_the_checker_finds_what_the_validator_rejects() -> None:
    """The feed checker itself: each broken rule is reported."""
    bad = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<id>not absolute</id><title>t</title><updated>2026-11-30 10:00</updated>"
        b'<link rel="alternate" href="/jobs?region=North West"/>'
        b"<entry><id>urn:a</id><title>a</title><updated>2026-11-30T10:00:00Z</updated></entry>"
        b"<entry><id>urn:a</id><updated>2026-11-30T10:00:00Z</updated>"
        b'<link href="https://x.example/"/><category term=""/></entry></feed>'
    )
    problems = "\n".join(atom_problems(bad))
    for expected in (
        "is not an absolute IRI",
        "is not an RFC 3339 date-time",
        "is not a valid IRI reference",
        "no atom:author",
        "no link rel=self",
        "entry 1: neither content nor a link rel=alternate",
        "entry 2: 0 atom:title",
        "repeats an earlier entry's",
        "a category without a term",
    ):
        assert expected in problems, expected


def test_items_deleted_with_their_source_change_last_modified(
    any_engine: Engine, any_settings: Settings
) -> None:
    """`kil sources remove` deletes the source's items: no row is left whose `updated_at`
    could move, so a feed's Last-Modified stayed where it was and a poller's
    If-Modified-Since was answered 304 with the stories that had gone. On both backends."""
    archive = seed_archive(any_engine, any_settings)
    _curated(any_engine, utcnow() - timedelta(hours=1))
    feeds = (
        "/feeds/news.xml",
        "/feeds/topic/social-value.xml",
        "/feeds/jobs.xml",
        "/sitemap.xml",
    )
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        before = {path: client.get(path) for path in feeds}
        story = "Council brings waste collection back in-house"
        assert story in before["/feeds/news.xml"].text
        Cli()("sources", "remove", "LocalGov Wire", "--yes")  # the insourcing story's source
        Cli()("sources", "remove", "Interim Board", "--yes")  # every job's
        for path, first in before.items():
            since = {"if-modified-since": first.headers["last-modified"]}
            after = client.get(path, headers=since)
            assert after.status_code == 200, path
            after = settled(client, path)
            assert story not in after.text and "Interim Head of Procurement" not in after.text
            assert after.headers["last-modified"] != first.headers["last-modified"], path
            again = {"if-modified-since": after.headers["last-modified"]}
            assert client.get(path, headers=again).status_code == 304, path
        # one item deleted through the ORM moves its kind's listing too (the earlier
        # changes set back an hour: Last-Modified counts whole seconds)
        with write_session(any_engine) as s:
            s.execute(sa.update(Item).values(updated_at=utcnow() - timedelta(hours=1)))
            hour_ago = utcnow() - timedelta(hours=1)
            s.execute(sa.update(ItemRemoval).values(removed_at=hour_ago))
        latest = client.get("/feeds/news.xml")
        with write_session(any_engine) as s:
            s.delete(s.get(Item, archive.items["social"]))
        since = {"if-modified-since": latest.headers["last-modified"]}
        after = client.get("/feeds/news.xml", headers=since)
        assert after.status_code == 200 and "social value in procurement" not in after.text
    app.state.engine.dispose()


EMPTY_FEEDS = [
    "/feeds/notices.xml", "/feeds/notices.xml?region=wales", "/feeds/issues.xml",
    "/feeds/news.xml", "/feeds/jobs.xml", "/feeds/jobs.xml?region=london", "/sitemap.xml",
]  # fmt: skip


def test_feeds_of_an_empty_archive_keep_their_etag(any_settings: Settings) -> None:
    """A feed whose listing never had an item said it was updated at the time of the
    request: each fetch was a new body and a new ETag, so a reader polling the notices feed
    of a new site never got a 304. Its `updated` is now a fixed time (no Last-Modified)."""
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        for path in EMPTY_FEEDS:
            first = client.get(path)
            assert first.status_code == 200, path
            assert b"<entry>" not in first.content and b"/jobs/" not in first.content, path
            if path.startswith("/feeds/"):
                assert atom_problems(first.content) == [], path
            again = client.get(path)
            assert again.headers["etag"] == first.headers["etag"], path
            assert again.content == first.content, path
            cached = client.get(path, headers={"if-none-match": first.headers["etag"]})
            assert cached.status_code == 304 and cached.content == b"", path
    app.state.engine.dispose()


def test_a_known_topic_or_region_without_items_is_an_empty_feed(
    any_engine: Engine, any_settings: Settings
) -> None:
    """A topic or region feed answered 404 once no item carried the tag: a reader
    subscribed to it dropped the feed as gone. A known one (the topic list, the ITL1
    regions) is an empty feed with validators that revalidate; anything else stays a 404.
    On SQLite and PostgreSQL."""
    seed_archive(any_engine, any_settings)
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        for path in ("/feeds/topic/public-health.xml", "/feeds/region/northern-ireland.xml"):
            first = settled(client, path)  # the archive was seeded just now
            assert first.status_code == 200, path
            assert atom_problems(first.content) == [] and b"<entry>" not in first.content, path
            assert client.get(path).headers["etag"] == first.headers["etag"], path
            cached = client.get(path, headers={"if-none-match": first.headers["etag"]})
            assert cached.status_code == 304, path
            since = client.get(path, headers={"if-modified-since": first.headers["last-modified"]})
            assert since.status_code == 304, path
        for path in (
            "/feeds/topic/plumbing.xml",
            "/feeds/topic/plumbing.XML",
            "/feeds/region/atlantis.xml",
        ):
            assert client.get(path).status_code == 404, path
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/feeds/topic/outsourcing.XML", "/feeds/topic/outsourcing.xml"),
        ("/feeds/topic/Outsourcing.xml", "/feeds/topic/outsourcing.xml"),
        ("/feeds/topic/Social%20value.xml", "/feeds/topic/social-value.xml"),
        ("/feeds/topic/outsourcing", "/feeds/topic/outsourcing.xml"),
        ("/feeds/region/North-West.Xml", "/feeds/region/north-west.xml"),
        ("/feeds/region/North%20West.xml?x=1", "/feeds/region/north-west.xml?x=1"),
    ],
)
def test_another_spelling_of_a_feed_redirects_to_its_canonical_path(
    client: TestClient, path: str, location: str
) -> None:
    """`/feeds/topic/outsourcing.XML` was a 404 (only a lower-case `.xml` was taken off),
    while `Outsourcing.xml` answered a second copy of the feed. Each spelling of a known
    feed is a 301 to the one canonical path (relative: never the Host header's)."""
    moved = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert moved.status_code == 301, path
    assert moved.headers["location"] == location
    assert client.get(location).status_code == 200
