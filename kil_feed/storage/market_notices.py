"""Market figures from the stored procurement notices: how many tenders and awards, of what
value, per ISO week and per quarter, by ITL1 region and buyer type; the top buyers by value
this quarter.

One query reads the newest copy of each approved notice, of the region asked for (both
picked in SQL, as are the JSON fields they need, the same on SQLite and PostgreSQL); the
periods are counted here in Python, as for the job figures (kil_feed.storage.market), so
both databases give the same numbers. Days, weeks and quarters are those of the configured
zone (`timezone`: a UK week starts Monday 00:00 UK time). Rules, each tested by hand in
tests/market/test_notice_figures.py:

- a procurement (one ocid) counts once, however many sources or copies hold it: the copy
  with the newest release is read;
- it is a *tender* in the week its first tender release was published (or, with no
  release history, the notice's date when it is still at tender stage), valued at the
  tender's estimate; it is an *award* on its award date (else its first award or contract
  release, else the notice's date at award, contract or amendment stage), valued at the
  notice's value (the contract's, else the award's). One procurement can be both, in
  different weeks;
- values are net amounts (the gross amount only when no net one is published) and are
  summed in GBP only: a value in another currency, or without one, is counted
  (`not_gbp`) and left out of the total, never converted;
- its region is the first ITL1 region the notice names (the buyer's address first); its
  buyer type is the one read from the buyer (crawler.ocds.fields.BUYER_TYPES).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from kil_feed.models import Buyer, Item, ItemKind, ItemStatus
from kil_feed.storage.market import Span, period_spans, quarter_label
from kil_feed.timeutil import as_utc, day_start, iso_week, local_today

CURRENCY = "GBP"
TOP_BUYERS = 10
UNKNOWN = "unknown"  # a notice without a region or buyer type
_TENDER_TAGS = frozenset({"tender", "tenderUpdate", "tenderAmendment"})
_AWARD_TAGS = frozenset({"award", "awardUpdate", "contract", "contractUpdate", "implementation",
                         "implementationUpdate", "contractAmendment"})  # fmt: skip
_AWARD_STAGES = frozenset({"award", "contract", "amendment"})


@dataclass(frozen=True)
class Value:
    amount: float | None
    currency: str | None

    @property
    def gbp(self) -> float | None:
        return self.amount if self.amount is not None and self.currency == CURRENCY else None


@dataclass(frozen=True)
class Procurement:
    """One ocid as the market figures read it."""

    ocid: str
    region: str | None
    buyer_type: str | None
    buyer_key: str | None
    buyer_name: str
    buyer_slug: str | None
    tendered: date | None
    tender_value: Value
    awarded: date | None
    award_value: Value


@dataclass(frozen=True)
class Totals:
    """`count` notices; `valued` of them have a GBP value, summed in `value`; `not_gbp` have
    a value in another currency or none stated (counted, not summed)."""

    count: int = 0
    valued: int = 0
    value: float = 0.0
    not_gbp: int = 0

    @property
    def no_value(self) -> int:
        return self.count - self.valued - self.not_gbp


@dataclass(frozen=True)
class NoticePeriod:
    """Tenders and awards of one ISO week ("2026-W48") or quarter ("2026-Q4")."""

    period: str
    start: date
    end: date
    tenders: Totals
    awards: Totals


@dataclass(frozen=True)
class NoticeSeries:
    weeks: list[NoticePeriod]
    quarters: list[NoticePeriod]


@dataclass(frozen=True)
class TopBuyer:
    """A buyer's notices this quarter: each procurement once, at its award value when
    awarded this quarter, else at its tender estimate."""

    key: str
    name: str
    slug: str | None
    buyer_type: str | None
    notices: int
    value: float
    tenders: int
    awards: int


@dataclass
class NoticeFigures:
    """Everything `/market`, `/api/market/notices` and `kil market --notices` show."""

    region: str | None
    weeks: list[NoticePeriod]
    quarters: list[NoticePeriod]
    by_region: dict[str, NoticeSeries] = field(default_factory=dict)
    by_buyer_type: dict[str, NoticeSeries] = field(default_factory=dict)
    top_buyers: list[TopBuyer] = field(default_factory=list)
    procurements: int = 0  # ocids read (after the filter) with a tender or award in the span


# --- reading the notices ------------------------------------------------------------------


def _day(text: Any, zone: ZoneInfo) -> date | None:
    """The day of an ISO 8601 date as published, in `zone`: a moment with an offset is
    the day it falls on there (2026-06-07T23:30:00Z is Monday 8 June in the UK); a date
    alone, or a time without an offset (UK wall time), is the day written."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # a date with a time Python does not read: the day written
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def _first(history: Any, tags: frozenset[str], zone: ZoneInfo) -> date | None:
    days = [
        _day(entry.get("date"), zone)
        for entry in history or []
        if isinstance(entry, dict) and not tags.isdisjoint(entry.get("tag") or ())
    ]
    found = [d for d in days if d is not None]
    return min(found) if found else None


