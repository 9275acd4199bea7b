"""JSON shapes of items and issues for the API and JSON-LD.

kil-feed has no shared `kil_feed/serialize.py` yet (ingestion may add one); this is the
web's own serializer and can be swapped for it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kil_feed.models import Issue, Item
from kil_feed.timeutil import isoformat


class ItemOut(BaseModel):
    id: int
    kind: str
    title: str
    url: str
    summary: str
    source: str | None = None
    published_at: str | None = None
    topics: list[str] = []
    regions: list[str] = []
    employer: str | None = None
    location: str | None = None
    contract_type: str | None = None
    pay_min: float | None = None
    pay_max: float | None = None
    pay_period: str | None = None
    pay_currency: str | None = None
    ir35: str | None = None
    closes_at: str | None = None
    web_url: str


class IssueOut(BaseModel):
    id: int
    week: str
    subject: str
    intro: str
    sent_at: str | None = None
    web_url: str


class IssueDetailOut(IssueOut):
    sections: dict[str, list[ItemOut]]


class PageOut(BaseModel):
    total: int
    limit: int
    offset: int


class ItemListOut(PageOut):
    items: list[ItemOut]


class IssueListOut(BaseModel):
    issues: list[IssueOut]


def item_to_dict(item: Item, base_url: str, source: str | None = None) -> dict[str, Any]:
    web_url = f"{base_url.rstrip('/')}/jobs/{item.id}" if item.kind == "job" else item.url
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "summary": item.summary,
        "source": source,
        "published_at": isoformat(item.published_at),
        "topics": list(item.topics or []),
        "regions": list(item.regions or []),
        "employer": item.employer,
        "location": item.location,
        "contract_type": item.contract_type,
        "pay_min": item.pay_min,
        "pay_max": item.pay_max,
        "pay_period": item.pay_period,
        "pay_currency": item.pay_currency,
        "ir35": item.ir35,
        "closes_at": isoformat(item.closes_at),
        "web_url": web_url,  # news items are read at their source
    }


def issue_to_dict(issue: Issue, base_url: str) -> dict[str, Any]:
    return {
        "id": issue.id,
        "week": issue.week,
        "subject": issue.subject,
        "intro": issue.intro,
        "sent_at": isoformat(issue.sent_at),
        "web_url": f"{base_url.rstrip('/')}/issues/{issue.id}",
    }
