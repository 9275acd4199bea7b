"""Classification of crawled items: pure functions, no Scrapy and no storage.

The classify pipeline (and anything else) calls these; every table and regex they need is
built on first use and cached, so calling them for each of many items is cheap.
"""

from crawler.classify.dates import closing_date_in, closing_phrase, parse_closing_date
from crawler.classify.duration import duration_extra, duration_for, duration_months
from crawler.classify.gazetteer import ITL1_REGIONS
from crawler.classify.pay import Pay, parse_pay, parse_pay_text, prefer_stated, text_band
from crawler.classify.regions import region_for_postcode, regions_for, regions_for_url
from crawler.classify.remote import is_remote, job_regions
from crawler.classify.terms import CONTRACT_TYPES, contract_type_for, ir35_for
from crawler.classify.topics import TopicRule, TopicRulesError, load_topic_rules, topics_for

__all__ = [
    "CONTRACT_TYPES",
    "ITL1_REGIONS",
    "Pay",
    "TopicRule",
    "TopicRulesError",
    "contract_type_for",
    "duration_extra",
    "duration_for",
    "duration_months",
    "ir35_for",
    "is_remote",
    "job_regions",
    "load_topic_rules",
    "closing_date_in",
    "closing_phrase",
    "parse_closing_date",
    "parse_pay",
    "parse_pay_text",
    "prefer_stated",
    "region_for_postcode",
    "regions_for",
    "regions_for_url",
    "text_band",
    "topics_for",
]
