"""JSON shapes of items and issues for the API.

An item's fields come from the shared `kil_feed.serialize.item_to_dict`; the response
models below document (and filter to) the API's public fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kil_feed.models import Issue, Item
from kil_feed.serialize import item_to_dict
from kil_feed.text import plain_intro
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
    subject: str = Field(description="The email's subject line (cut to fit an inbox)")
    headline: str = Field(description="The issue's title as its web page shows it, uncut")
    intro: str
    sent_at: str | None = None
    web_url: str


class IssueDetailOut(IssueOut):
    sections: dict[str, list[ItemOut]] = Field(
        description="The issue's sections in order, by the title its web page shows "
        "(`Top stories`, one per news topic, `Interim jobs`, `Procurement notices`)"
    )


class ErrorOut(BaseModel):
    """Every API error: what went wrong and, when there is one, how to fix it."""

    error: str
    hint: str | None = None


NOT_FOUND = {404: {"model": ErrorOut, "description": "No published item or issue has this id"}}
INVALID = {422: {"model": ErrorOut, "description": "A parameter has an invalid value"}}

_VALIDATORS = {
    "ETag": {
        "description": "A weak entity tag of what the listing is made of (its filters, its "
        "items, the site's settings and code): send it back in If-None-Match",
        "required": True,
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When the listing last changed (an HTTP-date), for If-Modified-Since; "
        "left out while that is within the current second",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-cache`: a cache may keep the listing but revalidates it each time",
        "schema": {"type": "string"},
    },
}
# a listing answering conditional requests (`web.deps.api_stamp`): its 200's
# validators and the 304, for `responses=`; the request headers, for `openapi_extra=`
VALIDATED: dict[int | str, dict[str, Any]] = {
    200: {"headers": _VALIDATORS},
    304: {
        "description": "Not Modified: the copy If-None-Match names (or, without it, the one "
        "If-Modified-Since dates) is current; no body",
        "headers": _VALIDATORS,
    },
}
CONDITIONAL_REQUEST = {
    "parameters": [
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "ETags of copies held (or `*`): a 304 if one is current; "
            "anything malformed is ignored",
            "schema": {"type": "string"},
        },
        {
            "name": "If-Modified-Since",
            "in": "header",
            "required": False,
            "description": "An HTTP-date: a 304 if the listing is unchanged since then "
            "(read only without If-None-Match); anything else is ignored",
            "schema": {"type": "string"},
        },
    ]
}


class PageOut(BaseModel):
    total: int
    limit: int
    offset: int


class ItemListOut(PageOut):
    items: list[ItemOut]


class SearchOut(ItemListOut):
    query: str
    sort: str
    ignored: list[str] = Field(
        [], description="Words of the query too common to search for (stop words), left out"
    )


class IssueListOut(BaseModel):
    issues: list[IssueOut]


def page_path(kind: str, item_id: int | None) -> str | None:
    """The path of an item's page on this site: a job's or a notice's; news is read at its
    source (None)."""
    section = {"job": "jobs", "notice": "notices"}.get(kind)
    return f"/{section}/{item_id}" if section else None


def item_link(item: Item, base_url: str) -> str:
    """Where a listing links an item: its page here (`page_path`), else its source's URL."""
    path = page_path(item.kind, item.id)
    return f"{base_url.rstrip('/')}{path}" if path else item.url


def api_item_dict(item: Item, base_url: str, source: str | None = None) -> dict[str, Any]:
    """The shared item JSON with every job field and the item's page on this site (its
    title and summary plain text, as the pages and the email show them)."""
    return item_to_dict(item, source, all_job_fields=True, web_url=item_link(item, base_url))


def issue_title(issue: Issue) -> str:
    """What the web page, the feed and the API call an issue: its uncut headline."""
    return issue.headline or issue.subject or f"Issue {issue.week}"


def issue_to_dict(issue: Issue, base_url: str) -> dict[str, Any]:
    return {
        "id": issue.id,
        "week": issue.week,
        "subject": issue.subject,
        "headline": issue_title(issue),
        "intro": plain_intro(issue.intro),
        "sent_at": isoformat(issue.sent_at),
        "web_url": f"{base_url.rstrip('/')}/issues/{issue.id}",
    }
