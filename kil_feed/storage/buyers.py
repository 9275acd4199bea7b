"""Buyers and signals: who buys, and what else that buyer has (jobs, news) beside a notice.

At ingest `link_rows` gives every item with an employer its `buyer_key` and creates or
completes the buyer of each notice (matched by identifier first, else by name key). A
*signal* is an award, contract, change or termination notice shown with the buyer's open
interim jobs and recent news, ranked by topic, value, recency and region.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.buyers import local_authority, mentions, name_key, search_words, slug_for
from kil_feed.errors import NotFoundError
from kil_feed.models import Buyer, BuyerInsertion, BuyerRemoval, Item
from kil_feed.storage.bulk import chunks
from kil_feed.timeutil import as_utc, latest, utcnow

SIGNAL_STAGES = ("award", "contract", "amendment", "termination")
SIGNAL_ITEMS = 5  # of a buyer's jobs and news a signal carries (and its score counts)
NEWS_DAYS = 90
ITEMS_SHOWN = 50  # of each kind on a buyer's page, and so the most /buyers counts of its news


def link_rows(rows: Sequence[dict[str, Any]], *, session: Session) -> None:
    """Set `buyer_key` on rows with an employer; create or complete notices' buyers."""
    keys: dict[str, str] = {}  # name -> name_key: a batch names few buyers, many times
    linked: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = []
    for row in rows:
        notice = (row.get("extra") or {}).get("notice") if row.get("kind") == "notice" else None
        buyer_ref = (notice or {}).get("buyer") or None
        name = (buyer_ref or {}).get("name") or row.get("employer")
        key = keys[name] if name in keys else keys.setdefault(name, name_key(name))
        if not key:
            continue
        if buyer_ref is None:
            row["buyer_key"] = key
            continue
        linked.append((row, notice, buyer_ref, key))  # type: ignore[arg-type]
    if not linked:
        return
    stored = _StoredBuyers(
        {ref["identifier"] for _, _, ref, _ in linked if ref.get("identifier")},
        {key for *_, key in linked},
        session=session,
    )
    by_identifier: dict[str, Buyer] = {}
    by_key: dict[str, Buyer] = {}
    for row, notice, buyer_ref, key in linked:
        identifier = buyer_ref.get("identifier")
        buyer = by_identifier.get(identifier or "") or by_key.get(key)
        if buyer is None:
            buyer = stored.find(identifier, key) or _create(key, buyer_ref, notice, session=session)
        elif identifier and not buyer.identifier:
            buyer.identifier, buyer.scheme = identifier, buyer_ref.get("scheme")
        if not buyer.region and notice.get("region"):
            buyer.region = notice["region"]
        if identifier:
            by_identifier[identifier] = buyer
        by_key[buyer.key] = buyer
        row["buyer_key"] = buyer.key
    session.flush()


class _StoredBuyers:
    """The stored buyers a batch's notices may join, read with two IN queries per batch
    (by identifier, by name key) rather than one or two queries per buyer."""

    def __init__(self, identifiers: set[str], keys: set[str], *, session: Session) -> None:
        self.by_identifier: dict[str, Buyer] = {}
        self.by_key: dict[str, Buyer] = {}
        for column, values, found in (
            (col(Buyer.identifier), identifiers, self.by_identifier),
            (col(Buyer.key), keys, self.by_key),
        ):
            for chunk in chunks(sorted(values)):
                query = select(Buyer).where(column.in_(chunk)).order_by(col(Buyer.id))
                for buyer in session.exec(query):
                    found.setdefault(getattr(buyer, column.key), buyer)

    def find(self, identifier: str | None, key: str) -> Buyer | None:
        """The buyer with `identifier`, else the one with name `key` (given the identifier
        if it had none)."""
        if identifier and (found := self.by_identifier.get(identifier)) is not None:
            return found
        found = self.by_key.get(key)
        if found is not None and identifier and not found.identifier:
            found.identifier = identifier
        return found


