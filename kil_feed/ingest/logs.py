"""The crawl processes' log files: where they go, how long they are kept, what they say."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from kil_feed.config import Settings
from kil_feed.errors import ConfigError

logger = logging.getLogger(__name__)


def log_dir(settings: Settings | None = None) -> Path:
    """`[crawl] log_dir`, or `$TMPDIR/kil-feed-logs` (created if missing)."""
    configured = settings.crawl.log_dir if settings is not None else None
    path = (
        Path(configured).expanduser()
        if configured
        else Path(tempfile.gettempdir()) / "kil-feed-logs"
    )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # under a file, read-only: no crawl process could log
        raise ConfigError(
            f"cannot use the crawl log folder {path}: {exc.strerror or exc}",
            hint="check crawl.log_dir",
        ) from None
    return path


def prune_logs(folder: Path, *, keep_days: int, keep_files: int) -> int:
    """Delete crawl logs older than `keep_days` and all but the newest `keep_files`."""
    entries = []
    for path in folder.glob("crawl-*.log"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:  # removed by a concurrent crawl
            continue
    entries.sort(reverse=True)
    cutoff = time.time() - max(0, keep_days) * 86400
    removed = 0
    for index, (mtime, path) in enumerate(entries):
        if index >= max(0, keep_files) or mtime < cutoff:
            try:
                path.unlink()
                removed += 1
            except OSError:
                continue
    if removed:
        logger.info("crawl logs pruned folder=%s removed=%d", folder, removed)
    return removed


def last_error(path: Path) -> str:
    """The last ERROR line of a crawl log (why a process failed), shortened."""
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if "ERROR" in ln]
    except OSError:
        return ""
    return lines[-1][-300:] if lines else ""
