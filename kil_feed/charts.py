"""Market charts drawn on the server with matplotlib (Agg backend: no display, no
browser script): SVG inlined in `/market`, PNG for email (Gmail shows no SVG).

matplotlib rather than pygal: one library gives both the SVG and the PNG (pygal needs
cairosvg for PNG), and its SVG carries no script. Its SVG styles elements with `style`
attributes, which the site's CSP (`style-src 'self'`) refuses; `_csp_safe` turns them into
the equivalent presentation attributes and drops the `<style>` element, so the page's CSP
stays as it is. Colours are dark on white (contrast above 4.5:1 for text, 3:1 for marks)
and every series also differs by marker, line style or hatching, never by colour alone.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from kil_feed.storage.market import PeriodFigures

INK = "#1a1a1a"
RATE = "#1d4f91"  # 8.4:1 on white
BAND = "#c9d9ef"
OPEN = "#4d4d4d"  # 8.5:1
NEW = "#a1420b"  # 6.4:1
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_FONT = re.compile(r"(?:(?P<style>italic|oblique|normal)\s+)?(?:(?P<weight>\d{3}|bold)\s+)?"
                   r"(?P<size>[\d.]+px)\s+(?P<family>.+)")  # fmt: skip


def new_figure(width: float, height: float, layout: str | None = "constrained"):  # type: ignore[no-untyped-def]
    """A figure and axes in the charts' style (ink, grid, no top or right spine)."""
    from matplotlib.figure import Figure  # the object API: no pyplot, no global state

    fig = Figure(figsize=(width, height), dpi=100, layout=layout)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)
    for spine in ax.spines.values():
        spine.set_color(INK)
    ax.grid(axis="y", color="#d0d0d0", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _week_labels(periods: Sequence[PeriodFigures]) -> list[str]:
    return [p.period.split("-")[-1] for p in periods]  # "W48"


def _draw_day_rates(ax, periods: Sequence[PeriodFigures]) -> None:  # type: ignore[no-untyped-def]
    xs = range(len(periods))
    median = [p.day_rate.median for p in periods]
    q1 = [p.day_rate.q1 if p.day_rate.q1 is not None else float("nan") for p in periods]
    q3 = [p.day_rate.q3 if p.day_rate.q3 is not None else float("nan") for p in periods]
    ax.fill_between(xs, q1, q3, color=BAND, hatch="///", edgecolor=RATE, linewidth=0,
                    label="middle half (IQR)")  # fmt: skip
    ax.plot(xs, [m if m is not None else float("nan") for m in median], color=RATE,
            marker="o", linewidth=2, label="median")  # fmt: skip
    ax.set_ylabel("£ a day", color=INK, fontsize=9)
    ax.yaxis.set_major_formatter("£{x:,.0f}")


def _draw_roles(ax, periods: Sequence[PeriodFigures]) -> None:  # type: ignore[no-untyped-def]
    xs = range(len(periods))
    ax.bar(xs, [p.open_roles for p in periods], color=OPEN, width=0.7, label="open")
    ax.bar(xs, [p.new_roles for p in periods], color="white", edgecolor=NEW, hatch="xx",
           width=0.45, label="new that week")  # fmt: skip
    ax.set_ylabel("roles", color=INK, fontsize=9)
    ax.yaxis.get_major_locator().set_params(integer=True)


_DRAW = {"day-rates": _draw_day_rates, "roles": _draw_roles}
CHARTS = tuple(_DRAW)


def render_chart(
    chart: str, periods: Sequence[PeriodFigures], *, fmt: str = "svg", small: bool = False
) -> bytes:
    """One chart ('day-rates' or 'roles') of weekly figures, as SVG or PNG bytes."""
    fig, ax = new_figure(*((4.8, 2.2) if small else (7.2, 3.0)))
    _DRAW[chart](ax, periods)
    ax.set_xticks(range(len(periods)), _week_labels(periods))
    if len(periods) > 8:
        for label in ax.get_xticklabels()[len(periods) % 2 :: 2]:
            label.set_visible(False)  # every other week on a crowded axis
    return save_figure(fig, ax, chart, fmt)


def save_figure(fig, ax, chart: str, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    """The figure with its legend above the plot, as SVG (ids prefixed `chart-<chart>`,
    no date: the same bytes for the same figures) or PNG."""
    import matplotlib

    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, fontsize=8, frameon=False)
    out = io.BytesIO()
    rc = {"svg.fonttype": "none", "svg.hashsalt": chart, "svg.id": f"chart-{chart}"}
    with matplotlib.rc_context(rc):
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def inline_svg(svg: bytes, label: str) -> str:
    """An SVG fit to inline in HTML under the site's CSP: no XML prolog, no `<style>`, no
    `style` attributes, named for assistive technology by `label`."""
    from markupsafe import escape

    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)
    text = _STYLE_ATTR.sub(lambda m: _attributes(m.group(1)), text)
    text = re.sub(r'\s(width|height)="[\d.]+pt"', "", text, count=2)  # scale with the page
    text = _unique_ids(text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _unique_ids(svg: str) -> str:
    """Prefix matplotlib's element ids (`figure_1`, `patch_3` ...) with the chart's own, so
    several charts on one page keep ids unique; references follow."""
    root = re.search(r'<svg[^>]*\sid="([^"]+)"', svg)
    if root is None:
        return svg
    prefix = root[1]
    names = set(re.findall(r'\sid="([^"]+)"', svg)) - {prefix}
    if not names:
        return svg
    pattern = re.compile(
        r'(\sid="|url\(#|href="#)(' + "|".join(map(re.escape, names)) + r')(?=[")])'
    )
    return pattern.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg)