def _create(key: str, ref: dict[str, Any], notice: dict[str, Any], *, session: Session) -> Buyer:
    name = str(ref["name"])
    council = local_authority(name)
    slug = slug_for(name)
    taken = set(session.exec(select(Buyer.slug).where(col(Buyer.slug).like(f"{slug}%"))).all())
    base, number = slug, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    buyer = Buyer(
        key=key,
        slug=slug,
        name=name,
        scheme=ref.get("scheme"),
        identifier=ref.get("identifier"),
        buyer_type="local-authority" if council else notice.get("buyer_type"),
        # a council's region is the register's: a notice's address may be an office
        # across a postcode area's border (Enfield's EN, Northallerton's DL)
        region=(council.region if council else None) or notice.get("region") or None,
        la_code=council.code if council else None,
    )
    session.add(buyer)
    session.flush()
    return buyer


# --- reading ------------------------------------------------------------------------------


BUYER_SORTS = ("busiest", "name", "activity")
AWARD_STAGES = ("award", "contract")


@dataclass
class BuyerSummary:
    buyer: Buyer
    notices: int
    jobs: int
    awards: int = 0  # notices at the award or contract stage
    news: int = 0  # its recent stories, as its page lists them (`buyer_news`)
    last_activity: datetime | None = None  # its newest item's publication (or collection)


@dataclass
class BuyerPage:
    rows: list[BuyerSummary]
    total: int  # every buyer the filters match, not only this page's


def buyer_listing(
    *,
    session: Session,
    query: str | None = None,
    sort: str = "busiest",
    public: bool = False,
    limit: int = 100,
    offset: int = 0,
    now: datetime | None = None,
) -> BuyerPage:
    """Buyers with their counts and last activity; one query for the CLI, the API and
    `/buyers`. `public` counts approved items only (of jobs, the open ones, as the buyer's
    page) and leaves out buyers with none (their page would be empty); otherwise every
    buyer, counting all but rejected items. A row's news are `buyer_news`, the stories its
    page lists (counted from stories linked by their employer, the index said 0 for a
    buyer whose page listed the stories naming it, and counted last year's), read for the
    whole page in one query by `news_of`. `query`
    is text the name contains, with "&" and "and" the same ("City and County" finds "City &
    County of Swansea")."""
    from kil_feed.storage.notices import notice_column

    published = sa.func.coalesce(col(Item.published_at), col(Item.collected_at))
    is_notice = col(Item.kind) == "notice"
    awarded = notice_column("stage").as_string().in_(AWARD_STAGES)
    is_job = col(Item.kind) == "job"
    if public:  # the open jobs, as the buyer's page lists them
        now = now or utcnow()
        is_job = _open_job(now)
    counts = (
        sa.select(
            col(Item.buyer_key),
            sa.func.sum(sa.case((is_notice, 1), else_=0)).label("notices"),
            sa.func.sum(sa.case((is_job, 1), else_=0)).label("jobs"),
            sa.func.sum(sa.case((sa.and_(is_notice, awarded), 1), else_=0)).label("awards"),
            sa.func.max(published).label("last"),
        )
        .where(
            col(Item.buyer_key).is_not(None),
            col(Item.status) == "approved" if public else col(Item.status) != "rejected",
        )
        .group_by(col(Item.buyer_key))
        .subquery()
    )
    c = counts.c
    stmt = sa.select(
        Buyer, c.notices, c.jobs, c.awards, c.last, sa.func.count().over().label("total")
    )
    on = c.buyer_key == col(Buyer.key)
    stmt = stmt.join(counts, on) if public else stmt.outerjoin(counts, on)
    if query:
        # "containing": % and _ are the characters themselves, not LIKE's wildcards
        spellings = {query, re.sub(r"\s*&\s*", " and ", query)}
        spellings.add(re.sub(r"\s+and\s+", " & ", query, flags=re.I))
        matches = [col(Buyer.name).icontains(text, autoescape=True) for text in spellings]
        stmt = stmt.where(sa.or_(*matches))
    busiest = sa.func.coalesce(c.notices, 0).desc()
    order = {
        "busiest": [busiest, col(Buyer.name)],
        "name": [sa.func.lower(col(Buyer.name)), col(Buyer.id)],
        "activity": [c.last.desc().nulls_last(), col(Buyer.name)],
    }[sort]
    rows = session.execute(stmt.order_by(*order, col(Buyer.id)).limit(limit).offset(offset)).all()
    news = news_of([b for b, *_ in rows], session=session, public=public, now=now)
    summaries = [
        BuyerSummary(b, int(n or 0), int(j or 0), int(a or 0), len(news[b.key]), last)
        for b, n, j, a, last, _ in rows
    ]
    return BuyerPage(summaries, int(rows[0].total) if rows else 0)


