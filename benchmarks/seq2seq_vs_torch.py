"""Train the same sequence-to-sequence model in textseq and in PyTorch, side by side.

Both systems see the same pairs of the generated ``dates`` task (character level, 50k pairs,
split 90/5/5 by a seeded shuffle), the same vocabularies, the same architecture (embedding 32
-> bidirectional GRU encoder of 128 per direction -> bridge tanh(W [h_fwd; h_bwd] + b) ->
GRU decoder of 128 -> general attention -> tanh(Wc [context; h]) -> linear -> softmax), the
same batches (64 pairs, textseq's length-grouped order, padded; PyTorch packs the source so
its encoder also stops at each length), Adam 2e-3, global-norm clipping 5, the same thread
count. Epochs of the two systems alternate (the first to run flips every epoch), so
background load hits both alike; the load average is recorded at every epoch. After each
epoch both decode the held-out test part greedily (batched) and report exact match.

Decoding time per sequence (argmax and beam 5, 1 thread) runs both models through the same
search code, ``textseq.decoding.decode``: PyTorch's model is wrapped in the step protocol,
so the figures compare the models' steps, not two search implementations.

A second part trains textseq alone on ``reverse`` (letters, lengths 20-40) with ``general``
attention and with ``none`` (one context vector), the case where attention is needed.

Writes ``benchmarks/results/seq2seq_vs_torch.md`` for the full protocol; a reduced run
(``--size``, ``--epochs``, ``--threads``, ``--skip-reverse``) writes a name that says what
it ran, and ``--out`` picks any file. PyTorch is a benchmark-only dependency. Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/seq2seq_vs_torch.py
"""

from __future__ import annotations

import os
import sys

import blas_env  # noqa: E402, F401  (first: the BLAS environment, see its docstring)

# isort: split

import argparse  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from machine import cpu_model, load_avg, log  # noqa: E402

from textseq import decoding  # noqa: E402
from textseq.files import atomic_write  # noqa: E402
from textseq.lm.optim import make_optimizer  # noqa: E402
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig  # noqa: E402
from textseq.seq2seq.data import prepare_pairs  # noqa: E402
from textseq.seq2seq.model import Seq2Seq  # noqa: E402
from textseq.seq2seq.trainer import Seq2SeqTrainer, epoch_batches  # noqa: E402
from textseq.seq2seq.translate import encode_sources, evaluate  # noqa: E402
from textseq.threads import set_threads  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FULL_SIZE, FULL_EPOCHS, FULL_THREADS = 50_000, 8, (1, 2)
EMBED, HIDDEN, BATCH, LR, CLIP = 32, 128, 64, 2e-3, 5.0
DECODE_SEQS, BEAM_WIDTH = 100, 5


# ------------------------------------------------------------------------ PyTorch model


