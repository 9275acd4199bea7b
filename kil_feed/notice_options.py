"""Options of a `notices` source, checked once when the source is added or imported.

`api` is fts (Find a Tender), contracts-finder or ocds (any release- or record-package URL);
the filters keep only the notices an editor wants: `stages`, `cpv` prefixes, `buyer_types`,
`min_value` (GBP) and `regions`; `backfill_days` bounds a first crawl's window.
"""

from __future__ import annotations

from typing import Any

from crawler.ocds import BUYER_TYPE_LABELS, STAGES
from kil_feed.errors import ValidationError
from kil_feed.regions import canonical_region

APIS = ("fts", "contracts-finder", "ocds")
_KNOWN = {"api", "stages", "cpv", "buyer_types", "min_value", "regions", "backfill_days",
          "overlap_minutes", "page_size", "max_pages"}  # fmt: skip
_BUYER_TYPE_BY_NAME = {
    **{key: key for key in BUYER_TYPE_LABELS},
    **{label.casefold(): key for key, label in BUYER_TYPE_LABELS.items()},
    **{key.replace("-", " "): key for key in BUYER_TYPE_LABELS},
}


def _list(value: Any) -> list[str]:
    """A list from a TOML list or a comma-separated command-line value."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _int(options: dict[str, Any], key: str, low: int, high: int, where: str) -> None:
    if key not in options:
        return
    value = options[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{where}: option {key} must be a whole number from {low} to {high}")


def validate_notice_options(options: dict[str, Any], *, where: str) -> dict[str, Any]:
    """The options in canonical form, or a ValidationError naming the first bad one."""
    out = dict(options)
    unknown = sorted(set(out) - _KNOWN)
    if unknown:
        raise ValidationError(
            f"{where}: unknown notices option {unknown[0]!r}",
            hint="one of " + ", ".join(sorted(_KNOWN)),
        )
    api = str(out.get("api", "ocds")).strip().lower()
    if api not in APIS:
        raise ValidationError(f"{where}: api must be one of " + ", ".join(APIS))
    out["api"] = api
    if "stages" in out:
        stages = [s.lower() for s in _list(out["stages"])]
        bad = [s for s in stages if s not in STAGES]
        if bad:
            raise ValidationError(
                f"{where}: unknown stage {bad[0]!r}", hint="one of " + ", ".join(STAGES)
            )
        out["stages"] = stages
    if "cpv" in out:
        codes = _list(out["cpv"])
        bad = [c for c in codes if not c.isdigit() or len(c) > 8]
        if bad:
            raise ValidationError(f"{where}: cpv {bad[0]!r} is not a CPV code prefix (digits)")
        out["cpv"] = codes
    if "buyer_types" in out:
        types = []
        for name in _list(out["buyer_types"]):
            key = _BUYER_TYPE_BY_NAME.get(name.casefold())
            if key is None:
                raise ValidationError(
                    f"{where}: unknown buyer type {name!r}",
                    hint="one of " + ", ".join(BUYER_TYPE_LABELS),
                )
            types.append(key)
        out["buyer_types"] = types
    if "regions" in out:
        out["regions"] = [canonical_region(r) for r in _list(out["regions"])]
    if "min_value" in out:
        try:
            out["min_value"] = float(out["min_value"])
        except (TypeError, ValueError):
            raise ValidationError(f"{where}: min_value must be a number (GBP)") from None
    _int(out, "backfill_days", 1, 3650, where)
    _int(out, "overlap_minutes", 0, 24 * 60, where)
    _int(out, "page_size", 1, 100, where)
    _int(out, "max_pages", 1, 100_000, where)
    return out
