"""/news, /jobs and /notices know their ETag before they render: it is made of what the
page is made of (its filters and page, its listing's version, its menus, the UK day, the
settings and templates), so a client's current copy is answered 304 with no listing query
and no render. The ETag was a digest of the rendered body, so every 304 cost a full page.
It still moves with every change a page shows. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.curation import apply_action, edit_item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from kil_feed.web.http import http_date
from tests.support.notices import store_items, store_notices
from tests.support.queries import statements
from tests.support.waiting import settled_response, wait_until

NOTICES = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"
CRAWLED = "contractsfinder_2017-01_release-package_metofc-9mgh-ghl8ty.json"
PATHS = ("/news", "/jobs", "/notices", "/jobs?region=north-west&sort=closing")
KIND = {"/news": "news", "/jobs": "job", "/notices": "notice"}


def _item(engine: Engine, kind: str, title: str, **fields: Any) -> int:
    fields.setdefault("status", "approved")
    with write_session(engine) as s:
        source, _ = upsert_source("Listing wire", session=s, kind="feed", url="https://w.example/")
        item = Item(
            source_id=source.id, kind=kind, url=f"https://w.example/{kind}/{title}", title=title,
            summary="A story.", published_at=utcnow() - timedelta(hours=1), **fields,
        )  # type: ignore[arg-type]  # fmt: skip
        return int(save_item(item, session=s).id)  # type: ignore[arg-type]


@pytest.fixture
def listings(any_settings: Settings, any_engine: Engine, corpus_dir: Path) -> Iterator[TestClient]:
    store_notices(any_engine, any_settings, [corpus_dir / "ocds" / NOTICES])
    for kind in ("news", "job"):
        for n in range(3):
            _item(any_engine, kind, f"Standing {kind} {n}", regions=["North West"])
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        # the region page's trend lines are read in a thread at start: read before a test
        wait_until(lambda: app.state.trends.changed_at, "the trend lines to be read")
        yield client
    app.state.engine.dispose()


def _etag(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    cached = client.get(path, headers={"if-none-match": page.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b"", path
    assert cached.headers["etag"] == page.headers["etag"], path
    return page.headers["etag"]


def _moved(client: TestClient, path: str, etag: str, what: str) -> str:
    fresh = client.get(path, headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag, (path, what)
    return _etag(client, path)


def _act(engine: Engine, title: str, action: str) -> None:
    with write_session(engine) as s:
        apply_action(s.exec(select(Item).where(Item.title == title)).one(), action, session=s)


def test_each_change_a_listing_shows_moves_its_etag(
    listings: TestClient, any_engine: Engine, any_settings: Settings, corpus_dir: Path
) -> None:
    etags = {path: _etag(listings, path) for path in PATHS}
    assert len(set(etags.values())) == len(PATHS)  # keyed on the path and the filters
    for path in ("/news", "/jobs", "/notices"):
        kind = KIND[path]
        title = f"Pending {kind}"
        _item(any_engine, kind, title, status="pending")
        etag = _moved(listings, path, etags[path], "a new item, pending")
        changes: list[tuple[str, Callable[[], None]]] = [
            ("approved", lambda t=title: _act(any_engine, t, "approve")),
            ("featured", lambda t=title: _act(any_engine, t, "feature")),
            ("edited", lambda t=title: _edit(any_engine, t, f"{t}, edited")),
            ("rejected", lambda t=f"{title}, edited": _act(any_engine, t, "reject")),
        ]
        for what, change in changes:
            change()
            etag = _moved(listings, path, etag, what)
        assert f"{title}, edited" not in listings.get(path).text  # rejected: gone
        _crawl(any_engine, any_settings, kind, corpus_dir)
        etag = _moved(listings, path, etag, "a crawl")
        assert kind == "notice" or f"Crawled {kind}" in listings.get(path).text
        etags[path] = etag
    listings.app.state.settings.web.page_size = 1  # type: ignore[attr-defined]
    for path in ("/news", "/jobs", "/notices"):
        etags[path] = _moved(listings, path, etags[path], "the page size")


def _crawl(engine: Engine, settings: Settings, kind: str, corpus_dir: Path) -> None:
    """A crawl of a new source, its items approved."""
    if kind == "notice":
        store_notices(engine, settings, [corpus_dir / "ocds" / CRAWLED], source="more notices")
        return
    item = {"kind": kind, "url": f"https://c.example/{kind}", "title": f"Crawled {kind}",
            "summary": "Crawled."}  # fmt: skip
    source, url = f"Crawl of {kind}", f"https://c.example/{kind}.xml"
    store_items(engine, settings, [item], source=source, kind="jobs" if kind == "job" else "feed",
                url=url)  # fmt: skip


def _edit(engine: Engine, title: str, new: str) -> None:
    with write_session(engine) as s:
        edit_item(s.exec(select(Item).where(Item.title == title)).one(), session=s, title=new)


def test_the_jobs_board_moves_when_a_job_closes(listings: TestClient, any_engine: Engine) -> None:
    """Nothing is written when a job closes: time passes, and the board leaves it out."""
    title = "Interim Head of Procurement, closing now"
    _item(any_engine, "job", title, closes_at=utcnow() + timedelta(seconds=4))
    etags = {path: _etag(listings, path) for path in ("/jobs", "/jobs?closed=1")}
    for path in etags:
        assert title in listings.get(path).text and "badge-closed" not in listings.get(path).text
    for path, etag in etags.items():
        wait_until(
            lambda p=path, e=etag: listings.get(p, headers={"if-none-match": e}).status_code == 200,
            f"{path} to change once the job closed",
        )
    assert title not in listings.get("/jobs").text
    assert "badge-closed" in listings.get("/jobs?closed=1").text


def test_a_change_by_hand_moves_the_etag(listings: TestClient, any_engine: Engine) -> None:
    """SQL by hand (a script, a fix) that leaves `updated_at` alone still moves the ETag:
    the item touch trigger moves it for every column a listing shows."""
    etags = {path: _etag(listings, path) for path in ("/news", "/jobs")}
    changes = {"/news": ("summary", "Rewritten by hand."), "/jobs": ("location", "Wigan")}
    for path, (column, value) in changes.items():
        with write_session(any_engine) as s:
            s.execute(
                sa.update(Item)
                .where(Item.title == f"Standing {KIND[path]} 0")
                .values({column: value})
            )
        _moved(listings, path, etags[path], column)
        assert value in listings.get(path).text


def _counted_renders(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    jinja = client.app.state.jinja  # type: ignore[attr-defined]
    rendered: list[str] = []
    original = jinja.get_template

    def counted(name: str, *args: Any, **kwargs: Any) -> Any:
        rendered.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(jinja, "get_template", counted)
    return rendered


def test_a_304_runs_no_listing_query_and_no_render(
    listings: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = _counted_renders(listings, monkeypatch)
    engine = listings.app.state.engine  # type: ignore[attr-defined]
    for path in PATHS:
        with statements(engine) as full:
            page = listings.get(path)
        assert page.status_code == 200 and rendered, path
        assert _listing_reads(full), (path, full)  # what a render runs, seen
        rendered.clear()
        with statements(engine) as sent:
            cached = listings.get(path, headers={"if-none-match": page.headers["etag"]})
        assert cached.status_code == 304, path
        assert not _listing_reads(sent), (path, sent)
        assert rendered == [], path
        assert len(sent) < len(full), path


def _listing_reads(sent: list[str]) -> list[str]:
    """The statements that read listed rows or count them (ORDER BY, LIMIT, count)."""
    return [s for s in sent if "ORDER BY" in s.upper() or "COUNT(" in s.upper()]


def test_another_process_gives_the_same_etag(listings: TestClient, any_settings: Settings) -> None:
    """Several web workers serve one site: each gives a copy the others answer 304."""
    etags = {path: _etag(listings, path) for path in PATHS}
    other = create_app(any_settings)
    with TestClient(other, base_url="http://testserver") as client:
        for path, etag in etags.items():
            assert client.get(path, headers={"if-none-match": etag}).status_code == 304, path
    other.state.engine.dispose()


def test_a_page_past_the_last_is_a_404_for_any_copy(listings: TestClient) -> None:
    """`If-None-Match: *` matches any current copy; a page that does not exist has none."""
    for path in ("/news?page=50", "/jobs?page=50", "/notices?page=50"):
        assert listings.get(path, headers={"if-none-match": "*"}).status_code == 404, path


VALIDATORS = ("etag", "last-modified", "cache-control", "vary")


def test_any_precondition_a_copy_meets_is_answered_before_the_query_and_the_render(
    listings: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`*`, a list of tags, a tag compared weakly, If-Modified-Since at Last-Modified (in
    any of the three HTTP-date forms): each a 304 with the 200's validators and cache
    headers, and no listing query and no render (they ran after the render, so a `*` or
    date poller cost a full page)."""
    rendered = _counted_renders(listings, monkeypatch)
    for path in PATHS:
        page = settled_response(listings, path)
        etag, modified = page.headers["etag"], page.headers["last-modified"]
        date = parsedate_to_datetime(modified)
        preconditions = [
            {"if-none-match": "*"},
            {"if-none-match": f'"other", W/"x,y", {etag}'},
            {"if-none-match": etag.removeprefix("W/")},  # weak comparison
            {"if-modified-since": modified},
            {"if-modified-since": date.strftime("%A, %d-%b-%y %H:%M:%S GMT")},  # RFC 850
            {"if-modified-since": date.strftime("%a %b %e %H:%M:%S %Y")},  # asctime
            {"if-modified-since": http_date(date + timedelta(seconds=1))},
        ]
        cached_unread(listings, path, page, preconditions, rendered)


