"""Render an issue to email strings: HTML (CSS inlined) and plain text, per audience.

An *audience* is a distinct preference set (regions, topics). Each is rendered once; the
per-subscriber links are placeholders filled in by plain string substitution afterwards
(`RenderedEmail.personalise`), so 10,000 subscribers cost as many renders as there are
distinct preference sets, not 10,000.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import css_inline
import jinja2

from kil_feed.config import Settings
from kil_feed.regions import regions_label
from kil_feed.text import shorten
from kil_feed.timeutil import day_label
from newsletter.content import Card, IssueContent

if TYPE_CHECKING:
    from newsletter.pulse import IssuePulses, Pulse

logger = logging.getLogger(__name__)

UNSUBSCRIBE_PLACEHOLDER = "KILxUNSUBSCRIBExURLx0"
PREFERENCES_PLACEHOLDER = "KILxPREFERENCESxURLx0"
PREHEADER_CHARS = 140


@dataclass(frozen=True)
class Audience:
    """The preferences that change an email: regions (near you) and topics (news filter)."""

    regions: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    @classmethod
    def of(cls, regions: object = (), topics: object = ()) -> Audience:
        return cls(frozenset(_strings(regions)), frozenset(_strings(topics)))


def _strings(values: object) -> list[str]:
    if not isinstance(values, list | tuple | set | frozenset):
        return []
    return [v for v in values if isinstance(v, str) and v]


@dataclass(frozen=True)
class Section:
    key: str  # top, news, near, jobs, market, notices-near, notices, signals-near, signals
    title: str
    cards: list[Card]
    pulse: Pulse | None = None  # the market section's figures (it has no cards)


@dataclass(frozen=True)
class RenderedEmail:
    """One audience's email with link placeholders still in it."""

    subject: str
    preheader: str
    html: str
    text: str

    def personalise(self, unsubscribe_url: str, preferences_url: str) -> tuple[str, str]:
        """(html, text) for one subscriber: the placeholders replaced by their links."""
        out = []
        for body in (self.html, self.text):
            body = body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url)
            out.append(body.replace(PREFERENCES_PLACEHOLDER, preferences_url))
        return out[0], out[1]


def make_environment(settings: Settings) -> jinja2.Environment:
    """The email Jinja2 environment: autoescape for .html, strict undefined, helpers."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.templates_folder() / "email"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["day"] = partial(day_label, tz=settings.timezone)
    env.filters["wrap"] = _wrap
    env.filters["regions_label"] = regions_label
    return env


def _wrap(text: str, width: int = 76, indent: str = "", hang: str | None = None) -> str:
    """Lines of at most `width` at spaces only: a word or URL longer than that keeps its own
    line whole, and a hyphen never breaks one, so every link in the text part still works.
    `hang` indents the lines after the first (a bulleted title's, under its text)."""
    import textwrap

    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent if hang is None else hang,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines) or indent.rstrip()


def sections_for(
    content: IssueContent, audience: Audience, pulse: Pulse | None = None
) -> list[Section]:
    """The sections this audience sees, in order; the market pulse after the jobs."""
    out: list[Section] = []
    if content.top:
        out.append(Section("top", "Top stories", content.top))
    for label, cards in news_for(content, audience):
        out.append(Section("news", label, cards))
    for key, title, cards in (
        ("jobs", "interim jobs", content.jobs),
        ("notices", "procurement notices", content.notices),
        ("signals", "signals", content.signals),
    ):
        if key == "notices" and pulse is not None:
            out.append(Section("market", "Market pulse", [], pulse))
        if not cards:
            continue
        if audience.regions:
            near = [c for c in cards if audience.regions & set(c.regions)]
            rest = [c for c in cards if not audience.regions & set(c.regions)]
            if near:
                out.append(Section(f"{key}-near", f"Near you: {title}", near))
            if rest and near:
                out.append(Section(key, f"More {title}", rest))
            elif rest:  # "More" after nothing reads as a section gone missing
                where = " or ".join(sorted(audience.regions))
                label = f"{title[:1].upper()}{title[1:]} (none in {where} this week)"
                out.append(Section(key, label, rest))
        else:
            out.append(Section(key, title[:1].upper() + title[1:], cards))
    return out


