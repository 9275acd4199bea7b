"""No dead job in an email (#16): postings are re-checked against real loopback servers just
before a send and in housekeeping; closed ones are dropped and said so, unreachable ones kept."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.liveness import CLOSED, OPEN, UNKNOWN, Limits, Target, check_postings
from kil_feed.models import IssueItem, Item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from newsletter.build import build_issue
from newsletter.edit import approve_issue
from newsletter.recheck import recheck_open_postings
from newsletter.send import send_issue
from tests.newsletter.conftest import tune
from tests.newsletter.helpers import html_of
from tests.newsletter.world import make_world

FAST = Limits(per_host_delay=0.01, timeout=3, time_limit=10, allow_private=True)


def job_page(title: str, valid_through: str) -> str:
    posting = {
        "@context": "https://schema.org", "@type": "JobPosting", "title": title,
        "description": "<p>Interim role.</p>", "datePosted": "2026-11-01",
        "validThrough": valid_through,
        "hiringOrganization": {"@type": "Organization", "name": "Manchester City Council"},
    }  # fmt: skip
    return (
        '<html><head><script type="application/ld+json">'
        + json.dumps(posting)
        + f"</script></head><body><h1>{title}</h1></body></html>"
    )


def test_checks_on_loopback(http_server: Any) -> None:
    future = (utcnow() + timedelta(days=30)).isoformat()
    live = http_server.add("/live", job_page("Interim Head of Procurement", future))
    expired = http_server.add("/expired", job_page("Category Manager", "2020-01-31"))
    bare = http_server.add("/bare", "<html><body><h1>Our vacancies</h1></body></html>")
    targets = [
        Target(1, live, extraction="jobposting"),
        Target(2, http_server.url("/gone")),  # no route: 404
        Target(3, http_server.url("/gone?status=410")),
        Target(4, expired, extraction="jobposting"),
        Target(5, bare, extraction="jobposting"),  # the JobPosting markup is gone
        Target(6, bare),  # a feed entry's page: still there, nothing more expected
        Target(7, live, closes_at=utcnow() - timedelta(minutes=1)),  # not even fetched
        Target(8, "http://127.0.0.1:9/job"),  # nothing listens: kept
        Target(9, http_server.url("/live?status=503")),
    ]
    checks = {c.item_id: c for c in check_postings(targets, FAST)}
    assert {i: c.state for i, c in checks.items()} == {
        1: OPEN, 2: CLOSED, 3: CLOSED, 4: CLOSED, 5: CLOSED, 6: OPEN, 7: CLOSED, 8: UNKNOWN,
        9: UNKNOWN,
    }  # fmt: skip
    assert checks[2].reason == "page gone (HTTP 404)"
    assert checks[4].reason == "validThrough passed"
    assert checks[5].reason == "JobPosting markup gone from the page"
    assert checks[7].reason == "closing date passed"
    assert checks[8].reason.startswith("unreachable: ConnectError")
    assert len(http_server.requests_to("/live")) == 2  # 1 and 9; never 7
    # conditional: the validators of the last check make the next one a 304
    assert checks[1].etag
    again = check_postings([Target(1, live, extraction="jobposting", etag=checks[1].etag)], FAST)
    assert (again[0].state, again[0].http_status) == (OPEN, 304)
    assert http_server.requests_to("/live")[-1].headers.get("If-None-Match") == checks[1].etag


def test_a_host_never_reached_is_not_asked_again(http_server: Any) -> None:
    future = (utcnow() + timedelta(days=30)).isoformat()
    live = http_server.add("/live", job_page("Interim Head of Procurement", future))
    down = [Target(n, f"http://127.0.0.1:9/job-{n}") for n in (1, 2, 3)]  # nothing listens
    slow = Limits(per_host_delay=5, timeout=3, time_limit=8, allow_private=True)
    checks = {c.item_id: c for c in check_postings([*down, Target(4, live)], slow)}
    assert {i: c.state for i, c in checks.items()} == {1: UNKNOWN, 2: UNKNOWN, 3: UNKNOWN, 4: OPEN}
    assert checks[1].reason.startswith("unreachable: ConnectError")
    # not waited for in turn (5 s apart, past the time limit): unknown at once, said why
    assert checks[2].reason == checks[3].reason == "not checked: 127.0.0.1:9 unreachable"


def test_time_limit_keeps_what_it_could_not_check(http_server: Any) -> None:
    slow = http_server.add("/slow", job_page("Buyer", "2099-01-01"))
    limits = Limits(per_host_delay=0, timeout=5, time_limit=0.5, allow_private=True)
    (check,) = check_postings([Target(1, slow + "?delay=3", extraction="jobposting")], limits)
    assert (check.state, check.reason) == (UNKNOWN, "not checked: time limit reached")


def _job(engine: Engine, source_id: int, key: str, url: str, **fields: Any) -> int:
    now = utcnow()
    fields = {"kind": "job", "closes_at": now + timedelta(days=20), **fields}
    with write_session(engine) as session:
        item = Item(
            source_id=source_id, url=url, title=key, status="approved",
            summary=f"{key} summary", regions=["North West"], published_at=now - timedelta(days=1),
            collected_at=now - timedelta(days=1), **fields,
        )  # fmt: skip
        return save_item(item, session=session).id  # type: ignore[return-value]


def test_closed_jobs_never_reach_a_sent_email(  # type: ignore[no-untyped-def]
    engine: Engine, smtp_settings: Settings, smtp_server: Any, http_server: Any
):
    now = utcnow()
    world = make_world(engine, now=now)
    jobs = world.sources["jobs"]
    future = (now + timedelta(days=30)).isoformat()
    with write_session(engine) as session:  # the world's job pages, served for real
        manchester = session.get(Item, world.items["job-manchester"])
        manchester.url = http_server.add("/j/manchester", job_page("Head", future))  # type: ignore[union-attr]
        manchester.extra = {"extraction": "jobposting"}  # type: ignore[union-attr]
        london = session.get(Item, world.items["job-london"])
        london.url = http_server.url("/j/london-removed")  # type: ignore[union-attr]
    lost = _job(engine, jobs, "Markup Gone Buyer", http_server.add("/j/lost", "<html><h1>x</h1>"),
                extra={"extraction": "jobposting"})  # fmt: skip
    late = _job(
        engine, jobs, "Closing Passed Lead", http_server.add("/j/late", job_page("L", future))
    )
    away = _job(engine, jobs, "Unreachable Host Officer", "http://127.0.0.1:9/job")
    issue = build_issue(engine, smtp_settings, now=now)
    assert issue is not None and issue.id is not None
    approve_issue(engine, issue.id, settings=smtp_settings)
    with write_session(engine) as session:  # its closing date passes between build and send
        session.get(Item, late).closes_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]

    settings = tune(smtp_settings, recheck_links=True)
    report = send_issue(engine, settings, issue.id)

    assert "3 jobs closed since the build: dropped; 1 could not be checked: kept" in report.message
    assert report.jobs_closed == 3 and report.sent == len(smtp_server.messages) > 0
    for message in smtp_server.messages:
        html = html_of(message.message)
        assert "Interim Head of Procurement" in html  # open: its JobPosting is there
        assert "Unreachable Host Officer" in html  # could not be checked: kept
        for gone in (
            "Interim Category Manager, Social Care",
            "Markup Gone Buyer",
            "Closing Passed",
        ):
            assert gone not in html, gone
    with read_session(engine) as session:
        dropped = session.exec(
            select(IssueItem.item_id).where(
                IssueItem.issue_id == issue.id, IssueItem.section == "dropped"
            )
        ).all()
        assert {world.items["job-london"], lost, late} <= set(dropped)
        assert away not in dropped
        gone = session.get(Item, world.items["job-london"])
        assert gone is not None and gone.extra["link_reason"] == "page gone (HTTP 404)"
    app = create_app(settings)  # the web says "Closed" and keeps the expired JSON-LD
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get(f"/jobs/{world.items['job-london']}").text
        assert "Closed." in page and "Apply at" not in page
        assert '"validThrough"' in page
    app.state.engine.dispose()


def test_housekeeping_closes_dead_postings(  # type: ignore[no-untyped-def]
    engine: Engine, settings: Settings, http_server: Any
):
    with write_session(engine) as session:
        source, _ = upsert_source("Council Jobs", session=session, url=http_server.url("/"))
    future = (utcnow() + timedelta(days=30)).isoformat()
    dead = _job(engine, source.id, "Dead Link Analyst", http_server.url("/j/none"))
    alive = _job(engine, source.id, "Live Buyer", http_server.add("/j/ok", job_page("B", future)),
                 extra={"extraction": "jobposting"})  # fmt: skip
    report = recheck_open_postings(engine, settings)
    assert (report.checked, report.closed, report.unknown) == (2, 1, 0)
    assert report.reasons == {dead: "page gone (HTTP 404)"}
    with read_session(engine) as session:
        item = session.get(Item, dead)
        assert item is not None and item.closes_at is not None and item.closes_at <= utcnow()
        assert item.extra["link_state"] == CLOSED
        kept = session.get(Item, alive)
        assert kept is not None and kept.extra["link_state"] == OPEN
        assert kept.extra["link_etag"]  # kept for the next, conditional, check


def test_notices_are_checked_by_their_deadline_not_their_page(  # type: ignore[no-untyped-def]
    engine: Engine, settings: Settings, http_server: Any
):
    """A notice's page stays published after the tender closes (and a 404 there, or a host
    out of reach, says nothing of the tender): only its deadline closes it, and its page is
    never fetched (the demo, offline, had "4 could not be checked" from Find a Tender)."""
    with write_session(engine) as session:
        source, _ = upsert_source("Find a Tender", session=session, url=http_server.url("/"))
    now = utcnow()
    notice_ids = [
        _job(engine, source.id, key, http_server.url(f"/Notice/{key}"), kind="notice", closes_at=at)
        for key, at in (("open", now + timedelta(days=20)), ("closed", now - timedelta(days=1)))
    ]
    report = recheck_open_postings(engine, settings)
    assert (report.checked, report.closed, report.unknown) == (1, 0, 0)  # the open one
    assert http_server.requests_to("/Notice/open") == []
    with read_session(engine) as session:
        opened = session.get(Item, notice_ids[0])
        assert opened is not None and opened.extra["link_state"] == OPEN
        assert opened.extra["link_reason"] == "closing date not passed"
    passed = utcnow() - timedelta(days=1)
    gone = Target(1, http_server.url("/Notice/gone"), closes_at=passed, fetch=False)
    checks = check_postings([gone], FAST)
    assert (checks[0].state, checks[0].reason) == (CLOSED, "closing date passed")
