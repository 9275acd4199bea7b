"""Helpers for send tests: build and approve the fixed issue, read received messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Delivery
from kil_feed.storage.deliveries import deliveries_for_issue
from newsletter.build import build_issue
from newsletter.edit import approve_issue
from tests.newsletter.world import NOW

ROOT = Path(__file__).resolve().parents[2]
STARTED: list[subprocess.Popen[bytes]] = []  # every `kil_process`, ended after its test


def approved_issue(engine: Engine, settings: Settings) -> int:
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    approve_issue(engine, issue.id, settings=settings)
    return issue.id


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def section_text(html: str, title: str) -> str:
    """The text of one section of an email's HTML part (up to the next section)."""
    match = re.search(
        rf'class="section-title"[^>]*>{re.escape(title)}</td>(.*?)(class="section-title"|class="footer")',
        html,
        re.S,
    )
    return match.group(1) if match else ""


def ledger(engine: Engine, issue_id: int) -> list[Delivery]:
    with read_session(engine) as s:
        return list(deliveries_for_issue(issue_id, session=s))


def kil_process(
    settings: Settings, smtp_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`kil ARGS` in a real subprocess on the test's database, mailing `smtp_url`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    full |= {
        "KIL_DATABASE_URL": settings.database_url,
        "KIL_SECRET_KEY": settings.require_secret_key(),
        "KIL_BASE_URL": settings.base_url,
        "KIL_SMTP_URL": smtp_url,
        "KIL_NEWSLETTER__SMTP_CONNECTIONS": "1",
        "KIL_NEWSLETTER__RETRY_BACKOFF": "0.05",
        "PYTHONPATH": str(ROOT),
    } | (env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "kil_feed", *args],
        env=full,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    STARTED.append(process)
    return process


def end_started() -> None:
    """Kill and reap what a test started and left running (it failed part-way): a leftover
    process would go on sending into the next test, and its pipes and exit would surface
    there as warnings."""
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()
