"""Queries on subscribers; addresses are stored and compared lower-case."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from kil_feed.errors import NotFoundError
from kil_feed.models import Subscriber


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_subscriber(email: str, *, session: Session) -> Subscriber | None:
    return session.exec(
        select(Subscriber).where(Subscriber.email == normalise_email(email))
    ).first()


def get_subscriber(email: str, *, session: Session) -> Subscriber:
    sub = find_subscriber(email, session=session)
    if sub is None:
        raise NotFoundError(f"no subscriber {email!r}", hint="see `kil subscribers list`")
    return sub


def list_subscribers(
    *, session: Session, status: str | None = None, region: str | None = None
) -> Sequence[Subscriber]:
    query = select(Subscriber).order_by(Subscriber.email)
    if status:
        query = query.where(Subscriber.status == status)
    subs = session.exec(query).all()
    if region:
        subs = [s for s in subs if region in (s.regions or [])]
    return subs
