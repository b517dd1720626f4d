"""Train the same word-level language model in textseq and in PyTorch, side by side.

Both systems see the same encoded ``kjv`` corpus (one verse per line, each followed by
``<eos>``; vocabulary = words seen more than 3 times in the training part, plus ``<unk>`` and
``<eos>``; contiguous 80/10/10 split by verse), the same architecture (embedding 128 ->
dropout -> 1 recurrent layer of 256 -> dropout -> linear -> softmax), the same batches (32
contiguous streams, truncated BPTT of 35 with the state carried), Adam 2e-3, global-norm
clipping 0.25, constant learning rate, and the same thread count. Epochs of the two systems
alternate (the first to run flips every epoch) so background load hits both alike; the load
average is recorded at every epoch. Validation and test perplexity are computed the same
way for both (10 contiguous streams, windows of 35, state carried). An interpolated
Kneser-Ney trigram fitted on the same training ids is the count-based baseline.

Writes ``benchmarks/results/lm_vs_torch.md`` for the full protocol; a reduced run writes a
name that says what it ran (``--threads 2``: ``lm_vs_torch_2threads.md``; ``--cells lstm
--threads 1``: ``lm_vs_torch_lstm_1thread.md``), so it never overwrites the full table;
``--out`` picks any other file. PyTorch is a benchmark-only dependency:
``.venv/bin/pip install torch==2.13.0``. Run as the issue asks, e.g.::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/lm_vs_torch.py

(the script re-executes itself without those two variables if they are set). A full run
(3 cells x 2 thread settings x 3 epochs x 2 systems) takes hours on 2 shared cores;
``--cells``, ``--threads``, ``--epochs`` and ``--max-tokens`` make reduced runs, and the
results file states exactly what was run.
"""

from __future__ import annotations

import os
import sys

import blas_env  # noqa: E402, F401  (first: the BLAS environment, see its docstring)

# isort: split

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from machine import cpu_model, load_avg, log  # noqa: E402

from textseq.files import atomic_write  # noqa: E402
from textseq.lm.data import LMData, prepare_lm_data, stream_windows  # noqa: E402
from textseq.lm.model import LMConfig  # noqa: E402
from textseq.lm.ngram import KneserNeyTrigram  # noqa: E402
from textseq.lm.textgen import generate  # noqa: E402
from textseq.lm.train_config import TrainConfig  # noqa: E402
from textseq.lm.trainer import train_lm  # noqa: E402
from textseq.threads import set_threads  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FULL_CELLS, FULL_THREADS, FULL_EPOCHS = ("lstm", "gru", "rnn"), (1, 2), 3
EMBED, HIDDEN, BPTT, BATCH, DROPOUT, LR, CLIP = 128, 256, 35, 32, 0.2, 2e-3, 0.25
EVAL_STREAMS = 10
GEN_TOKENS, BEAM_WIDTH = 50, 5
GEN_PROMPT = "and god said"


# ---------------------------------------------------------------------------- data


def recipe_path(name: str, given: str | None = None) -> Path:
    """``given`` when a corpus is given; else the corpus recipe ``name`` in the project's
    ``corpora/`` folder, built first when missing."""
    if given:
        return Path(given)
    from textseq.datasets.recipes import get_recipe

    recipe = get_recipe(name)
    out_dir = Path(__file__).resolve().parents[1] / "corpora"
    if not recipe.is_built(out_dir):
        log(f"building the {name} corpus recipe (textseq corpora build {name})")
        recipe.build(out_dir, progress=False)
    return recipe.output_path(out_dir)


def load_data(path: Path, max_tokens: int | None) -> tuple[LMData, int]:
    from textseq.corpus import Corpus, Vocab

    # the vocabulary: words seen more than 3 times in the whole corpus (5,958 types
    # with <unk> and <eos>); the training part alone would give 5,242
    vocab = Vocab.build(Corpus(str(path)), min_count=4)
    data = prepare_lm_data(str(path), TrainConfig(split=(0.8, 0.1, 0.1)), vocab=vocab)
    full = len(data.train)
    if max_tokens is not None and max_tokens < full:
        data = dataclasses.replace(data, train=data.train[:max_tokens])
    return data, full


