"""An adaptive softmax against a full softmax, in textseq and in PyTorch, side by side.

Four systems train the same LSTM language model on the same batches: textseq with a full
softmax, textseq with its adaptive softmax (``LMConfig.adaptive_softmax``), PyTorch with a
full softmax (``nn.Linear`` + cross-entropy) and PyTorch with ``nn.AdaptiveLogSoftmaxWithLoss``
on the same cutoffs and ``div_value`` (head bias on, as textseq's head has one).

- Corpus: the ``english`` recipe (kjv + gcide + wordnet, one sentence per line; built when
  missing, ``textseq corpora build english``), contiguous 80/10/10 split by line; the
  vocabulary is the training part's words seen at least ``--min-count`` times (8 by default,
  30,529 words with ``<unk>`` and ``<eos>``); each line ends with ``<eos>``.
- Cutoffs: ``auto`` (textseq's rule, printed in the results) unless ``--cutoffs`` is given.
- Model: embedding 256, LSTM hidden 256 (``--hidden 512`` for the larger one, whose two
  full-softmax systems take hours on two cores), 1 layer, no dropout, no tying; stream
  mode, bptt 35, batch 32 contiguous streams with the state carried, Adam lr 2e-3
  (constant; PyTorch's fused implementation unless ``--torch-adam`` says otherwise),
  global-norm clipping 0.25; the same initial scales in both libraries (embedding and
  output U(-0.1, 0.1), LSTM forget bias 1).
- Budget: every system reads the same first ``--budget`` training tokens (600,000 by
  default, so that the four systems at 1 and 2 threads finish within an hour on two
  cores) in ``--segments`` segments. The segments alternate between the systems (the
  order rotates every segment) so that background load hits all four alike; after each
  segment every system's validation perplexity is measured on the first
  ``--valid-tokens`` of the validation part (10 streams, windows of 35, state carried),
  outside the timed training.
- Figures: training tokens/s (timed training steps only), validation perplexity after the
  budget, the training time each system needs to reach the best validation perplexity the
  PyTorch full softmax reaches within the budget (first segment at or below it; an adaptive
  system that has not reached it by the end of the budget trains on, up to ``--overtime``
  times the budget more, while its time is below PyTorch full's), and the
  time to generate 50 tokens after a prompt (argmax and beam 5, no stop at ``<eos>``, best
  and median of ``--gen-repeats``), for 1 and 2 threads.

Writes ``benchmarks/results/lm_adaptive_vs_torch.md`` for the full protocol; a reduced run
writes a name that says what it ran (e.g. ``lm_adaptive_vs_torch_1thread_budget200000.md``);
``--out`` picks any other file. PyTorch is a benchmark-only dependency. Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/lm_adaptive_vs_torch.py

(the script re-executes itself without those two variables if they are set).
"""

from __future__ import annotations

import os
import sys

import blas_env  # noqa: E402, F401  (first: the BLAS environment, see its docstring)

# isort: split

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from lm_vs_torch import TORCH_ADAM, recipe_path, torch_adam  # noqa: E402
from machine import cpu_model, load_avg, log  # noqa: E402

from textseq.files import atomic_write  # noqa: E402
from textseq.lm.adaptive_cutoffs import AUTO_RULE, DIV_VALUE, auto_cutoffs, parse_cutoffs  # noqa: E402
from textseq.lm.data import LMData, prepare_lm_data, stream_windows  # noqa: E402
from textseq.lm.evaluate import evaluate  # noqa: E402
from textseq.lm.model import RNNLM, LMConfig  # noqa: E402
from textseq.lm.optim import clip_scale, global_norm, make_optimizer  # noqa: E402
from textseq.lm.train_config import TrainConfig  # noqa: E402
from textseq.threads import set_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SYSTEMS = ("textseq full", "textseq adaptive", "torch full", "torch adaptive")
FULL = {"threads": [1, 2], "budget": 600_000, "hidden": 256, "embed": 256, "min_count": 8,
        "segments": 6, "valid_tokens": 20_000, "overtime": 1.0}  # fmt: skip
BPTT, BATCH, LR, CLIP, EVAL_STREAMS = 35, 32, 2e-3, 0.25, 10
GEN_TOKENS, BEAM_WIDTH, GEN_PROMPT = 50, 5, "the meaning of the word"


# ---------------------------------------------------------------------------- data


def load_data(path: Path, min_count: int) -> LMData:
    return prepare_lm_data(str(path), TrainConfig(min_count=min_count, split=(0.8, 0.1, 0.1)))


