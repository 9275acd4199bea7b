"""The demo job board's archive: half a year of interim and contract adverts, so the market
charts (`/market`, the newsletter's "Market pulse") have weeks and quarters to show.

Like every page of the demo site the adverts are invented (fictional employers, made-up
roles), and say so; they are drawn from a fixed seed, so every run serves the same
documents, dated relative to the moment the demo site started. The board publishes them
the way real boards do: one JSON document of schema.org JobPostings
(`/jobs/archive.json`, crawled as a `jobs` source) and a page per advert carrying the same
JobPosting (`/jobs/archive/<ref>.html`, what a reader opens and a pre-send check reads).

The rates follow a plausible market: a base per role, a factor per region (London highest,
Northern Ireland lowest), a rise of about 3 % a quarter (the North West faster) and noise;
about one advert in eight is a salaried post and one in twenty is paid by the hour without
stated hours, so the figures show what they keep apart and what they leave out.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

ARCHIVE_JSON = "/jobs/archive.json"
ARCHIVE_PAGES = "/jobs/archive/"
WEEKS = 26
NEWEST_DAYS = 8.0  # the board's own hand-written adverts are the newer ones
SEED = 2026

# (locality, ITL1 region, fictional employers there, adverts a week)
PLACES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("London", "London", ("London Borough of Fleetside", "Royal Borough of Kingsmere",
                          "London Borough of Ravensbourne Vale"), 2.6),
    ("Manchester", "North West", ("Irwell City Council",), 0.9),
    ("Preston", "North West", ("Ribble County Council",), 0.6),
    ("Liverpool", "North West", ("Mersey Docks Combined Authority",), 0.6),
    ("Leeds", "Yorkshire and The Humber", ("Aire Valley Metropolitan Council",), 0.8),
    ("Sheffield", "Yorkshire and The Humber", ("Don Valley City Council",), 0.6),
    ("Birmingham", "West Midlands", ("Arden Combined Authority", "Rea Valley City Council"), 1.0),
    ("Coventry", "West Midlands", ("Sowe and Sherbourne City Council",), 0.4),
    ("Maidstone", "South East", ("Medway Downs Borough Council",), 0.6),
    ("Reading", "South East", ("Kennet and Loddon Unitary Council",), 0.7),
    ("Glasgow", "Scotland", ("Clyde and Kelvin Council",), 0.7),
    ("Edinburgh", "Scotland", ("Forth and Pentland City Council",), 0.5),
    ("Nottingham", "East Midlands", ("Trent and Soar City Council",), 0.6),
    ("Leicester", "East Midlands", ("Soar Valley County Council",), 0.4),
    ("Cambridge", "East of England", ("Fenland and Cam County Council",), 0.6),
    ("Norwich", "East of England", ("Wensum and Yare County Council",), 0.4),
    ("Bristol", "South West", ("Severn Vale Council",), 0.6),
    ("Exeter", "South West", ("Exe and Teign District Council",), 0.4),
    ("Newcastle upon Tyne", "North East", ("Tyne and Wear Shared Services",), 0.5),
    ("Durham", "North East", ("Wear Valley County Council",), 0.3),
    ("Cardiff", "Wales", ("Taff Valley County Council",), 0.5),
    ("Belfast", "Northern Ireland", ("Lagan Health and Social Care Trust",), 0.3),
)  # fmt: skip
_REGION_FACTOR = {
    "London": 1.18, "South East": 1.06, "East of England": 1.02, "North West": 1.0,
    "West Midlands": 0.99, "Scotland": 0.98, "South West": 0.97, "Yorkshire and The Humber": 0.97,
    "East Midlands": 0.95, "North East": 0.93, "Wales": 0.92, "Northern Ireland": 0.9,
}  # fmt: skip
_QUARTER_RISE = {"North West": 0.05}  # elsewhere 3 % a quarter

# (title, base day rate, what the role does)
_ROLES: tuple[tuple[str, int, str], ...] = (
    (
        "Interim Head of Procurement",
        650,
        "Lead the corporate procurement team and its pipeline of tenders.",
    ),
    (
        "Interim Procurement Manager",
        500,
        "Run tenders above the threshold under the Procurement Act 2023.",
    ),
    ("Interim Senior Buyer", 410, "Buy works and services for the capital programme."),
    (
        "Interim Strategic Procurement Lead",
        560,
        "Shape the procurement strategy and its published pipeline.",
    ),
    (
        "Interim Category Manager - Adult Social Care",
        520,
        "Recommission home care and supported living.",
    ),
    (
        "Category Lead - Construction and Highways",
        560,
        "Lead the construction category and its frameworks.",
    ),
    (
        "Interim Category Manager - ICT and Digital",
        540,
        "Manage the ICT category through contract renewals.",
    ),
    (
        "Interim Contract Manager - Waste Services",
        460,
        "Manage the waste collection contract and its KPIs.",
    ),
    (
        "Contract Management Lead - Highways",
        480,
        "Lead contract management of the highways term contract.",
    ),
    ("Interim Contracts Officer", 330, "Keep the contracts register and the KPI returns."),
    (
        "Interim Commissioning Manager - Children's Services",
        520,
        "Commission placements and family support.",
    ),
    (
        "Interim Head of Commissioning",
        620,
        "Lead commissioning across adults, children and public health.",
    ),
    (
        "Interim Commissioner - Public Health",
        480,
        "Recommission sexual health and substance misuse services.",
    ),
    (
        "Social Value Lead (Interim)",
        470,
        "Measure and report the social value of the council's contracts.",
    ),
)
_TEAMS = ("Housing", "Corporate Services", "Capital Programme", "Place Directorate",
          "People Directorate", "Regeneration", "Transformation Programme")  # fmt: skip
_SALARIED = (
    ("Procurement Officer (permanent)", 36000),
    ("Category Manager (12-month fixed term)", 52000),
    ("Contracts and Commissioning Officer (permanent)", 39000),
)


@dataclass(frozen=True)
class Advert:
    """One invented advert of the archive."""

    ref: str
    title: str
    employer: str
    locality: str
    region: str
    days_ago: float  # posted this long before the site's clock
    open_days: int
    summary: str
    pay: tuple[int, int]  # low, high (equal for a single figure)
    unit: str  # DAY, HOUR or YEAR
    ir35: str | None  # "Inside IR35", "Outside IR35" or None
    employment: str  # CONTRACTOR, TEMPORARY, FULL_TIME


def _pay_text(advert: Advert) -> str:
    low, high = advert.pay
    per = {"DAY": "per day", "HOUR": "per hour", "YEAR": "per annum"}[advert.unit]
    amount = f"£{low:,}" if low == high else f"£{low:,} - £{high:,}"
    return f"{amount} {per}"


@cache
def adverts() -> tuple[Advert, ...]:
    """The archive, newest first (the same every run: a fixed seed)."""
    rng = random.Random(SEED)
    out: list[Advert] = []
    used: set[tuple[str, str]] = set()  # a title once per employer: a repeat is a repost
    for week in range(WEEKS):
        for locality, region, employers, rate in PLACES:
            count = int(rate) + (rng.random() < rate - int(rate))
            for _ in range(count):
                employer = rng.choice(employers)
                days_ago = NEWEST_DAYS + 7 * week + rng.uniform(0, 6.9)
                for _ in range(6):  # another role when this one is already advertised there
                    advert = _advert(rng, len(out), employer, locality, region, days_ago, used)
                    if advert is not None:
                        out.append(advert)
                        break
    return tuple(sorted(out, key=lambda a: a.days_ago))


def _advert(
    rng: random.Random,
    n: int,
    employer: str,
    locality: str,
    region: str,
    days_ago: float,
    used: set[tuple[str, str]],
) -> Advert | None:
    kind = rng.random()
    if kind < 0.12:
        title, salary = rng.choice(_SALARIED)
        pay, unit, ir35, employment = (salary, salary + 4000), "YEAR", None, "FULL_TIME"
        summary = "Join the council's commercial team on a salaried post."
    else:
        title, base, summary = rng.choice(_ROLES)
        weeks_back = days_ago / 7
        rise = _QUARTER_RISE.get(region, 0.03) / 13  # a quarter is 13 weeks
        rate = base * _REGION_FACTOR[region] * (1 - rise * weeks_back) * rng.uniform(0.93, 1.07)
        if kind < 0.17:  # paid by the hour, the hours not stated
            hourly = round(rate / 7.5)
            pay, unit = (hourly, hourly), "HOUR"
        else:
            low = 5 * round(rate / 5)
            pay, unit = ((low, low) if rng.random() < 0.6 else (low - 25, low + 25)), "DAY"
        ir35 = "Inside IR35" if rng.random() < 0.55 else "Outside IR35"
        employment = "CONTRACTOR"
    if rng.random() < 0.6:  # the team it is for
        team = rng.choice(_TEAMS)
        title = f"{title} ({team})" if " - " in title else f"{title} - {team}"
    if (title, employer) in used:
        return None
    used.add((title, employer))
    return Advert(
        ref=f"LPSN-{6000 + n}",
        title=title,
        employer=employer,
        locality=locality,
        region=region,
        days_ago=round(days_ago, 2),
        open_days=rng.choice((21, 28, 28, 35)),
        summary=summary,
        pay=pay,
        unit=unit,
        ir35=ir35,
        employment=employment,
    )


def job_posting(advert: Advert, base_url: str, now: datetime) -> dict[str, object]:
    """The advert as a schema.org JobPosting."""
    posted = now - timedelta(days=advert.days_ago)
    terms = _pay_text(advert) + (f" ({advert.ir35})" if advert.ir35 else "")
    value: dict[str, object] = {"@type": "QuantitativeValue", "unitText": advert.unit}
    low, high = advert.pay
    value |= {"value": low} if low == high else {"minValue": low, "maxValue": high}
    return {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": advert.title,
        "description": f"<p>{html.escape(advert.summary)}</p><p>Rate: {html.escape(terms)}.</p>",
        "identifier": {"@type": "PropertyValue", "name": "LPSN", "value": advert.ref},
        "datePosted": posted.date().isoformat(),
        "validThrough": (posted + timedelta(days=advert.open_days)).isoformat(timespec="seconds"),
        "employmentType": advert.employment,
        "hiringOrganization": {"@type": "Organization", "name": advert.employer},
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": advert.locality,
                "addressCountry": "GB",
            },
        },
        "baseSalary": {"@type": "MonetaryAmount", "currency": "GBP", "value": value},
        "url": f"{base_url.rstrip('/')}{ARCHIVE_PAGES}{advert.ref.lower()}.html",
    }


def archive_json(base_url: str, now: datetime) -> str:
    """Every advert of the archive, one JSON document (a board's JobPosting export)."""
    return json.dumps(
        {
            "@context": "https://schema.org/",
            "name": "Local Public Services Network - job archive (fictional demo adverts)",
            "@graph": [job_posting(a, base_url, now) for a in adverts()],
        },
        indent=1,
        ensure_ascii=False,
    )


_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - {employer}</title>
  <link rel="stylesheet" href="/static/site.css">
  <script type="application/ld+json">
{posting}
  </script>
</head>
<body>
<header class="site">
  <p><a href="/">Local Public Services Network</a>
  <span class="meta">(kil-feed demo site)</span></p>
  <nav><a href="/news/">News</a> <a href="/jobs/">Interim jobs</a></nav>
</header>
<main>
<article class="job">
  <h1>{title}</h1>
  <p class="meta">{employer} &middot; {locality} &middot; posted {posted}</p>
  <dl class="terms"><dt>Rate</dt><dd>{pay}</dd>{ir35}<dt>Closing date</dt><dd>{closes}</dd>
  <dt>Reference</dt><dd>{ref}</dd></dl>
  <p>{summary}</p>
</article>
</main>
<footer><p>This is a fictional demo site bundled with kil-feed. Organisations, people and roles
are invented; dates are relative to the day the demo runs.</p></footer>
</body>
</html>
"""


def archive_page(url_path: str, base_url: str, now: datetime) -> str | None:
    """The page of one archived advert, or None when the path names none."""
    name = url_path.removeprefix(ARCHIVE_PAGES).removesuffix(".html").upper()
    advert = next((a for a in adverts() if a.ref == name), None)
    if advert is None or not url_path.startswith(ARCHIVE_PAGES):
        return None
    posting = job_posting(advert, base_url, now)
    closes = datetime.fromisoformat(str(posting["validThrough"]))
    posted = now - timedelta(days=advert.days_ago)
    ir35 = f"<dt>IR35</dt><dd>{advert.ir35}</dd>" if advert.ir35 else ""
    return _PAGE.format(
        title=html.escape(advert.title),
        employer=html.escape(advert.employer),
        locality=html.escape(advert.locality),
        posted=f"{posted.day} {posted:%B %Y}",
        pay=html.escape(_pay_text(advert)),
        ir35=ir35,
        closes=f"{closes.day} {closes:%B %Y}",
        ref=advert.ref,
        summary=html.escape(advert.summary),
        posting=json.dumps(posting, indent=1, ensure_ascii=False).replace("</", "<\\/"),
    )
