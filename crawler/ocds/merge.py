"""Compile the releases of one procurement (one ocid) with Open Contracting's `ocdsmerge`.

The merge rules come from the OCDS 1.1.5 release schema shipped beside this module
(`release-schema-1.1.5.json`, from open-contracting/standard, Apache-2.0), so merging never
reaches the network (ocdsmerge would otherwise download the schema). An earlier compiled
release can be merged with newer releases: that is how a stored notice moves on.
"""

from __future__ import annotations

import warnings
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "release-schema-1.1.5.json"


@cache
def _merger() -> Any:
    import ocdsmerge
    from ocdsmerge.rules import get_merge_rules

    path = resources.files("crawler.ocds").joinpath(SCHEMA_FILE)
    with resources.as_file(path) as schema:
        rules = get_merge_rules(str(schema))
    return ocdsmerge.Merger(merge_rules=rules)


def compile_releases(
    releases: list[dict[str, Any]], previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The compiled release of `releases` (all of one ocid), on top of `previous` if given.

    Releases are merged in date order, as OCDS specifies. A release whose shape conflicts
    with an earlier one (a field that was an object becomes a list) cannot be merged: the
    newest release then stands on its own rather than failing the crawl.
    """
    from ocdsmerge.exceptions import InconsistentTypeError

    inputs = ([previous] if previous else []) + list(releases)
    if not inputs:
        raise ValueError("no releases to compile")
    with warnings.catch_warnings():
        # publishers reuse ids inside arrays (two lots "1"); ocdsmerge warns and merges them
        warnings.simplefilter("ignore")
        try:
            return _merger().create_compiled_release(inputs)
        except (InconsistentTypeError, TypeError):
            newest = max(inputs, key=lambda r: str(r.get("date") or ""))
            return _merger().create_compiled_release([newest])


def release_summary(release: dict[str, Any]) -> dict[str, Any]:
    """One entry of a notice's history: which release, when, what it said it was."""
    tags = release.get("tag") or []
    return {
        "id": str(release.get("id") or ""),
        "date": release.get("date"),
        "tag": [str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
    }


def merge_history(
    old: list[dict[str, Any]], releases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """History entries of `old` plus those of `releases` not seen yet, oldest first."""
    merged = {entry["id"]: entry for entry in old}
    for release in releases:
        entry = release_summary(release)
        merged.setdefault(entry["id"], entry)
    return sorted(merged.values(), key=lambda e: (str(e.get("date") or ""), e["id"]))
