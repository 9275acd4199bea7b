"""The known topics: slugs and labels from the topic rules (bundled plus `crawl.topics_file`).

Topics are a checked list: an editor can only tag an item with a known topic, and the
public choices (signup and preference forms, filter menus, per-topic feeds) are known
topics only. `TopicCatalog.label` is the one formatter of a topic for people ("Social
value", not `social-value`), used by the email, the web and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crawler.classify.topics import TopicRulesError, load_topic_rules
from kil_feed.config import Settings
from kil_feed.errors import ConfigError, ValidationError

GENERAL = "general"  # the news section of stories without a topic


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str


@dataclass(frozen=True)
class TopicCatalog:
    topics: tuple[Topic, ...]

    @property
    def slugs(self) -> list[str]:
        return [t.slug for t in self.topics]

    def label(self, slug: str) -> str:
        """The topic's label; a slug outside the list (older data) is made readable."""
        for topic in self.topics:
            if topic.slug == slug:
                return topic.label
        text = slug.replace("-", " ").replace("_", " ").strip()
        return text[:1].upper() + text[1:] if text else "General"

    def labels(self) -> dict[str, str]:
        return {t.slug: t.label for t in self.topics}

    def known(self, values: Iterable[str]) -> list[str]:
        """The known ones among `values`, once each, in their order."""
        slugs = set(self.slugs)
        return [v for v in dict.fromkeys(values) if v in slugs]

    def check(self, value: str) -> str:
        """The slug for `value` (a slug or a label, any case); ValidationError otherwise."""
        key = " ".join(value.replace("-", " ").split()).casefold()
        for topic in self.topics:
            if key in (" ".join(topic.slug.replace("-", " ").split()).casefold(),
                       topic.label.casefold()):  # fmt: skip
                return topic.slug
        raise ValidationError(
            f"unknown topic {value!r}",
            hint="known topics: " + ", ".join(self.slugs) + " (`kil topics list`)",
        )

    def check_all(self, values: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(self.check(v) for v in values))


@lru_cache(maxsize=8)
def _catalog(path: str | None) -> TopicCatalog:
    try:
        rules = load_topic_rules(path)
    except TopicRulesError as exc:
        raise ConfigError(str(exc), hint="check crawl.topics_file") from None
    return TopicCatalog(tuple(Topic(r.name, r.label or r.name) for r in rules))


def topic_catalog(settings: Settings | None = None) -> TopicCatalog:
    """The known topics for these settings (the bundled rules when None)."""
    return _catalog(settings.crawl.topics_file if settings is not None else None)
