"""Job adverts without schema.org markup: the advert read from the page itself.

Two readings of one page: trafilatura gives the advert's main text (the description, and
the prose that pay, IR35 and closing-date rules read); html-text gives every visible line
of the page, where labelled fields live ("Salary", "Closing date", "Contract type"). Main-
content extractors drop the short side panels those labels sit in (Civil Service Jobs'
"Details" box), so labels are read from all lines and prose only from the main text.

A page is an advert only when it carries enough signals: pay or a closing date, plus an
apply link or a job-like heading. A page whose pay or closing-date labels repeat is a
listing (search results, category pages) and is never an advert itself; news articles
lack both labelled pay and a job heading with an apply link. See `is_advert`.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.text import clean_text
from crawler.extract.titles import looks_like_job_title, strip_site_suffix

logger = logging.getLogger(__name__)

# label spellings (lower case, without the colon) by field
_ENGLISH_LABELS = {
    "employer": "employer|organisation|organization|client|school|council|trust|department|"
    "hiring organisation|hiring organization|company|academy|college|authority|"
    "recruiting organisation|employing organisation",
    "location": "location|locations|based at|based|base|work location|job location|"
    "place of work|office location|workplace",
    "pay": "salary|salary range|pay|pay rate|rate|day rate|daily rate|hourly rate|"
    "remuneration|rate of pay|salary/rate|compensation",
    "contract": "contract type|contractual status|employment type|job type|type of contract|"
    "contract|tenure|position type|type of role|contract basis",
    "hours": "hours|working hours|working pattern|hours per week|working week",
    "duration": "duration|contract length|length of contract|length of employment|"
    "assignment length|contract duration|length of assignment|length|assignment duration",
    "closing": "closing date|closes|closing|apply by|apply before|deadline|"
    "application deadline|closing date for applications|applications close",
    "reference": "reference|reference number|ref|ref no|job ref|job reference|"
    "vacancy reference|vacancy id|job id|vacancy ref|post reference",
    "ir35": "ir35|ir35 status|ir35 determination",
    "title": "job title|post title|vacancy title",
}
# Welsh labels of bilingual and Welsh-only adverts (Welsh public bodies), each checked
# against a dictionary: cyflogwr employer, sefydliad organisation, lleoliad location,
# cyflog salary, graddfa gyflog salary scale, math o gontract / math o gytundeb type of
# contract, oriau (gwaith) (working) hours, patrwm gwaith working pattern, dyddiad cau
# closing date, cyfeirnod (swydd) (job) reference, teitl y swydd job title
_WELSH_LABELS = {
    "employer": "cyflogwr|sefydliad",
    "location": "lleoliad",
    "pay": "cyflog|graddfa gyflog",
    "contract": "math o gontract|math o gytundeb",
    "hours": "oriau|oriau gwaith|patrwm gwaith",
    "closing": "dyddiad cau",
    "reference": "cyfeirnod|cyfeirnod swydd",
    "title": "teitl y swydd",
}
# label spelling (lower case, without the colon) -> field
LABELS: dict[str, str] = {
    name: key
    for table in (_ENGLISH_LABELS, _WELSH_LABELS)
    for key, names in table.items()
    for name in names.split("|")
}
# Labels that stand alone on a line (a heading above their value) only when they cannot be
# a menu entry or a category: "Salary", "Contract type"; never "School", "Academy", "Pay".
_BARE_LABELS = (
    "salary|salary range|location|locations|job location|work location|closing date|"
    "reference number|job reference|vacancy reference|contract type|employment type|"
    "contractual status|type of contract|working pattern|working hours|hours per week|"
    "length of employment|contract length|duration|employer|hiring organisation|"
    "day rate|hourly rate|rate of pay|apply by|apply before|application deadline|ir35 status|"
    "job title|cyflog|graddfa gyflog|lleoliad|dyddiad cau|math o gontract|math o gytundeb|"
    "oriau gwaith|patrwm gwaith|cyfeirnod swydd|cyflogwr|teitl y swydd"
)
# Closing phrases read without a colon: "Apply before 10:00 pm on Sunday 2nd July 2023".
_SPACED_LABELS = "apply before|apply by|closing date|closes|dyddiad cau"


def _alternation(names: Any) -> str:
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


_LABEL_LINE = re.compile(
    rf"^(?P<label>{_alternation(LABELS)})\s*(?::|-\s|–|—|\s(?=£))\s*(?P<value>.*)$"
    rf"|^(?P<spaced>{_SPACED_LABELS})\s+(?P<svalue>(?:on\s+)?(?:\d|mon|tue|wed|thu|fri|sat|sun|dydd\s).*)$"
    rf"|^(?P<bare>{_BARE_LABELS})\s*:?$",
    re.IGNORECASE,
)
_APPLY = re.compile(r"\bapply\b|\bapplication form\b|\bgwneud cais\b", re.IGNORECASE)  # cy: apply
_NOT_APPLY = re.compile(r"\b(?:filter|filters|terms|conditions may)\b", re.IGNORECASE)
# prose is read for pay only where it says it is pay, not a fine, a grant or a price
_PAY_WORDS = re.compile(
    r"\b(?:salary|pay|rate|per\s+(?:hour|day|annum|year|week|month)|p\.?a\b|ph\b|pd\b|"
    r"a\s+day|an\s+hour|pro[\s-]rata)\b|/\s*(?:day|hr|hour)\b",
    re.IGNORECASE,
)
_LOGO_ALT = re.compile(r"^(?P<name>.{3,80}?)\s+logo$", re.IGNORECASE)
_DETAIL_NAMES = {
    "employer": "Employer",
    "location": "Location",
    "pay": "Salary",
    "contract": "Contract type",
    "hours": "Hours",
    "duration": "Duration",
    "ir35": "IR35",
    "closing": "Closing date",
    "reference": "Reference",
}
LISTING_REPEATS = 3  # a pay or closing label seen this often: a listing, not one advert
MAX_VALUE_CHARS = 200


@dataclass
class PageReading:
    """What was read from a page, before deciding whether it is an advert."""

    title: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    candidates: dict[str, list[str]] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)
    main_text: str = ""
    site_name: str = ""
    logo_name: str = ""
    apply_url: str | None = None
    pay_text: str | None = None
    closing_text: str | None = None

    @property
    def is_listing(self) -> bool:
        return any(self.label_counts.get(k, 0) >= LISTING_REPEATS for k in ("pay", "closing"))


def read_page(body: str, url: str, *, main_text: bool = True) -> PageReading:
    """Labelled fields, main text, title and apply link of an HTML page.

    With `main_text` False the (costly) main-content pass is skipped: enough to tell that a
    page cannot be an advert (a listing, or neither a job heading nor an apply link).
    """
    sel = Selector(text=body, type="html", base_url=url)
    reading = PageReading()
    meta = _meta(sel)
    reading.site_name = meta.get("og:site_name", "")
    reading.logo_name = _logo_name(sel)
    reading.title = _title(sel, meta, reading)
    reading.apply_url = _apply_link(sel, url)
    _read_labels(_page_lines(sel), reading)
    if reading.labels.get("title"):
        reading.title = reading.labels["title"]
    if main_text and _may_be_advert(reading) and sel.xpath("//body//text()"):
        reading.main_text = _main_text(body, url)
    reading.pay_text = _pay_text(reading)
    reading.closing_text = reading.labels.get("closing") or _closing_prose(reading.main_text)
    return reading


def _may_be_advert(reading: PageReading) -> bool:
    if reading.is_listing or not reading.title:
        return False
    return bool(reading.apply_url) or _has_job_heading(reading)


def _has_job_heading(reading: PageReading) -> bool:
    job_fields = {"pay", "contract", "closing", "hours", "duration", "reference"}
    return looks_like_job_title(reading.title) or len(job_fields & set(reading.labels)) >= 3


def is_advert(reading: PageReading) -> bool:
    """Enough advert signals: (pay or closing date) and (apply link or job-like heading)."""
    if reading.is_listing or not reading.title:
        return False
    heading = _has_job_heading(reading)
    return bool(reading.pay_text or reading.closing_text) and bool(reading.apply_url or heading)


def advert_from_html(body: str, url: str) -> dict[str, Any] | None:
    """The job advert a page without JobPosting markup carries, as a job item, or None."""
    try:
        reading = read_page(body, url)
    except (ValueError, TypeError) as exc:  # lxml and trafilatura give up on some documents
        logger.info("page unreadable url=%s error=%s", url, exc)
        return None
    if not is_advert(reading):
        logger.debug("not an advert url=%s listing=%s", url, reading.is_listing)
        return None
    return advert_item(reading, url)


def advert_item(reading: PageReading, url: str) -> dict[str, Any]:
    """A job item dict in the shape `crawler.extract.jobs.posting_to_item` gives."""
    labels = reading.labels
    from crawler.classify.duration import duration_extra, duration_for

    duration = labels.get("duration") or duration_for(reading.main_text)
    extra = {
        "hours": labels.get("hours"),
        "duration": duration,
        **duration_extra(duration),
        "apply_url": reading.apply_url,
        "reference": labels.get("reference"),
        "extraction": "advert-text",
    }
    # the labelled details first (side panels the main text leaves out), then the advert
    details = "".join(
        f"<li>{html.escape(name)}: {html.escape(value)}</li>"
        for key, name in _DETAIL_NAMES.items()
        if (value := labels.get(key))
    )
    body = (f"<ul>{details}</ul>" if details else "") + "".join(
        f"<p>{html.escape(p)}</p>" for p in reading.main_text.split("\n") if p.strip()
    )
    return {
        "kind": "job",
        "url": url,
        "base_url": url,
        "guid": labels.get("reference"),
        "title": reading.title,
        "body_html": body,
        "summary": "",
        "published_raw": None,
        "employer": labels.get("employer") or reading.logo_name or reading.site_name or None,
        "location": labels.get("location"),
        "address": labels.get("location"),
        "employment_type": labels.get("contract"),
        "base_salary": reading.pay_text,
        "valid_through": reading.closing_text,
        "extra": {k: v for k, v in extra.items() if v is not None},
    }


# --- reading ---------------------------------------------------------------------------


def _page_lines(sel: Selector) -> list[str]:
    import html_text  # only plain adverts need it

    _colon_table_labels(sel)
    text = html_text.extract_text(sel.root, guess_layout=True)
    return [line for line in (clean_text(x) for x in text.split("\n")) if line]


def _colon_table_labels(sel: Selector) -> None:
    """A colon after the label cell of a two-cell table row ("<th>Location</th><td>Leeds</td>"):
    the text joins a row's cells with a space, so "Location Leeds" would be read as no label."""
    for row in sel.root.iter("tr"):
        cells = [c for c in row if c.tag in ("th", "td")]
        if len(cells) != 2:
            continue
        label = " ".join(cells[0].text_content().split()).lower()
        if label not in LABELS:
            continue  # not a label, or "Location:" with its colon already
        last = cells[0][-1] if len(cells[0]) else None
        if last is None:
            cells[0].text = (cells[0].text or "") + ":"
        else:
            last.tail = (last.tail or "") + ":"


