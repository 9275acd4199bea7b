"""PostgreSQL's search index holds the words SQLite's FTS5 index holds, so a query finds the
same items on both.

FTS5 (unicode61) splits text at every character that is not a letter or digit and keeps
every word. PostgreSQL's parser kept `www.gov.uk`, `https://...`, `x@y.org`, `1.5` and
`v1.2` whole (host, URL, email, number tokens) and its `kil_porter` dictionary dropped the
stop words, keeping their positions: `gov.uk` found nothing there, and the place phrase
"Isle of Wight" (`isl <2> wight`) also matched "Isle in Wight". Now each column's ASCII
punctuation is read as a space before parsing (words only, as FTS5 sees them) and the
dictionary keeps stop words (`isl <-> of <-> wight`); the query still leaves stop words
out on both backends (kil_feed.storage.stopwords). `search_tsv` is regenerated. Nothing
changes on SQLite.

Revision ID: 0020_search_words
Revises: 0019_buyer_bare_party_ids
"""

from __future__ import annotations

from alembic import op

revision = "0020_search_words"
down_revision = "0019_buyer_bare_party_ids"
branch_labels = None
depends_on = None

_COLUMNS = (("title", "A"), ("employer", "B"), ("location", "B"), ("summary", "C"))
_PUNCTUATION = "[!-/:-@[-`{-~]+"  # every printable ASCII character but letters and digits


def _vector(words_only: bool) -> str:
    def text(column: str) -> str:
        value = f"coalesce({column}, '')"
        return f"regexp_replace({value}, '{_PUNCTUATION}', ' ', 'g')" if words_only else value

    parts = [f"setweight(to_tsvector('kil_search', {text(c)}), '{w}')" for c, w in _COLUMNS]
    parts.append("setweight(to_tsvector('kil_search', coalesce(regions, '[]'::json)), 'D')")
    return " || ".join(parts)


def _regenerate(words_only: bool) -> None:
    op.execute("DROP INDEX IF EXISTS ix_item_search_tsv")
    op.execute("ALTER TABLE item DROP COLUMN IF EXISTS search_tsv")
    op.execute(
        "ALTER TABLE item ADD COLUMN search_tsv tsvector"
        f" GENERATED ALWAYS AS ({_vector(words_only)}) STORED"
    )
    op.execute("CREATE INDEX ix_item_search_tsv ON item USING gin (search_tsv)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TEXT SEARCH DICTIONARY kil_porter (StopWords)")  # keep every word
    _regenerate(words_only=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TEXT SEARCH DICTIONARY kil_porter (StopWords = english)")
    _regenerate(words_only=False)
