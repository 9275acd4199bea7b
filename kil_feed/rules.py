"""Curation rules applied at ingest: block, keep and auto-approve (issue #4 fills this in).

The store pipeline calls `decide()` for every new item; it must stay a pure function of the
item's fields, its source name and the configured rules, so `kil rules test` can replay it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kil_feed.config import RulesSettings


@dataclass(frozen=True)
class Decision:
    status: str  # "pending", "approved" or "rejected"
    rule: str | None = None  # the name of the rule that decided, if any
    reason: str | None = None  # why (becomes the reject reason)


def decide(item: Mapping[str, Any], source_name: str, rules: RulesSettings) -> Decision:
    """What the rules say about a new item (no rules: it waits for an editor)."""
    return Decision("pending")
