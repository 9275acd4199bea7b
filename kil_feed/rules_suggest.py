"""Block rules proposed from editors' repeated rejections.

Pure functions over (source, title, reason) rows: a source whose reviewed items are nearly
all rejected, and words that keep appearing in rejected titles (from one source, or across
sources) but never in an approved one. Nothing is applied; `kil rules suggest` prints the
proposals as TOML to paste into `kil.toml`.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

WORD = re.compile(r"[a-z][a-z0-9'-]{3,}")
_STOPWORDS_TEXT = """
    about above after again against also among because been before being below between both
    could does doing down during each every from further have having here into just more
    most much must only other over same says said should some such than that their them
    then there these they this those through under until upon very were what when where
    which while will with within without would year years your week weeks news new
    council councils local government public sector
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass
class Suggestion:
    """One proposed block rule and the evidence for it."""

    name: str
    conditions: dict[str, str]
    rejected: int
    approved: int
    reason: str | None = None
    examples: list[str] = field(default_factory=list)

    def as_toml(self) -> str:
        lines = ["[[rules.block]]", f"name = {json.dumps(self.name)}"]
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in self.conditions.items()]
        if self.reason:
            lines.append(f"reason = {json.dumps(self.reason, ensure_ascii=False)}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        rule: dict[str, object] = {"name": self.name, **self.conditions}
        if self.reason:
            rule["reason"] = self.reason
        return {
            "rule": rule,
            "rejected": self.rejected,
            "approved": self.approved,
            "examples": self.examples,
            "toml": self.as_toml(),
        }


def words(title: str) -> set[str]:
    """The distinctive words of a title (lower case, no stopwords)."""
    return {w.strip("'-") for w in WORD.findall(title.lower()) if w not in STOPWORDS}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _reason(reasons: Iterable[str | None]) -> str | None:
    common = Counter(r.strip() for r in reasons if r and r.strip()).most_common(1)
    return common[0][0] if common else None


def suggest(
    rejected: list[tuple[str, str, str | None]],
    approved: list[tuple[str, str]],
    *,
    min_count: int = 3,
    limit: int = 10,
) -> list[Suggestion]:
    """Proposed block rules, strongest evidence first."""
    out: list[Suggestion] = []
    by_source: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for source, title, reason in rejected:
        by_source[source].append((title, reason))
    approved_by_source = Counter(source for source, _ in approved)
    approved_words: dict[str, set[str]] = defaultdict(set)  # word -> sources with approvals
    for source, title in approved:
        for word in words(title):
            approved_words[word].add(source)

    whole_sources = set()
    for source, rows in by_source.items():
        ok = approved_by_source[source]
        if len(rows) >= min_count and len(rows) >= 9 * ok:  # >= 90% of reviewed rejected
            whole_sources.add(source)
            out.append(
                Suggestion(
                    f"block-{_slug(source)}",
                    {"source": source},
                    len(rows),
                    ok,
                    _reason(r for _, r in rows),
                    [t for t, _ in rows[:3]],
                )
            )

    word_rows: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for source, title, reason in rejected:
        for word in words(title):
            word_rows[word].append((source, title, reason))
    for word, rows in word_rows.items():
        if len(rows) < min_count or approved_words.get(word):
            continue
        pattern = rf"\b{re.escape(word)}\b"
        sources = Counter(s for s, _, _ in rows)
        top_source, top_count = sources.most_common(1)[0]
        if len(sources) == 1:
            if top_source in whole_sources:
                continue
            conditions = {"source": top_source, "pattern": pattern}
            name = f"block-{_slug(top_source)}-{_slug(word)}"
        else:
            conditions = {"pattern": pattern}
            name = f"block-{_slug(word)}"
        out.append(
            Suggestion(
                name,
                conditions,
                len(rows),
                0,
                _reason(r for *_, r in rows),
                [t for _, t, _ in rows[:3]],
            )
        )
    out.sort(key=lambda s: (-s.rejected, "pattern" in s.conditions, s.name))
    return _drop_overlaps(out)[:limit]


def _drop_overlaps(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Words that always occur together give the same evidence: keep the first of them."""
    kept: list[Suggestion] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for s in suggestions:
        key = (s.conditions.get("source", ""), frozenset(s.examples))
        if "pattern" in s.conditions and key in seen:
            continue
        seen.add(key)
        kept.append(s)
    return kept