def _read_labels(lines: list[str], reading: PageReading) -> None:
    """'Label: value' lines and 'Label' lines followed by their value line."""
    for index, line in enumerate(lines):
        if len(line) > 60 + MAX_VALUE_CHARS:
            continue
        match = _LABEL_LINE.match(line)
        if not match:
            continue
        name = (match.group("label") or match.group("spaced") or match.group("bare")).lower()
        value = (match.group("value") or match.group("svalue") or "").strip()
        if not value and index + 1 < len(lines) and not _LABEL_LINE.match(lines[index + 1]):
            value = lines[index + 1]
        if not value or len(value) > MAX_VALUE_CHARS:
            continue
        key = LABELS[name]
        reading.label_counts[key] = reading.label_counts.get(key, 0) + 1
        reading.candidates.setdefault(key, []).append(value)
    for key, values in reading.candidates.items():
        reading.labels[key] = _best_value(key, values)


def _best_value(key: str, values: list[str]) -> str:
    """The first value, except that a location should name a place the gazetteer knows
    (a "Location" entry in a page's table of contents is followed by the next heading)."""
    if key == "location" and len(values) > 1:
        from crawler.classify.regions import regions_for

        for value in values:
            if regions_for(address=value):
                return value
    return values[0]


def _main_text(body: str, url: str) -> str:
    import trafilatura  # only plain adverts need it (~0.3 s to import)

    # fast: no justext/readability second opinion, which doubles the time for nothing
    # on adverts (their text is one block)
    text = trafilatura.extract(
        body, url=url, include_tables=True, include_comments=False, favor_recall=True, fast=True
    )
    return text or ""


