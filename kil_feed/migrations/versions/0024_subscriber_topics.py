"""Subscriber topics stored as typed by imports before 6db19bc are spelled as topics are.

Before 6db19bc `kil subscribers import` stored a CSV's topics as typed ("PROCUREMENT",
"Social value"): a topic no item carries, so that reader silently got the unpersonalised
email. Since then an import spells each topic as `kil subscribers add` does
(`TopicCatalog.check`): a slug or a label in any case, with hyphens or runs of spaces
between its words, is stored as the topic's slug. This migration applies that rule to
every subscriber's stored topics, then keeps each once, in its order.

The known topics are the bundled ones as of 6db19bc (slug and label, kept here so this
migration always does what it did when it was written) and the topics items carry
(`item_tag`), which are a deployment's own topics (`crawl.topics_file`) too; those match by
slug. A topic that matches none is kept as it was (an import before 6db19bc kept unknown
ones such as "jobs": dropping it would lose what the reader chose) and counted in the log;
`kil subscribers update` changes it. `updated_at` is left alone: the reader's choice did
not change, only its spelling.

Revision ID: 0024_subscriber_topics
Revises: 0023_figure_changes
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0024_subscriber_topics"
down_revision = "0023_figure_changes"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

# crawler/classify/topics.toml as of 6db19bc: (slug, label)
_BUNDLED = (
    ("procurement", "Procurement"),
    ("commissioning", "Commissioning"),
    ("outsourcing", "Outsourcing and insourcing"),
    ("social-value", "Social value"),
    ("local-government", "Local government"),
    ("keep-it-local", "Keep it Local"),
    ("contracts", "Contracts and contract management"),
    ("recruitment", "Interim and recruitment"),
    ("public-health", "Public health and NHS"),
    ("housing", "Housing"),
    ("adult-social-care", "Adult social care"),
    ("childrens-services", "Children's services"),
    ("digital", "Digital and IT"),
    ("finance", "Finance"),
)
_CHUNK = 500

_SUBSCRIBER = sa.table("subscriber", sa.column("id", sa.Integer), sa.column("topics", sa.JSON))
_ITEM_TAG = sa.table("item_tag", sa.column("kind", sa.String), sa.column("value", sa.String))


def _key(value: str) -> str:
    """kil_feed.topics.TopicCatalog.check's comparison key as of 6db19bc."""
    return " ".join(value.replace("-", " ").split()).casefold()


def _slugs_by_key(conn: sa.Connection) -> dict[str, str]:
    """Each known spelling's key -> its slug; the bundled topics win a clash, in order."""
    used = conn.execute(
        sa.select(_ITEM_TAG.c.value).where(_ITEM_TAG.c.kind == "topic").distinct()
    ).scalars()
    known: dict[str, str] = {}
    for slug in sorted(set(used)):
        known.setdefault(_key(slug), slug)
    for slug, label in reversed(_BUNDLED):  # the first bundled topic wins, as check() does
        known[_key(label)] = slug
        known[_key(slug)] = slug
    return known


def _spelled(values: list[str], known: dict[str, str]) -> tuple[list[str], int]:
    """The stored topics spelled as today, once each; and how many matched no topic."""
    out = [known.get(_key(value), value) for value in values]
    unknown = sum(_key(value) not in known for value in values)
    return list(dict.fromkeys(out)), unknown


def upgrade() -> None:
    conn = op.get_bind()
    known = _slugs_by_key(conn)
    changed = unknown = 0
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_SUBSCRIBER.c.id, _SUBSCRIBER.c.topics)
            .where(_SUBSCRIBER.c.id > last)
            .order_by(_SUBSCRIBER.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            stored = row.topics
            if not isinstance(stored, list) or not all(isinstance(t, str) for t in stored):
                continue  # not a list of names: nothing this rule spells, and kept whole
            topics, missing = _spelled(stored, known)
            unknown += missing
            if topics != stored:
                conn.execute(
                    sa.update(_SUBSCRIBER).where(_SUBSCRIBER.c.id == row.id).values(topics=topics)
                )
                changed += 1
    logger.info(
        "subscribers: topics spelled as known topics on %d; %d unknown topics kept as typed",
        changed,
        unknown,
    )


def downgrade() -> None:
    """Nothing to undo: the old spellings named the same topics."""
