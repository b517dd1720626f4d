"""textseq word2vec vs gensim: skip-gram and CBOW, 1 and 2 threads, same process, same data.

Every run is one ``compare_with_gensim`` call (both systems, one after the other, on the
same in-memory token lists). The order alternates from one repetition to the next; figures
are medians over repetitions, ratios are medians of the per-run ratios (taken side by side).
1- and 2-thread runs are interleaved round by round, and thread scaling is the median of each
round's own 2-thread / 1-thread ratio.
Thread counts are pinned: NUMBA_NUM_THREADS, OMP/OPENBLAS/MKL threads, gensim ``workers``.

    .venv/bin/python benchmarks/w2v_vs_gensim.py            # lee + english (or wiki500)
    .venv/bin/python benchmarks/w2v_vs_gensim.py --quick    # lee only, one repetition

Peak memory is measured apart, each system alone in a fresh process (one thread, one epoch:
memory does not grow with epochs), so neither reuses memory the other left behind.

Writes benchmarks/results/w2v_vs_gensim.md (and .json with every run) for the full run (lee
and english, gensim's settings); a reduced run writes a name that says what it ran
(``--corpus lee``: w2v_vs_gensim_lee.md; ``--quick``: w2v_vs_gensim_lee_quick.md), so it never
overwrites the full table. ``--output`` picks any other file.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # numpy/scipy (evaluation) must not compete with the trainers
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gensim  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
from machine import cpu_model  # noqa: E402

from textseq.corpus import Corpus  # noqa: E402
from textseq.word2vec.compare import compare_with_gensim  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
ENGLISH = ROOT / "corpora" / "english" / "english.txt"
FULL_CORPORA = ["lee", "english"]


def default_output(
    corpora: list[str], quick: bool, per_pair: bool, epochs: int, default_epochs: int
) -> Path:
    """The results file of a run: ``w2v_vs_gensim.md`` for the full run, otherwise a name that
    adds what differs (the corpora, ``quick``, ``per_pair``, the epochs)."""
    parts = (
        [] if corpora == FULL_CORPORA else [re.sub(r"[^\w-]", "_", Path(c).stem) for c in corpora]
    )
    if quick:
        parts.append("quick")
    if per_pair:
        parts.append("per_pair")
    if epochs != default_epochs:
        parts.append(f"{epochs}epochs")
    return RESULTS / ("_".join(["w2v_vs_gensim", *parts]) + ".md")


def _median(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return statistics.median(values) if values else None


def _memory_cell(probes: list[float]) -> str:
    """The median of a system's peak-memory probes, then every probe."""
    median = f"{_median(probes):.2f}"
    return median if len(probes) == 1 else f"{median} [{', '.join(f'{v:.2f}' for v in probes)}]"


def memory_probe(system: str, source: str, sg: int, shared: bool = True) -> dict:
    """Run in a fresh process: the peak RSS growth of one system's vocabulary + training."""
    import logging

    from textseq.word2vec.compare import _PeakMemory, fix_malloc_threshold
    from textseq.word2vec.kernel_inputs import warm_up

    fix_malloc_threshold()
    sentences = list(Corpus(source))
    settings = {"sg": sg, "epochs": 1, "workers": 1}
    if system == "textseq":
        from textseq.word2vec import Word2Vec

        warm_up()
        model = Word2Vec(progress=False, shared_negatives=shared, **settings)
        with _PeakMemory() as mem:
            model.build_vocab(sentences)
            model.train(sentences)
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        logging.getLogger("gensim").setLevel(logging.WARNING)
        model = GensimWord2Vec(hs=0, **settings)
        with _PeakMemory() as mem:
            model.build_vocab(sentences)
            model.train(sentences, total_examples=model.corpus_count, epochs=1)
    return {"system": system, "sg": sg, "peak_mib": mem.mib, "vocab": len(model.wv)}


def measure_memory(source: str, sg: int, log, shared: bool = True, repeats: int = 3) -> dict:
    """Each system in its own fresh process, ``repeats`` times in alternating order (a probe
    varies by about 0.1 MiB from one process to the next); returns {system: [peak MiB, ...]}."""
    out = {"textseq": [], "gensim": []}
    model = "sg" if sg else "cbow"
    for rep in range(repeats):
        for system in ("textseq", "gensim") if rep % 2 == 0 else ("gensim", "textseq"):
            probe = [sys.executable, __file__, "--memory-probe", system, source, str(sg)]
            probe += [] if shared else ["per-pair"]
            done = subprocess.run(probe, capture_output=True, text=True, check=True)
            data = json.loads(done.stdout.strip().splitlines()[-1])
            out[system].append(data["peak_mib"])
            log(f"memory {source} {model} {system}: {data['peak_mib']:.2f} MiB")
    return out


