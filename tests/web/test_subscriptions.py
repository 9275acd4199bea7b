"""Double opt-in signup, confirmation, preferences and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Subscriber
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.tokens import make_token, preferences_url, unsubscribe_url
from tests.support.webdata import Archive
from tests.web.conftest import csrf_of


def outbox(settings: Settings) -> list[email.message.EmailMessage]:
    folder = Path(settings.outbox_dir) / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def subscriber(engine: Engine, address: str) -> Subscriber | None:
    with read_session(engine) as s:
        return find_subscriber(address, session=s)


def signup(client: TestClient, address: str, **extra: object):  # type: ignore[no-untyped-def]
    token = csrf_of(client)
    data = {"email": address, "name": "Pat", "csrf_token": token, **extra}
    return client.post("/subscribe", data=data)


def confirm_link(message: email.message.EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"https://kil\.example\.org(/confirm/\S+)", text)
    assert match, text
    return match.group(1)


def test_signup_sends_one_confirmation_then_confirm(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    response = signup(
        client, "New.Person@Example.org", regions=["London", "Mars"], topics=["outsourcing"]
    )
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    sub = subscriber(engine, "new.person@example.org")
    assert sub is not None and sub.status == "pending" and sub.origin == "web"
    assert sub.regions == ["London"]  # unknown regions are dropped
    assert sub.topics == ["outsourcing"]
    mails = outbox(settings)
    assert len(mails) == 1
    assert mails[0]["To"] == "new.person@example.org"  # stored lower-case
    assert "Confirm" in mails[0]["Subject"]
    link = confirm_link(mails[0])
    page = client.post(link)
    assert page.status_code == 200 and "You are subscribed" in page.text
    sub = subscriber(engine, "new.person@example.org")
    assert sub.status == "confirmed" and sub.confirmed_at is not None
    # single use: opening it again changes nothing and shows it is done
    again = client.get(link)
    assert again.status_code == 200 and "already subscribed" in again.text


def test_same_answer_for_known_addresses_and_no_mail_to_confirmed(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    new = signup(client, "fresh@example.org")
    known = signup(client, "reader@example.org")  # confirmed already
    strip = lambda html: html.replace("fresh@example.org", "X").replace("reader@example.org", "X")  # noqa: E731
    assert new.status_code == known.status_code == 200
    assert strip(new.text) == strip(known.text)
    assert [m["To"] for m in outbox(settings)] == ["fresh@example.org"]
    assert subscriber(engine, "reader@example.org").status == "confirmed"


def test_pending_resignup_gets_a_new_link_and_the_old_one_dies(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    signup(client, "twice@example.org")
    signup(client, "twice@example.org")
    first, second = (confirm_link(m) for m in outbox(settings))
    assert first != second
    assert client.get(first).status_code == 404
    assert client.post(first).status_code == 404
    assert subscriber(engine, "twice@example.org").status == "pending"
    assert client.post(second).status_code == 200
    assert subscriber(engine, "twice@example.org").status == "confirmed"


def test_confirm_rejects_tampered_and_foreign_tokens(
    client: TestClient, settings: Settings, archive: Archive
) -> None:
    good = make_token(settings, archive.subscribers["waiting"], "confirm", nonce=1)
    assert client.get(f"/confirm/{good}x").status_code == 404
    unsub = make_token(settings, archive.subscribers["waiting"], "unsubscribe")
    assert client.get(f"/confirm/{unsub}").status_code == 404  # wrong purpose
    assert client.get("/confirm/not-a-token").status_code == 404
    stale = make_token(settings, archive.subscribers["gone"], "confirm", nonce=1)
    assert client.get(f"/confirm/{stale}").status_code == 404  # unsubscribed: not revived
    assert client.post(f"/confirm/{stale}").status_code == 404
    assert client.post(f"/confirm/{good}x").status_code == 404


def test_invalid_email_is_a_clear_422(client: TestClient, settings: Settings) -> None:
    response = signup(client, "not-an-address")
    assert response.status_code == 422
    assert 'class="form-error"' in response.text
    assert outbox(settings) == []


def test_honeypot_fills_get_the_same_page_and_no_mail(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    response = signup(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 200 and "Check your inbox" in response.text
    assert subscriber(engine, "bot@example.org") is None
    assert outbox(settings) == []


def test_signup_requires_csrf(client: TestClient, engine: Engine) -> None:
    csrf_of(client)
    missing = client.post("/subscribe", data={"email": "a@example.org"})
    assert missing.status_code == 403
    wrong = client.post("/subscribe", data={"email": "a@example.org", "csrf_token": "forged"})
    assert wrong.status_code == 403
    # a valid token without the matching cookie (another visitor's) is refused too
    token = csrf_of(client)
    client.cookies.clear()
    stolen = client.post("/subscribe", data={"email": "a@example.org", "csrf_token": token})
    assert stolen.status_code == 403
    assert subscriber(engine, "a@example.org") is None


def test_a_non_ascii_csrf_token_is_refused_not_a_500(
    client: TestClient, settings: Settings, archive: Archive
) -> None:
    """`secrets.compare_digest` raises TypeError on non-ASCII str: a forged "tok€n" was a 500.
    (Two posts per form: /subscribe and /preferences share the signup limit of 5.)"""
    prefs = preferences_url(settings, archive.subscribers["reader"]).removeprefix(settings.base_url)
    for path in ("/subscribe", "/preferences", prefs):
        csrf_of(client, "/subscribe")
        response = client.post(path, data={"email": "a@example.org", "csrf_token": "tok€n"})
        assert response.status_code == 403, (path, response.text[:200])
        client.cookies.clear()
        raw = {"cookie": "kil_csrf=café".encode()}  # a non-ASCII cookie, as curl sends it
        response = client.post(
            path, data={"email": "a@example.org", "csrf_token": "cafÃ©"}, headers=raw
        )
        assert response.status_code == 403, path


def test_csrf_cookie_is_httponly_samesite(client: TestClient) -> None:
    client.cookies.clear()
    cookie = client.get("/subscribe").headers["set-cookie"]
    assert "kil_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_signups_are_rate_limited_per_client(client: TestClient, settings: Settings) -> None:
    limit = settings.web.signup_rate_limit
    for n in range(limit):
        assert signup(client, f"person{n}@example.org").status_code == 200
    blocked = signup(client, "one-more@example.org")
    assert blocked.status_code == 429
    assert "Too many" in blocked.text
    assert len(outbox(settings)) == limit


def test_preferences_change_regions_topics(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    url = preferences_url(settings, archive.subscribers["reader"]).removeprefix(settings.base_url)
    page = client.get(url)
    assert page.status_code == 200 and "reader@example.org" in page.text
    assert page.headers["cache-control"] == "no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "action": "save",
            "regions": ["Wales", "London", "Narnia"],
            "topics": ["social-value"],
        },  # fmt: skip
    )
    assert saved.status_code == 200 and "saved" in saved.text
    sub = subscriber(engine, "reader@example.org")
    assert sub.regions == ["Wales", "London"] and sub.topics == ["social-value"]
    assert sub.status == "confirmed"
    assert client.post(url, data={"action": "save", "regions": ["Wales"]}).status_code == 403
    gone = client.post(url, data={"csrf_token": token, "action": "unsubscribe"})
    assert gone.status_code == 200
    assert subscriber(engine, "reader@example.org").status == "unsubscribed"


def test_preferences_tampered_token_404(
    client: TestClient, settings: Settings, archive: Archive
) -> None:
    url = preferences_url(settings, archive.subscribers["reader"]).removeprefix(settings.base_url)
    assert client.get(url[:-2] + "zz").status_code == 404
    assert (
        client.get(f"/preferences/{make_token(settings, 987654, 'preferences')}").status_code == 404
    )
    # signed, but with an id no row can have (only the key's holder could make one): not a 500
    for purpose in ("preferences", "unsubscribe"):
        huge = make_token(settings, 2**70, purpose)
        assert client.get(f"/{purpose}/{huge}").status_code == 404, purpose


def unsub_path(settings: Settings, subscriber_id: int) -> str:
    return unsubscribe_url(settings, subscriber_id).removeprefix(settings.base_url)


def test_unsubscribe_get_never_unsubscribes(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    path = unsub_path(settings, archive.subscribers["reader"])
    for _ in range(3):
        page = client.get(path)
        assert page.status_code == 200
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert subscriber(engine, "reader@example.org").status == "confirmed"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_unsubscribe_rfc8058(
    settings: Settings, engine: Engine, archive: Archive, encoding: str
) -> None:
    """A mail client's POST: no cookies, no CSRF token; 200 at once, no redirect, repeatable."""
    from kil_feed.web.app import create_app

    app = create_app(settings)
    path = unsub_path(settings, archive.subscribers["reader"])
    with TestClient(app) as fresh:  # never visited the site: no cookies at all
        kwargs = (
            {"data": {"List-Unsubscribe": "One-Click"}}
            if encoding == "urlencoded"
            else {"files": {"List-Unsubscribe": (None, "One-Click")}}
        )
        for _ in range(2):  # repeats are harmless
            response = fresh.post(path, follow_redirects=False, **kwargs)
            assert response.status_code == 200
            assert "set-cookie" not in response.headers
            assert "You are unsubscribed" in response.text
    app.state.engine.dispose()
    sub = subscriber(engine, "reader@example.org")
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None


