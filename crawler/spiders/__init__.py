"""Spiders, one per kind of source; a spider's file name is its `name`."""

# Scrapy's TLS context module builds deprecated aliases with inspect.stack(), which scans every
# loaded module: imported here, before the store pipeline loads the database stack (as it does
# when `scrapy crawl` records in-process, run by hand), that scan stays short. Launched by
# `kil crawl`, the crawl never loads that stack, and the order makes no measurable difference.
import scrapy.core.downloader.contextfactory  # noqa: E402, F401
