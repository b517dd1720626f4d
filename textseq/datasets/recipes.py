"""Recipes that build larger real English corpora from installed Debian packages.

The project ships no texts of its own beyond what gensim's wheel carries. These recipes turn
public-domain texts that Debian packages install (the King James Bible, the GCIDE dictionary,
the WordNet glosses) into plain UTF-8 text with one sentence (verse, paragraph, gloss) per
line, the format every textseq corpus reader takes. Each source has its own reader module
(``kjv``, ``gcide``, ``wordnet``); this module is the registry: each recipe knows which
packages it needs and, when they are missing, says which ``apt-get install`` to run.

A recipe writes ``<out_dir>/<name>/<name>.txt`` (a folder per corpus, so ``corpora/`` read as
a folder with the default ``*.txt`` glob finds it) atomically, streaming: no text is ever
held whole in memory.

Token counts are whitespace-separated words of the written text (tokenizer-independent).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from textseq.datasets import gcide, japanese, kjv, wordnet
from textseq.errors import InputError
from textseq.files import atomic_write

DEFAULT_OUT_DIR = Path("corpora")


@dataclass(frozen=True)
class Requirement:
    """Something a recipe needs on this machine: a file or a program, and its package."""

    package: str
    path: str
    kind: str = "file"  # "file" or "program"

    def present(self) -> bool:
        if self.kind == "program":
            return shutil.which(self.path) is not None
        return Path(self.path).is_file()


@dataclass(frozen=True)
class BuildResult:
    """What ``Recipe.build`` wrote: the file, its line and token counts, the time it took."""

    path: Path
    lines: int
    tokens: int
    seconds: float


@dataclass(frozen=True)
class Recipe:
    """A corpus built from installed packages into ``<out_dir>/<name>/<name>.txt``."""

    name: str
    description: str
    source: str
    requirements: tuple[Requirement, ...]
    approx_tokens: int
    approx_lines: int
    reader: Callable[[], Iterator[str]] = field(repr=False)

    @property
    def packages(self) -> tuple[str, ...]:
        """The Debian packages this recipe needs, in order, without repeats."""
        return tuple(dict.fromkeys(r.package for r in self.requirements))

    def missing_packages(self) -> list[str]:
        return list(dict.fromkeys(r.package for r in self.requirements if not r.present()))

    def available(self) -> bool:
        """True when every package the recipe needs is installed here."""
        return not self.missing_packages()

    def check_available(self) -> None:
        """Raise ``InputError`` naming the exact ``apt-get install`` when packages are missing."""
        missing = self.missing_packages()
        if missing:
            raise InputError(
                f"corpus recipe {self.name!r} needs the Debian package(s) "
                f"{', '.join(missing)}; install them with: "
                f"sudo apt-get install -y {' '.join(missing)}"
            )

    def output_path(self, out_dir: str | Path = DEFAULT_OUT_DIR) -> Path:
        return Path(out_dir) / self.name / f"{self.name}.txt"

    def is_built(self, out_dir: str | Path = DEFAULT_OUT_DIR) -> bool:
        return self.output_path(out_dir).is_file()

    def lines(self) -> Iterator[str]:
        """Stream the corpus lines (checks the packages first)."""
        self.check_available()
        return self.reader()

    def build(self, out_dir: str | Path = DEFAULT_OUT_DIR, progress: bool = True) -> BuildResult:
        """Write the corpus to ``<out_dir>/<name>/<name>.txt`` atomically and count it."""
        self.check_available()
        path = self.output_path(out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        n_lines = n_tokens = 0
        bar = tqdm(
            total=self.approx_lines or None,
            desc=f"building {self.name}",
            unit=" lines",
            unit_scale=True,
            disable=not progress,
        )
        try:
            with atomic_write(path) as handle:
                for line in self.reader():
                    line = " ".join(line.split())  # no stray newlines or tabs inside a line
                    if not line:
                        continue
                    handle.write(line)
                    handle.write("\n")
                    n_lines += 1
                    n_tokens += line.count(" ") + 1
                    bar.update(1)
        finally:
            bar.close()
        if n_lines == 0:
            path.unlink(missing_ok=True)
            raise InputError(f"corpus recipe {self.name!r} produced no text; nothing written")
        return BuildResult(path, n_lines, n_tokens, time.perf_counter() - started)


def _chain(*readers: Callable[[], Iterator[str]]) -> Callable[[], Iterator[str]]:
    def read() -> Iterator[str]:
        for reader in readers:
            yield from reader()

    return read


_KJV_REQS = (
    Requirement("bible-kjv", kjv.BIBLE_PROGRAM, "program"),
    Requirement("bible-kjv-text", str(kjv.BIBLE_DATA)),
)
_GCIDE_REQS = (
    Requirement("dict-gcide", str(gcide.GCIDE_DICT)),
    Requirement("dict-gcide", str(gcide.GCIDE_INDEX)),
)
_WORDNET_REQS = tuple(
    Requirement("wordnet-base", str(wordnet.WORDNET_DIR / f"data.{p}"))
    for p in wordnet.WORDNET_PARTS
)


_JAPANESE_REQS = (
    Requirement("manpages-ja", str(japanese.USER_PAGE)),
    Requirement("manpages-ja-dev", str(japanese.DEV_PAGE)),
    Requirement("maint-guide-ja", str(japanese.MAINT_GUIDE)),
)


def _make_recipes() -> dict[str, Recipe]:
    # Readers are looked up at call time so tests can monkeypatch the reader modules.
    def read_kjv() -> Iterator[str]:
        return kjv.read_kjv()

    def read_gcide() -> Iterator[str]:
        return gcide.read_gcide()

    def read_wordnet() -> Iterator[str]:
        return wordnet.read_wordnet()

    def read_japanese() -> Iterator[str]:
        return _chain(japanese.read_man_pages, japanese.read_maint_guide)()

    recipes = [
        Recipe(
            "kjv",
            "the King James Bible, one verse per line",
            "Debian bible-kjv + bible-kjv-text (`bible` program)",
            _KJV_REQS,
            approx_tokens=790_000,
            approx_lines=31_102,
            reader=read_kjv,
        ),
        Recipe(
            "gcide",
            "GCIDE (Webster 1913 + WordNet) dictionary, one paragraph per line",
            f"Debian dict-gcide ({gcide.GCIDE_DICT})",
            _GCIDE_REQS,
            approx_tokens=4_130_000,
            approx_lines=253_000,
            reader=read_gcide,
        ),
        Recipe(
            "wordnet",
            "WordNet 3.0 glosses, one gloss per line",
            f"Debian wordnet-base ({wordnet.WORDNET_DIR}/data.*)",
            _WORDNET_REQS,
            approx_tokens=1_460_000,
            approx_lines=117_659,
            reader=read_wordnet,
        ),
    ]
    parts = {r.name: r for r in recipes}
    parts["english"] = Recipe(
        "english",
        "kjv + gcide + wordnet joined: the standard benchmark corpus",
        "Debian bible-kjv, bible-kjv-text, dict-gcide, wordnet-base",
        _KJV_REQS + _GCIDE_REQS + _WORDNET_REQS,
        approx_tokens=sum(r.approx_tokens for r in recipes),
        approx_lines=sum(r.approx_lines for r in recipes),
        reader=_chain(read_kjv, read_gcide, read_wordnet),
    )
    parts["japanese"] = Recipe(
        "japanese",
        "Japanese manual pages and the Debian New Maintainers' Guide, one sentence per line "
        "(read it with --tokenizer ja)",
        "Debian manpages-ja, manpages-ja-dev, maint-guide-ja",
        _JAPANESE_REQS,
        approx_tokens=808_540,  # whitespace-separated, as above; ja words are about 5M
        approx_lines=178_953,
        reader=read_japanese,
    )
    return parts


RECIPES: dict[str, Recipe] = _make_recipes()


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name raises ``InputError`` listing the known ones."""
    try:
        return RECIPES[name]
    except KeyError:
        raise InputError(
            f"unknown corpus recipe {name!r}; known recipes: {', '.join(RECIPES)}"
        ) from None


def build_recipe(
    name: str, out_dir: str | Path = DEFAULT_OUT_DIR, progress: bool = True
) -> BuildResult:
    """Build the recipe ``name`` into ``<out_dir>/<name>/<name>.txt``."""
    return get_recipe(name).build(out_dir, progress=progress)
