"""Where word2vec's peak memory goes, for textseq and gensim: resident growth by kind of mapping.

``w2v_vs_gensim.py`` gives one figure per system (growth of the peak resident set). On a
small corpus that figure is mostly not the model: this script splits the resident growth after
``build_vocab`` and after ``train`` by what holds it, read from ``/proc/self/smaps``:

- ``[heap]``: glibc's brk heap (blocks under the mmap threshold; freed ones stay resident
  until the top of the heap is free or ``malloc_trim`` is called);
- anonymous mappings: the weight matrices, pymalloc's arenas (Python objects), large arrays;
- numpy's machine code (``_multiarray_umath``): pages of code paged in the first time the
  process calls a numpy function;
- other files (libraries, Numba's cache).

The row "after train, then malloc_trim" shows what stays of the heap when glibc is asked to
give freed pages back: the rest of the heap figure was free memory the process kept.
The column "private" ([heap] + anonymous) is the memory the process allocated, without the
machine code it mapped; a library's code pages count in the resident set the first time the
process runs them, whichever library's import ran them first.
Each system runs alone in a fresh process with the same settings as the memory probe of
``w2v_vs_gensim.py`` (skip-gram, one thread, one epoch, mmap threshold fixed); with
``--repeats N``, N processes per system, alternately, and each cell is their median.

    .venv/bin/python benchmarks/w2v_memory_breakdown.py --corpus lee --repeats 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("[heap]", "anonymous", "numpy code", "other files")


def _resident_by_kind() -> dict[str, float]:
    """Resident KiB per kind of mapping, from /proc/self/smaps."""
    totals = dict.fromkeys(KINDS, 0.0)
    kind = None
    with open("/proc/self/smaps") as handle:
        for line in handle:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):  # a mapping's header line
                name = fields[5] if len(fields) > 5 else ""
                if name == "[heap]":
                    kind = "[heap]"
                elif not name or name.startswith("["):
                    kind = "anonymous"
                elif "_multiarray_umath" in name:
                    kind = "numpy code"
                else:
                    kind = "other files"
            elif fields[0] == "Rss:" and kind is not None:
                totals[kind] += float(fields[1])
    return totals


def _private(kinds: dict[str, float]) -> float:
    """Memory the process allocated: heap plus anonymous mappings, no mapped code."""
    return kinds["[heap]"] + kinds["anonymous"]


def probe(system: str, source: str) -> dict:
    """In a fresh process: MiB of resident growth per kind after each stage, and the peak."""
    import gc
    import logging

    from textseq.corpus import Corpus
    from textseq.libc import release_free_heap
    from textseq.word2vec.compare import _PeakMemory, fix_malloc_threshold

    fix_malloc_threshold()
    sentences = list(Corpus(source))
    if system == "textseq":
        from textseq.word2vec import Word2Vec
        from textseq.word2vec.kernel_inputs import warm_up

        warm_up()
        model = Word2Vec(sg=1, epochs=1, workers=1, progress=False)
        train = lambda: model.train(sentences)  # noqa: E731
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        logging.getLogger("gensim").setLevel(logging.WARNING)
        model = GensimWord2Vec(sg=1, epochs=1, workers=1, hs=0)
        train = lambda: model.train(sentences, total_examples=model.corpus_count, epochs=1)  # noqa: E731
    stages = {}
    with _PeakMemory() as mem:
        start = _resident_by_kind()

        def growth():
            now = _resident_by_kind()
            return {k: (now[k] - start[k]) / 1024 for k in KINDS}

        model.build_vocab(sentences)
        stages["after build_vocab"] = growth()
        train()
        stages["after train"] = growth()
    gc.collect()
    release_free_heap()
    stages["after train, then malloc_trim"] = growth()
    return {"system": system, "peak_mib": mem.mib, "stages": stages}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--probe"]:
        print(json.dumps(probe(argv[1], argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="lee")
    parser.add_argument("--output", type=Path, default=RESULTS / "w2v_memory_breakdown.md")
    parser.add_argument(
        "--repeats", type=int, default=1,
        help="fresh processes per system, run alternately; the table gives medians",
    )  # fmt: skip
    args = parser.parse_args(argv)
    command = ".venv/bin/python benchmarks/w2v_memory_breakdown.py" + "".join(f" {a}" for a in argv)
    lines = [
        f"# Where word2vec's peak memory goes ({args.corpus}, skip-gram, 1 thread, 1 epoch)",
        "",
        f"Command (run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}):",
        "",
        f"```\n{command}\n```",
        "",
        "Resident growth in MiB over the process after the corpus was loaded as token lists, "
        "by kind of mapping (see the script's docstring); each system alone in a fresh process"
        + (f", {args.repeats} processes per system run alternately, the median of each cell."
           if args.repeats > 1 else ".")
        + " *private* = [heap] + anonymous: the memory the process allocated, without the "
        "pages of machine code it mapped.",
        "",
        "| system | stage | " + " | ".join(KINDS) + " | private | total |",
        "|---|---|" + "---:|" * (len(KINDS) + 2),
    ]  # fmt: skip
    runs = {"textseq": [], "gensim": []}
    for rep in range(args.repeats):
        for system in ("textseq", "gensim") if rep % 2 == 0 else ("gensim", "textseq"):
            done = subprocess.run(
                [sys.executable, __file__, "--probe", system, args.corpus],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            runs[system].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for system, data in runs.items():
        for stage in data[0]["stages"]:
            kinds = {k: statistics.median(d["stages"][stage][k] for d in data) for k in KINDS}
            private = statistics.median(_private(d["stages"][stage]) for d in data)
            total = statistics.median(sum(d["stages"][stage].values()) for d in data)
            cells = " | ".join(f"{kinds[k]:.2f}" for k in KINDS)
            lines.append(f"| {system} | {stage} | {cells} | {private:.2f} | {total:.2f} |")
        peak = statistics.median(d["peak_mib"] for d in data)
        lines.append(f"| {system} | **peak (VmHWM growth)** | | | | | | **{peak:.2f}** |")
    if args.repeats > 1:
        lines += ["", "Every process, peak / private after train (MiB):", ""]
        for system, data in runs.items():
            probes = ", ".join(
                f"{d['peak_mib']:.2f} / {_private(d['stages']['after train']):.2f}" for d in data
            )
            lines.append(f"- {system}: {probes}")
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
