"""Atom feeds, sitemap.xml, robots.txt and the JSON API with its OpenAPI document."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import feedparser
from fastapi.testclient import TestClient

from tests.support.webdata import Archive

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(client: TestClient, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("application/atom+xml")
    ET.fromstring(response.content)  # well-formed XML
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_issues_feed(client: TestClient, archive: Archive) -> None:
    feed = parse(client, "/feeds/issues.xml")
    assert [e.title for e in feed.entries] == ["Insourcing wins and a new Head of Procurement"]
    assert feed.entries[0].link == f"https://kil.example.org/issues/{archive.issues['sent']}"


def test_news_feed_has_approved_news_escaped(client: TestClient) -> None:
    feed = parse(client, "/feeds/news.xml")
    found = [e.title for e in feed.entries]
    assert "Council brings waste collection back in-house" in found
    assert not any("Unreviewed" in t or "Head of Procurement" in t for t in found)
    raw = client.get("/feeds/news.xml").text
    assert "<script>" not in raw  # titles and content are escaped XML text


def test_jobs_topic_and_region_feeds(client: TestClient, archive: Archive) -> None:
    jobs = parse(client, "/feeds/jobs.xml")
    assert {e.link for e in jobs.entries} >= {
        f"https://kil.example.org/jobs/{archive.items['head']}"
    }
    topic = parse(client, "/feeds/topic/social-value.xml")
    assert [e.title for e in topic.entries] == ["New guidance on social value in procurement"]
    region = parse(client, "/feeds/region/north-west.xml")
    assert {e.title for e in region.entries} == {
        "Council brings waste collection back in-house",
        "Interim Head of Procurement",
    }
    assert client.get("/feeds/topic/no-such-topic.xml").status_code == 404
    assert client.get("/feeds/region/atlantis.xml").status_code == 404


def test_sitemap_and_robots(client: TestClient, archive: Archive) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locs = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert f"https://kil.example.org/issues/{archive.issues['sent']}" in locs
    assert f"https://kil.example.org/jobs/{archive.items['head']}" in locs
    assert f"https://kil.example.org/issues/{archive.issues['draft']}" not in locs
    assert f"https://kil.example.org/jobs/{archive.items['pending_job']}" not in locs
    robots = client.get("/robots.txt")
    assert robots.headers["content-type"].startswith("text/plain")
    assert "Disallow: /unsubscribe/" in robots.text
    assert "Sitemap: https://kil.example.org/sitemap.xml" in robots.text


def test_api_items_and_filters(client: TestClient, archive: Archive) -> None:
    body = client.get("/api/items").json()
    assert body["total"] == 4 and body["limit"] == 20
    assert {i["kind"] for i in body["items"]} == {"news"}
    first = next(i for i in body["items"] if i["id"] == archive.items["insourcing"])
    assert first["source"] == "LocalGov Wire" and first["topics"] == ["outsourcing"]
    assert first["published_at"].endswith("+00:00")
    only = client.get("/api/items", params={"region": "London"}).json()
    assert [i["id"] for i in only["items"]] == [archive.items["social"]]
    one = client.get(f"/api/items/{archive.items['act']}").json()
    assert one["title"] == "Procurement Act 2023 regime goes live"
    assert client.get(f"/api/items/{archive.items['pending']}").status_code == 404


def test_api_jobs(client: TestClient, archive: Archive) -> None:
    body = client.get("/api/jobs", params={"rate_min": 500}).json()
    assert [j["id"] for j in body["items"]] == [archive.items["head"]]
    job = body["items"][0]
    assert (job["pay_min"], job["pay_max"], job["pay_period"]) == (550, 650, "day")
    assert job["web_url"] == f"https://kil.example.org/jobs/{archive.items['head']}"
    closed = client.get("/api/jobs", params={"include_closed": "true"}).json()
    assert archive.items["closed"] in [j["id"] for j in closed["items"]]
    assert client.get(f"/api/jobs/{archive.items['insourcing']}").status_code == 404


def test_api_issues(client: TestClient, archive: Archive) -> None:
    issues = client.get("/api/issues").json()["issues"]
    assert [i["id"] for i in issues] == [archive.issues["sent"]]
    missing = client.get(f"/api/issues/{archive.issues['draft']}")
    assert missing.status_code == 404 and "error" in missing.json()


def test_api_issue_is_its_web_page_without_dropped_items(
    client: TestClient, archive: Archive
) -> None:
    """Sections by the page's titles (never raw `news:<topic>` keys), in the page's order,
    and none of the items the editor dropped."""
    detail = client.get(f"/api/issues/{archive.issues['sent']}").json()
    ids = {title: [i["id"] for i in items] for title, items in detail["sections"].items()}
    reform = "Procurement"  # the bundled topic list files "procurement reform" under it
    assert ids == {
        "Top stories": [archive.items["insourcing"], archive.items["social"]],
        reform: [archive.items["act"]],
        "Interim jobs": [archive.items["head"], archive.items["category"]],
    }
    assert list(ids) == ["Top stories", reform, "Interim jobs"]
    page = client.get(f"/issues/{archive.issues['sent']}").text
    assert re.findall(r'<h2 id="sec-\d+">([^<]+)</h2>', page) == list(ids)
    job = detail["sections"]["Interim jobs"][0]
    assert job["web_url"] == f"https://kil.example.org/jobs/{archive.items['head']}"


def test_api_validation_errors_are_json(client: TestClient) -> None:
    response = client.get("/api/items", params={"limit": 0})
    assert response.status_code == 422
    assert "limit" in response.json()["error"]


def test_openapi_documents_the_api_only(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/items", "/api/items/{item_id}", "/api/jobs", "/api/jobs/{item_id}",
            "/api/issues", "/api/issues/{issue_id}"} <= paths  # fmt: skip
    assert not any(not p.startswith("/api/") for p in paths)
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_api_docs_are_served_offline_under_a_strict_csp(client: TestClient) -> None:
    """Swagger UI's files come from our /static, with no CDN and no inline script."""
    docs = client.get("/api/docs")
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "https:" not in csp
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', docs.text)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/swagger-ui/swagger-ui.css" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "<script>" not in docs.text  # no inline script
    for path in sources:
        asset = client.get(path)
        assert asset.status_code == 200 and len(asset.content) > 100, path
    assert "SwaggerUIBundle" in client.get("/static/swagger-ui/swagger-ui-bundle.js").text


