"""The fields of a procurement notice, read from a compiled OCDS release.

Plain functions over dicts: no Scrapy, no storage. `notice_fields` is what a spider yields
for one ocid (see `crawler.ocds.records.NoticeFields`); everything else here is a helper
that reads one aspect (buyer, stage, value, CPV, dates, the official notice URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from crawler.ocds.cpv import cpv_code, cpv_label, is_cpv
from crawler.ocds.place import region_for_address
from crawler.ocds.records import NoticeFields, Organisation
from crawler.ocds.text import fix_text

# the lifecycle, in order; a notice's stage is the furthest its newest release reached
STAGES: tuple[str, ...] = ("planning", "tender", "award", "contract", "amendment", "termination")
_STAGE_OF_TAG = {
    "planning": "planning",
    "planningUpdate": "planning",
    "tender": "tender",
    "tenderUpdate": "tender",
    "tenderAmendment": "tender",
    "award": "award",
    "awardUpdate": "award",
    "contract": "contract",
    "contractUpdate": "contract",
    "implementation": "contract",
    "implementationUpdate": "contract",
    "contractAmendment": "amendment",
    "tenderCancellation": "termination",
    "awardCancellation": "termination",
    "contractTermination": "termination",
}
# Procurement Act 2023 notice types (Find a Tender) that say the stage outright
_STAGE_OF_NOTICE_TYPE = {
    "UK1": "planning", "UK2": "planning", "UK3": "planning", "UK4": "tender", "UK5": "award",
    "UK6": "award", "UK7": "contract", "UK8": "contract", "UK9": "contract",
    "UK10": "amendment", "UK11": "termination", "UK12": "termination", "UK13": "contract",
    "UK14": "award", "UK15": "award", "UK16": "tender", "UK17": "amendment",
}  # fmt: skip

# (type, label, name pattern, classification ids) - the name decides first: "sub-central
# government" covers councils, NHS bodies and police alike
BUYER_TYPES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("nhs", "NHS", r"\bNHS\b|Health Board|Integrated Care Board|\bICB\b|Foundation Trust|"
        r"Hospitals?\b|Ambulance Service|Health and Social Care|Healthcare Trust", ()),
    ("police-fire", "Police and fire", r"\bPolice\b|Constabulary|Fire and Rescue|Fire Authority|"
        r"Crime Commissioner", ()),
    ("local-authority", "Local authority", r"\b(?:City|County|Borough|District|Town|Parish|"
        r"Metropolitan|Community|Unitary) Council\b|^(?:The )?(?:London|Royal) Borough of|"
        r"\bBorough Council\b|^(?:The )?(?:City|County|City (?:and|&) County) of |Combined "
        r"Authority|Greater London Authority|Comhairle", ("REGIONAL_AUTHORITY",
        "Regional or local authority", "REGIONAL_AGENCY")),
    ("education", "Education", r"\bUniversity\b|\bCollege\b|\bSchools?\b|\bAcadem(?:y|ies)\b|"
        r"Multi[- ]Academy|Learning Trust", ()),
    ("housing", "Housing", r"\bHousing\b|\bHomes\b", ()),
    ("central-government", "Central government", r"^(?:The )?(?:Department|Ministry|Cabinet "
        r"Office|HM |Home Office|Foreign)|\bAgency\b|\bExecutive\b|\bOffice\b",
        ("publicAuthorityCentralGovernment", "MINISTRY", "NATIONAL_AGENCY")),
    ("utility", "Utility", r"\bWater\b|\bEnergy\b|\bRail\b", ("privateUtility", "UTILITIES")),
    ("public-body", "Other public body", r"", ("publicAuthoritySubCentralGovernment",
        "publicUndertaking", "BODY_PUBLIC", "Body governed by public law")),
)  # fmt: skip
BUYER_TYPE_LABELS = {key: label for key, label, _, _ in BUYER_TYPES}


_NAME_DECIDES = frozenset({"nhs", "police-fire", "local-authority", "education"})


@cache
def _buyer_name_res() -> tuple[
    list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]
]:
    """The buyer-type name patterns, compiled on first use (not at crawl start-up): those
    whose match decides, then the weaker hints, each in BUYER_TYPES' order."""
    patterns = [(key, re.compile(pat, re.I)) for key, _, pat, _ in BUYER_TYPES if pat]
    return (
        [(k, p) for k, p in patterns if k in _NAME_DECIDES],
        [(k, p) for k, p in patterns if k not in _NAME_DECIDES],
    )


