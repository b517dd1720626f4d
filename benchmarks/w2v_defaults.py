"""Which defaults should textseq's word2vec have? Candidate settings over seeds.

The C tool, gensim and textseq share window 5, negative 5 and sample 1e-3 for both
architectures; fastText subsamples harder (``t`` 1e-4), and the C tool's notes suggest a
wider window for skip-gram (about 10) than for CBOW (about 5). This script trains textseq
with each candidate on the same corpus, one thread, seeds 1..N (one thread: every run
repeats bit for bit, so the figures do not depend on the machine's load), and reports per
candidate the mean and standard error of each quality score, the difference to the current
default with its standard error, the effective words of all epochs (after subsampling) and
the work (multiply-adds) relative to the default: the cost of a setting, independent of the
machine. A setting that costs more work is also set against the default given about as much
work through more epochs.

    .venv/bin/python benchmarks/w2v_defaults.py                    # english, 3 seeds
    .venv/bin/python benchmarks/w2v_defaults.py --seeds 5 --archs cbow

Writes benchmarks/results/w2v_defaults.md (and .json with every run); the file is rewritten
after every run, so a stopped run keeps what it finished; ``--resume`` runs only what the
.json does not hold yet.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from machine import cpu_model  # noqa: E402
from results_file import write_results  # noqa: E402
from w2v_vs_peers import ENGLISH, PY, RESULTS, SAME, evaluate, mean_se, multiply_adds  # noqa: E402

from textseq.files import save_json  # noqa: E402
from textseq.word2vec.params import DEFAULT_SCHEDULE, GIVEN_ALPHA_MIN  # noqa: E402

# architecture -> setting name -> options beyond the defaults; "default" is today's default
# (a setting that costs more work is also set against the default given as much work
# through more epochs: "epochs 8" is about what "negative 10" costs, "epochs 9" "window 10")
CANDIDATES = {
    "cbow": {
        # the default schedule, 0.075 to 0.005; an --alpha given alone ends at 0.0001
        "default": [],
        "alpha 0.05 (the default before)": ["--alpha", "0.05"],
        "alpha 0.05, sample 1e-4": ["--alpha", "0.05", "--sample", "1e-4"],
        "alpha 0.05, negative 10": ["--alpha", "0.05", "--negative", "10"],
        "alpha 0.05, epochs 8": ["--alpha", "0.05", "--epochs", "8"],
        # the rate kept higher for longer, at the same work: a higher floor (about where
        # gensim's corpus_file mode ends at two workers), a higher start, both
        "alpha 0.05, min_alpha 0.005": ["--alpha", "0.05", "--min-alpha", "0.005"],
        "alpha 0.075, min_alpha 0.0001": ["--alpha", "0.075"],
        "alpha 0.1, min_alpha 0.0001": ["--alpha", "0.1"],
    },
    "sg": {
        # the default schedule, 0.05 to 0.0025
        "default": [],
        "alpha 0.025 (the default before)": ["--alpha", "0.025"],
        "alpha 0.025, sample 1e-4": ["--alpha", "0.025", "--sample", "1e-4"],
        "alpha 0.025, window 10": ["--alpha", "0.025", "--window", "10"],
        "alpha 0.025, epochs 9": ["--alpha", "0.025", "--epochs", "9"],
        # the rate kept higher for longer, as for CBOW: a floor alone, then higher starts
        "alpha 0.025, min_alpha 0.0025": ["--alpha", "0.025", "--min-alpha", "0.0025"],
        "alpha 0.0375, min_alpha 0.0025": ["--alpha", "0.0375", "--min-alpha", "0.0025"],
        "alpha 0.05, min_alpha 0.005": ["--alpha", "0.05", "--min-alpha", "0.005"],
        "alpha 0.075, min_alpha 0.0025": ["--alpha", "0.075", "--min-alpha", "0.0025"],
    },
}
SCORES = (("analogy", "analogy (%)", "{:.2f}"), ("ws353", "WS-353", "{:.3f}"),
          ("simlex", "SimLex-999", "{:.3f}"))  # fmt: skip
EFFECTIVE = re.compile(r"\(([\d,]+) after subsampling\)")


def run(arch: str, options: list[str], seed: int, corpus: str, work: Path) -> dict:
    out = work / "vectors.txt"
    arch_flag = "--sg" if arch == "sg" else "--cbow"
    cmd = [PY, "-m", "textseq", "train-w2v", corpus, "-o", str(out), "--text", "--threads", "1",
           "--seed", str(seed), "--no-progress", arch_flag, *options]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: textseq failed:\n{done.stderr[-2000:]}")
    found = EFFECTIVE.search(done.stdout)
    effective = int(found.group(1).replace(",", "")) if found else 0
    row = {"effective_words": effective, **evaluate(out)}
    out.unlink()
    return row


def work(arch: str, options: list[str], effective_words: float) -> float:
    """Multiply-adds of a run: effective words times the kernel's work per word at the
    setting's window and negative (``w2v_vs_peers.multiply_adds``)."""
    given = dict(zip(options[::2], options[1::2], strict=True))
    window = int(given.get("--window", SAME["window"]))
    negative = int(given.get("--negative", SAME["negative"]))
    return effective_words * multiply_adds(arch, SAME["dim"], window, negative)