def torch_model(source_vocab: int, target_vocab: int, seed: int):
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class Seq2SeqTorch(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_emb = nn.Embedding(source_vocab, EMBED)
            self.encoder = nn.GRU(EMBED, HIDDEN, batch_first=True, bidirectional=True)
            self.bridge = nn.Linear(2 * HIDDEN, HIDDEN)
            self.tgt_emb = nn.Embedding(target_vocab, EMBED)
            self.decoder = nn.GRU(EMBED, HIDDEN, batch_first=True)
            self.att = nn.Linear(2 * HIDDEN, HIDDEN, bias=False)
            self.combine = nn.Linear(3 * HIDDEN, HIDDEN)
            self.out = nn.Linear(HIDDEN, target_vocab)

        def encode(self, src, src_len):
            x = self.src_emb(src)
            packed = nn.utils.rnn.pack_padded_sequence(
                x, src_len, batch_first=True, enforce_sorted=False
            )
            mem, h = self.encoder(packed)
            mem, _ = nn.utils.rnn.pad_packed_sequence(
                mem, batch_first=True, total_length=src.shape[1]
            )
            h0 = torch.tanh(self.bridge(torch.cat([h[0], h[1]], dim=1))).unsqueeze(0)
            mask = torch.arange(src.shape[1])[None, :] >= src_len[:, None]
            return mem, self.att(mem), mask, h0

        def decode(self, tgt_in, mem, keys, mask, h):
            hs, h = self.decoder(self.tgt_emb(tgt_in), h)
            scores = hs @ keys.transpose(1, 2)
            scores = scores.masked_fill(mask[:, None, :], float("-inf"))
            a = torch.softmax(scores, dim=-1)
            out = torch.tanh(self.combine(torch.cat([a @ mem, hs], dim=-1)))
            return self.out(out), h

    return Seq2SeqTorch()


def torch_train_epoch(model, opt, part, batches, eos) -> tuple[float, int, float]:
    import torch
    import torch.nn.functional as F

    model.train()
    params = list(model.parameters())
    total, tokens = 0.0, 0
    t0 = time.perf_counter()
    for idx in batches:
        src, src_len, tgt_in, tgt_out = part.batch(idx, eos)
        src_t = torch.from_numpy(src.astype(np.int64))
        mem, keys, mask, h = model.encode(src_t, torch.from_numpy(src_len))
        logits, _ = model.decode(torch.from_numpy(tgt_in), mem, keys, mask, h)
        target = torch.from_numpy(tgt_out)
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-1
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        n = int((tgt_out >= 0).sum())
        total += loss.item() * n
        tokens += n
    return total / tokens, tokens, time.perf_counter() - t0


def torch_exact(model, part, eos: int, unk: int, max_tokens: int = 20) -> float:
    """Batched greedy decoding of the whole part (never ``<unk>``, as textseq's)."""
    import torch

    model.eval()
    targets = part.targets()
    right = 0
    with torch.no_grad():
        for lo in range(0, len(part), 256):
            idx = np.arange(lo, min(len(part), lo + 256))
            src, src_len, _, _ = part.batch(idx, eos)
            mem, keys, mask, h = model.encode(
                torch.from_numpy(src.astype(np.int64)), torch.from_numpy(src_len)
            )
            ids = torch.full((len(idx), 1), eos, dtype=torch.int64)
            out = []
            for _ in range(max_tokens):
                logits, h = model.decode(ids, mem, keys, mask, h)
                logits[:, -1, unk] = float("-inf")
                ids = logits[:, -1].argmax(-1, keepdim=True)
                out.append(ids)
            out = torch.cat(out, 1).numpy()
            for row, i in zip(out, idx.tolist()):
                seq = row.tolist()
                seq = seq[: seq.index(eos)] if eos in seq else seq
                right += seq == targets[i]
    return right / len(part)


class TorchSteps:
    """PyTorch's model in the step protocol of ``textseq.decoding`` (numpy in and out)."""

    def __init__(self, model):
        self.model = model

    def start(self, src, src_len):
        import torch

        with torch.no_grad():
            mem, keys, mask, h = self.model.encode(torch.from_numpy(src), torch.from_numpy(src_len))
        return (h[0].numpy(), mem.numpy(), keys.numpy(), mask.numpy())

    def initial_state(self, batch_size):
        raise NotImplementedError

    def step(self, ids, state):
        import torch

        h, mem, keys, mask = state
        with torch.no_grad():
            logits, h2 = self.model.decode(
                torch.from_numpy(np.asarray(ids, dtype=np.int64)[:, None]),
                torch.from_numpy(mem),
                torch.from_numpy(keys),
                torch.from_numpy(mask),
                torch.from_numpy(np.ascontiguousarray(h))[None],
            )
        return logits[:, 0].numpy(), (h2[0].numpy(), mem, keys, mask)


def decode_ms(steps_of, texts, model_for_encoding, eos, unk, strategy) -> float:
    """Median ms per sequence of ``decode`` over ``texts`` (start: the encoder and one step)."""
    options = decoding.DecodingOptions(strategy=strategy, beam_width=BEAM_WIDTH, max_tokens=20)
    times = []
    for text in texts:
        src, lengths, _ = encode_sources(model_for_encoding, [text])
        t0 = time.perf_counter()
        model, state = steps_of(src, lengths)
        logits, state = model.step(np.array([eos]), state)
        decoding.decode(model, logits, state, options, eos_id=eos, unk_id=unk)
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


# ------------------------------------------------------------------------ runs


def run_threads(threads: int, data, args) -> dict:
    import torch

    set_threads(threads)
    torch.set_num_threads(threads)
    config = Seq2SeqConfig(embed=EMBED, hidden=HIDDEN, cell="gru", bidirectional=True,
                           attention="general", seed=args.seed)  # fmt: skip
    train = Seq2SeqTrainConfig(batch_size=BATCH, lr=LR, clip=CLIP, epochs=args.epochs,
                               seed=args.seed, threads=threads, max_valid=None)  # fmt: skip
    ours = Seq2Seq(config).init(data.source_vocab, data.target_vocab)
    trainer = Seq2SeqTrainer(train, progress=False)
    trainer.model_, trainer.optimizer_ = ours, make_optimizer("adam", LR)
    trainer.rng_ = np.random.default_rng(args.seed)
    theirs = torch_model(len(data.source_vocab), len(data.target_vocab), args.seed)
    topt = torch.optim.Adam(theirs.parameters(), lr=LR)
    eos, unk = data.target_vocab.eos_id, data.target_vocab.unk_id
    order_rng = np.random.default_rng(args.seed + 1)
    warm_up(data, config, threads)
    epochs = []
    for epoch in range(1, args.epochs + 1):
        batches = epoch_batches(data.train, BATCH, order_rng)  # the same for both
        rec = {"epoch": epoch, "load_start": load_avg()}
        first_ours = epoch % 2 == 1
        for who in ("ours", "theirs") if first_ours else ("theirs", "ours"):
            if who == "ours":
                loss, tokens, secs = train_epoch_with(trainer, data.train, batches)
                rec["ts_loss"], rec["ts_tok_s"] = loss, tokens / secs
                rec["ts_exact"] = evaluate(ours, data.test, 256, None, 20).exact
            else:
                loss, tokens, secs = torch_train_epoch(theirs, topt, data.train, batches, eos)
                rec["pt_loss"], rec["pt_tok_s"] = loss, tokens / secs
                rec["pt_exact"] = torch_exact(theirs, data.test, eos, unk)
        rec["load_end"] = load_avg()
        log(f"threads {threads} epoch {epoch}: textseq {rec['ts_tok_s']:,.0f} tok/s exact "
            f"{rec['ts_exact']:.2%}; PyTorch {rec['pt_tok_s']:,.0f} tok/s exact "
            f"{rec['pt_exact']:.2%}; load {rec['load_end']}")  # fmt: skip
        epochs.append(rec)
    set_threads(1)
    torch.set_num_threads(1)
    texts = [f"{i % 28 + 1} sep {1950 + i % 100}" for i in range(args.decode_seqs)]
    wrapped = TorchSteps(theirs)
    dec = {}
    for strategy in ("argmax", "beam"):
        dec[f"ts_{strategy}"] = decode_ms(lambda s, n: (ours, ours.encode(s, n)), texts, ours,
                                          eos, unk, strategy)  # fmt: skip
        dec[f"pt_{strategy}"] = decode_ms(lambda s, n: (wrapped, wrapped.start(s, n)), texts,
                                          ours, eos, unk, strategy)  # fmt: skip
    return {"threads": threads, "epochs": epochs, "decode": dec}


def warm_up(data, config, threads: int) -> None:
    """A few batches and decodings of throwaway models of both systems, so that neither's
    first epoch pays for compiling or loading its kernels."""
    import torch

    batches = epoch_batches(data.train, BATCH, np.random.default_rng(99))[:3]
    model = Seq2Seq(config).init(data.source_vocab, data.target_vocab)
    trainer = Seq2SeqTrainer(Seq2SeqTrainConfig(threads=threads), progress=False)
    trainer.model_, trainer.optimizer_ = model, make_optimizer("adam", LR)
    trainer.rng_ = np.random.default_rng(0)
    train_epoch_with(trainer, data.train, batches)
    evaluate(model, data.test, 256, 8, 20)
    theirs = torch_model(len(data.source_vocab), len(data.target_vocab), 99)
    topt = torch.optim.Adam(theirs.parameters(), lr=LR)
    torch_train_epoch(theirs, topt, data.train, batches, data.target_vocab.eos_id)


def train_epoch_with(trainer, part, batches):
    """textseq's training epoch on the given batches (the trainer's own loop)."""
    import textseq.seq2seq.trainer as trainer_module

    original = trainer_module.epoch_batches
    trainer_module.epoch_batches = lambda *a: batches
    try:
        return trainer.train_epoch(part, 0)
    finally:
        trainer_module.epoch_batches = original


def run_reverse(args) -> list[dict]:
    set_threads(1)
    rows = []
    for attention in ("general", "none"):
        config = Seq2SeqConfig(embed=EMBED, hidden=HIDDEN, attention=attention, seed=args.seed)
        train = Seq2SeqTrainConfig(batch_size=BATCH, lr=LR, epochs=args.reverse_epochs,
                                   seed=args.seed, threads=1, max_valid=None)  # fmt: skip
        from textseq.datasets.tasks import reverse

        pairs = reverse(args.reverse_size, args.seed, min_length=20, max_length=40)
        data = prepare_pairs(pairs, config, train)
        model = Seq2Seq(config).init(data.source_vocab, data.target_vocab)
        t = Seq2SeqTrainer(train, progress=False)
        t.fit(model, data)
        exact = [e.valid_exact for e in t.history_.epochs]
        rows.append({"attention": attention, "exact": exact, "test": t.history_.test.exact})
        log(f"reverse {attention}: valid exact per epoch {exact}, test {t.history_.test.exact}")
    return rows


def write_report(path: Path, results, reverse_rows, meta) -> None:
    lines = [
        "# textseq vs PyTorch: sequence to sequence with attention on dates",
        "",
        f"Command (run {meta['date']}):",
        "",
        "```",
        meta["command"],
        "```",
        "",
        "## What was run",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores shared with other work; numpy "
        f"{np.__version__}, torch {meta['torch']}, Python {platform.python_version()}.",
        f"- Data: `dates`, {meta['size']:,} pairs (seed {meta['seed']}), character level; "
        f"train {meta['train']:,}, test {meta['test']:,} pairs; vocabularies "
        f"{meta['sv']} source, {meta['tv']} target tokens.",
        f"- Model: embedding {EMBED}, bidirectional GRU {HIDDEN} per direction, GRU decoder "
        f"{HIDDEN}, general attention; batch {BATCH}, Adam {LR}, clip {CLIP}; "
        f"{meta['epochs']} epochs.",
        "- Speed: target tokens (each target's `<eos>` included) per second of training.",
        "",
        "## Training speed and held-out exact match",
        "",
        "| threads | epoch | textseq tok/s | PyTorch tok/s | ratio | textseq exact | "
        "PyTorch exact | load start -> end |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for e in r["epochs"]:
            lines.append(
                f"| {r['threads']} | {e['epoch']} | {e['ts_tok_s']:,.0f} | {e['pt_tok_s']:,.0f} | "
                f"**{e['ts_tok_s'] / e['pt_tok_s']:.2f}x** | {e['ts_exact']:.2%} | "
                f"{e['pt_exact']:.2%} | {e['load_start']} -> {e['load_end']} |"
            )
    lines += ["", "Median over epochs:", ""]
    for r in results:
        ts = statistics.median(e["ts_tok_s"] for e in r["epochs"])
        pt = statistics.median(e["pt_tok_s"] for e in r["epochs"])
        lines.append(f"- {r['threads']} thread(s): textseq {ts:,.0f}, PyTorch {pt:,.0f} "
                     f"tokens/s: **{ts / pt:.2f}x**")  # fmt: skip
    lines += [
        "",
        f"## Decoding, ms per sequence (median of {meta['decode_seqs']}, 1 thread, both "
        "through textseq.decoding)",
        "",
        "| trained with threads | textseq argmax | PyTorch argmax | textseq beam 5 | "
        "PyTorch beam 5 |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        d = r["decode"]
        lines.append(f"| {r['threads']} | {d['ts_argmax']:.2f} | {d['pt_argmax']:.2f} | "
                     f"{d['ts_beam']:.2f} | {d['pt_beam']:.2f} |")  # fmt: skip
    if reverse_rows:
        lines += [
            "",
            f"## reverse, lengths 20-40 ({meta['reverse_size']:,} pairs, textseq, 1 thread)",
            "",
            "| attention | validation exact per epoch | test exact |",
            "|---|---|---|",
        ]
        for r in reverse_rows:
            per = ", ".join(f"{x:.1%}" for x in r["exact"])
            lines.append(f"| {r['attention']} | {per} | {r['test']:.2%} |")
    lines += ["", "## Notes", ""]
    with atomic_write(path) as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=FULL_SIZE, help="dates pairs")
    parser.add_argument("--epochs", type=int, default=FULL_EPOCHS)
    parser.add_argument("--threads", type=int, nargs="+", default=list(FULL_THREADS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--decode-seqs", type=int, default=DECODE_SEQS)
    parser.add_argument("--reverse-size", type=int, default=20_000)
    parser.add_argument("--reverse-epochs", type=int, default=10)
    parser.add_argument("--skip-reverse", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import torch

    reduced = []
    if args.size != FULL_SIZE:
        reduced.append(f"size{args.size}")
    if args.epochs != FULL_EPOCHS:
        reduced.append(f"{args.epochs}epochs")
    if sorted(args.threads) != sorted(FULL_THREADS):
        reduced.append("_".join(map(str, args.threads)) + "threads")
    if args.skip_reverse or args.reverse_size != 20_000 or args.reverse_epochs != 10:
        reduced.append("noreverse" if args.skip_reverse else f"reverse{args.reverse_size}")
    name = "seq2seq_vs_torch" + "".join(f"_{r}" for r in reduced) + ".md"
    out = args.out or RESULTS / name
    config = Seq2SeqConfig(embed=EMBED, hidden=HIDDEN)
    data = prepare_pairs("dates", config, Seq2SeqTrainConfig(seed=args.seed), size=args.size)
    log(f"dates: {len(data.train):,} train, {len(data.test):,} test pairs")
    results = [run_threads(t, data, args) for t in args.threads]
    reverse_rows = [] if args.skip_reverse else run_reverse(args)
    cmd = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python " + " ".join(
        shlex.quote(a) for a in [os.path.relpath(__file__), *sys.argv[1:]]
    )
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": cmd,
        "torch": torch.__version__,
        "size": args.size,
        "seed": args.seed,
        "train": len(data.train),
        "test": len(data.test),
        "sv": len(data.source_vocab),
        "tv": len(data.target_vocab),
        "epochs": args.epochs,
        "decode_seqs": args.decode_seqs,
        "reverse_size": args.reverse_size,
    }
    write_report(out, results, reverse_rows, meta)
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