def windows(ids: np.ndarray, budget: int):
    """The training windows of the budget: ``(x, y)`` time-major, the training part read
    again from the start when the budget is larger than it."""
    n = budget // (BATCH * BPTT)
    while n > 0:
        for x, y in stream_windows(ids, BATCH, BPTT):
            yield x, y
            n -= 1
            if n == 0:
                return


# ---------------------------------------------------------------------------- textseq


class TextseqSystem:
    """textseq's training step as the trainer runs it: ``loss``, ``backward``, clipping
    folded into the optimizer step."""

    def __init__(self, data: LMData, args, cutoffs):
        cfg = LMConfig(
            cell="lstm",
            embed=args.embed,
            hidden=args.hidden,
            dropout=0.0,
            seed=args.seed,
            adaptive_softmax=cutoffs,
            div_value=args.div_value,
        )
        self.model = RNNLM(cfg).init(data.vocab)
        self.opt = make_optimizer("adam", LR)
        named = self.model.named_parameters()
        self.params = [p for _, p, _ in named]
        self.grads = [g for _, _, g in named]
        self.state = self.model.initial_state(BATCH)
        self.eval_config = TrainConfig(bptt=BPTT, eval_batch_size=EVAL_STREAMS)

    def train(self, batches) -> tuple[float, int, float]:
        m = self.model
        loss_sum, tokens = 0.0, 0
        t0 = time.perf_counter()
        for x, y in batches:
            loss, self.state = m.loss(x, y, self.state)
            m.backward()
            self.opt.step(self.params, self.grads, clip_scale(global_norm(self.grads), CLIP))
            loss_sum += loss * y.size
            tokens += x.size
        return loss_sum, tokens, time.perf_counter() - t0

    def valid_ppl(self, ids: np.ndarray) -> float:
        return evaluate(self.model, ids, self.eval_config).ppl

    def generate(self, prompt_ids: list[int], beam: bool) -> list[int]:
        extra = {"strategy": "beam", "beam_width": BEAM_WIDTH} if beam else {"strategy": "argmax"}
        words = self.model.vocab_.decode(prompt_ids[1:])
        gen = self.model.generate(words, max_tokens=GEN_TOKENS, stop_at_eos=False, allow_unk=True,
                                  **extra)  # fmt: skip
        return list(gen.ids)


# ---------------------------------------------------------------------------- PyTorch


