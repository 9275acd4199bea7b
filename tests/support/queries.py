"""Counting the SQL a piece of code sends, to show a listing or a batch costs a few
queries, not a few per row (SQLAlchemy's `before_cursor_execute` event)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@contextmanager
def statements(engine: Engine | type[Engine]) -> Iterator[list[str]]:
    """Every SQL statement `engine` sends inside the block (`Engine` itself: any engine's,
    such as the one a `kil` command makes)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
