"""Tables stay one line a row when piped (#13 point 12); `items show` hides empty fields."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from kil_feed.cli.output import fit_widths
from tests.support.editorial import add_item, add_source

TITLE = (
    "Interim Head of Procurement and Commercial Services - Adult Social Care "
    "Transformation Programme (Outside IR35, hybrid, three days a week in Manchester)"
)


def test_fit_widths_keeps_short_columns_and_gives_the_title_most() -> None:
    natural = [5, 4, 7, 16, 40, 150, 36]
    widths = fit_widths(natural, 80 - 3 * 7 - 1, main=5)
    assert sum(widths) <= 80 - 3 * 7 - 1
    assert widths[:4] == [5, 4, 7, 16]  # id, kind, status, date: whole
    assert widths[5] == max(widths[4:])  # the title takes the widest share
    assert fit_widths([3, 10], 100) == [3, 10]  # room enough: untouched


def test_fit_widths_never_below_three_cells() -> None:
    assert min(fit_widths([30, 30, 30], 6)) == 3


@pytest.mark.parametrize("columns", [80, 120])
def test_piped_items_list_is_one_line_a_row(cli, engine, monkeypatch, columns) -> None:  # type: ignore[no-untyped-def]
    """The source's name stays whole (it is typed back: `--source NAME`); the titles are
    cut to fit. At 80 columns, piped, the demo's rows read `│ demo-c… │` for every source."""
    monkeypatch.setenv("COLUMNS", str(columns))
    name = "greater-manchester-jobs"
    source = add_source(engine, name, kind="job")
    for n in range(3):
        add_item(engine, source, f"{TITLE} #{n}", kind="job", age_hours=n + 1,
                 regions=["North West", "Yorkshire and The Humber"])  # fmt: skip
    out = cli("items", "list").output
    lines = out.splitlines()
    rows = [line for line in lines if "Interim" in line]
    assert len(rows) == 3  # one line each, not a title wrapped over five
    # at 120 all fits; at 80 the whole name and the short columns (53 cells) leave the
    # titles and regions a third of the room (19 cells) between them: a row is 94 cells
    assert all(cell_len(line) <= max(columns, 94) for line in lines)
    assert all("…" in row for row in rows)
    assert all(f"│ {name} │" in row for row in rows)
    full = json.loads(cli("items", "list", "--json").output)
    assert sorted(i["title"] for i in full) == [f"{TITLE} #{n}" for n in range(3)]


def test_items_show_hides_empty_fields_unless_all(cli, engine) -> None:  # type: ignore[no-untyped-def]
    source = add_source(engine, "News", kind="feed")
    item_id = add_item(engine, source, "Council brings waste services back in house")
    short = cli("items", "show", str(item_id)).output
    keys = {line.split(":", 1)[0] for line in short.splitlines() if ":" in line}
    assert {"title", "url", "status"} <= keys and "author" not in keys
    every = cli("items", "show", str(item_id), "--all").output
    every_keys = {line.split(":", 1)[0] for line in every.splitlines() if ":" in line}
    assert "author" in every_keys and keys < every_keys
    assert all(line.split(":", 1)[1].strip() for line in short.splitlines() if ":" in line)


def test_fit_widths_keeps_identifiers_whole() -> None:
    natural = [23, 8, 7, 6, 4, 80, 14]  # section, position, item id, pinned, kind, title, source
    widths = fit_widths(natural, 80 - 3 * 7 - 1, main=5, keep=[0])
    assert widths == [23, 8, 7, 6, 4, 58 // 3, 14]  # all whole but the title: a third of 58
    assert fit_widths([23, 8, 80], 58, main=2, keep=[0]) == [23, 8, 27]  # room enough: fits
    # an identifier wider than the room stays whole (a cut name cannot be typed back), and
    # the free text keeps a third of the room
    assert fit_widths([40, 5, 200], 30, keep=[0]) == [40, 5, 10]


def test_piped_sources_list_keeps_names_and_urls_whole(cli, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 80 columns, piped, it printed `│ a … │ a … │ ... │ ht… │`: no name or URL could
    be grepped, copied or typed back into `kil sources show`."""
    monkeypatch.setenv("COLUMNS", "80")
    name = "barnsley-metropolitan-borough-council-procurement-news"
    url = "https://www.barnsley.gov.uk/services/business-and-investment/procurement/news/rss/"
    cli("sources", "add", name, url)
    cli("sources", "add", "apse-news", "https://www.apse.org.uk/news", "--kind", "page")
    rows = [line for line in cli("sources", "list").stdout.splitlines() if "│" in line]
    assert len(rows) == 2  # one line per source, none wrapped
    assert any(f"│ {name} " in row and f"│ {url} " in row for row in rows)
    assert any("│ apse-news " in row and "│ https://www.apse.org.uk/news " in row for row in rows)