def run_once(sentences, corpus_name, sg, threads, rep, repeats, settings, log):
    """One ``compare_with_gensim`` run; even repetitions run textseq first, odd ones gensim."""
    order = ("textseq", "gensim") if rep % 2 == 0 else ("gensim", "textseq")
    start = time.perf_counter()
    result = compare_with_gensim(sentences, order=order, sg=sg, workers=threads, **settings)
    data = result.to_dict()
    data["corpus"] = corpus_name
    data["threads"] = threads
    data["round"] = rep
    log(
        f"{corpus_name} {'sg' if sg else 'cbow'} {threads}t rep {rep + 1}/{repeats} "
        f"({'/'.join(order)}): textseq {result.textseq.words_per_second:,.0f} w/s, "
        f"gensim {result.gensim.words_per_second:,.0f} w/s, ratio {result.speed_ratio:.2f}, "
        f"load {result.load_before[0]:.2f}->{result.load_after[0]:.2f}, "
        f"{time.perf_counter() - start:.0f} s"
    )
    return data


def run_rounds(sentences, corpus_name, sg, repeats_by_threads, settings, log):
    """Runs with 1 and 2 threads interleaved round by round (the thread order alternating
    too), so each round's 1- and 2-thread runs are minutes apart, not a whole configuration:
    the machine's speed drifts over tens of minutes, and thread scaling is the ratio of the
    two. Returns {threads: [runs]}."""
    runs = {threads: [] for threads in repeats_by_threads}
    for rep in range(max(repeats_by_threads.values())):
        order = sorted(repeats_by_threads, reverse=rep % 2 == 1)
        for threads in order:
            repeats = repeats_by_threads[threads]
            if rep < repeats:
                run = run_once(sentences, corpus_name, sg, threads, rep, repeats, settings, log)
                runs[threads].append(run)
    return runs


def paired_scaling(one, two, system):
    """Per-round ratios of 2-thread to 1-thread effective words/s (same round only)."""
    by_round = {r["round"]: r[system]["words_per_second"] for r in one}
    return [
        r[system]["words_per_second"] / by_round[r["round"]] for r in two if r["round"] in by_round
    ]


def summarise(runs):
    """One row of medians for a list of runs of the same configuration."""

    def med(system, key):
        return _median([r[system][key] for r in runs])

    def pair(system, name):
        return _median([r[system]["pairs"].get(name) for r in runs])

    row = {
        "runs": len(runs),
        "textseq_wps": med("textseq", "words_per_second"),
        "gensim_wps": med("gensim", "words_per_second"),
        "ratio": _median([r["speed_ratio"] for r in runs]),
        "ratio_min": min(r["speed_ratio"] for r in runs),
        "ratio_max": max(r["speed_ratio"] for r in runs),
        "textseq_total": _median(
            [r["textseq"]["vocab_seconds"] + r["textseq"]["train_seconds"] for r in runs]
        ),
        "gensim_total": _median(
            [r["gensim"]["vocab_seconds"] + r["gensim"]["train_seconds"] for r in runs]
        ),
        "textseq_analogy": med("textseq", "analogy_accuracy"),
        "gensim_analogy": med("gensim", "analogy_accuracy"),
        "analogy_skipped": med("textseq", "analogy_skipped"),
        "textseq_ws353": pair("textseq", "wordsim353"),
        "gensim_ws353": pair("gensim", "wordsim353"),
        "textseq_simlex": pair("textseq", "simlex999"),
        "gensim_simlex": pair("gensim", "simlex999"),
        "textseq_mem": med("textseq", "peak_memory_mib"),
        "gensim_mem": med("gensim", "peak_memory_mib"),
        "overlap": _median(
            [
                float(np.mean(list(r["neighbour_overlap"].values())))
                for r in runs
                if r["neighbour_overlap"]
            ]
        ),  # fmt: skip
        "load": [r["load_before"][0] for r in runs] + [runs[-1]["load_after"][0]],
    }
    return row


def fmt(x, spec, scale=1.0):
    return "n/a" if x is None else format(x * scale, spec)


