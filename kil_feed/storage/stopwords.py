"""The words search leaves out, the same on both backends.

They are PostgreSQL's English stop words (`tsearch_data/english.stop`, the Snowball
list). A query that kept them required them ("council OR waste" required "or"), so the
query leaves them out on both backends. Both indexes hold them (FTS5 every word, and
PostgreSQL's since migration 0020), so a place's phrase still says which word is between
("Isle of Wight", not "Isle in Wight").
"""

from __future__ import annotations

import unicodedata

_ENGLISH_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
"""
STOP_WORDS = frozenset(_ENGLISH_STOP.split())


def is_stop_word(word: str) -> bool:
    """Whether `word` is one, in any case and with any accents (PostgreSQL's `kil_search`
    configuration folds accents before it looks a word up)."""
    folded = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in folded if not unicodedata.combining(c)) in STOP_WORDS
