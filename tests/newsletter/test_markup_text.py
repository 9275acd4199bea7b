"""Markup in an item's title or summary, or in an issue's intro, reads the same in every part
of the email: the preheader, the HTML body, the plain-text part (and the web issue page).

One formatter (`kil_feed.text.plain_text`, nh3) makes each value plain text once; the
templates escape it. The preheader used to strip the tags of text that the body showed
escaped (`&lt;b&gt;`), so a reader saw "<b>ends</b>" under a preview line without them.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from sqlalchemy.engine import Engine

from kil_feed.timeutil import utcnow
from tests.newsletter.helpers import html_of, text_of
from tests.newsletter.world import make_world
from tests.support.validators import vnu_errors

TITLE = "Council <b>ends</b> waste deal &amp; saves <i>£2m</i>"
TITLE_TEXT = "Council ends waste deal & saves £2m"
SUMMARY = "<p>The <b>outsourcing</b> deal &amp; its <script>alert(1)</script>costs</p>"
SUMMARY_TEXT = "The outsourcing deal & its costs"
INTRO = "Hello <b>readers</b> &amp; friends.\n\nA <i>second</i> paragraph."
INTRO_TEXT = ["Hello readers & friends.", "A second paragraph."]


def _shown(html: str, css_class: str) -> list[str]:
    """What a reader sees in each element of the HTML part with this class (lxml decodes
    the entities, so an escaped tag reads as the tag)."""
    tree = lxml.html.fromstring(html)
    return [e.text_content() for e in tree.find_class(css_class)]


def _preheader(html: str) -> str:
    (text,) = _shown(html, "preheader")
    return text


def _intro(html: str) -> list[str]:
    return [p.text_content() for p in lxml.html.fromstring(html).xpath('//td[@class="intro"]/p')]


def _test_copy(cli: Any, smtp_server: Any) -> EmailMessage:
    cli("issue", "send", "1", "--to", "me@example.org")
    raw = smtp_server.messages[-1].data
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _text(msg: EmailMessage) -> str:
    return text_of(msg).replace("\r\n", "\n")


@pytest.fixture
def marked_up(
    cli: Any, engine: Engine, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, int]:
    """This week's draft whose featured lead story has markup in its title and summary."""
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    world = make_world(engine, now=utcnow())
    lead = str(world.items["insourcing"])
    cli("items", "edit", lead, "--title", TITLE, "--summary", SUMMARY)
    cli("issue", "build")
    return world.items


def test_preheader_body_and_text_show_the_same_sanitised_text(
    cli: Any, smtp_server: Any, marked_up: dict[str, int], tmp_path: Path
) -> None:
    # no intro: the preheader is the stories' titles, the lead's first
    msg = _test_copy(cli, smtp_server)
    html, text = html_of(msg), _text(msg)
    assert _preheader(html).startswith(TITLE_TEXT + " · ")
    assert _shown(html, "card-title")[0] == "FEATURED " + TITLE_TEXT
    assert _shown(html, "card-summary")[0] == SUMMARY_TEXT
    assert TITLE_TEXT in text and SUMMARY_TEXT in text
    for part in (html, text):
        assert "&lt;b&gt;" not in part and "<b>" not in part and "alert" not in part
    # the subject a build gives is the lead's title as the card shows it
    assert msg["Subject"].endswith(TITLE_TEXT)

    cli("issue", "edit", "1", "--intro", INTRO)
    msg = _test_copy(cli, smtp_server)
    html, text = html_of(msg), _text(msg)
    assert _preheader(html) == " ".join(INTRO_TEXT)
    assert _intro(html) == INTRO_TEXT
    for paragraph in INTRO_TEXT:
        assert f"\n{paragraph}\n" in text
    for part in (html, text):
        assert "&lt;b&gt;" not in part and "<b>" not in part and "&amp;amp;" not in part

    (tmp_path / "email.html").write_text(html, encoding="utf-8")
    errors = vnu_errors(tmp_path / "email.html")
    assert errors == [], "\n".join(errors)


def test_text_that_only_looks_like_markup_is_kept_once_decoded(
    cli: Any, smtp_server: Any, marked_up: dict[str, int]
) -> None:
    """An escaped tag in the source is text: it is decoded once and shown as such in every
    part, never decoded again by the preheader and then stripped there."""
    cli("issue", "edit", "1", "--intro", "Bids &lt;b&gt; under £25k")
    msg = _test_copy(cli, smtp_server)
    html, text = html_of(msg), _text(msg)
    assert _preheader(html) == "Bids <b> under £25k"
    assert _intro(html) == ["Bids <b> under £25k"]
    assert "Bids &lt;b&gt; under" in html  # escaped once: the reader sees "<b>"
    assert "\nBids <b> under £25k\n" in text
