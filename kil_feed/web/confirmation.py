"""The emails the subscription pages send: the double opt-in confirmation (the only mail an
unconfirmed address ever gets), the welcome once confirmed, and the preferences link on
request. All go through the newsletter's transport (SMTP or the outbox), in the background,
and a failure is logged, never shown (the pages must not reveal anything)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from jinja2 import Environment

from kil_feed.config import Settings
from kil_feed.errors import ConfigError, DeliveryError
from kil_feed.tokens import confirm_url, preferences_url, unsubscribe_url
from newsletter.addresses import wire_address
from newsletter.transport import check_transport, make_transport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Welcome:
    """Who to welcome, and the latest sent issue to point them to (if any)."""

    subscriber_id: int
    email: str
    name: str
    issue_id: int | None
    issue_title: str


def _message(
    settings: Settings, env: Environment, *, to: str, subject: str, template: str, **ctx: Any
) -> EmailMessage:
    """Text and HTML from `web/<template>.txt|.html`, with the headers every one carries."""
    ctx = {"base_url": settings.base_url.rstrip("/"), **ctx}
    to = wire_address(to)  # an IDN domain as punycode; a UTF-8 mailbox needs RFC 6532 headers
    policy = SMTP_POLICY if to.isascii() else SMTP_POLICY.clone(utf8=True)
    msg = EmailMessage(policy=policy)  # CRLF line ends: smtplib sends bytes as-is
    msg["Subject"] = subject
    msg["From"] = settings.newsletter.from_address
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.newsletter.from_address)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    # quoted-printable keeps every line under SMTP's 998-octet limit (the links are long)
    msg.set_content(env.get_template(f"web/{template}.txt").render(ctx), cte="quoted-printable")
    msg.add_alternative(
        env.get_template(f"web/{template}.html").render(ctx),
        subtype="html",
        cte="quoted-printable",
    )
    return msg


def _send(settings: Settings, msg: EmailMessage, to: str, what: str, subscriber_id: int) -> None:
    mail_from = parseaddr(settings.newsletter.from_address)[1]
    try:  # the same refusal as `kil issue send`: no outbox that nobody chose
        check_transport(settings)
    except ConfigError as exc:
        logger.error("%s not sent subscriber_id=%s error=%s", what, subscriber_id, exc)
        return
    transport = make_transport(settings)
    try:
        transport.send(msg, mail_from, to)
        logger.info("%s sent subscriber_id=%s", what, subscriber_id)
    except DeliveryError as exc:
        logger.warning("%s not sent subscriber_id=%s error=%s", what, subscriber_id, exc)
    finally:
        transport.close()


def confirmation_message(
    settings: Settings, env: Environment, *, email: str, name: str, subscriber_id: int, nonce: int
) -> EmailMessage:
    return _message(
        settings, env, to=email, template="email_confirm",
        subject="Confirm your subscription to Keep it Local feed",
        name=name, link=confirm_url(settings, subscriber_id, nonce),
    )  # fmt: skip


def send_confirmation(
    settings: Settings, env: Environment, *, email: str, name: str, subscriber_id: int, nonce: int
) -> None:
    """Send the link to confirm a subscription."""
    msg = confirmation_message(
        settings, env, email=email, name=name, subscriber_id=subscriber_id, nonce=nonce
    )
    _send(settings, msg, email, "confirmation", subscriber_id)


def send_welcome(settings: Settings, env: Environment, welcome: Welcome) -> None:
    """After confirming: the web version of the latest issue and the subscriber's links."""
    base = settings.base_url.rstrip("/")
    issue_url = f"{base}/issues/{welcome.issue_id}" if welcome.issue_id else ""
    msg = _message(
        settings, env, to=welcome.email, template="email_welcome",
        subject="Welcome to Keep it Local feed", name=welcome.name,
        issue_url=issue_url, issue_title=welcome.issue_title,
        preferences_url=preferences_url(settings, welcome.subscriber_id),
        unsubscribe_url=unsubscribe_url(settings, welcome.subscriber_id),
    )  # fmt: skip
    _send(settings, msg, welcome.email, "welcome", welcome.subscriber_id)


def send_preferences_link(
    settings: Settings, env: Environment, *, email: str, name: str, subscriber_id: int
) -> None:
    """The link to the subscriber's preferences page, asked for on `/preferences`."""
    msg = _message(
        settings, env, to=email, template="email_preferences",
        subject="Your Keep it Local feed preferences", name=name,
        preferences_url=preferences_url(settings, subscriber_id),
    )  # fmt: skip
    _send(settings, msg, email, "preferences link", subscriber_id)