def _procurement(row: Any, zone: ZoneInfo) -> Procurement:
    history = json.loads(row.history) if row.history else None
    published = as_utc(row.published_at).astimezone(zone).date() if row.published_at else None  # type: ignore[union-attr]
    stage = row.stage or ""
    tendered = _first(history, _TENDER_TAGS, zone) or (published if stage == "tender" else None)
    awarded = (
        _day(row.award_date, zone)
        or _first(history, _AWARD_TAGS, zone)
        or (published if stage in _AWARD_STAGES else None)
    )
    tender_amount = row.tender_amount if row.tender_amount is not None else row.tender_gross
    amount = row.value_amount if row.value_amount is not None else row.value_gross
    return Procurement(
        ocid=row.guid,
        region=row.region,
        buyer_type=row.buyer_type,
        buyer_key=row.buyer_key,
        buyer_name=row.buyer_name or row.employer or "",
        buyer_slug=row.buyer_slug,
        tendered=tendered,
        tender_value=Value(tender_amount, row.tender_currency),
        awarded=awarded,
        award_value=Value(amount, row.currency) if awarded else Value(None, None),
    )


def market_procurements(
    *, session: Session, since: date, region: str | None = None, tz: str = "Europe/London"
) -> list[Procurement]:
    """The procurements whose newest release is dated `since` (a day of `tz`) or later
    (earlier ones have neither a tender nor an award after it), one per ocid, optionally
    only in `region`."""
    extra = col(Item.extra)

    def notice(name: str) -> Any:
        return extra[("notice", name)]

    def tender_value(name: str) -> Any:
        return extra[("compiled", "tender", "value", name)]

    first_region = col(Item.regions)[0].as_string()  # the first: the list is not decoded
    # the newest copy of each ocid (newest release, then newest row), picked in SQL
    newest = (
        select(
            col(Item.id).label("id"),
            func.row_number()
            .over(
                partition_by=col(Item.guid),
                order_by=(col(Item.published_at).desc(), col(Item.id).desc()),
            )
            .label("rank"),
        )
        .where(
            col(Item.status) == ItemStatus.approved.value,
            col(Item.kind) == ItemKind.notice.value,
            col(Item.guid).is_not(None),
            col(Item.published_at) >= day_start(since, tz),
        )
        .subquery()
    )
    query = (
        select(
            Item.guid,
            Item.published_at,
            first_region.label("region"),
            Item.buyer_key,
            Item.employer,
            notice("stage").as_string().label("stage"),
            notice("buyer_type").as_string().label("buyer_type"),
            notice("award_date").as_string().label("award_date"),
            notice("value_amount").as_float().label("value_amount"),
            notice("value_gross").as_float().label("value_gross"),
            notice("currency").as_string().label("currency"),
            tender_value("amount").as_float().label("tender_amount"),
            tender_value("amountGross").as_float().label("tender_gross"),
            tender_value("currency").as_string().label("tender_currency"),
            extra["history"].as_string().label("history"),  # JSON text: json.loads is cheaper
            col(Buyer.name).label("buyer_name"),
            col(Buyer.slug).label("buyer_slug"),
        )  # fmt: skip
        .join(newest, newest.c.id == col(Item.id))
        .outerjoin(Buyer, col(Buyer.key) == col(Item.buyer_key))
        .where(newest.c.rank == 1)
    )
    if region:
        query = query.where(first_region == region)
    zone = ZoneInfo(tz)
    rows = session.connection().execute(query)  # Core rows: no ORM loading per row
    found = [_procurement(row, zone) for row in rows]
    return sorted(found, key=lambda p: p.ocid)


# --- the figures --------------------------------------------------------------------------


class _Tally:
    """The running Totals of one (group, period, kind): each value is looked at once."""

    __slots__ = ("count", "gbp", "not_gbp")

    def __init__(self) -> None:
        self.count, self.not_gbp, self.gbp = 0, 0, []  # gbp summed at the end, in order

    def totals(self) -> Totals:
        value = round(sum(self.gbp), 2)
        return Totals(count=self.count, valued=len(self.gbp), value=value, not_gbp=self.not_gbp)


@lru_cache(maxsize=4096)
def _period_label(day: date) -> tuple[str, str]:
    """("2026-W48", "2026-Q4") of a day: the labels of its week's and quarter's spans."""
    return iso_week(day), quarter_label(day)


