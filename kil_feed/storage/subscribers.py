"""Queries on subscribers; addresses are stored and compared lower-case."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from kil_feed.errors import ConflictError, NotFoundError, ValidationError
from kil_feed.models import Delivery, Subscriber, SubscriberStatus
from kil_feed.text import one_line
from kil_feed.timeutil import utcnow


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


# --- editorial: adding, changing and removing subscribers ------------------------------


def validate_email_address(email: str) -> str:
    """The address checked (syntax only, no DNS lookups) and lower-cased; ValidationError
    carries email-validator's reason."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"invalid email address {email.strip()!r}: {exc}") from None
    return normalise_email(result.normalized)


def set_status(sub: Subscriber, status: str, *, session: Session) -> bool:
    """Change a subscriber's status and stamp when; True if it changed."""
    if status not in {s.value for s in SubscriberStatus}:
        raise ValidationError(
            f"unknown subscriber status {status!r}",
            hint=", ".join(s.value for s in SubscriberStatus),
        )
    if sub.status == status:
        return False
    now = utcnow()
    sub.status = status
    if status == SubscriberStatus.confirmed.value:
        sub.confirmed_at = now  # when consent was (last) given
        sub.unsubscribed_at = None
    elif status == SubscriberStatus.unsubscribed.value:
        sub.unsubscribed_at = now
    elif status == SubscriberStatus.bounced.value:
        sub.bounced_at = now
    sub.updated_at = now
    session.add(sub)
    return True


def add_subscriber(
    email: str,
    *,
    session: Session,
    name: str = "",
    regions: Sequence[str] = (),
    topics: Sequence[str] = (),
    status: str = SubscriberStatus.confirmed.value,
    origin: str = "cli",
) -> Subscriber:
    """A new subscriber (an editor's add or import vouches for consent: confirmed)."""
    address = validate_email_address(email)
    if find_subscriber(address, session=session) is not None:
        raise ConflictError(
            f"{address} is already a subscriber", hint=f"use `kil subscribers update {address}`"
        )
    sub = Subscriber(
        email=address,
        name=one_line(name),  # a CSV cell or --name may hold CR/LF: never a header or row
        regions=list(regions),
        topics=list(topics),
        status=SubscriberStatus.pending.value,
        origin=origin,
    )
    set_status(sub, status, session=session)
    session.add(sub)
    session.flush()
    return sub


def update_subscriber(
    sub: Subscriber,
    *,
    session: Session,
    email: str | None = None,
    name: str | None = None,
    regions: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    status: str | None = None,
) -> bool:
    """Change the given fields; True if anything changed."""
    changed = False
    if email is not None:
        address = validate_email_address(email)
        if address != sub.email:
            other = find_subscriber(address, session=session)
            if other is not None:
                raise ConflictError(f"{address} is already a subscriber")
            sub.email, changed = address, True
    for field, value in (("name", name), ("regions", regions), ("topics", topics)):
        if value is None:
            continue
        value = one_line(value) if isinstance(value, str) else list(value)
        if getattr(sub, field) != value:
            setattr(sub, field, value)
            changed = True
    if status is not None and set_status(sub, status, session=session):
        changed = True
    if changed:
        sub.updated_at = utcnow()
        session.add(sub)
        session.flush()
    return changed


def remove_subscriber(email: str, *, session: Session) -> None:
    """Delete a subscriber and their delivery records (erasure requests)."""
    sub = get_subscriber(email, session=session)
    session.exec(delete(Delivery).where(col(Delivery.subscriber_id) == sub.id))
    session.delete(sub)
    session.flush()


def status_counts(*, session: Session) -> dict[str, int]:
    """Number of subscribers by status."""
    rows = session.exec(select(Subscriber.status, func.count()).group_by(Subscriber.status)).all()
    return {status: count for status, count in rows}
