"""Short training-speed probe: textseq vs PyTorch on the same kjv windows, per cell and thread
count, in well under a minute (the full comparison is ``lm_vs_torch.py``).

Times ``--batches`` training windows (after ``--warmup`` untimed ones) of the lm_vs_torch
model (embedding 128, hidden 256, 1 layer, bptt 35, batch 32, dropout 0.2, Adam 2e-3, clip
0.25) for each system, alternating systems ``--repeats`` times, and prints the best
tokens/s of each, the ratio and the load average. ``--phases`` adds textseq's time per phase
(forward, backward, clip, Adam); ``--functions N`` the N functions with the most own time
(cProfile), in ms per window; ``--gemm`` times the output layer's three products alone in
numpy and in PyTorch after each thread count. Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/lm_step_profile.py
"""

from __future__ import annotations

import sys

import blas_env  # noqa: E402, F401  (first: the BLAS environment, see its docstring)

# isort: split

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lm_vs_torch as ref  # noqa: E402
from machine import load_avg  # noqa: E402

from textseq.lm.model import RNNLM, LMConfig  # noqa: E402
from textseq.lm.train_config import TrainConfig  # noqa: E402
from textseq.lm.trainer import Trainer  # noqa: E402
from textseq.threads import set_threads  # noqa: E402


def window_ids(ids: np.ndarray, n_windows: int, offset: int = 0) -> np.ndarray:
    """The ids that make exactly ``n_windows`` stream windows of ``BATCH x BPTT``."""
    n = ref.BATCH * (ref.BPTT * n_windows + 1)
    return ids[offset : offset + n]


def textseq_runner(cell: str, data, seed: int):
    config = LMConfig(cell=cell, embed=ref.EMBED, hidden=ref.HIDDEN, layers=1,
                      dropout=ref.DROPOUT, seed=seed)  # fmt: skip
    tc = TrainConfig(bptt=ref.BPTT, batch_size=ref.BATCH, lr=ref.LR, optimizer="adam",
                     clip=ref.CLIP, seed=seed)  # fmt: skip
    trainer = Trainer(tc, progress=False)
    trainer.model_ = RNNLM(config).init(data.vocab)
    from textseq.lm.optim import make_optimizer

    trainer.optimizer_ = make_optimizer("adam", ref.LR)
    trainer.rng_ = np.random.default_rng(seed)

    def run(ids):
        t0 = time.perf_counter()
        _, tokens = trainer.train_epoch(ids, 1)
        return tokens, time.perf_counter() - t0

    return run, trainer


def torch_runner(cell: str, data, seed: int):

    model = ref.torch_model(cell, len(data.vocab), seed)
    opt = ref.torch_adam(model.parameters(), ref.LR, "fused")

    def run(ids):
        _, tokens, seconds = ref.torch_train_epoch(model, opt, ids)
        return tokens, seconds

    return run


def phases(trainer: Trainer, ids: np.ndarray) -> dict[str, float]:
    """Seconds per phase of textseq's training step, summed over the windows of ``ids``."""
    from textseq.lm.data import stream_windows
    from textseq.lm.optim import clip_scale, global_norm

    model, opt = trainer.model_, trainer.optimizer_
    named = model.named_parameters()
    params, grads = [p for _, p, _ in named], [g for _, _, g in named]
    state = model.initial_state(ref.BATCH)
    out = dict.fromkeys(("forward", "backward", "clip", "adam"), 0.0)
    for x, y in stream_windows(ids, ref.BATCH, ref.BPTT):
        t0 = time.perf_counter()
        _, state = model.loss(x, y, state, rng=trainer.rng_)
        t1 = time.perf_counter()
        model.backward()
        t2 = time.perf_counter()
        scale = clip_scale(global_norm(grads), ref.CLIP)
        t3 = time.perf_counter()
        opt.step(params, grads, scale)
        t4 = time.perf_counter()
        for k, a, b in (("forward", t0, t1), ("backward", t1, t2), ("clip", t2, t3),
                        ("adam", t3, t4)):  # fmt: skip
            out[k] += b - a
    return out