def news_for(content: IssueContent, audience: Audience) -> list[tuple[str, list[Card]]]:
    """The news-by-topic sections an audience sees: all of them for no topic preference;
    otherwise only the chosen topics' sections, each story once, under the first of its
    topics that was chosen (a story's other topics never drag their sections in)."""
    if not audience.topics:
        return [(label, cards) for label, cards in content.news if cards]
    chosen: dict[str, list[Card]] = {}
    for _, cards in content.news:
        for card in cards:
            topic = next((t for t in card.topics if t in audience.topics), None)
            if topic is not None:
                chosen.setdefault(topic, []).append(card)
    labelled = [(content.labels.get(t, t), cards) for t, cards in chosen.items()]
    return sorted(labelled, key=lambda section: section[0])


CHARSET_META = '<meta charset="utf-8">'


def charset_first(html: str) -> str:
    """The `<meta charset>` first in `<head>`: the inliner writes the kept `@media` rules
    before it, and HTML wants the charset within the first 1024 bytes."""
    if CHARSET_META not in html or "<head>" not in html:
        return html
    return html.replace(CHARSET_META, "", 1).replace("<head>", "<head>" + CHARSET_META, 1)


class Renderer:
    """Renders one issue for any number of audiences, caching each audience's result."""

    def __init__(
        self, settings: Settings, content: IssueContent, pulses: IssuePulses | None = None
    ) -> None:
        self.settings = settings
        self.content = content
        self.pulses = pulses  # None: no market section
        self.env = make_environment(settings)
        self.inliner = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True)
        self._cache: dict[Audience, RenderedEmail] = {}
        self._lock = threading.Lock()

    @property
    def renders(self) -> int:
        return len(self._cache)

    def web_url(self) -> str:
        return f"{self.settings.base_url.rstrip('/')}/issues/{self.content.issue_id}"

    def prepare(self, audiences: list[Audience]) -> None:
        """Work out the market pulse of every region set among `audiences` at once."""
        if self.pulses is not None:
            with self._lock:
                self.pulses.prepare(a.regions for a in audiences)

    def render(self, audience: Audience) -> RenderedEmail:
        cached = self._cache.get(audience)
        if cached is not None:
            return cached
        with self._lock:
            if audience not in self._cache:
                self._cache[audience] = self._render(audience)
                logger.debug("rendered issue=%s audience=%s", self.content.issue_id, audience)
            return self._cache[audience]

    def preheader(self, sections: list[Section] | None = None) -> str:
        """The intro, else the titles of the stories this audience gets (all when None)."""
        cards = self.content.cards() if sections is None else [c for s in sections for c in s.cards]
        intro = " ".join(self.content.intro_paragraphs)
        return shorten(intro or " · ".join(c.title for c in cards), PREHEADER_CHARS)

    def _render(self, audience: Audience) -> RenderedEmail:
        pulse = self.pulses.for_regions(audience.regions) if self.pulses else None
        sections = sections_for(self.content, audience, pulse)
        context = {
            "issue": self.content,
            "subject": self.content.subject,
            "intro_paragraphs": self.content.intro_paragraphs,
            "preheader": self.preheader(sections),
            "sections": sections,
            "audience": audience,
            "regions": sorted(audience.regions),
            "web_url": self.web_url(),
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "preferences_url": PREFERENCES_PLACEHOLDER,
            "brand": "Keep it Local feed",
        }
        raw_html = self.env.get_template("issue.html").render(context)
        text = self.env.get_template("issue.txt").render(context)
        html = charset_first(self.inliner.inline(raw_html))
        return RenderedEmail(self.content.subject, context["preheader"], html, text)
