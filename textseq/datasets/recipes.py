"""Recipes that build larger real English corpora from installed Debian packages.

The project ships no texts of its own beyond what gensim's wheel carries. These recipes turn
public-domain texts that Debian packages install (the King James Bible, the GCIDE dictionary,
the WordNet glosses) into plain UTF-8 text with one sentence (verse, paragraph, gloss) per
line, the format every textseq corpus reader takes. Each recipe knows which packages it needs
and, when they are missing, says which ``apt-get install`` to run.

A recipe writes ``<out_dir>/<name>/<name>.txt`` (a folder per corpus, so ``corpora/`` read as
a folder with the default ``*.txt`` glob finds it) atomically, streaming: no text is ever
held whole in memory.

Token counts are whitespace-separated words of the written text (tokenizer-independent).
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from textseq.errors import InputError
from textseq.files import atomic_write

DEFAULT_OUT_DIR = Path("corpora")

# ---------------------------------------------------------------------------------------------
# King James Bible (packages bible-kjv + bible-kjv-text)
# ---------------------------------------------------------------------------------------------

BIBLE_PROGRAM = "bible"
BIBLE_DATA = Path("/usr/lib/bible.data")
# Line width large enough that no verse is wrapped; the whole canon, Genesis 1:1 to Rev 22:21.
BIBLE_ARGS = ("-l100000", "gen1:1-rev22:21")

_VERSE_LINE = re.compile(r"^\s+(?:\d+\s+)?(\S.*?)\s*$")


def parse_bible_output(lines: Iterable[str]) -> Iterator[str]:
    """Yield the text of each verse from the output of ``bible -l100000 ...``.

    Verse lines are indented and start with the verse number (``"  3 And God said, ..."``);
    book/chapter headers (``"Genesis 1"``) are not indented and blank lines separate them.
    """
    for line in lines:
        if not line[:1].isspace():
            continue  # header or blank line
        match = _VERSE_LINE.match(line)
        if match:
            yield match.group(1)


def read_kjv(program: str = BIBLE_PROGRAM) -> Iterator[str]:
    """Run the ``bible`` program and stream its verses, one per yielded string."""
    exe = shutil.which(program) or program
    with subprocess.Popen(
        [exe, *BIBLE_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
    ) as proc:
        assert proc.stdout is not None
        yield from parse_bible_output(proc.stdout)
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        code = proc.wait()
    if code != 0:
        raise InputError(f"the bible program failed (exit {code}): {stderr.strip()[:200]}")


# ---------------------------------------------------------------------------------------------
# GCIDE dictionary (package dict-gcide)
# ---------------------------------------------------------------------------------------------

GCIDE_DICT = Path("/usr/share/dictd/gcide.dict.dz")
GCIDE_INDEX = Path("/usr/share/dictd/gcide.index")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}

# GCIDE writes non-ASCII letters as bracketed codes: a mark then a letter (['e] = é,
# [=a] = ā, ["o] = ö, [~n] = ñ, [,c] = ç, [*a] = å, [^o] = ô) or a letter then ^ (breve).
_PREFIX_MARKS = {
    "'": "\u0301",  # acute
    "`": "\u0300",  # grave
    '"': "\u0308",  # diaeresis
    "=": "\u0304",  # macron
    "-": "\u0304",  # macron (pronunciation variant)
    "~": "\u0303",  # tilde
    ".": "\u0307",  # dot above
    ",": "\u0327",  # cedilla
    "*": "\u030a",  # ring above
    "^": "\u0302",  # circumflex
}
_NAMED_CODES = {
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "eth": "ð",
    "ETH": "Ð",
    "thorn": "þ",
    "THORN": "Þ",
    "yogh": "ȝ",
    "imac": "ī",
    "aum": "ä",
    "add": "a",
    "asl": "a",
    "udd": "u",
    "ng": "ng",
    "th": "th",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "deg": "°",
    "sect": "§",
}
_CHAR_CODE = re.compile(r"\[([^\[\]\s]{1,5})\]")
_LETTER_CODE = re.compile(r"^([`'\"=\-~.,*^]?)([A-Za-z]{1,2})(\^?)$")
_INNERMOST_BRACKETS = re.compile(r"\[[^\[\]]*\]")
# A headword with syllable marks (\A*ban"don\) and, right after it, its respelling in brackets.
_PRONUNCIATION = re.compile(r"\\[^\\]{0,120}\\(?: ?\([^()]{0,120}\))?")
_SPACES = re.compile(r"\s+")
# Derived forms in running text keep the syllable and stress marks: Skill"ful*ly -> Skillfully.
_SYLLABLE_MARKS = re.compile(r"(?<=[^\W\d_])[\"*`]+(?=[^\W\d_])")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,;:])")


def _decode_char_code(match: re.Match) -> str:
    code = match.group(1)
    if code in _NAMED_CODES:
        return _NAMED_CODES[code]
    letter = _LETTER_CODE.match(code)
    if letter is None or (letter.group(1) == "" and letter.group(3) == ""):
        return match.group(0)  # not a character code: a tag such as [Obs.] or [R.]
    mark = _PREFIX_MARKS[letter.group(1)] if letter.group(1) else "\u0306"  # suffix ^ = breve
    base = letter.group(2)
    return unicodedata.normalize("NFC", base[0] + mark + base[1:])


def clean_gcide_paragraph(text: str) -> str:
    """Turn one GCIDE paragraph (lines joined) into plain running text.

    Drops ``\\pronunciation\\`` spans (with the respelling in parentheses that follows),
    every ``[...]`` group (source tags such as ``[1913 Webster]``, usage labels, etymologies;
    nested groups too), the ``{}`` cross-reference braces and the syllable marks left in
    derived forms (``Skill"ful*ly``); character codes such as ``['e]`` become the Unicode
    letter first so words are not broken.
    """
    # The membership tests only skip regular expressions that cannot match (for speed).
    if "\\" in text:
        text = _PRONUNCIATION.sub(" ", text)
    if "[" in text:
        text = _CHAR_CODE.sub(_decode_char_code, text)
        while True:
            stripped = _INNERMOST_BRACKETS.sub(" ", text)
            if stripped == text:
                break
            text = stripped
    text = text.replace("{", "").replace("}", "")
    if '"' in text or "*" in text or "`" in text:
        text = _SYLLABLE_MARKS.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", text))
    return text.strip()


def _b64_number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64_VALUE[char]
    return value


def gcide_header_ranges(index_path: Path) -> list[tuple[int, int]]:
    """Byte ranges ``[start, end)`` of the ``00-database-*`` entries, from the dictd index.

    The index lines are ``headword<TAB>offset<TAB>length`` with numbers in dictd's base64.
    """
    ranges = []
    with open(index_path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[0].startswith("00-database"):
                start = _b64_number(parts[1])
                ranges.append((start, start + _b64_number(parts[2])))
    return sorted(ranges)


def _decode_gcide_line(raw: bytes) -> str:
    # The file is UTF-8 (in practice ASCII with bracketed codes) except a few stray
    # Windows-1252 bytes (0x92 for an apostrophe, 0xE7 for c-cedilla) in quoted examples.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_gcide(dict_path: Path = GCIDE_DICT, index_path: Path = GCIDE_INDEX) -> Iterator[str]:
    """Stream the GCIDE dictionary as cleaned paragraphs, one per yielded string.

    ``dict_path`` is the gzip-compatible ``.dict.dz``; paragraphs are separated by blank lines.
    Lines inside a ``00-database-*`` entry (database name, URL, licence text) are skipped.
    """
    skip = gcide_header_ranges(index_path)  # sorted; lines come in increasing offsets
    offset = 0
    paragraph: list[str] = []
    with gzip.open(dict_path, "rb") as handle:
        for raw in handle:
            start, offset = offset, offset + len(raw)
            if skip:
                while skip and start >= skip[0][1]:
                    skip.pop(0)
                if skip and start >= skip[0][0]:
                    continue
            line = _decode_gcide_line(raw).strip()
            if line:
                paragraph.append(line)
                continue
            if paragraph:
                text = clean_gcide_paragraph(" ".join(paragraph))
                paragraph = []
                if text:
                    yield text
    if paragraph:
        text = clean_gcide_paragraph(" ".join(paragraph))
        if text:
            yield text


# ---------------------------------------------------------------------------------------------
# WordNet glosses (package wordnet-base)
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Recipes
# ---------------------------------------------------------------------------------------------


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
    Requirement("bible-kjv", BIBLE_PROGRAM, "program"),
    Requirement("bible-kjv-text", str(BIBLE_DATA)),
)
_GCIDE_REQS = (
    Requirement("dict-gcide", str(GCIDE_DICT)),
    Requirement("dict-gcide", str(GCIDE_INDEX)),
)
_WORDNET_REQS = tuple(
    Requirement("wordnet-base", str(WORDNET_DIR / f"data.{p}")) for p in WORDNET_PARTS
)


def _make_recipes() -> dict[str, Recipe]:
    # Readers are looked up at call time so tests can monkeypatch the module functions.
    def kjv() -> Iterator[str]:
        return read_kjv()

    def gcide() -> Iterator[str]:
        return read_gcide()

    def wordnet() -> Iterator[str]:
        return read_wordnet()

    recipes = [
        Recipe(
            "kjv",
            "the King James Bible, one verse per line",
            "Debian bible-kjv + bible-kjv-text (`bible` program)",
            _KJV_REQS,
            approx_tokens=790_000,
            approx_lines=31_102,
            reader=kjv,
        ),
        Recipe(
            "gcide",
            "GCIDE (Webster 1913 + WordNet) dictionary, one paragraph per line",
            "Debian dict-gcide (/usr/share/dictd/gcide.dict.dz)",
            _GCIDE_REQS,
            approx_tokens=4_130_000,
            approx_lines=253_000,
            reader=gcide,
        ),
        Recipe(
            "wordnet",
            "WordNet 3.0 glosses, one gloss per line",
            "Debian wordnet-base (/usr/share/wordnet/data.*)",
            _WORDNET_REQS,
            approx_tokens=1_460_000,
            approx_lines=117_659,
            reader=wordnet,
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
        reader=_chain(kjv, gcide, wordnet),
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
