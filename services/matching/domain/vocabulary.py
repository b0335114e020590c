"""The words of goals, skills and sectors, as matching compares them (pure, deterministic).

A phrase becomes a set of words: case-folded, split on anything but letters and digits, without
common short words, and with a plain plural `s` taken off ("teams" → "team"). Two phrases are
related by the words they share; a phrase is *named* in a text when every one of its words is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
_STOPWORD_TEXT = """a an and as at be become better by for from get getting how i in into is it
its me more my of on or our out so the their them through to up with within"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

Words = frozenset[str]


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def words_of(phrase: str) -> Words:
    """The meaningful words of one phrase."""
    return frozenset(
        _stem(w) for w in _WORD.findall(phrase.casefold()) if w not in STOPWORDS and len(w) > 1
    )


def words_of_all(phrases: Iterable[str]) -> Words:
    """The meaningful words of several phrases together."""
    words: set[str] = set()
    for phrase in phrases:
        words |= words_of(phrase)
    return frozenset(words)


def named_in(phrase: str, words: Words) -> bool:
    """Every word of `phrase` is among `words` (and it has at least one)."""
    own = words_of(phrase)
    return bool(own) and own <= words


@lru_cache(maxsize=65536)
def normalised(label: str | None) -> str | None:
    """A free-text label (sector, location, language) in one canonical spelling, or None."""
    if label is None:
        return None
    cleaned = " ".join(label.casefold().split())
    return cleaned or None
