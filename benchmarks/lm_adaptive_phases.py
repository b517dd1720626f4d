"""Where a training window of the adaptive-softmax LSTM spends its time, textseq against
PyTorch, per phase; a short probe (about a minute per setting) beside the full comparison
``lm_adaptive_vs_torch.py``, whose model, corpus, vocabulary and cutoffs it shares.

Both systems train the same windows of the ``english`` corpus (LSTM, embedding 256, hidden
``--hidden``, bptt 35, batch 32, Adam, clip 0.25, the auto cutoffs), alternating window by
window after ``--warmup`` untimed ones, so background load hits both alike. Printed per
thread count: the median tokens/s of each system over ``--windows`` windows, their ratio, and
each system's median milliseconds per phase:

- textseq: embedding + cell forward, output forward (head, tails, softmax), output backward,
  cell backward, embedding backward, gradient norm, Adam;
- PyTorch: embedding + LSTM forward, output forward, the whole ``backward()``, clipping, Adam.

``--recurrent-ab`` instead times textseq alone with the recurrent products of its steps in
either layout, alternating window by window: column-major (``kernels.gate_buffer``, what the
cells use: ``W @ h^T`` forward, ``W^T @ dgates^T`` backward) against row-major (``h @ W^T``,
``dgates @ W``). Writes no file. Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/lm_adaptive_phases.py
"""

from __future__ import annotations

import sys

import blas_env  # noqa: E402, F401  (first: the BLAS environment, see its docstring)

# isort: split

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lm_adaptive_vs_torch as ref  # noqa: E402
from machine import load_avg  # noqa: E402

from textseq.lm import kernels  # noqa: E402
from textseq.lm.adaptive_cutoffs import auto_cutoffs  # noqa: E402
from textseq.lm.optim import clip_scale, global_norm  # noqa: E402
from textseq.threads import set_threads  # noqa: E402

TEXTSEQ_PHASES = ("emb+cell fwd", "output fwd", "output bwd", "cell bwd", "emb bwd", "norm",
                  "adam")  # fmt: skip
TORCH_PHASES = ("emb+lstm fwd", "output fwd", "backward", "clip", "adam")


def textseq_window(system: ref.TextseqSystem):
    """One training window of ``system`` -> seconds per phase (the steps of ``RNNLM.loss``
    and ``RNNLM.backward``, timed apart)."""
    m = system.model

    def run(x, y):
        clock = [time.perf_counter()]
        hs, state = m._hidden(x, system.state, None, store=True)
        clock.append(time.perf_counter())
        T, B, H = hs.shape
        m._last_only, m._hs_shape = False, hs.shape
        m.output_.forward_loss(hs.reshape(T * B, H), y.reshape(-1))
        clock.append(time.perf_counter())
        dh = m.output_.backward()
        clock.append(time.perf_counter())
        dx, _ = m.backward_layers(dh)
        clock.append(time.perf_counter())
        m.embedding_.backward(dx)
        clock.append(time.perf_counter())
        scale = clip_scale(global_norm(system.grads), ref.CLIP)
        clock.append(time.perf_counter())
        system.opt.step(system.params, system.grads, scale)
        clock.append(time.perf_counter())
        system.state = state
        return dict(zip(TEXTSEQ_PHASES, np.diff(clock)))

    return run


def torch_window(system: ref.TorchSystem):
    """One training window of ``system`` (as ``TorchSystem.train`` runs it) -> seconds per
    phase."""
    import torch

    system.modules.train()

    def run(x, y):
        clock = [time.perf_counter()]
        xt = torch.from_numpy(x.astype(np.int64))
        yt = torch.from_numpy(y.astype(np.int64)).reshape(-1)
        h = None if system.h is None else tuple(a.detach() for a in system.h)
        hs, system.h = system.rnn(system.emb(xt), h)
        clock.append(time.perf_counter())
        loss = system._loss(hs, yt)
        clock.append(time.perf_counter())
        system.opt.zero_grad(set_to_none=True)
        loss.backward()
        clock.append(time.perf_counter())
        torch.nn.utils.clip_grad_norm_(system.params, ref.CLIP)
        clock.append(time.perf_counter())
        system.opt.step()
        loss.item()
        clock.append(time.perf_counter())
        return dict(zip(TORCH_PHASES, np.diff(clock)))

    return run