_PLACE_COUNCIL = re.compile(r"^(?:The )?(.+?) Council$", re.I)
_BUYER_CLASS = {cid: key for key, _, _, ids in BUYER_TYPES for cid in ids}
# hosts of the services whose notice pages are the "official notice"
_SERVICE_HOSTS = (
    "find-tender.service.gov.uk",
    "contractsfinder.service.gov.uk",
    "sell2wales.gov.wales",
    "publiccontractsscotland.gov.uk",
    "etendersni.gov.uk",
)
# an org-id.guide identifier, "GB-COH-09442333", "GB-PPON-PMPB-8772-VYWM", "GB-CFS-18525":
# the same organisation in every publication. A bare party id ("org-12", a hash) is only
# unique within its own release, so two publishers' "org-12" are not one buyer.
_ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,}-\S+$")
# names that stand in a notice's buyer place without being its buyer: Spend Network, a
# data aggregator that republished councils' notices on Contracts Finder under its own name
# (a real 2014 Gateshead Council notice), and EU Supply, an e-tendering service whose one
# Contracts Finder account is the "buyer" of councils' notices (North East Lincolnshire,
# Barnsley: each with the council's own address and e-mail)
_INTERMEDIARY = re.compile(r"^\s*(?:Spend\s*Network|EU[\s-]*Supply)\b", re.I)
_ON_BEHALF_OF = re.compile(
    r"\bon behalf of ((?:the )?(?:[A-Z][\w'&-]*\s+){0,6}?(?:Council|Authority|Trust|Board))\b"
)
_DEAD_AWARD = frozenset({"cancelled", "unsuccessful"})
_CF_OCID = re.compile(r"^ocds-b5fd17-([0-9a-f-]{36})$")
_FTS_OCID = re.compile(r"^ocds-h6vhtk-")


def notice_fields(compiled: dict[str, Any], history: list[dict[str, Any]]) -> NoticeFields:
    """The notice of one procurement, from its compiled release and its release history."""
    tender = _obj(compiled.get("tender"))
    awards = _objs(compiled.get("awards"))
    contracts = _objs(compiled.get("contracts"))
    planning = _obj(compiled.get("planning"))
    buyer_party, buyer_ref = _buyer_party(compiled)
    buyer = _organisation(buyer_party, buyer_ref) or _on_behalf_of(tender, buyer_ref)
    latest_tags = history[-1]["tag"] if history else list(compiled.get("tag") or [])
    documents = _documents(compiled)
    notice_type = _notice_type(documents, history)
    stage = stage_for(latest_tags, notice_type, compiled)
    title = (
        _text(tender.get("title"))
        or next((_text(c.get("title")) for c in contracts if c.get("title")), "")
        or next((_text(a.get("title")) for a in awards if a.get("title")), "")
        or _text(_obj(planning.get("budget")).get("description"))
        or _text(compiled.get("description"))
    )
    description = (
        _text(tender.get("description"), keep_lines=True)
        or next((_text(a.get("description"), keep_lines=True) for a in awards), "")
        or _text(compiled.get("description"), keep_lines=True)
    )
    amount, gross, currency, minimum = value_for(stage, tender, awards, contracts)
    address = _obj(buyer_party.get("address")) if buyer_party else {}
    delivery = [
        addr
        for item in _objs(tender.get("items")) + [i for a in awards for i in _objs(a.get("items"))]
        for addr in _objs(item.get("deliveryAddresses"))
    ]
    period = _period(tender, awards, contracts)
    return NoticeFields(
        ocid=str(compiled.get("ocid") or ""),
        title=title,
        description=description,
        buyer=buyer,
        published_by=intermediary_of(compiled),
        buyer_type=buyer_type_for(buyer["name"] if buyer else "", buyer_party),
        buyer_address=_address_fields(address),
        region=region_for_address(address)
        or next((r for a in delivery if (r := region_for_address(a))), None),
        cpv=cpv_codes(compiled),
        value_amount=amount,
        value_gross=gross,
        value_min=minimum,
        currency=currency,
        procedure=_text(tender.get("procurementMethodDetails"))
        or _text(tender.get("procurementMethod")),
        stage=stage,
        status=_status(stage, tender, awards, contracts),
        notice_type=notice_type,
        tender_deadline=_str(_obj(tender.get("tenderPeriod")).get("endDate")),
        award_date=award_date(awards, contracts),
        suppliers=_suppliers(compiled, awards),
        contract_start=period[0],
        contract_end=period[1],
        notice_url=notice_url(compiled, documents, history),
        published=_str(compiled.get("date")) or (history[-1]["date"] if history else None),
        tags=[str(t) for t in latest_tags],
        releases=len(history),
    )


