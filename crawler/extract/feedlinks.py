"""The feeds a web page names (RSS autodiscovery): `<link rel="alternate">` of a feed type.

A source added with a site's or channel's page instead of its feed is told where the feed
is, as Miniflux's subscription finder reads it. The link is looked for anywhere in the
document: YouTube puts it in the body.
"""

from __future__ import annotations

from urllib.parse import urljoin

from parsel import Selector

# not plain JSON or XML: WordPress names its REST API and oEmbed answers as alternates too
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}
)


def feed_links(html: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds `html` links to as its alternates, in page order."""
    found: list[str] = []
    for link in Selector(text=html).xpath("//link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            url = urljoin(base_url, link.attrib["href"].strip())
            if url not in found and url.startswith(("http://", "https://")):
                found.append(url)
    return found
