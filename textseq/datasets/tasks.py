"""Generated sequence-to-sequence tasks: seeded, no download, one ``(source, target)`` pair of
strings per example (a pairs file's line is ``source<TAB>target``).

- ``dates``: a date written in one of many human formats -> ISO ``YYYY-MM-DD``
  (``September 27, 1994``, ``27 sep 94``, ``9/27/1994`` -> ``1994-09-27``). Dates run from
  1950 to 2049, so a two-digit year names one century (50-99: 19xx, 00-49: 20xx); numeric
  forms are month-first with ``/`` and day-first with ``.``, never ambiguous.
- ``addition``: ``57+218`` -> ``275`` (each term 0-999).
- ``reverse``: letters separated by spaces -> the same letters reversed (length
  ``min_length``-``max_length``; long ones are where one context vector fails).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np

from textseq.errors import OptionError

Pair = tuple[str, str]

DEFAULT_SIZE = 20000  # pairs made when a task is named without a size

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_FIRST_DAY = datetime.date(1950, 1, 1).toordinal()
_DAYS = datetime.date(2049, 12, 31).toordinal() - _FIRST_DAY + 1


def _date_formats(d: datetime.date) -> list[str]:
    """Every way this task writes ``d`` (before its choice of letter case)."""
    month, mon = MONTHS[d.month - 1], MONTHS[d.month - 1][:3]
    yy, yyyy = f"{d.year % 100:02d}", str(d.year)
    day = WEEKDAYS[d.weekday()]
    return [
        f"{month} {d.day}, {yyyy}",
        f"{mon} {d.day}, {yyyy}",
        f"{d.day} {mon} {yy}",
        f"{d.day} {month} {yyyy}",
        f"{d.day:02d} {mon} {yyyy}",
        f"{d.month}/{d.day}/{yyyy}",
        f"{d.month:02d}/{d.day:02d}/{yy}",
        f"{d.day}.{d.month}.{yyyy}",
        f"{d.day:02d}.{d.month:02d}.{yy}",
        f"{day}, {month} {d.day}, {yyyy}",
        f"{day[:3]} {d.day} {mon} {yyyy}",
        f"{month} {d.day} {yyyy}",
        f"{yyyy} {month} {d.day}",
        f"{d.day} of {month}, {yyyy}",
    ]


def dates(size: int, seed: int = 0) -> list[Pair]:
    """``size`` human-written dates and their ISO form."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, _DAYS, size)
    forms = rng.integers(0, len(_date_formats(datetime.date(2000, 1, 1))), size)
    cases = rng.integers(0, 3, size)  # as written, lower case, upper case
    out = []
    for n, f, c in zip(days.tolist(), forms.tolist(), cases.tolist()):
        d = datetime.date.fromordinal(_FIRST_DAY + n)
        text = _date_formats(d)[f]
        text = (text, text.lower(), text.upper())[c]
        out.append((text, d.isoformat()))
    return out


def addition(size: int, seed: int = 0, max_term: int = 999) -> list[Pair]:
    """``size`` sums ``a+b`` (terms 0..``max_term``) and their value."""
    rng = np.random.default_rng(seed)
    terms = rng.integers(0, max_term + 1, (size, 2))
    return [(f"{a}+{b}", str(a + b)) for a, b in terms.tolist()]


def reverse(
    size: int, seed: int = 0, min_length: int = 1, max_length: int = 40, alphabet: int = 26
) -> list[Pair]:
    """``size`` sequences of letters (``alphabet`` of a-z, lengths ``min_length``..
    ``max_length``) and the same sequences reversed, tokens separated by spaces."""
    if not 1 <= min_length <= max_length:
        raise OptionError(
            f"reverse needs 1 <= min-length <= max-length, got {min_length} and {max_length}"
        )
    if not 2 <= alphabet <= 26:
        raise OptionError(f"the alphabet must have 2 to 26 letters, got {alphabet}")
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_length, max_length + 1, size)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"[:alphabet]))
    out = []
    for n in lengths.tolist():
        seq = letters[rng.integers(0, alphabet, n)].tolist()
        out.append((" ".join(seq), " ".join(seq[::-1])))
    return out


TASKS: dict[str, Callable[..., list[Pair]]] = {
    "dates": dates,
    "addition": addition,
    "reverse": reverse,
}


def is_task(name: object) -> bool:
    return isinstance(name, str) and name in TASKS


def make_task(name: str, size: int, seed: int = 0, **options) -> list[Pair]:
    """The pairs of the task ``name`` (``dates``, ``addition``, ``reverse``)."""
    if name not in TASKS:
        raise OptionError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise OptionError(f"size must be a whole number >= 1, got {size!r}")
    return TASKS[name](size, seed, **options)


def write_pairs(pairs: list[Pair], path) -> None:
    """Write pairs as a UTF-8 pairs file (``source<TAB>target`` per line), atomically."""
    from textseq.files import atomic_write

    with atomic_write(path) as handle:
        for src, tgt in pairs:
            handle.write(f"{src}\t{tgt}\n")
