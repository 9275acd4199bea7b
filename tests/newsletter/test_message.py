"""Message assembly: header hygiene, line lengths, and that the bytes parse back intact."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

import pytest

from kil_feed.config import Settings
from kil_feed.errors import ValidationError
from kil_feed.text import one_line
from newsletter.message import (
    MessageFactory,
    Recipient,
    address_header,
    encode_header,
    fold_html,
)
from newsletter.render import PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, RenderedEmail

WHEN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_header_values_cannot_carry_new_lines() -> None:
    assert one_line("a\r\nBcc: x@y\x00z\u2028") == "a Bcc: x@y z"
    assert "\n" not in one_line("a\r\nb") and "\r" not in one_line("a\rb")
    folded = encode_header("Subject", "Café " * 40 + "\r\nBcc: evil@example.org")
    assert "\r\nBcc:" not in folded and all(
        line.startswith(" ") for line in folded.split("\r\n")[1:]
    )
    with pytest.raises(ValidationError):
        address_header("To", "x", "a@b.c\r\nBcc: d@e.f")
    with pytest.raises(ValidationError):
        address_header("To", "x", "<a@b.c>")


def test_fold_html_keeps_lines_short_and_content_equal() -> None:
    long_text = "<p>" + " ".join(["word"] * 600) + "</p>" + "<td>x</td>" * 200
    folded = fold_html(long_text)
    assert folded is not None
    assert max(len(line) for line in folded.split("\r\n")) <= 900
    assert re.sub(r"\s+", "", folded) == re.sub(r"\s+", "", long_text)  # only whitespace moved
    # text is broken at a space (which goes), markup only between tags (`><`)
    words, cell = ["word"] * 600, "<td>x</td>"
    assert folded.split("\r\n") == [
        "<p>" + " ".join(words[:179]),
        " ".join(words[179:359]),
        " ".join(words[359:539]),
        " ".join(words[539:]) + "</p>" + cell * 59,
        cell * 89,
        cell * 52,
    ]
    assert fold_html('<a href="' + "x" * 2000 + '">y</a>') is None


def test_message_round_trip(settings: Settings) -> None:
    intro = "Ünïcode £ and a long paragraph " * 100
    rendered = RenderedEmail(
        subject="Week 48: Café & £550 — news",
        preheader="pre",
        html=f'<html><body><p>{intro}</p><a href="{UNSUBSCRIBE_PLACEHOLDER}">u</a>'
        f'<a href="{PREFERENCES_PLACEHOLDER}">p</a>\n.leading dot line</body></html>',
        text=f"{intro}\nUnsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n.dot\n",
    )
    factory = MessageFactory(settings, 3)
    data, mid = factory.build(
        rendered,
        Recipient(9, "reader@example.org", 'Zoë O\'Neil, "Chief"'),
        "https://kil.example.org/unsubscribe/TOKEN",
        "https://kil.example.org/preferences/PTOKEN",
        when=WHEN,
        unsubscribe_token="TOKEN",
    )
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    text_part = data.split(b"quoted-printable\r\n\r\n", 1)[1].split(b"\r\n--==kil", 1)[0]
    assert max(len(line) for line in text_part.split(b"\r\n")) <= 76  # RFC 2045
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg["Subject"] == "Week 48: Café & £550 — news"
    assert msg["To"].addresses[0].display_name == 'Zoë O\'Neil, "Chief"'
    assert msg["To"].addresses[0].addr_spec == "reader@example.org"
    assert msg["Message-ID"] == mid and mid.endswith("@kil-feed.local>")
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert 'href="https://kil.example.org/unsubscribe/TOKEN"' in html
    assert 'href="https://kil.example.org/preferences/PTOKEN"' in html
    assert "&#220;n&#239;code &#163;" in html  # 7bit HTML: characters as references
    assert ".leading dot line" in html
    assert (
        intro.strip() in text and "Unsubscribe: https://kil.example.org/unsubscribe/TOKEN" in text
    )
    assert msg["List-Unsubscribe"] == (
        "<https://kil.example.org/unsubscribe/TOKEN>, "
        "<mailto:unsubscribe@kil-feed.local?subject=unsubscribe%20TOKEN>"
    )
