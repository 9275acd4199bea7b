"""Curation rules: `decide()`, validation, `kil rules list|test|suggest`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kil_feed.errors import ValidationError
from kil_feed.rules import RulesSettings, compile_rules, decide, decider
from tests.support.editorial import add_item, add_source, get

RULES = RulesSettings(
    block=[
        {"name": "no-sport", "pattern": r"\bfootball\b|\bcricket\b", "reason": "sport"},
        {"name": "no-scotland-jobs", "kind": "job", "region": "scotland"},
        {"name": "tabloid", "source": ["Daily Gossip"]},
    ],
    keep=[{"name": "kil-always", "title": "keep it local"}],
    auto_approve=[
        {
            "name": "trusted-procurement",
            "sources": ["LGC", "Public Finance"],
            "topic": "Procurement",
        },
        {"name": "any-of", "match": "any", "summary": "social value", "topic": "insourcing"},
    ],
)


@pytest.mark.parametrize(
    ("item", "source", "expected"),
    [
        ({"title": "Council football ground sold"}, "LGC", ("rejected", "no-sport", "sport")),
        ({"title": "Cricketers"}, "LGC", ("pending", None, None)),  # word boundary
        ({"title": "x", "summary": "FOOTBALL"}, "MJ", ("rejected", "no-sport", "sport")),
        (
            {"title": "Keep it Local football fund"},
            "MJ",
            ("pending", "kil-always", "kept despite block rule no-sport"),
        ),
        (
            {"title": "Interim buyer", "kind": "job", "regions": ["Scotland"]},
            "Jobs",
            ("rejected", "no-scotland-jobs", "blocked by rule no-scotland-jobs"),
        ),
        (
            {"title": "Interim buyer", "kind": "news", "regions": ["Scotland"]},
            "J",
            ("pending", None, None),
        ),
        ({"title": "Anything"}, "daily gossip", ("rejected", "tabloid", "blocked by rule tabloid")),
        (
            {"title": "Act", "topics": ["procurement"]},
            "LGC",
            ("approved", "trusted-procurement", None),
        ),
        ({"title": "Act", "topics": ["procurement"]}, "MJ", ("pending", None, None)),
        ({"title": "Act"}, "LGC", ("pending", None, None)),  # both conditions needed
        ({"title": "a", "summary": "Social Value Act"}, "MJ", ("approved", "any-of", None)),
        ({"title": "a", "topics": ["insourcing"]}, "MJ", ("approved", "any-of", None)),
    ],
)
def test_decide(item, source, expected) -> None:  # type: ignore[no-untyped-def]
    d = decide(item, source, RULES)
    assert (d.status, d.rule, d.reason) == expected
    # the recorder's form: rules compiled once per batch, the source named by its id
    assert decider(RULES, {7: source})({**item, "source_id": 7}) == expected


def test_no_rules_leave_items_pending() -> None:
    assert decide({"title": "x"}, "s", RulesSettings()).status == "pending"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"block": [{"patern": "x"}]}, "rules.block[0]: unknown key 'patern'"),
        ({"block": [{"pattern": "("}]}, "bad regular expression"),
        ({"keep": [{"name": "empty"}]}, "needs at least one condition"),
        ({"block": [{"region": "Narnia"}]}, "rules.block[0].region: unknown region 'Narnia'"),
        ({"block": [{"kind": "podcast"}]}, "unknown kind 'podcast'"),
        ({"block": [{"source": []}]}, "non-empty list"),
        ({"block": [{"source": 3}]}, "expected a string"),
        ({"block": [{"topic": "a", "topics": ["b"]}]}, "given twice"),
        (
            {"block": [{"name": "x", "topic": "a"}], "keep": [{"name": "x", "topic": "b"}]},
            "duplicate",
        ),
        ({"auto_approve": [{"topic": "a", "match": "some"}]}, "'all' or 'any'"),
    ],
)
def test_rules_are_validated(rules, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as exc_info:
        RulesSettings(**rules)
    assert message in str(exc_info.value)
    with pytest.raises(ValidationError):
        compile_rules(
            RulesSettings.model_construct(**{"block": [], "keep": [], "auto_approve": [], **rules})
        )


def test_bad_rule_in_config_is_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "kil.toml").write_text('[[rules.block]]\nname = "x"\npattern = "(unclosed"\n')
    result = cli("rules", "list", ok=False)
    assert result.exit_code == 3
    assert "bad regular expression" in result.output and "Traceback" not in result.output


TOML = """\
[[rules.block]]
name = "no-sport"
pattern = "football"
reason = "sport"

