"""3. classify: topics, ITL1 regions and, for jobs, contract type, pay, IR35, length, closing date.

The rules are pure functions in `crawler.classify`; this pipeline only feeds them the
item's text and structured fields, and adds the source's default topics and regions.
`crawler.classify` (its gazetteer, pay and topic tables) is imported with the first item
to classify: a crawl where every source answers 304 has none, and its start-up is most of
its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler

from crawler.extract.text import html_to_text
from crawler.pipelines.base import is_status

if TYPE_CHECKING:
    from crawler.classify import TopicRule

CLASSIFY_CHARS = 5000  # characters of the body text the classifiers read


def _merge(first: list[str], second: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in [*first, *second]:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _cpv_labels(item: dict[str, Any]) -> list[str]:
    """A notice's CPV labels ("Supply services of personnel including temporary staff"):
    what it buys, in words the topic rules know, when its own text says little."""
    if item.get("kind") != "notice":
        return []
    notice = (item.get("extra") or {}).get("notice") or {}
    return [str(c.get("label")) for c in notice.get("cpv") or [] if c.get("label")]


class ClassifyPipeline:
    def __init__(self, topic_rules: list[TopicRule] | None = None) -> None:
        self.topic_rules = topic_rules

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClassifyPipeline:
        """Topic rules: the bundled defaults, merged with KIL_TOPICS_FILE if set (the
        launcher passes `[crawl] topics_file`; by hand, `-s KIL_TOPICS_FILE=...`)."""
        topics_file = crawler.settings.get("KIL_TOPICS_FILE")
        if not topics_file:
            return cls(None)
        from crawler.classify import load_topic_rules  # a broken file fails the crawl at once

        return cls(load_topic_rules(topics_file))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            return item
        from crawler import classify

        body_text = item.get("_text")
        if body_text is None:
            body_text = item["_text"] = html_to_text(item.get("body_html"))
        # the opening of a long body says what it is about; scanning all of a 20 kB article
        # for every rule would make classification the slowest stage of a crawl
        parts = (
            item.get("title"),
            item.get("location"),
            item.get("summary"),
            body_text[:CLASSIFY_CHARS],
            *_cpv_labels(item),
        )
        text = " ".join(t for t in parts if t)
        item["topics"] = _merge(
            classify.topics_for(text, self.topic_rules), item.get("source_topics") or []
        )
        if item.get("kind") == "notice" and item.get("region"):
            regions = [item["region"]]  # the notice's own NUTS code, postcode or town
        elif item.get("kind") == "job":  # a remote or nationwide role: every region
            regions = classify.job_regions(
                text,
                item.get("address"),
                location=item.get("location"),
                location_type=item.get("location_type"),
                applicants=item.get("applicants"),
                posting=(item.get("extra") or {}).get("extraction") == "jobposting",
            )
        else:
            regions = classify.regions_for(text, item.get("address"))
        if not regions and item.get("kind") == "news":  # the council a news URL names
            regions = classify.regions_for_url(str(item.get("url") or ""))
        item["regions"] = _merge(regions, item.get("source_regions") or [])
        if item.get("kind") == "job":
            self._job_terms(item, text)
        return item

    def _job_terms(self, item: dict[str, Any], text: str) -> None:
        from crawler import classify

        item["contract_type"] = classify.contract_type_for(text, item.get("employment_type"))
        pay = None
        if item.get("base_salary") is not None:
            # the advert's own words beat an annualised or cut-short JSON-LD figure
            pay = classify.prefer_stated(classify.parse_pay(item["base_salary"]), text)
        if pay is None:
            pay = classify.parse_pay(text)
        if pay is not None:
            item["pay_min"], item["pay_max"] = pay.min, pay.max
            item["pay_period"], item["pay_currency"] = pay.period, pay.currency
        item["ir35"] = classify.ir35_for(text)
        extra = item.setdefault("extra", {})
        if "duration" not in extra and (duration := classify.duration_for(text)):
            extra["duration"] = duration
        if extra.get("duration") and "duration_months" not in extra:
            extra.update(classify.duration_extra(extra["duration"]))
        if item.get("valid_through"):
            item["closes_at"] = classify.parse_closing_date(item["valid_through"])
        elif closes := classify.closing_date_in(text):  # "Closing date: 15/01/2027." only
            item["closes_at"] = closes
