"""Query-string filters read one way on every page, feed and API route.

A region, topic, contract type or source may be given by its name in any case or by its
slug (`north-west`, `social-value`); links always use the slug. A value that cannot be
right (`rate_min=abc`, an unknown region, `sort=sideways`) is a ValidationError, which
the app answers with 422 (the page with a message, or the JSON error), never a silently
unfiltered listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import BeforeValidator

from kil_feed.errors import ValidationError
from kil_feed.regions import ITL1_REGIONS

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
TRUE = {"1", "on", "true", "yes"}
FALSE = {"", "0", "off", "false", "no"}
MAX_RATE = 1e7
_PAGE = re.compile(r"[0-9]{1,6}")
_ID = re.compile(r"0|[1-9][0-9]{0,19}")


def slugify(value: str) -> str:
    """`North West` -> `north-west`: the one URL form of a filter value."""
    return _NOT_SLUG.sub("-", value.lower()).strip("-")


def region_values() -> list[str]:
    """Every accepted spelling of a region to list in the API docs: names and slugs (and
    the empty value, which like an absent one means every region)."""
    return [*ITL1_REGIONS, *(slugify(r) for r in ITL1_REGIONS), ""]


def clean(value: str | None) -> str | None:
    """An optional query parameter: stripped, None when empty. A NUL becomes U+FFFD:
    PostgreSQL refuses NUL in text (a 500), and as no stored value holds one, the value
    still matches nothing, as it does on SQLite."""
    value = (value or "").replace("\x00", "\ufffd").strip()
    return value or None


def restricted(name: str, value: str | None) -> str | None:
    """A parameter limited to a set or a pattern, stripped; None when not given. Spaces alone
    are a ValidationError: only `name=` means no value (the middleware drops it, the OpenAPI
    document's `allowEmptyValue` says so), and `region=%20` listed everything with a 200."""
    if value is None:
        return None
    text = clean(value)
    if text is None:
        raise ValidationError(f"invalid {name}: only spaces", hint=f"leave {name} out or empty")
    return text


def pick(value: str | None, known: Iterable[str]) -> str | None:
    """The known value named by `value` (its name in any case, or its slug), else None."""
    value = clean(value)
    if value is None:
        return None
    key, slug = value.casefold(), slugify(value)
    for candidate in known:
        if candidate.casefold() == key or slugify(candidate) == slug:
            return candidate
    return None


def region_param(value: str | None) -> str | None:
    """An ITL1 region by name or slug; anything else is a ValidationError."""
    text = restricted("region", value)
    if text is None:
        return None
    region = pick(text, ITL1_REGIONS)
    if region is None:
        raise ValidationError(
            f"unknown region {text[:80]!r}",
            hint="use an ITL1 region name or its slug, e.g. north-west",
        )
    return region


def named_param(value: str | None, known: Iterable[str]) -> str | None:
    """A topic, contract type or source by name or slug. One not known today is kept as
    given: it matches nothing (it may exist tomorrow), so the listing is empty."""
    return pick(value, known) or clean(value)


def rate_param(name: str, value: str | None) -> float | None:
    """A day rate in pounds (digits, maybe with £ or commas)."""
    text = (value or "").replace("£", "").replace(",", "").strip()
    if not text:
        return None
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate < MAX_RATE:
        raise ValidationError(
            f"invalid {name}: {text[:40]!r} is not an amount of pounds",
            hint="use a whole number such as 500",
        )
    return rate


def amount_text(value: float | None) -> str | None:
    """An amount as a query string writes it: `500`, not `500.0`."""
    if value is None:
        return None
    return str(int(value)) if value == int(value) else str(value)


def check_range(low_name: str, low: float | None, high_name: str, high: float | None) -> None:
    """A minimum above the maximum matches nothing: a ValidationError saying so, not a
    listing that looks as if nothing was in range."""
    if low is not None and high is not None and low > high:
        a, b = amount_text(low), amount_text(high)
        raise ValidationError(
            f"invalid {low_name}: {a} is above {high_name} {b}",
            hint=f"swap them: {low_name}={b}&{high_name}={a}",
        )


def flag_param(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError(f"invalid {name}: {text[:40]!r}", hint="use 1 or leave it out")


def choice_param(name: str, value: str | None, choices: Iterable[str]) -> str | None:
    text = restricted(name, value)
    options = list(choices)
    if text is None:
        return None
    if text not in options:
        raise ValidationError(
            f"invalid {name}: {text[:40]!r}", hint="use one of: " + ", ".join(options)
        )
    return text


def page_param(value: str | None) -> int:
    """A page number, 1 to 10,000: ASCII digits only (`str.isdigit` also takes "²", which
    `int` refuses, and `int` refuses more than 4,300 digits)."""
    text = (value or "").strip()
    if not text:
        return 1
    if not _PAGE.fullmatch(text) or not 1 <= int(text) <= 10_000:
        raise ValidationError(f"invalid page: {text[:40]!r}", hint="use a number from 1 to 10,000")
    return int(text)


def _canonical_id(value: object) -> object:
    """An id in a path is written one way, `54`: Pydantic's lax int also read `54.0`, `+54`,
    `054` and ` 54` as 54, one page at many addresses that no link gives."""
    if isinstance(value, str) and not _ID.fullmatch(value):
        raise ValueError("not an id")
    return value


# a row id in a URL path; anything else is a validation error the app answers with 404
RowId = Annotated[int, BeforeValidator(_canonical_id)]
