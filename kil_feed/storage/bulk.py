"""Bulk helpers: bounded chunks for IN lists, inserts that hand back ids in order, and typed
parameters for executemany UPDATEs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

IN_CHUNK = 400  # values per IN list: far below SQLite's and PostgreSQL's parameter limits
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in consecutive lists of at most `size`."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def insert_with_ids(
    table: sa.Table, rows: Sequence[dict[str, Any]], *, session: Session
) -> list[int]:
    """Insert `rows` (one executemany) and return their new ids, in the order given.

    The ids are taken up front, so every row is inserted with its id and nothing has to
    come back: on SQLite, inside a write transaction (`BEGIN IMMEDIATE`: no other writer
    can insert meanwhile), the ids after the largest; on PostgreSQL, the next values of the
    table's sequence.
    """
    if not rows:
        return []
    connection = session.connection()
    ids = _next_ids(table, len(rows), connection)
    rows = [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
    columns = table.c
    keys = tuple(rows[0])
    if any(k not in columns for k in keys) or any(
        c.default is not None and c.key not in keys for c in columns
    ):  # SQLAlchemy has more to do than bind the values: a default to fill in, say
        connection.execute(sa.insert(table), rows)
    else:
        executemany(connection, sa.insert(table), rows, keys=keys)
    return ids


def _next_ids(table: sa.Table, count: int, connection: sa.Connection) -> list[int]:
    if connection.dialect.name == "sqlite":
        last = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        return list(range(last + 1, last + 1 + count))
    taken = connection.execute(_NEXTVAL, {"table": table.name, "n": count})
    return sorted(int(i) for i in taken.scalars())


_NEXTVAL = sa.text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
)


def executemany(
    connection: sa.Connection,
    statement: sa.Executable,
    rows: Sequence[dict[str, Any]],
    *,
    keys: tuple[str, ...] | None = None,
) -> None:
    """`connection.execute(statement, rows)`, with the rows handed to the driver's
    executemany as already bound values (`_Lean`): SQLAlchemy's handling of each row's
    parameters cost more than SQLite took to store the row. `keys`: an INSERT's columns."""
    if not rows:
        return
    lean = _lean(statement, keys, connection.dialect)
    if lean is None:
        connection.execute(statement, rows)  # type: ignore[arg-type]
    else:
        connection.exec_driver_sql(lean.sql, lean.parameters(rows))


@dataclass(frozen=True)
class _Lean:
    """A statement compiled once per dialect, and the bind processor of each of its
    parameters (the very functions SQLAlchemy applies): a row becomes the driver's
    parameters in one pass."""

    sql: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        values = itemgetter(*self.keys) if len(self.keys) > 1 else lambda r: (r[self.keys[0]],)
        processed = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        bound: list[tuple[Any, ...]] = []
        for row in rows:
            params = list(values(row))
            for i, process in processed:
                params[i] = process(params[i])
            bound.append(tuple(params))  # SQLAlchemy hands on tuples or dicts only
        if self.positional:
            return bound
        return [dict(zip(self.keys, params, strict=True)) for params in bound]


@lru_cache(maxsize=64)
def _lean(
    statement: sa.Executable, keys: tuple[str, ...] | None, dialect: sa.Dialect
) -> _Lean | None:
    """None for what plain binding cannot do (an IN list to expand, a parameter twice)."""
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=list(keys) if keys is not None else None
    )
    binds = compiled.binds
    order = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
    if len(set(order)) != len(order) or (keys is not None and set(order) != set(keys)):
        return None
    if any(binds[k].expanding or binds[k].literal_execute for k in order):
        return None
    processors = tuple(
        binds[k].type.dialect_impl(dialect).bind_processor(dialect) for k in order
    )  # fmt: skip
    return _Lean(compiled.string, order, processors, bool(compiled.positional))


def typed_param(name: str, type_: Any) -> Any:
    """A bound parameter with its SQL type (PostgreSQL cannot infer a bare one inside CASE
    or COALESCE)."""
    return sa.cast(sa.bindparam(name), type_)
