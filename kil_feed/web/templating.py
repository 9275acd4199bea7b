"""The web's Jinja2 environment (autoescape on) and the filters its templates use.

Scraped HTML is only ever shown through `sanitize` (nh3, a short allow-list); an item's
title and summary through `title_text` and `summary_text` (`kil_feed.text.plain_text`, as
the email shows them); everything is escaped by autoescape.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from kil_feed.config import Settings
from kil_feed.money import amount, pay_range
from kil_feed.storage.search import MARK_END, MARK_START
from kil_feed.text import SUMMARY_CHARS, plain_text, plain_title
from kil_feed.timeutil import as_utc, day_label
from kil_feed.topics import topic_catalog
from kil_feed.web.filters import slugify
from kil_feed.web.serialize import issue_title, item_link

ALLOWED_TAGS = {
    "p", "br", "a", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote",
    "h3", "h4", "h5", "code", "pre",
}  # fmt: skip


def sanitize(html: str | None) -> Markup:
    """Scraped HTML reduced to a safe subset (links get rel=noopener nofollow ugc)."""
    cleaned = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow ugc",
    )
    return Markup(cleaned)  # noqa: S704 - nh3 output is safe by construction


def marked(text: str | None) -> Markup:
    """Search-highlighted text (a title, a summary's snippet) made plain text as the title
    and summary are everywhere, escaped, with the match markers turned into <mark>."""
    safe = str(escape(plain_text(text, keep=MARK_START + MARK_END)))
    return Markup(  # noqa: S704 - escaped above, only our own tags added
        safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


def summary_text(value: str | None, limit: int = SUMMARY_CHARS) -> str:
    """An item's summary as a card shows it: `plain_text`, cut at a word."""
    return plain_text(value, limit)


def pay(item: Any) -> str:
    """'£500–£650 per day', '£45,000 per year', or '' when unknown."""
    return pay_range(item.pay_min, item.pay_max, item.pay_period, item.pay_currency) or ""


def iso(value: datetime | None) -> str:
    """A `<time datetime>` value: whole seconds (HTML allows at most three decimals)."""
    return as_utc(value).replace(microsecond=0).isoformat() if value else ""  # type: ignore[union-attr]


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """`?a=1&b=2` with `changes` applied and empty values dropped (for pager links)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value in (None, "", False):
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(v)))
    return "?" + urlencode(pairs) if pairs else ""


def make_environment(settings: Settings) -> Environment:
    from kil_feed.marketview import pay_text as market_pay_text
    from kil_feed.notice_view import notice_value
    from kil_feed.regions import is_uk_wide, regions_label

    env = Environment(
        loader=FileSystemLoader(str(settings.templates_folder())),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        sanitize=sanitize, marked=marked, pay=pay, iso=iso, money=amount, slug=slugify,
        issue_title=issue_title, title_text=plain_title, summary_text=summary_text,
        date=partial(day_label, tz=settings.timezone), link=partial(item_link, base_url=""),
    )  # fmt: skip
    catalog = topic_catalog(settings)
    env.filters["topic_label"] = catalog.label
    env.filters["pay_figure"] = market_pay_text
    env.filters["regions_label"] = regions_label
    env.filters["notice_value"] = notice_value
    env.tests["uk_wide"] = is_uk_wide
    env.globals.update(
        query_string=query_string, site_name="Keep it Local feed", topic_labels=catalog.labels()
    )
    return env
