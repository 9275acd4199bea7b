"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

It can be scripted to misbehave, per recipient address:
- `server.reject(addr, "550 5.1.1 No such user")` refuses RCPT TO permanently;
- `server.defer(addr, times=2, reply="451 4.3.0 Try later")` refuses the first N attempts;
- `server.fail_data(times=1, reply="421 4.7.0 Go away", to=None)` refuses DATA N times (for a
  message to `to` only, when given: which message reaches DATA first is up to the threads);
- `server.drop_after(n)` closes the connection after N accepted messages;
- `server.drop_for(addr, times=None)` stores the message to addr and hangs up before its 250
  (the first N times, or always);
- `server.refuse_mail("530 5.7.0 Must issue a STARTTLS command first")` answers MAIL FROM so;
- `server.greet("554 5.7.1 No service")` greets new connections with that instead of 220.
`SMTPServer(smtputf8=True)` offers SMTPUTF8 (RFC 6531: internationalised addresses).
`SMTPServer(login=("user", "password"))` wants AUTH (PLAIN/LOGIN, over plain text on
loopback) before MAIL FROM, as a submission server does.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM's (SMTPUTF8, BODY=...)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _Script:
    rejected: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, list[str]] = field(default_factory=dict)
    data_failures: list[tuple[str | None, str]] = field(default_factory=list)  # (to, reply)
    drop_after: int | None = None
    mail_reply: str | None = None
    dropped_for: dict[str, int | None] = field(default_factory=dict)
    greeting: str | None = None


class RecordingHandler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.script = _Script()
        self.lock = threading.Lock()
        self.rcpt_attempts: dict[str, int] = {}

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list
    ) -> str:
        with self.lock:
            if self.script.mail_reply is not None:
                return self.script.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list
    ) -> str:
        key = address.lower()
        with self.lock:
            self.rcpt_attempts[key] = self.rcpt_attempts.get(key, 0) + 1
            if key in self.script.rejected:
                return self.script.rejected[key]
            pending = self.script.deferred.get(key)
            if pending:
                return pending.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            rcpts = {rcpt.lower() for rcpt in envelope.rcpt_tos}
            for n, (to, reply) in enumerate(self.script.data_failures):
                if to is None or to in rcpts:
                    del self.script.data_failures[n]
                    return reply
            self.messages.append(
                Received(
                    envelope.mail_from or "",
                    list(envelope.rcpt_tos),
                    bytes(envelope.content or b""),
                    list(envelope.mail_options),
                )
            )
            count = len(self.messages)
            drop = self.script.drop_after is not None and count % self.script.drop_after == 0
            for rcpt in envelope.rcpt_tos:
                left = self.script.dropped_for.get(rcpt.lower(), 0)
                if left is None or left > 0:
                    drop = True
                    if left is not None:
                        self.script.dropped_for[rcpt.lower()] = left - 1
        if drop and session.peer and server.transport is not None:
            server.transport.close()  # a dropped connection right after accepting
        return "250 2.0.0 Message accepted"


class _ScriptedSMTP(SMTP):
    """aiosmtpd's server, greeting with the handler's scripted line when it has one."""

    _greeted = False  # one instance per connection: its first line is the greeting

    async def push(self, status: AnyStr) -> None:
        if not self._greeted:
            self._greeted = True
            greeting = self.event_handler.script.greeting
            if greeting is not None:
                status = greeting  # type: ignore[assignment]
        await super().push(status)


def _not_on_purpose(record: logging.LogRecord) -> bool:
    """aiosmtpd logs AUTH without TLS as a warning on every connection: here it is on
    purpose, and a `kil` command run in this process would print it on its own stderr."""
    return "auth_require_tls == False" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_not_on_purpose)


class _Controller(Controller):
    def factory(self) -> SMTP:
        with warnings.catch_warnings():  # AUTH without TLS: on loopback, on purpose
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return _ScriptedSMTP(self.handler, **self.SMTP_kwargs)


class SMTPServer:
    """`start()` on a free loopback port; `messages` holds what was accepted."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        login: tuple[str, str] | None = None,
        *,
        smtputf8: bool = False,
    ) -> None:
        self.host = host
        self.port = _free_port(host)
        self.handler = RecordingHandler()
        options: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
        if login is not None:
            options |= {
                "authenticator": _Authenticator(*login),
                "auth_required": True,
                "auth_require_tls": False,  # loopback: no certificate to make
            }
        self.controller = _Controller(self.handler, hostname=host, port=self.port, **options)

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.script = _Script()
            self.handler.rcpt_attempts.clear()

    def reject(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self.handler.script.rejected[address.lower()] = reply

    def defer(self, address: str, times: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        self.handler.script.deferred[address.lower()] = [reply] * times

    def fail_data(
        self, times: int = 1, reply: str = "421 4.7.0 Too busy", to: str | None = None
    ) -> None:
        target = to.lower() if to is not None else None
        self.handler.script.data_failures.extend([(target, reply)] * times)

    def drop_after(self, n: int | None) -> None:
        self.handler.script.drop_after = n

    def drop_for(self, address: str, times: int | None = None) -> None:
        self.handler.script.dropped_for[address.lower()] = times

    def refuse_mail(self, reply: str | None) -> None:
        self.handler.script.mail_reply = reply

    def greet(self, line: str | None) -> None:
        self.handler.script.greeting = line

    def recipients(self) -> list[str]:
        return [rcpt.lower() for m in self.messages for rcpt in m.rcpt_tos]


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.login = (user.encode(), password.encode())

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == self.login
        return AuthResult(success=ok, handled=False)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
