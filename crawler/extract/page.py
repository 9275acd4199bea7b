"""News pages: links from a listing page, and an article's own metadata.

Per-source selectors (CSS or XPath) win; otherwise the article's JSON-LD
`NewsArticle`/`Article`, then OpenGraph/meta tags, then `<time>`/`<h1>`/`<article>`.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.jsonld import iter_typed, jsonld_blocks
from crawler.extract.text import clean_text

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "WebPage"}
_SKIP_LINK = re.compile(
    r"(/tag/|/tags/|/category/|/author/|/search|/login|/signin|/subscribe|/privacy|/cookies|"
    r"/terms|/contact|/about/?$|#|mailto:|javascript:|\.(jpg|jpeg|png|gif|pdf|zip|css|js)$)",
    re.I,
)


def select_all(sel: Selector, query: str) -> list[Selector]:
    """Run a CSS selector, or XPath when the query starts with `/` or `(`."""
    query = query.strip()
    if query.startswith(("/", "(", "./")):
        return list(sel.xpath(query))
    return list(sel.css(query))


def listing_links(
    sel: Selector, base_url: str, options: dict[str, Any], *, limit: int = 30
) -> list[str]:
    """Article URLs linked from a listing page, in page order, de-duplicated."""
    query = options.get("link_selector") or options.get("link_xpath")
    if query:
        nodes = select_all(sel, str(query))
        hrefs = []
        for node in nodes:
            href = node.attrib.get("href") or node.xpath("string(.//a/@href)").get()
            if href:
                hrefs.append(href)
    else:
        hrefs = sel.xpath("//a/@href").getall()
    pattern = options.get("follow_pattern")
    regex = re.compile(str(pattern)) if pattern else None
    base_host = urlsplit(base_url).netloc.lower()
    seen: set[str] = set()
    links: list[str] = []
    for href in hrefs:
        url = urljoin(base_url, href.strip()).split("#")[0]
        if urlsplit(url).scheme not in ("http", "https") or url in seen or url == base_url:
            continue
        if regex is not None:
            if not regex.search(url):
                continue
        elif not query and (
            urlsplit(url).netloc.lower() != base_host
            or _SKIP_LINK.search(url)
            or not _looks_like_article(url)
        ):
            continue
        seen.add(url)
        links.append(url)
        if len(links) >= limit:
            break
    return links


def _looks_like_article(url: str) -> bool:
    path = urlsplit(url).path.strip("/")
    if not path:
        return False
    last = path.rsplit("/", 1)[-1]
    return path.count("/") >= 1 and (len(last) >= 12 or any(c.isdigit() for c in last))


def extract_article(sel: Selector, url: str, options: dict[str, Any]) -> dict[str, Any]:
    """One article page as an item dict (kind news); empty title if nothing was found."""
    meta = _meta(sel)
    ld = next(iter_typed(jsonld_blocks(sel.root), ARTICLE_TYPES - {"WebPage"}), None) or {}
    title = _first_text(sel, options.get("title_selector")) or _str(ld.get("headline"))
    title = title or meta.get("og:title") or meta.get("twitter:title")
    title = (
        title
        or clean_text(sel.xpath("string(//h1)").get())
        or clean_text(sel.xpath("string(//title)").get())
    )
    date = _first_text(sel, options.get("date_selector"), attr="datetime")
    date = date or _str(ld.get("datePublished")) or meta.get("article:published_time")
    date = date or meta.get("date") or meta.get("dc.date") or meta.get("pubdate")
    date = date or sel.xpath("//time/@datetime").get() or ""
    body_html = ""
    if options.get("body_selector"):
        body_html = "".join(n.get() for n in select_all(sel, str(options["body_selector"])))
    if not body_html:
        article = sel.xpath("//article")
        if article:
            body_html = article[0].get()
    summary = meta.get("og:description") or meta.get("description") or _str(ld.get("description"))
    author = ld.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    canonical = sel.xpath("//link[@rel='canonical']/@href").get()
    return {
        "kind": "news",
        "url": urljoin(url, canonical) if canonical and options.get("use_canonical") else url,
        "base_url": url,
        "guid": None,
        "title": clean_text(title),
        "summary": clean_text(summary),
        "body_html": body_html,
        "body_text": _str(ld.get("articleBody")),
        "author": _str(author) or meta.get("author") or None,
        "image_url": _str(image) or meta.get("og:image") or None,
        "published_raw": clean_text(date) or None,
    }


def _meta(sel: Selector) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in sel.xpath("//meta"):
        key = (node.attrib.get("property") or node.attrib.get("name") or "").strip().lower()
        value = node.attrib.get("content")
        if key and value and key not in found:
            found[key] = value.strip()
    return found


def _first_text(sel: Selector, query: Any, attr: str | None = None) -> str:
    if not query:
        return ""
    for node in select_all(sel, str(query)):
        if attr and node.attrib.get(attr):
            return node.attrib[attr]
        text = clean_text(node.xpath("string(.)").get() if hasattr(node, "xpath") else node.get())
        if text:
            return text
    return ""


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return ""
