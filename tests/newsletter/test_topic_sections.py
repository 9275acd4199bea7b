"""Sections follow preferences (issue #17): a subscriber who chose topics sees only those
topic sections (plus top stories, jobs and notices), each story once."""

from __future__ import annotations

from datetime import UTC, datetime

from kil_feed.config import Settings
from newsletter.content import Card, IssueContent
from newsletter.render import Audience, Renderer, sections_for

WHEN = datetime(2026, 11, 20, tzinfo=UTC)


def card(item_id: int, *topics: str, kind: str = "news") -> Card:
    return Card(item_id, kind, f"Story {item_id}", None, "", "Src", WHEN, False, topics=topics)


def content() -> IssueContent:
    labels = {"commissioning": "Commissioning", "outsourcing": "Outsourcing and insourcing",
              "procurement": "Procurement", "social-value": "Social value"}  # fmt: skip
    return IssueContent(
        issue_id=1, week="2026-W48", subject="s", intro="", status="draft",
        top=[card(1, "outsourcing")],
        news=[
            ("Commissioning", [card(2, "commissioning", "procurement", "social-value"),
                               card(3, "commissioning")]),
            ("Outsourcing and insourcing", [card(4, "outsourcing", "social-value")]),
            ("Procurement", [card(5, "procurement")]),
            ("Social value", [card(6, "social-value")]),
        ],
        jobs=[card(7, kind="job")],
        labels=labels,
    )  # fmt: skip


def shown(audience: Audience) -> dict[str, list[int]]:
    return {s.title: [c.item_id for c in s.cards] for s in sections_for(content(), audience)}


def test_chosen_topics_only_each_story_once_under_the_first_chosen() -> None:
    sections = shown(Audience.of([], ["procurement", "social-value"]))
    assert sections == {
        "Top stories": [1],  # top stories go to everyone
        "Procurement": [2, 5],  # story 2's first chosen topic is procurement
        "Social value": [4, 6],
        "Interim jobs": [7],
    }
    ids = [i for cards in sections.values() for i in cards]
    assert len(ids) == len(set(ids))


def test_no_topic_preference_gets_every_section() -> None:
    sections = shown(Audience())
    assert list(sections) == [
        "Top stories", "Commissioning", "Outsourcing and insourcing", "Procurement",
        "Social value", "Interim jobs",
    ]  # fmt: skip


def test_the_rendered_email_has_no_section_the_subscriber_did_not_choose(
    settings: Settings,
) -> None:
    html = Renderer(settings, content()).render(Audience.of([], ["procurement"])).html
    assert ">Procurement</td>" in html
    assert ">Commissioning</td>" not in html and "Outsourcing and insourcing</td>" not in html
    assert "Story 2" in html and "Story 3" not in html