def _groups(p: Procurement) -> tuple[str, ...]:
    return ("", f"region:{p.region or UNKNOWN}", f"type:{p.buyer_type or UNKNOWN}")


def _bucket(procurements: Sequence[Procurement]) -> defaultdict[tuple[str, str, str], _Tally]:
    """(group, period, "tenders"|"awards") -> the totals counted there, in one pass (a
    group is "" for all, "region:<name>" or "type:<key>")."""
    found: defaultdict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
    for p in procurements:
        groups = _groups(p)
        for kind, day, value in (("tenders", p.tendered, p.tender_value),
                                 ("awards", p.awarded, p.award_value)):  # fmt: skip
            if day is None:
                continue
            gbp, other = value.gbp, value.amount is not None and value.gbp is None
            for label in _period_label(day):
                for group in groups:
                    tally = found[(group, label, kind)]
                    tally.count += 1
                    if gbp is not None:
                        tally.gbp.append(gbp)
                    elif other:
                        tally.not_gbp += 1
    return found


def _series(
    found: defaultdict[tuple[str, str, str], _Tally], group: str, weeks: list[Span],
    quarters: list[Span],
) -> NoticeSeries:  # fmt: skip
    def period(span: Span) -> NoticePeriod:
        label, start, end = span
        return NoticePeriod(
            period=label,
            start=start,
            end=end,
            tenders=(found.get((group, label, "tenders")) or _Tally()).totals(),
            awards=(found.get((group, label, "awards")) or _Tally()).totals(),
        )

    return NoticeSeries(weeks=[period(s) for s in weeks], quarters=[period(s) for s in quarters])


def top_buyers(procurements: Sequence[Procurement], span: Span, limit: int) -> list[TopBuyer]:
    """The buyers with the highest value of notices in `span` (then the most notices)."""
    _, start, end = span
    found: dict[str, list[tuple[Procurement, bool, bool]]] = {}
    for p in procurements:
        awarded = bool(p.awarded and start <= p.awarded <= end)
        tendered = bool(p.tendered and start <= p.tendered <= end)
        if (awarded or tendered) and (p.buyer_key or p.buyer_name):
            found.setdefault(p.buyer_key or p.buyer_name, []).append((p, tendered, awarded))
    buyers = []
    for key, rows in found.items():
        first = rows[0][0]
        value = sum(
            (p.award_value.gbp if awarded else p.tender_value.gbp) or 0.0 for p, _, awarded in rows
        )
        buyers.append(
            TopBuyer(
                key=key,
                name=first.buyer_name,
                slug=first.buyer_slug,
                buyer_type=first.buyer_type,
                notices=len(rows),
                value=round(value, 2),
                tenders=sum(1 for _, tendered, _ in rows if tendered),
                awards=sum(1 for _, _, awarded in rows if awarded),
            )
        )
    buyers.sort(key=lambda b: (-b.value, -b.notices, b.name))
    return buyers[:limit]


def notice_figures(
    *,
    session: Session,
    region: str | None = None,
    weeks: int = 12,
    quarters: int = 4,
    today: date | None = None,
    top: int = TOP_BUYERS,
    tz: str = "Europe/London",
) -> NoticeFigures:
    """Tenders and awards for the last `weeks` ISO weeks and `quarters` quarters (up to
    `today`'s), the same per region and per buyer type, and this quarter's top buyers;
    days, weeks and quarters are those of `tz` (the configured zone)."""
    today = today or local_today(tz)
    week_spans, quarter_spans = period_spans(today, weeks, quarters)
    since = min(week_spans[0][1], quarter_spans[0][1])

    def in_span(d: date | None) -> bool:
        return d is not None and since <= d <= today

    found = market_procurements(session=session, since=since, region=region, tz=tz)
    found = [p for p in found if in_span(p.tendered) or in_span(p.awarded)]
    buckets = _bucket(found)
    by_region = {
        name: _series(buckets, f"region:{name}", week_spans, quarter_spans)
        for name in sorted({p.region or UNKNOWN for p in found})
    }
    by_type = {
        kind: _series(buckets, f"type:{kind}", week_spans, quarter_spans)
        for kind in sorted({p.buyer_type or UNKNOWN for p in found})
    }
    whole = _series(buckets, "", week_spans, quarter_spans)
    return NoticeFigures(
        region=region,
        weeks=whole.weeks,
        quarters=whole.quarters,
        by_region=by_region,
        by_buyer_type=by_type,
        top_buyers=top_buyers(found, quarter_spans[-1], top),
        procurements=len(found),
    )
