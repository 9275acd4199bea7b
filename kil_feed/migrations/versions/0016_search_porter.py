"""PostgreSQL search reads words as SQLite's FTS5 does: the `kil_search` text search
configuration stems with Porter's algorithm (FTS5's `porter` tokenizer; the 'english'
configuration's Snowball stemmer made "skies" "sky", FTS5 "ski") and folds accents
(`unaccent`, as FTS5's `remove_diacritics`). Stop words stay out of the index; the query
drops the same list on both backends (kil_feed.storage.stopwords). `search_tsv` is
regenerated with it. Nothing changes on SQLite.

Revision ID: 0016_search_porter
Revises: 0015_item_kind_updated
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0016_search_porter"
down_revision = "0015_item_kind_updated"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

_WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"
_COLUMNS = (("title", "A"), ("employer", "B"), ("location", "B"), ("summary", "C"))


def _vector(config: str) -> str:
    parts = [f"setweight(to_tsvector('{config}', coalesce({c}, '')), '{w}')" for c, w in _COLUMNS]
    parts.append(f"setweight(to_tsvector('{config}', coalesce(regions, '[]'::json)), 'D')")
    return " || ".join(parts)


def _regenerate(config: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_item_search_tsv")
    op.execute("ALTER TABLE item DROP COLUMN IF EXISTS search_tsv")
    op.execute(
        "ALTER TABLE item ADD COLUMN search_tsv tsvector"
        f" GENERATED ALWAYS AS ({_vector(config)}) STORED"
    )
    op.execute("CREATE INDEX ix_item_search_tsv ON item USING gin (search_tsv)")


def _unaccent_available() -> bool:
    """Whether the `unaccent` extension is (or could be made) available: it ships with
    PostgreSQL's contrib and is trusted, but a server may lack it."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        return True
    except sa.exc.DBAPIError as exc:
        logger.warning("search will not fold accents: no unaccent extension (%s)", exc.orig)
        return False


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    filters = "unaccent, kil_porter" if _unaccent_available() else "kil_porter"
    op.execute(
        "CREATE TEXT SEARCH DICTIONARY kil_porter"
        " (TEMPLATE = snowball, Language = porter, StopWords = english)"
    )
    op.execute("CREATE TEXT SEARCH CONFIGURATION kil_search (COPY = english)")
    op.execute(
        f"ALTER TEXT SEARCH CONFIGURATION kil_search ALTER MAPPING FOR {_WORD_TOKENS}"
        f" WITH {filters}"
    )
    _regenerate("kil_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _regenerate("english")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS kil_search")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS kil_porter")
