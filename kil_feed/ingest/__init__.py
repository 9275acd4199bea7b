"""Ingest: the one orchestrator of a crawl (`run_crawl`), from sources to stored rows.

- `sources`: which sources a crawl fetches, as `crawler.records.CrawlSource`;
- `policy`: which spider fetches each kind, and which feeds are asked first (304s);
- `ahead`: the feeds `kil crawl`'s warm process asks before the storage is imported;
- `scrapy_settings`: kil-feed's settings as the Scrapy settings of a crawl process;
- `launcher`: the crawl processes, their pipes and the one `Deadline`;
- `warm`: the crawl process `kil crawl` starts before it knows the sources;
- `recorder`: every record from every process, written batch by batch through storage;
- `logs`: the crawl processes' log files;
- `run`: `run_crawl`, tying them together and returning `SourceSummary`s.

`crawler/` (Scrapy) knows nothing of this package: records cross a pipe, typed once in
`crawler/records.py`.
"""