def list_buyers(
    *, session: Session, query: str | None = None, limit: int = 100, offset: int = 0
) -> list[BuyerSummary]:
    """Buyers with their notice and job counts, the busiest first (the CLI, the API)."""
    return buyer_listing(session=session, query=query, limit=limit, offset=offset).rows


def buyers_changed(*, session: Session) -> datetime | None:
    """When a buyer last changed: a rename moves it however it was made (migration 0018's
    trigger), a delete too (0023's), an insert with an old `updated_at` of its own too
    (0025's); an index lookup and two one-row reads."""
    changed = session.exec(select(sa.func.max(Buyer.updated_at))).one()
    removed = session.exec(select(sa.func.max(BuyerRemoval.removed_at))).one()
    return latest(
        changed, removed, session.exec(select(sa.func.max(BuyerInsertion.inserted_at))).one()
    )


def news_left_window(*, session: Session, now: datetime) -> datetime | None:
    """When the latest published story left the buyers' news window (NEWS_DAYS) before
    `now`: nothing is written when a story turns that old, and a buyer's news count drops.
    One lookup on the (status, kind, published_at) index, as the jobs' closing time is."""
    cutoff = now - timedelta(days=NEWS_DAYS)
    oldest = session.exec(
        select(sa.func.max(Item.published_at)).where(
            Item.kind == "news", _visible(True), col(Item.published_at) < cutoff
        )
    ).one()
    return None if oldest is None else as_utc(oldest) + timedelta(days=NEWS_DAYS)


def buyers_version(*, session: Session) -> tuple[int, int]:
    """How many buyers there are and the newest id, for stamps compared for equality: a
    buyer inserted (or deleted) by hand or by a script with an `updated_at` of its own, older
    than the newest, moved neither `buyers_changed` nor the figures counted under it."""
    count, newest = session.exec(select(sa.func.count(), sa.func.max(Buyer.id))).one()
    return int(count or 0), int(newest or 0)


def find_buyer(key: str | None, *, session: Session) -> Buyer | None:
    """The buyer with this name key, if any."""
    if not key:
        return None
    return session.exec(select(Buyer).where(Buyer.key == key)).first()


def get_buyer(slug: str, *, session: Session) -> Buyer:
    # no slug holds a NUL, and PostgreSQL refuses one in a query (/buyers/%00 was a 500)
    buyer = (
        None if "\x00" in slug else session.exec(select(Buyer).where(Buyer.slug == slug)).first()
    )
    if buyer is None:
        raise NotFoundError(f"no buyer {slug!r}", hint="see `kil buyers list`")
    return buyer


@dataclass
class BuyerItems:
    buyer: Buyer
    notices: list[Item] = field(default_factory=list)
    jobs: list[Item] = field(default_factory=list)  # open jobs
    news: list[Item] = field(default_factory=list)  # recent stories naming the buyer


def _visible(public: bool) -> Any:
    """Items of a buyer: approved ones on the public site, else all but rejected ones."""
    status = col(Item.status)
    return status == "approved" if public else status != "rejected"


def _shown(public: bool) -> Any:
    return select(Item).where(_visible(public))


def _newest() -> tuple[Any, Any]:
    """A buyer's items newest first (published, else collected), then the highest id: the
    one order of its notices and jobs on every page, ties included (without the id a LIMIT
    and a row number could break a tie differently, and a buyer's page and its signal
    listed the same jobs in two orders)."""
    published = sa.func.coalesce(col(Item.published_at), col(Item.collected_at))
    return published.desc(), col(Item.id).desc()


def _open_job(now: datetime) -> Any:
    """A job still open at `now` (no closing date, or not past it): the one definition of a
    buyer's open jobs, which its page lists and its counts count."""
    return sa.and_(
        col(Item.kind) == "job",
        sa.or_(col(Item.closes_at).is_(None), col(Item.closes_at) >= now),
    )


