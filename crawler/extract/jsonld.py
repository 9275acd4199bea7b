"""Walking schema.org data: find nodes of given @types in JSON-LD / microdata output."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type") or node.get("type") or []
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1] for v in values}


def iter_typed(blocks: Iterable[Any], wanted: set[str], depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict whose @type is in `wanted`, searching lists and @graph (bounded depth)."""
    if depth > 6:
        return
    for block in blocks:
        if isinstance(block, list):
            yield from iter_typed(block, wanted, depth + 1)
        elif isinstance(block, dict):
            if _types(block) & wanted:
                yield block
            elif "@graph" in block:
                yield from iter_typed([block["@graph"]], wanted, depth + 1)
            elif "properties" in block and _types(block) & wanted:
                yield block
