"""Notices whose later release renamed them get the `title_key` of their merged title.

Before this revision a release that moved a stored notice on rewrote its title but left the
`title_key` (what copies elsewhere are matched by) of the first release it was stored
from. Each notice's key is re-read here from its crawled title as ingest keys it today
(`crawler.dedupe_keys.title_key`): the stored title, or, when an editor edited it
(`extra["edited"]`), the notice's own title kept in `extra["notice"]`, as a crawl leaves
an edited item's key following the crawl. Only keys that differ are written; news and
jobs are not touched.

Revision ID: 0022_notice_title_keys
Revises: 0021_edited_fields
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0022_notice_title_keys"
down_revision = "0021_edited_fields"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)
_CHUNK = 500
_ITEM = sa.table(
    "item",
    sa.column("id", sa.Integer),
    *(sa.column(c, sa.String) for c in ("kind", "guid", "title", "title_key")),
    sa.column("extra", sa.JSON),
)


def crawled_title(row: Any) -> str:
    """The title a crawl gave the notice: an edited one is in its notice fields."""
    extra = row.extra if isinstance(row.extra, dict) else {}
    if "title" not in (extra.get("edited") or []):
        return row.title or ""
    notice = extra.get("notice") if isinstance(extra.get("notice"), dict) else {}
    return str(notice.get("title") or row.guid or "")


def upgrade() -> None:
    from crawler.dedupe_keys import title_key

    conn = op.get_bind()
    moved, after = 0, 0
    while True:
        rows = conn.execute(
            sa.select(*_ITEM.c)
            .where(_ITEM.c.kind == "notice", _ITEM.c.id > after)
            .order_by(_ITEM.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            break
        after = rows[-1].id
        for row in rows:
            key = title_key(crawled_title(row), "notice")
            if key != (row.title_key or ""):
                conn.execute(sa.update(_ITEM).where(_ITEM.c.id == row.id).values(title_key=key))
                moved += 1
    if moved:
        logger.info("notices given the title_key of their merged title count=%d", moved)


def downgrade() -> None:
    """Nothing to undo: the keys are what the code before would have written for a notice
    stored from its latest release."""
