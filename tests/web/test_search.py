"""Full-text search on SQLite FTS5 and PostgreSQL: ranking, snippets, filters, hostile input."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.search import (
    MARK_END,
    MARK_START,
    fts5_query,
    search_items,
)
from kil_feed.storage.sources import upsert_source
from kil_feed.web.app import create_app
from tests.conftest import _truncate_postgres
from tests.support.webdata import seed_archive

NASTY = [
    '"',
    '""',
    "'",
    "*",
    "**",
    "head*",
    "NEAR(",
    "NEAR(a b",
    "a NEAR/3 b",
    "title:procurement",
    "-",
    "AND OR NOT",
    "(",
    ")",
    "^",
    "\\",
    "%",
    "\x00null",
    "procurement" * 100,
    "x" * 1024,
    "é" * 600,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "!@#$%^&*()_+{}|:<>?",
]


def test_fts5_query_quotes_every_term() -> None:
    assert fts5_query('head "of" NEAR(procurement') == '"head" AND "NEAR" AND "procurement"'
    assert fts5_query("procure*") == '"procure"*'
    assert fts5_query('""  *') == ""


def test_search_on_both_backends(any_engine: Engine, any_settings: Settings) -> None:
    """Ranking, highlighting, filters and hostile input, on SQLite and PostgreSQL."""
    archive = seed_archive(any_engine, any_settings)
    with read_session(any_engine) as s:
        page = search_items("procurement", session=s)
        ids = [h.item.id for h in page.hits]
        assert archive.items["head"] in ids and archive.items["act"] in ids
        # a title match outranks a match in the summary only
        assert ids.index(archive.items["head"]) < ids.index(archive.items["social"])
        assert archive.items["pending"] not in ids and archive.items["pending_job"] not in ids
        head = next(h for h in page.hits if h.item.id == archive.items["head"])
        assert f"{MARK_START}Procurement{MARK_END}" in head.title_marked
        assert MARK_START in head.snippet_marked
        # employer is searchable; stemming matches "commissioning" from "commission"
        assert [h.item.id for h in search_items("Leeds", session=s).hits] == [
            archive.items["category"]
        ]
        assert archive.items["commissioning"] in [
            h.item.id for h in search_items("commission", session=s).hits
        ]
        # filters
        jobs = search_items("procurement", session=s, kind="job")
        assert {h.item.kind for h in jobs.hits} == {"job"}
        north_west = search_items("procurement", session=s, region="North West")
        assert [h.item.id for h in north_west.hits] == [archive.items["head"]]
        assert search_items("council", session=s, topic="outsourcing").total == 1

        # one reading of the text on both backends (PostgreSQL's websearch_to_tsquery knew
        # no prefix, took `-waste` for NOT and quotes for a phrase): words, all required
        def found(text: str) -> list[int]:
            return sorted(h.item.id for h in search_items(text, session=s).hits)

        council = found("council")
        assert len(council) > 1 and found("counc*") == council
        waste = found("council waste")
        assert waste == [archive.items["insourcing"]]
        assert found("council -waste") == waste and found('"collection waste"') == waste
        # hostile input never raises
        for text in NASTY:
            search_items(text, session=s)
        assert search_items("", session=s).hits == []


def test_search_index_follows_updates_and_deletes(
    any_engine: Engine, any_settings: Settings
) -> None:
    archive = seed_archive(any_engine, any_settings)
    with write_session(any_engine) as s:
        item = s.get(Item, archive.items["social"])
        item.title = "Zanzibar framework agreement"
        s.add(item)
    with read_session(any_engine) as s:
        assert [h.item.id for h in search_items("zanzibar", session=s).hits] == [
            archive.items["social"]
        ]
        old_words = [h.item.id for h in search_items("value", session=s).hits]
        assert archive.items["social"] not in old_words
    with write_session(any_engine) as s:
        s.delete(s.get(Item, archive.items["social"]))
    with read_session(any_engine) as s:
        assert search_items("zanzibar", session=s).total == 0


def test_search_page_highlights_and_escapes(client: TestClient) -> None:
    page = client.get("/search", params={"q": "procurement"})
    assert page.status_code == 200
    assert "<mark>Procurement</mark>" in page.text
    assert "Interim Head of <mark>Procurement</mark>" in page.text
    xss = client.get("/search", params={"q": "budget"}).text
    assert "<mark>budget</mark>" in xss
    assert "<script>alert" not in xss and "alert(" not in xss  # a script goes with its text
    assert "Council <mark>budget</mark> row" in xss  # the title as plain text, marked


def test_search_pages_by_relevance_are_next_not_older(client: TestClient) -> None:
    """Ranked by relevance, page 2 is less relevant, not older: the pager said "Older"."""
    client.app.state.settings.web.page_size = 1  # type: ignore[attr-defined]
    ranked = client.get("/search", params={"q": "procurement", "page": 2}).text
    assert 'rel="next"' in ranked and "Next →" in ranked and "← Previous" in ranked
    assert "Older →" not in ranked
    newest = client.get("/search", params={"q": "procurement", "sort": "newest"}).text
    assert "Older →" in newest


def test_search_page_filters(client: TestClient) -> None:
    html = client.get("/search", params={"q": "procurement", "kind": "job"}).text
    assert "Interim Head of" in html and "Procurement Act 2023" not in html
    html = client.get("/search", params={"q": "council", "region": "Yorkshire and The Humber"}).text
    assert "Category Manager" in html and "waste collection" not in html


@pytest.mark.parametrize("text", NASTY)
def test_any_query_text_is_safe(client: TestClient, text: str) -> None:
    page = client.get("/search", params={"q": text})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    past = client.get("/search", params={"q": text, "page": "2"})  # one page of results
    assert past.status_code == 404 and "there is no page 2" in past.text
    assert "<script>alert(1)</script>" not in past.text


def test_empty_search_shows_help(client: TestClient) -> None:
    assert "Type a few words" in client.get("/search").text
    assert "Type a few words" in client.get("/search?q=").text


def test_stop_words_read_alike_on_both_backends(any_engine: Engine, any_settings: Settings) -> None:
    """The documented syntax gives the same answers on SQLite and PostgreSQL: the very
    common words PostgreSQL leaves out of its index ("the", "or", "of") are left out of the
    query on both, and the answer says which (FTS5 indexes them, so it required them)."""
    archive = seed_archive(any_engine, any_settings)
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:

        def api(q: str) -> dict:
            answer = client.get("/api/search", params={"q": q})
            assert answer.status_code == 200, answer.text
            return answer.json()

        def found(q: str) -> list[int]:
            return sorted(i["id"] for i in api(q)["items"])

        waste = found("council waste")
        assert waste == [archive.items["insourcing"]]
        assert found("council OR waste") == waste and found("the council and waste") == waste
        # a quoted "phrase" is its words: "is" is in neither the act's title nor its summary
        assert found('"Procurement Act 2023 is live"') == [archive.items["act"]]
        assert api("council OR waste")["ignored"] == ["OR"]
        for q in ("the", "and of", "THE AND OF", '"to be or not"'):
            body = api(q)
            assert (body["items"], body["total"]) == ([], 0), q
            assert body["ignored"] and all(w.lower() in q.lower() for w in body["ignored"])
        page = client.get("/search", params={"q": "the and of"})
        assert page.status_code == 200
        assert "too common to search for" in page.text and "“the”, “and”, “of”" in page.text
        assert "too common" not in client.get("/search", params={"q": "council"}).text
    app.state.engine.dispose()


SPLIT_ITEMS = {
    "guidance": ("Guidance for suppliers published on www.gov.uk", None, []),
    "link": ("Bid through https://www.gov.uk/find-tender by Friday", None, []),
    "govuk": ("Read the notice on GOV.UK", None, []),
    "wight": ("Isle of Wight Council seeks an interim head of procurement", None, []),
    "hyphen": ("Ferry services for the Isle-of-Wight", None, []),
    "other": ("Isle in Wight", None, []),  # the same words with another between
    "southeast": ("Care framework", "Homes across the South East", []),
    "tagged": ("Schools framework", "Catering for schools", ["South East"]),
}


def test_words_and_places_split_alike_on_both_backends(
    any_engine: Engine, any_settings: Settings
) -> None:
    """PostgreSQL kept `www.gov.uk` one token (a host), so `www.gov.uk`, `gov.uk` or `gov`
    found nothing there and everything on SQLite; and the place "Isle of Wight" was
    `isl <2> wight` there (stop words left out of its index), which matched "Isle in
    Wight", and its region's words anywhere ("the South East" in a summary), where FTS5
    wants the phrase itself or the region among the item's regions."""
    with write_session(any_engine) as s:
        source, _ = upsert_source("Split", session=s, kind="feed", url="https://x.example/")
        ids = {
            name: int(
                save_item(
                    Item(kind="news", url=f"https://x.example/{name}", title=title,
                         summary=summary, regions=regions, source_id=source.id,
                         status="approved"),
                    session=s,
                ).id  # type: ignore[arg-type]
            )
            for name, (title, summary, regions) in SPLIT_ITEMS.items()
        }  # fmt: skip
    expected = {
        "www.gov.uk": {"guidance", "link"},
        "gov.uk": {"guidance", "link", "govuk"},
        "GOV": {"guidance", "link", "govuk"},
        "https://www.gov.uk/find-tender": {"link"},
        "Isle of Wight": {"wight", "hyphen", "tagged"},
        "isle of wight council": {"wight"},
        "Isle Wight": {"wight", "hyphen", "other"},
    }
    with read_session(any_engine) as s:
        for query, names in expected.items():
            found = {h.item.id for h in search_items(query, session=s, limit=50).hits}
            assert found == {ids[n] for n in names}, query