def render(runs: list[dict], meta: dict) -> str:
    cbow, sg = DEFAULT_SCHEDULE[0], DEFAULT_SCHEDULE[1]
    lines = [
        f"# word2vec defaults: candidate settings over seeds ({meta['corpus']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"{meta['cpu']}. textseq {meta['commit']}, one thread (every run repeats bit for bit), "
        f"seeds {', '.join(map(str, sorted({r['seed'] for r in runs})))} (runs: how many a row "
        "has); every setting not named is the default "
        "(dim 100, window 5, negative 5, sample 1e-3, min_count 5, 5 epochs; the rate from "
        f"{cbow[0]:g} to {cbow[1]:g} for CBOW, {sg[0]:g} to {sg[1]:g} for skip-gram; an alpha "
        f"given alone ends at {GIVEN_ALPHA_MIN:g}). Effective words: the words of all epochs "
        "after subsampling; "
        "work: those words times the multiply-adds per word at the setting's window and "
        "negative, relative to the default (what a setting costs, whatever the machine). "
        f"Started {meta['date']}, {meta['minutes']:.1f} min.",
        "",
    ]
    for arch in [arch for arch in CANDIDATES if any(r["arch"] == arch for r in runs)]:
        lines += [f"## {'skip-gram' if arch == 'sg' else 'CBOW'}", "",
                  "| setting | runs | effective words | work | "
                  + " | ".join(f"{label} mean (se)" for _, label, _ in SCORES) + " | "
                  + " | ".join(f"{label} - default (se)" for _, label, _ in SCORES) + " |",
                  "|---|---:|---:|---:|" + "---:|" * (2 * len(SCORES))]  # fmt: skip
        base = [r for r in runs if r["arch"] == arch and r["setting"] == "default"]
        for setting in CANDIDATES[arch]:
            rs = [r for r in runs if r["arch"] == arch and r["setting"] == setting]
            if not rs:
                continue
            cells, diffs = [], []
            for key, _, fmt in SCORES:
                mean, se = mean_se([r[key] for r in rs])
                cells.append(f"{fmt.format(mean)} ({fmt.format(se)})")
                if base:
                    bmean, bse = mean_se([r[key] for r in base])
                    d, dse = mean - bmean, (se**2 + bse**2) ** 0.5
                    diffs.append(f"{fmt.format(d)} ({fmt.format(dse)})")
                else:
                    diffs.append("-")
            words = statistics.fmean(r["effective_words"] for r in rs)
            cost = work(arch, CANDIDATES[arch][setting], words)
            if base:
                words0 = statistics.fmean(r["effective_words"] for r in base)
                cost /= work(arch, [], words0)
            lines.append(f"| {setting} | {len(rs)} | {words:,.0f} | {cost:.2f}x | "
                         + " | ".join(cells)
                         + " | " + " | ".join(diffs) + " |")  # fmt: skip
        lines.append("")
    lines.append("se: standard error of a mean over the seeds (sd / sqrt(n)); of a difference, "
                 "sqrt(se_a^2 + se_b^2) (the seeds are not paired across settings).")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="default: the english recipe corpus")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N")
    parser.add_argument("--archs", nargs="+", default=["cbow", "sg"], choices=["cbow", "sg"])
    parser.add_argument("--settings", nargs="+", default=None,
                        help="only these settings (names as in the tables)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs of the output's .json (same corpus, setting, options and seed: "
        "one thread repeats bit for bit) and run only the others",
    )
    args = parser.parse_args(argv)
    corpus = args.corpus or str(ENGLISH)
    output = args.output or RESULTS / "w2v_defaults.md"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=RESULTS).stdout.strip()  # fmt: skip
    meta = {
        "corpus": Path(corpus).name, "archs": args.archs, "cpu": cpu_model(), "commit": commit,
        "seeds": list(range(1, args.seeds + 1)), "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                       time.gmtime()),
        "command": shlex.join([".venv/bin/python", "benchmarks/w2v_defaults.py", *sys.argv[1:]]),
    }  # fmt: skip
    start = time.time()
    kept: list[dict] = []
    if args.resume and output.with_suffix(".json").exists():
        old = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
        if old["meta"]["corpus"] == meta["corpus"]:
            kept = old["runs"]
    # the kept runs this call does not visit (other architectures, settings or seeds) stay
    wanted = [(arch, setting) for arch in args.archs for setting in CANDIDATES[arch]
              if args.settings is None or setting in args.settings]  # fmt: skip
    visited = {(arch, setting, seed) for arch, setting in wanted for seed in meta["seeds"]}
    runs: list[dict] = [r for r in kept if (r["arch"], r["setting"], r["seed"]) not in visited]
    with tempfile.TemporaryDirectory(prefix="w2v-defaults-") as tmp:
        for seed in meta["seeds"]:
            for arch, setting in wanted:
                options = CANDIDATES[arch][setting]
                key = {"arch": arch, "setting": setting, "options": options, "seed": seed}
                same = [r for r in kept if all(r.get(k) == v for k, v in key.items())]
                if same:
                    runs.append(same[0])
                    continue
                row = run(arch, options, seed, corpus, Path(tmp))
                runs.append({**key, **row})
                print(f"{arch:4} seed {seed} {setting:12} analogy {row['analogy']:5.2f}% "
                      f"ws353 {row['ws353']:.3f} simlex {row['simlex']:.3f} "
                      f"words {row['effective_words']:,}", flush=True)  # fmt: skip
                meta["minutes"] = (time.time() - start) / 60
                write_results(output, render(runs, meta))
                save_json(output.with_suffix(".json"), {"meta": meta, "runs": runs})
    print(render(runs, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
