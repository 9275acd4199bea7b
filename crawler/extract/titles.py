"""Job titles: does a heading or link text read like one, and a title without its site.

"Looks like a job title" means a short phrase (2-14 words, no sentence punctuation) whose
words include a role noun ("Officer", "Manager", "Teacher", "Nurse" ...) or an interim
marker ("Interim", "Locum"). Listing-link discovery and the advert threshold use it; it is
deliberately lenient on the phrase and strict on the role noun.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The head nouns of UK public-sector job titles (Civil Service, NHS, councils, schools,
# procurement and interim work); matched as whole words, case-insensitively.
_ROLE_WORDS = (
    "accountant administrator adviser advisor analyst apprentice architect assessor "
    "assistant associate auditor buyer caretaker caseworker chef cleaner clerk clinician "
    "commissioner consultant controller coordinator co-ordinator counsellor custodian "
    "designer developer director doctor economist editor engineer executive "
    "facilitator forecaster head headteacher inspector instructor investigator lawyer "
    "lead leader lecturer librarian manager mentor midwife modeller nurse officer "
    "operative paralegal partner pharmacist physiotherapist planner porter practitioner "
    "principal professor programmer psychologist radiographer receptionist registrar "
    "representative researcher scientist secretary solicitor specialist statistician "
    "steward strategist supervisor surveyor teacher technician therapist trainee "
    "tutor worker writer"
)
ROLE_NOUNS = tuple(_ROLE_WORDS.split())
_INTERIM = ("interim", "locum")
_ROLE = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in ROLE_NOUNS + _INTERIM) + r")s?\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[.!?]\s|[“”\"]|\b(?:is|are|was|were|has|have|will|says?)\b", re.I)
# what the part after a separator says when it is the site, not part of the job's title
_SITE_WORDS = re.compile(
    r"\b(?:jobs|careers|vacancies|recruitment|gov\.uk|nhs|council|trust|ltd|limited|plc|"
    r"university|college|school|academy|authority|board)\b|\.(?:uk|com|org|net)\b",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|:|»|·)\s+")


def looks_like_job_title(text: str) -> bool:
    """True for "Interim Head of Procurement", "Teacher of Year 5"; False for headlines."""
    text = " ".join((text or "").split())
    words = text.split()
    if not 1 <= len(words) <= 14 or _SENTENCE.search(text):
        return False
    return bool(_ROLE.search(text))


def strip_site_suffix(title: str, site_names: Iterable[str] = ()) -> str:
    """A page or job title without the site name after (or before) a separator.

    "Assistant Headteacher - Jobs in Schools | North East" with site "Jobs in Schools |
    North East" -> "Assistant Headteacher". Without a known site name, a trailing part is
    dropped only when the first part reads like a job title and the rest names a site or an
    organisation ("Civil Service Jobs - GOV.UK").
    """
    title = " ".join((title or "").split())
    for site in sorted({" ".join(s.split()) for s in site_names if s}, key=len, reverse=True):
        for sep in (" - ", " | ", " – ", " — ", " :: ", ": ", " · ", " » "):
            if title.lower().endswith((sep + site).lower()) and len(title) > len(sep + site):
                return title[: -len(sep + site)].strip()
            if title.lower().startswith((site + sep).lower()) and len(title) > len(site + sep):
                return title[len(site + sep) :].strip()
    parts = _SEPARATORS.split(title)
    if len(parts) > 1 and looks_like_job_title(parts[0]):
        rest = " ".join(parts[1:])
        if _SITE_WORDS.search(rest) and not looks_like_job_title(rest):
            return parts[0]
    return title


_SITE_NAME = re.compile(
    r"<meta\s[^>]*?(?:property|name)=[\"']og:site_name[\"'][^>]*?content=[\"']([^\"']+)"
    r"|<meta\s[^>]*?content=[\"']([^\"']+)[\"'][^>]*?(?:property|name)=[\"']og:site_name",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>([^<]{1,300})</title>", re.IGNORECASE)


def site_title_of(page: str) -> str | None:
    """A site's own name from its page: `og:site_name`, else the `<title>` without its
    first part ("Search Results - Jobs in Schools | North East" -> "Jobs in Schools |
    North East"), else the whole `<title>`."""
    from html import unescape

    if not page or "<" not in page:
        return None
    match = _SITE_NAME.search(page)
    if match:
        return " ".join(unescape(match.group(1) or match.group(2)).split()) or None
    title = _TITLE.search(page)
    if not title:
        return None
    text = " ".join(unescape(title.group(1)).split())
    parts = _SEPARATORS.split(text, maxsplit=1)
    rest = parts[1].strip(" -|") if len(parts) > 1 else ""
    return rest or text.strip(" -|") or None