API_ITEM_FIELDS = [
    "id", "kind", "title", "url", "summary", "source", "published_at", "topics", "regions",
    "employer", "location", "contract_type", "pay_min", "pay_max", "pay_period",
    "pay_currency", "ir35", "closes_at", "web_url",
]  # fmt: skip


def test_api_item_fields_are_the_public_contract(client: TestClient, archive: Archive) -> None:
    """News and jobs carry the same documented fields (job terms null for news)."""
    news = client.get(f"/api/items/{archive.items['act']}").json()
    job = client.get(f"/api/jobs/{archive.items['head']}").json()
    assert list(news) == API_ITEM_FIELDS and list(job) == API_ITEM_FIELDS
    assert news["employer"] is None and news["web_url"] == news["url"]


def test_api_and_feed_call_an_issue_by_its_uncut_headline(
    client: TestClient, archive: Archive, engine
) -> None:  # type: ignore[no-untyped-def]
    from kil_feed.db import write_session
    from kil_feed.models import Issue

    headline = "Insourcing wins in Leeds, Bristol and Durham, and a new Head of Procurement"
    with write_session(engine) as s:
        issue = s.get(Issue, archive.issues["sent"])
        assert issue is not None
        issue.headline, issue.subject = headline, "Insourcing wins in Leeds, Bristol and…"
        s.add(issue)
    (listed,) = client.get("/api/issues").json()["issues"]
    assert (listed["headline"], listed["subject"]) == (
        headline,
        "Insourcing wins in Leeds, Bristol and…",
    )
    detail = client.get(f"/api/issues/{archive.issues['sent']}").json()
    assert detail["headline"] == headline
    assert f"<title>{headline}</title>" in client.get("/feeds/issues.xml").text
