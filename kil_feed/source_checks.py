"""What a source must be to work, checked when it is added or imported: a URL that the
WHATWG URL standard (ada-url, the parser of Node.js) accepts, without credentials, and
spider options whose values the spiders can use (a regex that compiles, a CSS selector and
an XPath that parse, a positive count).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from kil_feed.errors import ValidationError

JOB_MODES = ("html", "json", "sitemap", "feed")


def normalise_url(url: str) -> str:
    """The URL as browsers and the crawler read it (`http://0x7f.1/` is 127.0.0.1), or an
    error for one they would refuse (`http://exa mple.org/`, a port that is no number)."""
    from ada_url import URL

    try:
        parsed = URL(url.strip())
    except ValueError:
        raise ValidationError(f"not a valid URL: {url!r}") from None
    if parsed.protocol not in ("http:", "https:"):
        raise ValidationError(
            f"only http and https URLs are allowed, not {parsed.protocol.rstrip(':')!r}"
        )
    if parsed.username or parsed.password:
        raise ValidationError(
            f"a source URL cannot carry a user name or password: {url!r}",
            hint="a feed behind a login cannot be crawled",
        )
    return parsed.href


def _regex(value: Any) -> None:
    try:
        re.compile(str(value))
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None


def _css(value: Any) -> None:
    from cssselect import SelectorError
    from parsel.csstranslator import HTMLTranslator

    try:
        HTMLTranslator().css_to_xpath(str(value))
    except SelectorError as exc:
        raise ValueError(f"not a valid CSS selector ({exc})") from None


def _xpath(value: Any) -> None:
    from lxml import etree

    try:
        etree.XPath(str(value))
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"not a valid XPath ({exc})") from None


def _positive(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")


def _flag(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")


def _mode(value: Any) -> None:
    if value not in JOB_MODES:
        raise ValueError("must be one of " + ", ".join(JOB_MODES))


OPTION_CHECKS: dict[str, Callable[[Any], None]] = {
    "link_selector": _css,
    "title_selector": _css,
    "date_selector": _css,
    "body_selector": _css,
    "link_xpath": _xpath,
    "follow_pattern": _regex,
    "max_articles": _positive,
    "use_canonical": _flag,
    "follow": _flag,
    "mode": _mode,
}


def check_options(options: dict[str, Any]) -> None:
    """Each known option's value; an unknown one that is a typo of a known one is refused
    (`follow_patern` would silently follow every link)."""
    for key, value in options.items():
        check = OPTION_CHECKS.get(key)
        if check is None:
            close = difflib.get_close_matches(key, OPTION_CHECKS, n=1, cutoff=0.75)
            if close:
                raise ValidationError(f"unknown option {key!r} (did you mean {close[0]!r}?)")
            continue
        try:
            check(value)
        except ValueError as exc:
            raise ValidationError(f"option {key} = {value!r}: {exc}") from None
