"""Topics are a checked list (issue #17): editors cannot invent one, the public only ever
sees known topics, and people see labels ("Social value"), not slugs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.tokens import preferences_url
from kil_feed.topics import topic_catalog
from newsletter.build import build_issue
from newsletter.content import load_issue_content
from newsletter.render import Audience, Renderer
from tests.newsletter.conftest import tune
from tests.newsletter.world import NOW, make_world
from tests.support.webdata import Archive
from tests.web.conftest import csrf_of

TYPO = "procurment"


@pytest.fixture
def typo_item(engine: Engine, archive: Archive) -> int:
    """An approved item that carries a typo as a topic (older data, or a source's tag)."""
    with write_session(engine) as s:
        item = s.get(Item, archive.items["social"])
        assert item is not None
        item.topics = [*item.topics, TYPO]
        save_item(item, session=s)
        return item.id  # type: ignore[return-value]


def test_editors_cannot_tag_an_unknown_topic(cli: Any, engine: Engine, archive: Archive) -> None:
    item_id = archive.items["social"]
    result = cli("items", "edit", str(item_id), "--topic", f"+{TYPO}", ok=False)
    assert result.exit_code == 2
    assert f"unknown topic '{TYPO}'" in result.output and "kil topics list" in result.output
    assert "social-value" in result.output  # the known ones are listed
    with read_session(engine) as s:
        assert TYPO not in s.get(Item, item_id).topics  # type: ignore[union-attr]
    cli("items", "edit", str(item_id), "--topic", "+Local government")  # a label is fine
    with read_session(engine) as s:
        assert "local-government" in s.get(Item, item_id).topics  # type: ignore[union-attr]
    assert "unknown topic" in cli("subscribers", "add", "a@example.org", "--topic", TYPO,
                                  ok=False).output  # fmt: skip


def test_topics_list_shows_slugs_labels_and_strays(
    cli: Any, typo_item: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(cli("topics", "list", "--json").output)
    rows = {t["slug"]: t for t in data["topics"]}
    assert rows["social-value"]["label"] == "Social value"
    assert rows["social-value"]["items"] == 1
    assert data["unknown_in_use"] == {TYPO: 1}
    table = cli("topics", "list").output
    assert "Social value" in table and f"{TYPO} (1)" in table
    mine = tmp_path / "my-topics.toml"
    mine.write_text('[[topic]]\nname = "waste"\nlabel = "Waste and recycling"\n'
                    'keywords = ["recycl*"]\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("KIL_CRAWL__TOPICS_FILE", str(mine))
    data = json.loads(cli("topics", "list", "--json").output)
    assert {"slug": "waste", "label": "Waste and recycling", "items": 0} in data["topics"]
    cli("items", "edit", str(typo_item), "--topic", "+waste")


def test_the_public_sees_known_topics_by_label(
    client: TestClient, engine: Engine, typo_item: int
) -> None:
    signup = client.get("/subscribe").text
    assert 'value="social-value"> Social value</label>' in signup
    assert 'value="adult-social-care"> Adult social care</label>' in signup  # no items yet
    assert TYPO not in signup
    search = client.get("/search", params={"q": "council"}).text
    assert TYPO not in search and ">Social value</option>" in search
    news = client.get("/news").text
    assert ">Social value</a>" in news and f">{TYPO}</a>" not in news
    assert client.get(f"/feeds/topic/{TYPO}.xml").status_code == 404
    feed = client.get("/feeds/topic/social-value.xml")
    assert feed.status_code == 200 and "News on Social value" in feed.text
    # a forged choice of the typo is not stored
    token = csrf_of(client)
    client.post("/subscribe", data={"email": "t@example.org", "csrf_token": token,
                                    "topics": [TYPO, "social-value"]})  # fmt: skip
    assert subscriber_topics(engine, "t@example.org") == ["social-value"]


def subscriber_topics(engine: Engine, address: str) -> list[str]:
    with read_session(engine) as s:
        sub = find_subscriber(address, session=s)
        assert sub is not None, address
        return list(sub.topics)


def test_preferences_offer_labels_not_typos(
    client: TestClient, settings: Settings, typo_item: int, archive: Archive
) -> None:
    url = preferences_url(settings, archive.subscribers["reader"])
    page = client.get(url.removeprefix(settings.base_url)).text
    assert "> Social value</label>" in page and TYPO not in page
    assert 'value="outsourcing" checked> Outsourcing and insourcing</label>' in page


def test_email_sections_use_the_topic_files_labels(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(engine)
    mine = tmp_path / "labels.toml"
    mine.write_text('[[topic]]\nname = "social-value"\nlabel = "Social value and community"\n'
                    'keywords = ["social value"]\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("KIL_CRAWL__TOPICS_FILE", str(mine))
    custom = tune(load_settings(), max_top_stories=1)
    issue = build_issue(engine, custom, now=NOW)
    assert issue is not None and issue.id is not None
    content = load_issue_content(engine, issue.id, topic_catalog(custom))
    html = Renderer(custom, content).render(Audience()).html
    assert "Social value and community" in html
