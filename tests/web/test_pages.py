"""Home, issues, an issue's web version, news listing: content, filters, escaping."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from kil_feed.db import write_session
from kil_feed.models import Item, Source
from kil_feed.storage.items import save_item
from kil_feed.timeutil import utcnow
from tests.support.webdata import Archive


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="[^"]*"[^>]*>([^<]+)</a>', html)


def test_home_shows_latest_issue_top_news_newest_jobs_and_form(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "Insourcing wins and a new Head of Procurement" in html  # the sent issue
    assert "Draft issue not yet sent" not in html
    assert "Council brings waste collection back in-house" in html
    assert "Interim Head of Procurement" in html
    assert "Contracts Manager" not in html  # closed
    assert "Unreviewed" not in html  # pending news and jobs
    assert 'action="/subscribe"' in html and 'name="csrf_token"' in html


def test_issues_lists_only_sent_issues(client: TestClient, archive: Archive) -> None:
    html = client.get("/issues").text
    assert f'href="/issues/{archive.issues["sent"]}"' in html
    assert f'href="/issues/{archive.issues["draft"]}"' not in html


def test_issue_web_version_has_every_section_in_order(client: TestClient, archive: Archive) -> None:
    page = client.get(f"/issues/{archive.issues['sent']}")
    assert page.status_code == 200
    html = page.text
    headings = re.findall(r'<h2 id="sec-\d+">([^<]+)</h2>', html)
    assert headings == ["Top stories", "Procurement", "Interim jobs"]  # email's titles
    assert html.index("Council brings waste") < html.index("New guidance on social value")
    assert "Interim Head of Procurement" in html and "£550–£650 per day" in html


def cards_in_order(html: str, title_tag: str) -> list[tuple[str, str]]:
    """(section title, card text) for every card, in page order: title, then any "also"."""
    out: list[tuple[str, str]] = []
    section = ""
    pattern = (
        r'<h2 id="sec-\d+">([^<]+)</h2>|class="section-title"[^>]*>([^<]+)<'
        rf'|class="card-title"[^>]*>(.*?)</{title_tag}>|>Also reported by ([^<]+)<'
    )
    for head, email_head, title, also in re.findall(pattern, html, re.S):
        if head or email_head:
            section = (head or email_head).strip()
        elif title:
            text = " ".join(re.sub(r"<[^>]+>", " ", title).split())
            out.append((section, text.removeprefix("FEATURED ").removeprefix("Featured ")))
        else:
            out.append((section, "also: " + also.strip()))
    return out


def test_issue_web_version_is_the_national_email(
    client: TestClient, engine, settings, archive: Archive
) -> None:
    """The web page shows the national email's sections, cards, order and clustering."""
    from newsletter.content import load_issue_content
    from newsletter.render import Audience, Renderer

    with write_session(engine) as s:
        head = s.get(Item, archive.items["insourcing"])
        head.cluster_id = 7
        copy = Item(
            source_id=s.exec(select(Source.id).where(Source.name == "Procurement Weekly")).one(),
            kind="news",
            url="https://pw.example/bins",
            title="Bin service returns in-house",
            summary="The same story from another source.",
            status="approved",
            cluster_id=7,
            published_at=utcnow(),
        )
        save_item(copy, session=s)
    email = Renderer(settings, load_issue_content(engine, archive.issues["sent"]))
    emailed = cards_in_order(email.render(Audience()).html, "p")
    shown = cards_in_order(client.get(f"/issues/{archive.issues['sent']}").text, "h3")
    assert ("Top stories", "also: Procurement Weekly") in emailed
    assert len(emailed) == 6 and [t for _, t in emailed].count("Interim Head of Procurement") == 1
    assert shown == emailed


def test_draft_and_missing_issues_are_404(client: TestClient, archive: Archive) -> None:
    assert client.get(f"/issues/{archive.issues['draft']}").status_code == 404
    assert client.get("/issues/999999").status_code == 404
    assert client.get("/issues/not-a-number").status_code == 404  # no page there


def test_news_lists_approved_news_only(client: TestClient) -> None:
    html = client.get("/news").text
    found = titles(html)
    assert "Council brings waste collection back in-house" in found
    assert "Procurement Act 2023 regime goes live" in found
    assert not any("Unreviewed" in t or "Rejected" in t for t in found)
    assert not any("Head of Procurement" in t for t in found)  # jobs are not news
    assert "4 stories" in html


def test_news_filters_by_topic_region_and_source(client: TestClient) -> None:
    assert titles(client.get("/news", params={"topic": "social-value"}).text) == [
        "New guidance on social value in procurement"
    ]
    assert titles(client.get("/news", params={"region": "North West"}).text) == [
        "Council brings waste collection back in-house"
    ]
    by_source = titles(client.get("/news", params={"source": "Procurement Weekly"}).text)
    assert "New guidance on social value in procurement" in by_source
    assert "Council brings waste collection back in-house" not in by_source
    assert "No news matches" in client.get("/news", params={"topic": "nothing"}).text


def test_news_paginates(client: TestClient, engine, archive: Archive) -> None:
    client.app.state.settings.web.page_size = 2
    first = client.get("/news").text
    second = client.get("/news", params={"page": 2}).text
    assert len(titles(first)) == 2 and len(titles(second)) == 2
    assert not set(titles(first)) & set(titles(second))
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in second
    # a page past the last is not found (Django's paginator, Datasette): it was a 200
    # "Page 50 of 2" with nothing on it
    for path in ("/news", "/jobs", "/notices", "/search?q=council"):
        past = client.get(path, params={"page": 50})
        assert past.status_code == 404, path
        assert "<h1>Not found</h1>" in past.text, path
        assert "there is no page 50: this listing has " in past.text, path
    assert client.get("/news", params={"page": 3}).status_code == 404
    # a page number that cannot be is a 422 with the page and a message (never a 500)
    for odd in ("0", "-3", "abc", "99999999999"):
        response = client.get("/news", params={"page": odd})
        assert response.status_code == 422 and "invalid page" in response.text, odd


def test_scraped_text_is_escaped_everywhere(client: TestClient, archive: Archive) -> None:
    for path in ("/", "/news", "/search?q=budget"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert 'onerror="alert' not in html
    html = client.get("/news").text
    assert "Council budget row" in html and "alert(" not in html  # plain text, as emailed


def test_new_items_appear_without_restart(client: TestClient, engine, archive: Archive) -> None:
    with write_session(engine) as s:
        save_item(
            Item(
                source_id=1,
                kind="news",
                url="https://lgw.example/new",
                title="Fresh story",
                status="approved",
                published_at=utcnow(),
            ),  # fmt: skip
            session=s,
        )
    assert "Fresh story" in client.get("/news").text


def test_unknown_path_is_a_friendly_404(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is nothing at this address" in page.text
    assert page.headers["content-type"].startswith("text/html")
