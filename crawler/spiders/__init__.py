"""Spiders, one per kind of source; a spider's file name is its `name`."""

# Scrapy's TLS context module builds deprecated aliases with inspect.stack(), which scans every
# loaded module: imported here, before the pipelines' database stack, it costs a third as much
# (the crawl subprocess's start-up is most of a crawl where every feed answers 304)
import scrapy.core.downloader.contextfactory  # noqa: E402, F401
