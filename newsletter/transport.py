"""Mail transports: an SMTP relay or the file outbox (a Maildir), chosen by configuration.

A transport moves bytes for one recipient at a time and reports the server's answer. It
raises `TemporaryFailure` (4xx, dropped connection: worth retrying) or `PermanentFailure`
(5xx: do not retry); retry policy and the delivery ledger live in the sender, not here.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from kil_feed.config import Settings
from kil_feed.errors import ConfigError, DeliveryError

logger = logging.getLogger(__name__)
_counter = itertools.count()


@dataclass(frozen=True)
class SendResult:
    code: int
    reply: str


class TemporaryFailure(DeliveryError):
    """The server said "not now" (4xx) or the connection dropped: retry later."""

    def __init__(self, code: int | None, reply: str) -> None:
        super().__init__(f"temporary failure {code or ''}: {reply}".strip())
        self.code = code
        self.reply = reply


LOST_REPLY = "no reply after the whole message was sent"


class LostReply(TemporaryFailure):
    """The whole message went out but the connection dropped (or timed out) before the
    server's reply: the server may have it (RFC 1047), so sending it again may make a
    duplicate. The sender says so rather than count it sent or retry it blindly."""


class PermanentFailure(DeliveryError):
    """The server refused for good (5xx), e.g. 550 5.1.1 for an unknown address."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"permanent failure {code}: {reply}")
        self.code = code
        self.reply = reply

    @property
    def is_bad_address(self) -> bool:
        """An enhanced status 5.1.x means the address itself is bad (bounce the subscriber)."""
        return self.reply.lstrip().startswith("5.1.") or " 5.1." in f" {self.reply}"


class SessionRefused(DeliveryError):
    """The server refused this client, not a recipient: a 5xx greeting, a 5xx to MAIL FROM,
    530 (authentication or STARTTLS required), a login it does not offer. Every message
    would meet the same answer, so the send stops and nobody's delivery is marked failed."""

    def __init__(self, message: str, *, hint: str | None = None, code: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


def _session_hint(code: int, reply: str, config: SMTPConfig | None) -> str:
    """What to change in `smtp_url` for a refusal of the whole session."""
    text = reply.lower()
    again = "then run the send again: who has not had it yet is still pending"
    wants_tls = "starttls" in text or "tls" in text.split() or "5.7.11" in text
    if wants_tls and config is not None and not (config.starttls or config.implicit_tls):
        return f"the server wants TLS: add ?starttls=true to smtp_url or use smtps://, {again}"
    if code == 530 or "auth" in text:
        if config is not None and not config.username:
            return f"the server wants a login: put user:password@ in smtp_url, {again}"
        return f"check the relay's user name and password in smtp_url, {again}"
    return f"check smtp_url and [newsletter] from_address with the relay, {again}"


class Transport(Protocol):
    def send(self, message: bytes | EmailMessage, mail_from: str, to: str) -> SendResult: ...

    def close(self) -> None: ...


def _as_bytes(message: bytes | EmailMessage) -> bytes:
    return message if isinstance(message, bytes) else message.as_bytes()


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _wire_bytes(message: bytes | EmailMessage) -> bytes:
    """The message with CRLF line ends, as SMTP requires (smtplib does not fix bytes)."""
    if isinstance(message, EmailMessage):
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    if message.count(b"\n") == message.count(b"\r\n"):  # two C scans, no copy
        return message
    return _BARE_LF.sub(b"\r\n", message)


_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


def _quote_address(address: str) -> str:
    """`<address>` for the envelope; smtplib's parser only for unusual addresses."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload ending in CRLF.CRLF, lines starting with a dot doubled (RFC 5321)."""
    if data.startswith(b".") or b"\n." in data:
        data = smtplib._quote_periods(data)  # noqa: SLF001 - the stdlib's own stuffing
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _sendmail(smtp: smtplib.SMTP, mail_from: str, to: str, data: bytes) -> None:
    """`smtplib.SMTP.sendmail` for one recipient and a CRLF message, with its errors, but
    without its per-message regex passes over the body (line ends, dot-stuffing) and
    address parsing when they have nothing to do: the client's share of each message."""
    smtp.ehlo_or_helo_if_needed()
    options = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"FROM:{_quote_address(mail_from)}{options}")
    code, resp = smtp.getreply()
    if code != 250:
        _abandon(smtp, code)
        if code >= 500:  # the sender or the session is refused: so is every recipient
            raise _SessionReply(code, resp, "the mail server refused the sender")
        raise smtplib.SMTPSenderRefused(code, resp, mail_from)
    smtp.putcmd("rcpt", f"TO:{_quote_address(to)}")
    code, resp = smtp.getreply()
    if code not in (250, 251):
        _abandon(smtp, code)
        if code == 530:
            raise _SessionReply(code, resp, "the mail server refused the session")
        raise smtplib.SMTPRecipientsRefused({to: (code, resp)})
    smtp.putcmd("data")
    code, resp = smtp.getreply()
    if code != 354:
        if code == 530:
            _abandon(smtp, code)
            raise _SessionReply(code, resp, "the mail server refused the session")
        raise smtplib.SMTPDataError(code, resp)
    smtp.send(_dot_stuffed(data))
    try:
        code, resp = smtp.getreply()
    except smtplib.SMTPServerDisconnected as exc:  # EOF, reset or timeout: smtplib closed it
        raise _LostReply(str(exc)) from None
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPDataError(code, resp)


