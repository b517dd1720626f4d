"""WordNet 3.0 glosses from Debian's ``wordnet-base``: one gloss per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

WORDNET_DIR = Path("/usr/share/wordnet")
WORDNET_PARTS = ("noun", "verb", "adj", "adv")


def parse_wordnet_data(lines: Iterable[str]) -> Iterator[str]:
    """Yield the gloss of each synset line of a WordNet ``data.*`` file.

    Header (licence) lines start with two spaces; every other line is a synset whose gloss is
    the text after ``" | "``.
    """
    for line in lines:
        if line.startswith("  "):
            continue
        _, bar, gloss = line.partition(" | ")
        gloss = gloss.strip()
        if bar and gloss:
            yield gloss


def read_wordnet(folder: Path = WORDNET_DIR, parts: Iterable[str] = WORDNET_PARTS) -> Iterator[str]:
    """Stream the glosses of nouns, verbs, adjectives and adverbs, in that order."""
    for part in parts:
        with open(Path(folder) / f"data.{part}", encoding="utf-8") as handle:
            yield from parse_wordnet_data(handle)
