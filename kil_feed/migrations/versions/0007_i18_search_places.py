"""Search finds places (issue #18): the full-text index also covers a job's location and
every item's region tags, title still weighted highest.

SQLite: `item_fts` is rebuilt with `location` and `regions` columns (the JSON list's
words are what matters) and its triggers watch them. PostgreSQL: `search_tsv` is
regenerated with location (B, with the employer), regions (D) and summary (C).

Revision ID: 0007_i18_search
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007_i18_search"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("title", "summary", "employer", "location", "regions")
_OLD_COLUMNS = ("title", "summary", "employer")


def _values(prefix: str, columns: tuple[str, ...]) -> str:
    return ", ".join(
        f"{prefix}.{c}" if c in ("title", "summary") else f"coalesce({prefix}.{c}, '')"
        for c in columns
    )


def _sqlite(columns: tuple[str, ...]) -> list[str]:
    names = ", ".join(columns)
    return [
        "DROP TRIGGER IF EXISTS item_fts_au",
        "DROP TRIGGER IF EXISTS item_fts_ad",
        "DROP TRIGGER IF EXISTS item_fts_ai",
        "DROP TABLE IF EXISTS item_fts",
        f"""CREATE VIRTUAL TABLE item_fts USING fts5(
            {names}, content='item', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER item_fts_ai AFTER INSERT ON item BEGIN
            INSERT INTO item_fts(rowid, {names}) VALUES (new.id, {_values("new", columns)});
        END""",
        f"""CREATE TRIGGER item_fts_ad AFTER DELETE ON item BEGIN
            INSERT INTO item_fts(item_fts, rowid, {names})
            VALUES ('delete', old.id, {_values("old", columns)});
        END""",
        f"""CREATE TRIGGER item_fts_au AFTER UPDATE OF {names} ON item BEGIN
            INSERT INTO item_fts(item_fts, rowid, {names})
            VALUES ('delete', old.id, {_values("old", columns)});
            INSERT INTO item_fts(rowid, {names}) VALUES (new.id, {_values("new", columns)});
        END""",
        "INSERT INTO item_fts(item_fts) VALUES ('rebuild')",
    ]


def _postgres(vector: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS ix_item_search_tsv",
        "ALTER TABLE item DROP COLUMN IF EXISTS search_tsv",
        f"ALTER TABLE item ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX ix_item_search_tsv ON item USING gin (search_tsv)",
    ]


_PG_VECTOR = """
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(employer, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(location, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(summary, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(regions, '[]'::json)), 'D')"""
_PG_OLD_VECTOR = """
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(employer, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(summary, '')), 'C')"""


def _run(sqlite: list[str], postgres: list[str]) -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, []):
        op.execute(sql)


def upgrade() -> None:
    _run(_sqlite(_COLUMNS), _postgres(_PG_VECTOR))


def downgrade() -> None:
    _run(_sqlite(_OLD_COLUMNS), _postgres(_PG_OLD_VECTOR))
