"""Probe of what limits textseq word2vec's thread scaling (not a comparison with gensim).

Each round trains one epoch of a corpus (default: the `english` recipe) three ways, seconds
apart in one process, through the real chunk kernel:

- ``1 thread``: one thread trains every chunk;
- ``2 threads, shared``: two threads share one pair of weight matrices (Hogwild, as shipped);
- ``2 threads, separate``: each thread trains its half of the chunks on its own copy of the
  weights (no cache line is written by both cores; not a usable model, a measurement).

If ``shared`` falls below ``separate``, the cost is the cores fighting over the cache lines
of rows both write (coherence traffic), which depends on where the host places the two
virtual CPUs. Prints effective words/s per way and round, then medians and the 2/1 ratios.
``--by-matrix`` adds two ways that separate one matrix only (the input vectors ``syn0`` or
the output vectors ``syn1neg``), to tell which one the cores fight over. ``--own-rows K ...``
adds, per value, two threads through ``kernels.train_chunks`` itself (as ``Word2Vec`` trains)
with the second thread keeping a private copy of the ``K`` most frequent words' output rows
(the first trains them in place), folded back every ``--sync-words`` (``0``: the same kernel
call without private rows)::

    .venv/bin/python benchmarks/w2v_scaling_probe.py --sg 1 --rounds 4 [--no-huge-pages]
    .venv/bin/python benchmarks/w2v_scaling_probe.py --sg 0 --corpus lee --rounds 12 --by-matrix
    .venv/bin/python benchmarks/w2v_scaling_probe.py --sg 0 --corpus lee --rounds 16 \
        --own-rows 0 256 512 --sync-words 10000

``--sg`` is the kernels' code: 0 CBOW, 1 skip-gram with fresh negatives per pair (gensim's
form), 2 skip-gram with one set of negatives per centre word (the default of ``Word2Vec``).

``--no-huge-pages`` turns off numpy's request for transparent huge pages on large arrays
(``madvise``), so the weights sit on ordinary 4 KiB pages. ``--huge-pages-ab`` instead goes
through ``Word2Vec.train`` (one epoch) and compares, per round, one thread against two
threads with and without huge pages (a lead that was tried; see the notes of
benchmarks/results/w2v_vs_gensim.md)::

    .venv/bin/python benchmarks/w2v_scaling_probe.py --sg 0 --rounds 12 --huge-pages-ab
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from textseq.corpus import Corpus  # noqa: E402
from textseq.word2vec import Word2Vec, kernels  # noqa: E402
from textseq.word2vec.kernels import Block, Settings, Tables, Weights  # noqa: E402
from textseq.word2vec.plan import EpochPlan  # noqa: E402

ENGLISH = Path(__file__).resolve().parent.parent / "corpora" / "english" / "english.txt"


def _settings(sg, total, own=0, sync_words=0) -> Settings:
    """gensim's default settings for kernel mode ``sg`` on two threads, without the loss."""
    return Settings(
        mode=sg, window=5, negative=5, cbow_mean=1, alpha=0.025, min_alpha=0.0001,
        total_words=total, seed=1, compute_loss=False, workers=2, own_count=own,
        sync_words=sync_words,
    )  # fmt: skip


@njit(parallel=True, fastmath=True)
def _train_halves(weights_0, weights_1, tables, settings, ids, seg, chunk_segs):
    """Thread ``t`` trains chunks ``t, t+2, ...`` on ``weights_t``."""
    n_chunks = chunk_segs.shape[0] - 1
    effective = np.zeros(2)
    no_own_rows = np.empty((0, weights_0.syn1neg.shape[1]), np.float32)
    own_lo = weights_0.syn1neg.shape[0]
    for t in prange(2):
        weights = weights_1 if t == 1 else weights_0
        for c in range(t, n_chunks, 2):
            state = kernels.seed_state(1, 0, c)
            _, eff, _, _ = kernels._train_chunk(
                weights, tables, settings, ids, seg, chunk_segs[c], chunk_segs[c + 1],
                np.int64(0), state, own_lo, no_own_rows, 0,
            )  # fmt: skip
            effective[t] += eff
    return effective.sum()


def _train_chunks(sg, model, syn0, own, sync_words, ids, seg, chunks) -> int:
    """One epoch through ``kernels.train_chunks`` (chunks dealt out to two threads, as in
    ``Word2Vec``), thread 1 keeping ``own`` private output rows; returns the effective words."""
    syn1 = np.zeros((len(syn0) + 2 * own, syn0.shape[1]), np.float32)
    n = len(chunks) - 1
    loss, eff = np.zeros(n), np.zeros(n, np.int64)
    tables = Tables(model.keep_threshold_, model.neg_table_)
    block = Block(ids, seg, chunks, 0, n, chunk_base=0, epoch=0, words_done=0)
    settings = _settings(sg, len(ids), own, sync_words)
    kernels.train_chunks(Weights(syn0, syn1), tables, settings, block, loss, eff)
    return int(eff.sum())


