"""Extraction time per job page, with and without the plain-advert fallback.

python bench/advert_extract.py [CORPUS_DIR] [ROUNDS]

Every HTML page of the corpus (job adverts, job listings, news articles and home pages)
goes through what the jobs spider does with a page: JobPosting markup (extruct), and, when
there is none, the plain-advert reader (trafilatura + html-text + labels). The in-run
baseline is the markup pass alone, which is all the spider did before the fallback.
Prints milliseconds per page (median and mean) for both and the cost the fallback adds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from crawler.extract.advert import advert_from_html
from crawler.extract.jobs import jobs_from_html


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def main() -> None:
    args = sys.argv[1:]
    root = Path(args[0] if args else Path(__file__).parents[2] / "shared/corpus")
    rounds = int(args[1]) if len(args) > 1 else 5
    pages = [(p, _text(p)) for p in sorted([*root.glob("jobs/*.html"), *root.glob("html/*.html")])]
    if not pages:
        raise SystemExit(f"no HTML pages under {root}")
    advert_from_html(pages[0][1], "https://example.org/")  # imports (trafilatura) out of the way
    jobs_from_html(pages[0][1], "https://example.org/")
    without: list[float] = []
    with_fallback: list[float] = []
    adverts = 0
    for _ in range(rounds):
        for path, text in pages:
            url = f"https://example.org/{path.name}"
            start = time.perf_counter()
            jobs = jobs_from_html(text, url)
            middle = time.perf_counter()
            advert = None if jobs else advert_from_html(text, url)
            end = time.perf_counter()
            without.append(middle - start)
            with_fallback.append(end - start)
            adverts += advert is not None
    n = len(pages)
    print(f"{n} HTML pages x {rounds} rounds; adverts found per round: {adverts // rounds}")
    for label, times in (("markup only (baseline)", without), ("with fallback", with_fallback)):
        print(
            f"  {label:24} median {1000 * statistics.median(times):7.1f} ms/page"
            f"  mean {1000 * statistics.mean(times):7.1f} ms/page"
        )
    extra = statistics.mean(with_fallback) - statistics.mean(without)
    print(f"  fallback adds {1000 * extra:.1f} ms/page on average")


if __name__ == "__main__":
    main()