# ---------------------------------------------------------------------------- PyTorch


# PyTorch's Adam on CPU runs one tensor at a time, a pass over memory per operation, unless
# asked otherwise; "fused" (one pass per tensor) is its fastest CPU form and the reference
TORCH_ADAM = {"fused": {"fused": True}, "foreach": {"foreach": True}, "default": {}}


def torch_adam(params, lr: float, mode: str):
    """``torch.optim.Adam`` in one of its implementations (``TORCH_ADAM``)."""
    import torch

    return torch.optim.Adam(params, lr=lr, **TORCH_ADAM[mode])


def torch_model(cell: str, vocab_size: int, seed: int):
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class TorchLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, EMBED)
            self.drop = nn.Dropout(DROPOUT)
            self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](EMBED, HIDDEN, 1)
            self.out = nn.Linear(HIDDEN, vocab_size)
            # the same initial scales as textseq: embedding and output U(-0.1, 0.1), output
            # bias 0, cell weights U(+-1/sqrt(H)) (PyTorch's default), LSTM forget bias 1
            nn.init.uniform_(self.emb.weight, -0.1, 0.1)
            nn.init.uniform_(self.out.weight, -0.1, 0.1)
            nn.init.zeros_(self.out.bias)
            if cell == "lstm":
                with torch.no_grad():
                    self.rnn.bias_ih_l0[HIDDEN : 2 * HIDDEN] = 1.0
                    self.rnn.bias_hh_l0[HIDDEN : 2 * HIDDEN] = 0.0

        def forward(self, x, h):
            out, h = self.rnn(self.drop(self.emb(x)), h)
            return self.out(self.drop(out)), h

    return TorchLM()


def _detach(h):
    if h is None:
        return None
    return tuple(x.detach() for x in h) if isinstance(h, tuple) else h.detach()


def torch_train_epoch(model, opt, ids: np.ndarray) -> tuple[float, int, float]:
    """One epoch over 32 contiguous streams; returns (mean loss, tokens, seconds)."""
    import torch
    import torch.nn.functional as F

    model.train()
    h, loss_sum, n, tokens = None, 0.0, 0, 0
    params = list(model.parameters())
    t0 = time.perf_counter()
    for x, y in stream_windows(ids, BATCH, BPTT):
        xt = torch.from_numpy(x.astype(np.int64))
        yt = torch.from_numpy(y.astype(np.int64))
        logits, h = model(xt, _detach(h))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yt.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        loss_sum += loss.item() * y.size
        n += y.size
        tokens += x.size
    return loss_sum / n, tokens, time.perf_counter() - t0


