"""Built-in corpora and evaluation sets, found inside the installed gensim package.

gensim's wheel ships real text and the standard word-vector evaluation sets in
``gensim/test/test_data/``; textseq refers to them by short names instead of copying them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from textseq.errors import InputError


@dataclass(frozen=True)
class BuiltinData:
    """One named file of gensim's test data."""

    name: str
    filename: str
    description: str


BUILTIN_CORPORA: dict[str, BuiltinData] = {
    item.name: item
    for item in (
        BuiltinData(
            "lee",
            "lee_background.cor",
            "Lee background corpus: 300 raw English news texts, about 60k tokens",
        ),
        BuiltinData(
            "wiki500",
            "head500.noblanks.cor",
            "500 Wikipedia articles, about 330k Porter-stemmed tokens (for speed, not quality)",
        ),
    )
}

EVAL_SETS: dict[str, BuiltinData] = {
    item.name: item
    for item in (
        BuiltinData(
            "questions-words",
            "questions-words.txt",
            "Google analogy questions: 19,544 in 14 sections",
        ),
        BuiltinData("wordsim353", "wordsim353.tsv", "WordSim-353 word pairs with human scores"),
        BuiltinData("simlex999", "simlex999.txt", "SimLex-999 word pairs with human scores"),
    )
}


@functools.lru_cache(maxsize=1)
def gensim_test_data() -> Path:
    """The folder of gensim's test data (gensim is a dependency, so it is there)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("gensim is not installed; built-in corpora come from its package")
    return Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"


def _builtin_file(item: BuiltinData) -> Path:
    path = gensim_test_data() / item.filename
    if not path.is_file():
        raise InputError(f"built-in {item.name!r} is missing from the gensim package ({path})")
    return path


def is_builtin_corpus(name: object) -> bool:
    """True for a string naming a built-in corpus (and not an existing path)."""
    return isinstance(name, str) and name in BUILTIN_CORPORA and not os.path.exists(name)


def corpus_path(name: str) -> Path:
    """The file of a built-in corpus (``lee``, ``wiki500``)."""
    try:
        return _builtin_file(BUILTIN_CORPORA[name])
    except KeyError:
        known = ", ".join(BUILTIN_CORPORA)
        raise InputError(f"no built-in corpus {name!r}; built-in corpora: {known}") from None


def eval_path(name_or_path: str | os.PathLike) -> Path:
    """The file of a built-in evaluation set by name, or a user's file by path."""
    text = os.fspath(name_or_path)
    if text in EVAL_SETS and not os.path.exists(text):
        return _builtin_file(EVAL_SETS[text])
    path = Path(text)
    if not path.is_file():
        known = ", ".join(EVAL_SETS)
        raise InputError(f"no such evaluation file {text!r} (built-in sets: {known})")
    return path
