"""What a send did, as data for scripts (`as_dict`) and as a sentence for people."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kil_feed.errors import DeliveryError
from kil_feed.models import IssueStatus

# sysexits.h EX_TEMPFAIL, the code sendmail and msmtp exit with when a message is queued
# for a later try: the send ended with deferred deliveries that a later run retries
DEFERRED_EXIT_CODE = 75
# sysexits.h EX_NOUSER, sendmail's "addressee unknown": this run's deliveries include some
# refused for good (a 5xx), so someone did not get the issue; the rest were delivered
FAILED_EXIT_CODE = 67


@dataclass
class SendReport:
    """What a send (or a dry run) did; `message` says it in a sentence."""

    issue_id: int
    dry_run: bool = False
    recipients: int = 0  # rows in the ledger (in a dry run: who would receive it)
    attempted: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    deferred: int = 0  # temporary failures that ran out of tries: still pending
    skipped: int = 0  # subscriber left (unsubscribed, bounced) after the send began
    already_sent: int = 0
    failed_earlier: int = 0  # rows an earlier run failed (or skipped): never tried again
    deferred_reply: str = ""  # the last temporary failure's answer, e.g. "451 4.7.1 ..."
    unconfirmed: int = 0  # of `deferred`: the server got the message but never confirmed it
    maybe_twice: int = 0  # of `sent`: sent again after a copy that got no reply
    resent_unconfirmed: int = 0  # rows tried again that an earlier run left unconfirmed
    held_unconfirmed: int = 0  # the scheduler's retry: unconfirmed rows left for an editor
    pending: int = 0  # still to send after this run
    renders: int = 0  # distinct preference sets rendered
    jobs_closed: int = 0  # postings found closed just before the send: dropped
    jobs_unchecked: int = 0  # postings the pre-send check could not reach: kept
    paused: bool = False
    # PostgreSQL: the other live senders already holding rows when this one joined
    other_senders: list[str] = field(default_factory=list)
    status: str = ""
    message: str = ""
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.attempted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0 when done; 7 (paused) when something must be fixed first; 75 when deliveries
        were deferred by temporary failures and the same command, run later, retries them;
        67 when this run's deliveries were refused for good (nothing to retry, but someone
        did not get the issue)."""
        if self.paused:
            return DeliveryError.exit_code
        if self.deferred:
            return DEFERRED_EXIT_CODE
        return FAILED_EXIT_CODE if self.failed else 0

    @property
    def not_tried(self) -> int:
        """Of `pending`: the rows no connection tried in this run (not deferred, not held)."""
        return max(0, self.pending - self.deferred - self.held_unconfirmed)

    @property
    def by_other_senders(self) -> int:
        """Rows the other senders (PostgreSQL) sent or failed while this one ran: what the
        report's own counts leave of `recipients`."""
        own = self.sent + self.failed + self.skipped + self.already_sent + self.failed_earlier
        return max(0, self.recipients - own - self.pending)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "rate": round(self.rate, 1),
            "not_tried": self.not_tried,
            "by_other_senders": self.by_other_senders,
        }


def summary(report: SendReport) -> str:
    """One line whose counts add up: sent, failed, deferred, held and not tried yet (this
    run), sent or failed earlier and by other senders, "of" the issue's subscribers."""
    if not report.attempted and not report.pending and report.status == IssueStatus.sent.value:
        return f"issue {report.issue_id} was already sent to everyone: nothing to send"
    parts = [f"{report.sent} sent"]
    if report.maybe_twice:
        parts[-1] += (
            f" ({report.maybe_twice} of them may have arrived twice: "
            "the server hung up before confirming the first copy)"
        )
    if report.failed:
        parts.append(f"{report.failed} failed ({report.bounced} bounced)")
    if report.deferred:
        why = f" ({report.deferred_reply})" if report.deferred_reply else ""
        parts.append(f"{report.deferred} deferred{why}")
    if report.unconfirmed:
        parts.append(
            f"{report.unconfirmed} unconfirmed among them (the server took the whole message "
            "but hung up before confirming it: it may have arrived, and sending it again may "
            "deliver it twice)"
        )
    if report.held_unconfirmed:
        parts.append(
            f"{report.held_unconfirmed} unconfirmed not sent again (an automatic retry never "
            f"sends a second copy: `kil issue send {report.issue_id}` does, and they may get "
            "it twice)"
        )
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    if report.not_tried:
        parts.append(f"{report.not_tried} not tried yet")
    if report.already_sent:
        parts.append(f"{report.already_sent} sent earlier")
    if report.failed_earlier:
        parts.append(f"{report.failed_earlier} failed earlier")
    if report.by_other_senders:
        parts.append(f"{report.by_other_senders} by the other senders")
    if len(parts) > 1:
        noun = "subscriber" if report.recipients == 1 else "subscribers"
        parts[-1] += f", of {report.recipients} {noun}"
    if report.resent_unconfirmed:
        parts.append(
            f"{report.resent_unconfirmed} tried again after an unconfirmed copy "
            "(they may get it twice)"
        )
    if report.other_senders:
        parts.append(f"sent together with {joined_senders(report.other_senders)}")
    text = f"issue {report.issue_id}: " + ", ".join(parts)
    text += f"; {report.pending} still pending, status {report.status}"
    if report.paused:
        hint = f"fix the cause, then run `kil issue send {report.issue_id}` again to resume"
        text = f"{report.message}. {text}. {hint}"
    elif report.deferred:
        text += (
            f" (the {report.deferred} deferred got a temporary failure: run "
            f"`kil issue send {report.issue_id}` again later to retry them)"
        )
    elif report.pending:
        text += f" (run `kil issue send {report.issue_id}` again to continue)"
    return text


def joined_senders(owners: list[str]) -> str:
    """`1 other sender (relay-1:4242:ab12cd)`: who else was sending when a send joined."""
    noun = "sender" if len(owners) == 1 else "senders"
    return f"{len(owners)} other {noun} ({', '.join(owners)})"
