"""The small trend lines on a region's jobs page: new roles per week and the median day rate
per week over the last weeks, each named by a sentence that gives its values.

A line of a dozen points is drawn here as an SVG path rather than with matplotlib (as the
market charts are): matplotlib takes some 65 ms a line, a listing page must answer in a few.
Like the charts it carries no script and no `style` (presentation attributes only), so the
site's CSP stays as it is; colours are the charts' (kil_feed.charts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

from kil_feed.charts import NEW, RATE
from kil_feed.marketview import pay_text
from kil_feed.money import amount as pounds
from kil_feed.storage.market import PeriodFigures

SPARK_WEEKS = 12
WIDTH, HEIGHT, PAD = 120.0, 28.0, 3.0


@dataclass(frozen=True)
class Sparkline:
    """One trend line: its inline SVG named by `text`, the sentence giving its values, and a
    short visible `caption`."""

    name: str
    svg: str
    text: str
    caption: str


def sparkline_svg(name: str, values: Sequence[float | None], colour: str, label: str) -> str:
    """A line through `values` (None leaves a gap), a dot on the last known one."""
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        y = HEIGHT / 2 if high == low else HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD)
        return round(PAD + i * step, 1), round(y, 1)

    path, pen_down, last = [], False, None
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        x, y = point(i, v)
        path.append(f"{'L' if pen_down else 'M'}{x} {y}")
        pen_down, last = True, (x, y)
    parts = [
        f'<svg role="img" aria-label="{escape(label)}" id="chart-{name}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}">',
        f'<rect width="{WIDTH:g}" height="{HEIGHT:g}" fill="#ffffff"/>',
    ]
    if path:
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="1.6" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    if last:
        parts.append(f'<circle cx="{last[0]}" cy="{last[1]}" r="2.2" fill="{colour}"/>')
    return "".join(parts) + "</svg>"


def _span(weeks: Sequence[PeriodFigures]) -> str:
    return f"{weeks[0].period} to {weeks[-1].period}"


def region_sparklines(region: str, weeks: Sequence[PeriodFigures]) -> list[Sparkline]:
    """New roles per week, and the median day rate of the weeks with enough roles."""
    new = [w.new_roles for w in weeks]
    new_text = (
        f"New roles in {region} per week, {_span(weeks)}: {', '.join(map(str, new))}; "
        f"{sum(new)} in all."
    )
    rates = [w.day_rate.median for w in weeks]
    known = [(w.period, r) for w, r in zip(weeks, rates, strict=True) if r is not None]
    if known:
        listed = ", ".join(f"{p.split('-')[-1]} {pounds(r)}" for p, r in known)
        rate_text = (
            f"Median interim day rate in {region} by week, {_span(weeks)} (weeks resting on at "
            f"least 5 roles): {listed}. This week: {pay_text(weeks[-1].day_rate)}."
        )
    else:
        rate_text = (
            f"Median interim day rate in {region}, {_span(weeks)}: not enough data in any week."
        )
    now = weeks[-1].day_rate
    rate_caption = f"this week {pounds(now.median)}" if now.enough else "this week: too few roles"
    return [
        Sparkline("spark-new", sparkline_svg("spark-new", new, NEW, new_text), new_text,
                  f"New roles per week: {sum(new)} in {len(weeks)} weeks"),
        Sparkline("spark-rate", sparkline_svg("spark-rate", rates, RATE, rate_text), rate_text,
                  f"Median day rate: {rate_caption}"),
    ]  # fmt: skip