def buyer_items(
    buyer: Buyer,
    *,
    session: Session,
    now: datetime | None = None,
    limit: int = ITEMS_SHOWN,
    public: bool = False,
) -> BuyerItems:
    """The buyer's notices, open jobs and recent news; approved ones when `public`, else
    all but rejected ones."""
    now = now or utcnow()
    notices = session.exec(
        _shown(public)
        .where(Item.kind == "notice", Item.buyer_key == buyer.key)
        .order_by(*_newest())
        .limit(limit)
    ).all()
    jobs = open_jobs_of([buyer.key], session=session, now=now, limit=limit, public=public)
    news = buyer_news(buyer, session=session, public=public, now=now, limit=limit)
    return BuyerItems(buyer, list(notices), jobs[buyer.key], news)


def buyer_news(
    buyer: Buyer,
    *,
    session: Session,
    public: bool = False,
    now: datetime | None = None,
    limit: int = ITEMS_SHOWN,
) -> list[Item]:
    """The buyer's news, newest first: `news_of` the buyer alone, the one definition its
    page lists and /buyers counts, read in one query of its candidates only (at most the
    `limit` * 20 that `news_of` looks at, fetched a page at a time until `limit` are
    found): it read the whole window of everyone's news to show fifty."""
    query = _news_query([buyer], select(Item), public=public, now=now or utcnow())
    result = session.exec(query.limit(limit * 20).execution_options(yield_per=limit))
    try:
        rows = ((item, item.buyer_key, item.title, item.summary) for item in result)
        return _pick_news(rows, [buyer], limit)[0]
    finally:
        result.close()


def news_of(
    buyers: Sequence[Buyer],
    *,
    session: Session,
    public: bool = False,
    now: datetime | None = None,
    limit: int = ITEMS_SHOWN,
) -> dict[str, list[int]]:
    """Each buyer's news (ids, newest first, at most `limit`): stories of the last
    NEWS_DAYS linked to it by their employer or naming it. Its candidates are its newest
    `limit` * 20 stories linked to it or holding one of its place's spellings (in any
    case), which `mentions` keeps when they name it as a council ("Durham CC", "City of
    Manchester"), never the place alone.

    One read of the window's candidates of any of the buyers, newest first, serves every
    buyer of a page: a query per row of /buyers grew with the page. The read stops once
    every buyer has its `limit` or has seen its `limit` * 20 candidates."""
    if not buyers:
        return {}
    columns = sa.select(Item.id, Item.buyer_key, Item.title, Item.summary)
    query = _news_query(buyers, columns, public=public, now=now or utcnow())
    result = session.execute(query.execution_options(yield_per=1000))
    try:
        found = _pick_news(result, buyers, limit)  # type: ignore[arg-type]
    finally:
        result.close()
    return {buyer.key: ids for buyer, ids in zip(buyers, found, strict=True)}


def _spellings(buyers: Sequence[Buyer]) -> dict[str, set[int]]:
    """Each spelling a story naming one of `buyers` holds, lower-case -> those buyers."""
    owners: dict[str, set[int]] = {}
    for n, buyer in enumerate(buyers):
        for word in search_words(buyer.name, buyer.la_code):
            owners.setdefault(word.lower(), set()).add(n)
    return owners


def _news_query(buyers: Sequence[Buyer], query: Any, *, public: bool, now: datetime) -> Any:
    """`query` over the window's stories that are candidates of one of `buyers` (linked to
    it, or holding a spelling of it in any case), newest first as `_newest` orders them.
    The spellings are LIKEs in the database, so that what is read is only candidates: a
    letter outside ASCII matches any one letter there (SQLite lower-cases ASCII only), and
    `_pick_news` looks for the spelling itself."""
    texts = (sa.func.lower(col(Item.title)), sa.func.lower(sa.func.coalesce(col(Item.summary), "")))
    patterns = [_like_pattern(word) for word in _spellings(buyers)]
    named = [text.like(pattern, escape="/") for pattern in patterns for text in texts]
    linked = col(Item.buyer_key).in_(sorted({b.key for b in buyers}))
    return query.where(
        Item.kind == "news",
        _visible(public),
        col(Item.published_at) >= now - timedelta(days=NEWS_DAYS),
        sa.or_(linked, *named),
    ).order_by(  # published in the window: its newest first as `_newest` orders them
        col(Item.published_at).desc(), col(Item.id).desc()
    )


