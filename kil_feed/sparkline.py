"""The small trend lines on a region's jobs page: new roles per week and the median day rate
per week over the last weeks, drawn like the market charts (kil_feed.charts: matplotlib,
inline SVG under the site's CSP), each named by a sentence that gives its values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kil_feed.charts import NEW, RATE, inline_svg, new_figure, save_figure
from kil_feed.marketview import pay_text
from kil_feed.money import amount as pounds
from kil_feed.storage.market import MarketFigures, PeriodFigures

SPARK_WEEKS = 12


@dataclass(frozen=True)
class Sparkline:
    """One trend line: its inline SVG named by `text`, the sentence giving its values, and a
    short visible `caption`."""

    name: str
    svg: str
    text: str
    caption: str


def _spark(name: str, values: Sequence[float | None], colour: str) -> bytes:
    fig, ax = new_figure(2.4, 0.55)
    ax.set_axis_off()
    ys = [float("nan") if v is None else v for v in values]
    ax.plot(range(len(ys)), ys, color=colour, linewidth=1.6)
    last = next((i for i in range(len(ys) - 1, -1, -1) if values[i] is not None), None)
    if last is not None:
        ax.plot([last], [ys[last]], marker="o", markersize=3.5, color=colour)
    ax.margins(x=0.03, y=0.2)
    return save_figure(fig, ax, name, "svg")


def _span(weeks: Sequence[PeriodFigures]) -> str:
    return f"{weeks[0].period} to {weeks[-1].period}"


def region_sparklines(region: str, figs: MarketFigures) -> list[Sparkline]:
    """New roles per week, and the median day rate of the weeks with enough roles."""
    weeks = figs.weeks
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
        Sparkline("spark-new", inline_svg(_spark("spark-new", new, NEW), new_text), new_text,
                  f"New roles per week: {sum(new)} in {len(weeks)} weeks"),
        Sparkline("spark-rate", inline_svg(_spark("spark-rate", rates, RATE), rate_text),
                  rate_text, f"Median day rate: {rate_caption}"),
    ]  # fmt: skip