def test_one_click_needs_the_body_and_a_good_token(
    client: TestClient, engine: Engine, settings: Settings, archive: Archive
) -> None:
    path = unsub_path(settings, archive.subscribers["reader"])
    assert client.post(path, data={"something": "else"}).status_code == 422
    assert subscriber(engine, "reader@example.org").status == "confirmed"
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get(tampered).status_code == 404
    ghost = unsub_path(settings, 555555)
    assert client.post(ghost, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert subscriber(engine, "reader@example.org").status == "confirmed"


def test_smtp_transport_delivers_confirmation(
    tmp_path, kil_env, smtp_server, monkeypatch, archive: Archive
) -> None:
    from kil_feed.config import load_settings
    from kil_feed.web.app import create_app

    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    settings = load_settings()
    app = create_app(settings)
    with TestClient(app) as c:
        assert signup(c, "smtp@example.org").status_code == 200
    app.state.engine.dispose()
    assert smtp_server.recipients() == ["smtp@example.org"]
    assert "/confirm/" in smtp_server.messages[0].message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "address,wire",
    [("pat@bücher.example", "pat@xn--bcher-kva.example"), ("zoë@example.org", "zoë@example.org")],
)
def test_a_signup_with_an_internationalised_address_gets_a_readable_to(
    client: TestClient, settings: Settings, address: str, wire: str
) -> None:
    # the stdlib RFC 2047-encodes the parts of an address ("pat@=?utf-8?q?b=C3=BCcher?=...",
    # which no client reads); an IDN domain goes as punycode, a UTF-8 mailbox as RFC 6532
    assert signup(client, address).status_code == 200
    (mail,) = outbox(settings)
    raw = next((Path(settings.outbox_dir) / "new").glob("*.eml")).read_bytes()
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0].split(b"\nTo:")[1].split(b"\n")[0]
    text = email.message_from_string(raw.decode(), policy=email.policy.default)
    assert text["To"].addresses[0].addr_spec == wire  # type: ignore[attr-defined]
    assert confirm_link(mail)