class TorchSystem:
    """The same model in PyTorch; ``cutoffs`` None = ``nn.Linear`` + cross-entropy."""

    def __init__(self, data: LMData, args, cutoffs):
        import torch
        from torch import nn

        torch.manual_seed(args.seed)
        V, E, H = len(data.vocab), args.embed, args.hidden
        self.adaptive = cutoffs is not None
        self.emb = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, 1)
        nn.init.uniform_(self.emb.weight, -0.1, 0.1)
        with torch.no_grad():  # forget-gate bias 1 in total, as textseq starts
            self.rnn.bias_ih_l0[H : 2 * H] = 1.0
            self.rnn.bias_hh_l0[H : 2 * H] = 0.0
        if self.adaptive:
            self.out = nn.AdaptiveLogSoftmaxWithLoss(H, V, list(cutoffs), div_value=args.div_value,
                                                     head_bias=True)  # fmt: skip
            nn.init.uniform_(self.out.head.weight, -0.1, 0.1)
            nn.init.zeros_(self.out.head.bias)
            for tail in self.out.tail:
                nn.init.uniform_(tail[1].weight, -0.1, 0.1)
        else:
            self.out = nn.Linear(H, V)
            nn.init.uniform_(self.out.weight, -0.1, 0.1)
            nn.init.zeros_(self.out.bias)
        self.modules = nn.ModuleList([self.emb, self.rnn, self.out])
        self.params = list(self.modules.parameters())
        self.opt = torch_adam(self.params, LR, args.torch_adam)
        self.h = None

    def _loss(self, hs, y, reduction="mean"):
        import torch.nn.functional as F

        flat = hs.reshape(-1, hs.shape[-1])
        if self.adaptive:
            out = self.out(flat, y)  # out.output: the targets' log-probabilities
            return -out.output.sum() if reduction == "sum" else out.loss
        return F.cross_entropy(self.out(flat), y, reduction=reduction)

    def train(self, batches) -> tuple[float, int, float]:
        import torch

        self.modules.train()
        loss_sum, tokens = 0.0, 0
        t0 = time.perf_counter()
        for x, y in batches:
            xt = torch.from_numpy(x.astype(np.int64))
            yt = torch.from_numpy(y.astype(np.int64)).reshape(-1)
            h = None if self.h is None else tuple(a.detach() for a in self.h)
            hs, self.h = self.rnn(self.emb(xt), h)
            loss = self._loss(hs, yt)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.params, CLIP)
            self.opt.step()
            loss_sum += loss.item() * y.size
            tokens += x.size
        return loss_sum, tokens, time.perf_counter() - t0

    def valid_ppl(self, ids: np.ndarray) -> float:
        import torch

        self.modules.eval()
        streams = max(1, min(EVAL_STREAMS, len(ids) // 2))
        h, total, count = None, 0.0, 0
        with torch.no_grad():
            for x, y in stream_windows(ids, streams, BPTT):
                hs, h = self.rnn(self.emb(torch.from_numpy(x.astype(np.int64))), h)
                yt = torch.from_numpy(y.astype(np.int64)).reshape(-1)
                total += float(self._loss(hs, yt, reduction="sum"))
                count += y.size
        return math.exp(min(total / count, 700.0))

    def _log_probs(self, hs):
        """``(B, H)`` top states -> ``(B, V)`` log-probabilities."""
        import torch

        if self.adaptive:
            return self.out.log_prob(hs)
        return torch.log_softmax(self.out(hs), dim=-1)

    def generate(self, prompt_ids: list[int], beam: bool) -> list[int]:
        """Argmax or beam search (width 5, all beams in one batch per step) over 50 tokens,
        no stop at ``<eos>``."""
        import torch

        self.modules.eval()
        with torch.no_grad():
            hs, h = self.rnn(self.emb(torch.tensor(prompt_ids, dtype=torch.int64).view(-1, 1)))
            lp = self._log_probs(hs[-1])
            if not beam:
                out = []
                for t in range(GEN_TOKENS):
                    tok = int(lp[0].argmax())
                    out.append(tok)
                    if t + 1 < GEN_TOKENS:
                        hs, h = self.rnn(self.emb(torch.tensor([[tok]])), h)
                        lp = self._log_probs(hs[0])
                return out
            V = lp.shape[1]
            scores = torch.zeros(1, dtype=lp.dtype)
            seqs = torch.zeros((1, 0), dtype=torch.int64)
            for t in range(GEN_TOKENS):
                total = (scores[:, None] + lp).reshape(-1)
                scores, flat = torch.topk(total, min(BEAM_WIDTH, total.numel()))
                rows, toks = flat // V, flat % V
                seqs = torch.cat([seqs[rows], toks[:, None]], dim=1)
                if t + 1 < GEN_TOKENS:
                    h = tuple(a[:, rows] for a in h)
                    hs, h = self.rnn(self.emb(toks.view(1, -1)), h)
                    lp = self._log_probs(hs[0])
            return seqs[0].tolist()


# ---------------------------------------------------------------------------- one setting


def run_threads(n_threads: int, data: LMData, cutoffs: list[int], args) -> dict:
    import torch

    torch.set_num_threads(n_threads)
    set_threads(n_threads)
    systems = {
        "textseq full": TextseqSystem(data, args, None),
        "textseq adaptive": TextseqSystem(data, args, cutoffs),
        "torch full": TorchSystem(data, args, None),
        "torch adaptive": TorchSystem(data, args, cutoffs),
    }
    # one untimed window on a throwaway copy of each system: kernels load (Numba's cache)
    # and buffers are allocated before the clock starts
    first = next(windows(data.train, BATCH * BPTT))
    for name, system in systems.items():
        type(system)(data, args, None if "full" in name else cutoffs).train([first])
    valid = data.valid[: args.valid_tokens]
    n_windows = args.budget // (BATCH * BPTT)
    bounds = [k * n_windows // args.segments for k in range(args.segments + 1)]
    total = int(args.budget * (1 + args.overtime))
    batches = {name: windows(data.train, total) for name in systems}
    stats = {
        name: {"seconds": 0.0, "tokens": 0, "loss": 0.0, "curve": [], "rates": []}
        for name in systems
    }
    loads = []

    def segment(name: str, count: int, label: str) -> None:
        part = (next(batches[name]) for _ in range(count))
        loss_sum, tokens, seconds = systems[name].train(part)
        s = stats[name]
        s["seconds"] += seconds
        s["tokens"] += tokens
        s["loss"] = loss_sum / max(tokens, 1)
        t0 = time.perf_counter()
        ppl = systems[name].valid_ppl(valid)
        s["curve"].append((s["tokens"], s["seconds"], ppl))
        s["rates"].append(tokens / max(seconds, 1e-9))
        log(f"t={n_threads} {label} {name}: {tokens / max(seconds, 1e-9):,.0f} tok/s, "
            f"valid ppl {ppl:.1f} (eval {time.perf_counter() - t0:.1f} s)")  # fmt: skip

    for k in range(args.segments):
        shift = k % len(SYSTEMS)
        load0 = load_avg()
        for name in SYSTEMS[shift:] + SYSTEMS[:shift]:
            segment(name, bounds[k + 1] - bounds[k], f"segment {k + 1}/{args.segments}")
        loads.append((load0, load_avg()))
    for s in stats.values():  # the figures of the budget
        s["budget"] = (s["tokens"], s["seconds"], s["loss"], s["curve"][-1][2])
        s["median_rate"] = statistics.median(s["rates"])

    # overtime: an adaptive system that has not reached the target (torch full's best) trains
    # on, alternating, while its training time is below torch full's time to the target
    target = min(p for _, _, p in stats["torch full"]["curve"])
    limit = time_to(stats["torch full"]["curve"], target)[0]
    size = max(1, n_windows // args.segments)
    extra = int(n_windows * args.overtime) // size
    for k in range(extra):
        load0 = load_avg()
        going = [
            name
            for name in ("textseq adaptive", "torch adaptive")[:: 1 if k % 2 == 0 else -1]
            if time_to(stats[name]["curve"], target) is None and stats[name]["seconds"] < limit
        ]
        if not going:
            break
        for name in going:
            segment(name, size, f"overtime {k + 1}/{extra} (target {target:.1f})")
        loads.append((load0, load_avg()))

    # generation on one thread: one prompt's products are too small to share
    torch.set_num_threads(1)
    set_threads(1)
    prompt = [data.vocab.eos_id] + [int(i) for i in data.vocab.encode(GEN_PROMPT.split())]
    gen = {}
    for name in SYSTEMS:
        for beam in (False, True):
            systems[name].generate(prompt, beam)  # warm-up (compilation, caches)
            times = []
            for _ in range(args.gen_repeats):
                t0 = time.perf_counter()
                ids = systems[name].generate(prompt, beam)
                times.append(1000 * (time.perf_counter() - t0))
            gen[(name, beam)] = (min(times), statistics.median(times), len(ids))
        log(f"t={n_threads} {name} generation: argmax {gen[(name, False)][0]:.1f} ms, "
            f"beam {gen[(name, True)][0]:.1f} ms")  # fmt: skip
    sample = systems["textseq adaptive"].model.generate(GEN_PROMPT, max_tokens=25).text
    return {"threads": n_threads, "stats": stats, "loads": loads, "gen": gen, "sample": sample}


# ---------------------------------------------------------------------------- report


def time_to(curve, target: float) -> tuple[float, int] | None:
    """(training seconds, tokens) at the first segment whose perplexity is <= ``target``."""
    for tokens, seconds, ppl in curve:
        if ppl <= target:
            return seconds, tokens
    return None


def write_report(path: Path, results: list[dict], meta: dict) -> None:
    lines = [
        "# Adaptive softmax vs full softmax, textseq and PyTorch (LSTM, english corpus)",
        "",
        f"Command (run {meta['date']}):",
        "",
        "```",
        meta["command"],
        "```",
        "",
        "## What was run",
        "",
        f"- Machine: {meta['cpu']}, {os.cpu_count()} cores; numpy {np.__version__}, torch "
        f"{meta['torch']}, Python {platform.python_version()}.",
        f"- Corpus: `english` recipe ({meta['lines']:,} lines), contiguous 80/10/10 split by "
        f"line; vocabulary {meta['vocab']:,} (training words seen >= {meta['min_count']} "
        f"times + `<unk>` + `<eos>`); tokens: train {meta['train']:,}, valid {meta['valid']:,} "
        f"(the first {meta['valid_used']:,} score every system).",
        f"- Adaptive softmax: cutoffs {meta['cutoffs']} ({meta['cutoff_rule']}), div_value "
        f"{meta['div_value']:g}; the head holds {meta['head_share']:.1%} of the training tokens.",
        f"- Model: LSTM, embedding {meta['embed']}, hidden {meta['hidden']}, 1 layer, no dropout, "
        f"no tying; bptt {BPTT}, batch {BATCH}, Adam lr {LR}, clip {CLIP}; PyTorch's Adam: "
        f"`{meta['torch_adam']}` implementation.",
        f"- Budget: {meta['budget']:,} training tokens per system in {meta['segments']} "
        "segments, alternating between the systems (order rotating per segment); validation "
        "after each segment, outside the timed training.",
        *meta["scope"],
    ]
    for r in results:
        n, st = r["threads"], r["stats"]
        rate = {k: v["budget"][0] / max(v["budget"][1], 1e-9) for k, v in st.items()}
        final = {k: v["budget"][3] for k, v in st.items()}
        target = min(p for _, _, p in st["torch full"]["curve"])
        lines += [
            "",
            f"## {n} thread{'s' if n > 1 else ''}",
            "",
            "| system | tokens/s | median of segments | train loss (last segment) | valid ppl "
            f"after the budget | time to valid ppl {target:.1f} (best of torch full) |",
            "|---|---|---|---|---|---|",
        ]
        for name in SYSTEMS:
            hit = time_to(st[name]["curve"], target)
            reach = "not reached" if hit is None else f"{hit[0]:,.0f} s ({hit[1]:,} tokens)"
            lines.append(f"| {name} | {rate[name]:,.0f} | {st[name]['median_rate']:,.0f} | "
                         f"{st[name]['budget'][2]:.3f} | "
                         f"{final[name]:.1f} | {reach} |")  # fmt: skip
        ts_a, pt_a, ts_f = rate["textseq adaptive"], rate["torch adaptive"], rate["textseq full"]
        hit_ts = time_to(st["textseq adaptive"]["curve"], target)
        hit_pt = time_to(st["torch full"]["curve"], target)
        ratio_time = "-" if hit_ts is None or hit_pt is None else f"{hit_ts[0] / hit_pt[0]:.2f}"
        ppl_diff = (
            100 * (final["textseq adaptive"] - final["torch adaptive"]) / final["torch adaptive"]
        )
        lines += [
            "",
            f"- textseq adaptive / torch adaptive tokens/s: **{ts_a / pt_a:.2f}x** (aim >= 1.5x)",
            f"- textseq adaptive / textseq full tokens/s: **{ts_a / ts_f:.2f}x** (aim >= 3x)",
            f"- valid ppl textseq adaptive vs torch adaptive: **{ppl_diff:+.1f}%** (aim within 3%)",
            f"- time to ppl {target:.1f}, textseq adaptive / torch full: **{ratio_time}** "
            "(aim <= 0.33)",
            "- after the budget, an adaptive system that had not reached the target trained "
            f"on (up to {meta['overtime']:g}x the budget more, while its training time was "
            "below torch full's time to the target); the table below shows those segments.",
            "- load average (1/5/15 min) at the start -> end of each segment: "
            + ", ".join(f"{a} -> {b}" for a, b in r["loads"]),
            "",
            f"Validation perplexity after each segment ({n} thread{'s' if n > 1 else ''}):",
            "",
            "| tokens | " + " | ".join(SYSTEMS) + " |",
            "|---|" + "---|" * len(SYSTEMS),
        ]
        for k in range(max(len(v["curve"]) for v in st.values())):
            tokens = max(v["curve"][k][0] for v in st.values() if len(v["curve"]) > k)
            cells = " | ".join(
                f"{st[name]['curve'][k][2]:.1f}" if len(st[name]["curve"]) > k else "-"
                for name in SYSTEMS
            )
            lines.append(f"| {tokens:,} | {cells} |")
        lines += [
            "",
            f'Generation, {GEN_TOKENS} tokens after "{GEN_PROMPT}", no stop at `<eos>`, 1 '
            "thread, best / median ms:",
            "",
            "| system | argmax | beam 5 |",
            "|---|---|---|",
        ]
        for name in SYSTEMS:
            a, b = r["gen"][(name, False)], r["gen"][(name, True)]
            lines.append(f"| {name} | {a[0]:.1f} / {a[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} |")
        lines += ["", f"textseq adaptive, argmax, 25 tokens: {r['sample']!r}"]
    with atomic_write(path) as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


def default_out(args) -> Path:
    """``lm_adaptive_vs_torch.md`` for the full protocol; otherwise the name says what
    differs (threads, budget, sizes, corpus)."""
    parts = []
    threads = sorted(set(args.threads_list))
    if threads != FULL["threads"]:
        parts.append("-".join(map(str, threads)) + ("thread" if threads == [1] else "threads"))
    for key in ("budget", "hidden", "embed", "min_count", "segments", "valid_tokens", "overtime"):
        if getattr(args, key) != FULL[key]:
            parts.append(f"{key.replace('_', '')}{getattr(args, key)}")
    if args.cutoffs != "auto":
        parts.append("cutoffs" + args.cutoffs.replace(",", "-"))
    if args.torch_adam != "fused":
        parts.append(f"torchadam-{args.torch_adam}")
    if args.corpus:
        parts.append(Path(args.corpus).stem)
    return RESULTS / ("_".join(["lm_adaptive_vs_torch", *parts]) + ".md")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="one-sentence-per-line text (default: the english recipe)")
    p.add_argument("--threads", default="1,2", help="comma list of thread counts")
    p.add_argument("--budget", type=int, default=FULL["budget"], help="training tokens per system")
    p.add_argument("--segments", type=int, default=FULL["segments"],
                   help="training segments (validation after each)")  # fmt: skip
    p.add_argument("--valid-tokens", type=int, default=FULL["valid_tokens"],
                   help="validation tokens scored after each segment")  # fmt: skip
    p.add_argument("--overtime", type=float, default=FULL["overtime"],
                   help="adaptive systems may train this share of the budget more to reach the "
                   "target perplexity")  # fmt: skip
    p.add_argument("--hidden", type=int, default=FULL["hidden"], help="LSTM size (512 or 256)")
    p.add_argument("--embed", type=int, default=FULL["embed"], help="embedding size")
    p.add_argument("--min-count", type=int, default=FULL["min_count"],
                   help="vocabulary: training words seen at least this often")  # fmt: skip
    rule = AUTO_RULE.replace("%", "%%")  # argparse formats help strings with %
    p.add_argument("--cutoffs", default="auto", help=f"adaptive cutoffs, or {rule}")
    p.add_argument("--div-value", type=float, default=DIV_VALUE)
    p.add_argument("--gen-repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--torch-adam", choices=list(TORCH_ADAM), default="fused",
                   help="PyTorch's Adam implementation (fused: its fastest on CPU)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None,
                   help="results file (default: named after the run)")  # fmt: skip
    args = p.parse_args(argv)
    args.threads_list = [int(t) for t in args.threads.split(",") if t.strip()]
    out = args.out or default_out(args)

    import torch

    torch.set_num_interop_threads(1)
    path = recipe_path("english", args.corpus)
    log(f"reading {path}")
    data = load_data(path, args.min_count)
    cutoffs = parse_cutoffs(args.cutoffs)
    cutoffs = auto_cutoffs(data.vocab.counts) if cutoffs == "auto" else cutoffs
    train_counts = np.bincount(data.train, minlength=len(data.vocab))
    head_share = train_counts[: cutoffs[0]].sum() / max(train_counts.sum(), 1)
    log(f"vocab {len(data.vocab):,}, train {len(data.train):,}, valid {len(data.valid):,}; "
        f"cutoffs {cutoffs}")  # fmt: skip
    full_protocol = out.name == "lm_adaptive_vs_torch.md" and args.out is None
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python "
        + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__), *(argv or sys.argv[1:])]),
        "cpu": cpu_model(),
        "torch": torch.__version__,
        "torch_adam": args.torch_adam,
        "lines": sum(1 for _ in open(path, encoding="utf-8")),
        "vocab": len(data.vocab),
        "min_count": args.min_count,
        "train": len(data.train),
        "valid": len(data.valid),
        "valid_used": min(args.valid_tokens, len(data.valid)),
        "cutoffs": cutoffs,
        "cutoff_rule": AUTO_RULE if args.cutoffs == "auto" else "given",
        "div_value": args.div_value,
        "head_share": head_share,
        "embed": args.embed,
        "hidden": args.hidden,
        "budget": args.budget,
        "overtime": args.overtime,
        "segments": args.segments,
        "scope": []
        if full_protocol
        else [
            "- **Reduced run**: the full protocol is the defaults (1 and 2 threads, 600,000 "
            "tokens in 6 segments, embedding 256, hidden 256, 20,000 validation tokens)."
        ],  # fmt: skip
    }
    results = []
    for n in args.threads_list:
        results.append(run_threads(n, data, cutoffs, args))
        write_report(out, results, meta)  # a partial report survives a stop
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
