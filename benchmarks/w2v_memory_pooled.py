"""Pool the peak-memory probes of several ``w2v_vs_gensim.py`` runs into one comparison.

One run's memory table gives a median of a few fresh processes per system, and one
process's probe moves by 0.1-0.2 MiB from the next. When the two systems are that close
(the small ``lee`` corpus), a single median cannot tell a tie from a small gap. This script
reads the probes that the runs' ``.json`` files keep, pools them per corpus, model and
system, and gives each system's median, mean and standard deviation, and the difference of
the means (textseq - gensim) with its standard error, so the gap can be read against the
spread. Nothing is measured here: every figure comes from the files named.

    .venv/bin/python benchmarks/w2v_memory_pooled.py benchmarks/results/w2v_vs_gensim.json \\
        benchmarks/results/w2v_vs_gensim_lee.json [more runs' .json files]

Writes benchmarks/results/w2v_memory_pooled.md (``--output`` to change); its notes say which
runs the current figures pool.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SYSTEMS = ("textseq", "gensim")


def pool(paths: list[Path], corpus: str | None) -> dict[str, dict[str, list[float]]]:
    """{"corpus model": {system: [every probe in MiB]}} over the files, in their order."""
    pooled: dict[str, dict[str, list[float]]] = {}
    for path in paths:
        memory = json.loads(path.read_text())["meta"].get("memory", {})
        for setting, probes in memory.items():
            if corpus is not None and setting.split()[0] != corpus:
                continue
            into = pooled.setdefault(setting, {system: [] for system in SYSTEMS})
            for system in SYSTEMS:
                into[system].extend(probes.get(system, []))
    return pooled


def summary(pooled: dict[str, dict[str, list[float]]]) -> list[dict]:
    """Per setting: count, median, mean and sd per system; mean difference and its se."""
    rows = []
    for setting, probes in pooled.items():
        row = {"setting": setting}
        for system in SYSTEMS:
            values = probes[system]
            row[system] = {
                "n": len(values),
                "median": statistics.median(values),
                "mean": statistics.fmean(values),
                "sd": statistics.stdev(values) if len(values) > 1 else float("nan"),
            }
        t, g = row["textseq"], row["gensim"]
        row["difference"] = t["mean"] - g["mean"]
        row["se"] = (t["sd"] ** 2 / t["n"] + g["sd"] ** 2 / g["n"]) ** 0.5
        rows.append(row)
    return rows


def markdown(rows: list[dict], paths: list[Path], command: str) -> str:
    lines = [
        "# word2vec peak memory: probes pooled over runs",
        "",
        f"Command: `{command}`",
        "",
        "Probes read from " + ", ".join(f"`{p.name}`" for p in paths) + " (each run's "
        "`--memory-probe` processes: one system alone in a fresh process, one thread, one "
        "epoch; growth of VmHWM over the process after the corpus was loaded). Nothing "
        "was measured anew. se: standard error of the difference of the means, "
        "sqrt(sd_t^2/n_t + sd_g^2/n_g).",
        "",
        "| setting | probes | textseq median / mean (sd) MiB | gensim median / mean (sd) MiB "
        "| difference of means (se) | textseq / gensim (means) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        t, g = row["textseq"], row["gensim"]
        lines.append(
            f"| {row['setting']} | {t['n']} / {g['n']} "
            f"| {t['median']:.3f} / {t['mean']:.3f} ({t['sd']:.3f}) "
            f"| {g['median']:.3f} / {g['mean']:.3f} ({g['sd']:.3f}) "
            f"| {row['difference']:+.3f} ({row['se']:.3f}) | {t['mean'] / g['mean']:.3f}x |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="w2v_vs_gensim.py .json results")
    parser.add_argument("--corpus", default="lee", help="only this corpus ('' for all)")
    parser.add_argument("--output", type=Path, default=RESULTS / "w2v_memory_pooled.md")
    args = parser.parse_args(argv)
    rows = summary(pool(args.files, args.corpus or None))
    if not rows:
        parser.error("no memory probes for that corpus in those files")
    shown = " ".join(str(p) for p in args.files)
    corpus = "" if args.corpus == "lee" else f" --corpus '{args.corpus}'"
    output = "" if args.output == RESULTS / "w2v_memory_pooled.md" else f" --output {args.output}"
    command = f".venv/bin/python benchmarks/w2v_memory_pooled.py {shown}{corpus}{output}"
    text = markdown(rows, args.files, command)
    print(text)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
