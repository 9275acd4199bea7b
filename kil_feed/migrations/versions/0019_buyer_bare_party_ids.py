"""Buyers joined by a bare OCDS party id are split by name, as notices are joined today.

Before 8da6ea7 a party id without a scheme ("org-12", numbered per publication by Public
Contracts Scotland and Sell2Wales) was stored as the buyer's identifier, and a later notice
of another publisher with the same "org-12" joined that buyer by it: NHS Lothian's notice
sat under Swansea's buyer. Today such an id is no identifier (`crawler.ocds.fields`), and a
notice without one joins the buyer of its name key. This migration does the same to the
notices stored before: each notice whose buyer identifier was a bare party id, and whose
buyer's name is another buyer's (its name key differs from its buyer's), moves to the buyer
of its own name key, created as ingest would create it if there is none; each such id is
taken off its buyer and off the notice's stored buyer. A notice whose identifier is a real
one (identifier.scheme + id, or a scheme-prefixed party id "GB-COH-...") is never moved, nor
is one whose name agrees with its buyer's. Moved notices get a new `updated_at`, so cached
listings and feeds see the change. Jobs and news join buyers by name and are not touched.

Revision ID: 0019_buyer_bare_party_ids
Revises: 0018_buyer_touch
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

import kil_feed.timeutil

revision = "0019_buyer_bare_party_ids"
down_revision = "0018_buyer_touch"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

# crawler.ocds.fields._ORG_ID as of 8da6ea7, kept here so this migration always does what
# it did when it was written
_ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,}-\S+$")
_CHUNK = 500

_TIME = kil_feed.timeutil.UTCDateTime(timezone=True)
_BUYER = sa.table(
    "buyer",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("scheme", sa.String),
    sa.column("identifier", sa.String),
    sa.column("buyer_type", sa.String),
    sa.column("region", sa.String),
    sa.column("la_code", sa.String),
    sa.column("created_at", _TIME),
    sa.column("updated_at", _TIME),
)
_ITEM = sa.table(
    "item",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("buyer_key", sa.String),
    sa.column("employer", sa.String),
    sa.column("extra", sa.JSON),
    sa.column("updated_at", _TIME),
)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _identifier_today(ref: dict[str, Any], compiled: dict[str, Any]) -> str | None:
    """The buyer identifier the notice reader gives today: identifier.scheme + id, else a
    party id that is a scheme-prefixed org-id itself, else none. Read from the stored
    compiled release's buyer party when it is there, else from the stored buyer."""
    parties = [p for p in compiled.get("parties") or [] if isinstance(p, dict)]
    buyer_id = _obj(compiled.get("buyer")).get("id")
    party = next((p for p in parties if buyer_id and p.get("id") == buyer_id), None)
    party = party or next((p for p in parties if "buyer" in (p.get("roles") or [])), None)
    if party is not None:
        ident = _obj(party.get("identifier"))
        scheme, local_id = _text(ident.get("scheme")), _text(ident.get("id"))
        if scheme and local_id:
            return f"{scheme}-{local_id}"
        party_id = _text(party.get("id")) or _text(buyer_id)
        return party_id if _ORG_ID.match(party_id) else None
    stored, scheme = _text(ref.get("identifier")), _text(ref.get("scheme"))
    if _ORG_ID.match(stored) or (scheme and stored.startswith(f"{scheme}-")):
        return stored
    return None


def upgrade() -> None:
    from kil_feed.buyers import name_key

    conn = op.get_bind()
    buyers = {row.key: row for row in conn.execute(sa.select(_BUYER))}
    if not buyers:
        return
    names = {key: name_key(row.name) for key, row in buyers.items()}
    bare: dict[str, set[str]] = {}  # buyer key -> bare ids its notices carried
    real: dict[str, set[str]] = {}  # buyer key -> real identifiers its notices carry
    fixes: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []  # bare-id notices
    first: dict[str, tuple[str, dict[str, Any]]] = {}  # new key -> (name, notice) to make it
    query = (
        sa.select(_ITEM.c.id, _ITEM.c.buyer_key, _ITEM.c.employer, _ITEM.c.extra)
        .where(_ITEM.c.kind == "notice", _ITEM.c.buyer_key.is_not(None))
        .order_by(_ITEM.c.id)
        .execution_options(yield_per=_CHUNK)
    )
    # every notice is read (a bare id could join a buyer found by name in the same batch,
    # whatever that buyer's own identifier), a few hundred rows at a time
    for item_id, key, employer, extra in conn.execute(query):
        extra = extra if isinstance(extra, dict) else {}
        notice = _obj(extra.get("notice"))
        ref = _obj(notice.get("buyer"))
        was = _text(ref.get("identifier"))
        today = _identifier_today(ref, _obj(extra.get("compiled")))
        if today:
            real.setdefault(key, set()).add(today)
        if not was or today:
            continue
        bare.setdefault(key, set()).add(was)
        name = _text(ref.get("name")) or _text(employer)
        target: str | None = name_key(name)
        if not target or target == key or key not in buyers or target == names[key]:
            target = None  # its own buyer: only the bare id goes
        elif target not in buyers:
            first.setdefault(target, (name, notice))
        fixes.append((item_id, target, extra, notice))
    now = kil_feed.timeutil.utcnow()
    _create_buyers(conn, first, now)
    moved = 0
    for item_id, target, extra, notice in fixes:
        ref = {**_obj(notice.get("buyer")), "identifier": None}
        values: dict[str, Any] = {"extra": {**extra, "notice": {**notice, "buyer": ref}}}
        if target is not None:
            values |= {"buyer_key": target, "updated_at": now}
            moved += 1
        conn.execute(sa.update(_ITEM).where(_ITEM.c.id == item_id).values(**values))
    for key, ids in bare.items():
        if key in buyers and buyers[key].identifier in ids - real.get(key, set()):
            conn.execute(
                sa.update(_BUYER).where(_BUYER.c.key == key).values(identifier=None, updated_at=now)
            )
    logger.info("buyers: %d notices moved off buyers joined by a bare party id", moved)


def _create_buyers(
    conn: sa.Connection, first: dict[str, tuple[str, dict[str, Any]]], now: Any
) -> None:
    """A buyer for each new name key, from its first notice, as ingest makes one
    (`kil_feed.storage.buyers._create`): its name, a free slug, its council if it is one."""
    from kil_feed.buyers import local_authority, slug_for

    taken = set(conn.scalars(sa.select(_BUYER.c.slug)))
    for key in sorted(first):
        name, notice = first[key]
        ref = _obj(notice.get("buyer"))
        council = local_authority(name)
        slug = base = slug_for(name)
        number = 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        conn.execute(
            sa.insert(_BUYER).values(
                key=key,
                slug=slug,
                name=name,
                scheme=ref.get("scheme"),
                identifier=None,
                buyer_type="local-authority" if council else notice.get("buyer_type"),
                region=notice.get("region") or (council.region if council else None) or None,
                la_code=council.code if council else None,
                created_at=now,
                updated_at=now,
            )
        )


def downgrade() -> None:
    """Nothing to undo: the joins it removed were wrong, and the bare ids are not kept."""
