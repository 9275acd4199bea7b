"""Benchmark: rendering an issue's "Market pulse" section for 10,000 subscribers.

Sets up a fresh SQLite database in a temporary folder with the demo job board's half
year of adverts (`kil_feed.demo.market`, about 380 roles over 26 weeks in 12 regions),
an issue of news and jobs, and N confirmed subscribers whose regions spread as a real
list's do: most choose one region (weighted by the size of its market), some two or
three, some none, over four topic sets. Then measures, in the same run:

- baseline: every subscriber's email (render per distinct audience, then each one's
  links filled in) WITHOUT the market section;
- with the section as a send does it: the same, with the market figures worked out and
  the chart drawn once per distinct region set, each snapshot stored in the database;
- per subscriber (what it avoids): the figures and chart worked out afresh for each of
  `--sample` subscribers, extrapolated to N.

Prints the counts (audiences, region sets, charts drawn) and the times.
Run: `.venv/bin/python bench/market_render.py [--subscribers 10000] [--sample 100]`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOPIC_SETS: list[list[str]] = [[], [], ["social-value"], ["procurement-reform", "insourcing"]]


def setup(subscribers: int, seed: int) -> tuple[object, object, int]:
    """(engine, settings, issue id) of a fresh database with the adverts and subscribers."""
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, write_session
    from kil_feed.demo.market import PLACES, adverts
    from kil_feed.migrate import upgrade
    from kil_feed.models import Item, Subscriber
    from kil_feed.storage.items import save_item
    from kil_feed.storage.sources import upsert_source
    from kil_feed.timeutil import utcnow
    from newsletter.build import build_issue
    from newsletter.edit import approve_issue

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    now = utcnow()
    per = {"DAY": "day", "HOUR": "hour", "YEAR": "year"}
    with write_session(engine) as s:
        jobs, _ = upsert_source(
            "Bench Jobs", session=s, url="https://jobs.example.org", kind="jobs"
        )
        news, _ = upsert_source("Bench News", session=s, url="https://news.example.org/feed")
        for advert in adverts():
            posted = now - timedelta(days=advert.days_ago)
            save_item(
                Item(
                    source_id=jobs.id,  # type: ignore[arg-type]
                    kind="job",
                    url=f"https://jobs.example.org/{advert.ref}",
                    title=advert.title,
                    summary=advert.summary,
                    employer=advert.employer,
                    location=advert.locality,
                    regions=[advert.region],
                    pay_min=advert.pay[0],
                    pay_max=advert.pay[1],
                    pay_period=per[advert.unit],
                    pay_currency="GBP",
                    contract_type="contract" if advert.employment == "CONTRACTOR" else "permanent",
                    ir35=advert.ir35.split()[0].lower() if advert.ir35 else None,
                    status="approved",
                    published_at=posted,
                    collected_at=posted,
                    closes_at=posted + timedelta(days=advert.open_days),
                ),
                session=s,
            )
        for n in range(12):
            save_item(
                Item(
                    source_id=news.id,  # type: ignore[arg-type]
                    url=f"https://news.example.org/story-{n}",
                    title=f"Council procurement story number {n}: what changes for buyers",
                    summary="A summary of a procurement story, long enough to look real. " * 4,
                    topics=[["procurement-reform", "insourcing", "social-value"][n % 3]],
                    status="approved",
                    published_at=now - timedelta(hours=n + 2),
                    collected_at=now - timedelta(hours=n + 1),
                ),
                session=s,
            )
        weights: dict[str, float] = {}
        for _, region, _, rate in PLACES:
            weights[region] = weights.get(region, 0) + rate
        names, sizes = list(weights), list(weights.values())
        rng = random.Random(seed)
        for i in range(subscribers):
            roll = rng.random()
            how_many = 0 if roll < 0.15 else 1 if roll < 0.75 else 2 if roll < 0.95 else 3
            chosen = set()
            while len(chosen) < how_many:
                chosen.add(rng.choices(names, sizes)[0])
            s.add(
                Subscriber(
                    email=f"reader{i:05d}@example.org",
                    status="confirmed",
                    regions=sorted(chosen),
                    topics=TOPIC_SETS[i % len(TOPIC_SETS)],
                )
            )
    issue = build_issue(engine, settings)
    assert issue is not None and issue.id is not None
    approve_issue(engine, issue.id, settings=settings)
    return engine, settings, issue.id


class Clock:
    """Wall and CPU seconds of a block: the machine is shared, CPU time is the steadier."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:8.2f} s wall {self.cpu:8.2f} s CPU"