def cached_unread(
    client: TestClient,
    path: str,
    page: Any,
    preconditions: list[Any],
    rendered: list[str],
    reads: Callable[[list[str]], list[str]] | None = None,
) -> None:
    """Each of `preconditions` is a 304 with `page`'s validators and cache headers, with
    no listing query (`reads`: `_listing_reads`) and no render (`rendered`:
    `_counted_renders`)."""
    reads = reads or _listing_reads
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for headers in preconditions:
        rendered.clear()
        with statements(engine) as sent:
            cached = client.get(path, headers=headers)
        assert cached.status_code == 304 and cached.content == b"", (path, headers)
        assert not reads(sent), (path, headers, sent)
        assert rendered == [], (path, headers)
        for name in VALIDATORS:
            assert cached.headers.get(name) == page.headers.get(name), (path, headers, name)


def test_if_none_match_alone_decides_and_bad_dates_are_ignored(listings: TestClient) -> None:
    """RFC 9110 13.2.2: a present If-None-Match that names no current tag is a 200 however
    recent the If-Modified-Since; a date that is no HTTP-date is a 200, never a 5xx."""
    for path in PATHS:
        page = settled_response(listings, path)
        modified = parsedate_to_datetime(page.headers["last-modified"])
        recent = http_date(modified + timedelta(seconds=1))
        sent = [
            {"if-none-match": '"other"', "if-modified-since": recent},
            {"if-modified-since": http_date(modified - timedelta(seconds=1))},
            {"if-modified-since": "yesterday"},
            {"if-modified-since": "Sun, 06 Nov 10000000000000000000 08:49:37 GMT"},
            {"if-modified-since": "Sun, 31 Feb 2026 08:49:37 GMT"},
            {"if-modified-since": recent.replace("GMT", "+0100")},  # GMT only
        ]
        for headers in sent:
            got = listings.get(path, headers=headers)
            assert got.status_code == 200 and got.content == page.content, (path, headers)
            assert got.headers["etag"] == page.headers["etag"], (path, headers)