def _like_pattern(word: str) -> str:
    """`%word%` for LIKE: its own % and _ escaped, a letter outside ASCII any one letter."""
    escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return "%" + "".join(c if c.isascii() else "_" for c in escaped) + "%"


def _pick_news(
    rows: Iterable[tuple[Any, str | None, str, str | None]], buyers: Sequence[Buyer], limit: int
) -> list[list[Any]]:
    """Each buyer's news among `rows` ((story, buyer key, title, summary), newest first):
    the stories linked to it or that `mentions` it, of its first `limit` * 20 candidates,
    at most `limit`. Stops reading once every buyer is done."""
    owners = _spellings(buyers)
    linked = {buyer.key: n for n, buyer in enumerate(buyers)}
    found: list[list[Any]] = [[] for _ in buyers]
    looked = [0] * len(buyers)  # candidates seen of each buyer
    open_ = set(range(len(buyers)))
    for story, key, title, summary in rows:
        text = f"{title}\n{summary or ''}"  # no spelling holds a line break
        low = text.lower()
        hits = {n for word, ns in owners.items() if word in low for n in ns}
        if key in linked:
            hits.add(linked[key])
        for n in sorted(hits & open_):
            buyer = buyers[n]
            looked[n] += 1
            if key == buyer.key or mentions(text, name=buyer.name, la_code=buyer.la_code):
                found[n].append(story)
            if len(found[n]) >= limit or looked[n] >= limit * 20:
                open_.discard(n)
        if not open_:
            break
    return found


def find_buyers(keys: Sequence[str | None], *, session: Session) -> dict[str, Buyer]:
    """The buyers with these name keys, by key (`find_buyer` for a whole listing)."""
    wanted = sorted({k for k in keys if k})
    found: dict[str, Buyer] = {}
    for chunk in chunks(wanted):
        found.update(
            (b.key, b) for b in session.exec(select(Buyer).where(col(Buyer.key).in_(chunk)))
        )
    return found


@dataclass(frozen=True)
class BuyerCounts:
    """How many open jobs a buyer has and which recent news (ids, newest first), each at
    most the `limit` asked: the news ids are what a signal shows, their number what a
    signal line and the score count."""

    jobs: int = 0
    news_ids: tuple[int, ...] = ()

    @property
    def news(self) -> int:
        return len(self.news_ids)


def buyer_counts(
    buyers: Sequence[Buyer],
    *,
    session: Session,
    now: datetime | None = None,
    limit: int = ITEMS_SHOWN,
    public: bool = False,
) -> dict[str, BuyerCounts]:
    """`len` of `buyer_items`' jobs and news for many buyers at once, by key: one grouped
    count of open jobs per chunk of keys, and one `news_of` read for them all."""
    now = now or utcnow()
    jobs = _open_job_counts(buyers, session=session, now=now, limit=limit, public=public)
    news = news_of(buyers, session=session, public=public, now=now, limit=limit)
    return {key: BuyerCounts(n, tuple(news[key])) for key, n in jobs.items()}


def _open_job_counts(
    buyers: Sequence[Buyer], *, session: Session, now: datetime, limit: int, public: bool
) -> dict[str, int]:
    """Each buyer's open jobs, counted up to `limit` (as `buyer_items` lists them), by key."""
    keys = sorted({b.key for b in buyers})
    counts = dict.fromkeys(keys, 0)
    for chunk in chunks(keys):
        query = (
            sa.select(col(Item.buyer_key), sa.func.count())
            .where(_visible(public), _open_job(now), col(Item.buyer_key).in_(chunk))
            .group_by(col(Item.buyer_key))
        )
        counts.update((key, min(int(n), limit)) for key, n in session.execute(query))
    return counts


