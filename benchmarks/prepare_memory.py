"""Peak memory of ``textseq prepare`` on a corpus of at least 1M tokens with a 10k vocabulary.

The corpus is the built-in ``wiki500`` repeated until it holds 1M tokens or more; the
vocabulary is its 10,000 most frequent entries. Each command runs in its own process and the
peak resident memory of that process is read from the kernel.

    python benchmarks/prepare_memory.py

Prints the table and writes it to benchmarks/results/prepare_memory.md (``--output`` to
change), with the command and the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine_line

from textseq.datasets import corpus_path

TEXTSEQ = [sys.executable, "-m", "textseq"]
RESULTS = Path(__file__).resolve().parent / "results"


def peak_of(args: list[str]) -> tuple[float, float]:
    """Run a command in a fresh process; return (peak RSS in MB, seconds)."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
        "time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    peak, seconds = out.stdout.split()
    return float(peak), float(seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=RESULTS / "prepare_memory.md")
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    source = corpus_path("wiki500").read_text(encoding="utf-8")
    per_copy = len(source.split())
    copies = -(-1_000_000 // per_copy)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text(source * copies, encoding="utf-8")
        vocab, data = Path(tmp) / "v.tsv", Path(tmp) / "d.npz"
        build = TEXTSEQ + ["build-dict", str(corpus), "-o", str(vocab), "--max-size", "10000"]
        prepare = TEXTSEQ + ["prepare", str(corpus), "--vocab", str(vocab), "--chunk-size", "5"]
        prepare += ["-o", str(data)]
        rows = [("build-dict", *peak_of(build)), ("prepare", *peak_of(prepare))]
    lines = [
        f"corpus: wiki500 x {copies} = {per_copy * copies:,} whitespace tokens, vocab 10,000",
        "",
        "| command | peak RSS (MB) | seconds |",
        "|---|---:|---:|",
        *(f"| {name} | {peak:.0f} | {seconds:.1f} |" for name, peak, seconds in rows),
    ]
    print("\n".join(lines))
    command = " ".join([".venv/bin/python benchmarks/prepare_memory.py", *sys.argv[1:]])
    header = [
        "# Peak memory of `textseq build-dict` and `textseq prepare`",
        "",
        f"Command (run {started}): `{command}`",
        "",
        f"Machine: {machine_line()}. Each command runs alone in a fresh process; peak RSS is "
        "that process's `ru_maxrss`; `prepare` writes chunks of 5 words.",
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
