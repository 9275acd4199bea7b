"""Charts of the procurement-notice figures, drawn like the job charts (kil_feed.charts:
matplotlib Agg, inline SVG under the site's CSP): tenders and awards by week, and this
quarter's value by region. Tenders and awards differ by fill and hatching, not colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kil_feed.charts import INK, NEW, RATE, new_figure, save_figure
from kil_feed.noticemarketview import region_label
from kil_feed.storage.market_notices import NoticePeriod, NoticeSeries

NOTICE_CHARTS = ("notices", "notice-value")


def _money_axis(ax, top: float, axis: str = "x") -> None:  # type: ignore[no-untyped-def]
    scale, unit = (1e6, "m") if top >= 1e6 else (1e3, "k")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(lambda x, _pos: f"£{x / scale:,.{1 if unit == 'm' else 0}f}{unit}")


def notices_by_week(weeks: Sequence[NoticePeriod], *, fmt: str = "svg") -> bytes:
    """How many tenders and awards were published each week (bars side by side)."""
    fig, ax = new_figure(7.2, 3.0)
    xs = range(len(weeks))
    ax.bar([x - 0.2 for x in xs], [w.tenders.count for w in weeks], width=0.4, color=RATE,
           label="tenders")  # fmt: skip
    ax.bar([x + 0.2 for x in xs], [w.awards.count for w in weeks], width=0.4, color="white",
           edgecolor=NEW, hatch="xx", label="awards")  # fmt: skip
    ax.set_ylabel("notices", color=INK, fontsize=9)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xticks(list(xs), [w.period.split("-")[-1] for w in weeks])
    if len(weeks) > 8:
        for label in ax.get_xticklabels()[len(weeks) % 2 :: 2]:
            label.set_visible(False)
    return save_figure(fig, ax, "notices", fmt)


def value_by_region(by_region: Mapping[str, NoticeSeries], *, fmt: str = "svg") -> bytes:
    """This quarter's total GBP value of tenders and of awards per region (horizontal bars)."""
    names = list(by_region)
    quarter = [by_region[n].quarters[-1] for n in names]
    fig, ax = new_figure(7.2, max(2.0, 0.45 * len(names) + 1.0))
    ys = range(len(names))
    tenders = [q.tenders.value for q in quarter]
    awards = [q.awards.value for q in quarter]
    ax.barh([y - 0.2 for y in ys], tenders, height=0.4, color=RATE, label="tenders")
    ax.barh([y + 0.2 for y in ys], awards, height=0.4, color="white", edgecolor=NEW,
            hatch="xx", label="awards")  # fmt: skip
    ax.set_yticks(list(ys), [region_label(n) for n in names])
    ax.invert_yaxis()  # the first region on top, as in the table
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#d0d0d0", linewidth=0.6)
    _money_axis(ax, max([*tenders, *awards, 0.0]))
    ax.set_xlabel("value this quarter (GBP)", color=INK, fontsize=9)
    return save_figure(fig, ax, "notice-value", fmt)