def row_major_buffer(rows: int, cols: int, dtype) -> np.ndarray:
    return np.empty((rows, cols), dtype=dtype)


def timed_windows(runners: dict, batches, warmup: int, before=None) -> dict[str, list[dict]]:
    """Each window to every runner in turn (the order alternating), the first ``warmup``
    untimed; ``before[name]()`` runs before that runner's window when given."""
    out: dict[str, list[dict]] = {name: [] for name in runners}
    names = list(runners)
    for i, (x, y) in enumerate(batches):
        for name in names if i % 2 == 0 else names[::-1]:
            if before:
                before[name]()
            phases = runners[name](x, y)
            if i >= warmup:
                out[name].append(phases)
    return out


def summary(name: str, runs: list[dict], tokens: int) -> tuple[float, str]:
    totals = [sum(r.values()) for r in runs]
    rate = tokens / statistics.median(totals)
    parts = ", ".join(f"{k} {1000 * statistics.median(r[k] for r in runs):.2f}" for k in runs[0])
    return rate, f"  {name:9} {rate:9,.0f} tok/s; ms/window (medians): {parts}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="one-sentence-per-line text (default: the english recipe)")
    p.add_argument("--threads", default="1,2", help="comma list of thread counts")
    p.add_argument("--hidden", type=int, default=512, help="LSTM size")
    p.add_argument("--embed", type=int, default=256, help="embedding size")
    p.add_argument("--min-count", type=int, default=8, help="vocabulary threshold")
    p.add_argument("--windows", type=int, default=30, help="timed windows per system")
    p.add_argument("--warmup", type=int, default=3, help="untimed windows first")
    p.add_argument("--recurrent-ab", action="store_true",
                   help="textseq alone: column-major against row-major step products")  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--torch-adam", choices=list(ref.TORCH_ADAM), default="fused",
                   help="PyTorch's Adam implementation (fused: its fastest on CPU)")  # fmt: skip
    args = p.parse_args(argv)
    args.div_value, args.dropout = ref.DIV_VALUE, 0.0

    import torch

    torch.set_num_interop_threads(1)
    data = ref.load_data(ref.recipe_path("english", args.corpus), args.min_count)
    cutoffs = auto_cutoffs(data.vocab.counts)
    n = args.warmup + args.windows
    tokens = ref.BATCH * ref.BPTT
    print(f"vocabulary {len(data.vocab):,}, cutoffs {cutoffs}, hidden {args.hidden}, "
          f"{args.windows} windows after {args.warmup}")  # fmt: skip
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        set_threads(threads)
        column_major = kernels.gate_buffer
        if args.recurrent_ab:
            runners = {
                "col-major": textseq_window(ref.TextseqSystem(data, args, cutoffs)),
                "row-major": textseq_window(ref.TextseqSystem(data, args, cutoffs)),
            }

            def use(buffer):
                def set_layout():
                    kernels.gate_buffer = buffer

                return set_layout

            before = {"col-major": use(column_major), "row-major": use(row_major_buffer)}
        else:
            runners = {
                "textseq": textseq_window(ref.TextseqSystem(data, args, cutoffs)),
                "torch": torch_window(ref.TorchSystem(data, args, cutoffs)),
            }
            before = None
        try:
            runs = timed_windows(runners, ref.windows(data.train, n * tokens), args.warmup,
                                 before)  # fmt: skip
        finally:
            kernels.gate_buffer = column_major
        load = load_avg()
        print(f"{threads} thread(s), load {load}")
        rates = []
        for name, r in runs.items():
            rate, line = summary(name, r, tokens)
            rates.append(rate)
            print(line)
        print(f"  ratio {rates[0] / rates[1]:.3f} ({' / '.join(runs)})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
