"""`kil market --notices`: tenders and awards (count, GBP value) per ISO week and quarter, by
region and buyer type, and this quarter's top buyers (the same figures as `/market`)."""

from __future__ import annotations

from datetime import date

from kil_feed.cli.context import state
from kil_feed.cli.output import console, print_json, print_table


def print_notice_figures(region: str | None, today: date | None, weeks: int, as_json: bool) -> None:
    from kil_feed.db import read_session
    from kil_feed.money import amount as pounds
    from kil_feed.noticemarketview import (
        RULES,
        buyer_type_label,
        notice_figures_json,
        period_sentence,
        region_label,
    )
    from kil_feed.storage.market_notices import NoticePeriod, notice_figures

    st = state()
    with read_session(st.engine) as session:
        figs = notice_figures(
            session=session, region=region, weeks=weeks, today=today, tz=st.settings.timezone
        )
    if as_json:
        print_json(notice_figures_json(figs))
        return

    def row(name: str, p: NoticePeriod, head: str = "period") -> dict[str, object]:
        return {
            head: name,
            "tenders": p.tenders.count,
            "tender £": pounds(p.tenders.value) if p.tenders.valued else "",
            "not GBP": p.tenders.not_gbp,
            "awards": p.awards.count,
            "award £": pounds(p.awards.value) if p.awards.valued else "",
            "not GBP ": p.awards.not_gbp,
        }

    columns = list(row("", figs.weeks[0]))[1:]
    rows = [row(p.period, p) for p in [*figs.weeks, *figs.quarters]]
    print_table(
        rows, ["period", *columns], title=f"{region or 'Every region'} · procurement notices"
    )
    quarter = figs.quarters[-1].period
    regions = [row(region_label(n), s.quarters[-1], "region") for n, s in figs.by_region.items()]
    print_table(regions, ["region", *columns], title=f"By region, {quarter}", empty="no notices")
    kinds = [
        row(buyer_type_label(k), s.quarters[-1], "buyer type")
        for k, s in figs.by_buyer_type.items()
    ]
    print_table(
        kinds, ["buyer type", *columns], title=f"By buyer type, {quarter}", empty="no notices"
    )
    buyers = [
        {"buyer": b.name, "type": buyer_type_label(b.buyer_type), "value": pounds(b.value),
         "notices": b.notices, "tenders": b.tenders, "awards": b.awards}
        for b in figs.top_buyers
    ]  # fmt: skip
    print_table(buyers, ["buyer", "type", "value", "notices", "tenders", "awards"],
                title=f"Top buyers by value, {quarter}", empty="no notices")  # fmt: skip
    console.print(RULES)
    console.print(period_sentence(region, figs.quarters[-1]))
