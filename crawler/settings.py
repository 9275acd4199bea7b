"""Scrapy settings for kil-feed: the project's constants, polite and bounded.

What a user configures (`[crawl]` in kil.toml) reaches a crawl process as `-s NAME=VALUE`
from `kil_feed.ingest.scrapy_settings`, the one mapping of kil-feed's settings to Scrapy's.
The few politeness values below are what `scrapy crawl` run by hand gets without them:
the same as `[crawl]`'s defaults (a test checks that they agree).
"""

from scrapy.settings import default_settings as _scrapy_defaults


def _base_without(base: dict[str, int], unwanted: set[str]) -> dict[str, int]:
    """One of Scrapy's base component lists minus `unwanted`, which then never even load
    (a component set to None in the non-base setting is still imported by its path)."""
    return {path: order for path, order in base.items() if path not in unwanted}


BOT_NAME = "kil-feed"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
SPIDER_LOADER_CLASS = "crawler.spiderloader.LazySpiderLoader"  # imports only the one it runs

# Politeness by hand (a launched crawl gets the configured values)
ROBOTSTXT_OBEY = True
USER_AGENT = "kil-feed/0.1 (+https://github.com/kil-feed/kil-feed)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_MAX_DELAY = 30.0

# Scrapy starts CONCURRENT_ITEMS worker tasks for every response; our pipelines are
# synchronous, so a few are enough (the default 100 costs ~100 tasks per feed fetched)
CONCURRENT_ITEMS = 4
# that check re-parses a callback's source for every response (bound methods miss its cache);
# our callbacks are generators without return values
WARN_ON_GENERATOR_RETURN_VALUE = False

# Bounds
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 15 * 1024 * 1024  # also enforced while decompressing (HttpCompression)
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False
RETRY_ENABLED = True
RETRY_TIMES = 1
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts a "remote control" HTTP server in every crawl that runs posted Python
# code (its token written under the user's profile folder): never wanted here. Both are left
# out of Scrapy's base extensions, so that their modules (aiohttp, twisted.conch: ~0.1 s of
# every crawl's start-up) are not even imported; every other base extension stays.
REMOTE_CONTROL_ENABLED = False
EXTENSIONS_BASE = _base_without(
    _scrapy_defaults.EXTENSIONS_BASE,
    {"scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole"},
)
DNS_TIMEOUT = 20

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots.txt middleware with RFC 9309's answers to 4xx and 5xx, in its place
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    # after robots.txt (100), before everything that could send the request out
    "crawler.middlewares.PrivateNetworkMiddleware": 110,
    # its responses after HttpCompressionMiddleware's (590) have undone Content-Encoding
    "crawler.middlewares.GzipBodyMiddleware": 585,
}
# cookies and meta refresh are switched off above; their middlewares are left out of the
# base list too, so that not even their modules load in every crawl process (the cookie
# middleware's public-suffix list pulls in tldextract and requests: ~0.1 s of start-up)
DOWNLOADER_MIDDLEWARES_BASE = _base_without(
    _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE,
    {
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware",
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",  # crawler/robots.py
    },
)

ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalise.NormalisePipeline": 200,
    "crawler.pipelines.classify.ClassifyPipeline": 300,
    "crawler.pipelines.dedupe.DedupePipeline": 400,
    "crawler.pipelines.store.StorePipeline": 600,
}

# kil-feed specific
KIL_ALLOW_PRIVATE_NETWORKS = False

LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformat.KilLogFormatter"  # no per-item DEBUG record above DEBUG
# the duplicate filter works per source: two sources may want the same page (crawler/fingerprint.py)
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.SourceRequestFingerprinter"
FEED_EXPORT_ENCODING = "utf-8"
# milliseconds in crawl logs: a crawl of 1,000 sources takes seconds, not minutes
LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s] %(levelname)s: %(message)s"