@pytest.mark.postgres
def test_postgres_index_holds_the_words_fts5_holds(engine: Engine, postgres_url: str) -> None:
    """Both indexes stem with Porter's algorithm (FTS5's `porter`, not PostgreSQL's
    'english' Snowball stemmer, which stems "skies" to "sky", not "ski"), fold accents
    ("Môn" is "mon"), split at every character that is not a letter or digit (PostgreSQL
    kept `www.gov.uk`, `bids@example.gov.uk`, `v1.2` and `1.5` whole) and hold stop words
    (PostgreSQL dropped them), so a word finds the same items on both."""
    text = (
        "Skies dying communities generously news café Ynys Môn: the Isle of Wight, on"
        " https://www.gov.uk/find-tender and www.gov.uk, bids@example.gov.uk, v1.2, £1.5m,"
        " e-procurement, council's framework_lot"
    )

    def add(target: Engine) -> int:
        with write_session(target) as s:
            source, _ = upsert_source("Words", session=s, kind="feed", url="https://x.example/")
            item = Item(kind="news", url="https://x.example/1", title=text, source_id=source.id)
            return int(save_item(item, session=s).id)  # type: ignore[arg-type]

    item_id = add(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, item_fts, 'instance')"
        )
        sqlite_words = {
            r[0]
            for r in conn.exec_driver_sql(
                f"SELECT term FROM temp.vocab WHERE doc = {item_id} AND col = 'title'"
            )
        }
    _truncate_postgres(postgres_url)
    pg = make_engine(postgres_url)
    try:
        pg_id = add(pg)
        with pg.connect() as conn:
            pg_words = set(
                conn.execute(
                    sa.text("SELECT tsvector_to_array(search_tsv) FROM item WHERE id = :id"),
                    {"id": pg_id},
                ).scalar_one()
            )
    finally:
        pg.dispose()
        _truncate_postgres(postgres_url)
    assert {"ski", "mon", "of", "gov", "uk", "bid", "5m", "framework"} <= sqlite_words
    assert pg_words == sqlite_words