def _title(sel: Selector, meta: dict[str, str], reading: PageReading) -> str:
    sites = [reading.site_name, meta.get("application-name", "")]
    for h1 in sel.xpath("//h1"):
        text = clean_text(h1.xpath("string(.)").get())
        if text and len(text.split()) <= 16:
            return strip_site_suffix(text, sites)
    for value in (meta.get("og:title"), sel.xpath("string(//title)").get()):
        text = strip_site_suffix(clean_text(value), sites)
        if text:
            return text
    return ""


def _apply_link(sel: Selector, url: str) -> str | None:
    # the XPath filter runs in libxml2: a page of thousands of links costs little
    candidates = sel.xpath(
        "//a[@href][contains(translate(., 'APLY', 'aply'), 'apply') or "
        "contains(translate(@title, 'APLY', 'aply'), 'apply') or "
        "contains(translate(., 'APLICTONFRM', 'aplictonfrm'), 'application form') or "
        "contains(translate(., 'GWNEUDCAIS', 'gwneudcais'), 'gwneud cais')]"
    )
    for link in candidates:
        text = clean_text(link.xpath("string(.)").get()) or link.attrib.get("title", "")
        href = link.attrib["href"].strip()
        if (
            text
            and len(text) <= 60
            and _APPLY.search(text)
            and not _NOT_APPLY.search(text)
            and not href.startswith(("#", "javascript:"))
        ):
            return urljoin(url, href)
    return None


def _pay_text(reading: PageReading) -> str | None:
    from crawler.classify.pay import parse_pay_text

    labelled = reading.labels.get("pay")
    if labelled and parse_pay_text(labelled) is not None:
        return labelled
    for line in reading.main_text.split("\n"):
        if _PAY_WORDS.search(line) and parse_pay_text(line) is not None:
            return line[:MAX_VALUE_CHARS]
    return labelled


def _closing_prose(text: str) -> str | None:
    from crawler.classify.dates import closing_phrase

    return closing_phrase(text)


def _logo_name(sel: Selector) -> str:
    """The advertiser named by its logo ("House of Lords Logo"), as job boards show it."""
    for alt in sel.xpath("//img/@alt").getall():
        match = _LOGO_ALT.match(clean_text(alt))
        if match:
            return match.group("name")
    return ""


def _meta(sel: Selector) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in sel.xpath("//meta[@content]"):
        key = (node.attrib.get("property") or node.attrib.get("name") or "").strip().lower()
        if key and key not in found:
            found[key] = clean_text(node.attrib["content"])
    return found
