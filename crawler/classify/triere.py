"""Build one compact regular expression from many literal phrases.

A plain alternation of a thousand names makes `re` try every branch at every position;
folding the names into a prefix tree first (``Bar(?:net|nsley|row)``) lets the engine
reject most positions after one or two characters, which keeps gazetteer matching fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def trie_pattern(words: Iterable[str]) -> str:
    """Return a regex source matching any of `words` literally, longest alternative first."""
    root: dict[str, dict] = {}
    for word in words:
        if not word:
            continue
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _render(root) if root else "(?!)"


def _render(node: dict[str, dict]) -> str:
    ends_here = _END in node
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    if len(branches) == 1 and not ends_here:
        return branches[0]
    body = "|".join(branches)
    if ends_here:
        # Greedy optional group: the longer continuation is tried before stopping here.
        return f"(?:{body})?"
    return f"(?:{body})"
