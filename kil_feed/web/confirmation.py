"""The double opt-in confirmation email: the only mail an unconfirmed address ever gets."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr

from jinja2 import Environment

from kil_feed.config import Settings
from kil_feed.errors import DeliveryError
from kil_feed.tokens import confirm_url
from newsletter.transport import make_transport

logger = logging.getLogger(__name__)


def confirmation_message(
    settings: Settings, env: Environment, *, email: str, name: str, subscriber_id: int, nonce: int
) -> EmailMessage:
    link = confirm_url(settings, subscriber_id, nonce)
    ctx = {"name": name, "link": link, "base_url": settings.base_url.rstrip("/")}
    msg = EmailMessage(policy=SMTP_POLICY)  # CRLF line ends: smtplib sends bytes as-is
    msg["Subject"] = "Confirm your subscription to Keep it Local feed"
    msg["From"] = settings.newsletter.from_address
    msg["To"] = email
    msg["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.newsletter.from_address)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    # quoted-printable keeps every line under SMTP's 998-octet limit (the links are long)
    msg.set_content(env.get_template("web/email_confirm.txt").render(ctx), cte="quoted-printable")
    msg.add_alternative(
        env.get_template("web/email_confirm.html").render(ctx),
        subtype="html",
        cte="quoted-printable",
    )
    return msg


def send_confirmation(
    settings: Settings, env: Environment, *, email: str, name: str, subscriber_id: int, nonce: int
) -> None:
    """Send the link; failures are logged, never shown (the page must not reveal anything)."""
    msg = confirmation_message(
        settings, env, email=email, name=name, subscriber_id=subscriber_id, nonce=nonce
    )
    mail_from = parseaddr(settings.newsletter.from_address)[1]
    transport = make_transport(settings)
    try:
        transport.send(msg, mail_from, email)
        logger.info("confirmation sent subscriber_id=%s", subscriber_id)
    except DeliveryError as exc:
        logger.warning("confirmation not sent subscriber_id=%s error=%s", subscriber_id, exc)
    finally:
        transport.close()
