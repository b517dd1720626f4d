"""What holds textseq's word2vec kernels below the machine's float32 peak: memory or arithmetic.

The same training work is run over vocabularies of different sizes. Every corpus has the same
number of tokens, drawn by a seeded generator from a Zipf law (exponent 1) over ``V`` words,
in sentences of 20 words; subsampling is off (``sample 0``) so that every token is trained on
and the arithmetic per word is the same whatever ``V``. Only where the rows live changes: with
a few hundred words both weight matrices fit in the core's L2 cache, with a million they are
hundreds of MiB and most rows a step touches come from main memory. If the kernels waited on
arithmetic, the rate would not move with ``V``; the fall from the smallest ``V`` to the
largest is what memory costs. The smallest ``V`` is the kernel with its data in cache: its
share of the peak is what the arithmetic itself (dot products of 100 floats ending in a
reduction, sigmoids, the random draws) leaves of the peak.

One thread, dim 100, window 5, negative 5, one epoch per run, training time only (the
kernel's epoch time from the training report, no reading or counting); ``--rounds`` rounds
whose vocabulary order alternates; medians. The peak is a 2048 x 2048 float32 matrix product
on one thread.

    .venv/bin/python benchmarks/w2v_kernel_limit.py

Writes benchmarks/results/w2v_kernel_limit.md.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from machine import cpu_model, load_avg, log  # noqa: E402
from w2v_vs_peers import multiply_adds, peak_flops  # noqa: E402

from textseq.word2vec import Word2Vec  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SENTENCE = 20
DIM, WINDOW, NEGATIVE = 100, 5, 5


def zipf_corpus(vocab: int, tokens: int, seed: int) -> list[list[str]]:
    """``tokens`` words drawn from a Zipf law over ``vocab`` words, in sentences of 20."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1)
    ids = rng.choice(vocab, size=tokens, p=p / p.sum())
    names = np.array([f"w{i}" for i in range(vocab)], dtype=object)
    words = names[ids]
    return [list(words[i : i + SENTENCE]) for i in range(0, tokens, SENTENCE)]


def rate(corpus: list[list[str]], sg: int) -> tuple[float, int]:
    """Effective words per second of one epoch's kernel time; and the vocabulary trained."""
    model = Word2Vec(
        vector_size=DIM, window=WINDOW, negative=NEGATIVE, sample=0, min_count=1, sg=sg,
        epochs=1, workers=1, seed=1, progress=False,
    )  # fmt: skip
    model.build_vocab(corpus)
    model.train(corpus)
    report = model.report_
    return report.effective_words / report.kernel_seconds, len(model.wv)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, nargs="+", default=[300, 3000, 30000, 300000, 1000000])
    parser.add_argument("--tokens", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "w2v_kernel_limit.md")
    args = parser.parse_args(argv)
    started, t0 = time.strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    loads = [load_avg()]
    corpora = {v: zipf_corpus(v, args.tokens, seed=v) for v in args.vocab}
    rate(corpora[args.vocab[0]][:500], 1)  # first kernel calls: compile or load the cache
    runs: dict = {}
    for r in range(args.rounds):
        order = args.vocab if r % 2 == 0 else args.vocab[::-1]
        for v in order:
            for sg, arch in ((1, "sg"), (0, "cbow")):
                words_per_s, trained = rate(corpora[v], sg)
                runs.setdefault((arch, v), []).append((words_per_s, trained))
                log(
                    f"round {r + 1} {arch:4} V={v:>9,} ({trained:,} trained) "
                    f"{words_per_s:,.0f} words/s"
                )
        loads.append(load_avg())
    peak = peak_flops(1)
    lines = [
        "# word2vec kernels against the machine's limit: the same work over vocabularies of "
        "every size",
        "",
        f"Command (run {started} UTC): "
        f"`{' '.join(['python', 'benchmarks/w2v_kernel_limit.py', *(argv or [])])}`",
        "",
        f"{cpu_model()}, one thread. {args.tokens:,} tokens per corpus, Zipf (exponent 1) over V "
        f"words in sentences of {SENTENCE}; dim {DIM}, window {WINDOW}, negative {NEGATIVE}, "
        f"sample 0, one epoch; effective words per second of kernel time, medians of "
        f"{args.rounds} rounds (vocabulary order alternating). Peak of a 2048 x 2048 float32 "
        f"matrix product on one thread: {peak / 1e9:.1f} GFLOP/s. Load average (1/5/15 min) "
        f"before and after each round: {'; '.join(loads)}. "
        f"{(time.perf_counter() - t0) / 60:.1f} min.",
        "",
        "| arch | V | rows' size (both matrices) | words/s | x the largest V | % of peak |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for arch in ("sg", "cbow"):
        largest = statistics.median(x for x, _ in runs[(arch, args.vocab[-1])])
        flops_per_word = 2 * multiply_adds(arch, DIM, WINDOW, NEGATIVE)
        for v in args.vocab:
            values = runs[(arch, v)]
            median = statistics.median(x for x, _ in values)
            trained = values[0][1]
            mib = 2 * trained * DIM * 4 / 2**20
            share = 100 * median * flops_per_word / peak
            lines.append(
                f"| {arch} | {trained:,} | {mib:,.1f} MiB | {median:,.0f} | "
                f"{median / largest:.2f} | {share:.1f}% |"
            )
    lines.append("")
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
