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


# how deep a wanted node may sit (WebPage > mainEntity > ItemList > ListItem > item is 4);
# a document nested deeper than this is not structured data anyone reads
MAX_DEPTH = 10
_NOT_DATA = frozenset({"@context"})


def iter_typed(blocks: Iterable[Any], wanted: set[str]) -> Iterator[dict[str, Any]]:
    """Every dict whose @type is in `wanted`, wherever it is nested (@graph, lists and any
    property: WebPage.mainEntity, ItemList.itemListElement[].item), shallowest first and
    in document order within a level, to MAX_DEPTH. A wanted node's own properties are not
    searched (a posting's relatedLink is not another posting of the page), and a node
    given twice with one @id is yielded once."""
    level = list(_dicts(blocks, 0))
    seen: set[str] = set()
    for _ in range(MAX_DEPTH + 1):
        deeper: list[dict[str, Any]] = []
        for node in level:
            if _types(node) & wanted:
                ident = node.get("@id")
                if isinstance(ident, str) and ident:
                    if ident in seen:
                        continue
                    seen.add(ident)
                yield node
                continue
            for key, value in node.items():
                if key not in _NOT_DATA:
                    deeper.extend(_dicts([value], 0))
        if not deeper:
            return
        level = deeper


def _dicts(values: Iterable[Any], depth: int) -> Iterator[dict[str, Any]]:
    """The dicts among values, lists (of lists) opened, to MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return
    for value in values:
        if isinstance(value, dict):
            yield value
        elif isinstance(value, list):
            yield from _dicts(value, depth + 1)
