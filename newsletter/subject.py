"""An issue's subject line: built from the week and its lead story, or an editor's.

A built subject (`Issue.subject_set` False) follows the lead story until the issue is
being sent: the lead's title edited (`kil items edit`), another story moved to the top or
the lead dropped (`kil issue edit`), a rebuild. So the email never carries a title the
issue no longer shows. An editor's subject (`kil issue edit --subject`) stays. Every change
that can move the lead stores what `issue_subject` gives (`refresh_subject`), and the send
does before it freezes the subject; `kil issue show` and the listings (`issue_subjects`)
read it live (a re-crawl may have changed a title since).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError
from kil_feed.models import Issue, IssueItem, IssueStatus, Item
from kil_feed.storage import issues as issues_db
from kil_feed.text import SEPARATORS, one_line, plain_text, shorten
from newsletter import sections as sec

FOLLOWING = (IssueStatus.draft.value, IssueStatus.approved.value)  # not yet being sent

SUBJECT_CHARS = 78  # RFC 5322's recommended line length: whole in every inbox list


def subject_for(template: str, week: str, lead: str) -> tuple[str, str]:
    """(subject, headline) from `newsletter.subject_template`: the subject fits in
    SUBJECT_CHARS, cut in the lead's words; the headline (the web page's) is never cut."""
    year, number = week.split("-W")
    fields = {"week": int(number), "year": int(year)}
    full = template.format(**fields, lead=lead).strip()
    if not lead:
        full = full.rstrip(SEPARATORS)
    if len(full) <= SUBJECT_CHARS:
        return full, full
    room = SUBJECT_CHARS - len(template.format(**fields, lead="").strip())
    if room >= 12:
        return template.format(**fields, lead=shorten(lead, room)).strip(), full
    return shorten(full, SUBJECT_CHARS), full


def _built(week: str, shown: list[tuple[IssueItem, Item]], settings: Settings) -> tuple[str, str]:
    """(subject, headline) of the week and its shown placements: the lead is the first
    story with a real date (none shown: no subject)."""
    if not shown:
        return "", ""
    dated = [(row, item) for row, item in shown if not item.date_estimated]
    title = ""
    if dated:
        lead = min(dated, key=lambda p: (*sec.section_order(p[0].section), p[0].position))
        title = plain_text(lead[1].title)  # as the email's card shows it
    return subject_for(settings.newsletter.subject_template, week, title)


def auto_subject(
    week: str, rows: list[IssueItem], settings: Settings, *, session: Session
) -> tuple[str, str]:
    """(subject, headline) a build gives: the week and the lead story, which is the first
    story with a real date (an editor's subject is kept)."""
    shown = [r for r in rows if r.section != sec.DROPPED]
    items = issues_db.items_by_ids([r.item_id for r in shown], session=session)
    return _built(week, [(r, items[r.item_id]) for r in shown if r.item_id in items], settings)


def _follows(issue: Issue) -> bool:
    """Does the issue's subject follow its lead story now (built, not yet being sent)?"""
    return issue.status in FOLLOWING and not issue.subject_set and issue.id is not None


def issue_subjects(
    issues: Sequence[Issue], settings: Settings, *, session: Session
) -> dict[int, tuple[str, str]]:
    """(subject, headline) each issue has now, by id: built from its lead story, unless an
    editor set it or it is being sent (then as stored). One query for all the issues that
    follow, so a listing shows what `kil issue show` and the send give."""
    following = [i for i in issues if _follows(i)]
    shown = issues_db.shown_placements([i.id for i in following], session=session)  # type: ignore[misc]
    out = {i.id: (i.subject, i.headline) for i in issues if i.id is not None}
    for issue in following:
        built = _built(issue.week, shown.get(issue.id, []), settings)  # type: ignore[arg-type]
        if issue.subject_set is None and issue.subject and issue.subject != built[0]:
            continue  # from before 0026: maybe an editor's, kept
        out[issue.id] = built  # type: ignore[index]
    return out


def issue_subject(issue: Issue, settings: Settings, *, session: Session) -> tuple[str, str]:
    """(subject, headline) the issue has now (`issue_subjects` of it alone)."""
    if issue.id is None:
        return issue.subject, issue.headline
    return issue_subjects([issue], settings, session=session)[issue.id]


def decide_subject_set(
    issue: Issue, rows: list[IssueItem], settings: Settings, *, session: Session
) -> None:
    """An issue from before migration 0026 (`subject_set` None) is decided once, as builds
    decided: its subject is an editor's unless it is empty or the one `rows` build."""
    if issue.subject_set is None and issue.status in FOLLOWING:
        built = auto_subject(issue.week, rows, settings, session=session)[0]
        issue.subject_set = bool(issue.subject) and issue.subject != built


def _decide_from_stored(issue: Issue, settings: Settings, *, session: Session) -> None:
    """`decide_subject_set` on the issue's stored placements; read only for an issue from
    before 0026 (one already decided needs no placements)."""
    if issue.id is not None and issue.subject_set is None:
        rows = issues_db.placements(issue.id, session=session)
        decide_subject_set(issue, rows, settings, session=session)


def refresh_subject(issue: Issue, settings: Settings, *, session: Session) -> bool:
    """Store `issue_subject` (in the caller's transaction); True if it changed."""
    _decide_from_stored(issue, settings, session=session)
    subject, headline = issue_subject(issue, settings, session=session)
    session.add(issue)
    if (subject, headline) == (issue.subject, issue.headline):
        return False
    issue.subject, issue.headline = subject, headline
    return True


def check_subject(issue: Issue) -> str:
    """The issue's stored subject, refused when its email's header would carry none (it is
    empty once on one line): a built one whose lead story has no readable title with a
    `{lead}`-only template. The approve and the send check it after `refresh_subject`."""
    if not one_line(issue.subject):
        raise ConflictError(
            f"issue {issue.id} has no subject",
            hint=f'its lead story gives none; set one: kil issue edit {issue.id} --subject "..."',
        )
    return issue.subject


def decide_subjects_with(item_id: int, settings: Settings, *, session: Session) -> None:
    """Before an item changes: decide the subjects from before 0026 of the unsent issues
    showing it, while its title is still the one they were built from."""
    for issue in issues_db.unsent_issues_with(item_id, session=session):
        _decide_from_stored(issue, settings, session=session)
        session.add(issue)


def refresh_subjects_with(item_id: int, settings: Settings, *, session: Session) -> int:
    """After an item changed: refresh the subjects of the unsent issues showing it (it may
    lead them); returns how many changed."""
    issues = issues_db.unsent_issues_with(item_id, session=session)
    return sum(refresh_subject(issue, settings, session=session) for issue in issues)


def current_subject(engine: Engine, settings: Settings, issue_id: int, *, store: bool) -> str:
    """The subject an email of the issue carries now; `store`: a real send, which keeps it
    (once the issue is being sent it no longer follows) and, as the approve did, refuses
    none (`check_subject`) before the first email of the issue goes out."""
    if store:
        with write_session(engine) as session:
            issue = issues_db.get_issue(issue_id, session=session)
            refresh_subject(issue, settings, session=session)
            if issue.status == IssueStatus.approved.value:  # not yet begun
                check_subject(issue)
            return issue.subject
    with read_session(engine) as session:
        issue = issues_db.get_issue(issue_id, session=session)
        return issue_subject(issue, settings, session=session)[0]
