"""train-lm's thread settings on an idle machine and beside a program that spins on the cores.

Runs ``textseq train-lm`` end to end (a subprocess per run, ``--epochs`` epochs, ``--embed 32
--hidden 64`` by default) with each thread setting, alternating the settings ``--repeats``
times, and reports for each the median of two figures of the epoch table: the last epoch's
tokens/s (the steady speed) and the seconds of all epochs (what a user waits, with the
default's trials of its ways in the first epoch):

    default        the command as a user runs it (two threads, adapting; see
                   ``TrainConfig.adapt_threads``)
    fixed-blas     ``--no-adapt-threads``: BLAS's own two threads throughout
    threads-1      ``--threads 1``
    share-threads  ``--share-threads``: two tasks, BLAS on one thread in each

under each ``--load``:

    none    nothing else runs
    torch   a PyTorch process on every core doing small element-wise products in a loop,
            its OpenMP threads at their default wait policy (they spin between products)
    busy    one Python busy loop per core

The competitor starts before and stops after each load's runs. The results go to
``benchmarks/results/lm_threads_under_load.md`` (``--quick``: the first 60 lines of the
corpus, two epochs and one repeat, written to ``lm_threads_under_load_quick.md``, to check
the script).
Run when the machine is otherwise quiet::

    .venv/bin/python benchmarks/lm_threads_under_load.py
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model  # noqa: E402

QUICK_LINES = 60
RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = {
    "default": [],
    "fixed-blas": ["--no-adapt-threads"],
    "threads-1": ["--threads", "1"],
    "share-threads": ["--share-threads"],
}
TORCH_SPIN = """
import torch
torch.set_num_threads({n})
a = torch.ones(1 << 17)
while True:
    a.mul_(1.0000001)
"""
BUSY_SPIN = "while True:\n    pass\n"


def competitor(load: str, cores: int) -> list[subprocess.Popen]:
    """Start the competing processes of ``load`` (none for ``none``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    if load == "none":
        return []
    if load == "torch":
        code = [TORCH_SPIN.format(n=cores)]
    elif load == "busy":
        code = [BUSY_SPIN] * cores
    else:
        raise SystemExit(f"unknown --load {load!r}; choose none, torch or busy")
    procs = [subprocess.Popen([sys.executable, "-c", c], env=env) for c in code]
    time.sleep(2.0)  # imports done, spinning
    for p in procs:
        if p.poll() is not None:
            raise SystemExit(f"the {load} competitor exited ({p.returncode}); is it installed?")
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.kill()
        p.wait()


# a row of the epoch table: the epoch, ..., tokens/s, seconds (the last two columns)
ROW = re.compile(r"^\s*\d+\s.*\s([\d,]+)\s+([\d.]+)\s*$", re.M)


def run_once(corpus: str, extra: list[str], args: list[str], out: Path) -> tuple[float, float]:
    """One ``train-lm`` run; its last epoch's tokens/s and all epochs' seconds, from the
    epoch table."""
    cmd = [sys.executable, "-m", "textseq", "train-lm", corpus, "-o", str(out), "--no-progress",
           "--patience", "0", *args, *extra]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    rows = ROW.findall(done.stdout)
    if done.returncode != 0 or not rows:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return float(rows[-1][0].replace(",", "")), sum(float(r[1]) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="lee", help="corpus (file or built-in name)")
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load", nargs="+", default=["none", "torch", "busy"])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--quick", action="store_true", help="tiny corpus, one repeat")
    parser.add_argument("--output", "-o", type=Path, default=None)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    epochs = 2 if args.quick else args.epochs
    size = ["--embed", str(args.embed), "--hidden", str(args.hidden), "--epochs", str(epochs)]
    name = "lm_threads_under_load" + ("_quick" if args.quick else "")
    output = args.output or RESULTS / f"{name}.md"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        repeats = args.repeats
        if args.quick:
            from textseq.corpus import Corpus

            lines = [" ".join(s) for _, s in zip(range(QUICK_LINES), Corpus(corpus))]
            corpus = str(Path(tmp) / "quick.txt")
            Path(corpus).write_text("\n".join(lines) + "\n", encoding="utf-8")
            repeats = 1
        table: dict[tuple[str, str], list[float]] = {}
        waits: dict[tuple[str, str], list[float]] = {}
        started = time.strftime("%Y-%m-%d %H:%M")
        for load in args.load:
            procs = competitor(load, cores)
            try:
                for r in range(repeats):
                    order = args.settings if r % 2 == 0 else args.settings[::-1]
                    for setting in order:
                        rate, secs = run_once(corpus, SETTINGS[setting], size, Path(tmp) / "m")
                        table.setdefault((load, setting), []).append(rate)
                        waits.setdefault((load, setting), []).append(secs)
                        print(f"{load:>5}  {setting:<13}  {rate:>9,.0f} tokens/s  {secs:6.1f} s")
            finally:
                stop(procs)
    lines = [
        "# train-lm's thread settings, idle and beside a spinning program",
        "",
        f"`{' '.join(['benchmarks/lm_threads_under_load.py', *sys.argv[1:]])}`, started "
        f"{started}; {cpu_model()}, {cores} cores; corpus {args.corpus}"
        + (f" (first {QUICK_LINES} lines)" if args.quick else "")
        + f", {' '.join(size)}; medians of {repeats} alternating run(s).",
        "",
        "Last epoch's tokens/s (the steady speed):",
        "",
        "| load | " + " | ".join(args.settings) + " | best / default |",
        "|---|" + "---:|" * (len(args.settings) + 1),
    ]
    for load in args.load:
        medians = {s: statistics.median(table[(load, s)]) for s in args.settings}
        ratio = max(medians.values()) / medians["default"] if "default" in medians else None
        cells = " | ".join(f"{medians[s]:,.0f}" for s in args.settings)
        lines.append(f"| {load} | {cells} | " + (f"{ratio:.2f} |" if ratio else "- |"))
    lines += [
        "",
        "Seconds of all epochs (what a user waits):",
        "",
        "| load | " + " | ".join(args.settings) + " | default / best |",
        "|---|" + "---:|" * (len(args.settings) + 1),
    ]
    for load in args.load:
        medians = {s: statistics.median(waits[(load, s)]) for s in args.settings}
        ratio = medians["default"] / min(medians.values()) if "default" in medians else None
        cells = " | ".join(f"{medians[s]:.1f}" for s in args.settings)
        lines.append(f"| {load} | {cells} | " + (f"{ratio:.2f} |" if ratio else "- |"))
    lines += [
        "",
        "Loads: none = nothing else runs; torch = a PyTorch process with one OpenMP thread per "
        "core looping over element-wise products (threads spin between them); busy = one "
        "Python busy loop per core.",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
