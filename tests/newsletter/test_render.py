"""Rendering: golden files, personalisation by region and topic, escaping, email-safe HTML."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.text import plain_text
from newsletter.build import build_issue
from newsletter.content import load_issue_content, safe_url
from newsletter.edit import edit_issue
from newsletter.render import (
    PREFERENCES_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    Audience,
    Renderer,
    sections_for,
)
from tests.newsletter.conftest import tune
from tests.newsletter.golden import assert_golden
from tests.newsletter.world import NOW, World

NW = Audience.of(["North West"], [])
LONDON = Audience.of(["London"], [])
NATIONAL_SOCIAL_VALUE = Audience.of([], ["social-value"])


@pytest.fixture
def renderer(engine: Engine, settings: Settings, world: World) -> Renderer:
    tight = tune(settings, max_top_stories=2)
    issue = build_issue(engine, tight, now=NOW)
    assert issue is not None and issue.id is not None
    edit_issue(engine, issue.id, intro="Welcome to this week's issue.\n\nA second paragraph.")
    return Renderer(tight, load_issue_content(engine, issue.id))


@pytest.mark.parametrize(
    "name,audience",
    [("north_west", NW), ("national_social_value", NATIONAL_SOCIAL_VALUE)],
)
def test_golden_files(renderer: Renderer, name: str, audience: Audience) -> None:
    rendered = renderer.render(audience)
    assert_golden(f"issue_{name}.html", rendered.html)
    assert_golden(f"issue_{name}.txt", rendered.text)


def _section_titles(renderer: Renderer, audience: Audience) -> dict[str, list[str]]:
    return {s.title: [c.title for c in s.cards] for s in sections_for(renderer.content, audience)}


def test_near_you_follows_the_subscribers_regions(renderer: Renderer) -> None:
    nw = _section_titles(renderer, NW)
    assert nw["Near you: interim jobs"] == ["Interim Head of Procurement"]
    assert nw["More interim jobs"] == ["Interim Category Manager, Social Care"]
    london = _section_titles(renderer, LONDON)
    assert london["Near you: interim jobs"] == ["Interim Category Manager, Social Care"]
    assert "Interim Head of Procurement" not in london["Near you: interim jobs"]
    national = _section_titles(renderer, Audience())
    assert not any(t.startswith("Near you") for t in national)
    assert len(national["Interim jobs"]) == 2
    # a region with no job this week: the jobs under a title that says so, never "More ..."
    scotland = _section_titles(renderer, Audience.of(["Scotland"], []))
    assert scotland["Interim jobs (none in Scotland this week)"] == national["Interim jobs"]
    assert not any(t.startswith(("Near you", "More")) for t in scotland)


def test_topic_preferences_filter_news_sections(renderer: Renderer) -> None:
    everything = _section_titles(renderer, Audience())
    assert len(everything["Social value"]) == 2
    assert (
        _section_titles(renderer, NATIONAL_SOCIAL_VALUE)["Social value"]
        == everything["Social value"]
    )
    other = _section_titles(renderer, Audience.of([], ["procurement-reform"]))
    assert "Social value" not in other
    assert other["Top stories"] == everything["Top stories"]  # top stories go to everyone


def test_hostile_item_text_is_escaped(renderer: Renderer) -> None:
    html = renderer.render(Audience()).html
    assert "<script" not in html and "onerror" not in html
    # the title is made plain text (nh3: a script goes with its content) and then escaped,
    # as the preheader and the plain-text part show it
    assert ">Tom &amp; Jerry Bcc: evil@" in html and "alert(" not in html
    assert "javascript:" not in html  # a non-http link is left out, not linked
    assert "Hostile bold text" in html  # summary HTML reduced to its text


def test_email_html_is_inlined_and_dark_mode_ready(renderer: Renderer) -> None:
    html = renderer.render(NW).html
    assert 'class="card"' in html and re.search(r'<td class="card" style="[^"]*padding', html)
    assert "@media (prefers-color-scheme: dark)" in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "<img" not in html  # nothing depends on images
    assert html.count('role="presentation"') >= 2
    assert f'href="{renderer.web_url()}"' in html
    assert renderer.web_url() == "https://kil.example.org/issues/1"
    assert UNSUBSCRIBE_PLACEHOLDER in html and PREFERENCES_PLACEHOLDER in html


def test_one_render_per_preference_set(renderer: Renderer) -> None:
    for _ in range(3):
        renderer.render(Audience.of(["London"], []))
        renderer.render(Audience.of(["North West"], []))
    renderer.render(Audience.of(["London"], ["x"]))
    assert renderer.renders == 3


def test_personalise_fills_links_in_both_parts(renderer: Renderer) -> None:
    html, text = renderer.render(NW).personalise("https://u.example/UN", "https://u.example/PR")
    for body in (html, text):
        assert "https://u.example/UN" in body and "https://u.example/PR" in body
        assert "KILx" not in body
    assert renderer.preheader().startswith("Welcome to this week")


def test_text_helpers() -> None:
    assert plain_text("<p>A &amp; <b>B</b>\n\tC</p>") == "A & B C"
    assert plain_text("word " * 100, 20).endswith("…")
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" https://ok.example/a?b=1 ") == "https://ok.example/a?b=1"


@pytest.fixture
def with_item(engine: Engine, settings: Settings, world: World) -> Callable[..., Renderer]:
    """Adds one more approved item to the jobs source, then renders this week's issue."""
    from datetime import timedelta

    from kil_feed.db import write_session
    from kil_feed.models import Item
    from kil_feed.storage.items import save_item

    def add(kind: str, title: str, **fields: Any) -> Renderer:
        with write_session(engine) as s:
            item = Item(
                source_id=world.sources["jobs"],
                kind=kind,
                title=title,
                url=f"https://{kind}s.example.org/{len(title)}",
                status="approved",
                published_at=NOW - timedelta(days=1),
                collected_at=NOW - timedelta(days=1),
                **fields,
            )
            save_item(item, session=s)
        issue = build_issue(engine, settings, now=NOW)
        assert issue is not None and issue.id is not None
        return Renderer(settings, load_issue_content(engine, issue.id))

    return add


