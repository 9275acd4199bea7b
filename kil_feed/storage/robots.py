"""robots.txt answers kept between crawls (`RobotsTxt`): the fresh ones a crawl may reuse,
and what a crawl fetched, one row per origin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from crawler.records import ROBOTS_MAX_AGE, RobotsAnswer
from kil_feed.models import RobotsTxt

MAX_AGE = timedelta(seconds=ROBOTS_MAX_AGE)  # RFC 9309 §2.4


def fresh_robots(
    origins: Iterable[str], max_age: timedelta, *, session: Session
) -> list[RobotsAnswer]:
    """The kept answers of `origins` fetched less than `max_age` ago."""
    wanted = sorted(set(origins))
    since = datetime.now(UTC) - min(max_age, MAX_AGE)
    found: list[RobotsAnswer] = []
    for start in range(0, len(wanted), 500):  # bounded IN lists
        rows = session.exec(
            select(RobotsTxt).where(
                col(RobotsTxt.origin).in_(wanted[start : start + 500]),
                col(RobotsTxt.fetched_at) > since,
            )
        )
        found += [
            RobotsAnswer(
                origin=r.origin, status=r.status, body=r.body, fetched_at=r.fetched_at.timestamp()
            )
            for r in rows
        ]
    return found


def save_robots(answers: Sequence[RobotsAnswer], *, session: Session) -> None:
    """Keep what a crawl fetched (the newest answer per origin); forget rows too old to use."""
    latest = {a["origin"]: a for a in sorted(answers, key=lambda a: a["fetched_at"])}
    session.exec(delete(RobotsTxt).where(col(RobotsTxt.fetched_at) < datetime.now(UTC) - MAX_AGE))  # type: ignore[call-overload]
    origins = sorted(latest)
    for start in range(0, len(origins), 500):
        chunk = origins[start : start + 500]
        session.exec(delete(RobotsTxt).where(col(RobotsTxt.origin).in_(chunk)))  # type: ignore[call-overload]
        session.add_all(
            RobotsTxt(
                origin=o[:300],
                status=latest[o]["status"],
                body=latest[o]["body"],
                fetched_at=datetime.fromtimestamp(latest[o]["fetched_at"], UTC),
            )  # fmt: skip
            for o in chunk
        )