# --- stage and status ------------------------------------------------------------------


def stage_for(tags: Iterable[str], notice_type: str | None, compiled: dict[str, Any]) -> str:
    """The furthest lifecycle stage the newest release's tags (or notice type) name, or
    that the compiled release holds, whichever is further.

    Tags lag behind content: Contracts Finder publishes a "tenderAmendment" after the
    award, a publisher tags a release "tender" that carries its award. As OCDS says a tag
    only hints at what a release holds, an award or contract in force (not cancelled or
    unsuccessful) makes the stage at least award or contract. A planning notice's tender
    section is its plan, so a tender section alone never moves a tagged notice on.
    """
    stages = [_STAGE_OF_TAG[t] for t in tags if t in _STAGE_OF_TAG]
    if notice_type in _STAGE_OF_NOTICE_TYPE:
        stages.append(_STAGE_OF_NOTICE_TYPE[notice_type])
    if live_contracts(_objs(compiled.get("contracts"))):
        stages.append("contract")
    elif live_awards(_objs(compiled.get("awards"))):
        stages.append("award")
    elif not stages:  # a compiled release only: infer from what it holds
        stages.append("tender" if compiled.get("tender") else "planning")
    return max(stages, key=STAGES.index)


def live_awards(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The awards that stand: not cancelled, not unsuccessful (no award made)."""
    return [a for a in awards if str(a.get("status") or "") not in _DEAD_AWARD]


def live_contracts(contracts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contracts that stand or stood (a terminated one was a contract): not cancelled."""
    return [c for c in contracts if str(c.get("status") or "") != "cancelled"]


def _status(stage: str, tender: dict, awards: list[dict], contracts: list[dict]) -> str | None:
    if stage in ("contract", "amendment") and contracts:
        return _str(contracts[-1].get("status")) or _str(tender.get("status"))
    if stage == "award" and awards:
        return _str(awards[-1].get("status")) or _str(tender.get("status"))
    return _str(tender.get("status"))


def _notice_type(documents: list[dict[str, Any]], history: list[dict[str, Any]]) -> str | None:
    """The notice type (UK4, UK7 ...) of the newest release's own notice document."""
    latest = history[-1]["id"] if history else None
    typed = [d for d in documents if d.get("noticeType")]
    for doc in typed:
        if latest and doc.get("id") == latest:
            return str(doc["noticeType"])
    typed.sort(key=lambda d: str(d.get("datePublished") or ""))
    return str(typed[-1]["noticeType"]) if typed else None


# --- buyer and suppliers ----------------------------------------------------------------


def _buyer_places(compiled: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(party, reference) pairs in the buyer's place, in the order they are tried: for
    `buyer` then `tender.procuringEntity`, the party its id names, then the parties with
    that role; a reference with no party is there with an empty party. The one walk that
    both the buyer (`_buyer_party`) and the intermediary (`intermediary_of`) are read from,
    so a party only `buyer.id` names is never skipped as an intermediary yet unnamed."""
    parties = _objs(compiled.get("parties"))
    tender = _obj(compiled.get("tender"))
    references = [_obj(compiled.get("buyer")), _obj(tender.get("procuringEntity"))]
    places: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for role, reference in zip(("buyer", "procuringEntity"), references, strict=True):
        ref_id = reference.get("id")
        named = [p for p in parties if ref_id and p.get("id") == ref_id]
        by_role = [p for p in parties if role in (p.get("roles") or []) and p not in named]
        places += [(p, reference) for p in named + by_role] or [({}, reference)]
    return places


def _buyer_party(compiled: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the buyer's party, its reference): the first of `_buyer_places` whose name (the
    party's, else the reference's) is no intermediary's.

    A party of an intermediary (`is_intermediary`) is skipped: its name and identifier are
    the intermediary's account, not the buyer's. When the intermediary's party is all
    there is, its address is still the buyer's (the account is used from the buyer's
    office), so that party is kept with an empty reference and no name of its own.
    """
    places = _buyer_places(compiled)
    for party, reference in places:
        name = _text(party.get("name")) or _text(reference.get("name"))
        if name and not is_intermediary(name):
            return party, reference
    address_of = next((p for p, _ in places if p.get("address")), {})
    return {"address": address_of["address"]} if address_of else {}, {}


def is_intermediary(name: str) -> bool:
    """Whether a name in the buyer's place is an intermediary that publishes for buyers
    (a data aggregator, an e-tendering service's account) rather than a buyer itself."""
    return bool(_INTERMEDIARY.search(name))


def intermediary_of(compiled: dict[str, Any]) -> str | None:
    """The intermediary named in the buyer's place, if any ("Spend Network"): the first
    intermediary's name of `_buyer_places`, the party's or the reference's (a reference
    may name the account whose party is renamed for the buyer, or the other way round)."""
    names = (_text(n) for p, r in _buyer_places(compiled) for n in (p.get("name"), r.get("name")))
    return next((n for n in names if n and is_intermediary(n)), None)


def _on_behalf_of(tender: dict[str, Any], reference: dict[str, Any]) -> Organisation | None:
    """The buyer an intermediary's notice names ("... on behalf of North East Lincolnshire
    Council, are seeking"), when no party is the buyer itself."""
    if reference:
        return None
    text = " ".join(_text(tender.get(k)) for k in ("title", "description"))
    match = _ON_BEHALF_OF.search(text)
    return Organisation(name=match.group(1), scheme=None, identifier=None) if match else None


def _organisation(party: dict[str, Any], reference: dict[str, Any]) -> Organisation | None:
    name = _text(party.get("name")) or _text(reference.get("name"))
    if not name:
        return None
    ident = _obj(party.get("identifier"))
    scheme, local_id = _text(ident.get("scheme")), _text(ident.get("id"))
    party_id = _text(party.get("id")) or _text(reference.get("id"))
    if scheme and local_id:
        identifier: str | None = f"{scheme}-{local_id}"
    else:  # a party id is only an identifier when it is a scheme-prefixed one itself
        identifier = party_id if _ORG_ID.match(party_id) else None
    return Organisation(name=name, scheme=scheme or None, identifier=identifier)


def buyer_type_for(name: str, party: dict[str, Any] | None = None) -> str | None:
    """One of BUYER_TYPES' keys, from the buyer's name, else its classification.

    "Council" alone is not enough ("Arts Council England", "Nursing and Midwifery
    Council"): "<place> Council" is a local authority when the place is in the gazetteer.
    """
    strong, weak = _buyer_name_res()
    for key, pattern in strong:
        if name and pattern.search(name):
            return key
    place = _PLACE_COUNCIL.match(name or "")
    if place:
        from crawler.classify.gazetteer import gazetteer

        if gazetteer().canonical(place.group(1)):
            return "local-authority"
    details = _obj((party or {}).get("details"))
    for cls in _objs(details.get("classifications")):
        key = _BUYER_CLASS.get(str(cls.get("id")))
        if key and key != "public-body":
            return key
    for key, pattern in weak:  # weaker hints ("Agency", "Water", "Homes"): strong ones failed
        if name and pattern.search(name):
            return key
    return "public-body" if details.get("classifications") else None


def _suppliers(compiled: dict[str, Any], awards: list[dict[str, Any]]) -> list[Organisation]:
    parties = {p.get("id"): p for p in _objs(compiled.get("parties"))}
    out: dict[str, Organisation] = {}
    for award in awards:
        for ref in _objs(award.get("suppliers")):
            org = _organisation(parties.get(ref.get("id")) or {}, ref)
            if org:
                out.setdefault(org["identifier"] or org["name"], org)
    return list(out.values())


def _address_fields(address: dict[str, Any]) -> dict[str, str]:
    keys = ("streetAddress", "locality", "region", "postalCode", "countryName", "country")
    return {k: v for k in keys if (v := _text(address.get(k)))}


# --- value, CPV, dates, URL --------------------------------------------------------------


def value_for(
    stage: str, tender: dict, awards: list[dict], contracts: list[dict]
) -> tuple[float | None, float | None, str | None, float | None]:
    """(amount, amountGross, currency, minimum): the contract's at contract stages, else the
    award's, else the tender's (an estimate). A tender's estimate may be a range: Contracts
    Finder gives its low end as `tender.minValue` beside `tender.value`, and minimum is
    that low end (with amount None when only minValue is given)."""
    awards, contracts = live_awards(awards), live_contracts(contracts)  # a cancelled
    # award's value was never awarded
    order: list[Any] = []
    if stage in ("contract", "amendment", "termination"):
        order += [c.get("value") for c in reversed(contracts)]
    order += [a.get("value") for a in reversed(awards)]
    order.append(tender.get("value"))
    order += [c.get("value") for c in reversed(contracts)]
    low_value = _obj(tender.get("minValue"))
    low = _num(low_value.get("amount"))
    for value in order:
        found = _obj(value)
        amount, gross = _num(found.get("amount")), _num(found.get("amountGross"))
        if amount is not None or gross is not None:
            currency = _str(found.get("currency"))
            if value is not tender.get("value") or low is None:
                return amount, gross, currency, None
            same_currency = _str(low_value.get("currency")) in (None, currency)
            high = amount if amount is not None else gross
            in_range = same_currency and high is not None and low < high
            return amount, gross, currency, low if in_range else None
    if low is not None:  # "from £213,506": the low end is all the tender gives
        return None, None, _str(low_value.get("currency")), low
    return None, None, None, None


def cpv_codes(compiled: dict[str, Any]) -> list[dict[str, str]]:
    """CPV codes with their labels, the main classification first, without repeats."""
    tender = _obj(compiled.get("tender"))
    found: dict[str, str] = {}

    def add(cls: Any) -> None:
        cls = _obj(cls)
        code = cpv_code(cls.get("id")) if is_cpv(cls.get("scheme")) else None
        if code:  # the vocabulary's label, else the publisher's for a code it lacks
            found.setdefault(code, cpv_label(code) or _text(cls.get("description")))

    add(tender.get("classification"))
    for extra in _objs(tender.get("additionalClassifications")):
        add(extra)
    items = _objs(tender.get("items"))
    for award in _objs(compiled.get("awards")):
        items += _objs(award.get("items"))
    for item in items:
        add(item.get("classification"))
        for extra in _objs(item.get("additionalClassifications")):
            add(extra)
    return [{"code": code, "label": label} for code, label in found.items()]


def award_date(awards: list[dict[str, Any]], contracts: list[dict[str, Any]]) -> str | None:
    dates = [_str(a.get("date")) or _str(a.get("datePublished")) for a in awards]
    dates += [_str(c.get("dateSigned")) for c in contracts]
    dates = [d for d in dates if d]
    return max(dates) if dates else None


def _period(tender: dict, awards: list[dict], contracts: list[dict]) -> tuple[str | None, ...]:
    periods = [_obj(c.get("period")) for c in reversed(contracts)]
    periods += [_obj(a.get("contractPeriod")) for a in reversed(awards)]
    periods.append(_obj(tender.get("contractPeriod")))
    periods += [_obj(lot.get("contractPeriod")) for lot in _objs(tender.get("lots"))]
    for period in periods:
        if period.get("startDate") or period.get("endDate"):
            return _str(period.get("startDate")), _str(period.get("endDate"))
    return None, None


def _documents(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    docs = _objs(_obj(compiled.get("tender")).get("documents"))
    docs += _objs(_obj(compiled.get("planning")).get("documents"))
    for section in ("awards", "contracts"):
        for entry in _objs(compiled.get(section)):
            docs += _objs(entry.get("documents"))
    return docs


def notice_url(
    compiled: dict[str, Any], documents: list[dict[str, Any]], history: list[dict[str, Any]]
) -> str | None:
    """The official notice page: the newest notice document on the publishing service."""
    notices = [
        d
        for d in documents
        if isinstance(d.get("url"), str)
        and any(host in d["url"] for host in _SERVICE_HOSTS)
        and ("Notice" in str(d.get("documentType") or "") or d.get("noticeType"))
    ]
    if notices:
        notices.sort(key=lambda d: str(d.get("datePublished") or ""))
        return notices[-1]["url"].strip()
    ocid = str(compiled.get("ocid") or "")
    if match := _CF_OCID.match(ocid):
        return f"https://www.contractsfinder.service.gov.uk/Notice/{match.group(1)}"
    if _FTS_OCID.match(ocid) and history:
        return f"https://www.find-tender.service.gov.uk/Notice/{history[-1]['id']}"
    for link in _objs(compiled.get("links")):
        if link.get("rel") == "canonical" and isinstance(link.get("href"), str):
            return link["href"]
    return None


# --- small readers -----------------------------------------------------------------------


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def _text(value: Any, *, keep_lines: bool = False) -> str:
    if not isinstance(value, str):
        return ""
    return fix_text(value, keep_lines=keep_lines)
