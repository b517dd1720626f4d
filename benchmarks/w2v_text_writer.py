"""Writing word vectors as text: textseq's writer against gensim's, and a check of every value.

Speed: writes the same vectors with textseq's ``save_word2vec_format`` (text), gensim's
``KeyedVectors.save_word2vec_format`` (text), numpy's ``str`` of each value joined in Python
(textseq's writer before its kernel) and, for scale, textseq's binary writer,
alternating the order over ``--repeats`` rounds in one process, and reports median seconds.
The three text files must be the same bytes in every round. The vectors are ``--vectors FILE``
(any word2vec file) or, by default, a seeded random matrix the size of the ``english``
recipe's vocabulary (47,563 x 100, normal values of standard deviation 0.3, about what
trained vectors hold); the time depends on how many digits the values need.

``--exhaustive`` also checks that the kernel writes every positive float32 it formats itself
(magnitude 2**-27 to 2**24, 428M values) exactly as numpy's ``str`` does; negative values are
the same text after a ``-`` (the tests check both signs on samples). About 5 minutes.

Writes ``benchmarks/results/w2v_text_writer.md``::

    .venv/bin/python benchmarks/w2v_text_writer.py --exhaustive
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import load_avg, log, machine_line  # noqa: E402

from textseq import KeyedVectors  # noqa: E402
from textseq.files import atomic_write  # noqa: E402
from textseq.word2vec import formats, text_kernels  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
_BLOCK = 1 << 20  # values per comparison in the exhaustive check


def exhaustive() -> tuple[int, float]:
    """Compare the kernel with numpy on every positive float32 the kernel formats; return the
    number of values and the seconds taken. Raises on the first difference."""
    lowest = text_kernels._LOWEST_EXPONENT << 23
    highest = (text_kernels._HIGHEST_EXPONENT + 1) << 23
    start = time.perf_counter()
    for first in range(lowest, highest, _BLOCK):
        values = np.arange(first, first + _BLOCK, dtype=np.uint32).view(np.float32)
        rows = values.reshape(-1, 1024)
        words = ["w"] * len(rows)
        ours = bytes(formats._text_lines([word.encode() for word in words], rows))
        if ours != numpy_lines(words, rows):
            raise SystemExit(f"the kernel and numpy differ in the block from bits {first:#x}")
        if (first - lowest) % (1 << 26) == 0:
            log(f"checked up to {values[-1]!r}")
    return highest - lowest, time.perf_counter() - start


def numpy_lines(words: list[str], rows: np.ndarray) -> bytes:
    """The text format's lines as textseq wrote them before the kernel: numpy's
    ``astype(str)`` of each value, joined in Python."""
    texts = rows.astype(str).tolist()
    return "".join(f"{w} {' '.join(v)}\n" for w, v in zip(words, texts)).encode()


def numpy_text(path: Path, kv: KeyedVectors) -> None:
    """The whole text file through ``numpy_lines``, 1000 rows at a time (the same bytes, in
    the same order, as textseq's writer)."""
    with open(path, "wb") as out:
        out.write(f"{len(kv)} {kv.vector_size}\n".encode())
        for start in range(0, len(kv), 1000):
            stop = start + 1000
            out.write(numpy_lines(kv.index_to_key[start:stop], kv.vectors[start:stop]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=Path, default=None, help="a word2vec file")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--exhaustive", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "w2v_text_writer.md")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    if args.vectors is not None:
        kv = KeyedVectors.load_word2vec_format(args.vectors)
        source = f"`{args.vectors}`"
    else:
        rng = np.random.default_rng(0)
        vectors = (rng.standard_normal((47_563, 100)) * 0.3).astype(np.float32)
        kv = KeyedVectors([f"w{i}" for i in range(len(vectors))], vectors)
        source = "a seeded random matrix (normal, standard deviation 0.3)"
    gensim_kv = kv.to_gensim()
    writers = {
        "textseq, text": lambda p: kv.save_word2vec_format(p, progress=False),
        "gensim 4.4, text": lambda p: gensim_kv.save_word2vec_format(str(p)),
        "numpy's str per value (textseq before)": lambda p: numpy_text(p, kv),
        "textseq, binary": lambda p: kv.save_word2vec_format(p, binary=True, progress=False),
    }
    times: dict[str, list[float]] = {name: [] for name in writers}
    loads = [load_avg()]
    with tempfile.TemporaryDirectory() as tmp:
        names = list(writers)
        for name in names:  # untimed: Numba's cache is loaded, the writers warmed
            writers[name](Path(tmp) / "warm.vec")
        for r in range(args.repeats):
            digests = {}
            for name in names if r % 2 == 0 else names[::-1]:
                path = Path(tmp) / f"{r}-{name.replace(', ', '-')}.vec"
                start = time.perf_counter()
                writers[name](path)
                times[name].append(time.perf_counter() - start)
                digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
                path.unlink()
            if len({digests[name] for name in names if "binary" not in name}) != 1:
                raise SystemExit("the text files differ")
            log(f"round {r + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()))
            loads.append(load_avg())

    rows, dim = kv.vectors.shape
    gensim_median = statistics.median(times["gensim 4.4, text"])
    lines = [
        "# Writing word vectors as text: textseq against gensim",
        "",
        f"Command (run {started}): `{shlex.join(['python', *sys.argv])}`",
        "",
        f"Machine: {machine_line()}, numpy {np.__version__}. Vectors: {source},"
        f" {rows:,} x {dim}. Median of {args.repeats} rounds in alternating order, one"
        " process; the three text files were the same bytes in every round.",
        "",
        "| writer | median s | runs (s) | gensim's time / this |",
        "|---|---:|---|---:|",
    ]
    for name, ts in times.items():
        med = statistics.median(ts)
        runs = ", ".join(f"{t:.2f}" for t in ts)
        lines.append(f"| {name} | {med:.2f} | {runs} | {gensim_median / med:.1f}x |")
    lines += ["", "Load average (1/5/15 min) around the rounds: " + "; ".join(loads) + "."]
    if args.exhaustive:
        count, seconds = exhaustive()
        lines += [
            "",
            f"Exhaustive check: the kernel wrote all {count:,} positive float32 values it formats"
            " itself (normal floats of magnitude 2**-27 to 2**24) exactly as numpy's `str`"
            f" does ({seconds / 60:.1f} min). numpy writes the rest (zero aside: subnormals,"
            " smaller or larger magnitudes, inf, nan).",
        ]
    lines.append("")
    with atomic_write(args.out) as handle:
        handle.write("\n".join(lines))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
