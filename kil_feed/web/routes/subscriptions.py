"""Subscribe (double opt-in), confirm, preferences and RFC 8058 one-click unsubscribe.

Nothing but the confirmation email is ever sent to an unconfirmed address, the answer to a
signup is the same whether the address is new or known (the email goes out in the
background, so timing does not tell either), and signups are rate-limited per client. The
"email me my preferences link" form follows the same rules and shares the signup limit.
A GET never changes anything (mail filters follow links): confirming, like unsubscribing,
is a button that POSTs; the token in the URL is the secret, so no CSRF token is needed.
"""

from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.errors import ValidationError
from kil_feed.models import SubscriberStatus
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import web as store
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.text import one_line
from kil_feed.tokens import TokenData, read_token
from kil_feed.web.confirmation import (
    Welcome,
    send_confirmation,
    send_preferences_link,
    send_welcome,
)
from kil_feed.web.deps import engine_of, reader, render, settings_of, writer
from kil_feed.web.routes.pages import subscribe_context
from kil_feed.web.security import RateLimited, check_csrf, client_key, csrf_token
from kil_feed.web.serialize import issue_title

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CONFIRM_MAX_AGE = 7 * 24 * 3600
PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(PRIVATE)
    return response


def _link(request: Request, token: str, purpose: str) -> TokenData:
    """The subscriber an emailed link names, or the test copy's `TEST_COPY_ID` (a copy
    sent to someone who is not a subscriber names nobody: `_test_copy` answers it)."""
    return read_token(settings_of(request), token, purpose, test_copy=True)


def _test_copy(request: Request) -> HTMLResponse:
    """The page of a test copy's unsubscribe or preferences link: 200 (a mail client's
    one-click POST must not look failed), nothing to unsubscribe, nobody changed."""
    return _private(render(request, "test_copy.html"))


def _choices(values: list[str], allowed: set[str] | tuple[str, ...]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v in allowed][:50]


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    return render(request, "subscribe.html", subscribe_context(request, session))


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    background: BackgroundTasks,
    email: str = Form(""),
    name: str = Form(""),
    regions: list[str] = Form([]),
    topics: list[str] = Form([]),
    website: str = Form(""),  # a honeypot: people never see it, bots fill it in
    csrf_token_: str = Form("", alias="csrf_token"),
    session: Session = Depends(reader),
) -> HTMLResponse:
    settings = _limited_form(request, csrf_token_)
    context = subscribe_context(request, session)
    try:
        address = validate_email(email.strip()[:320], check_deliverability=False).normalized
    except EmailNotValidError as exc:
        context.update(error=str(exc), email=email[:320], name=name[:200])
        return render(request, "subscribe.html", context, status=422)
    chosen_regions = _choices(regions, ITL1_REGIONS)
    chosen_topics = request.app.state.topics.known(topics)[:50]
    if not website:
        # the name on one printable line: no NUL (PostgreSQL refuses it), CR, LF or escapes
        with writer(request) as wsession:
            sub = store.request_subscription(
                address, session=wsession, name=one_line(name),
                regions=chosen_regions, topics=chosen_topics,
            )  # fmt: skip
            pending = (sub.id, sub.token_nonce, sub.email, sub.name) if sub else None
        if pending:
            sub_id, nonce, to, who = pending
            background.add_task(
                send_confirmation, settings, request.app.state.jinja,
                email=to, name=who, subscriber_id=sub_id, nonce=nonce,
            )  # fmt: skip
    return _private(render(request, "subscribe_done.html", {"email": address}))


def _limited_form(request: Request, submitted_csrf: str) -> Settings:
    """The checks every public form that may send an email passes: the per-client signup
    limit (shared by all of them) and the CSRF token."""
    settings = settings_of(request)
    if not request.app.state.signup_limiter.hit(client_key(request)):
        raise RateLimited("too many signups from your address", hint="try again in an hour")
    check_csrf(request, settings, submitted_csrf)
    return settings


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    """Shows a button; a GET never confirms (link scanners follow GETs)."""
    data = read_token(settings_of(request), token, "confirm", max_age=CONFIRM_MAX_AGE)
    if store.confirmation_pending(data.subscriber_id, data.nonce, session=session):
        return _private(render(request, "confirm.html", {"token": token}))
    return _private(render(request, "confirmed.html", {"already": True}))


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request, background: BackgroundTasks) -> HTMLResponse:
    """Confirm, then send the welcome email (in the background, like every page's mail)."""
    settings = settings_of(request)
    data = read_token(settings, token, "confirm", max_age=CONFIRM_MAX_AGE)
    with writer(request) as session:
        sub = store.get_subscriber_by_id(data.subscriber_id, session=session)
        already = sub.status == SubscriberStatus.confirmed.value
        if not already:
            store.confirm_subscription(data.subscriber_id, data.nonce, session=session)
            latest = store.sent_issues(session=session, limit=1)
            welcome = Welcome(
                sub.id, sub.email, sub.name,  # type: ignore[arg-type]
                latest[0].id if latest else None,
                issue_title(latest[0]) if latest else "",
            )  # fmt: skip
    if not already:
        background.add_task(send_welcome, settings, request.app.state.jinja, welcome)
        logger.info("confirmed subscriber_id=%s", data.subscriber_id)
    return _private(render(request, "confirmed.html", {"already": already}))