def test_highlights_mark_split_words_alike_on_both_backends(
    any_engine: Engine, any_settings: Settings
) -> None:
    """Since migration 0020 PostgreSQL found `www.gov.uk` by its words, but `ts_headline`
    parsed the stored text again with its own parser, which reads `www.gov.uk` as one host
    (and the URL as a URL), so the hit came back with nothing marked; FTS5 marks each word.
    The marked text is the stored text, punctuation and all."""
    title = "Guidance for suppliers on www.gov.uk (<b>draft</b>)"
    summary = "Bid through https://www.gov.uk/find-tender by Friday: bids@example.gov.uk."
    with write_session(any_engine) as s:
        source, _ = upsert_source("Marks", session=s, kind="feed", url="https://x.example/")
        save_item(
            Item(kind="news", url="https://x.example/m", title=title, summary=summary,
                 source_id=source.id, status="approved"),
            session=s,
        )  # fmt: skip
    a, b = MARK_START, MARK_END
    with read_session(any_engine) as s:
        [hit] = search_items("gov.uk", session=s).hits
        assert (
            hit.title_marked == f"Guidance for suppliers on www.{a}gov{b}.{a}uk{b} (<b>draft</b>)"
        )
        assert f"https://www.{a}gov{b}.{a}uk{b}/find-tender" in hit.snippet_marked
        assert f"bids@example.{a}gov{b}.{a}uk{b}" in hit.snippet_marked
        [hit] = search_items("find-tender draft", session=s).hits
        assert hit.title_marked.endswith(f"(<b>{a}draft{b}</b>)")
        assert f"uk/{a}find{b}-{a}tender{b} by" in hit.snippet_marked
        assert hit.snippet_marked.replace(a, "").replace(b, "").strip("…") in summary