def markdown(summaries, meta) -> str:
    lines = [
        "# word2vec: textseq vs gensim",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Machine: {meta['cpu']}, {meta['cores']} cores, shared with other engineers' work "
        f"(load averages below). Python {meta['python']}, numba {meta['numba']} "
        f"({meta['threading_layer']} threading layer), gensim {meta['gensim']}, "
        f"numpy {meta['numpy']}. Started {meta['started']}, took {meta['minutes']:.0f} min.",
        "",
        f"Settings (both systems): {meta['settings']}; negative sampling only (gensim hs=0). "
        "Both get the same in-memory token lists (read and tokenized once, not timed). "
        "textseq computes its training loss (gensim's `compute_loss` is off), so it does a bit "
        f"more work. textseq's skip-gram: {meta.get('skipgram_form', 'per-pair negatives')}.",
        "",
        "*Effective words/s* = words kept after subsampling / training wall time (the figure "
        "gensim logs); the ratio is the median of per-run ratios, runs alternating which "
        "system goes first. *Total* is vocabulary + training wall time (textseq counts and "
        "encodes the corpus during the vocabulary step). Quality: questions-words accuracy "
        "(gensim's restrict_vocab=300000, case-insensitive), Spearman on WordSim-353 and "
        "SimLex-999; textseq scored with textseq.word2vec.evaluation, gensim with its own "
        "evaluate methods.",
        "",
        "## Speed",
        "",
        "| corpus | model | threads | runs | textseq words/s | gensim words/s | ratio (min-max) "
        "| total s textseq / gensim | load avg (1 min) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, row in summaries.items():
        corpus, model, threads = key
        lines.append(
            f"| {corpus} | {model} | {threads} | {row['runs']} | {fmt(row['textseq_wps'], ',.0f')} "
            f"| {fmt(row['gensim_wps'], ',.0f')} | **{fmt(row['ratio'], '.2f')}x** "
            f"({fmt(row['ratio_min'], '.2f')}-{fmt(row['ratio_max'], '.2f')}) "
            f"| {fmt(row['textseq_total'], '.1f')} / {fmt(row['gensim_total'], '.1f')} "
            f"| {', '.join(f'{x:.1f}' for x in row['load'])} |"
        )
    lines += [
        "",
        "## Thread scaling (2 threads / 1 thread, effective words/s)",
        "",
        "Each round runs the 1-thread and the 2-thread comparison back to back (the order "
        "alternating from round to round); a round's ratio divides its 2-thread figure by its "
        "own 1-thread figure, and the table gives the median over rounds (min-max).",
        "",
        "| corpus | model | rounds | textseq | gensim |",
        "|---|---|---:|---:|---:|",
    ]
    for (corpus, model), ratios in meta.get("scaling", {}).items():
        cells = []
        for system in ("textseq", "gensim"):
            values = ratios[system]
            cells.append(
                f"**{_median(values):.2f}x** ({min(values):.2f}-{max(values):.2f})"
                if values
                else "n/a"
            )
        lines.append(f"| {corpus} | {model} | {len(ratios['textseq'])} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "## Quality (medians over runs)",
        "",
        "| corpus | model | threads | analogy % textseq / gensim (skipped %) "
        "| WS-353 textseq / gensim | SimLex textseq / gensim | top-10 overlap |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, row in summaries.items():
        corpus, model, threads = key
        lines.append(
            f"| {corpus} | {model} | {threads} | {fmt(row['textseq_analogy'], '.2f', 100)} / "
            f"{fmt(row['gensim_analogy'], '.2f', 100)} ({fmt(row['analogy_skipped'], '.0f', 100)}) "
            f"| {fmt(row['textseq_ws353'], '.3f')} / {fmt(row['gensim_ws353'], '.3f')} "
            f"| {fmt(row['textseq_simlex'], '.3f')} / {fmt(row['gensim_simlex'], '.3f')} "
            f"| {fmt(row['overlap'], '.2f')} |"
        )
    lines += [
        "",
        "## Peak memory (each system alone in a fresh process, 1 thread, 1 epoch)",
        "",
        "Growth of the peak resident set (VmHWM) over the process's resident set after the "
        "corpus was loaded as token lists, through vocabulary building and training; glibc's "
        "mmap threshold fixed so freed arrays leave the process. Median of the fresh processes "
        "(run alternately, textseq and gensim), every probe in brackets.",
        "",
        "| corpus | model | textseq MiB | gensim MiB | textseq / gensim |",
        "|---|---|---:|---:|---:|",
    ]
    for (corpus, model), mem in meta.get("memory", {}).items():
        t, g = (_memory_cell(mem[system]) for system in ("textseq", "gensim"))
        ratio = _median(mem["textseq"]) / _median(mem["gensim"])
        lines.append(f"| {corpus} | {model} | {t} | {g} | {ratio:.2f}x |")
    lines += ["", f"Compile / cache load of the textseq kernels: {meta['compile']}", ""]
    lines += meta.get("notes", [])
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--memory-probe"]:  # the child process of measure_memory
        system, source, sg = argv[1], argv[2], int(argv[3])
        print(json.dumps(memory_probe(system, source, sg, shared=argv[4:5] != ["per-pair"])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="lee only, one repetition")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions with 2 threads")
    parser.add_argument("--repeats-1t", type=int, default=3, help="repetitions with 1 thread")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--corpus", action="append", help="corpora to run (default lee + english)")
    parser.add_argument("--output", type=Path, default=None,
                        help="results .md (default: named after the run)")  # fmt: skip
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--memory-repeats", type=int, default=3,
                        help="fresh processes per system for each peak-memory figure")  # fmt: skip
    parser.add_argument("--per-pair-negatives", action="store_true",
                        help="textseq skip-gram: fresh negatives per pair, as gensim")  # fmt: skip
    args = parser.parse_args(argv)
    command = ".venv/bin/python benchmarks/w2v_vs_gensim.py" + "".join(f" {a}" for a in argv)
    notes = []
    if args.corpus:
        corpora = args.corpus
    elif args.quick:
        corpora = ["lee"]
    elif ENGLISH.is_file():
        corpora = ["lee", "english"]
    else:
        corpora = ["lee", "wiki500"]
        notes.append("The `english` recipe corpus was not built: wiki500 stands in for speed.")
    if args.output is None:
        args.output = default_output(
            corpora, args.quick, args.per_pair_negatives, args.epochs, parser.get_default("epochs")
        )
    repeats_2t = 1 if args.quick else args.repeats
    repeats_1t = 1 if args.quick else args.repeats_1t
    shared = not args.per_pair_negatives
    settings = {"epochs": args.epochs, "shared_negatives": shared}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t0 = time.perf_counter()
    all_runs, summaries, memory, scaling = [], {}, {}, {}

    def log(message):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    for corpus in corpora:
        source = str(ENGLISH) if corpus == "english" else corpus
        t = time.perf_counter()
        sentences = list(Corpus(source))
        log(f"{corpus}: {len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens "
            f"read in {time.perf_counter() - t:.0f} s")  # fmt: skip
        for sg in (1, 0):
            model = "skip-gram" if sg else "CBOW"
            runs = run_rounds(sentences, corpus, sg, {1: repeats_1t, 2: repeats_2t}, settings, log)
            for threads in (1, 2):
                all_runs += runs[threads]
                summaries[(corpus, model, threads)] = summarise(runs[threads])
            scaling[(corpus, model)] = {
                system: paired_scaling(runs[1], runs[2], system) for system in ("textseq", "gensim")
            }
        del sentences
        if not args.no_memory:
            for sg in (1, 0):
                memory[(corpus, "skip-gram" if sg else "CBOW")] = measure_memory(
                    source, sg, log, shared, args.memory_repeats
                )
    compile_seconds = all_runs[0]["textseq"]["compile_seconds"] if all_runs else None
    meta = {
        "command": command,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "threading_layer": numba.threading_layer(),
        "gensim": gensim.__version__,
        "numpy": np.__version__,
        "started": started,
        "minutes": (time.perf_counter() - t0) / 60,
        "skipgram_form": "shared negatives (one set per centre word, target rows written once "
        "per window; `Word2Vec(shared_negatives=True)`, the default)"
        if shared
        else "per-pair negatives (a fresh set per context word, as gensim)",
        "settings": ", ".join(
            f"{k}={v}" for k, v in all_runs[0]["settings"].items() if k not in ("workers", "sg")
        ),  # fmt: skip
        "compile": f"{compile_seconds:.2f} s (first kernel call of the benchmark process: a "
        "compile on a cold Numba cache, a cache load on a warm one; never part of the timings)",
        "notes": notes,
        "memory": memory,
        "scaling": scaling,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown(summaries, meta), encoding="utf-8")
    args.output.with_suffix(".json").write_text(
        json.dumps(
            {
                "meta": {
                    **meta,
                    "memory": {" ".join(k): v for k, v in memory.items()},
                    "scaling": {" ".join(k): v for k, v in scaling.items()},
                },
                "runs": all_runs,
            },
            indent=1,
            default=str,
        ),
        encoding="utf-8",  # fmt: skip
    )
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
