"""A rate limit kept in the database, so several web workers share one count per client.

Fixed windows: attempt `n` of a client in the window `time // length` is counted with one
atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`), so two workers counting
at once can never both see room for the last attempt.
"""

from __future__ import annotations

import time

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete

from kil_feed.models import RateLimitCount


def count_attempt(
    key: str, window_seconds: float, *, session: Session, now: float | None = None
) -> int:
    """Record an attempt by `key`; how many it has made in the current window (this one too)."""
    window = int((time.time() if now is None else now) // window_seconds)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitCount.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=key[:200], window=window, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window"], set_={"hits": table.c.hits + 1}
    ).returning(table.c.hits)
    hits = int(session.execute(statement).scalar_one())
    if hits == 1:  # a client's first attempt in a window: forget windows that have passed
        session.execute(delete(RateLimitCount).where(col(RateLimitCount.window) < window - 1))
    return hits
