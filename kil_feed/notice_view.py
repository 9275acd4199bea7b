"""How a notice and a signal read, in one place for the CLI, the web and the newsletter."""

from __future__ import annotations

from typing import Any

from kil_feed.models import Buyer, Item
from kil_feed.money import amount, pay_range
from kil_feed.text import counted, plain_title

STAGE_PHRASES = {
    "planning": "planned procurement",
    "tender": "tender open",
    "award": "contract awarded",
    "contract": "contract details published",
    "amendment": "contract changed",
    "termination": "procurement terminated",
}


def notice_fields(item: Item) -> dict[str, Any]:
    """The fields read from the notice's compiled release (`extra.notice`)."""
    return dict((item.extra or {}).get("notice") or {})


def notice_value(fields: dict[str, Any]) -> str | None:
    """'£395,493' (or the gross amount when that is all there is), '£5,000–£22,000' for an
    estimate given as a range (`value_min` to the value), 'from £213,506' when only its low
    end is known; None when unknown. The one way a notice's value is shown."""
    high = fields.get("value_amount")
    if high is None:
        high = fields.get("value_gross")
    low, currency = fields.get("value_min"), fields.get("currency")
    if high is None:
        return f"from {amount(low, currency)}" if low is not None else None
    return pay_range(low, high, None, currency)


def notice_line(item: Item) -> str:
    """'Durham County Council: contract details published for TITLE · £X · supplier Y'."""
    fields = notice_fields(item)
    buyer = item.employer or (fields.get("buyer") or {}).get("name") or "A buyer"
    stage = STAGE_PHRASES.get(str(fields.get("stage")), str(fields.get("stage") or "notice"))
    parts = [f"{buyer}: {stage} for {plain_title(item.title)}"]  # as its card shows it
    value = notice_value(fields)
    if value:
        parts.append(value)
    suppliers = [s["name"] for s in fields.get("suppliers") or [] if s.get("name")]
    if suppliers:
        parts.append("supplier " + ", ".join(suppliers[:3]))
    return " · ".join(parts)


def signal_line(notice: Item, jobs: int, news: int) -> str:
    """The notice line, then what else its buyer has: '2 interim jobs at X · 1 story'."""
    parts = [notice_line(notice)]
    buyer = notice.employer or "this buyer"
    if jobs:
        parts.append(f"{counted(jobs, 'interim job')} at {buyer}")
    if news:
        parts.append(f"{news} stor{'ies' if news != 1 else 'y'}")
    return " · ".join(parts)


def buyer_fields(buyer: Buyer) -> dict[str, Any]:
    """A buyer's public fields, as `kil buyers --json` and `/api/buyers` both give them."""
    return {
        "slug": buyer.slug,
        "name": buyer.name,
        "identifier": buyer.identifier,
        "scheme": buyer.scheme,
        "buyer_type": buyer.buyer_type,
        "region": buyer.region,
        "local_authority_code": buyer.la_code,
    }
