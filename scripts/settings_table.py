"""Regenerate the settings table in README.md from `kil_feed.config` (run after adding one).

python scripts/settings_table.py          # print the table
python scripts/settings_table.py --write  # replace it between the README markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from kil_feed.config import iter_setting_fields, iter_setting_names, setting_limits

START, END = "<!-- settings:start -->", "<!-- settings:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _default(value: object) -> str:
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()  # type: ignore[union-attr]
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def table() -> str:
    lines = [
        "| variable | type | default | allowed | what it does |",
        "|---|---|---|---|---|",
    ]
    limits = {name: setting_limits(field) for name, field in iter_setting_fields()}
    for name, typ, default, desc in iter_setting_names():
        typ = "str" if typ.startswith("Literal") else typ.replace("|", "or")
        cells = [f"`{name}`", typ, f"`{_default(default)}`", limits[name], desc]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    text = table()
    if "--write" not in sys.argv:
        print(text)
        return
    readme = README.read_text(encoding="utf-8")
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
