"""`kil rules list|test|suggest`: the curation rules in `kil.toml` (`[[rules.block]]`,
`[[rules.keep]]`, `[[rules.auto_approve]]`), which of them fire for stored items, and block
rules proposed from editors' rejections."""

from __future__ import annotations

from collections import Counter
from typing import Any

import typer

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import at_most_count, console, print_json, print_table
from kil_feed.cli.selection import SINCE_HELP, make_filter
from kil_feed.db import read_session
from kil_feed.rules import RULE_KINDS, compile_rules, decide
from kil_feed.rules_suggest import suggest as make_suggestions
from kil_feed.serialize import title_fields
from kil_feed.storage import curation
from kil_feed.storage.items import source_names

rules_app = command_group(
    help="Curation rules applied at ingest: list, test on stored items, suggest.",
    no_args_is_help=True,
)


@rules_app.command("list")
def list_rules(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the configured rules (settings that fail to validate are reported by name)."""
    settings = state().settings  # bad rules fail here, naming the rule
    compiled = compile_rules(settings.rules)
    rows: list[dict[str, Any]] = []
    for kind in RULE_KINDS:
        for rule, raw in zip(compiled[kind], getattr(settings.rules, kind), strict=True):
            conditions = {k: v for k, v in raw.items() if k not in ("name", "reason")}
            rows.append(
                {"kind": kind, "name": rule.name, "conditions": conditions, "reason": rule.reason}
            )
    if as_json:
        print_json(rows)
        return
    print_table(
        (
            {**r, "conditions": "; ".join(f"{k}={v}" for k, v in r["conditions"].items())}
            for r in rows
        ),
        ["kind", "name", "conditions", "reason"],
        title="curation rules",
        empty="no rules configured (see the README: Curation rules)",
    )


@rules_app.command("test")
def test_rules(
    source: str | None = typer.Option(None, "--source", help="Only items from this source."),
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    kind: str | None = typer.Option(None, "--kind", help="news, job or notice."),
    status: str | None = typer.Option(None, "--status", help="pending, approved, rejected, any."),
    show_all: bool = typer.Option(False, "--all", help="Also list items no rule fires for."),
    limit: int = typer.Option(
        0, "--limit", min=0, callback=at_most_count, help="At most this many rows (0: all)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Replay the rules on stored items: which rule would fire, and what it would decide."""
    st = state()
    rules = st.settings.rules
    flt = make_filter(
        kind=kind,
        status=status,
        source=source,
        since=since,
        topics=None,
        regions=None,
        tz=st.settings.timezone,
    )
    rows: list[dict[str, Any]] = []
    fired: Counter[str] = Counter()
    with read_session(st.engine) as session:
        names = source_names(session=session)
        for item in curation.select_items(flt, session=session):
            source_name = names.get(item.source_id, "?")
            decision = decide(item.model_dump(), source_name, rules)
            if decision.rule:
                fired[decision.rule] += 1
            if decision.rule or show_all:
                rows.append(
                    {
                        "id": item.id,
                        "source": source_name,
                        **title_fields(item.title),
                        "status": item.status,
                        "decision": decision.status,
                        "rule": decision.rule,
                        "reason": decision.reason,
                    }
                )
    if limit:
        rows = rows[:limit]
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        ["id", "source", "status", "decision", "rule", "title"],
        title="what the rules decide",
        empty="no rule fires for these items",
    )
    for name, count in fired.most_common():
        console.print(f"  {name}: fires for {count} item(s)", markup=False)


@rules_app.command("suggest")
def suggest(
    min_count: int = typer.Option(
        3, "--min", min=2, help="Rejections needed before a rule is proposed."
    ),
    limit: int = typer.Option(
        10, "--limit", min=1, callback=at_most_count, help="At most this many proposals."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Propose block rules from repeated rejections (same source, same words)."""
    with read_session(state().engine) as session:
        rejected = curation.editor_rejections(session=session)
        approved = curation.approved_titles(session=session)
    proposals = make_suggestions(rejected, approved, min_count=min_count, limit=limit)
    if as_json:
        print_json([p.as_dict() for p in proposals])
        return
    if not proposals:
        console.print(
            f"[dim]nothing to suggest: no source or word was rejected {min_count}+ times "
            "without also being approved[/dim]"
        )
        return
    console.print("# Proposed block rules (paste into kil.toml, then `kil rules test`):\n")
    for p in proposals:
        console.print(
            f"# {p.rejected} rejected, {p.approved} approved; e.g. {p.examples[0]!r}", markup=False
        )
        console.print(p.as_toml() + "\n", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
