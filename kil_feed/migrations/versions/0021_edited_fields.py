"""Edits made before `kil items edit` recorded them (`extra["edited"]`, 93b485b) are marked,
so a re-crawl keeps them too (kil_feed.storage.edits).

What a crawl stored is still knowable for the text it hashed: `content_hash` is the hash of
the title, summary, body, dates, employer, location and pay as the crawl stored them, and
`title_key` the normalised title (with employer or location for jobs). An item whose
stored columns no longer give its `content_hash` was changed after the crawl, by an editor
(title or summary) or by `kil items reclassify` (a job's pay, since 93b485b). Such an item
gets "summary" marked, and "title" too unless its `title_key` shows the title is as
crawled (notices: always, since a later release moves their title but not their
`title_key`). That is the safe side: at worst a summary an editor never touched stops
following its source, never an editor's text lost. Topics and regions are not marked:
they are re-read by changing rules and source defaults, so a difference from the crawl
says nothing about an editor. An item without a `content_hash` a crawl wrote is left alone.

Revision ID: 0021_edited_fields
Revises: 0020_search_words
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from alembic import op

import kil_feed.timeutil

revision = "0021_edited_fields"
down_revision = "0020_search_words"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)
_CHUNK = 500
_TIME = kil_feed.timeutil.UTCDateTime(timezone=True)
_ITEM = sa.table(
    "item",
    sa.column("id", sa.Integer),
    *(sa.column(c, sa.String) for c in ("kind", "title", "summary", "body_html", "employer")),
    *(sa.column(c, sa.String) for c in ("location", "content_hash", "title_key")),
    sa.column("date_estimated", sa.Boolean),
    *(sa.column(c, _TIME) for c in ("published_at", "closes_at")),
    *(sa.column(c, sa.Float) for c in ("pay_min", "pay_max")),
    sa.column("extra", sa.JSON),
)

# crawler.dedupe_keys.title_key and content_hash as of 4aea416 (unchanged since), kept
# here so this migration always reads the hashes as they were written
_WORD = re.compile(r"[a-z0-9£$€%]+")
_DIGEST = re.compile(r"^[0-9a-f]{32}$")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _WORD.findall(text)


def _title_key(row: Any) -> str:
    words = _words(row.title)
    if row.kind == "job":
        extra = " ".join(_words(row.employer or row.location or ""))
        return (" ".join(words) + "|" + extra)[:250] if words and extra else ""
    return " ".join(words)[:250] if len(words) >= 4 else ""


def _content_hash(row: Any) -> str:
    parts = [
        row.title or "",
        row.summary or "",
        row.body_html or "",
        str(row.published_at if not row.date_estimated else ""),
        row.employer or "",
        row.location or "",
        str(row.pay_min),
        str(row.pay_max),
        str(row.closes_at),
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def edited_fields(row: Any) -> list[str]:
    """The fields of a stored item to treat as an editor's (see the module docstring)."""
    if not _DIGEST.match(row.content_hash or "") or _content_hash(row) == row.content_hash:
        return []
    title_as_crawled = row.kind != "notice" and _title_key(row) == (row.title_key or "")
    return ["summary"] if title_as_crawled else ["summary", "title"]


def upgrade() -> None:
    conn = op.get_bind()
    marked, after = 0, 0
    columns = [c for c in _ITEM.c]
    while True:
        rows = conn.execute(
            sa.select(*columns).where(_ITEM.c.id > after).order_by(_ITEM.c.id).limit(_CHUNK)
        ).all()
        if not rows:
            break
        after = rows[-1].id
        for row in rows:
            found = edited_fields(row)
            extra = dict(row.extra) if isinstance(row.extra, dict) else {}
            known = list(extra.get("edited") or [])
            if not found or set(found) <= set(known):
                continue
            extra["edited"] = sorted(set(known) | set(found))
            conn.execute(sa.update(_ITEM).where(_ITEM.c.id == row.id).values(extra=extra))
            marked += 1
    if marked:
        logger.info(
            "items whose title or summary differs from their crawl marked edited=%d", marked
        )


def downgrade() -> None:
    """Nothing to undo: `extra["edited"]` is ignored by the code before this revision."""