@router.get("/preferences", response_class=HTMLResponse)
def preferences_request_form(request: Request) -> HTMLResponse:
    """Ask for the preferences link by email (no need to wait for an issue)."""
    context = {"csrf": csrf_token(request, settings_of(request))}
    return render(request, "preferences_request.html", context)


@router.post("/preferences", response_class=HTMLResponse)
def preferences_request(
    request: Request,
    background: BackgroundTasks,
    email: str = Form(""),
    csrf_token_: str = Form("", alias="csrf_token"),
    session: Session = Depends(reader),
) -> HTMLResponse:
    """The same answer for every address; only a subscribed one gets the link."""
    settings = _limited_form(request, csrf_token_)
    try:
        address = validate_email(email.strip()[:320], check_deliverability=False).normalized
    except EmailNotValidError as exc:
        context = {"csrf": csrf_token(request, settings), "error": str(exc), "email": email[:320]}
        return render(request, "preferences_request.html", context, status=422)
    sub = find_subscriber(address, session=session)
    if sub is not None and sub.status == SubscriberStatus.confirmed.value:
        background.add_task(
            send_preferences_link, settings, request.app.state.jinja,
            email=sub.email, name=sub.name, subscriber_id=sub.id,
        )  # fmt: skip
    return _private(render(request, "preferences_requested.html", {"email": address}))


def _preferences_context(request: Request, token: str, session: Session) -> dict:
    data = read_token(settings_of(request), token, "preferences")
    sub = store.get_subscriber_by_id(data.subscriber_id, session=session)
    return {
        "sub": sub,
        "token": token,
        "csrf": csrf_token(request, settings_of(request)),
        "all_regions": ITL1_REGIONS,
        "all_topics": request.app.state.topics.slugs,
    }


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences(token: str, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    if _link(request, token, "preferences").is_test_copy:
        return _test_copy(request)
    return _private(
        render(request, "preferences.html", _preferences_context(request, token, session))
    )


@router.post("/preferences/{token}", response_class=HTMLResponse)
def save_preferences(
    token: str,
    request: Request,
    action: str = Form("save"),
    regions: list[str] = Form([]),
    topics: list[str] = Form([]),
    csrf_token_: str = Form("", alias="csrf_token"),
) -> HTMLResponse:
    settings = settings_of(request)
    data = _link(request, token, "preferences")
    if data.is_test_copy:
        return _test_copy(request)
    check_csrf(request, settings, csrf_token_)
    with writer(request) as wsession:
        if action == "unsubscribe":
            store.unsubscribe_subscriber(data.subscriber_id, session=wsession)
            message = "You are unsubscribed. We will not email you again."
        elif action == "save":
            store.update_preferences(
                data.subscriber_id,
                session=wsession,
                regions=_choices(regions, ITL1_REGIONS),
                topics=request.app.state.topics.known(topics)[:50],
            )
            message = "Your preferences are saved."
        else:
            raise ValidationError(f"unknown action {action[:40]!r}")
    # the page shows the state after the change: read in a session begun after the write
    with read_session(engine_of(request)) as fresh:
        context = _preferences_context(request, token, fresh)
    context["message"] = message
    return _private(render(request, "preferences.html", context))


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(
    token: str, request: Request, session: Session = Depends(reader)
) -> HTMLResponse:
    """Shows a button; a GET never unsubscribes (link scanners follow GETs)."""
    data = _link(request, token, "unsubscribe")
    if data.is_test_copy:
        return _test_copy(request)
    sub = store.get_subscriber_by_id(data.subscriber_id, session=session)
    done = sub.status == SubscriberStatus.unsubscribed.value
    return _private(render(request, "unsubscribe.html", {"token": token, "done": done}))


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, request: Request) -> HTMLResponse:
    """RFC 8058 one-click: `List-Unsubscribe=One-Click`, urlencoded or multipart, no cookies
    needed (so no CSRF token); answers 200 at once, never a redirect."""
    data = _link(request, token, "unsubscribe")
    if data.is_test_copy:
        return _test_copy(request)
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        raise ValidationError(
            "expected List-Unsubscribe=One-Click", hint="use the button on the unsubscribe page"
        )

    def _apply() -> None:
        with writer(request) as session:
            store.unsubscribe_subscriber(data.subscriber_id, session=session)

    await run_in_threadpool(_apply)
    logger.info("unsubscribed subscriber_id=%s via=one-click", data.subscriber_id)
    return _private(render(request, "unsubscribed.html", {}))
