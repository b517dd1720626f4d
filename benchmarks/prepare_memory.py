"""Peak memory of ``textseq prepare`` on a corpus of at least 1M tokens with a 10k vocabulary.

The corpus is the built-in ``wiki500`` repeated until it holds 1M tokens or more; the
vocabulary is its 10,000 most frequent entries. Each command runs in its own process and the
peak resident memory of that process is read from the kernel.

    python benchmarks/prepare_memory.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from textseq.datasets import corpus_path

TEXTSEQ = [sys.executable, "-m", "textseq"]


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


def main() -> None:
    source = corpus_path("wiki500").read_text(encoding="utf-8")
    per_copy = len(source.split())
    copies = -(-1_000_000 // per_copy)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text(source * copies, encoding="utf-8")
        vocab, data = Path(tmp) / "v.tsv", Path(tmp) / "d.npz"
        build = TEXTSEQ + ["build-dict", str(corpus), "-o", str(vocab), "--max-size", "10000"]
        prepare = TEXTSEQ + ["prepare", str(corpus), "--vocab", str(vocab), "-k", "5"]
        prepare += ["-o", str(data)]
        rows = [("build-dict", *peak_of(build)), ("prepare", *peak_of(prepare))]
    print(f"corpus: wiki500 x {copies} = {per_copy * copies:,} whitespace tokens, vocab 10,000")
    print("| command | peak RSS (MB) | seconds |")
    print("|---|---:|---:|")
    for name, peak, seconds in rows:
        print(f"| {name} | {peak:.0f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
