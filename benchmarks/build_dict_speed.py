"""`textseq build-dict` end to end: the corpus pass on one process and on every core.

Runs the command as a user does (a subprocess each time, Python's start-up included) with
``--threads 1`` and ``--threads N`` for each N asked, alternating the order over
``--repeats`` rounds, and reports the median wall time of each and the ratio to one thread.
Every run must write the same vocabulary file (checked byte for byte). ``--baseline DIR``
adds the same command run from another checkout of textseq (its package folder first on
``PYTHONPATH``; every run starts in a temporary folder, so that no checkout is imported from
the working folder), e.g. the commit before the parallel pass, so "faster than before" is
measured in the same rounds. Beside the wall time, each run's CPU time (user + system, its worker
processes included) is reported: on a shared machine it moves less than the wall time, and
their ratio says how much of the run was spread over cores.

Writes ``benchmarks/results/build_dict_speed.md``. Run when the machine is quiet::

    .venv/bin/python benchmarks/build_dict_speed.py corpora/english/english.txt
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

from textseq.files import atomic_write  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(corpus: str, threads: int | None, out: Path, src: str | None) -> tuple[float, float, str]:
    """One ``build-dict`` run: its wall and CPU seconds and the digest of the vocabulary."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-m", "textseq", "build-dict", corpus, "-o", str(out)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    cpu = _children_cpu()
    start = time.perf_counter()
    # run from the output's folder: ``python -m`` puts the working folder first on the
    # path, so run from a checkout it would import that checkout's textseq, not ``src``'s
    done = subprocess.run(cmd, env=env, cwd=out.parent, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(cmd)} failed:\n{done.stderr}")
    return seconds, cpu, hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--threads", type=int, nargs="+", default=[os.cpu_count() or 1])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", default=None, help="another checkout's folder")
    parser.add_argument("--out", type=Path, default=RESULTS / "build_dict_speed.md")
    args = parser.parse_args()
    args.corpus = os.path.abspath(args.corpus)  # the runs start in a temporary folder

    systems: dict[str, tuple[int | None, str | None]] = {"threads 1": (1, None)}
    for n in args.threads:
        if n != 1:
            systems[f"threads {n}"] = (n, None)
    if args.baseline:
        systems["before (serial)"] = (None, str(Path(args.baseline).resolve()))
    times: dict[str, list[float]] = {name: [] for name in systems}
    cpus: dict[str, list[float]] = {name: [] for name in systems}
    digests: set[str] = set()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loads = [os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vocab.tsv"
        names = list(systems)
        for name in names:  # untimed: Numba's caches are written, the files are read once
            threads, src = systems[name]
            run(args.corpus, threads, out, src)
        for r in range(args.repeats):
            order = names if r % 2 == 0 else names[::-1]
            for name in order:
                threads, src = systems[name]
                seconds, cpu, digest = run(args.corpus, threads, out, src)
                times[name].append(seconds)
                cpus[name].append(cpu)
                digests.add(digest)
                print(f"round {r + 1} {name:>16}: {seconds:6.2f} s, CPU {cpu:6.2f} s", flush=True)
            loads.append(os.getloadavg())
    if len(digests) != 1:
        raise SystemExit("the runs wrote different vocabularies")

    base = statistics.median(times["threads 1"])
    before = statistics.median(times["before (serial)"]) if args.baseline else None
    lines = [
        "# `textseq build-dict`: the corpus pass on one process and on every core",
        "",
        f"Command (run {started}): `{shlex.join(['python', *sys.argv])}`",
        "",
        f"Machine: {machine_line()}."
        f" Corpus: `{args.corpus}`. Median wall time of {args.repeats} alternating rounds, each"
        " run a fresh process (start-up included); every run wrote the same vocabulary.",
        "",
        "| run | median s | runs (s) | median CPU s | speed-up over threads 1 | over before |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name, ts in times.items():
        med = statistics.median(ts)
        runs = ", ".join(f"{t:.2f}" for t in ts)
        cpu = statistics.median(cpus[name])
        over_before = f"{before / med:.2f}x" if before else "-"
        lines.append(
            f"| {name} | {med:.2f} | {runs} | {cpu:.2f} | {base / med:.2f}x | {over_before} |"
        )
    lines += [
        "",
        "Load average (1/5/15 min) before and after each round: "
        + "; ".join("/".join(f"{x:.2f}" for x in load) for load in loads)
        + ".",
        "",
    ]
    with atomic_write(args.out) as handle:
        handle.write("\n".join(lines))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
