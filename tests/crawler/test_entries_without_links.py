"""Feed entries without a link are kept when they have an id (crawler.pipelines.validate):
a web-URL guid is their URL, any other id a stable URL under the feed's site."""

from __future__ import annotations

from tests.support.crawl import add_source, crawl, items_of

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Notices</title>
<link>http://example.org/news/</link><description>d</description>
<item><title>Framework for highways maintenance awarded</title>
<guid isPermaLink="false">http://example.org/news/highways-framework</guid>
<description>{text}</description></item>
<item><title>Council publishes its procurement pipeline</title>
<guid isPermaLink="false">pipeline-2026-12</guid><description>Pipeline.</description></item>
<item><title>Social value policy adopted by the cabinet</title>
<guid isPermaLink="false">social-value-2026</guid><description>Policy.</description></item>
<item><title>Contract register updated for the quarter</title>
<guid>register-q3</guid><description>No address, though a permalink.</description></item>
<item><title>An entry with nothing to find it by</title><description>Lost.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom notices</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
<updated>2026-12-01T09:00:00Z</updated>
<entry><title>Shared legal services contract renewed</title>
<id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
<updated>2026-12-01T09:00:00Z</updated><summary>Renewed.</summary></entry></feed>"""


def test_entries_without_links_keep_their_ids_as_urls(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    rss = http_server.add("/notices.rss", RSS.format(text="First text."), "application/rss+xml")
    atom = http_server.add("/atom.xml", ATOM, "application/atom+xml")
    add_source(crawl_engine, "rss", rss)
    add_source(crawl_engine, "atom", atom)

    first = crawl(crawl_settings)
    assert (first["rss"].new, first["rss"].dropped, first["rss"].error) == (4, 1, None)
    urls = {i.title: i.url for i in items_of(crawl_engine, "rss")}
    assert urls["Framework for highways maintenance awarded"] == (
        "http://example.org/news/highways-framework"
    )
    pipeline = urls["Council publishes its procurement pipeline"]
    social = urls["Social value policy adopted by the cabinet"]
    assert pipeline.startswith("http://example.org/news/#entry-")
    assert social.startswith("http://example.org/news/#entry-") and social != pipeline
    register = urls["Contract register updated for the quarter"]
    assert register.startswith("http://example.org/news/#entry-")
    assert len({pipeline, social, register}) == 3
    assert "An entry with nothing to find it by" not in urls
    (atom_item,) = items_of(crawl_engine, "atom")
    # a feed without a link of its own: the entry's URL is under the feed's URL
    assert atom_item.url.startswith(atom + "#entry-") and first["atom"].new == 1

    # crawled again (the feed changed): the same entries are found by the same URLs
    http_server.add("/notices.rss", RSS.format(text="Edited text."), "application/rss+xml")
    second = crawl(crawl_settings, ["rss"])["rss"]
    assert (second.new, second.updated, second.duplicate, second.dropped) == (0, 1, 3, 1)
    assert {i.title: i.url for i in items_of(crawl_engine, "rss")} == urls