class _LostReply(smtplib.SMTPException):
    """The connection ended while waiting for the reply to the message (see `LostReply`)."""


class _SessionReply(smtplib.SMTPResponseException):
    """A reply that refuses the session, not the recipient (see `SessionRefused`)."""

    def __init__(self, code: int, resp: bytes, what: str) -> None:
        super().__init__(code, resp)
        self.what = what


def _abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refused command: a 421 means the server is closing, otherwise reset the
    transaction so the connection can carry the next message (as smtplib does)."""
    if code == 421:
        smtp.close()
    else:
        smtp._rset()  # noqa: SLF001


@dataclass(frozen=True)
class SMTPConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 30.0
    verify: bool = True

    @classmethod
    def from_url(cls, url: str) -> SMTPConfig:
        """`smtp://user:pass@host:587?starttls=true`, `smtps://host:465`, `?timeout=10`."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigError(
                f"invalid SMTP URL {url!r}",
                hint="use smtp://[user:pass@]host[:port][?starttls=true]",
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        implicit = parts.scheme == "smtps"
        truthy = {"1", "true", "yes", "on"}
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=query.get("starttls", "false").lower() in truthy,
            implicit_tls=implicit,
            timeout=float(query.get("timeout", 30)),
            verify=query.get("verify", "true").lower() in truthy,
        )