def render_all(renderer: object, audiences: list[object]) -> None:
    """Render and personalise every subscriber's email."""
    for n, audience in enumerate(audiences):
        rendered = renderer.render(audience)  # type: ignore[attr-defined]
        rendered.personalise(f"https://x.example/u/{n}", f"https://x.example/p/{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=100, help="subscribers timed one by one")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kil-bench-market-") as tmp:
        for key in [k for k in os.environ if k.startswith("KIL_")]:
            del os.environ[key]
        os.environ["KIL_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        os.environ["KIL_BASE_URL"] = "https://news.example.org"
        os.environ["KIL_SECRET_KEY"] = "x" * 40
        started = time.perf_counter()
        engine, settings, issue_id = setup(args.subscribers, args.seed)
        setup_s = time.perf_counter() - started

        from kil_feed.db import read_session
        from kil_feed.storage.subscribers import list_subscribers
        from newsletter.content import load_issue_content
        from newsletter.pulse import IssuePulses
        from newsletter.render import Audience, Renderer

        with read_session(engine) as s:  # type: ignore[arg-type]
            subs = list_subscribers(session=s, status="confirmed")
        audiences = [Audience.of(sub.regions, sub.topics) for sub in subs]
        region_sets = {a.regions for a in audiences}
        content = load_issue_content(engine, issue_id)  # type: ignore[arg-type]

        with Clock() as baseline:
            render_all(Renderer(settings, content), audiences)  # type: ignore[arg-type]
        sample = audiences[: args.sample]
        with Clock() as each:
            for audience in sample:  # afresh for each (nothing stored yet)
                IssuePulses(engine, settings, issue_id, content.week).for_regions(audience.regions)  # type: ignore[arg-type]
        pulses = IssuePulses(engine, settings, issue_id, content.week, keep=True)  # type: ignore[arg-type]
        renderer = Renderer(settings, content, pulses)  # type: ignore[arg-type]
        with Clock() as with_pulse:
            renderer.prepare(audiences)  # as a send does: every region set, stored at once
            render_all(renderer, audiences)
        scale = len(audiences) / len(sample)
        market_wall, market_cpu = with_pulse.wall - baseline.wall, with_pulse.cpu - baseline.cpu
        sets = len(region_sets)

        print(f"subscribers                      {len(audiences):>8,}")
        print(f"distinct audiences (renders)     {renderer.renders:>8,}")
        print(f"distinct region sets             {sets:>8,}")
        print(f"market pulses worked out/charts  {pulses.computed:>8,}  (regions read: "
              f"{pulses.regions_read})")  # fmt: skip
        print(f"setup (adverts, subscribers)     {setup_s:>8.2f} s")
        print(f"baseline: all emails, no market  {baseline}")
        print(f"all emails with market pulse     {with_pulse}")
        print(f"  of which the market section    {market_wall:8.2f} s wall {market_cpu:8.2f} s CPU"
              f"  ({market_cpu / sets * 1000:.0f} ms CPU per region set)")  # fmt: skip
        print(f"per subscriber instead (est.)    {each.wall * scale:8.2f} s wall "
              f"{each.cpu * scale:8.2f} s CPU  (on {len(sample)}, x{scale:.0f})")  # fmt: skip
        print(f"once per region set: {each.cpu * scale / max(market_cpu, 1e-9):.0f}x less CPU "
              f"than once per subscriber")  # fmt: skip
        engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
