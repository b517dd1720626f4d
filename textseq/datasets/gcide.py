"""The GCIDE dictionary from Debian's ``dict-gcide``: one cleaned paragraph per line.

The dictd database is a gzip-compatible ``.dict.dz`` of blank-line-separated paragraphs in
GCIDE's markup, with an index of base64 offsets. This module streams the paragraphs, skips the
``00-database-*`` entries, and turns the markup into plain running text.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

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
