"""An item's title and summary read as plain text on every web page, feed and API answer,
made once by the formatter the email uses (`kil_feed.text.plain_text`, nh3): a title stored
with markup (`<b>Deadline</b>`) showed `&lt;b&gt;` on the listings while the email and the
web issue page showed the words. A script goes with its content."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Buyer, Issue, Item
from tests.support.notices import store_notices
from tests.support.webdata import Archive

TITLE = 'Council <b>Deadline</b> &amp; <i>budget</i> row<script>alert("t9")</script>'
TITLE_TEXT = "Council Deadline & budget row"
SUMMARY = "<p>Bids <b>close</b> soon &amp; <script>alert(9)</script>fast</p>"
SUMMARY_TEXT = "Bids close soon & fast"
ATOM = "{http://www.w3.org/2005/Atom}"
NOTICE_FILE = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"


def _marked_up(engine: Engine, settings: Settings, corpus_dir: Path, archive: Archive) -> dict:
    """A news story, a job and a notice of one buyer, each titled and summarised in markup."""
    store_notices(engine, settings, [corpus_dir / "ocds" / NOTICE_FILE], approve=False)
    with write_session(engine) as s:
        notice = s.exec(select(Item).where(Item.kind == "notice")).first()
        assert notice is not None and notice.buyer_key
        buyer = s.exec(select(Buyer).where(Buyer.key == notice.buyer_key)).one()
        ids = {"notice": notice.id, "news": archive.items["insourcing"]}
        ids["job"] = archive.items["head"]
        for name in ("notice", "news", "job"):
            item = s.get(Item, ids[name])
            assert item is not None
            item.title, item.summary, item.body_html = TITLE, SUMMARY, ""
            item.buyer_key, item.status = buyer.key, "approved"
            s.add(item)
        ids["buyer"] = buyer.slug
    return ids


def _shown(html: str, xpath: str) -> list[str]:
    """What a reader sees in the elements (lxml decodes entities: `&lt;b&gt;` reads `<b>`)."""
    return [" ".join(e.text_content().split()) for e in lxml.html.fromstring(html).xpath(xpath)]


def test_titles_and_summaries_are_plain_text_on_every_page(
    client: TestClient, engine: Engine, settings: Settings, corpus_dir: Path, archive: Archive
) -> None:
    ids = _marked_up(engine, settings, corpus_dir, archive)
    pages = {
        "/news": "news", "/": "news", "/jobs": "job", f"/jobs/{ids['job']}": "job",
        "/notices": "notice", f"/notices/{ids['notice']}": "notice",
        f"/buyers/{ids['buyer']}": "all", "/search?q=deadline": "all",
    }  # fmt: skip
    for path, kind in pages.items():
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'alert("t9")' not in page.text and "alert(9)" not in page.text, path
        text = lxml.html.fromstring(page.text).text_content()
        assert "<b>" not in text and "&amp;" not in text, path  # no tag shown as text
        titles = _shown(page.text, "//h1 | //*[contains(@class, 'card-title')] | //ul/li/a")
        assert TITLE_TEXT in titles, (path, titles)
        if path in ("/news", "/"):
            assert SUMMARY_TEXT in _shown(page.text, "//p[@class='summary']"), path
        if path.startswith(("/jobs/", "/notices/")):
            assert _shown(page.text, "//title")[0].startswith(TITLE_TEXT), path
            assert SUMMARY_TEXT in _shown(page.text, "//p[@class='prose']"), path
            meta = lxml.html.fromstring(page.text).xpath("//meta[@name='description']/@content")
            assert meta == [SUMMARY_TEXT], path
        if kind == "all":
            assert titles.count(TITLE_TEXT) >= 2, (path, titles)
    job = client.get(f"/jobs/{ids['job']}").text
    (script,) = lxml.html.fromstring(job).xpath("//script[@type='application/ld+json']/text()")
    posting = json.loads(script)
    assert posting["title"] == TITLE_TEXT  # the description is HTML: the text, escaped
    assert posting["description"] == "<p>Bids close soon &amp; fast</p>"
    hit = client.get("/search", params={"q": "budget"}).text
    assert "Council Deadline &amp; <mark>budget</mark> row" in hit  # marked in the plain text


def test_titles_and_summaries_are_plain_text_in_feeds_and_the_api(
    client: TestClient, engine: Engine, settings: Settings, corpus_dir: Path, archive: Archive
) -> None:
    ids = _marked_up(engine, settings, corpus_dir, archive)
    for path in ("/feeds/news.xml", "/feeds/jobs.xml", "/feeds/notices.xml"):
        feed = ET.fromstring(client.get(path).content)
        entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
        assert TITLE_TEXT in entries, (path, list(entries))
        assert entries[TITLE_TEXT].findtext(f"{ATOM}summary") == SUMMARY_TEXT, path
    answers = [
        *client.get("/api/items").json()["items"],
        client.get(f"/api/items/{ids['news']}").json(),
        client.get(f"/api/jobs/{ids['job']}").json(),
        *client.get("/api/jobs").json()["items"],
        *client.get("/api/notices").json()["items"],
        client.get(f"/api/notices/{ids['notice']}").json(),
        *client.get("/api/search", params={"q": "deadline"}).json()["items"],
    ]
    ours = [a for a in answers if a["id"] in (ids["news"], ids["job"], ids["notice"])]
    assert len(ours) == 9
    for answer in ours:
        assert (answer["title"], answer["summary"]) == (TITLE_TEXT, SUMMARY_TEXT), answer["id"]


INTRO = "Hello <b>readers</b> &amp; friends.\n\nA <i>second</i> paragraph<script>alert(3)</script>."
INTRO_TEXT = "Hello readers & friends.\n\nA second paragraph."  # its paragraphs kept


def test_an_issues_intro_is_plain_text_in_the_feed_the_api_and_the_listings(
    client: TestClient, engine: Engine, archive: Archive
) -> None:
    with write_session(engine) as s:
        issues = list(s.exec(select(Issue)))
        for issue in issues:
            issue.intro = INTRO
            s.add(issue)
    assert issues
    feed = ET.fromstring(client.get("/feeds/issues.xml").content)
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")]
    assert summaries and set(summaries) == {INTRO_TEXT}
    listed = client.get("/api/issues").json()["issues"]
    one = client.get(f"/api/issues/{listed[0]['id']}").json()
    assert {i["intro"] for i in listed} == {INTRO_TEXT} and one["intro"] == INTRO_TEXT
    for path in ("/", "/issues"):
        page = client.get(path).text
        assert "alert(3)" not in page, path
        shown = _shown(page, "//p[@class='summary']")
        assert "Hello readers & friends. A second paragraph." in shown, (path, shown)