def test_search_shows_notices_and_closed_jobs_as_they_are(
    settings: Settings, engine: Engine
) -> None:
    """Search predates notices: a notice hit was labelled "News" and linked off-site (the
    API's `web_url` too) instead of its page here, no "Show" choice kept to notices, and a
    job that had closed looked open in the results (its page and the board say Closed)."""
    from datetime import timedelta

    from kil_feed.timeutil import utcnow

    with write_session(engine) as s:
        source, _ = upsert_source("Mixed", session=s, kind="feed", url="https://x.example/")

        def add(kind: str, title: str, **fields: object) -> int:
            item = Item(kind=kind, url=f"https://x.example/{kind}", title=title,
                        source_id=source.id, status="approved", **fields)  # fmt: skip
            return int(save_item(item, session=s).id)  # type: ignore[arg-type]

        notice = add("notice", "Peatland restoration works", guid="ocds-peat-1")
        closed = add("job", "Peatland project manager", closes_at=utcnow() - timedelta(days=2))
        news = add("news", "Peatland news round-up")
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        html = client.get("/search", params={"q": "peatland"}).text
        hits = re.findall(r'<li class="card hit[^"]*">(.*?)</li>', html, re.S)
        assert len(hits) == 3, html
        by_link = {re.search(r'<h2 class="card-title"><a href="([^"]+)"', h).group(1): h
                   for h in hits}  # fmt: skip
        assert set(by_link) == {f"/notices/{notice}", f"/jobs/{closed}", "https://x.example/news"}
        assert '<p class="kind-label">Notice</p>' in by_link[f"/notices/{notice}"]
        assert '<p class="kind-label">News</p>' in by_link["https://x.example/news"]
        assert "Closed" in by_link[f"/jobs/{closed}"]
        assert "Closed" not in by_link[f"/notices/{notice}"]
        assert '<option value="notice"' in html
        only = client.get("/search", params={"q": "peatland", "kind": "notice"}).text
        assert f'href="/notices/{notice}"' in only and f"/jobs/{closed}" not in only
        api = client.get("/api/search", params={"q": "peatland"}).json()
        urls = {i["id"]: i["web_url"] for i in api["items"]}
        assert urls[notice] == f"https://kil.example.org/notices/{notice}"
        assert urls[news] == "https://x.example/news"
        assert (
            client.get("/api/search", params={"q": "peat*", "kind": "notice"}).json()["total"] == 1
        )
    app.state.engine.dispose()
