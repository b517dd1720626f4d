"""textseq word2vec against every peer a user could run instead, end to end.

Five tools, each run as its own command (a fresh process: wall time includes starting,
reading, counting, training and writing the vectors), on the same corpus:

- textseq (``textseq train-w2v``);
- gensim, iterable mode (``Word2Vec(LineSentence(path))``);
- gensim, ``corpus_file=`` mode;
- the word2vec C tool (PyPI ``word2vec``, which builds Mikolov's program);
- fastText without subwords (``fasttext-wheel``, ``maxn=0``).

The corpus is tokenized once by textseq's default tokenizer and written one sentence a line,
words separated by spaces, so every tool reads the same words (not timed). Then:

1. the same settings for all: dim 100, window 5, negative 5, sample 1e-3, min_count 5,
   5 epochs, the C tool's learning rate for the architecture (CBOW 0.05, skip-gram 0.025);
2. each tool at its own defaults (only the corpus, the architecture and the threads given;
   fastText's defaults include its subwords).

Skip-gram and CBOW, 1 and 2 threads, ``--repeats`` rounds whose tool order alternates
(forwards, then backwards); thread counts interleave inside a round. Times are medians;
the ratio is each tool's median time over textseq's. Quality (analogy on questions-words
restricted to the 30,000 most frequent words, WS-353 and SimLex-999 Spearman, all by
``textseq.word2vec.evaluation`` on each tool's vectors) is the mean over the rounds, which
use seeds 1, 2, ... where a tool takes one (the C tool has no seed).

The machine's limit: the multiply-adds per effective word of each architecture (the dot
products and updates of negative sampling, at the mean window) times the effective words per
second, as a share of the peak of a large float32 matrix product on the same threads.

    .venv/bin/python benchmarks/w2v_vs_peers.py                  # english, 3 rounds
    .venv/bin/python benchmarks/w2v_vs_peers.py --quick          # lee, 1 round, a check

Writes benchmarks/results/w2v_vs_peers.md (``--quick``: w2v_vs_peers_quick.md; ``--output``
picks another file), and a .json beside it with every run. The .json is rewritten after every
run, so a stopped run keeps what it finished; ``--resume`` runs only what is missing.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # the evaluation here must not compete with the tools

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from machine import cpu_model, load_avg  # noqa: E402
from results_file import write_results  # noqa: E402

from textseq.corpus import Corpus  # noqa: E402
from textseq.files import save_json  # noqa: E402
from textseq.word2vec.evaluation import (  # noqa: E402
    evaluate_word_analogies,
    evaluate_word_pairs,
)
from textseq.word2vec.keyedvectors import KeyedVectors  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENGLISH = ROOT / "corpora" / "english" / "english.txt"
PY = sys.executable
BIN = Path(sys.executable).parent

SAME = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5)
ALPHA = {"cbow": 0.05, "sg": 0.025}  # the C tool's, per architecture
TOOLS = ("textseq", "gensim-iterable", "gensim-corpus_file", "c-tool", "fasttext")
LABELS = {
    "textseq": "textseq",
    "gensim-iterable": "gensim, iterable (`LineSentence`)",
    "gensim-corpus_file": "gensim, `corpus_file=`",
    "c-tool": "word2vec C tool (PyPI `word2vec`)",
    "fasttext": "fastText, no subwords (`fasttext-wheel`, maxn 0)",
}

GENSIM_SCRIPT = """
import sys, json
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
path, out, mode, kw = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
if mode == "iterable":
    model = Word2Vec(LineSentence(path), **kw)
else:
    model = Word2Vec(corpus_file=path, **kw)
model.wv.save_word2vec_format(out)
"""

FASTTEXT_SCRIPT = """
import sys, json
import fasttext
path, out, kw = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
model = fasttext.train_unsupervised(path, verbose=0, **kw)
words = model.get_words()
with open(out, "w", encoding="utf-8") as f:
    f.write(f"{len(words)} {model.get_dimension()}\\n")
    for w in words:
        f.write(w + " " + " ".join(f"{x:.6f}" for x in model.get_word_vector(w)) + "\\n")
