"""The newsletter's "Market pulse" section: per region set, its figures frozen at send.

The adverts are tests/support/market.py's, whose figures tests/market/test_figures.py works
out by hand: this quarter (2026-Q4) North West day rates 410 450 450 550 600 700 (the head
of procurement's copy on another board counts once): median £500, 6 roles; the UK adds the
London £800: median £550, 7 roles; London alone has 1 role. Nothing before Q4: no change.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.models import Item, MarketSnapshot, Subscriber
from kil_feed.storage.items import save_item
from kil_feed.web.app import create_app
from newsletter.build import build_issue
from newsletter.content import load_issue_content
from newsletter.edit import approve_issue
from newsletter.preview import preview_issue
from newsletter.pulse import IssuePulses, key_regions, region_key
from newsletter.render import Audience, Renderer
from newsletter.send import send_issue
from tests.newsletter.helpers import html_of, text_of
from tests.support.market import NW, seed_market

BUILT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday of 2026-W48
NW_LINE = "North West interim day rates: median £500, 6 roles."
UK_LINE = "UK interim day rates: median £550, 7 roles."
LONDON_LINE = "London interim day rates: not enough data this quarter (1 role)."
READERS = {
    "nw1@example.org": [NW],
    "nw2@example.org": [NW],
    "both@example.org": ["London", NW],
    "national@example.org": [],
}


def _issue(engine: Engine, settings: Settings) -> int:
    seed_market(engine)
    _story(engine)
    with write_session(engine) as s:
        for address, regions in READERS.items():
            reader = Subscriber(email=address, regions=regions, status="confirmed")
            s.add(reader)
    issue = build_issue(engine, settings, now=BUILT)
    assert issue is not None and issue.id is not None
    approve_issue(engine, issue.id, settings=settings)
    return issue.id


def _story(engine: Engine) -> None:
    """The issue's one card (the adverts were collected after its week: not in it)."""
    with write_session(engine) as s:
        save_item(Item(kind="news", source_id=1, url="https://n.example/1", title="A story",
                       status="approved", published_at=BUILT - timedelta(hours=2),
                       collected_at=BUILT - timedelta(hours=1)),
                  session=s)  # fmt: skip


