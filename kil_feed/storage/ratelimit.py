"""A rate limit kept in the database, so several web workers share one count per client.

A sliding window, estimated from two fixed ones (the "sliding window counter"): attempt `n`
of a client in the window `time // length` is counted with one atomic upsert (`INSERT ...
ON CONFLICT DO UPDATE ... RETURNING`), so two workers counting at once can never both see
room for the last attempt; the previous window's count, closed and so fixed, is added in
proportion to how much of it the last `length` seconds still cover. A client cannot make
twice its limit across a window's boundary, as fixed windows alone would let it.
"""

from __future__ import annotations

import time

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from kil_feed.models import RateLimitCount


def count_attempt(
    key: str, window_seconds: float, *, session: Session, now: float | None = None
) -> float:
    """Record an attempt by `key`; about how many it has made in the last `window_seconds`
    (this one too): all of the current window's, and the previous window's in proportion."""
    key = key[:200]  # the column's length
    position = (time.time() if now is None else now) / window_seconds
    window = int(position)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitCount.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=key, window=window, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window"], set_={"hits": table.c.hits + 1}
    ).returning(table.c.hits)
    hits = int(session.execute(statement).scalar_one())
    if hits == 1:  # a client's first attempt in a window: forget windows that have passed
        session.execute(delete(RateLimitCount).where(col(RateLimitCount.window) < window - 1))
    previous = session.execute(
        select(table.c.hits).where(table.c.key == key, table.c.window == window - 1)
    ).scalar_one_or_none()
    return hits + (previous or 0) * (1 - (position - window))
