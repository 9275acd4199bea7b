"""Finding the components the demo orchestrates, with a clear error when one is missing.

`kil demo` drives the crawler, the curation rules, the newsletter and the web archive. A
build without one of them still runs the demo's other steps up to that point and then
names exactly what is missing, instead of failing with an ImportError traceback.
"""

from __future__ import annotations

import importlib
from typing import Any

from kil_feed.errors import KilError

# module -> (what it is, the issue that provides it)
PROVIDERS = {
    "kil_feed.sources_file": ("the sources file reader", "#3 ingestion"),
    "kil_feed.crawling": ("the crawler", "#3 ingestion"),
    "newsletter.build": ("the newsletter builder", "#5 newsletter"),
    "newsletter.edit": ("the newsletter editor", "#5 newsletter"),
    "newsletter.send": ("the newsletter sender", "#5 newsletter"),
    "kil_feed.web.app": ("the web archive", "#6 web"),
}


class MissingComponentError(KilError):
    """A step of the demo needs a component this installation does not have."""

    exit_code = 8


def require(module: str, attr: str, step: str) -> Any:
    """`module.attr`, or MissingComponentError naming the module and the issue providing it."""
    what, issue = PROVIDERS.get(module, ("a component", "another issue"))
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise  # the component exists but one of its own imports is broken
        raise MissingComponentError(
            f"cannot {step}: {what} ({module}.{attr}, issue {issue}) is not installed",
            hint="the demo ran every step before this one",
        ) from None
    try:
        return getattr(mod, attr)
    except AttributeError:
        raise MissingComponentError(
            f"cannot {step}: {module} has no {attr} ({what}, issue {issue})"
        ) from None