def torch_ppl(model, ids: np.ndarray) -> float:
    import torch
    import torch.nn.functional as F

    model.eval()
    streams = max(1, min(EVAL_STREAMS, len(ids) // 2))
    h, total, count = None, 0.0, 0
    with torch.no_grad():
        for x, y in stream_windows(ids, streams, BPTT):
            logits, h = model(torch.from_numpy(x.astype(np.int64)), h)
            yt = torch.from_numpy(y.astype(np.int64)).reshape(-1)
            total += float(
                F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yt, reduction="sum")
            )
            count += y.size
    return math.exp(total / count)


def torch_greedy_ms(model, prompt_ids: list[int], repeats: int) -> float:
    import torch

    model.eval()
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            t0 = time.perf_counter()
            logits, h = model(torch.tensor(prompt_ids, dtype=torch.int64).view(-1, 1), None)
            tok = int(logits[-1, 0].argmax())
            for _ in range(GEN_TOKENS - 1):
                logits, h = model(torch.tensor([[tok]]), h)
                tok = int(logits[0, 0].argmax())
            times.append(time.perf_counter() - t0)
    return 1000 * min(times)


# ---------------------------------------------------------------------------- one cell


def run_cell(cell: str, threads: int, data: LMData, args, workdir: Path) -> dict:
    import torch

    torch.set_num_threads(threads)
    set_threads(threads)
    folder = workdir / f"textseq-{cell}-{threads}"
    config = LMConfig(cell=cell, embed=EMBED, hidden=HIDDEN, layers=1, dropout=DROPOUT,
                      seed=args.seed)  # fmt: skip
    vocab_size = len(data.vocab)
    tmodel = torch_model(cell, vocab_size, args.seed)
    topt = torch_adam(tmodel.parameters(), LR, args.torch_adam)
    rows = []
    best_torch = (math.inf, None)
    model = None
    for epoch in range(1, args.epochs + 1):
        row = {"epoch": epoch, "load_start": load_avg()}
        order = ("textseq", "torch") if epoch % 2 == 1 else ("torch", "textseq")
        for system in order:
            if system == "textseq":
                tc = TrainConfig(bptt=BPTT, batch_size=BATCH, epochs=epoch, lr=LR,
                                 optimizer="adam", clip=CLIP, lr_decay=1.0, patience=0,
                                 eval_batch_size=EVAL_STREAMS, seed=args.seed,
                                 threads=threads)  # fmt: skip
                model, hist = train_lm(data, config, tc, out_dir=folder, progress=False,
                                       resume=epoch > 1)  # fmt: skip
                rec = hist.epochs[-1]
                row.update(ts_tok_s=rec.tokens_per_s, ts_seconds=rec.seconds,
                           ts_loss=rec.train_loss, ts_valid=rec.valid_ppl,
                           ts_test=hist.test.ppl)  # fmt: skip
                log(f"{cell} t={threads} epoch {epoch} textseq: {rec.tokens_per_s:,.0f} tok/s, "
                    f"valid {rec.valid_ppl:.1f}, test {hist.test.ppl:.1f}")  # fmt: skip
            else:
                loss, tokens, seconds = torch_train_epoch(tmodel, topt, data.train)
                valid = torch_ppl(tmodel, data.valid)
                if valid < best_torch[0]:
                    best_torch = (valid, torch_ppl(tmodel, data.test))
                row.update(pt_tok_s=tokens / seconds, pt_seconds=seconds, pt_loss=loss,
                           pt_valid=valid, pt_test=best_torch[1])  # fmt: skip
                log(f"{cell} t={threads} epoch {epoch} torch: {tokens / seconds:,.0f} tok/s, "
                    f"valid {valid:.1f}, test {best_torch[1]:.1f}")  # fmt: skip
        row["load_end"] = load_avg()
        rows.append(row)

    # generation: 50 tokens, no early stop at <eos>, best of several runs, on one thread
    # (one prompt's matmuls are too small to share; a second thread only adds waiting)
    torch.set_num_threads(1)
    set_threads(1)
    gen = {}
    kw = dict(max_tokens=GEN_TOKENS, stop_at_eos=False)
    for name, extra in (("argmax", {}), ("beam", {"strategy": "beam", "beam_width": BEAM_WIDTH})):
        times = []
        for _ in range(args.gen_repeats):
            t0 = time.perf_counter()
            generate(model, GEN_PROMPT, **kw, **extra)
            times.append(time.perf_counter() - t0)
        gen[name] = (1000 * min(times), 1000 * statistics.median(times))
    prompt_ids = [data.vocab.eos_id] + list(data.vocab.encode(GEN_PROMPT.split()))
    gen["torch_argmax"] = torch_greedy_ms(tmodel, prompt_ids, args.gen_repeats)
    samples = {
        "argmax": generate(model, GEN_PROMPT, max_tokens=30).text,
        "argmax, no-repeat 3": generate(
            model, GEN_PROMPT, max_tokens=30, no_repeat_ngram_size=3
        ).text,  # fmt: skip
        "beam 5, no-repeat 3": generate(
            model, GEN_PROMPT, max_tokens=30, strategy="beam", no_repeat_ngram_size=3
        ).text,  # fmt: skip
        "sample, top-p 0.9, seed 0": generate(
            model, GEN_PROMPT, max_tokens=30, strategy="sample", top_p=0.9, seed=0
        ).text,  # fmt: skip
    }
    log(f"{cell} t={threads} generation: argmax {gen['argmax'][0]:.1f} ms, "
        f"beam {gen['beam'][0]:.1f} ms, torch argmax {gen['torch_argmax']:.1f} ms")  # fmt: skip
    return {"cell": cell, "threads": threads, "epochs": rows, "gen": gen, "samples": samples}


# ---------------------------------------------------------------------------- report


def pct(a: float, b: float) -> str:
    return f"{100 * (a - b) / b:+.1f}%"


def write_report(path: Path, results: list[dict], kn: dict, meta: dict) -> None:
    lines = [
        "# textseq vs PyTorch: word-level RNN language models on kjv",
        "",
        f"Command (run {meta['date']}):",
        "",
        "```",
        meta["command"],
        "```",
        "",
        "## What was run",
        "",
        *meta["scope"],
        "",
        f"- Machine: {meta['cpu']}, {os.cpu_count()} cores shared with other work; "
        f"numpy {np.__version__}, torch {meta['torch']}, Python {platform.python_version()}.",
        f"- Corpus: {meta['corpus']} ({meta['lines']}), vocabulary {meta['vocab']:,} "
        f"(words seen > 3 times in the whole corpus, as the issue counts them, + `<unk>` + "
        f"`<eos>`); tokens: train "
        f"{meta['train']:,}{meta['train_note']}, valid {meta['valid']:,}, test {meta['test']:,}.",
        f"- Model: embedding {EMBED}, hidden {HIDDEN}, 1 layer, dropout {DROPOUT}, no tying; "
        f"stream mode, bptt {BPTT}, batch {BATCH}, Adam lr {LR} (constant), clip {CLIP}; "
        f"PyTorch's Adam: `{meta['torch_adam']}` implementation.",
        "- Perplexity: 10 contiguous streams, windows of 35 with the state carried, both "
        "systems; test = the model of the best validation epoch so far (both systems).",
        "- Load: `os.getloadavg()` (1/5/15 min) at the start and end of each epoch pair; on "
        "this 2-core machine anything above ~0.5 means another process took CPU time.",
        "",
        "## Training speed (tokens/s, mean over epochs)",
        "",
        "| cell | threads | textseq | PyTorch | ratio | load during the epochs |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ts = statistics.mean(e["ts_tok_s"] for e in r["epochs"])
        pt = statistics.mean(e["pt_tok_s"] for e in r["epochs"])
        loads = ", ".join(f"{e['load_start']} -> {e['load_end']}" for e in r["epochs"])
        lines.append(f"| {r['cell']} | {r['threads']} | {ts:,.0f} | {pt:,.0f} | "
                     f"**{ts / pt:.2f}x** | {loads} |")  # fmt: skip
    lines += [
        "",
        "## Perplexity per epoch",
        "",
        "| cell | threads | epoch | textseq valid | PyTorch valid | diff | textseq test | "
        "PyTorch test | diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for e in r["epochs"]:
            lines.append(
                f"| {r['cell']} | {r['threads']} | {e['epoch']} | {e['ts_valid']:.1f} | "
                f"{e['pt_valid']:.1f} | {pct(e['ts_valid'], e['pt_valid'])} | "
                f"{e['ts_test']:.1f} | {e['pt_test']:.1f} | {pct(e['ts_test'], e['pt_test'])} |"
            )
    lines += [
        "",
        f"Interpolated Kneser-Ney trigram on the same training ids (discounts "
        f"{', '.join(f'{d:.3f}' for d in kn['discounts'])} for orders 1-3, fitted in "
        f"{kn['seconds']:.1f} s): **valid {kn['valid']:.1f}, test {kn['test']:.1f}**.",
        "",
        f'## Generation ({GEN_TOKENS} tokens after "{GEN_PROMPT}", no stop at `<eos>`, 1 thread; '
        "best / median of the repeats, ms)",
        "",
        "| cell | threads | textseq argmax | textseq beam 5 | PyTorch argmax (reference) |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        g = r["gen"]
        am, bm = g["argmax"], g["beam"]
        lines.append(f"| {r['cell']} | {r['threads']} | {am[0]:.1f} / {am[1]:.1f} | "
                     f"{bm[0]:.1f} / {bm[1]:.1f} | {g['torch_argmax']:.1f} |")  # fmt: skip
    lines += ["", "Targets: beam 5 under 50 ms, argmax under 25 ms.", "", "## Samples", ""]
    for r in results:
        lines.append(f'{r["cell"]} (threads {r["threads"]}), prompt "{GEN_PROMPT}":')
        lines.append("")
        for name, text in r["samples"].items():
            lines.append(f"- {name}: {text.replace(chr(10), ' / ')}")
        lines.append("")
    with atomic_write(path) as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


def generation_only(args, cells: list[str], threads: list[int]) -> int:
    """Time generation alone on freshly initialised kjv-sized models (vocabulary 5,958);
    with no stop at ``<eos>`` the work does not depend on the weights. Repeats alternate
    between a full ``generate`` call and the same number of bare steps of the model (the
    step function generation uses), so the share of the generation code itself is measured
    under the same load. Each thread count is set as the training runs set it."""
    from textseq.corpus import Vocab
    from textseq.lm.model import RNNLM

    vocab = Vocab.from_counts({f"w{i}": 10 for i in range(5956)})
    rows = []
    for n_threads in threads:
        set_threads(n_threads)
        for cell in cells:
            model = RNNLM(LMConfig(cell=cell, embed=EMBED, hidden=HIDDEN)).init(vocab)
            step = model.step
            for name, width, extra in (("argmax", 1, {}),
                                       ("beam 5", BEAM_WIDTH, {"strategy": "beam"})):  # fmt: skip
                full, bare = [], []
                generate(model, "w1 w2 w3", max_tokens=GEN_TOKENS, stop_at_eos=False, **extra)
                for _ in range(args.gen_repeats):
                    t0 = time.perf_counter()
                    generate(model, "w1 w2 w3", max_tokens=GEN_TOKENS, stop_at_eos=False, **extra)
                    full.append(1000 * (time.perf_counter() - t0))
                    state, ids = model.initial_state(width), np.arange(width)
                    t0 = time.perf_counter()
                    for _ in range(GEN_TOKENS - 1):
                        step(ids, state)
                    bare.append(1000 * (time.perf_counter() - t0))
                rows.append((cell, n_threads, name, min(full), statistics.median(full),
                             min(bare), statistics.median(bare), load_avg()))  # fmt: skip
                log(f"{cell} t={n_threads} {name}: {min(full):.1f} ms, median "
                    f"{statistics.median(full):.1f} (steps alone {min(bare):.1f} ms)")  # fmt: skip
    cmd = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python " + " ".join(
        shlex.quote(a) for a in [os.path.relpath(__file__), *sys.argv[1:]]
    )
    lines = [
        "# Generation speed of textseq language models (kjv-sized)",
        "",
        f"Command (run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}):",
        "",
        "```",
        cmd,
        "```",
        "",
        f"Vocabulary 5,958, embedding {EMBED}, hidden {HIDDEN}, 1 layer, untrained weights "
        f"(with no stop at `<eos>` the work does not depend on them); {GEN_TOKENS} tokens, "
        f"prompt of 3 words, {args.gen_repeats} repeats (one untimed call first). "
        f"'steps alone' is {GEN_TOKENS - 1} bare calls of the step generation uses "
        "(`RNNLM.step`) with the same batch (1 or 5), timed between the "
        "repeats: the rest is the generation code (logit shaping, normalisers, candidate "
        "selection) and priming with the prompt. Threads: BLAS and Numba as `set_threads` "
        "sets them for training; generation's own kernels run on one thread. Machine: "
        f"{cpu_model()}, 2 cores shared with other work (load average at the end of each "
        "row shown). Targets: argmax under 25 ms, beam 5 under 50 ms.",
        "",
        "| cell | threads | strategy | best ms | median ms | steps alone best | median | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cell, n, name, b, m, sb, sm, ld in rows:
        lines.append(f"| {cell} | {n} | {name} | {b:.1f} | {m:.1f} | {sb:.1f} | {sm:.1f} | {ld} |")
    out = args.out or RESULTS / "lm_generation_speed.md"
    with atomic_write(out) as handle:
        handle.write("\n".join(lines) + "\n")
    log(f"wrote {out}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="one-verse-per-line text (default: the kjv recipe)")
    p.add_argument("--cells", default="lstm,gru,rnn", help="comma list of rnn, lstm, gru")
    p.add_argument("--threads", default="1,2", help="comma list of thread counts")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--max-tokens", type=int, default=None, help="cap on training tokens")
    p.add_argument("--gen-repeats", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--torch-adam", choices=list(TORCH_ADAM), default="fused",
                   help="PyTorch's Adam implementation (fused: its fastest on CPU)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None,
                   help="results file (default: named after the run)")  # fmt: skip
    p.add_argument("--generation-only", action="store_true",
                   help="only time generation (writes results/lm_generation_speed.md)")  # fmt: skip
    args = p.parse_args(argv)
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if args.generation_only:
        return generation_only(args, cells, threads)
    args.out = args.out or default_out(
        cells, threads, args.epochs, args.max_tokens, args.corpus, args.torch_adam
    )

    import torch

    torch.set_num_interop_threads(1)
    path = recipe_path("kjv", args.corpus)
    log(f"reading {path}")
    data, full_train = load_data(path, args.max_tokens)
    log(f"vocab {len(data.vocab):,}, train {len(data.train):,}, valid {len(data.valid):,}, "
        f"test {len(data.test):,}")  # fmt: skip

    t0 = time.perf_counter()
    kn_model = KneserNeyTrigram(len(data.vocab), data.vocab.eos_id).fit(data.train)
    kn = {"seconds": time.perf_counter() - t0, "discounts": kn_model.discounts_,
          "valid": kn_model.perplexity(data.valid),
          "test": kn_model.perplexity(data.test)}  # fmt: skip
    log(f"Kneser-Ney trigram: valid {kn['valid']:.1f}, test {kn['test']:.1f}")

    results = []
    capped = len(data.train) < full_train
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python "
        + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__), *(argv or sys.argv[1:])]),
        "cpu": cpu_model(),
        "torch": torch.__version__,
        "torch_adam": args.torch_adam,
        "corpus": path.name,
        "lines": f"{sum(1 for _ in open(path, encoding='utf-8')):,} verses",
        "vocab": len(data.vocab),
        "train": len(data.train),
        "train_note": f" (capped by --max-tokens; the full training part is {full_train:,})"
        if capped
        else "",  # fmt: skip
        "valid": len(data.valid),
        "test": len(data.test),
        "scope": [
            f"- Cells {', '.join(cells)}; threads {', '.join(map(str, threads))}; "
            f"{args.epochs} epoch(s) each."
            + (
                " **Reduced run**: the issue's full protocol is RNN, LSTM and GRU, threads 1 "
                "and 2, 3 epochs on the whole training part."
                if (
                    set(cells) != {"rnn", "lstm", "gru"}
                    or set(threads) != {1, 2}
                    or args.epochs < 3
                    or capped
                )
                else ""
            ),  # fmt: skip
        ],
    }
    with tempfile.TemporaryDirectory(prefix="lm_vs_torch.") as tmp:
        for n in threads:
            for cell in cells:
                results.append(run_cell(cell, n, data, args, Path(tmp)))
                write_report(args.out, results, kn, meta)  # a partial report survives a stop
    log(f"wrote {args.out}")
    return 0


def default_out(
    cells: list[str],
    threads: list[int],
    epochs: int,
    max_tokens: int | None,
    corpus: str | None,
    torch_adam: str = "fused",
) -> Path:
    """The results file of a run: ``lm_vs_torch.md`` for the full protocol (every cell, 1 and
    2 threads, 3 epochs, the whole kjv training part); otherwise the name adds what differs,
    e.g. ``lm_vs_torch_2threads.md`` or ``lm_vs_torch_lstm_1thread.md``."""
    parts = []
    if set(cells) != set(FULL_CELLS):
        parts.append("-".join(cells))
    if set(threads) != set(FULL_THREADS):
        parts.append("-".join(map(str, threads)) + ("thread" if threads == [1] else "threads"))
    if epochs != FULL_EPOCHS:
        parts.append(f"{epochs}epoch" + ("" if epochs == 1 else "s"))
    if max_tokens:
        parts.append(f"max{max_tokens}")
    if corpus:
        parts.append(re.sub(r"[^\w-]", "_", Path(corpus).stem))
    if torch_adam != "fused":
        parts.append(f"torchadam-{torch_adam}")
    return RESULTS / ("_".join(["lm_vs_torch", *parts]) + ".md")


if __name__ == "__main__":
    sys.exit(main())