def _outbox(settings: Settings) -> dict[str, EmailMessage]:
    out = {}
    for path in sorted(Path(settings.outbox_dir, "new").glob("*.eml")):
        with path.open("rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        out[email.utils.parseaddr(str(msg["To"]))[1]] = msg
    return out  # type: ignore[return-value]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _late_adverts(engine: Engine) -> None:
    """Five North West adverts of the sent week, collected after the send, at £900 a day."""
    with write_session(engine) as s:
        for n in range(5):
            save_item(
                Item(kind="job", source_id=1, url=f"https://late.example/{n}",
                     title=f"Interim Procurement Lead {n}", status="approved", regions=[NW],
                     published_at=datetime(2026, 11, 24, 9, tzinfo=UTC), pay_min=900,
                     pay_period="day", contract_type="interim"),
                session=s,
            )  # fmt: skip


def test_each_reader_gets_the_figures_of_their_regions(
    any_engine: Engine, any_settings: Settings
) -> None:
    """On SQLite and on PostgreSQL (whose sends lease rows in batches, `newsletter.workers`)."""
    engine, settings = any_engine, any_settings
    issue_id = _issue(engine, settings)
    send_issue(engine, settings, issue_id)
    mails = _outbox(settings)
    assert sorted(mails) == sorted(READERS)
    north_west = _flat(text_of(mails["nw1@example.org"]))
    assert "== MARKET PULSE ==" in text_of(mails["nw1@example.org"])
    assert NW_LINE in north_west and UK_LINE in north_west and "London" not in north_west
    both = _flat(text_of(mails["both@example.org"]))
    assert LONDON_LINE in both and NW_LINE in both and UK_LINE in both
    assert both.index(LONDON_LINE) < both.index(NW_LINE) < both.index(UK_LINE)
    national = _flat(text_of(mails["national@example.org"]))
    assert UK_LINE in national and "North West interim" not in national
    html = html_of(mails["nw1@example.org"])
    chart = f"{settings.base_url}/issues/{issue_id}/market/north-west.png"
    assert f'src="{chart}"' in html and f"Chart: {chart}" in text_of(mails["nw1@example.org"])
    assert 'alt="Line chart of the median interim day rate by week' in html
    assert NW_LINE in _flat(unescape(html))  # images off, the sentence is there
    with read_session(engine) as s:
        keys = sorted(r.region_key for r in s.exec(select(MarketSnapshot)))
    # one snapshot per distinct region set (and the national one of the web archive)
    assert keys == ["london+north-west", "north-west", "uk"]


def test_a_sent_issue_keeps_its_figures(engine: Engine, settings: Settings) -> None:
    issue_id = _issue(engine, settings)
    send_issue(engine, settings, issue_id)
    sent_text = _flat(text_of(_outbox(settings)["nw1@example.org"]))
    client = TestClient(create_app(settings))
    chart_path = f"/issues/{issue_id}/market/north-west.png"
    before_png = client.get(chart_path)
    assert before_png.status_code == 200 and before_png.headers["content-type"] == "image/png"
    assert before_png.content.startswith(b"\x89PNG")

    _late_adverts(engine)
    live = client.get("/api/market", params={"region": "north-west", "week": "2026-W48"}).json()
    assert live["quarters"][-1]["day_rate"]["count"] == 11  # the live figures moved on

    assert client.get(chart_path).content == before_png.content
    page = _flat(client.get(f"/issues/{issue_id}").text)
    assert UK_LINE in page and f'src="/issues/{issue_id}/market/uk.png"' in page
    preview = _flat(preview_issue(engine, settings, issue_id, subscriber="nw1@example.org",
                                  fmt="text").decode())  # fmt: skip
    assert NW_LINE in preview and UK_LINE in preview
    assert NW_LINE in sent_text
    # a send resumed (or a new subscriber's region set) after the adverts came: the stored
    # sets read back as mailed, and the UK line of a new set is the frozen one too
    content = load_issue_content(engine, issue_id)
    pulses = IssuePulses(engine, settings, issue_id, content.week, keep=True)
    again = Renderer(settings, content, pulses)
    assert NW_LINE in _flat(again.render(Audience.of([NW])).text)
    assert pulses.computed == 0


def test_previews_of_an_unsent_issue_are_live_and_stored_nowhere(
    engine: Engine, settings: Settings
) -> None:
    issue_id = _issue(engine, settings)
    text = _flat(preview_issue(engine, settings, issue_id, subscriber="both@example.org",
                               fmt="text").decode())  # fmt: skip
    assert LONDON_LINE in text and NW_LINE in text
    client = TestClient(create_app(settings))
    png = client.get(f"/issues/{issue_id}/market/london+north-west.png")
    assert png.status_code == 200 and png.headers["cache-control"] == "no-cache"
    with read_session(engine) as s:
        assert s.exec(select(MarketSnapshot)).first() is None
    _late_adverts(engine)
    text = _flat(preview_issue(engine, settings, issue_id, subscriber="nw1@example.org",
                               fmt="text").decode())  # fmt: skip
    assert NW_LINE not in text and "North West interim day rates: median £700" in text
    for bad in ("north-west+london", "atlantis", "uk+north-west"):
        assert client.get(f"/issues/{issue_id}/market/{bad}.png").status_code == 404


def test_a_sent_issue_serves_only_what_it_stored(engine: Engine, settings: Settings) -> None:
    issue_id = _issue(engine, settings)
    send_issue(engine, settings, issue_id)
    client = TestClient(create_app(settings))
    assert client.get(f"/issues/{issue_id}/market/london.png").status_code == 404  # nobody's set
    assert client.get(f"/issues/{issue_id}/market/uk.png").status_code == 200


def test_no_adverts_no_section(engine: Engine, settings: Settings) -> None:
    from kil_feed.storage.sources import upsert_source

    with write_session(engine) as s:
        upsert_source("Board", session=s, kind="jobs", url="https://ib.example/")
    _story(engine)
    issue = build_issue(engine, settings, now=BUILT)
    assert issue is not None and issue.id is not None
    content = load_issue_content(engine, issue.id)
    pulses = IssuePulses(engine, settings, issue.id, content.week)
    rendered = Renderer(settings, content, pulses).render(Audience.of([NW]))
    assert "Market pulse" not in rendered.html and "MARKET PULSE" not in rendered.text


def test_region_keys() -> None:
    assert region_key(frozenset({"North West", "London"})) == "london+north-west"
    assert region_key(frozenset()) == "uk"
    assert key_regions("london+north-west") == ("London", "North West")
    assert key_regions("yorkshire-and-the-humber") == ("Yorkshire and The Humber",)
    for bad in ("north-west+london", "atlantis", "", "london+london"):
        with pytest.raises(ValidationError):
            key_regions(bad)


def test_a_second_sender_keeps_the_first_senders_snapshot(any_engine: Engine) -> None:
    """Two senders racing on one region set (PostgreSQL send workers): the first write
    stands and both read it."""
    from kil_feed.models import Issue
    from kil_feed.storage.snapshots import issue_snapshots, keep_snapshot

    with write_session(any_engine) as s:
        issue = Issue(week="2026-W48", status="sending")
        s.add(issue)
        s.flush()
        first = keep_snapshot(issue.id, "north-west", {"lines": ["first"]}, b"one", session=s)  # type: ignore[arg-type]
    with write_session(any_engine) as s:
        second = keep_snapshot(issue.id, "north-west", {"lines": ["second"]}, b"two", session=s)  # type: ignore[arg-type]
    assert (second.id, second.figures, second.png) == (first.id, {"lines": ["first"]}, b"one")
    with read_session(any_engine) as s:
        assert list(issue_snapshots(issue.id, session=s)) == ["north-west"]  # type: ignore[arg-type]