def _attributes(style: str) -> str:
    """`fill: #fff; font: 9px 'DejaVu Sans'` -> ` fill="#fff" font-size="9px" ...`."""
    out = []
    for part in style.split(";"):
        name, _, value = (x.strip() for x in part.partition(":"))
        if not name or not value:
            continue
        if name == "font":
            match = _FONT.match(value)
            if not match:
                continue
            pairs = [("font-size", match["size"]), ("font-family", match["family"])]
            pairs += [("font-weight", match["weight"])] if match["weight"] else []
            pairs += [("font-style", match["style"])] if match["style"] else []
        else:
            pairs = [(name, value)]
        out += [f' {n}="{v.replace(chr(34), chr(39))}"' for n, v in pairs]
    return "".join(out)


PULSE_COLOURS = (RATE, NEW, "#2f6b2f", "#6a3d9a")  # each above 4.5:1 on white
PULSE_MARKERS = ("o", "s", "^", "D")
PULSE_SIZE = (4.8, 2.4)  # inches at 100 dpi: the <img> width and height in the email
PULSE_DPI = 200  # twice the pixels, sharp on high-density screens


def render_pulse_chart(
    weeks: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], caption: str
) -> bytes:
    """The newsletter's small PNG: the median day rate by week of each named series (the
    subscriber's regions, then the UK), each with its own marker and line style, the
    caption (how many roles over which weeks) written on the image itself."""
    import matplotlib

    fig, ax = new_figure(*PULSE_SIZE, layout=None)  # a fixed size needs no layout solver
    fig.subplots_adjust(left=0.15, right=0.98, top=0.80, bottom=0.11)
    xs = range(len(weeks))
    for n, (name, medians) in enumerate(series):
        national = n == len(series) - 1 and len(series) > 1
        ax.plot(
            xs,
            [m if m is not None else float("nan") for m in medians],
            color=OPEN if national else PULSE_COLOURS[n % len(PULSE_COLOURS)],
            marker=None if national else PULSE_MARKERS[n % len(PULSE_MARKERS)],
            linestyle="--" if national else "-",
            linewidth=1.6 if national else 2,
            markersize=4,
            label=name,
        )
    ax.set_ylabel("£ a day (median)", color=INK, fontsize=8)
    ax.yaxis.set_major_formatter("£{x:,.0f}")
    ax.set_xticks(xs, [w.split("-")[-1] for w in weeks])
    if len(weeks) > 8:
        for label in ax.get_xticklabels()[len(weeks) % 2 :: 2]:
            label.set_visible(False)
    ax.set_title(caption, color=INK, fontsize=8, loc="left")
    ax.legend(loc="best", fontsize=7, frameon=False)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "pulse"}):
        fig.savefig(out, format="png", dpi=PULSE_DPI, metadata={"Software": None})
    return out.getvalue()
