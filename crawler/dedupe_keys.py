"""Keys that find the same item again and copies of it elsewhere (pure functions).

- `content_hash`: changes when what a reader sees changes (re-crawl: updated vs unchanged).
- `title_key`: the normalised title, plus employer/location for jobs (agency reposts).
- `fingerprint`: a one-band MinHash of word 3-shingles: near-identical texts (syndicated
  copies with different markup or a trailing line) get the same value with high probability,
  and it is an indexed equality lookup, so clustering never compares all pairs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Mapping
from typing import Any

_WORD = re.compile(r"[a-z0-9£$€%]+")
_ASCII_WORD = re.compile(rb"[a-z0-9$%]+")  # _WORD on text already folded to ASCII
_MIN_TITLE_WORDS = 4
_MIN_TEXT_WORDS = 25
_SIGNATURE_SIZE = 4


def normalise_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _WORD.findall(text)


def title_key(title: str, kind: str = "news", employer: str | None = None,
              location: str | None = None) -> str:  # fmt: skip
    """'' when the title is too short to identify a story on its own."""
    words = normalise_words(title)
    if kind == "job":
        extra = " ".join(normalise_words(employer or location or ""))
        if not words or not extra:
            return ""
        return (" ".join(words) + "|" + extra)[:250]
    if len(words) < _MIN_TITLE_WORDS:
        return ""
    return " ".join(words)[:250]


def fingerprint(text: str) -> str:
    """A MinHash band of the text's word 3-shingles; '' for short texts."""
    # normalise_words, kept as ASCII bytes: each shingle is hashed without encoding it
    folded = unicodedata.normalize("NFKD", text[:6000]).encode("ascii", "ignore").lower()
    words = _ASCII_WORD.findall(folded)[:300]
    if len(words) < _MIN_TEXT_WORDS:
        return ""
    spaced = [word + b" " for word in words]
    shingles = zip(spaced, spaced[1:], words[2:], strict=False)  # shorter by two
    hashes = set(map(zlib.crc32, map(b"".join, shingles)))
    smallest = sorted(hashes)[:_SIGNATURE_SIZE]
    return hashlib.blake2b(repr(smallest).encode(), digest_size=12).hexdigest()


def item_keys(item: Mapping[str, Any], text: str | None = None) -> dict[str, str]:
    """`title_key`, `fingerprint` and `content_hash` of an item dict (`text`: its body as
    plain text, when already known): set by the dedupe pipeline, and set again by storage
    when a notice's later release moves its title or text."""
    from crawler.extract.text import html_to_text

    text = text or html_to_text(item.get("body_html")) or item.get("summary") or ""
    return {
        "title_key": title_key(
            item["title"], item.get("kind", "news"), item.get("employer"), item.get("location")
        ),
        "fingerprint": fingerprint(text),
        "content_hash": content_hash(item),
    }


def content_hash(item: Mapping[str, Any]) -> str:
    parts = [
        item.get("title") or "",
        item.get("summary") or "",
        item.get("body_html") or "",
        str(item.get("published_at") if not item.get("date_estimated") else ""),
        item.get("employer") or "",
        item.get("location") or "",
        str(item.get("pay_min")),
        str(item.get("pay_max")),
        str(item.get("closes_at")),
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