def function_table(trainer: Trainer, ids: np.ndarray, windows: int, top: int) -> str:
    """cProfile over one timed pass: the ``top`` functions by own time, in ms per window.
    numpy's and OpenBLAS's products count under the Python function that calls them, so
    the output layer's three products show as ``project_rows``, ``input_grad`` and
    ``weight_grad_rows``."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    trainer.train_epoch(ids, 1)
    profile.disable()
    stats = pstats.Stats(profile).stats
    rows = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    total = sum(v[2] for v in stats.values())
    lines = [f"      {'ms/window':>9} {'share':>6}  function"]
    for (path, line, name), (_, _, own, _, _) in rows:
        where = f"{Path(path).name}:{line}({name})" if line else name
        lines.append(f"      {1000 * own / windows:9.2f} {100 * own / total:5.1f}%  {where}")
    return "\n".join(lines)


def gemm_rates(vocab_size: int, repeats: int = 10) -> str:
    """The output layer's three products for one window (N = bptt * batch rows, H hidden,
    V vocabulary), best of ``repeats``, in numpy (OpenBLAS) and PyTorch: what the training
    speed of either system cannot beat."""
    import torch

    n, h_dim, v = ref.BPTT * ref.BATCH, ref.HIDDEN, vocab_size
    rng = np.random.default_rng(0)
    h = rng.standard_normal((n, h_dim), dtype=np.float32)
    w = rng.standard_normal((v, h_dim), dtype=np.float32)
    d = rng.standard_normal((n, v), dtype=np.float32)
    th, tw, td = (torch.from_numpy(a) for a in (h, w, d))
    products = {
        "logits h @ W^T": (lambda: h @ w.T, lambda: th @ tw.T),
        "dW = dlogits^T @ h": (lambda: h.T @ d, lambda: td.T @ th),
        "dh = dlogits @ W": (lambda: d @ w, lambda: td @ tw),
    }
    gflop = 2 * n * h_dim * v / 1e9

    def best_ms(fn):
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return 1000 * min(times)

    lines = [
        f"      output-layer products, {n}x{h_dim}x{v} ({gflop:.2f} GFLOP each)",
        f"      {'product':20} {'numpy ms':>9} {'GFLOPS':>7} {'torch ms':>9} {'GFLOPS':>7}",
    ]
    for name, (np_fn, torch_fn) in products.items():
        a, b = best_ms(np_fn), best_ms(torch_fn)
        lines.append(
            f"      {name:20} {a:9.2f} {gflop / a * 1e3:7.1f} {b:9.2f} {gflop / b * 1e3:7.1f}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", default="lstm,gru,rnn")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--batches", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--phases", action="store_true")
    p.add_argument("--functions", type=int, default=0, metavar="N",
                   help="textseq: the N functions with most own time")  # fmt: skip
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--gemm", action="store_true", help="time the output layer's products")
    p.add_argument("--share-threads", action="store_true",
                   help="textseq: TrainConfig.share_threads on 2+ threads")  # fmt: skip
    args = p.parse_args(argv)

    import torch

    torch.set_num_interop_threads(1)
    data, _ = ref.load_data(ref.recipe_path("kjv"), None)
    warm = window_ids(data.train, args.warmup)
    timed = window_ids(data.train, args.batches, offset=len(warm))
    import textseq

    print(f"textseq from {Path(textseq.__file__).parent}")
    print(f"{'cell':5} {'thr':>3} {'textseq tok/s':>14} {'torch tok/s':>12} {'ratio':>6}  load")
    for cell in args.cells.split(","):
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            set_threads(threads)
            ts_run, trainer = textseq_runner(cell, data, args.seed)
            trainer.train.share_threads = args.share_threads
            pt_run = None if args.no_torch else torch_runner(cell, data, args.seed)
            ts_run(warm)
            if pt_run:
                pt_run(warm)
            best_ts = best_pt = 0.0
            for _ in range(args.repeats):
                tok, sec = ts_run(timed)
                best_ts = max(best_ts, tok / sec)
                if pt_run:
                    tok, sec = pt_run(timed)
                    best_pt = max(best_pt, tok / sec)
            ratio = f"{best_ts / best_pt:6.2f}" if best_pt else "     -"
            load = load_avg()
            print(f"{cell:5} {threads:3d} {best_ts:14,.0f} {best_pt:12,.0f} {ratio}  {load}",
                  flush=True)  # fmt: skip
            if args.phases:
                ph = phases(trainer, timed)
                total = sum(ph.values())
                print("      " + ", ".join(
                    f"{k} {1000 * v / args.batches:.2f} ms ({100 * v / total:.0f}%)"
                    for k, v in ph.items()))  # fmt: skip
            if args.functions:
                print(function_table(trainer, timed, args.batches, args.functions))
        if args.gemm:
            print(gemm_rates(len(data.vocab)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
