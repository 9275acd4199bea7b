"""Bulk helpers: bounded chunks for IN lists, inserts that hand back ids in order, and typed
parameters for executemany UPDATEs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

RETURNING_CHUNK = 200
IN_CHUNK = 400  # values per IN list: far below SQLite's and PostgreSQL's parameter limits
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in consecutive lists of at most `size`."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def insert_with_ids(
    table: sa.Table, rows: Sequence[dict[str, Any]], *, session: Session
) -> list[int]:
    """Insert `rows` (Core executemany) and return their new ids, in the order given.

    SQLite hands RETURNING ids back in order only one row per statement. Inside a write
    transaction (`BEGIN IMMEDIATE`: no other writer can insert meanwhile) the next ids are
    known, so they are set up front and one executemany inserts every row. PostgreSQL
    uses multi-row INSERT ... RETURNING in parameter order.
    """
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        last = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        connection.execute(
            sa.insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
        return ids
    ids = []
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for chunk in chunks(rows, RETURNING_CHUNK):
        ids.extend(int(i) for i in connection.execute(statement, chunk).scalars())
    return ids


def typed_param(name: str, type_: Any) -> Any:
    """A bound parameter with its SQL type (PostgreSQL cannot infer a bare one inside CASE
    or COALESCE)."""
    return sa.cast(sa.bindparam(name), type_)
