"""One message to one subscriber: build it, send it with retries and backoff, say how it went.

`deliver` never touches the ledger; the sender (`newsletter.send`) records what it returns.
4xx answers and dropped connections are retried (the transport reconnects) with
exponential backoff; a 5xx answer is final, and a 5.1.x one marks the address bad. A copy
whose reply was lost after the whole message went out may have arrived: it is tried once
more at most (a success is flagged "may have arrived twice"), a second such loss leaves the
row pending and flagged unconfirmed, so one message never piles up copies.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kil_feed import tokens
from kil_feed.config import Settings
from kil_feed.errors import ValidationError
from kil_feed.models import DeliveryStatus
from kil_feed.storage.deliveries import PendingDelivery
from kil_feed.timeutil import utcnow
from newsletter.ledgerwriter import GroupCommitter, Result
from newsletter.message import MessageFactory, Recipient
from newsletter.render import Audience, Renderer
from newsletter.transport import LostReply, PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
STOPPED = "stopped"  # the reply of a row left pending because the send stopped


@dataclass
class Job:
    delivery_id: int
    recipient: Recipient
    audience: Audience


def job_for(row: PendingDelivery) -> Job:
    """The message to send for a ledger row: its subscriber and what they chose to read."""
    recipient = Recipient(row.subscriber_id, row.email, row.name)
    return Job(row.delivery_id, recipient, Audience.of(list(row.regions), list(row.topics)))


class RateLimiter:
    """Spaces message starts `1/rate` seconds apart across all connections."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> bool:
        """False if the send was stopped while waiting."""
        if not self.interval:
            return not stop.is_set()
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        delay = start - now
        return not stop.wait(delay) if delay > 0 else not stop.is_set()


class Run:
    """The shared state of one send: settings, renderer, queues and the stop flag."""

    def __init__(self, settings: Settings, renderer: Renderer, factory: MessageFactory) -> None:
        self.settings = settings
        self.renderer = renderer
        self.factory = factory
        self.mail_from = factory.from_addr
        self.stop = threading.Event()
        self.jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self.committer: GroupCommitter | None = None
        self.limiter = RateLimiter(None)
        self.fatal: BaseException | None = None
        # several senders (PostgreSQL): where more jobs come from when the queue is empty,
        # and why every sender stopped (the shared error-rate pause)
        self.refill: Callable[[], list[Job]] | None = None
        self.paused_reason: str | None = None
        self.when = utcnow()
        self._unsubscribe_token = tokens.token_maker(settings, "unsubscribe")
        self._preferences_token = tokens.token_maker(settings, "preferences")

    def message_for(self, job: Job) -> tuple[bytes, str]:
        rendered = self.renderer.render(job.audience)
        sid = job.recipient.subscriber_id
        unsub_token = self._unsubscribe_token(sid)
        base = self.settings.base_url
        return self.factory.build(
            rendered,
            job.recipient,
            tokens.token_url(base, "unsubscribe", unsub_token),
            tokens.token_url(base, "preferences", self._preferences_token(sid)),
            when=self.when,
            unsubscribe_token=unsub_token,
        )


def outcome(
    job: Job,
    status: str,
    attempts: int,
    message_id: str | None,
    code: int | None,
    reply: str,
    **flags: bool,
) -> Result:
    sid = job.recipient.subscriber_id
    return Result(job.delivery_id, sid, status, attempts, message_id, code, reply, **flags)


def prepare(run: Run, job: Job) -> tuple[bytes, str] | Result:
    """The message bytes and Message-ID, or a failed outcome if it cannot be built."""
    try:
        return run.message_for(job)
    except ValidationError as exc:  # e.g. an address that cannot go in a To header
        return outcome(job, DeliveryStatus.failed.value, 0, None, None, str(exc))


def deliver(
    run: Run, transport: object, job: Job, prepared: tuple[bytes, str] | Result
) -> Result | None:
    """Send one message with retries; None if the send stopped before trying."""
    nl = run.settings.newsletter
    if isinstance(prepared, Result):
        return prepared
    data, mid = prepared
    attempts = 0
    lost = 0  # copies that went out whole without a reply
    while True:
        if not run.limiter.wait(run.stop):
            if attempts == 0:
                return None
            return outcome(job, DeliveryStatus.pending.value, attempts, None, None, STOPPED)
        attempts += 1
        try:
            result = transport.send(data, run.mail_from, job.recipient.email)  # type: ignore[attr-defined]
        except TemporaryFailure as exc:
            logger.info("temporary failure to=%s try=%d: %s", job.recipient.email, attempts, exc)
            if isinstance(exc, LostReply):
                lost += 1
            if lost >= 2 or (lost and attempts >= nl.max_attempts):
                return outcome(
                    job,
                    DeliveryStatus.pending.value,
                    attempts,
                    None,
                    None,
                    exc.reply,
                    unconfirmed=True,
                )
            if attempts >= nl.max_attempts:
                return outcome(
                    job,
                    DeliveryStatus.pending.value,
                    attempts,
                    None,
                    exc.code,
                    exc.reply,
                    unreachable=exc.code is None,
                )
            delay = min(nl.retry_backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            if run.stop.wait(delay):
                return outcome(
                    job, DeliveryStatus.pending.value, attempts, None, exc.code, exc.reply
                )
            continue
        except PermanentFailure as exc:
            logger.warning("permanent failure to=%s: %s", job.recipient.email, exc)
            return outcome(
                job,
                DeliveryStatus.failed.value,
                attempts,
                None,
                exc.code,
                exc.reply,
                bounce=exc.is_bad_address,
            )
        if lost:
            reply = f"{result.reply} after a copy that got no reply: may have arrived twice"
            return outcome(
                job, DeliveryStatus.sent.value, attempts, mid, result.code, reply, twice=True
            )
        return outcome(job, DeliveryStatus.sent.value, attempts, mid, result.code, result.reply)
