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
