"""The one JSON shape of an item (CLI `--json`, web API, exports): a public contract.

Its `title` and `summary` are plain text (`kil_feed.text`), as every page, feed and email
shows them; the CLI adds them as stored (`title_raw`, `summary_raw`: a feed's markup and
entities), for scripts that compare with a feed or edit an item."""

from __future__ import annotations

from typing import Any

from kil_feed.models import Item
from kil_feed.text import plain_text, plain_title
from kil_feed.timeutil import isoformat

JOB_FIELDS = (
    "employer",
    "location",
    "contract_type",
    "pay_min",
    "pay_max",
    "pay_period",
    "pay_currency",
    "ir35",
)


def title_fields(title: str | None) -> dict[str, str]:
    """A CLI row's `title` as shown (`plain_title`) and `title_raw` as stored."""
    return {"title": plain_title(title), "title_raw": title or ""}


def item_to_dict(
    item: Item,
    source_name: str | None = None,
    *,
    full: bool = False,
    editorial: bool = False,
    all_job_fields: bool = False,
    raw: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """An item as JSON-ready data, the one serializer every edge reuses.

    Job fields come for jobs (for every kind with `all_job_fields`, as the API's schema has
    them); `editorial` adds the curation decision, `full` the body and bookkeeping, `raw`
    the title and summary as stored (the CLI's); `extra` fields (such as the API's
    `web_url`) go last.
    """
    data: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "source": source_name,
        "url": item.url,
        "title": plain_title(item.title),
        "summary": plain_text(item.summary),
    }
    if raw:
        data.update(title_raw=item.title, summary_raw=item.summary)
    data |= {
        "published_at": isoformat(item.published_at),
        "status": item.status,
        "featured": item.featured,
        "topics": list(item.topics or []),
        "regions": list(item.regions or []),
        "cluster_id": item.cluster_id,
    }
    if item.kind == "job" or all_job_fields:
        for name in JOB_FIELDS:
            data[name] = getattr(item, name)
        data["closes_at"] = isoformat(item.closes_at)
    if editorial:
        data.update(
            reject_reason=item.reject_reason,
            rule=item.rule,
            reviewed_at=isoformat(item.reviewed_at),
        )
    if full:
        data.update(
            guid=item.guid,
            author=item.author,
            image_url=item.image_url,
            body_html=item.body_html,
            collected_at=isoformat(item.collected_at),
            date_estimated=item.date_estimated,
            rule=item.rule,
            reject_reason=item.reject_reason,
            editor_notes=item.editor_notes,
        )
    data.update(extra)
    return data
