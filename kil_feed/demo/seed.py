"""Demo data that is not crawled: the demo sources (pointing at the demo site) and subscribers.

Both are idempotent: a second run updates the sources in place and leaves existing
subscribers as they are (an unsubscribe made through the archive sticks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.demo.server import fill_placeholders
from kil_feed.demo.workspace import bundled_text, demo_subscribers
from kil_feed.models import Subscriber, SubscriberStatus
from kil_feed.storage.sources import upsert_source
from kil_feed.storage.subscribers import find_subscriber, normalise_email
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedReport:
    created: list[str]
    updated: list[str]


def demo_sources_text(site_url: str) -> str:
    """The demo sources file with the demo site's address filled in."""
    return fill_placeholders(bundled_text("sources.toml"), base_url=site_url, now=utcnow())


def import_sources(engine: Engine, settings: Settings, site_url: str) -> SeedReport:
    """Create or update the demo sources (validated like `kil sources import`)."""
    from kil_feed.sources_file import parse_sources, validate_spec

    specs = parse_sources(demo_sources_text(site_url), origin="demo sources")
    specs = [
        validate_spec(s, allow_private=settings.allow_private_networks, resolve=False)
        for s in specs
    ]
    created, updated = [], []
    with write_session(engine) as session:
        for spec in specs:
            _, was_created = upsert_source(spec.name, session=session, **spec.fields())
            (created if was_created else updated).append(spec.name)
    logger.info("demo sources created=%d updated=%d", len(created), len(updated))
    return SeedReport(created, updated)


def add_subscribers(engine: Engine) -> SeedReport:
    """Add the demo subscribers, confirmed; existing ones are left untouched."""
    created, existing = [], []
    now = utcnow()
    with write_session(engine) as session:
        for row in demo_subscribers():
            email = normalise_email(row["email"])
            if find_subscriber(email, session=session) is not None:
                existing.append(email)
                continue
            session.add(
                Subscriber(
                    email=email,
                    name=row.get("name", ""),
                    regions=list(row.get("regions", [])),
                    topics=list(row.get("topics", [])),
                    status=SubscriberStatus.confirmed.value,
                    confirmed_at=now,
                    origin="demo",
                )
            )
            created.append(email)
    return SeedReport(created, existing)