"""


def command(tool: str, arch: str, threads: int, corpus: Path, out: Path, seed: int, same: bool):
    """The command line of one run (``same``: the shared settings; else the tool's defaults)."""
    s, sg = SAME, arch == "sg"
    alpha = ALPHA[arch]
    if tool == "textseq":
        cmd = [PY, "-m", "textseq", "train-w2v", str(corpus), "-o", str(out), "--text",
               "--threads", str(threads), "--sg" if sg else "--cbow", "--seed", str(seed),
               "--no-progress"]  # fmt: skip
        if same:
            cmd += ["--dim", s["dim"], "--window", s["window"], "--negative", s["negative"],
                    "--sample", s["sample"], "--min-count", s["min_count"],
                    "--epochs", s["epochs"], "--alpha", alpha]  # fmt: skip
        return [str(part) for part in cmd]
    if tool.startswith("gensim"):
        kw = {"workers": threads, "sg": int(sg), "seed": seed}
        if same:
            kw.update(vector_size=s["dim"], window=s["window"], negative=s["negative"],
                      sample=s["sample"], min_count=s["min_count"], epochs=s["epochs"],
                      alpha=alpha)  # fmt: skip
        mode = "iterable" if tool == "gensim-iterable" else "corpus_file"
        return [PY, "-c", GENSIM_SCRIPT, str(corpus), str(out), mode, json.dumps(kw)]
    if tool == "c-tool":
        cmd = [str(BIN / "word2vec"), "-train", str(corpus), "-output", str(out), "-binary", "0",
               "-threads", str(threads), "-cbow", "0" if sg else "1"]  # fmt: skip
        if same:
            cmd += ["-size", s["dim"], "-window", s["window"], "-negative", s["negative"],
                    "-hs", 0, "-sample", s["sample"], "-min-count", s["min_count"],
                    "-iter", s["epochs"], "-alpha", alpha]  # fmt: skip
        return [str(part) for part in cmd]
    if tool == "fasttext":
        kw = {"model": "skipgram" if sg else "cbow", "thread": threads}  # no seed in 0.9.2
        if same:
            kw.update(dim=s["dim"], ws=s["window"], neg=s["negative"], t=s["sample"], lr=alpha,
                      minCount=s["min_count"], epoch=s["epochs"], minn=0, maxn=0)  # fmt: skip
        return [PY, "-c", FASTTEXT_SCRIPT, str(corpus), str(out), json.dumps(kw)]
    raise ValueError(tool)


def evaluate(path: Path) -> dict[str, float]:
    kv = KeyedVectors.load_word2vec_format(path)
    analogy = evaluate_word_analogies(kv, "questions-words", restrict_vocab=30000)
    return {
        "analogy": 100.0 * analogy["accuracy"],
        "ws353": evaluate_word_pairs(kv, "wordsim353")["spearman"],
        "simlex": evaluate_word_pairs(kv, "simlex999")["spearman"],
        "vocab": len(kv),
    }


def run_one(tool, arch, threads, corpus, work: Path, seed, same) -> dict:
    out = work / f"{tool}-{arch}-{threads}-{seed}-{int(same)}.vec"
    cmd = command(tool, arch, threads, corpus, out, seed, same)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"error: {tool} failed:\n{done.stderr[-2000:]}")
    row = {"tool": tool, "arch": arch, "threads": threads, "seed": seed, "same": same,
           "seconds": seconds, **evaluate(out)}  # fmt: skip
    out.unlink()
    print(f"{'same' if same else 'dflt'} {arch:4} {threads}t {tool:20} {seconds:7.1f} s  "
          f"analogy {row['analogy']:5.1f}%  ws353 {row['ws353']:.3f}  simlex {row['simlex']:.3f}",
          flush=True)  # fmt: skip
    return row


def tokenized_copy(source: str, work: Path) -> tuple[Path, np.ndarray]:
    """The corpus as textseq tokenizes it, one sentence a line; and the word counts."""
    from collections import Counter

    path = work / "tokens.txt"
    counts: Counter = Counter()
    with open(path, "w", encoding="utf-8") as f:
        for tokens in Corpus(source):
            f.write(" ".join(tokens) + "\n")
            counts.update(tokens)
    return path, np.array(sorted(counts.values(), reverse=True), np.int64)


def effective_words(counts: np.ndarray, min_count: int, sample: float) -> float:
    """Words an epoch trains on after min_count and the C tool's subsampling (expected)."""
    kept = counts[counts >= min_count].astype(np.float64)
    threshold = sample * kept.sum()
    keep = np.minimum(1.0, (np.sqrt(kept / threshold) + 1.0) * threshold / kept)
    return float((kept * keep).sum())


