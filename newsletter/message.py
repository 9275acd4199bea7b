"""Assemble the bytes of one subscriber's email: headers, multipart/alternative, DKIM.

Built by hand from pre-encoded pieces rather than through `email.message` because it runs
once per subscriber: headers that are the same for everyone are encoded once, and each
rendered variant is prepared once. The HTML part goes as 7bit: non-ASCII characters become
HTML character references and long lines are folded at whitespace between tags, so a
subscriber's copy costs two string substitutions (quoted-printable remains the fallback).
The small text part is quoted-printable encoded in C. Every header value passes through
`kil_feed.text.one_line`, which drops CR, LF and other control characters, so no subscriber name or
item title can inject a header. The result parses as a standard message (tests check).
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from kil_feed.config import Settings
from kil_feed.errors import ConfigError, ValidationError
from kil_feed.text import one_line
from newsletter.addresses import wire_address
from newsletter.render import PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, RenderedEmail

logger = logging.getLogger(__name__)

CRLF = "\r\n"
DKIM_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
)


def encode_header(name: str, value: str) -> str:
    """`Name: value` folded and RFC 2047-encoded when not ASCII (no trailing CRLF)."""
    clean = one_line(value)
    if clean.isascii() and len(name) + len(clean) < 76:
        return f"{name}: {clean}"
    encoded = Header(clean, "utf-8" if not clean.isascii() else "us-ascii", header_name=name)
    return f"{name}: {encoded.encode(linesep=CRLF)}"


def address_header(name: str, display: str, address: str) -> str:
    """`Name: display <address>`, the domain in IDNA; a mailbox name that is not ASCII stays
    UTF-8 (RFC 6532: only an SMTPUTF8 relay takes that message), its display still encoded."""
    clean_addr = wire_address(one_line(address))
    if not clean_addr or " " in clean_addr or "<" in clean_addr or ">" in clean_addr:
        raise ValidationError(f"not a usable email address: {address!r}")
    if clean_addr.isascii():
        return f"{name}: {formataddr((one_line(display), clean_addr), charset='utf-8')}"
    if not one_line(display):
        return f"{name}: {clean_addr}"
    shown = formataddr((one_line(display), "x@x.invalid"), charset="utf-8").rsplit(" <", 1)[0]
    return f"{name}: {shown} <{clean_addr}>"


def _list_unsubscribe(https: str, mailto: str) -> str:
    """`List-Unsubscribe: <https...>, <mailto:...>`, folded between the two."""
    https, mailto = one_line(https), one_line(mailto)
    if not (https + mailto).isascii() or ">" in https + mailto:
        return encode_header("List-Unsubscribe", f"<{https}>, <{mailto}>")
    return f"List-Unsubscribe: <{https}>,{CRLF} <{mailto}>"


def message_id(issue_id: int, subscriber_id: int, domain: str) -> str:
    """Deterministic: a resent duplicate carries the same id, so clients can fold it."""
    digest = hashlib.sha256(f"kil-feed:{issue_id}:{subscriber_id}".encode()).hexdigest()[:16]
    return f"<issue{issue_id}.sub{subscriber_id}.{digest}@{domain}>"


MAX_LINE = 900  # well under SMTP's 998, leaving room for the links filled in later


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", CRLF)


def _qp(text: str) -> bytes:
    """Quoted-printable of CRLF text."""
    return binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)


def _qp_line(line: str) -> bytes:
    """Quoted-printable of one line (soft breaks as CRLF), without its line break."""
    return _qp(line + CRLF)[:-2]


def _qp_segments(text: str) -> list[bytes | str]:
    """The text part encoded once: QP bytes, except the lines holding a link placeholder,
    which stay text to be filled in and encoded per subscriber (`_fill_segments`)."""
    segments: list[bytes | str] = []
    for line in text.split(CRLF):
        if UNSUBSCRIBE_PLACEHOLDER in line or PREFERENCES_PLACEHOLDER in line:
            segments.append(line)
        else:
            segments.append(_qp_line(line))
    return segments


def _fill_segments(segments: list[bytes | str], unsubscribe: str, preferences: str) -> bytes:
    out = []
    for seg in segments:
        if isinstance(seg, str):
            seg = _qp_line(
                seg.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
                    PREFERENCES_PLACEHOLDER, preferences
                )
            )
        out.append(seg)
    return b"\r\n".join(out)


def fold_html(html: str, limit: int = MAX_LINE) -> str | None:
    """HTML with no line over `limit`, breaking only between tags (`><`) or at a space in
    text; None if some line cannot be folded that way."""
    out: list[str] = []
    for line in html.split(CRLF):
        while len(line) > limit:
            cut = line.rfind("><", 0, limit) + 1
            if cut <= 0:
                cut = _text_space(line, limit)
            if cut <= 0:
                return None
            out.append(line[:cut].rstrip(" "))
            line = line[cut:].lstrip(" ") if line[cut : cut + 1] == " " else line[cut:]
        out.append(line)
    return CRLF.join(out)


def _text_space(line: str, limit: int) -> int:
    """The last space before `limit` that is outside a tag, or -1."""
    space = line.rfind(" ", 0, limit)
    while space > 0:
        if line.rfind("<", 0, space) <= line.rfind(">", 0, space):
            return space
        space = line.rfind(" ", 0, space)
    return -1


@dataclass(frozen=True)
class _Parts:
    """A rendered variant made ready for MIME once: CRLF text, 7bit-safe HTML if possible."""

    text: list[bytes | str]
    html: str
    html_7bit: bool


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    email: str
    name: str = ""


class MessageFactory:
    """Builds one issue's messages; the headers everyone shares are prepared once."""

    def __init__(self, settings: Settings, issue_id: int) -> None:
        nl = settings.newsletter
        self.issue_id = issue_id
        display, self.from_addr = parseaddr(one_line(nl.from_address))
        if "@" not in self.from_addr:
            raise ConfigError(f"invalid newsletter from_address {nl.from_address!r}")
        self.domain = self.from_addr.rsplit("@", 1)[1]
        self.mailto = nl.unsubscribe_mailto or f"unsubscribe@{self.domain}"
        shared = [address_header("From", display, self.from_addr)]
        if nl.reply_to:
            rt_display, rt_addr = parseaddr(one_line(nl.reply_to))
            shared.append(address_header("Reply-To", rt_display, rt_addr))
        list_name = one_line(display or "Newsletter").replace('"', "")
        shared.append(f'List-Id: "{list_name}" <{one_line(nl.list_id)}>')
        shared.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        shared.append("MIME-Version: 1.0")
        self._shared = CRLF.join(shared)
        self._subjects: dict[str, str] = {}
        self._prepared: dict[int, tuple[RenderedEmail, _Parts]] = {}
        self._lock = threading.Lock()
        self._dkim = _load_dkim(settings)

    def build(
        self,
        rendered: RenderedEmail,
        recipient: Recipient,
        unsubscribe_url: str,
        preferences_url: str,
        *,
        when: datetime,
        unsubscribe_token: str = "",
    ) -> tuple[bytes, str]:
        """(message bytes, Message-ID) for one subscriber."""
        parts = self._prepare(rendered)
        html = parts.html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url).replace(
            PREFERENCES_PLACEHOLDER, preferences_url
        )
        text = _fill_segments(parts.text, unsubscribe_url, preferences_url)
        html_bytes = html.encode("ascii") if parts.html_7bit else _qp(html)
        mid = message_id(self.issue_id, recipient.subscriber_id, self.domain)
        subject = self._subjects.get(rendered.subject)
        if subject is None:
            subject = self._subjects[rendered.subject] = encode_header("Subject", rendered.subject)
        boundary = f"==kil-{self.issue_id}-{mid[1:17]}=="
        mailto = f"mailto:{self.mailto}?subject=unsubscribe%20{unsubscribe_token or 'me'}"
        head = CRLF.join(
            (
                self._shared,
                address_header("To", recipient.name, recipient.email),
                subject,
                f"Date: {format_datetime(when)}",
                f"Message-ID: {mid}",
                _list_unsubscribe(unsubscribe_url, mailto),
                f'Content-Type: multipart/alternative; boundary="{boundary}"',
            )
        )
        part = "Content-Type: text/{}; charset=utf-8\r\nContent-Transfer-Encoding: {}"
        html_cte = "7bit" if parts.html_7bit else "quoted-printable"
        data = b"".join(
            (
                head.encode("utf-8"),
                b"\r\n\r\n",
                f"--{boundary}\r\n{part.format('plain', 'quoted-printable')}\r\n\r\n".encode(),
                text,
                f"\r\n--{boundary}\r\n{part.format('html', html_cte)}\r\n\r\n".encode(),
                html_bytes,
                f"\r\n--{boundary}--\r\n".encode(),
            )
        )
        if self._dkim is not None:
            data = self._dkim.sign(data)
        return data, mid

    def _prepare(self, rendered: RenderedEmail) -> _Parts:
        cached = self._prepared.get(id(rendered))
        if cached is not None and cached[0] is rendered:
            return cached[1]
        html = _crlf(rendered.html).encode("ascii", "xmlcharrefreplace").decode("ascii")
        folded = fold_html(html)
        parts = _Parts(_qp_segments(_crlf(rendered.text)), folded or html, folded is not None)
        with self._lock:
            self._prepared[id(rendered)] = (rendered, parts)
        return parts


@dataclass(frozen=True)
class _Dkim:
    selector: bytes
    domain: bytes
    key: bytes

    def sign(self, data: bytes) -> bytes:
        import dkim

        signature = dkim.sign(
            data,
            self.selector,
            self.domain,
            self.key,
            include_headers=list(DKIM_HEADERS),
            linesep=b"\r\n",
        )
        return signature + data


def _load_dkim(settings: Settings) -> _Dkim | None:
    nl = settings.newsletter
    if not nl.dkim_selector:
        return None
    if not nl.dkim_domain or not nl.dkim_private_key_file:
        raise ConfigError(
            "DKIM needs dkim_domain and dkim_private_key_file as well as dkim_selector"
        )
    path = Path(nl.dkim_private_key_file)
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the DKIM key {path}: {exc.strerror}") from None
    return _Dkim(nl.dkim_selector.encode(), nl.dkim_domain.encode(), key)
