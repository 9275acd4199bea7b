"""Jobs from a listing page, a sitemap (index) and a job feed; articles without selectors."""

from __future__ import annotations

from tests.support.crawl import add_source, crawl, items_of


def _job_page(title: str, town: str, salary: str) -> str:
    return f"""<html><head><title>{title}</title></head><body>
<div itemscope itemtype="https://schema.org/JobPosting">
  <h1 itemprop="title">{title}</h1>
  <span itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
    <span itemprop="name">{town} Council</span></span>
  <div itemprop="jobLocation" itemscope itemtype="https://schema.org/Place">
    <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
      <span itemprop="addressLocality">{town}</span></div></div>
  <div itemprop="description"><p>Interim contract, {salary}, inside IR35.</p></div>
  <meta itemprop="datePosted" content="2026-11-02">
  <meta itemprop="validThrough" content="2026-12-01">
</div></body></html>"""


ARTICLE = """<html><head><meta property="og:title" content="{title}">
<meta property="og:description" content="Councils across Wales review commissioning.">
<meta property="article:published_time" content="2026-11-20T10:00:00Z"></head>
<body><nav><a href="/about">About</a></nav><article><p>Body of {title}.</p></article></body></html>"""


def test_jobs_and_pages_sources(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    jobs = {
        "/jobs/1001-interim-procurement-lead": ("Interim Procurement Lead", "Cardiff", "£550 per day"),
        "/jobs/1002-category-manager": ("Category Manager", "Leeds", "£45 per hour"),
        "/jobs/1003-commissioning-officer": ("Commissioning Officer", "Norwich", "£600-£650/day"),
    }
    urls = {path: http_server.add(path, _job_page(*job)) for path, job in jobs.items()}
    links = "".join(f'<a href="{p}">{j[0]}</a>' for p, j in jobs.items())
    listing = http_server.add("/jobs/", f'<html><body><a href="/about">x</a>{links}</body></html>')
    add_source(crawl_engine, "listing", listing, kind="jobs", options={"follow_pattern": "/jobs/1"})
    child = http_server.add(
        "/sitemap-jobs.xml",
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{u}</loc></url>" for u in list(urls.values())[:2])
        + "</urlset>",
        "application/xml",
    )
    index = http_server.add(
        "/sitemap.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{child}</loc></sitemap></sitemapindex>",
        "application/xml",
    )
    add_source(crawl_engine, "sitemap", index, kind="jobs")
    articles = {
        "/news/2026/11/councils-review-commissioning": "Councils review commissioning",
        "/news/2026/11/wales-social-value-report": "Wales social value report",
    }
    for path, title in articles.items():
        http_server.add(path, ARTICLE.format(title=title))
    news = http_server.add(
        "/news/",
        "<html><body><a href='/about'>About</a><a href='/tag/x'>tag</a>"
        + "".join(f"<a href='{p}'>{t}</a>" for p, t in articles.items())
        + "</body></html>",
    )
    add_source(crawl_engine, "news", news, kind="page", regions=["Wales"])

    summaries = crawl(crawl_settings)

    assert summaries["listing"].new == 3 and summaries["listing"].error is None
    assert summaries["sitemap"].new == 2
    assert summaries["news"].new == 2
    by_title = {j.title: j for j in items_of(crawl_engine, "listing")}
    lead = by_title["Interim Procurement Lead"]
    assert (lead.kind, lead.employer, lead.location) == ("job", "Cardiff Council", "Cardiff")
    assert (lead.pay_min, lead.pay_period, lead.contract_type, lead.ir35) == (
        550, "day", "interim", "inside"
    )
    assert lead.regions == ["Wales"] and lead.closes_at is not None
    assert by_title["Category Manager"].pay_period == "hour"
    assert by_title["Commissioning Officer"].pay_max == 650
    # the same job from two sources (listing and sitemap) joins one cluster
    sitemap_jobs = {j.title: j for j in items_of(crawl_engine, "sitemap")}
    assert sitemap_jobs["Interim Procurement Lead"].cluster_id == lead.cluster_id is not None
    stories = items_of(crawl_engine, "news")
    assert {s.title for s in stories} == set(articles.values())
    assert all(s.regions == ["Wales"] and not s.date_estimated for s in stories)
