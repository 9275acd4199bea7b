"""The newsletter's "Market pulse": a sentence per chosen region and one for the UK, and a
small PNG chart of the median day rate by week, served from the web archive.

Worked out once per distinct region set (the figures once per region), never once per
subscriber: 10,000 subscribers in 40 region sets cost 40 charts. A real send stores what
each region set's email said (`kil_feed.storage.snapshots`) the first time it is needed
and reads it back ever after, so a sent issue's figures never change, whatever adverts
for its week arrive later; the chart URL serves the stored PNG. Previews and test copies
of an issue not yet sent compute the figures live and store nothing.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.charts import render_pulse_chart
from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.marketview import pounds, pulse_sentence
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage.market import MarketFigures, market_figures, market_roles, period_figures
from kil_feed.storage.snapshots import find_snapshot, issue_snapshots, keep_snapshot
from kil_feed.timeutil import local_today
from kil_feed.web.filters import slugify

logger = logging.getLogger(__name__)

UK_KEY = "uk"
UK = "UK"
MAX_CHART_REGIONS = 3  # more lines than this (plus the UK's) no longer read at a glance
_BY_SLUG = {slugify(r): r for r in ITL1_REGIONS}


def region_key(regions: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """`uk` for no region, else the regions' slugs in order joined by `+`."""
    return "+".join(sorted(slugify(r) for r in regions)) or UK_KEY


def key_regions(key: str) -> tuple[str, ...]:
    """The regions of a region key (the chart URL's), or a ValidationError."""
    if key == UK_KEY:
        return ()
    slugs = key.split("+")
    regions = tuple(_BY_SLUG.get(s, "") for s in slugs)
    if not all(regions) or len(set(regions)) != len(regions) or region_key(regions) != key:
        raise ValidationError(f"not a region set: {key[:80]!r}", hint="e.g. london+north-west")
    return regions


def issue_last_day(week: str, today: date | None = None, tz: str = "Europe/London") -> date:
    """The last day a week's figures run to: its Sunday, or today (in `tz`) for the week
    in progress."""
    year, number = week.split("-W")
    sunday = date.fromisocalendar(int(year), int(number), 7)
    return min(sunday, today or local_today(tz))


def chart_path(issue_id: int, key: str) -> str:
    return f"/issues/{issue_id}/market/{key}.png"


@dataclass(frozen=True)
class Pulse:
    """One region set's market pulse as the email and the web show it."""

    key: str
    lines: tuple[str, ...]  # the sentences (what images-off readers get)
    caption: str  # the chart's own words: what it rests on, over which weeks
    alt: str
    chart_url: str  # absolute, on the public base URL (the email's)
    chart_path: str  # the same on this site (the web archive's)
    market_url: str

    @classmethod
    def of(cls, settings: Settings, issue_id: int, key: str, figures: dict[str, Any]) -> Pulse:
        base = settings.base_url.rstrip("/")
        regions = key_regions(key)
        market = f"{base}/market" + (f"?region={slugify(regions[0])}" if len(regions) == 1 else "")
        return cls(
            key=key,
            lines=tuple(figures["lines"]),
            caption=figures["caption"],
            alt=figures["alt"],
            chart_url=base + chart_path(issue_id, key),
            chart_path=chart_path(issue_id, key),
            market_url=market,
        )


@dataclass(frozen=True)
class _Region:
    figures: MarketFigures
    span_roles: int  # distinct roles with a day rate open in the chart's weeks