def multiply_adds(arch: str, dim: int, window: int, negative: int) -> float:
    """Multiply-adds per effective word of negative sampling at the mean window ((window+1)
    context words: the window is shrunk to 1..window at random). Skip-gram, per context
    word: (1 + negative) dot products, as many gradient accumulations and output-row updates,
    and one input-row update. CBOW, per centre word: the context's sum, (1 + negative) dots,
    accumulations and updates, and an update of each context row."""
    context = window + 1
    if arch == "sg":
        return context * (3 * (1 + negative) + 1) * dim
    return (2 * context + 3 * (1 + negative)) * dim


def peak_flops(threads: int, n: int = 2048, repeats: int = 3) -> float:
    """Float32 FLOP/s of an n x n matrix product on one thread, times ``threads``."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return threads * 2.0 * n**3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_rows(rows: list[dict]) -> dict:
    """Per (settings, arch, threads, tool): median seconds; quality's mean over the rounds and
    its standard error (``q_se``, NaN for a single round)."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["same"], r["arch"], r["threads"], r["tool"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        out[key] = {"seconds": statistics.median(r["seconds"] for r in rs), "runs": len(rs)}
        for q in ("analogy", "ws353", "simlex"):
            out[key][q], out[key][f"{q}_se"] = mean_se([r[q] for r in rs])
    return out


def mean_se(values: list[float]) -> tuple[float, float]:
    """The mean of ``values`` and its standard error, sd / sqrt(n) (NaN for one value)."""
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return statistics.fmean(values), sd / len(values) ** 0.5


def _quality(r: dict, q: str, fmt: str, suffix: str = "") -> str:
    """A mean with its standard error when there is one: ``24.1 ± 0.3%``."""
    mean, se = format(r[q], fmt), r[f"{q}_se"]
    return mean + suffix if math.isnan(se) else f"{mean} ± {format(se, fmt)}{suffix}"


