"""`python -m crawler.warm`: a crawl process started before its launcher knows its work.

Most of a crawl process's start-up is importing Scrapy, Twisted and the project's
components (~0.5 s of CPU). `kil crawl` starts one of these first thing, so that this
overlaps the launcher's own start-up (its imports, the database, preparing the sources),
then writes the `scrapy` command line to run on its stdin (one JSON list: `["crawl",
"feeds", "-a", ...]`), which runs as `python -m scrapy ...` would. End of file instead (the
launcher had nothing for it to do): it exits at once.

Started with `--ask`, it first reads one JSON line of feeds to ask whether they changed
(`kil_feed.ingest.ahead`), asks them (`crawler.revalidate`, standard library only) and sends
the answers (a `Revalidation`) as the first message down its pipe. It imports Scrapy only
if a crawl will most likely follow: other sources go to the crawl anyway, or a feed did
not answer 304. An unchanged crawl then costs no Scrapy start-up at all.

Nothing here installs the Twisted reactor: `scrapy crawl` installs the configured one.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from multiprocessing.connection import Connection

from crawler.itemstream import stream_fd

# the component lists and classes of a crawl, imported ahead (the modules of their paths)
_COMPONENT_DICTS = (
    "DOWNLOADER_MIDDLEWARES_BASE", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE",
    "SPIDER_MIDDLEWARES", "EXTENSIONS_BASE", "EXTENSIONS", "ITEM_PIPELINES",
)  # fmt: skip
_COMPONENTS = (
    "SCHEDULER", "STATS_CLASS", "DUPEFILTER_CLASS", "SCHEDULER_PRIORITY_QUEUE",
    "SCHEDULER_MEMORY_QUEUE", "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS",
    "SPIDER_LOADER_CLASS", "ROBOTSTXT_PARSER", "DOWNLOADER", "ITEM_PROCESSOR",
)  # fmt: skip
_AHEAD = ("scrapy.cmdline", "scrapy.commands.crawl", "scrapy.core.engine",
          "scrapy.core.downloader.handlers.http11", "crawler.spiders.feeds")  # fmt: skip


def preload() -> None:
    """Import what every crawl process imports (the feeds spider, the most common, too)."""
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    paths = [p for name in _COMPONENT_DICTS for p, o in settings.getdict(name).items() if o]
    paths += [settings.get(name) for name in _COMPONENTS]
    modules = {p.rsplit(".", 1)[0] for p in paths if isinstance(p, str) and "." in p}
    for module in (*_AHEAD, *sorted(modules)):
        importlib.import_module(module)


def ask_ahead() -> bool:
    """Ask the feeds of the request on stdin and send the answers; whether a crawl follows."""
    from crawler.revalidate import Politeness, revalidate

    line = sys.stdin.readline()
    fd = stream_fd()
    if not line.strip() or fd is None:
        return False
    try:
        request = json.loads(line)
        answers = revalidate(
            request["sources"],
            Politeness(**request["politeness"]),
            {answer["origin"]: answer for answer in request["robots"]},
            budget=request["budget"],
        )
    except Exception:  # never a reason to fail the crawl: the launcher asks them itself
        answers = None
    with Connection(os.dup(fd), readable=False) as pipe:  # the crawl's own sender comes later
        pipe.send(answers)
    if answers is None:
        return True
    return request["crawl_follows"] or len(answers.unchanged) < len(request["sources"])


def main() -> None:
    if "--ask" not in sys.argv[1:] or ask_ahead():
        preload()
    line = sys.stdin.readline()
    if not line.strip():
        return
    from scrapy.cmdline import execute

    sys.argv = ["scrapy", *json.loads(line)]
    execute(sys.argv)


if __name__ == "__main__":
    main()
