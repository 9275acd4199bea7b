"""Child process of the crawl job: run one crawl and print its per-source summaries.

Reads `{"settings", "sources", "time_limit", "target"}` as JSON on stdin and prints one
line `KIL-CRAWL-RESULT <json list>` on stdout. It is an edge, so it configures logging.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from typing import Any

from kil_feed.config import Settings
from kil_feed.scheduler.crawljob import RESULT_MARKER
from kil_feed.scheduler.runtime import load_reference

logger = logging.getLogger(__name__)


def as_dict(summary: Any) -> dict[str, Any]:
    """A SourceSummary of whatever shape (dataclass, pydantic, named tuple) as a dict."""
    if dataclasses.is_dataclass(summary) and not isinstance(summary, type):
        data = dataclasses.asdict(summary)
    elif hasattr(summary, "model_dump"):
        data = summary.model_dump()
    elif hasattr(summary, "_asdict"):
        data = summary._asdict()
    elif isinstance(summary, dict):
        data = dict(summary)
    else:
        data = dict(vars(summary))
    return json.loads(json.dumps(data, default=str))


def main() -> int:
    payload = json.loads(sys.stdin.read())
    settings = Settings(**payload["settings"])
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    run_crawl = load_reference(payload["target"])
    summaries = run_crawl(
        settings, sources=payload["sources"], time_limit=payload.get("time_limit")
    )
    print(RESULT_MARKER + json.dumps([as_dict(s) for s in summaries or []]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
