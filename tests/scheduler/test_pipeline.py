"""The whole pipeline driven by the scheduler with the real library functions: a crawl of a
feed on the loopback server, the weekly build, an auto-approved send to the file outbox,
and no second send of the week."""

from __future__ import annotations

import email.utils
from pathlib import Path

import pytest
from sqlmodel import select

from kil_feed.config import load_settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Delivery, Issue, Item, ItemStatus, Subscriber
from kil_feed.scheduler.service import SchedulerService
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import utcnow
from tests.scheduler.conftest import fast, running, runs
from tests.scheduler.test_service import EVERY_SECOND, _wait_for
from tests.support.crawl import FAST_CRAWL_ENV


def _feed() -> str:
    now = email.utils.format_datetime(utcnow())
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council brings its procurement team back in-house</title>
<link>http://example.org/news/1</link><pubDate>{now}</pubDate>
<description>Leeds City Council insources procurement and commissioning.</description></item>
</channel></rss>"""


@pytest.mark.slow
def test_scheduled_crawl_build_and_send_use_the_real_functions(  # type: ignore[no-untyped-def]
    kil_env, engine, http_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    url = http_server.add("/council.rss", _feed(), "application/rss+xml")
    with write_session(engine) as session:
        source_store.upsert_source("council-news", session=session, url=url, kind="feed")
        session.add(Subscriber(email="reader@example.org", status="confirmed"))

    # 1. the crawl job crawls the due source through kil_feed.ingest.run_crawl
    with running(SchedulerService(fast(settings, crawl=EVERY_SECOND), engine)):
        _wait_for(lambda: any(r.status == "ok" for r in runs(engine, "crawl")), "a crawl", engine)
    with write_session(engine) as session:  # an editor approves what came in
        items = session.exec(select(Item)).all()
        assert [i.title for i in items] == ["Council brings its procurement team back in-house"]
        for item in items:
            item.status = ItemStatus.approved.value
            session.add(item)

    # 2. build and send (auto_send approves the draft) through newsletter.build / send
    cfg = fast(settings, build=EVERY_SECOND, send=EVERY_SECOND, auto_send=True)
    with running(SchedulerService(cfg, engine)):
        _wait_for(lambda: any(r.status == "ok" for r in runs(engine, "send")), "a send", engine)
        _wait_for(lambda: len(runs(engine, "send")) >= 3, "3 send runs", engine)  # it keeps firing
    send_runs = runs(engine, "send")
    assert [r.status for r in send_runs].count("ok") == 1, [(r.status, r.detail) for r in send_runs]
    with read_session(engine) as session:
        issue = session.exec(select(Issue)).one()
        deliveries = session.exec(select(Delivery)).all()
    assert issue.status == "sent"
    assert [(d.issue_id, d.status) for d in deliveries] == [(issue.id, "sent")]
    outbox = list((Path(settings.outbox_dir) / "new").iterdir())
    assert len(outbox) == 1
    assert b"reader@example.org" in outbox[0].read_bytes()
    # the crawl runs before: the source's own run log says what came in
    assert "council-news" in next(r for r in runs(engine, "crawl") if r.status == "ok").detail


def _no_crawlers_left() -> bool:
    import psutil

    return not [
        p for p in psutil.Process().children(recursive=True) if "scrapy" in " ".join(p.cmdline())
    ]


@pytest.mark.slow
def test_a_real_crawl_of_a_server_that_never_answers_is_stopped_and_the_next_runs(  # type: ignore[no-untyped-def]
    kil_env, engine, http_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {**FAST_CRAWL_ENV, "KIL_CRAWL__DOWNLOAD_TIMEOUT": "120"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KIL_CRAWL__TIME_LIMIT", "3")
    settings = load_settings()
    good = http_server.add("/council.rss", _feed(), "application/rss+xml")
    with write_session(engine) as session:
        source_store.upsert_source("stuck", session=session, url=http_server.url("/hang"))
    cfg = fast(settings, crawl=EVERY_SECOND, crawl_kill_margin_seconds=15)
    with running(SchedulerService(cfg, engine)):
        _wait_for(
            lambda: any(r.finished_at for r in runs(engine, "crawl")), "a crawl's end", engine
        )
        first = runs(engine, "crawl")[0]
        assert first.finished_at is not None
        took = (first.finished_at - first.started_at).total_seconds()
        # far below the 120 s download timeout: the limit (3 s) or the job's kill (at 3 + 15 s
        # and its grace) ended it; the slack is for start-up on a busy machine
        assert took < 3 + 15 + 30, first.detail
        # stopped by the crawl's own limit (a failed source) or else killed by the job
        assert first.status in {"failed", "timeout"} and "stuck" in first.detail
    _wait_for(_no_crawlers_left, "the crawl processes' exit")
    # the server is fixed and the source is due again: the next crawl runs and collects
    with write_session(engine) as session:
        source_store.upsert_source("stuck", session=session, url=good, last_crawled_at=None)
    roomy = cfg.model_copy(update={"crawl": cfg.crawl.model_copy(update={"time_limit": 60})})
    with running(SchedulerService(roomy, engine)):
        # any later run, not the last one: each tick after it logs "no source is due"
        _wait_for(
            lambda: any("new=1" in r.detail for r in runs(engine, "crawl")[1:]),
            "a crawl that collects the fixed source",
            engine,
        )
    with read_session(engine) as session:
        assert len(session.exec(select(Item)).all()) == 1


def test_a_send_the_newsletter_pauses_is_failed_and_never_repeated_by_the_scheduler(  # type: ignore[no-untyped-def]
    settings, engine
) -> None:
    from kil_feed.scheduler.jobs import execute
    from kil_feed.scheduler.runtime import Runtime
    from kil_feed.storage import job_runs
    from kil_feed.timeutil import iso_week
    from newsletter.build import build_issue
    from newsletter.edit import approve_issue
    from tests.newsletter.world import make_world

    make_world(engine, now=utcnow())
    nl = settings.newsletter.model_copy(update={"max_attempts": 2, "retry_backoff": 0})
    dead = settings.model_copy(
        update={"smtp_url": "smtp://127.0.0.1:1?timeout=2", "newsletter": nl}
    )
    issue = build_issue(engine, dead)
    assert issue is not None
    approve_issue(engine, int(issue.id), settings=settings)  # type: ignore[arg-type]
    rt = Runtime(settings=dead, engine=engine)
    first = execute(rt, "send")
    assert first.status == "failed" and "paused" in first.detail
    week = iso_week(utcnow(), dead.timezone)
    with read_session(engine) as session:
        claim = job_runs.get_claim("send", week, session=session)
        assert claim is not None and claim.status == "paused"
    again = execute(Runtime(settings=settings, engine=engine), "send")  # mail works again
    assert again.status == "skipped" and "kil issue send" in again.detail
    with read_session(engine) as session:
        assert {d.status for d in session.exec(select(Delivery)).all()} == {"pending"}
