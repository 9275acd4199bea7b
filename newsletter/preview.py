"""Preview an issue as one subscriber (or the national view) would receive it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import Engine

from kil_feed import tokens
from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.errors import ValidationError
from kil_feed.storage.subscribers import get_subscriber
from kil_feed.timeutil import utcnow
from kil_feed.topics import topic_catalog
from newsletter.content import load_issue_content
from newsletter.message import MessageFactory, Recipient
from newsletter.pulse import issue_pulses
from newsletter.render import Audience, Renderer
from newsletter.subject import current_subject

FORMATS = ("html", "text", "eml")
PREVIEW_ADDRESS = "preview@example.org"


def preview_issue(
    engine: Engine,
    settings: Settings,
    issue_id: int,
    *,
    subscriber: str | None = None,
    fmt: str = "html",
) -> bytes:
    """The HTML part, the text part or the whole message (eml), with real links filled in."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}", hint="use html, text or eml")
    content = load_issue_content(engine, issue_id, topic_catalog(settings))
    content = replace(content, subject=current_subject(engine, settings, issue_id, store=False))
    recipient = Recipient(0, PREVIEW_ADDRESS, "Preview")
    audience = Audience()
    if subscriber:
        with read_session(engine) as session:
            sub = get_subscriber(subscriber, session=session)
        recipient = Recipient(sub.id or 0, sub.email, sub.name)
        audience = Audience.of(sub.regions, sub.topics)
    pulses = issue_pulses(engine, settings, issue_id, content.week, keep=False)
    rendered = Renderer(settings, content, pulses).render(audience)
    unsubscribe = tokens.unsubscribe_url(settings, recipient.subscriber_id)
    preferences = tokens.preferences_url(settings, recipient.subscriber_id)
    if fmt == "eml":
        data, _ = MessageFactory(settings, issue_id).build(
            rendered,
            recipient,
            unsubscribe,
            preferences,
            when=utcnow(),
            unsubscribe_token=unsubscribe.rsplit("/", 1)[1],
        )
        return data
    html, text = rendered.personalise(unsubscribe, preferences)
    return (html if fmt == "html" else text).encode("utf-8")