def huge_pages_ab(args) -> int:
    """Rounds of: one thread, two threads with numpy's huge pages, two threads without."""
    sentences = list(Corpus(args.corpus))
    ways = (
        ("1 thread", 1, True),
        ("2 threads, huge pages", 2, True),
        ("2 threads, 4 KiB", 2, False),
    )
    ratios = {name: [] for name, _, _ in ways[1:]}
    for rnd in range(args.rounds):
        speeds = []
        for _name, threads, huge in ways:
            np._core.multiarray._set_madvise_hugepage(huge)
            model = Word2Vec(
                sg=min(args.sg, 1), shared_negatives=args.sg == 2, epochs=1, workers=threads,
                progress=False,
            )  # fmt: skip
            model.build_vocab(sentences).train(sentences)
            speeds.append(model.report_.words_per_second)
        for (name, _, _), wps in zip(ways[1:], speeds[1:]):
            ratios[name].append(wps / speeds[0])
        print(
            f"round {rnd + 1}: " + " | ".join(f"{n} {w:,.0f}" for (n, _, _), w in zip(ways, speeds))
        )
    for name, values in ratios.items():
        print(f"{name:22} per-round ratio to 1 thread: median {statistics.median(values):.2f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sg", type=int, default=1, help="0 CBOW, 1 skip-gram, 2 skip-gram, shared negatives"
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--no-huge-pages", action="store_true")
    parser.add_argument("--huge-pages-ab", action="store_true")
    parser.add_argument("--corpus", default=str(ENGLISH), help="a path or a built-in name")
    parser.add_argument(
        "--by-matrix", action="store_true",
        help="also give thread 1 its own input vectors only, and its own output vectors only",
    )  # fmt: skip
    parser.add_argument(
        "--own-rows", type=int, nargs="*", default=[],
        help="also train through kernels.train_chunks (as Word2Vec does) with the second "
        "thread keeping this many private output rows (0: none); one way per value",
    )  # fmt: skip
    parser.add_argument("--sync-words", type=int, default=10_000)
    args = parser.parse_args()
    if args.huge_pages_ab:
        return huge_pages_ab(args)
    if args.no_huge_pages:
        np._core.multiarray._set_madvise_hugepage(False)
    model = Word2Vec(sg=min(args.sg, 1), epochs=1, workers=1, progress=False)
    model.build_vocab(list(Corpus(args.corpus)))
    plan = EpochPlan(model._encoded.spool)
    ids, seg, chunks = plan.ids.to_array(), plan.segments.to_array(), plan.chunks
    ways = [
        ("1 thread", 1, False, False, None),
        ("2 threads, shared", 2, False, False, None),
        ("2 threads, separate", 2, True, True, None),
    ]
    if args.by_matrix:
        ways[2:2] = [
            ("2 threads, own input", 2, True, False, None),
            ("2 threads, own output", 2, False, True, None),
        ]
    ways[2:2] = [(f"train_chunks, {k} own rows", 2, False, False, k) for k in args.own_rows]
    seen = {name: [] for name, *_ in ways}
    for rnd in range(args.rounds + 1):  # round 0 compiles and is not counted
        cells = []
        for name, threads, sep0, sep1, own in ways:
            numba.set_num_threads(threads)
            a0, b0 = model.vectors_.copy(), model.vectors_.copy()
            a1, b1 = np.zeros_like(a0), np.zeros_like(a0)
            start = time.perf_counter()
            if own is None:
                # thread 1 trains its own input (sep0) or output (sep1) vectors, or shares them
                eff = _train_halves(
                    Weights(a0, a1), Weights(b0 if sep0 else a0, b1 if sep1 else a1),
                    Tables(model.keep_threshold_, model.neg_table_), _settings(args.sg, len(ids)),
                    ids, seg, chunks,
                )  # fmt: skip
            else:
                eff = _train_chunks(args.sg, model, a0, own, args.sync_words, ids, seg, chunks)
            wps = eff / (time.perf_counter() - start)
            if rnd:
                seen[name].append(wps)
            cells.append(f"{name} {wps:,.0f}")
        print(f"round {rnd}{' (warm-up)' if rnd == 0 else ''}: " + " | ".join(cells), flush=True)
    for name, values in seen.items():
        ratios = [v / o for v, o in zip(values, seen["1 thread"])]
        print(
            f"{name:22} median {statistics.median(values):>11,.0f} words/s, per-round ratio "
            f"to 1 thread {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
