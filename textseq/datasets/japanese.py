"""Japanese text from Debian's Japanese documentation: one sentence per line.

- ``manpages-ja`` and ``manpages-ja-dev``: the Japanese manual pages (troff source, gzipped),
  read without running ``man``: macro lines end paragraphs (font macros such as ``.B`` keep
  their text), escapes are dropped or replaced, example blocks (``.nf`` .. ``.fi``) skipped;
- ``maint-guide-ja``: the Debian New Maintainers' Guide in Japanese, as plain text.

A paragraph's wrapped lines are joined (without a space between Japanese characters) and cut
after each ``。``; only sentences with kana in them are kept, so option tables and code stay out.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

MAN_DIR = Path("/usr/share/man/ja")
MAN_SECTIONS = ("man1", "man2", "man3", "man4", "man5", "man6", "man7", "man8")
USER_PAGE = MAN_DIR / "man1" / "ls.1.gz"  # one page of each package, to tell it is installed
DEV_PAGE = MAN_DIR / "man2" / "open.2.gz"
MAINT_GUIDE = Path("/usr/share/doc/maint-guide-ja/maint-guide.ja.txt.gz")

_FONT_MACROS = {".B", ".I", ".BR", ".RB", ".IR", ".RI", ".BI", ".IB", ".SM", ".SB"}
_ESCAPES = [
    (re.compile(r"\\f(\(..|\[[^]]*\]|.)"), ""),  # font changes
    (re.compile(r"\\\*(\(..|\[[^]]*\]|.)"), ""),  # strings
    (re.compile(r"\\\((em|en)"), "—"),
    (re.compile(r"\\\((lq|rq|dq)"), '"'),
    (re.compile(r"\\\(.."), ""),
    (re.compile(r"\\\[[^]]*\]"), ""),
    (re.compile(r"\\[-]"), "-"),
    (re.compile(r"\\[e\\]"), "\\\\"),
    (re.compile(r"\\[ ~0]"), " "),
    (re.compile(r"\\[&,/|^c%:)]"), ""),
    (re.compile(r"\\s[-+]?\d"), ""),
]
_KANA = re.compile(r"[\u3040-\u30ff]")
_SENTENCE_END = re.compile(r"(?<=。)")


def _is_japanese(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def join_wrapped(lines: Iterable[str]) -> str:
    """A paragraph's lines as one: no space where a line break falls between Japanese."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (_is_japanese(out[-1]) and _is_japanese(line[0])):
            out += " "
        out += line
    return out


def sentences(paragraph: str) -> Iterator[str]:
    """The sentences of a paragraph (cut after ``。``) that contain kana."""
    for sentence in _SENTENCE_END.split(paragraph):
        sentence = " ".join(sentence.split())
        if sentence and _KANA.search(sentence):
            yield sentence


def troff_text(line: str) -> str:
    """A text line of troff source without its escapes."""
    for pattern, replacement in _ESCAPES:
        line = pattern.sub(replacement, line)
    return line.replace("\\", "")


def parse_man_page(lines: Iterable[str]) -> Iterator[str]:
    """The sentences of one manual page's troff source."""
    paragraph: list[str] = []
    in_example = False
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith(('.\\"', "'\\\"", '.\\"')) or line == ".":
            continue
        if line.startswith((".", "'")):
            macro, _, rest = line.partition(" ")
            if macro == ".nf":
                in_example = True
            elif macro == ".fi":
                in_example = False
            if macro in _FONT_MACROS and not in_example:
                paragraph.append(troff_text(rest.replace('"', "")))
                continue
            if paragraph:
                yield from sentences(join_wrapped(paragraph))
                paragraph = []
            continue
        if not in_example:
            paragraph.append(troff_text(line))
    if paragraph:
        yield from sentences(join_wrapped(paragraph))


def parse_plain_text(lines: Iterable[str]) -> Iterator[str]:
    """The sentences of a plain-text document whose paragraphs end at blank lines."""
    paragraph: list[str] = []
    for line in lines:
        if line.strip():
            paragraph.append(line)
        elif paragraph:
            yield from sentences(join_wrapped(paragraph))
            paragraph = []
    if paragraph:
        yield from sentences(join_wrapped(paragraph))


def _read_gz(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        return handle.readlines()


def read_man_pages(folder: Path = MAN_DIR) -> Iterator[str]:
    """Every Japanese manual page, section by section, pages in name order."""
    for section in MAN_SECTIONS:
        for path in sorted((Path(folder) / section).glob("*.gz")):
            yield from parse_man_page(_read_gz(path))


def read_maint_guide(path: Path = MAINT_GUIDE) -> Iterator[str]:
    """The New Maintainers' Guide in Japanese."""
    yield from parse_plain_text(_read_gz(path))
