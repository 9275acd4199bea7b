"""Ingest: the one orchestrator of a crawl (`run_crawl`), from sources to stored rows.

- `sources`: which sources a crawl fetches, as `crawler.records.CrawlSource`;
- `policy`: which spider fetches each kind, and which feeds are asked first (304s);
- `ahead`: the feeds `kil crawl`'s warm process asks before the storage is imported;
- `scrapy_settings`: kil-feed's settings as the Scrapy settings of a crawl process;
- `revalidating`: the 304s of the feeds that most likely did not change, asked first;
- `launcher`: the crawl processes, their pipes and the one `Deadline`;
- `warm`: the crawl process `kil crawl` starts before it knows the sources;
- `recorder`: every record from every process, written batch by batch through storage
  (`batches`: the one writer thread both recorders use);
- `logs`: the crawl processes' log files;
- `summary`: what a crawl returns per source (`SourceSummary`);
- `run`: `run_crawl`, tying them together.

The Redis backend: `queue` (the shared queue and its keys), `worker` (`kil worker crawl`),
`worker_recorder` (its record stage) and `heartbeat` (its leases and the reaping of dead
workers).

`crawler/` (Scrapy) knows nothing of this package: records cross a pipe, typed once in
`crawler/records.py`.
"""
