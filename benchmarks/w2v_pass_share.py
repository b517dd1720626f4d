"""How much of a default CBOW ``train-w2v`` run is the corpus pass, end to end.

Runs the command as a user does (a fresh process each time, started outside any checkout so
that ``python -m`` imports the installed textseq) ``--repeats`` times, and splits each run's
wall time at word2vec's training hooks: the pass (start of the process to
``on_train_begin``: start-up, reading, counting, encoding), training, and what follows
(writing the vectors). The parent notes the clock just before starting each child; the
child wraps ``textseq.word2vec.epochs.call_hook`` to note the hooks' times.

    .venv/bin/python benchmarks/w2v_pass_share.py corpora/english/english.txt

Prints one line per run and the medians; the figures go into the notes of
``results/build_dict_speed.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, os, sys, time
import textseq.word2vec.epochs as epochs
marks, call_hook = {}, epochs.call_hook
def hook(callbacks, name, model, report=None):
    marks[name] = time.time()
    return call_hook(callbacks, name, model, report)
epochs.call_hook = hook
sys.argv = ["textseq", "train-w2v", *json.loads(os.environ["W2V_ARGS"])]
from textseq.cli.main import run
try:
    run()
except SystemExit as stop:
    if stop.code:
        raise
print("MARKS", json.dumps({"begin": marks["on_train_begin"], "end": marks["on_train_end"],
                           "exit": time.time()}))
"""


def one_run(corpus: Path, work: Path) -> dict[str, float]:
    args = [str(corpus), "--cbow", "-o", str(work / "vectors.bin"), "--no-progress"]
    env = dict(os.environ, W2V_ARGS=json.dumps(args))
    start = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=work, text=True,
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"error: train-w2v failed:\n{done.stderr[-2000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("MARKS "))
    marks = json.loads(line[len("MARKS ") :])
    total = marks["exit"] - start
    return {"pass": marks["begin"] - start, "train": marks["end"] - marks["begin"],
            "after": marks["exit"] - marks["end"], "total": total,
            "share": (marks["begin"] - start) / total}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    runs = []
    with tempfile.TemporaryDirectory(prefix="w2v-share-") as tmp:
        for _ in range(args.repeats):
            r = one_run(corpus, Path(tmp))
            runs.append(r)
            print(f"pass {r['pass']:.2f} s  train {r['train']:.2f} s  after {r['after']:.2f} s  "
                  f"total {r['total']:.2f} s  pass share {r['share']:.1%}", flush=True)  # fmt: skip
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"median: pass {med['pass']:.2f} s, total {med['total']:.2f} s, share "
          f"{med['share']:.1%} (range {min(r['share'] for r in runs):.1%}-"
          f"{max(r['share'] for r in runs):.1%}); load {os.getloadavg()[0]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