[[rules.auto_approve]]
name = "trusted"
source = "LGC"
topic = "procurement"
"""


def test_rules_list_and_test(cli, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "kil.toml").write_text(TOML)
    lgc, mj = add_source(engine, "LGC"), add_source(engine, "MJ")
    sport = add_item(engine, mj, "Football club insourced")
    trusted = add_item(engine, lgc, "New procurement rules", topics=["procurement"])
    plain = add_item(engine, mj, "Budget news")
    listed = json.loads(cli("rules", "list", "--json").output)
    assert [(r["kind"], r["name"]) for r in listed] == [
        ("block", "no-sport"),
        ("auto_approve", "trusted"),
    ]
    assert "no-sport" in cli("rules", "list").output
    rows = json.loads(cli("rules", "test", "--json").output)
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {sport, trusted}
    assert (by_id[sport]["decision"], by_id[sport]["rule"]) == ("rejected", "no-sport")
    assert (by_id[trusted]["decision"], by_id[trusted]["rule"]) == ("approved", "trusted")
    rows = json.loads(cli("rules", "test", "--all", "--source", "MJ", "--json").output)
    assert {r["id"] for r in rows} == {sport, plain}
    out = cli("rules", "test").output
    assert "no-sport: fires for 1 item" in out
    assert get(engine, sport).status == "pending"  # testing changes nothing


def test_rules_suggest_from_rejections(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    spam, lgc, mj = (
        add_source(engine, "Spammy"),
        add_source(engine, "LGC"),
        add_source(engine, "MJ"),
    )
    for n in range(4):
        add_item(engine, spam, f"Sponsored offer {n}", status="rejected", reject_reason="advert")
    for n, src in enumerate([lgc, mj, lgc]):
        add_item(engine, src, f"Premier league football result {n}", status="rejected")
    for n in range(3):
        add_item(engine, lgc, f"Webinar recording part {n}", status="rejected")
    add_item(engine, lgc, "Webinar on social value", status="approved")  # webinar is approved too
    for n in range(3):
        add_item(engine, mj, f"Awards shortlist {n}", status="rejected")
    add_item(engine, mj, "Procurement reform", status="approved")
    # rejected by a rule, not an editor: no evidence
    for n in range(5):
        add_item(engine, mj, f"Horoscope {n}", status="rejected", rule="no-horoscopes")
    data = json.loads(cli("rules", "suggest", "--json").output)
    rules = [d["rule"] for d in data]
    assert {"name": "block-spammy", "source": "Spammy", "reason": "advert"} in rules
    assert any(r.get("pattern") == r"\bfootball\b" and "source" not in r for r in rules)
    assert any(r.get("pattern") == r"\bawards\b" and r.get("source") == "MJ" for r in rules)
    assert not any("webinar" in r.get("pattern", "") for r in rules)
    assert not any("horoscope" in r.get("pattern", "") for r in rules)
    assert not any(r.get("source") == "Spammy" and "pattern" in r for r in rules)
    # every proposal is a valid rule
    compile_rules(RulesSettings(block=rules))
    text = cli("rules", "suggest").output
    assert "[[rules.block]]" in text and 'source = "Spammy"' in text
    assert "nothing to suggest" in cli("rules", "suggest", "--min", "9").output