class IssuePulses:
    """The market pulse of one issue, per region set (see the module docstring).

    `keep`: a real send, which stores each region set's snapshot; otherwise stored ones
    are read (a preview of a sent issue shows what was sent) and the rest computed live.
    Not thread-safe on its own: the renderer calls it under its lock.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        issue_id: int,
        week: str,
        *,
        keep: bool = False,
        today: date | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.issue_id = issue_id
        self.tz = settings.timezone
        self.last_day = issue_last_day(week, today, self.tz)
        self.keep = keep
        self._pulses: dict[str, tuple[Pulse | None, bytes]] = {}
        self._regions: dict[str | None, _Region] = {}
        self.computed = 0  # region sets worked out here (not read back from a snapshot)

    @property
    def regions_read(self) -> int:
        """Regions whose figures were read (the UK counts as one)."""
        return len(self._regions)

    def for_regions(self, regions: frozenset[str]) -> Pulse | None:
        """The pulse of this region set; None when there are no job adverts to speak of."""
        return self.entry(region_key(regions))[0]

    def entry(self, key: str) -> tuple[Pulse | None, bytes]:
        """(pulse, PNG) of a region key, worked out or read once."""
        if key not in self._pulses:
            if self.keep and key != UK_KEY:
                self.entry(UK_KEY)  # the web archive's national view is stored too
            self._pulses[key] = self._load(key)
        return self._pulses[key]

    def prepare(self, region_sets: Iterable[frozenset[str]]) -> None:
        """Work out every region set not known yet, up front: those stored are read in one
        query and a send stores the new ones in one transaction (not one per set)."""
        keys = {region_key(r) for r in region_sets} | ({UK_KEY} if self.keep else set())
        keys -= set(self._pulses)
        if not keys:
            return
        with read_session(self.engine) as session:
            stored = issue_snapshots(self.issue_id, session=session)
        fresh = {key: self._compute(key) for key in sorted(keys - set(stored))}
        if fresh and self.keep:
            with write_session(self.engine) as session:
                for key, (figures, png) in fresh.items():
                    stored[key] = keep_snapshot(self.issue_id, key, figures, png, session=session)
            logger.info("market snapshots issue=%s region_sets=%d", self.issue_id, len(fresh))
        for key in keys:
            if key in stored:
                self._pulses[key] = (self._pulse(key, stored[key].figures), stored[key].png)
            else:
                figures, png = fresh[key]
                self._pulses[key] = (self._pulse(key, figures), png)

    def _load(self, key: str) -> tuple[Pulse | None, bytes]:
        with read_session(self.engine) as session:
            stored = find_snapshot(self.issue_id, key, session=session)
        if stored is None:
            figures, png = self._compute(key)
            if not self.keep:
                return self._pulse(key, figures), png
            with write_session(self.engine) as session:
                stored = keep_snapshot(self.issue_id, key, figures, png, session=session)
            logger.info("market snapshot issue=%s regions=%s", self.issue_id, key)
        return self._pulse(key, stored.figures), stored.png

    def _compute(self, key: str) -> tuple[dict[str, Any], bytes]:
        figures = self.figures(key_regions(key))
        self.computed += 1
        return figures, render_pulse_chart(**self._chart(figures)) if figures["lines"] else b""

    def _pulse(self, key: str, figures: dict[str, Any]) -> Pulse | None:
        if not figures.get("lines"):
            return None
        return Pulse.of(self.settings, self.issue_id, key, figures)

    @staticmethod
    def _chart(figures: dict[str, Any]) -> dict[str, Any]:
        return {
            "weeks": figures["weeks"],
            "series": [(s["name"], s["median"]) for s in figures["series"]],
            "caption": figures["caption"],
        }

    def _region(self, region: str | None) -> _Region:
        """One region's figures (None: the UK), read once however many sets include it."""
        if region not in self._regions:
            with read_session(self.engine) as session:
                figs = market_figures(
                    session=session, region=region, today=self.last_day, tz=self.tz
                )
                start, end = figs.weeks[0].start, figs.weeks[-1].end
                roles = market_roles(
                    session=session, since=start, until=end, region=region, tz=self.tz
                )
            span = period_figures(roles, "span", start, end).day_rate.count
            self._regions[region] = _Region(figs, span)
        return self._regions[region]

    def figures(self, regions: tuple[str, ...]) -> dict[str, Any]:
        """What the email says for these regions, as stored in a snapshot (plain JSON)."""
        uk = self._region(None)
        weeks = [w.period for w in uk.figures.weeks]
        if not uk.figures.roles:  # no adverts at all: no section (and it stays so)
            return {"lines": [], "weeks": weeks, "series": [], "caption": "", "alt": ""}
        lines = [pulse_sentence(r, self._region(r).figures) for r in regions]
        lines.append(pulse_sentence(UK if regions else None, uk.figures))
        charted = sorted(regions, key=lambda r: (-self._region(r).span_roles, r))
        names = [*sorted(charted[:MAX_CHART_REGIONS]), None]
        series = []
        for name in names:
            found = self._region(name)
            series.append({
                "name": name or UK,
                "median": [w.day_rate.median for w in found.figures.weeks],
                "roles": found.span_roles,
            })  # fmt: skip
        span = f"{weeks[0]} to {weeks[-1]}"
        rests = ", ".join(f"{s['name']} {s['roles']}" for s in series)
        caption = textwrap.fill(
            f"Median interim day rate by week, {span}. Roles with a day rate: {rests}", 64
        )
        latest = "; ".join(_latest(s, weeks) for s in series)
        alt = (
            f"Line chart of the median interim day rate by week, {span} ({rests} roles). {latest}."
        )
        return {"lines": lines, "weeks": weeks, "series": series, "caption": caption, "alt": alt,
                "last_day": self.last_day.isoformat()}  # fmt: skip


def _latest(series: dict[str, Any], weeks: list[str]) -> str:
    """'North West £575 in 2026-W48', or that no week rests on enough roles."""
    for week, median in zip(reversed(weeks), reversed(series["median"]), strict=True):
        if median is not None:
            return f"{series['name']} {pounds(median)} in {week}"
    return f"{series['name']}: no week with enough roles for a figure"


def stored_pulse(
    settings: Settings, issue_id: int, key: str = UK_KEY, *, session: Session
) -> Pulse | None:
    """The pulse a sent issue's email gave this region set (the web archive's view)."""
    stored = find_snapshot(issue_id, key, session=session)
    if stored is None or not stored.figures.get("lines"):
        return None
    return Pulse.of(settings, issue_id, key, stored.figures)


def issue_pulses(
    engine: Engine, settings: Settings, issue_id: int, week: str, *, keep: bool
) -> IssuePulses | None:
    """The issue's market pulse, or None when `newsletter.market_pulse` is off."""
    if not settings.newsletter.market_pulse:
        return None
    return IssuePulses(engine, settings, issue_id, week, keep=keep)
