"""A spider loader that imports only the spider a crawl runs.

Scrapy's own loader imports every module under SPIDER_MODULES before it starts any crawl:
here the job, notice and worker spiders (extruct, trafilatura, OCDS merging, scrapy-redis),
0.2-0.3 s of every crawl process's start-up that a feed crawl never uses. A spider's module
is named after the spider (`crawler.spiders.feeds` holds `feeds`), so `load(name)` imports
that module first; `scrapy list`, a name in no module of its own and `find_by_request`
walk all modules as Scrapy's loader does.
"""

from __future__ import annotations

import importlib

from scrapy import Request, Spider
from scrapy.spiderloader import SpiderLoader


class LazySpiderLoader(SpiderLoader):
    def _load_all_spiders(self) -> None:
        self._all_loaded = False  # called by SpiderLoader.__init__: deferred

    def _ensure_all(self) -> None:
        if not self._all_loaded:
            self._spiders.clear()
            self._found.clear()
            super()._load_all_spiders()
            self._all_loaded = True

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._spiders and not self._all_loaded:
            for package in self.spider_modules:
                try:
                    module = importlib.import_module(f"{package}.{spider_name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{spider_name}":
                        raise  # the spider's module exists but an import inside it fails
                    continue
                self._load_spiders(module)
            if spider_name not in self._spiders:
                self._ensure_all()
        return super().load(spider_name)

    def list(self) -> list[str]:
        self._ensure_all()
        return super().list()

    def find_by_request(self, request: Request) -> list[str]:
        self._ensure_all()
        return super().find_by_request(request)
