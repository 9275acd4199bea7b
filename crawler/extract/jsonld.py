"""schema.org data: a page's JSON-LD blocks, and the nodes of given @types in them (or in
microdata output)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement


def jsonld_blocks(root: HtmlElement) -> list[Any]:
    """The page's JSON-LD blocks, each read on its own: a block that cannot be read (cut
    short, not JSON) is skipped and hides none of the others (extruct, reading them all at
    once, loses every block to one bad one)."""
    return [node for script in root.xpath(_JSONLD) for node in _read_block(script)]


_JSONLD = '//script[@type="application/ld+json"]'


def _read_block(script: HtmlElement) -> list[Any]:
    """One block as extruct reads it: JSON (control characters allowed), else with
    extruct's repairs (comment lines), imported only then (~0.4 s)."""
    try:
        data = json.loads(script.text_content(), strict=False)
    except RecursionError:
        return []
    except ValueError:
        from extruct.jsonld import JsonLdExtractor

        try:
            return list(JsonLdExtractor().extract_items(script))
        except (ValueError, RecursionError):
            return []
    return data if isinstance(data, list) else [data]


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