class SMTPTransport:
    """One connection, opened lazily and reopened after a drop."""

    def __init__(self, config: SMTPConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if not self.config.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        return self._open()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP | None = None
        try:
            if c.implicit_tls:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                if c.starttls:
                    smtp.starttls(context=self._context())
            if c.username:
                smtp.login(c.username, c.password or "")
        except BaseException:
            if smtp is not None:  # a refused login or STARTTLS leaves the socket open
                smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _open(self) -> smtplib.SMTP:
        """`connect`'s errors as the sender reads them."""
        c = self.config
        try:
            return self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"SMTP login failed: {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS, or no AUTH, on offer
            raise SessionRefused(
                f"the mail server at {c.host}:{c.port} cannot do what smtp_url asks: {exc}",
                hint="the server may offer a login only after STARTTLS: add ?starttls=true"
                if c.username and not (c.starttls or c.implicit_tls)
                else "check smtp_url with the relay's settings",
            ) from None
        except smtplib.SMTPConnectError as exc:  # the greeting was no 220
            reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if exc.smtp_code >= 500:  # "no SMTP service here" (RFC 5321 3.1)
                raise SessionRefused(
                    f"the mail server at {c.host}:{c.port} refused the connection: {reply}",
                    hint="the relay refuses this machine: check the host and port in smtp_url "
                    "with the relay's admin, then run the send again",
                    code=exc.smtp_code,
                ) from None
            raise TemporaryFailure(
                None, f"the mail server at {c.host}:{c.port} is not taking mail now: {reply}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(None, f"cannot connect to {c.host}:{c.port}: {exc}") from None

    def send(self, message: bytes | EmailMessage, mail_from: str, to: str) -> SendResult:
        smtp = self.connect()
        data = _wire_bytes(message)
        try:
            _sendmail(smtp, mail_from, to, data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(to, (550, b"recipient refused"))
            raise _failure(code, _text(reply)) from None
        except _SessionReply as exc:
            reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            raise SessionRefused(
                f"{exc.what}: {reply}",
                hint=_session_hint(exc.smtp_code, reply, self.config),
                code=exc.smtp_code,
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset_after_error()
            raise _failure(exc.smtp_code, _text(exc.smtp_error)) from None
        except _LostReply as exc:
            self._drop()
            raise LostReply(None, f"{LOST_REPLY}: the server may have it ({exc})") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryFailure(None, f"connection lost: {exc}") from None
        return SendResult(250, "accepted")

    def _reset_after_error(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._smtp = None

    def __enter__(self) -> SMTPTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OutboxTransport:
    """Writes each message as an `.eml` file into a Maildir (`new/`) for a person to read."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        for sub in ("tmp", "new", "cur"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def send(self, message: bytes | EmailMessage, mail_from: str, to: str) -> SendResult:
        # Maildir delivery: write under tmp/, then rename into new/ (atomic on one filesystem)
        name = f"{time.time_ns()}.{os.getpid()}_{next(_counter)}.{socket.gethostname()}.eml"
        tmp = self.folder / "tmp" / name
        tmp.write_bytes(_as_bytes(message))
        tmp.rename(self.folder / "new" / name)
        return SendResult(250, f"written to {self.folder / 'new' / name}")

    def messages(self) -> list[Path]:
        return sorted((self.folder / "new").glob("*.eml"))

    def close(self) -> None:
        pass

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def describe_transport(settings: Settings) -> str:
    """Where mail goes, as a send's first line says it (never the relay's password)."""
    if settings.smtp_url:
        config = SMTPConfig.from_url(settings.smtp_url)
        scheme = "smtps" if config.implicit_tls else "smtp"
        tls = " with STARTTLS" if config.starttls else ""
        return f"through {scheme}://{config.host}:{config.port}{tls}"
    return f"into the file outbox {settings.outbox_dir.as_posix().rstrip('/')}/"


def check_transport(settings: Settings) -> None:
    """Refuse the file outbox when nobody chose it: outside the demo, an empty `smtp_url`
    is more likely a relay that was forgotten than a wish to keep every email on disk."""
    if settings.smtp_url:
        SMTPConfig.from_url(settings.smtp_url)
        return
    if settings.demo or "outbox_dir" in settings.model_fields_set:
        return
    raise ConfigError(
        "no mail server configured: smtp_url is empty and outbox_dir is not set",
        hint="set smtp_url to your relay, or set outbox_dir (or pass --outbox) to write the "
        "email into a local Maildir",
    )


def make_transport(settings: Settings) -> SMTPTransport | OutboxTransport:
    """SMTP when `KIL_SMTP_URL` is set, otherwise the file outbox in `KIL_OUTBOX_DIR`."""
    if settings.smtp_url:
        return SMTPTransport(SMTPConfig.from_url(settings.smtp_url))
    return OutboxTransport(settings.outbox_dir)


def _failure(code: int, reply: str) -> DeliveryError:
    if 400 <= code < 500:
        return TemporaryFailure(code, reply)
    return PermanentFailure(code, reply)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