def test_a_later_page_meets_a_precondition_only_while_it_exists(
    listings: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    any_engine: Engine,
    any_settings: Settings,
    corpus_dir: Path,
) -> None:
    """Page 1 always exists; a later one only while it has rows: `*` and a date are 304
    there once its rows are read, still with no render, and a page past the last is a 404
    for them too (a 304 for a page there is not would tell a client its copy is current)."""
    _crawl(any_engine, any_settings, "notice", corpus_dir)  # a second notice: a page 2
    listings.app.state.settings.web.page_size = 1  # type: ignore[attr-defined]
    rendered = _counted_renders(listings, monkeypatch)
    for path in ("/news", "/jobs", "/notices"):
        assert listings.get(f"{path}?page=2").status_code == 200, path
        page = settled_response(listings, f"{path}?page=2")
        modified = page.headers["last-modified"]
        for headers in ({"if-none-match": "*"}, {"if-modified-since": modified}):
            rendered.clear()
            cached = listings.get(f"{path}?page=2", headers=headers)
            assert cached.status_code == 304 and rendered == [], (path, headers)
            assert cached.headers["etag"] == page.headers["etag"], (path, headers)
            missing = listings.get(f"{path}?page=50", headers=headers)
            assert missing.status_code == 404, (path, headers)


def test_a_page_with_validators_is_revalidated_by_a_cache(listings: TestClient) -> None:
    """With Last-Modified and no Cache-Control a shared cache may reuse a page unasked for a
    tenth of its age (RFC 9111 4.2.2): a /news last changed a day ago, for over two hours.
    The listings, the buyers index and a job's page say `no-cache`, on their 304s too."""
    job = listings.get("/api/jobs").json()["items"][0]["id"]
    for path in (*PATHS, "/buyers", f"/jobs/{job}"):
        page = settled_response(listings, path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], path
        assert page.headers.get("cache-control") == "no-cache", path
        for headers in (
            {"if-none-match": page.headers["etag"]},
            {"if-modified-since": page.headers["last-modified"]},
        ):
            cached = listings.get(path, headers=headers)
            assert cached.status_code == 304, (path, headers)
            assert cached.headers.get("cache-control") == "no-cache", (path, headers)
