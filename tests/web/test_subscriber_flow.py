"""A subscriber's own pages (issue #17): confirming takes a button (a GET never changes
state), a welcome email follows, the preferences page shows the state after a change, and
the preferences link can be asked for by email with the signup's rules."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Subscriber
from kil_feed.tokens import make_token, preferences_url, read_token
from newsletter.send import send_issue
from tests.support.webdata import Archive
from tests.web.conftest import csrf_of
from tests.web.test_subscriptions import confirm_link, outbox, signup, subscriber


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content()


def test_opening_the_confirmation_link_confirms_nothing_until_the_button(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    signup(client, "scanned@example.org")
    link = confirm_link(outbox(settings)[0])
    for _ in range(2):  # a mail filter following the link, then the person
        page = client.get(link)
        assert page.status_code == 200
        assert f'<form method="post" action="{link}">' in page.text
        assert "Confirm my subscription</button>" in page.text
        assert page.headers["cache-control"] == "no-store"
    assert subscriber(engine, "scanned@example.org").status == "pending"  # type: ignore[union-attr]
    assert client.head(link).status_code in (200, 405)
    assert subscriber(engine, "scanned@example.org").status == "pending"  # type: ignore[union-attr]
    done = client.post(link)  # no cookie, no CSRF token: the link's token is the secret
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert subscriber(engine, "scanned@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_a_welcome_email_follows_confirmation(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    signup(client, "welcome@example.org")
    client.post(confirm_link(outbox(settings)[0]))
    mails = outbox(settings)
    assert [m["Subject"] for m in mails][1:] == ["Welcome to Keep it Local feed"]
    welcome = mails[1]
    assert welcome["To"] == "welcome@example.org"
    text = _text(welcome)
    assert f"https://kil.example.org/issues/{archive.issues['sent']}" in text  # latest issue
    sub = subscriber(engine, "welcome@example.org")
    # the link's token carries its signing time (seconds): read it back rather than make one
    (link,) = re.findall(r"https://kil\.example\.org/preferences/[\w.-]+", text)
    token = link.rsplit("/", 1)[1]
    assert read_token(settings, token, "preferences").subscriber_id == sub.id  # type: ignore[union-attr]
    assert "/unsubscribe/" in text
    html = welcome.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert link in html
    client.post(confirm_link(mails[0]))  # confirming again sends nothing more
    assert len(outbox(settings)) == 2


def test_the_preferences_page_shows_the_state_after_unsubscribing(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    path = preferences_url(settings, archive.subscribers["reader"]).removeprefix(settings.base_url)
    token = csrf_of(client, path)
    page = client.post(path, data={"action": "unsubscribe", "csrf_token": token}).text
    assert "You are unsubscribed" in page
    assert 'class="status status-unsubscribed">unsubscribed<' in page
    assert "status-confirmed" not in page and 'value="unsubscribe"' not in page
    assert subscriber(engine, "reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    saved = client.post(path, data={"action": "save", "regions": ["Wales"], "csrf_token": token})
    assert 'value="Wales" checked' in saved.text  # the saved choice, read back


def test_the_preferences_link_by_email_same_answer_for_everyone(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    form = client.get("/preferences")
    assert form.status_code == 200 and 'action="/preferences"' in form.text
    assert 'href="/preferences"' in client.get("/subscribe").text  # reachable from signup
    no_csrf = client.post("/preferences", data={"email": "reader@example.org"})
    assert no_csrf.status_code == 403
    answers = {}
    for address in ("reader@example.org", "nobody@example.org", "waiting@example.org"):
        token = csrf_of(client, "/preferences")
        reply = client.post("/preferences", data={"email": address, "csrf_token": token})
        assert reply.status_code == 200
        answers[address] = reply.text.replace(address, "X")
    assert len(set(answers.values())) == 1
    mails = outbox(settings)
    assert [m["To"] for m in mails] == ["reader@example.org"]  # only a subscribed address
    # the token carries its signing time, so compare what it says, not its bytes
    prefix = preferences_url(settings, archive.subscribers["reader"]).rsplit("/", 1)[0] + "/"
    links = re.findall(re.escape(prefix) + r"[A-Za-z0-9_.-]+", _text(mails[0]))
    assert links, f"no {prefix}<token> link in the email"
    sent = read_token(settings, links[0].rsplit("/", 1)[1], "preferences")
    assert sent.subscriber_id == archive.subscribers["reader"]
    token = csrf_of(client, "/preferences")
    bad = client.post("/preferences", data={"email": "not an address", "csrf_token": token})
    assert bad.status_code == 422


def test_the_preferences_form_shares_the_signup_rate_limit(
    client: TestClient, settings: Settings, archive: Archive
) -> None:
    limit = settings.web.signup_rate_limit
    for n in range(limit - 1):
        assert signup(client, f"p{n}@example.org").status_code == 200
    token = csrf_of(client, "/preferences")
    ok = client.post("/preferences", data={"email": "reader@example.org", "csrf_token": token})
    assert ok.status_code == 200
    blocked = client.post("/preferences", data={"email": "reader@example.org",
                                                "csrf_token": token})  # fmt: skip
    assert blocked.status_code == 429
    assert signup(client, "late@example.org").status_code == 429


def test_a_replaced_link_is_404_and_a_confirmed_one_says_so(
    client: TestClient, settings: Settings, archive: Archive
) -> None:
    replaced = make_token(settings, archive.subscribers["waiting"], "confirm", nonce=7)
    assert client.get(f"/confirm/{replaced}").status_code == 404
    confirmed = make_token(settings, archive.subscribers["reader"], "confirm", nonce=1)
    page = client.get(f"/confirm/{confirmed}")
    assert page.status_code == 200 and "already subscribed" in page.text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_links_of_a_test_copy_to_a_non_subscriber_say_so_and_change_nobody(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive, smtp_server: Any
) -> None:
    relay = settings.model_copy(update={"smtp_url": smtp_server.url})
    send_issue(engine, relay, archive.issues["sent"], to="editor@elsewhere.example")
    (copy,) = [m.message for m in smtp_server.messages]
    unsubscribe = re.search(
        r"<https://kil\.example\.org(/unsubscribe/[^>]+)>", copy["List-Unsubscribe"]
    )
    assert unsubscribe is not None
    (preferences,) = set(
        re.findall(r"https://kil\.example\.org(/preferences/[\w.-]+)", _text(copy))
    )
    before = _statuses(engine)
    for answer in (
        client.get(unsubscribe.group(1)),
        client.post(unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"}),  # RFC 8058
        client.get(preferences),
        client.post(preferences, data={"action": "unsubscribe", "csrf_token": "x"}),
    ):
        assert answer.status_code == 200
        assert "This link came in a test copy" in answer.text
        assert "nothing to unsubscribe" in answer.text and "You are unsubscribed" not in answer.text
        assert answer.headers["cache-control"] == "no-store"
    assert _statuses(engine) == before  # nobody unsubscribed, reader@ (confirmed) above all
    forged = unsubscribe.group(1)[:-2] + ("xx" if not unsubscribe.group(1).endswith("xx") else "yy")
    assert client.get(forged).status_code == 404  # a tampered link is still no link


def _statuses(engine: Engine) -> dict[str, str]:
    with read_session(engine) as s:
        return {sub.email: sub.status for sub in s.exec(select(Subscriber))}
