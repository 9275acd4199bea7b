"""Scrapy settings for kil-feed (filled in by the ingestion work, issue #3)."""

BOT_NAME = "kil-feed"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ROBOTSTXT_OBEY = True
