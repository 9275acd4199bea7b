"""The typed records of procurement notices, as they cross from parsing to storage."""

from __future__ import annotations

from typing import TypedDict

DEFAULT_BACKFILL_DAYS = 14  # a first crawl's window: a notices source's `backfill_days`


class Organisation(TypedDict):
    """A buyer or supplier: its name and, when published, its identifier."""

    name: str
    scheme: str | None  # GB-PPON, GB-COH, GB-GOR, GB-CFS ...
    identifier: str | None  # scheme-prefixed ("GB-COH-09442333"); never a bare party id


class NoticeFields(TypedDict):
    """One procurement (one ocid) as its compiled release reads now."""

    ocid: str
    title: str
    description: str
    buyer: Organisation | None  # never an intermediary (see published_by)
    published_by: str | None  # an intermediary named in the buyer's place ("Spend Network")
    buyer_type: str | None  # a key of crawler.ocds.fields.BUYER_TYPES
    buyer_address: dict[str, str]
    region: str | None  # ITL1 name
    cpv: list[dict[str, str]]  # [{code, label}]
    value_amount: float | None
    value_gross: float | None
    # the low end of an estimated range (a tender's minValue), value_amount its high end;
    # None for a single value
    value_min: float | None
    currency: str | None
    procedure: str
    stage: str  # planning tender award contract amendment termination
    status: str | None
    notice_type: str | None  # UK4, UK7 ... (Find a Tender)
    tender_deadline: str | None  # ISO 8601 as published
    award_date: str | None
    suppliers: list[Organisation]
    contract_start: str | None
    contract_end: str | None
    notice_url: str | None  # the notice's own page on the service
    published: str | None  # date of the newest release
    tags: list[str]  # the newest release's tags
    releases: int  # how many releases made it


class PageRead(TypedDict):
    """One page of a notices source's answer as it was read (`kil sources check`)."""

    page: int
    url: str
    read_as: str  # "OCDS release package", "an HTML page" ... (`OcdsDocument.read_as`)
    content_type: str | None
    releases: int
    records: int
    next: str | None  # its links.next


class NoticesRead(TypedDict):
    """What a notices source's answer held, over its pages, and what its filters kept."""

    read_as: str  # the pages' `read_as`, each named once
    window: list[str] | None  # [from, to] asked of a dated API; None for a plain URL
    pages: list[PageRead]
    releases: int
    records: int
    notices: int  # one per ocid and page
    kept: int  # passed the source's filters
    # by each filter the source sets (stages, cpv, buyer_types, min_value, regions): the
    # notices it left out, each counted by the first filter it failed
    left_out: dict[str, int]
