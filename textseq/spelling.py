"""Suggest known words spelled like an unknown one, for "did you mean ...?" messages.

A plain ``difflib`` pass compares the word with every known word, too slow for a large
vocabulary, so the words are indexed by (first letter, length): other capitalisations come
first, then close matches among words of similar length with the same first letter, and only
if those are too few, close matches among words of about the same length starting with
another letter ("kat" -> "cat").
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class SpellingIndex:
    """Known words grouped by (case-folded first letter, length), built once."""

    def __init__(self, words: Sequence[str]):
        self.groups: dict[tuple[str, int], list[str]] = {}
        for word in words:
            if word:
                self.groups.setdefault((word[0].casefold(), len(word)), []).append(word)

    def suggest(self, word: str, n: int = 3) -> list[str]:
        if not isinstance(word, str) or not word or not self.groups:
            return []
        found: list[str] = []

        def add(candidates):
            for candidate in candidates:
                if candidate not in found:
                    found.append(candidate)

        folded, first, length = word.casefold(), word[0].casefold(), len(word)
        add(w for w in self.groups.get((first, length), []) if w.casefold() == folded)
        if len(found) < n:
            pool = [w for d in range(-2, 3) for w in self.groups.get((first, length + d), [])]
            add(difflib.get_close_matches(word, pool, n=n, cutoff=0.6))
        if len(found) < n:
            pool = [
                w
                for (initial, size), words in self.groups.items()
                if initial != first and abs(size - length) <= 1
                for w in words
            ]
            add(difflib.get_close_matches(word, pool, n=n, cutoff=0.6))
        return found[:n]
