"""Throughput of the classification functions on the real job adverts in the corpus.

python bench/classify.py [CORPUS_DIR]

Prints microseconds per item for each function and for the full set a job goes through,
with the cost of a bare `str.lower()` over the same texts as an in-run baseline.
"""

from __future__ import annotations

import html
import json
import sys
import time
from pathlib import Path

from w3lib.html import remove_tags

from crawler.classify import (
    contract_type_for,
    ir35_for,
    parse_closing_date,
    parse_pay,
    regions_for,
    topics_for,
)

ROUNDS = 200


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/corpus")
    postings = [json.loads(p.read_text("utf-8")) for p in sorted(root.glob("jobs/nhsjobs_*.json"))]
    if not postings:
        raise SystemExit(f"no NHS Jobs postings under {root}/jobs")
    texts = [p["title"] + "\n" + remove_tags(html.unescape(p["description"])) for p in postings]
    chars = sum(map(len, texts)) / len(texts)

    def run(label: str, fn) -> float:  # type: ignore[no-untyped-def]
        for posting, text in zip(postings, texts, strict=True):
            fn(posting, text)  # warm-up: builds the cached regexes
        start = time.perf_counter()
        for _ in range(ROUNDS):
            for posting, text in zip(postings, texts, strict=True):
                fn(posting, text)
        per_item = (time.perf_counter() - start) / (ROUNDS * len(postings)) * 1e6
        print(f"{label:<22} {per_item:9.1f} us/item")
        return per_item

    print(f"{len(postings)} real NHS Jobs adverts, mean {chars:.0f} characters of text")
    base = run("baseline str.lower()", lambda p, t: t.lower())
    run("topics_for", lambda p, t: topics_for(t))
    run("regions_for (text)", lambda p, t: regions_for(t))
    run("regions_for (address)", lambda p, t: regions_for(t, p["jobLocation"]["address"]))
    run("parse_pay (baseSalary)", lambda p, t: parse_pay(p["baseSalary"]))
    run("parse_pay (text)", lambda p, t: parse_pay(t))
    run("contract_type_for", lambda p, t: contract_type_for(t, p["employmentType"]))
    run("ir35_for", lambda p, t: ir35_for(t))
    run("parse_closing_date", lambda p, t: parse_closing_date(p["validThrough"]))

    def everything(p, t) -> None:  # type: ignore[no-untyped-def]
        topics_for(t)
        regions_for(t, p["jobLocation"]["address"])
        parse_pay(p["baseSalary"])
        contract_type_for(t, p["employmentType"])
        ir35_for(t)
        parse_closing_date(p["validThrough"])

    total = run("all (one job)", everything)
    print(f"=> {1e6 / total:,.0f} jobs/second on one core; {total / base:.0f}x the baseline")


if __name__ == "__main__":
    main()
