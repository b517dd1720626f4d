"""Does training the frequent words' output rows in per-thread copies cost quality?

With two threads, ``Word2Vec`` keeps a private copy of the most frequent words' output rows
per thread (``private_row_count``) and folds it back every ``SYNC_WORDS`` words, so each
thread sees the other's changes to those rows late. This script trains two-thread models on
the same corpus and seeds with the copies (as shipped) and without them
(``OWN_ROWS_MAX = 0``, training every row in place), one after the other, and prints analogy
accuracy (questions-words) and WS-353 Spearman for each. Two-thread runs are not
deterministic, so read a difference against the seed-to-seed spread.

    .venv/bin/python benchmarks/w2v_private_rows_quality.py            # CBOW, english
    .venv/bin/python benchmarks/w2v_private_rows_quality.py --sg

Writes benchmarks/results/w2v_private_rows_quality_<model>.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import textseq.word2vec.plan as w2v_plan  # noqa: E402
from textseq.corpus import Corpus  # noqa: E402
from textseq.word2vec import Word2Vec  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENGLISH = ROOT / "corpora" / "english" / "english.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sg", action="store_true", help="skip-gram (default: CBOW)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--corpus", default=str(ENGLISH), help="a path or a built-in name")
    args = parser.parse_args()
    model_name = "skip-gram" if args.sg else "CBOW"
    sentences = list(Corpus(args.corpus))
    shipped = w2v_plan.OWN_ROWS_MAX
    rows = []
    for seed in args.seeds:
        for cap in (0, shipped):
            w2v_plan.OWN_ROWS_MAX = cap
            start = time.perf_counter()
            model = Word2Vec(sg=int(args.sg), workers=2, seed=seed, progress=False)
            model.train(sentences)
            own = model._own_rows(2)
            analogy = model.wv.evaluate_word_analogies("questions-words")["accuracy"]
            spearman = model.wv.evaluate_word_pairs("wordsim353")["spearman"]
            rows.append((seed, own, analogy, spearman, time.perf_counter() - start))
            print(f"seed {seed}, {own} private rows: analogy {100 * analogy:.2f}%, "
                  f"WS-353 {spearman:.3f}", flush=True)  # fmt: skip
    w2v_plan.OWN_ROWS_MAX = shipped
    flags = " --sg" if args.sg else ""
    lines = [
        f"# word2vec {model_name}, two threads: private output rows on and off",
        "",
        f"Command (run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}):",
        "",
        f"```\n.venv/bin/python benchmarks/w2v_private_rows_quality.py{flags}\n```",
        "",
        f"Corpus {Path(args.corpus).name}, gensim's default settings, `workers=2`; "
        "0 private rows (`OWN_ROWS_MAX = 0`) trains every output row in place; the other "
        "count is what `private_row_count` gives on this corpus (as shipped).",
        "",
        "| seed | private rows | analogy % | WS-353 Spearman | seconds |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {s} | {o} | {100 * a:.2f} | {p:.3f} | {t:.1f} |" for s, o, a, p, t in rows]
    out = RESULTS / f"w2v_private_rows_quality_{'sg' if args.sg else 'cbow'}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
