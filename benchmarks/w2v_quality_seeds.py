"""textseq word2vec vs gensim: quality over several seeds, not one draw.

``w2v_vs_gensim.py`` trains each system once per setting with seed 1, so its quality
columns compare two single draws. With one thread each draw is deterministic, and a gap of
0.02 in a Spearman correlation on 353 pairs can be the seed's doing. This script trains
both systems with ``--seeds`` different seeds (same corpus, same settings, one
``compare_with_gensim`` call per seed, the order alternating) and reports, per system, the
mean and standard deviation of every score and the difference of the means with its
standard error, so a gap can be read against the seed-to-seed spread.

    .venv/bin/python benchmarks/w2v_quality_seeds.py --seeds 5            # CBOW, english
    .venv/bin/python benchmarks/w2v_quality_seeds.py --sg --seeds 3

Writes benchmarks/results/w2v_quality_seeds_<model>.md (and .json with every run).

``--peers`` compares textseq with the C tool and gensim instead, each run as its own command
(``w2v_vs_peers.py``'s commands, same settings: dim 100, window 5, negative 5, sample 1e-3,
min_count 5, 5 epochs, the architecture's C-tool learning rate), over the seeds and each
thread count of ``--threads``; per tool the mean and standard error of each score, and the
difference to textseq with its standard error. The C tool takes no seed: on one thread its
runs repeat exactly, on two they differ by the threads' timing. ``--max-lines`` trains on the
corpus's first lines (a reduced run, written to a name that says so). ``--order shuffled``
trains every tool of seed ``s`` on the corpus's lines in one seeded random order
(``numpy.random.default_rng(s).permutation``), so the seeds also draw the corpus's layout;
``file`` (the default) keeps the file's order. Each order gets its own tables in the file.
The .json is rewritten after every run; ``--resume`` keeps its runs and adds what is missing
(another thread count, more seeds, another order), and the file names every command that
contributed.

    .venv/bin/python benchmarks/w2v_quality_seeds.py --peers --seeds 5 --threads 1 2
    .venv/bin/python benchmarks/w2v_quality_seeds.py --peers --sg --seeds 5 --max-lines 100000

Writes benchmarks/results/w2v_quality_seeds_peers_<model>[_<lines>lines].md (and .json).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gensim  # noqa: E402
import numpy as np  # noqa: E402
from results_file import write_results  # noqa: E402
from w2v_vs_peers import mean_se, run_one  # noqa: E402

from textseq.corpus import Corpus  # noqa: E402
from textseq.files import save_json  # noqa: E402
from textseq.word2vec.compare import compare_with_gensim  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENGLISH = ROOT / "corpora" / "english" / "english.txt"


def scores(result) -> dict[str, float]:
    """The quality figures of one system's run: analogy accuracy in %, Spearman per set."""
    out = {"analogy accuracy (%)": 100.0 * result.analogy_accuracy}
    for name, value in sorted(result.pairs.items()):
        out[f"{name} Spearman"] = value
    return out


def summarise(runs: list[dict]) -> list[dict]:
    """Per score: each system's mean and sd over the seeds, the difference of the means
    (textseq - gensim) and its standard error."""
    rows = []
    for score in runs[0]["textseq"]:
        t = [r["textseq"][score] for r in runs]
        g = [r["gensim"][score] for r in runs]
        sd_t = statistics.stdev(t) if len(t) > 1 else float("nan")
        sd_g = statistics.stdev(g) if len(g) > 1 else float("nan")
        se = (sd_t**2 / len(t) + sd_g**2 / len(g)) ** 0.5
        rows.append({
            "score": score, "textseq_mean": statistics.fmean(t), "textseq_sd": sd_t,
            "gensim_mean": statistics.fmean(g), "gensim_sd": sd_g,
            "diff": statistics.fmean(t) - statistics.fmean(g), "diff_se": se,
            "textseq_runs": t, "gensim_runs": g,
        })  # fmt: skip
    return rows


