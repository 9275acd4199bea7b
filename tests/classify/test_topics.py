"""Topic rules: the bundled defaults, stemming, false positives and user files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.classify import TopicRule, TopicRulesError, load_topic_rules, topics_for


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Council to procure new waste contract", "procurement"),
        ("Services procured through a framework", "procurement"),
        ("New Procurement Act goes live", "procurement"),
        ("Invitation to tender for leisure services", "procurement"),
        ("Strategic commissioning of home care", "commissioning"),
        ("Borough brings housing repairs back in-house", "outsourcing"),
        ("The insourcing debate", "outsourcing"),
        ("Councils urged to outsource less", "outsourcing"),
        ("Measuring social-value in contracts", "social-value"),
        ("Keep it Local network grows to 50 councils", "keep-it-local"),
        ("Local authorities face funding gap", "local-government"),
        ("Borough council cabinet approves plan", "local-government"),
        ("Contract management training for councils", "contracts"),
        ("Interim Head of Procurement", "recruitment"),
        ("NHS trusts and integrated care boards", "public-health"),
        ("Homelessness rises in the capital", "housing"),
        ("Adult social care reforms delayed", "adult-social-care"),
        ("Ofsted praises children’s services", "childrens-services"),
        ("the SEND review", "childrens-services"),
        ("Cyber attack on council IT systems", "digital"),
        ("Councils warn of section 114 notices and budget gaps", "finance"),
    ],
)
def test_default_topics_find(text: str, topic: str) -> None:
    assert topic in topics_for(text)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Coins remain legal tender", "procurement"),
        ("Police and Crime Commissioner elected", "commissioning"),
        ("UN Security Council meets", "local-government"),
        ("Please send the form", "childrens-services"),
        ("It is what it is", "digital"),
        ("He was in his housecoat", "housing"),
        ("The improcurable manuscript", "procurement"),
    ],
)
def test_default_topics_avoid_false_positives(text: str, topic: str) -> None:
    assert topic not in topics_for(text)


def test_topics_in_rule_order_and_empty_text() -> None:
    rules = load_topic_rules()
    names = [r.name for r in rules]
    got = topics_for("Interim procurement lead for the council's housing service")
    assert got == sorted(got, key=names.index)
    assert {"procurement", "recruitment", "local-government", "housing"} <= set(got)
    assert topics_for("") == []


def test_default_rule_set_covers_the_niche() -> None:
    names = {r.name for r in load_topic_rules()}
    assert {
        "procurement",
        "commissioning",
        "outsourcing",
        "social-value",
        "local-government",
        "keep-it-local",
        "contracts",
        "recruitment",
        "public-health",
        "housing",
        "adult-social-care",
        "childrens-services",
        "digital",
        "finance",
    } <= names


def test_user_file_replaces_adds_and_disables(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nname = "procurement"\nkeywords = ["buying"]\n\n'
        '[[topic]]\nname = "waste"\nkeywords = ["bin*", "recycling"]\n\n'
        '[[topic]]\nname = "housing"\nenabled = false\n',
        encoding="utf-8",
    )
    rules = load_topic_rules(path)
    names = [r.name for r in rules]
    assert "waste" in names and "housing" not in names and "finance" in names
    assert topics_for("Council buying new bins", rules) == [
        "procurement",
        "local-government",
        "waste",
    ]
    assert "procurement" not in topics_for("Procurement reform", rules)
    # the defaults are untouched for other callers
    assert "procurement" in topics_for("Procurement reform")


def test_user_file_can_replace_all_defaults(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        'replace_defaults = true\n[[topic]]\nname = "only"\nkeywords = ["=SEND"]\n',
        encoding="utf-8",
    )
    rules = load_topic_rules(str(path))
    assert [r.name for r in rules] == ["only"]
    assert topics_for("SEND funding", rules) == ["only"]
    assert topics_for("send funding", rules) == []


@pytest.mark.parametrize(
    "content",
    ['[[topic]]\nname = "x"\nkeywords = []\n', "[[topic]\nname=", '[[topic]]\nkeywords = ["a"]\n'],
)
def test_bad_user_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TopicRulesError):
        load_topic_rules(path)


def test_missing_user_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TopicRulesError, match="cannot read"):
        load_topic_rules(tmp_path / "absent.toml")


def test_rule_object_can_be_built_in_code() -> None:
    rule = TopicRule(name="waste", keywords=("recycl*",), exclude=("recycling bin lorry",))
    assert topics_for("Recycling rates up", [rule]) == ["waste"]
    assert topics_for("A recycling bin lorry crashed", [rule]) == []
