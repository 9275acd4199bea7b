"""Real corpus documents as servers deliver them, through a real crawl: a job page whose
JSON-LD has a block cut short. Each case was an item lost or stored wrong."""

from __future__ import annotations

from pathlib import Path

from tests.support.crawl import add_source, crawl, items_of

NHS_POSTING = "jobs/nhsjobs_jobposting_915809751.json"


def _job_page(*scripts: bytes) -> bytes:
    """A job page carrying `scripts` as its JSON-LD blocks, in order."""
    blocks = b"".join(b'<script type="application/ld+json">' + s + b"</script>" for s in scripts)
    return b"<!DOCTYPE html><html><head><title>Job</title>" + blocks + b"</head></html>"


def test_a_cut_short_jsonld_block_hides_no_job_posting(
    corpus_dir: Path, http_server, crawl_settings, crawl_engine
) -> None:  # type: ignore[no-untyped-def]
    # NHS Jobs published this JobPosting in a <script> of its vacancy page (the corpus has
    # it as scraped); beside it, another of its postings cut short, as a truncated block is
    posting = (corpus_dir / NHS_POSTING).read_bytes()
    other = (corpus_dir / "jobs/nhsjobs_jobposting_915703330.json").read_bytes()
    page = http_server.add("/xi/vacancy/915809751", _job_page(other[:200], posting))
    add_source(crawl_engine, "nhs-page", page, kind="jobs")

    summaries = crawl(crawl_settings)

    assert summaries["nhs-page"].error is None
    (job,) = items_of(crawl_engine, "nhs-page")
    assert (job.title, job.employer, job.location) == (
        "Bank Staff Nurse RMN/RNLD", "Priory Group", "Cardiff",
    )  # fmt: skip
    assert (job.pay_min, job.pay_max, job.pay_period) == (17.69, 20.0, "hour")


def test_an_ats_feed_of_its_own_root_is_read_as_a_job_feed(
    corpus_dir: Path, http_server, crawl_settings, crawl_engine
) -> None:  # type: ignore[no-untyped-def]
    # Broadbean's export: <items><item>..., no <rss>, a prolog with escaped quotes
    feed = http_server.add_file(
        "/broadbean.xml", corpus_dir / "jobs/broadbean_feed_escaped_quotes_in_xml_decl.xml"
    )
    add_source(crawl_engine, "broadbean", feed, kind="jobs")

    summaries = crawl(crawl_settings)

    assert summaries["broadbean"].error is None
    (job,) = items_of(crawl_engine, "broadbean")
    assert (job.title, job.guid, job.url) == ("Class Teacher", "0044", "http://testurl.com/")
    assert job.closes_at is not None and job.closes_at.date().isoformat() == "2042-08-23"


def test_a_job_posting_named_but_not_titled_is_kept(
    corpus_dir: Path, http_server, crawl_settings, crawl_engine
) -> None:  # type: ignore[no-untyped-def]
    # schema.org's own JobPosting example gives `name` (every Thing's), not `title`
    name = "jobs/schemaorg_example_jobposting_telecommute_applicantLocationRequirements.txt"
    page = http_server.add_file("/telecommute", corpus_dir / name, content_type="text/html")
    add_source(crawl_engine, "schema-org", page, kind="jobs")

    summaries = crawl(crawl_settings)

    assert summaries["schema-org"].dropped == 0
    (job,) = items_of(crawl_engine, "schema-org")
    assert (job.kind, job.title, job.url) == ("job", "Telecommute from anywhere in USA!", page)

