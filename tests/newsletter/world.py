"""A fixed, small world for newsletter tests: sources, items, subscribers at a known time.

Everything is written through the models and `kil_feed.storage`, as ingestion and curation
would. `NOW` is a Monday morning of ISO week 2026-W48.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Item, Source, Subscriber
from kil_feed.storage.items import save_item, upsert_items
from kil_feed.storage.sources import upsert_source

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
WEEK = "2026-W48"
HOSTILE_TITLE = '<script>alert("x")</script> Tom & Jerry\r\nBcc: evil@example.org'
HOSTILE_NAME = "Eve\r\nBcc: victim@example.org"


@dataclass
class World:
    items: dict[str, int] = field(default_factory=dict)
    subscribers: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)


def _item(source: Source, key: str, now: datetime = NOW, **fields: object) -> Item:
    days = float(fields.pop("days_ago", 2))  # type: ignore[arg-type]
    when = now - timedelta(days=days)
    defaults: dict[str, object] = {
        "url": f"https://news.example.org/{key}",
        "title": key.replace("-", " ").title(),
        "summary": f"Summary of {key}.",
        "published_at": when,
        "collected_at": when + timedelta(hours=1),
        "status": "approved",
        "kind": "news",
    }
    defaults.update(fields)
    return Item(source_id=source.id, **defaults)  # type: ignore[arg-type]


def make_world(engine: Engine, *, subscribers: bool = True, now: datetime = NOW) -> World:
    """Items of every kind and edge (cluster, hostile, stale, closed, rejected) and subscribers.

    Times are relative to `now` (default: the fixed `NOW`).
    """
    world = World()
    shift = now - NOW
    with write_session(engine) as s:
        lg, _ = upsert_source("LocalGov News", session=s, url="https://localgov.example.org/feed")
        pf, _ = upsert_source("Public Finance", session=s, url="https://pf.example.org/feed")
        jb, _ = upsert_source(
            "Council Jobs", session=s, url="https://jobs.example.org", kind="jobs"
        )
        world.sources = {"lg": lg.id, "pf": pf.id, "jobs": jb.id}  # type: ignore[dict-item]
        items = {
            "insourcing": _item(
                lg,
                "council-brings-waste-back-in-house",
                title="Council brings waste services back in-house",
                summary="<p>The council ends a 15-year <b>outsourcing</b> deal &amp; saves £2m</p>",
                topics=["insourcing"],
                featured=True,
                score=1.0,
            ),
            "act-lead": _item(
                lg,
                "procurement-act-live",
                title="Procurement Act 2023 goes live for councils",
                topics=["procurement-reform"],
                score=4.0,
                cluster_id=7,
            ),
            "act-other": _item(
                pf,
                "procurement-act-now-in-force",
                title="Procurement Act now in force",
                topics=["procurement-reform"],
                score=2.0,
                cluster_id=7,
            ),
            "social-value": _item(
                lg,
                "social-value-measures",
                title="What councils measure when they buy for social value",
                topics=["social-value"],
                score=1.0,
                days_ago=3,
            ),
            "hostile": _item(
                pf,
                "hostile",
                title=HOSTILE_TITLE,
                summary='<img src=x onerror="alert(1)">Hostile <b>bold</b> text',
                url="javascript:alert(1)",
                topics=["social-value"],
                score=0.5,
                days_ago=4,
            ),
            "stale": _item(lg, "stale-news", published_at=NOW - timedelta(days=40), score=9.0),
            "rejected": _item(lg, "rejected-news", status="rejected", score=9.0),
            "pending": _item(lg, "pending-news", status="pending", score=9.0),
            "job-manchester": _item(
                jb,
                "interim-head-of-procurement-manchester",
                kind="job",
                title="Interim Head of Procurement",
                summary="Lead a category team through the Procurement Act transition.",
                employer="Manchester City Council",
                location="Manchester",
                regions=["North West"],
                pay_min=550,
                pay_max=650,
                pay_period="day",
                pay_currency="GBP",
                contract_type="Interim, 6 months",
                ir35="outside",
                closes_at=NOW + timedelta(days=10),
                score=2.0,
            ),
            "job-london": _item(
                jb,
                "category-manager-london",
                kind="job",
                title="Interim Category Manager, Social Care",
                employer="London Borough of Camden",
                location="London",
                regions=["London"],
                pay_min=500,
                pay_period="day",
                pay_currency="GBP",
                closes_at=NOW + timedelta(days=5),
                score=3.0,
            ),
            "job-closed": _item(
                jb,
                "closed-job",
                kind="job",
                regions=["North West"],
                closes_at=NOW - timedelta(days=1),
            ),
        }
        for key, item in items.items():
            for name in ("published_at", "collected_at", "closes_at"):
                if getattr(item, name) is not None:
                    setattr(item, name, getattr(item, name) + shift)
            save_item(item, session=s)
            world.items[key] = item.id  # type: ignore[assignment]
        if subscribers:
            for key, sub in {
                "nw": Subscriber(email="nw@example.org", name="Nora West", regions=["North West"]),
                "london": Subscriber(email="london@example.org", regions=["London"]),
                "national": Subscriber(email="national@example.org", topics=["social-value"]),
                "eve": Subscriber(email="eve@example.org", name=HOSTILE_NAME),
                "unconfirmed": Subscriber(email="pending@example.org", status="pending"),
            }.items():
                if key != "unconfirmed":
                    sub.status = "confirmed"
                    sub.confirmed_at = NOW - timedelta(days=30)
                s.add(sub)
                s.flush()
                world.subscribers[key] = sub.id  # type: ignore[assignment]
    return world


RECRAWLED = "Council insources its waste services after 15 years"


def recrawl_lead(engine: Engine, world: World, title: str = RECRAWLED) -> None:
    """The lead story's feed entry comes back with a new title, as a crawl records it (not
    an editor: no issue's subject is refreshed)."""
    row = {
        "source_id": world.sources["lg"], "kind": "news", "guid": None, "title": title,
        "url": "https://news.example.org/council-brings-waste-back-in-house",
        "summary": "The council ends a 15-year outsourcing deal.", "content_hash": title,
    }  # fmt: skip
    with write_session(engine) as session:
        assert upsert_items([row], session=session) == ["updated"]


def add_subscribers(engine: Engine, n: int, *, prefix: str = "reader") -> list[int]:
    """`n` confirmed subscribers reader000@example.org ..., regions spread over a few."""
    regions = ["North West", "London", "Scotland", None]
    ids = []
    with write_session(engine) as s:
        for i in range(n):
            region = regions[i % len(regions)]
            sub = Subscriber(
                email=f"{prefix}{i:03d}@example.org",
                status="confirmed",
                regions=[region] if region else [],
            )
            s.add(sub)
            s.flush()
            ids.append(sub.id)
    return ids  # type: ignore[return-value]