def test_notices_have_their_own_section_near_you_first(with_item: Callable[..., Renderer]) -> None:
    title = "Tender: Waste collection services, Bolton"
    renderer = with_item("notice", title, employer="Bolton Council", regions=["North West"])
    assert [c.title for c in renderer.content.notices] == [title]
    nw = _section_titles(renderer, NW)
    assert nw["Near you: procurement notices"] == [title]
    london = _section_titles(renderer, LONDON)
    assert london["Procurement notices (none in London this week)"] == [title]
    assert _section_titles(renderer, Audience())["Procurement notices"] == [title]
    assert "Bolton Council" in renderer.render(NW).text


def test_a_remote_job_is_near_every_subscriber_and_shown_uk_wide(
    with_item: Callable[..., Renderer],
) -> None:
    from crawler.classify import job_regions

    title = "Interim Procurement Lead (remote)"
    regions = job_regions("Fully remote. Our client, a London borough, needs a lead.")
    renderer = with_item("job", title, employer="Acme Interim", regions=regions)
    for audience in (NW, LONDON):
        assert title in _section_titles(renderer, audience)["Near you: interim jobs"]
    assert title in _section_titles(renderer, Audience())["Interim jobs"]
    text = renderer.render(LONDON).text
    assert "Acme Interim, UK-wide" in text and "North East, North West" not in text


def test_a_link_in_a_summary_stays_whole_in_the_text_part(
    with_item: Callable[..., Renderer],
) -> None:
    # a plain-text reader clicks what its client finds as a URL: a URL cut across two lines
    # (at its length or at a hyphen) leads to a page that does not exist
    link = "https://www.contractsfinder.service.gov.uk/notice/" + "a1b2c3d4-" * 8 + "end"
    word = "Supercalifragilisticexpialidociousprocurementframeworkagreementrenewal"
    summary = f"Apply by Friday: the full specification is at {link} for all bidders"
    renderer = with_item("job", f"Interim Lead {word} programme", summary=summary)
    text = renderer.render(NW).text
    assert f"  {link}\n" in text, text
    assert word in text


def test_a_long_title_hangs_under_its_bullet_in_the_text_part(
    with_item: Callable[..., Renderer],
) -> None:
    # a title's second line at the left margin reads as a line of its own, not the title's
    title = (
        "Interim Commissioning Manager for adult social care, learning disabilities"
        " and mental health services across three boroughs"
    )
    text = with_item("job", title, employer="Acme Interim").render(NW).text
    start = text.index("* Interim Commissioning Manager")
    first, second = text[start:].splitlines()[:2]
    assert len(first) <= 76 and second.startswith("  ") and second.strip() in title, text
    assert f"{first[2:]} {second.strip()}" == title