def render(rows, meta) -> str:
    table = median_rows(rows)
    lines = [
        f"# word2vec against its peers, end to end ({meta['corpus']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"{meta['cpu']}; {meta['tokens']:,} tokens ({meta['effective']:,.0f} effective words "
        f"an epoch after min_count 5 and sample 1e-3); {meta['repeats']} round(s), tool order "
        f"alternating; times are medians of the whole command, quality the mean over rounds "
        f"(± its standard error; a round's seed is its number, the C tool and fastText have "
        f"none). "
        f"Started {meta['date']}, {meta['minutes']:.1f} min."
        + (
            f" Load average (1/5/15 min) before and after each round: {'; '.join(meta['loads'])}."
            if meta.get("loads")
            else ""
        ),
        "",
    ]
    for same, title in ((True, "Same settings"), (False, "Each tool at its own defaults")):
        if not any(k[0] == same for k in table):
            continue
        lines += [f"## {title}", ""]
        if same:
            lines += ["dim 100, window 5, negative 5, sample 1e-3, min_count 5, 5 epochs, alpha "
                      "0.05 (CBOW) / 0.025 (skip-gram).", ""]  # fmt: skip
        for threads in meta["threads"]:
            if not any(k[0] == same and k[2] == threads for k in table):
                continue
            lines += [f"### {threads} thread(s)", "",
                      "| tool | arch | runs | wall s | x textseq | analogy | WS-353 | SimLex | "
                      "% of peak |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
            for arch in meta["archs"]:
                base = table.get((same, arch, threads, "textseq"))
                for tool in meta["tools"]:
                    r = table.get((same, arch, threads, tool))
                    if r is None:
                        continue
                    ratio = r["seconds"] / base["seconds"] if base else float("nan")
                    rate = meta["epochs"] * meta["effective"] / r["seconds"]
                    work = 2 * multiply_adds(arch, 100, 5, 5) * rate
                    share = 100 * work / meta["peak_per_thread"] / threads
                    label, share_text = LABELS[tool], f"{share:.1f}%"
                    if tool == "fasttext" and not same:
                        # subwords and sample 1e-4 change the arithmetic: no share to give
                        label = "fastText (its defaults: subwords of 3-6 characters)"
                        share_text = "–"
                    lines.append(
                        f"| {label} | {arch} | {r['runs']} | {r['seconds']:.1f} | {ratio:.2f} | "
                        f"{_quality(r, 'analogy', '.1f', '%')} | {_quality(r, 'ws353', '.3f')} | "
                        f"{_quality(r, 'simlex', '.3f')} | {share_text} |"
                    )
            lines.append("")
    lines += [
        "## Distance to the machine's limit",
        "",
        f"Peak: a 2048 x 2048 float32 matrix product runs at "
        f"{meta['peak_per_thread'] / 1e9:.1f} GFLOP/s on one thread. Multiply-adds per "
        f"effective word at the mean window (6 context words), dim 100, negative 5: skip-gram "
        f"{multiply_adds('sg', 100, 5, 5):,.0f}, CBOW {multiply_adds('cbow', 100, 5, 5):,.0f}. "
        "The % of peak column is 2 x that x effective words/s (5 epochs over the whole "
        "command's time, so reading and counting count against it) over the peak of the "
        "threads used.",
        "",
        "What holds the kernels below the peak, memory or arithmetic, is measured by "
        "`benchmarks/w2v_kernel_limit.py` (the same training work over vocabularies of every "
        "size; results/w2v_kernel_limit.md).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="Corpus (default: the english recipe).")
    parser.add_argument("--quick", action="store_true", help="lee, one round: a check.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--archs", nargs="+", default=["sg", "cbow"], choices=["sg", "cbow"])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--no-defaults", action="store_true", help="Skip the defaults runs.")
    parser.add_argument(
        "--defaults-threads", type=int, nargs="+", default=None,
        help="Thread counts of the defaults runs (default: those of --threads).",
    )  # fmt: skip
    parser.add_argument(
        "--skip", nargs="+", default=[], metavar="TOOL@THREADS",
        help="Runs to leave out, e.g. gensim-iterable@1.",
    )  # fmt: skip
    parser.add_argument("--resume", action="store_true", help="Keep the runs of the .json.")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--render", action="store_true", help="Rewrite the .md from the .json.")
    args = parser.parse_args(argv)
    if args.render:
        output = args.output or RESULTS / "w2v_vs_peers.md"
        saved = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
        write_results(output, render(saved["runs"], saved["meta"]))
        return
    corpus = args.corpus or ("lee" if args.quick else str(ENGLISH))
    if corpus == str(ENGLISH) and not ENGLISH.exists():
        raise SystemExit("error: build the corpus first: textseq corpora build english")
    repeats = 1 if args.quick else args.repeats
    output = args.output or RESULTS / ("w2v_vs_peers_quick.md" if args.quick else "w2v_vs_peers.md")
    store = output.with_suffix(".json")
    store.parent.mkdir(parents=True, exist_ok=True)
    started, t0 = time.strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    rows, minutes = [], 0.0
    if args.resume and store.exists():
        saved = json.loads(store.read_text(encoding="utf-8"))
        rows, started = saved["runs"], saved["meta"]["date"]
        minutes = saved["meta"].get("minutes", 0.0)
    done = {(r["tool"], r["arch"], r["threads"], r["seed"], r["same"]) for r in rows}
    skip = set(args.skip)
    defaults_threads = args.defaults_threads or args.threads
    with tempfile.TemporaryDirectory(prefix="w2v-peers-") as tmp:
        work = Path(tmp)
        path, counts = tokenized_copy(corpus, work)
        settings = [True] if args.no_defaults else [True, False]
        loads = [load_avg()]
        for r in range(repeats):
            order = args.tools if r % 2 == 0 else args.tools[::-1]
            for same in settings:
                counts_of_threads = args.threads if same else defaults_threads
                for arch in args.archs:
                    for tool in order:
                        for threads in counts_of_threads if r % 2 == 0 else counts_of_threads[::-1]:
                            key = (tool, arch, threads, r + 1, same)
                            if key in done or f"{tool}@{threads}" in skip:
                                continue
                            rows.append(run_one(tool, arch, threads, path, work, r + 1, same))
                            so_far = minutes + (time.perf_counter() - t0) / 60
                            save_json(store, {"meta": {"date": started, "minutes": so_far},
                                              "runs": rows})  # fmt: skip
            loads.append(load_avg())
    meta = {
        "corpus": corpus if corpus == "lee" else Path(corpus).name,
        "command": " ".join(["python", "benchmarks/w2v_vs_peers.py", *(argv or sys.argv[1:])]),
        "cpu": cpu_model(), "tokens": int(counts.sum()),
        "effective": effective_words(counts, SAME["min_count"], SAME["sample"]),
        "repeats": repeats, "date": started, "minutes": minutes + (time.perf_counter() - t0) / 60,
        "threads": args.threads, "archs": args.archs, "tools": args.tools,
        "epochs": SAME["epochs"], "peak_per_thread": peak_flops(1), "loads": loads,
    }  # fmt: skip
    write_results(output, render(rows, meta))
    save_json(store, {"meta": meta, "runs": rows})
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
