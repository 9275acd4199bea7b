"""What happened to one source in a crawl, and how its errors and warnings are said."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.records import CrawlSource

MAX_PAGE_ERRORS = 20


@dataclass
class SourceState:
    """What happened to one source in this crawl."""

    source: CrawlSource
    counts: Counter[str] = field(default_factory=Counter)
    http_status: int | None = None
    fatal: str | None = None
    errors: list[str] = field(default_factory=list)
    problem: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    site_title: str | None = None
    answered: bool = False

    def error(self) -> str | None:
        """The source's error: the fatal one, then page errors. Defects tolerated in what
        was read (a malformed feed's, a notice's) are no error (`warning`)."""
        errors = [self.fatal] if self.fatal else []
        errors += self.errors[:MAX_PAGE_ERRORS]
        if len(self.errors) > MAX_PAGE_ERRORS:
            errors.append(f"... and {len(self.errors) - MAX_PAGE_ERRORS} more page errors")
        return "; ".join(errors) or None

    def warning(self) -> str | None:
        """Why what was read is defective: a malformed feed that gave entries (feedparser's
        bozo), notice data with releases skipped or repaired that gave notices. The source
        is ok and this is said, not failed (one that gave nothing has `fatal`)."""
        return warning_text(self.problem, self.source.get("kind"))

    def run_error(self) -> str | None:
        """What the source's crawl run records: its error, then any warning."""
        return "; ".join(e for e in (self.error(), self.warning()) if e) or None


def warning_text(problem: str | None, kind: str | None) -> str | None:
    """A source's tolerated defect as said to people: `notice data: ...` for notices, else
    `malformed feed: ...`."""
    if not problem:
        return None
    what = "notice data" if kind == "notices" else "malformed feed"
    return f"{what}: {problem}"
