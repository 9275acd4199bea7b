"""The editors' CLI shows an item's title and summary and an issue's intro as plain text,
as the email, the web, the feeds and the API do (`kil_feed.text.plain_text`): a title
stored with markup from its feed (`&amp;`, `<b>`, a script) was printed as stored by every
listing, table and `--json`. The stored value stays one field away for scripts
(`title_raw`, `summary_raw`, `intro_raw`). Through the `kil` CLI on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Buyer, Item
from kil_feed.timeutil import utcnow
from tests.newsletter.world import HOSTILE_TITLE, make_world
from tests.support.crawl import FAST_CRAWL_ENV
from tests.support.notices import store_notices

TITLE = 'Council <b>ends</b> waste deal &amp; saves <i>£2m</i><script>alert("t")</script>'
TITLE_TEXT = "Council ends waste deal & saves £2m"
SUMMARY = "<p>The <b>outsourcing</b> deal &amp; its <script>alert(1)</script>costs</p>"
SUMMARY_TEXT = "The outsourcing deal & its costs"
HOSTILE_TEXT = "Tom & Jerry Bcc: evil@example.org"  # world.HOSTILE_TITLE made plain
INTRO = "Hello <b>readers</b> &amp; friends.\n\nA <i>second</i> paragraph."
INTRO_TEXT = "Hello readers & friends.\n\nA second paragraph."
NOTICE_FILE = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"


def _marked_up(engine: Engine) -> dict[str, int]:
    """The world, its lead story titled and summarised in markup as a feed may carry them."""
    w = make_world(engine, now=utcnow())
    with write_session(engine) as s:
        item = s.get(Item, w.items["insourcing"])
        assert item is not None
        item.title, item.summary = TITLE, SUMMARY
        s.add(item)
    return w.items


def _no_markup(output: str) -> None:
    for raw in ("<b>", "&amp;", "alert(", "<script", "\r"):
        assert raw not in output, (raw, output)


@pytest.fixture(autouse=True)
def _wide(kil_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # a table's titles whole (after kil_env's width)


def test_item_listings_and_show_are_plain_with_the_stored_value_beside(
    cli: Any, engine: Engine
) -> None:
    ids = _marked_up(engine)
    rows = {r["id"]: r for r in json.loads(cli("items", "list", "--json").output)}
    ours, hostile = rows[ids["insourcing"]], rows[ids["hostile"]]
    assert (ours["title"], ours["summary"]) == (TITLE_TEXT, SUMMARY_TEXT)
    assert (ours["title_raw"], ours["summary_raw"]) == (TITLE, SUMMARY)
    assert (hostile["title"], hostile["title_raw"]) == (HOSTILE_TEXT, HOSTILE_TITLE)
    table = cli("items", "list").output
    assert TITLE_TEXT in table and HOSTILE_TEXT in table
    _no_markup(table)

    shown = json.loads(cli("items", "show", str(ids["insourcing"]), "--json").output)
    assert (shown["title"], shown["summary"]) == (TITLE_TEXT, SUMMARY_TEXT)
    assert (shown["title_raw"], shown["summary_raw"]) == (TITLE, SUMMARY)
    text = cli("items", "show", str(ids["insourcing"])).output
    assert f"title: {TITLE_TEXT}\n" in text and f"summary: {SUMMARY_TEXT}\n" in text
    assert f"title_raw: {TITLE}\n" in text  # differs from the title: said
    plain = cli("items", "show", str(ids["act-lead"])).output
    assert "title: Procurement Act 2023 goes live for councils\n" in plain
    assert "title_raw" not in plain  # the same as the title: not said twice


def test_curation_and_rules_show_plain_titles(cli: Any, engine: Engine) -> None:
    ids = _marked_up(engine)
    one = str(ids["insourcing"])
    (dry,) = json.loads(cli("items", "reject", one, "--dry-run", "--json").output)
    assert (dry["title"], dry["title_raw"], dry["summary"]) == (TITLE_TEXT, TITLE, SUMMARY_TEXT)
    table = cli("items", "reject", one, "--dry-run").output
    assert TITLE_TEXT in table
    _no_markup(table)
    edited = json.loads(cli("items", "edit", one, "--notes", "checked", "--json").output)
    assert (edited["title"], edited["title_raw"]) == (TITLE_TEXT, TITLE)

    rules = {r["id"]: r for r in json.loads(cli("rules", "test", "--all", "--json").output)}
    assert (rules[ids["insourcing"]]["title"], rules[ids["insourcing"]]["title_raw"]) == (
        TITLE_TEXT,
        TITLE,
    )
    _no_markup(cli("rules", "test", "--all").output)


def test_issue_show_has_plain_titles_and_intro(cli: Any, engine: Engine) -> None:
    ids = _marked_up(engine)
    cli("issue", "build")
    cli("issue", "edit", "1", "--intro", INTRO)
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    assert (shown["intro"], shown["intro_raw"]) == (INTRO_TEXT, INTRO)
    placed = {i["item_id"]: i for i in shown["items_by_section"]}
    assert (placed[ids["insourcing"]]["title"], placed[ids["insourcing"]]["title_raw"]) == (
        TITLE_TEXT,
        TITLE,
    )
    assert placed[ids["hostile"]]["title"] == HOSTILE_TEXT
    assert TITLE_TEXT in shown["subject"]  # as the lead's title
    text = cli("issue", "show", "1").output
    assert "Intro: Hello readers & friends. A second paragraph." in text
    assert TITLE_TEXT in text and HOSTILE_TEXT in text
    _no_markup(text)


def test_buyer_show_has_plain_titles(
    cli: Any, engine: Engine, settings: Settings, corpus_dir: Path
) -> None:
    store_notices(engine, settings, [corpus_dir / "ocds" / NOTICE_FILE])
    with write_session(engine) as s:
        notice = s.exec(select(Item).where(Item.kind == "notice")).first()
        assert notice is not None and notice.buyer_key
        notice.title = TITLE
        s.add(notice)
        slug = s.exec(select(Buyer).where(Buyer.key == notice.buyer_key)).one().slug
    data = json.loads(cli("buyers", "show", slug, "--json").output)
    (row,) = [n for n in data["notices"] if n["id"] == notice.id]
    assert (row["title"], row["title_raw"]) == (TITLE_TEXT, TITLE)
    _no_markup(cli("buyers", "show", slug).output)


def test_a_sources_check_table_shows_a_hostile_feeds_titles_plain(
    cli: Any, http_server: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    cli("sources", "add", "hostile", http_server.add_file("/hostile.rss", data_dir / "hostile.rss"))
    checked = json.loads(cli("sources", "check", "hostile", "--json").output)
    stored = [i["title"] for i in checked["items"]]  # the records as they would be stored
    assert '<script>alert("title")</script> Council insources waste services' in stored
    table = cli("sources", "check", "hostile").output
    assert "Council insources waste services" in table
    _no_markup(table)