def open_jobs_of(
    keys: Sequence[str],
    *,
    session: Session,
    now: datetime | None = None,
    limit: int = ITEMS_SHOWN,
    public: bool = False,
) -> dict[str, list[Item]]:
    """Buyers' open jobs (`_newest` first, at most `limit` each), in one query per chunk of
    keys (a row number per buyer instead of a LIMIT per buyer): the one query of a buyer's
    jobs, for its page (`buyer_items`) as for its signals."""
    now = now or utcnow()
    found: dict[str, list[Item]] = {key: [] for key in keys}
    for chunk in chunks(sorted(found)):
        rank = (
            sa.func.row_number()
            .over(partition_by=col(Item.buyer_key), order_by=_newest())
            .label("rank")
        )
        ranked = (
            sa.select(col(Item.id).label("id"), rank)
            .where(_visible(public), _open_job(now), col(Item.buyer_key).in_(chunk))
            .subquery()
        )
        query = (
            select(Item)
            .join(ranked, ranked.c.id == col(Item.id))
            .where(ranked.c.rank <= limit)
            .order_by(col(Item.buyer_key), ranked.c.rank)
        )
        for item in session.exec(query):
            found[item.buyer_key or ""].append(item)
    return found


# --- signals -------------------------------------------------------------------------------


@dataclass
class Signal:
    """An award, change or termination with what else its buyer has."""

    notice: Item
    buyer: Buyer | None
    jobs: list[Item]
    news: list[Item]
    score: float

    @property
    def stage(self) -> str:
        return str((self.notice.extra or {}).get("notice", {}).get("stage", ""))


def signals(
    *,
    session: Session,
    since: datetime | None = None,
    regions: Sequence[str] = (),
    status: str | None = None,
    limit: int = 10,
    now: datetime | None = None,
) -> list[Signal]:
    """Signals of notices collected since `since`, the most relevant first."""
    now = now or utcnow()
    since = since or now - timedelta(days=30)
    query = select(Item).where(
        Item.kind == "notice",
        col(Item.buyer_key).is_not(None),
        col(Item.collected_at) >= since,
        col(Item.status) != "rejected",
    )
    if status:
        query = query.where(Item.status == status)
    candidates = [
        n
        for n in session.exec(query).all()
        if (n.extra or {}).get("notice", {}).get("stage") in SIGNAL_STAGES
    ]
    buyers = find_buyers([n.buyer_key for n in candidates], session=session)
    counts = buyer_counts(list(buyers.values()), session=session, now=now, limit=SIGNAL_ITEMS)
    scored = []
    for notice in candidates:
        buyer = buyers.get(notice.buyer_key or "")
        score = _score(notice, counts.get(buyer.key if buyer else "", BuyerCounts()), regions, now)
        scored.append((score, notice, buyer))
    scored.sort(key=lambda s: (-s[0], -(s[1].id or 0)))
    scored = scored[:limit]
    # the items of the signals shown only: a fixed number of queries, however many
    shown = {b.key for _, _, b in scored if b is not None}
    jobs = open_jobs_of(sorted(shown), session=session, now=now, limit=SIGNAL_ITEMS)
    wanted = sorted({i for key in shown for i in counts[key].news_ids})
    news: dict[int | None, Item] = {}
    for chunk in chunks(wanted):
        news.update((i.id, i) for i in session.exec(select(Item).where(col(Item.id).in_(chunk))))
    return [
        Signal(
            notice,
            buyer,
            jobs.get(buyer.key, []) if buyer else [],
            [news[i] for i in counts[buyer.key].news_ids] if buyer else [],
            score,
        )
        for score, notice, buyer in scored
    ]


def _score(notice: Item, found: BuyerCounts, regions: Sequence[str], now: datetime) -> float:
    """Topic, value, recency, region and what else the buyer has, added up."""
    fields = (notice.extra or {}).get("notice", {})
    value = fields.get("value_amount") or fields.get("value_gross") or 0
    score = 2.0 * len(notice.topics or [])
    score += math.log10(value) if value and value > 1 else 0.0
    published = notice.published_at or notice.collected_at
    if published is not None:
        score += max(0.0, 3.0 - (now - published).days / 10)
    if regions and set(notice.regions or []) & set(regions):
        score += 3.0
    score += 2.0 * min(found.jobs, 3) + min(found.news, 3)
    return round(score, 3)
