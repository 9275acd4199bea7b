"""Advert links on a listing page of plain adverts, when no selector or pattern is given.

Common listing layouts (a results list, cards, a table) repeat one block per vacancy, and
each block's link names the job: "Head of Policy Research", "Teacher of Year 5". A link is
a candidate when its title (its heading, its `title` attribute, else its text) reads like
a job title; the candidates kept are the largest group that share one place in the page
(the same chain of parent tags and classes), and only when that group has at least
MIN_GROUP links, on the listing's own site. A news home page's headlines rarely read like
job titles and, when one does, it sits alone in its block, so it never makes a group.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.text import clean_text
from crawler.extract.titles import looks_like_job_title

MIN_GROUP = 2
_SKIP = re.compile(
    r"^(?:mailto|javascript|tel):|/(?:login|signin|register|search|cookies|privacy|terms|"
    r"contact|about|help)(?:[/?#]|$)|\.(?:jpg|jpeg|png|gif|css|js|zip)$",
    re.IGNORECASE,
)


def link_title(link: Selector) -> str:
    """What a listing link calls its target: its heading, `title`, or its text."""
    heading = link.xpath("string((.//h1|.//h2|.//h3|.//h4|.//strong)[1])").get()
    text = clean_text(heading) or clean_text(link.attrib.get("title"))
    return text or clean_text(link.xpath("string(.)").get())


def job_links(sel: Selector, base_url: str, *, limit: int = 50) -> list[str]:
    """URLs of the adverts a listing page links to, in page order (see module doc)."""
    groups: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    host = _host(base_url)
    for link in sel.xpath("//a[@href]"):
        href = link.attrib["href"].strip()
        if not href or href.startswith("#") or _SKIP.search(href):
            continue
        url = urljoin(base_url, href).split("#")[0]
        if urlsplit(url).scheme not in ("http", "https") or url == base_url or url in seen:
            continue
        if _host(url) != host:  # the source's own site only: polite, and never an ad
            continue
        if not looks_like_job_title(link_title(link)):
            continue
        seen.add(url)
        groups[_place(link)].append(url)
    best = max(groups.values(), key=len, default=[])
    return best[:limit] if len(best) >= MIN_GROUP else []


def _host(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.")


def _place(link: Selector) -> str:
    """The link's chain of three parent tags with their classes: one per repeated block."""
    parts = []
    node = link.root
    for _ in range(4):
        classes = " ".join(sorted((node.get("class") or "").split()))
        parts.append(f"{node.tag}.{classes}")
        node = node.getparent()
        if node is None:
            break
    return "/".join(parts)
