"""A small, known archive for the web tests: sources, news and jobs in several states,
a sent and a draft issue, and subscribers, written through `kil_feed.storage` and the
newsletter's own build and edit functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import write_session
from kil_feed.models import Issue, IssueStatus, Item, Subscriber
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import iso_week, utcnow
from newsletter.build import build_issue
from newsletter.edit import approve_issue, edit_issue


@dataclass
class Archive:
    """Ids of what `seed_archive` wrote, by a short name."""

    items: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    subscribers: dict[str, int] = field(default_factory=dict)


XSS_TITLE = '<script>alert("t")</script> Council <b>budget</b> row'
XSS_BODY = (
    '<p>Fine text</p><script>alert("b")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)">bad</a>'
)


def seed_archive(engine: Engine, settings: Settings | None = None) -> Archive:
    """The archive; its issues are built with `settings` (the environment's by default)."""
    settings = settings or load_settings()
    now = utcnow()
    out = Archive()
    with write_session(engine) as s:
        news_src, _ = upsert_source(
            "LocalGov Wire", session=s, kind="feed", url="https://lgw.example/feed"
        )
        jobs_src, _ = upsert_source(
            "Interim Board", session=s, kind="jobs", url="https://jobs.example/"
        )
        other_src, _ = upsert_source(
            "Procurement Weekly", session=s, kind="feed", url="https://pw.example/rss"
        )

        def add(name: str, **fields: object) -> Item:
            fields.setdefault("status", "approved")
            fields.setdefault("published_at", now - timedelta(days=1))
            item = save_item(Item(**fields), session=s)  # type: ignore[arg-type]
            out.items[name] = item.id  # type: ignore[assignment]
            return item

        add(
            "insourcing",
            source_id=news_src.id,
            kind="news",
            url="https://lgw.example/insource",
            title="Council brings waste collection back in-house",
            summary="Insourcing the bin service will save money and improve social value, "
            "says the council.",
            topics=["outsourcing"],
            regions=["North West"],
            featured=True,
            published_at=now - timedelta(days=2),
        )
        add(
            "social",
            source_id=other_src.id,
            kind="news",
            url="https://pw.example/social-value",
            title="New guidance on social value in procurement",
            summary="Cabinet Office guidance asks buyers to weigh local employment "
            "and apprenticeships.",
            topics=["social-value"],
            regions=["London"],
            published_at=now - timedelta(days=3),
        )
        add(
            "act",
            source_id=news_src.id,
            kind="news",
            url="https://lgw.example/act",
            title="Procurement Act 2023 regime goes live",
            summary="Contracting authorities now publish notices on the central digital platform.",
            topics=["procurement"],
            regions=[],
            published_at=now - timedelta(days=20),
        )
        add(
            "pending",
            source_id=news_src.id,
            kind="news",
            url="https://lgw.example/draft",
            title="Unreviewed embargoed story",
            summary="Not yet approved.",
            status="pending",
            topics=["outsourcing"],
        )
        add(
            "rejected",
            source_id=news_src.id,
            kind="news",
            url="https://lgw.example/spam",
            title="Rejected advert for widgets",
            summary="Spam.",
            status="rejected",
        )
        add(
            "xss",
            source_id=other_src.id,
            kind="news",
            url="https://pw.example/xss",
            title=XSS_TITLE,
            summary='Summary with <img src=x onerror="alert(3)"> markup',
            body_html=XSS_BODY,
            topics=["finance"],
            regions=["Wales"],
            published_at=now - timedelta(days=4),
        )
        add(
            "head",
            source_id=jobs_src.id,
            kind="job",
            url="https://jobs.example/head-of-procurement",
            title="Interim Head of Procurement",
            employer="Manchester City Council",
            location="Manchester",
            regions=["North West"],
            contract_type="interim",
            pay_min=550,
            pay_max=650,
            pay_period="day",
            pay_currency="GBP",
            ir35="outside",
            summary="Lead the council's procurement function through the new Procurement Act.",
            body_html="<p>Lead the <strong>category teams</strong>.</p><script>alert(1)</script>",
            closes_at=now + timedelta(days=10),
            published_at=now - timedelta(hours=5),
        )
        add(
            "category",
            source_id=jobs_src.id,
            kind="job",
            url="https://jobs.example/category-manager",
            title="Category Manager, Adult Social Care",
            employer="Leeds City Council",
            location="Leeds",
            regions=["Yorkshire and The Humber"],
            contract_type="contract",
            pay_min=450,
            pay_max=450,
            pay_period="day",
            pay_currency="GBP",
            summary="Commissioning of social care contracts for a metropolitan council.",
            closes_at=now + timedelta(days=20),
            published_at=now - timedelta(days=1),
        )
        add(
            "commissioning",
            source_id=jobs_src.id,
            kind="job",
            url="https://jobs.example/commissioning-lead",
            title="Commissioning Lead",
            employer="London Borough of Camden",
            location="Camden",
            regions=["London"],
            contract_type="permanent",
            pay_min=60000,
            pay_max=68000,
            pay_period="year",
            pay_currency="GBP",
            summary="Permanent commissioning role in a London borough.",
            published_at=now - timedelta(days=2),
        )
        add(
            "closed",
            source_id=jobs_src.id,
            kind="job",
            url="https://jobs.example/contracts-manager",
            title="Contracts Manager",
            employer="Bristol City Council",
            location="Bristol",
            regions=["South West"],
            contract_type="interim",
            pay_min=400,
            pay_max=500,
            pay_period="day",
            pay_currency="GBP",
            summary="Manage highways contracts.",
            closes_at=now - timedelta(days=3),
            published_at=now - timedelta(days=30),
        )
        add(
            "pending_job",
            source_id=jobs_src.id,
            kind="job",
            url="https://jobs.example/secret",
            title="Unreviewed procurement job",
            employer="Secret Council",
            status="pending",
            regions=["North West"],
            contract_type="interim",
        )

        for name, status in (
            ("reader", "confirmed"),
            ("waiting", "pending"),
            ("gone", "unsubscribed"),
        ):
            sub = Subscriber(
                email=f"{name}@example.org",
                name=name.title(),
                status=status,
                regions=["North West"],
                topics=["outsourcing"],
                token_nonce=1,
            )
            s.add(sub)
            s.flush()
            out.subscribers[name] = sub.id  # type: ignore[assignment]
    out.issues = _seed_issues(engine, settings, out, now)
    return out


def _seed_issues(engine: Engine, settings: Settings, out: Archive, now: datetime) -> dict[str, int]:
    """A sent and a draft issue, made as an editor makes them (build, edit, approve), so their
    placements are the sections production writes: `top`, `news:<topic>`, `jobs`, `dropped`.

    The sent issue has two top stories, a `news:procurement reform` section, two jobs, and
    two items the editor dropped (the hostile story and the permanent job).
    """
    nl = settings.newsletter.model_copy(update={"max_top_stories": 2, "max_news_age_days": 30})
    issue = build_issue(engine, settings.model_copy(update={"newsletter": nl}))
    assert issue is not None, "the build found nothing to put in the issue"
    assert issue.id is not None
    edit_issue(
        engine,
        issue.id,
        subject="Insourcing wins and a new Head of Procurement",
        intro="This week: councils take services back in-house.",
        drop=out.items["xss"],
    )
    edit_issue(engine, issue.id, drop=out.items["commissioning"])
    approve_issue(engine, issue.id, settings=settings)
    with write_session(engine) as s:  # what the send does once every delivery is made
        sent = s.get(Issue, issue.id)
        assert sent is not None
        sent.status, sent.sent_at = IssueStatus.sent.value, now - timedelta(days=3)
        s.add(sent)
        draft = Issue(week=iso_week(now + timedelta(days=7), settings.timezone))
        draft.subject = "Draft issue not yet sent"
        s.add(draft)
        s.flush()
        draft_id = draft.id
    assert draft_id is not None
    edit_issue(engine, draft_id, add=out.items["act"])
    return {"sent": issue.id, "draft": draft_id}