def render(rows, meta) -> str:
    digits = {True: "{:.2f}", False: "{:.3f}"}
    lines = [
        f"# word2vec quality over seeds: textseq vs gensim ({meta['model']}, {meta['corpus']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"gensim {meta['gensim']}; {meta['threads']} thread(s) each; seeds "
        f"{', '.join(map(str, meta['seeds']))}; every other setting at its default "
        "(vector_size 100, window 5, negative 5, sample 1e-3, min_count 5, 5 epochs). "
        "One `compare_with_gensim` call per seed, the order of the two systems alternating. "
        f"Run {meta['date']}, {meta['minutes']:.1f} min.",
        "",
        "| score | textseq mean (sd) | gensim mean (sd) | difference of means (se) |"
        " textseq per seed | gensim per seed |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        f = digits["%" in r["score"]]
        lines.append(
            f"| {r['score']} | {f.format(r['textseq_mean'])} ({f.format(r['textseq_sd'])}) "
            f"| {f.format(r['gensim_mean'])} ({f.format(r['gensim_sd'])}) "
            f"| {f.format(r['diff'])} ({f.format(r['diff_se'])}) "
            f"| {' '.join(f.format(x) for x in r['textseq_runs'])} "
            f"| {' '.join(f.format(x) for x in r['gensim_runs'])} |"
        )
    lines += [
        "",
        "sd: standard deviation over the seeds; se: standard error of the difference of the "
        "two means, sqrt(sd_t^2/n + sd_g^2/n). The seeds are not paired (each system draws "
        "its own random numbers), so only the means are comparable.",
    ]
    return "\n".join(lines) + "\n"


PEERS = ("textseq", "c-tool", "gensim-corpus_file")
ORDERS = {
    "file": "the corpus in file order",
    "shuffled": "the corpus's lines shuffled, one order per seed",
}
SCORES = (("analogy", "analogy (%)", "{:.2f}"), ("ws353", "WS-353", "{:.3f}"),
          ("simlex", "SimLex-999", "{:.3f}"))  # fmt: skip


def render_peers(runs: list[dict], meta: dict) -> str:
    lines = [
        f"# word2vec quality over seeds: textseq, the C tool, gensim ({meta['model']}, "
        f"{meta['corpus']})",
        "",
        "Command"
        + ("s" if len(meta.get("commands", [])) > 1 else "")
        + ": "
        + "; then ".join(f"`{c}`" for c in meta.get("commands", [meta["command"]])),
        "",
        f"Seeds {', '.join(map(str, meta['seeds']))}; same settings for all (dim 100, window 5, "
        "negative 5, sample 1e-3, min_count 5, 5 epochs, alpha 0.05 CBOW / 0.025 skip-gram); "
        "each run a fresh command, tool order alternating by seed. The C tool takes no seed. "
        f"Started {meta['date']}, {meta['minutes']:.1f} min.",
        "",
    ]
    orders = meta.get("orders", ["file"])
    for order, threads in ((o, t) for o in orders for t in meta["threads"]):
        here = [r for r in runs if r.get("order", "file") == order and r["threads"] == threads]
        if not here:
            continue
        title = f"{threads} thread(s)" + ("" if orders == ["file"] else f", {ORDERS[order]}")
        seeds = sorted({r["seed"] for r in here})
        lines += [f"## {title}", "", f"Seeds {seeds[0]}-{seeds[-1]}.", "",
                  "| tool | " + " | ".join(f"{label} mean (se)" for _, label, _ in SCORES)
                  + " | " + " | ".join(f"{label} - textseq (se)" for _, label, _ in SCORES)
                  + " |", "|---|" + "---:|" * (2 * len(SCORES))]  # fmt: skip
        base = [r for r in here if r["tool"] == "textseq"]
        for tool in meta["tools"]:
            rs = [r for r in here if r["tool"] == tool]
            if not rs:
                continue
            cells, diffs = [], []
            for key, _, fmt in SCORES:
                mean, se = mean_se([r[key] for r in rs])
                cells.append(f"{fmt.format(mean)} ({fmt.format(se)})")
                bmean, bse = mean_se([r[key] for r in base])
                diffs.append(f"{fmt.format(mean - bmean)} ({fmt.format((se**2 + bse**2) ** 0.5)})")
            lines.append(f"| {tool} | " + " | ".join(cells) + " | " + " | ".join(diffs) + " |")
        lines.append("")
    lines.append("se: standard error of a mean over the seeds (sd / sqrt(n)); of a difference, "
                 "sqrt(se_a^2 + se_b^2).")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_order(sentences: list[str], path: Path, order: str, seed: int) -> None:
    """The corpus's lines to ``path``, in file order or in seed ``seed``'s random order."""
    if order == "shuffled":
        sentences = [sentences[i] for i in np.random.default_rng(seed).permutation(len(sentences))]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(sentences)


def peers_main(args) -> int:
    import tempfile

    source = args.corpus or str(ENGLISH)
    arch = "sg" if args.sg else "cbow"
    name = f"w2v_quality_seeds_peers_{arch}"
    if args.max_lines:
        name += f"_{args.max_lines}lines"
    output = Path(args.output or RESULTS / f"{name}.md")
    store = output.with_suffix(".json")
    store.parent.mkdir(parents=True, exist_ok=True)
    start, minutes = time.time(), 0.0
    command = " ".join([".venv/bin/python benchmarks/w2v_quality_seeds.py", *sys.argv[1:]])
    runs, commands, threads_run, orders = [], [command], list(args.threads), [args.order]
    if args.resume and store.exists():
        saved = json.loads(store.read_text(encoding="utf-8"))
        runs, minutes = saved["runs"], saved["meta"]["minutes"]
        commands = saved["meta"].get("commands", [saved["meta"]["command"]]) + [command]
        threads_run = sorted(set(saved["meta"]["threads"]) | set(args.threads))
        start = time.mktime(time.strptime(saved["meta"]["date"], "%Y-%m-%d %H:%M"))
        orders += saved["meta"].get("orders", ["file"])
    done = {(r["tool"], r["threads"], r["seed"], r.get("order", "file")) for r in runs}
    orders = [o for o in ORDERS if o in orders]
    begun = time.time()
    meta = {
        "model": "skip-gram" if args.sg else "CBOW", "threads": threads_run,
        "corpus": Path(source).name + (f", first {args.max_lines:,} lines" if args.max_lines
                                       else ""),
        "seeds": sorted({r["seed"] for r in runs} | set(range(1, args.seeds + 1))),
        "tools": list(PEERS), "orders": orders,
        "command": " ; ".join(commands), "commands": commands,
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(start)), "minutes": minutes,
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="w2v-seeds-") as tmp:
        work = Path(tmp)
        path = work / "tokens.txt"
        sentences = []
        for i, tokens in enumerate(Corpus(source)):
            if args.max_lines and i >= args.max_lines:
                break
            sentences.append(" ".join(tokens) + "\n")
        for seed in range(1, args.seeds + 1):
            if not all((tool, threads, seed, args.order) in done
                       for tool in PEERS for threads in args.threads):  # fmt: skip
                write_order(sentences, path, args.order, seed)
            tools = PEERS if seed % 2 else PEERS[::-1]
            for tool in tools:
                for threads in args.threads:
                    if (tool, threads, seed, args.order) in done:
                        continue
                    row = run_one(tool, arch, threads, path, work, seed, True)
                    runs.append({**row, "order": args.order})
                    meta["minutes"] = minutes + (time.time() - begun) / 60
                    save_json(store, {"meta": meta, "runs": runs})
    meta["minutes"] = minutes + (time.time() - begun) / 60
    text = render_peers(runs, meta)
    write_results(output, text)
    save_json(store, {"meta": meta, "runs": runs})
    print(text)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", action="store_true",
                        help="textseq vs the C tool vs gensim, as commands")  # fmt: skip
    parser.add_argument("--max-lines", type=int, default=None,
                        help="--peers: train on the corpus's first N lines")  # fmt: skip
    parser.add_argument("--order", choices=list(ORDERS), default="file",
                        help="--peers: the lines in file order or shuffled per seed")  # fmt: skip
    parser.add_argument("--sg", action="store_true", help="skip-gram (default: CBOW)")
    parser.add_argument("--per-pair-negatives", action="store_true",
                        help="textseq skip-gram: fresh negatives per pair")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=5, help="seeds 1..N")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="thread counts (--peers: each; else the first)")  # fmt: skip
    parser.add_argument("--corpus", default=None, help="default: the english recipe corpus")
    parser.add_argument("--output", default=None, help="default: results/...seeds_<model>.md")
    parser.add_argument("--resume", action="store_true",
                        help="--peers: keep the .json's runs, run what is missing")  # fmt: skip
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (a spread needs two draws)")
    if args.peers:
        return peers_main(args)
    args.threads = args.threads[0]
    source = args.corpus or str(ENGLISH)
    if args.corpus is None and not ENGLISH.exists():
        parser.error("the english corpus is not built: textseq corpora build english")
    shared = not args.per_pair_negatives
    model = "CBOW"
    name = "cbow"
    if args.sg:
        model = "skip-gram, textseq " + ("shared" if shared else "per-pair") + " negatives"
        name = "sg" if shared else "sg_per_pair"
    output = Path(args.output or RESULTS / f"w2v_quality_seeds_{name}.md")
    sentences = list(Corpus(source))
    start = time.time()
    runs = []
    for seed in range(1, args.seeds + 1):
        order = ("textseq", "gensim") if seed % 2 else ("gensim", "textseq")
        comparison = compare_with_gensim(
            sentences, order=order, sg=int(args.sg), workers=args.threads, seed=seed,
            shared_negatives=shared,
        )  # fmt: skip
        run = {"seed": seed, "textseq": scores(comparison.textseq),
               "gensim": scores(comparison.gensim)}  # fmt: skip
        runs.append(run)
        print(json.dumps(run), flush=True)
    rows = summarise(runs)
    command = " ".join([".venv/bin/python benchmarks/w2v_quality_seeds.py", *sys.argv[1:]])
    meta = {
        "model": model, "corpus": Path(source).name, "threads": args.threads,
        "seeds": list(range(1, args.seeds + 1)), "gensim": gensim.__version__,
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(start)),
        "minutes": (time.time() - start) / 60,
    }  # fmt: skip
    text = render(rows, meta)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_results(output, text)
    save_json(output.with_suffix(".json"), {"meta": meta, "runs": runs})
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
