"""A web page added as a feed is said to be one, with the feed it names (RSS autodiscovery:
`<link rel="alternate">`, in the head or, as on YouTube, the body), not with feedparser's
complaint about its XML. Real pages of the corpus."""

from __future__ import annotations

from pathlib import Path

from crawler.extract.feedlinks import feed_links
from tests.support.crawl import add_source, crawl, items_of

PAGES = {
    "sixcolors": "html/sixcolors_com_blog_index_with_feed_links.html",
    "youtube": "html/youtube_channel_feed_link_in_body.html",
    "bbc-article": "html/bbc_com_news_article_52241221.html",
}
YOUTUBE_FEED = "https://www.youtube.com/feeds/videos.xml?channel_id=UCct7QF2jcWRY6dhXWMSq9LQ"


def test_feed_links_of_real_pages(corpus_dir: Path) -> None:
    page = (corpus_dir / PAGES["sixcolors"]).read_text(encoding="utf-8")
    assert feed_links(page, "https://sixcolors.com/") == ["http://feedpress.me/sixcolors"]
    relative = '<head><link rel="Alternate" type="application/atom+xml" href="/feed.atom">'
    oembed = '<link rel="alternate" type="application/json+oembed" href="/oembed">'
    assert feed_links(relative + oembed, "https://x.example/a/") == ["https://x.example/feed.atom"]


def test_web_page_added_as_a_feed(corpus_dir, http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    for name, path in PAGES.items():
        add_source(crawl_engine, name, http_server.add_file(f"/{name}.html", corpus_dir / path))

    summaries = crawl(crawl_settings)

    errors = {name: summaries[name].error for name in PAGES}
    assert errors == {
        "sixcolors": "not a feed (text/html): a web page; its feed is "
        "http://feedpress.me/sixcolors: use that as the URL",
        "youtube": f"not a feed (text/html): a web page; its feed is {YOUTUBE_FEED}: "
        "use that as the URL",
        "bbc-article": "not a feed (text/html): a web page that links to no feed "
        "(add a page of articles with kind 'page')",
    }
    assert all(items_of(crawl_engine, name) == [] for name in PAGES)
