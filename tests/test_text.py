"""`kil_feed.text.shorten`: the one cut of text at a word with an ellipsis, which a card's
summary, the email's preheader and a built subject's lead share (the subject had a cut of
its own, `newsletter.subject._cut_words`, with other rules)."""

from __future__ import annotations

import pytest

from kil_feed.text import plain_text, shorten
from newsletter.subject import SUBJECT_CHARS, subject_for

SENTENCE = "Councils bring waste services back in-house, saving £2m a year — and more to come"


def test_a_word_ending_exactly_at_the_limit_is_kept() -> None:
    # "alpha beta" is 10 characters: with the ellipsis, 11, the limit
    assert shorten("alpha beta gamma", 11) == "alpha beta…"
    assert shorten("alpha beta gamma", 12) == "alpha beta…"  # "alpha beta " + "…": no space kept
    assert shorten("alpha beta gamma", 10) == "alpha…"  # "beta" would not fit whole


def test_a_head_without_a_space_is_cut_in_the_word() -> None:
    assert shorten("Insourcing-and-outsourcing everywhere", 9) == "Insourci…"
    assert shorten("Supercalifragilistic", 8) == "Superca…"


def test_a_limit_smaller_than_a_word() -> None:
    assert shorten("Insourcing", 4) == "Ins…"
    assert shorten("Insourcing", 1) == "…"
    assert shorten("Insourcing", 10) == "Insourcing"  # fits: not cut
    with pytest.raises(ValueError, match="limit"):
        shorten("Insourcing", -1)


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("Budget 2026 — what it means", 15, "Budget 2026…"),
        ("Budget 2026 | what it means", 15, "Budget 2026…"),
        ("Budget 2026 · what it means", 15, "Budget 2026…"),
        ("Council saves £2m. Next year, more", 20, "Council saves £2m…"),
        ("Councils: new rules, and more", 12, "Councils…"),
        ("Wait for it… and more", 14, "Wait for it…"),  # never two ellipses
    ],
)
def test_trailing_separators_go_before_the_ellipsis(text: str, limit: int, cut: str) -> None:
    assert shorten(text, limit) == cut


def test_never_longer_than_the_limit_and_always_a_head_of_the_text() -> None:
    for limit in range(1, len(SENTENCE) + 2):
        cut = shorten(SENTENCE, limit)
        assert len(cut) <= limit
        if cut != SENTENCE:
            assert cut.endswith("…") and SENTENCE.startswith(cut[:-1])
    assert shorten(SENTENCE, None) == SENTENCE


def test_plain_text_and_the_subject_cut_as_shorten_does() -> None:
    lead = "Procurement Act goes live for councils and their suppliers across England " * 2
    subject = subject_for("{lead}", "2026-W48", lead.strip())[0]
    assert subject == shorten(lead.strip(), SUBJECT_CHARS)
    assert plain_text("<b>alpha</b> beta &amp; gamma", 11) == "alpha beta…"
