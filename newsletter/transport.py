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
from urllib.parse import unquote, urlsplit

from kil_feed.config import Settings
from kil_feed.errors import ConfigError, DeliveryError
from kil_feed.smtp_url import smtp_options
from newsletter.addresses import needs_smtputf8, wire_address

logger = logging.getLogger(__name__)
NO_SMTPUTF8 = (
    "the mail server does not offer SMTPUTF8, which an address with a non-ASCII mailbox"
    " name needs (RFC 6531): not sent"
)
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
    if _REFUSES_US.search(reply):
        if config is not None and not config.username:
            return (
                "the relay does not carry mail from this machine without a login: put "
                f"user:password@ in smtp_url, or have its admin allow this host, {again}"
            )
        return (
            "the relay does not carry mail for this login or sender: check that [newsletter] "
            f"from_address is one the login may send as, {again}"
        )
    return f"check smtp_url and [newsletter] from_address with the relay, {again}"


# Replies refusing this client, not the recipient: the relay will not carry our mail to
# anyone (Postfix "Relay access denied", "Client host rejected", "Sender address rejected";
# Exchange and Microsoft 365 "Unable to relay", "Relay Access Denied"; sendmail "Relaying
# denied"; Exim "relay not permitted"; qmail "not in my list of allowed rcpthosts"), so
# every recipient would get the same. 5.7.1 alone is no sign: it also refuses one mailbox
# or one message ("554 5.7.1 Message refused"), which fails that delivery only.
_REFUSES_US = re.compile(
    r"\brelay(?:ing)?\b.{0,40}?\b(?:denied|not permitted|not allowed|prohibited|refused)\b"
    r"|\bunable to relay\b|\b(?:not (?:permitted|allowed|authori[sz]ed) to|(?:do|will|can) ?not)"
    r" relay\b|\ballowed rcpthosts\b|\bclient host\b.{0,80}?\b(?:rejected|blocked)\b"
    r"|\bsender address rejected\b",
    re.IGNORECASE,
)


def _refuses_session(command: str, code: int, reply: str) -> str | None:
    """What a refused command says about the session, or None when it refuses only this
    recipient (or this message). A 5xx to MAIL FROM refuses the sender, so every message;
    530 at any later step wants a login or TLS; a 5xx relay refusal is about us."""
    if command == "mail" and code >= 500:
        return "the mail server refused the sender"
    if code == 530:
        return "the mail server refused the session"
    if code >= 500 and _REFUSES_US.search(reply):
        return "the mail server refused to relay our mail"
    return None


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
    """`smtplib.SMTP.sendmail` for one recipient and a CRLF message, without its
    per-message regex passes over the body (line ends, dot-stuffing) and address parsing
    when they have nothing to do: the client's share of each message. A refused command
    raises `_Refused`, naming the command."""
    try:
        smtp.ehlo_or_helo_if_needed()
    except smtplib.SMTPHeloError as exc:
        raise _Refused(exc.smtp_code, exc.smtp_error, "ehlo") from None
    mail_from, to = wire_address(mail_from), wire_address(to)
    options = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    utf8 = needs_smtputf8(mail_from, to)
    if utf8:
        if not smtp.has_extn("smtputf8"):
            raise PermanentFailure(553, f"5.6.7 {NO_SMTPUTF8}")
        options += " SMTPUTF8" + (" BODY=8BITMIME" if smtp.has_extn("8bitmime") else "")
        smtp.command_encoding = "utf-8"
    try:
        smtp.putcmd("mail", f"FROM:{_quote_address(mail_from)}{options}")
        _check(smtp.getreply(), "mail", 250)
        smtp.putcmd("rcpt", f"TO:{_quote_address(to)}")
        _check(smtp.getreply(), "rcpt", 250, 251)
    finally:
        smtp.command_encoding = "ascii"
    smtp.putcmd("data")
    _check(smtp.getreply(), "data", 354)
    smtp.send(_dot_stuffed(data))
    try:
        reply = smtp.getreply()
    except smtplib.SMTPServerDisconnected as exc:  # EOF, reset or timeout: smtplib closed it
        raise _LostReply(str(exc)) from None
    _check(reply, "message", 250)


