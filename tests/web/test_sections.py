"""Section links at the top of an issue's web page and of its email (HTML part)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from newsletter.content import issue_content
from newsletter.render import Audience, Renderer
from tests.support.webdata import Archive


def _links_and_targets(html: str) -> tuple[list[str], set[str]]:
    links = re.findall(r'<a href="#(sec-\d+)"', html)
    targets = set(re.findall(r'id="(sec-\d+)"', html))
    return links, targets


def test_issue_page_starts_with_section_links(client: TestClient, archive: Archive) -> None:
    html = client.get(f"/issues/{archive.issues['sent']}").text
    toc = html[html.index('class="issue-toc"') : html.index("</nav>", html.index("issue-toc"))]
    links, targets = _links_and_targets(html)
    headings = re.findall(r'<h2 id="sec-\d+">([^<]+)</h2>', html)
    assert len(links) == len(headings) >= 2
    assert set(links) == targets
    for heading in headings:  # every section, by its title, in order
        assert heading in toc
    assert html.index("issue-toc") < html.index('id="sec-1"')


def test_email_starts_with_section_links(
    settings: Settings, engine: Engine, archive: Archive
) -> None:
    with read_session(engine) as s:
        content = issue_content(archive.issues["sent"], session=s)
    html = Renderer(settings, content).render(Audience()).html
    links, targets = _links_and_targets(html)
    assert "In this issue" in html and len(links) >= 2
    assert set(links) == targets
    assert html.index("In this issue") < html.index('id="sec-1"')
    assert html.index('<meta charset="utf-8">') < 1024