def _check(reply: tuple[int, bytes], command: str, *ok: int) -> None:
    """The one check of a command's reply: anything but `ok` raises `_Refused`."""
    code, resp = reply
    if code not in ok:
        raise _Refused(code, resp, command)


class _LostReply(smtplib.SMTPException):
    """The connection ended while waiting for the reply to the message (see `LostReply`)."""


class _Refused(smtplib.SMTPResponseException):
    """A command was refused; `command` says which ("ehlo", "mail", "rcpt", "data" or
    "message", the reply to the message itself)."""

    def __init__(self, code: int, resp: bytes, command: str) -> None:
        super().__init__(code, resp)
        self.command = command


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
        try:
            options = smtp_options(parts.query)
        except ValueError as exc:
            raise ConfigError(f"invalid SMTP URL: {exc}", hint="check smtp_url") from None
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=options.starttls,
            implicit_tls=implicit,
            timeout=options.timeout,
            verify=options.verify,
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
        """The open connection, or a new one; its errors as the sender reads them."""
        if self._smtp is None:
            try:
                self._smtp = self._dial()
            except (OSError, smtplib.SMTPException) as exc:
                raise _connect_failure(exc, self.config) from None
        return self._smtp

    def _dial(self) -> smtplib.SMTP:
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
        return smtp

    def send(self, message: bytes | EmailMessage, mail_from: str, to: str) -> SendResult:
        smtp = self.connect()
        data = _wire_bytes(message)
        try:
            _sendmail(smtp, mail_from, to, data)
        except _Refused as exc:
            code, reply = exc.smtp_code, _text(exc.smtp_error)
            self._reset_after_error(code)
            what = _refuses_session(exc.command, code, reply)
            if what is not None:
                raise SessionRefused(
                    f"{what}: {code} {reply}",
                    hint=_session_hint(code, reply, self.config),
                    code=code,
                ) from None
            raise _failure(code, reply) from None
        except _LostReply as exc:
            self._drop()
            raise LostReply(None, f"{LOST_REPLY}: the server may have it ({exc})") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryFailure(None, f"connection lost: {exc}") from None
        return SendResult(250, "accepted")

    def _reset_after_error(self, code: int) -> None:
        """After a refused command: a 421 means the server is closing; otherwise reset the
        transaction so the connection can carry the next message (as smtplib does)."""
        if code == 421:
            self._drop()
            return
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
        try:
            for sub in ("tmp", "new", "cur"):
                (self.folder / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # under a file, read-only, full: nothing can be delivered
            raise DeliveryError(
                f"cannot write into the file outbox {self.folder}: {exc.strerror or exc}",
                hint="check outbox_dir",
            ) from None

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


def _connect_failure(exc: OSError | smtplib.SMTPException, c: SMTPConfig) -> DeliveryError:
    """A failed connection (or its login or STARTTLS) as the sender reads it: a refusal of
    this client stops the send, anything else is worth another try."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"SMTP login failed: {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # no STARTTLS, or no AUTH, on offer
        return SessionRefused(
            f"the mail server at {c.host}:{c.port} cannot do what smtp_url asks: {exc}",
            hint="the server may offer a login only after STARTTLS: add ?starttls=true"
            if c.username and not (c.starttls or c.implicit_tls)
            else "check smtp_url with the relay's settings",
        )
    if isinstance(exc, smtplib.SMTPConnectError):  # the greeting was no 220
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:  # "no SMTP service here" (RFC 5321 3.1)
            return SessionRefused(
                f"the mail server at {c.host}:{c.port} refused the connection: {reply}",
                hint="the relay refuses this machine: check the host and port in smtp_url "
                "with the relay's admin, then run the send again",
                code=exc.smtp_code,
            )
        return TemporaryFailure(
            None, f"the mail server at {c.host}:{c.port} is not taking mail now: {reply}"
        )
    return TemporaryFailure(None, f"cannot connect to {c.host}:{c.port}: {exc}")


def _failure(code: int, reply: str) -> DeliveryError:
    if 400 <= code < 500:
        return TemporaryFailure(code, reply)
    return PermanentFailure(code, reply)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
