"""The demo's sequence-to-sequence step: a small model learns human dates -> ISO dates, and
the attention of one translation is plotted. ``textseq.demo`` calls :func:`run_seq2seq_step`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textseq.plotting import INSTALL_HINT, matplotlib_available, plot_attention

EXAMPLES = ("September 27, 1994", "27 sep 94", "9/27/1994", "Tuesday, March 3, 2015")


@dataclass(frozen=True)
class Seq2SeqDemoSettings:
    pairs: int = 8000
    embed: int = 32
    hidden: int = 64
    epochs: int = 2
    lr: float = 0.005

    @classmethod
    def for_run(cls, quick: bool) -> Seq2SeqDemoSettings:
        return cls(pairs=1000, embed=16, hidden=32, epochs=1) if quick else cls()


def run_seq2seq_step(
    out: Path,
    quick: bool = False,
    seed: int = 1,
    echo: Callable[[str], None] = print,
    progress: bool = True,
) -> dict[str, Path]:
    """Train a small dates model into ``out/seq2seq-model``, translate a few dates, plot the
    attention of the first; return the files written by name."""
    from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
    from textseq.seq2seq.trainer import train_seq2seq

    s = Seq2SeqDemoSettings.for_run(quick)
    echo(
        f"\n== 5. sequence to sequence: {s.pairs:,} generated dates -> ISO, bidirectional GRU "
        f"{s.hidden}, general attention, {s.epochs} epoch(s)"
    )
    files = {"seq2seq model": Path(out) / "seq2seq-model"}
    config = Seq2SeqConfig(embed=s.embed, hidden=s.hidden, attention="general", seed=seed)
    train = Seq2SeqTrainConfig(epochs=s.epochs, lr=s.lr, seed=seed, max_valid=500)
    model, history = train_seq2seq(
        "dates", config, train, out_dir=files["seq2seq model"], progress=progress, size=s.pairs
    )
    for e in history.epochs:
        echo(
            f"  epoch {e.epoch}: validation exact match {e.valid_exact:.1%}, token accuracy "
            f"{e.valid_token_acc:.1%}, {e.tokens_per_s:,.0f} tokens/s"
        )
    for text in EXAMPLES:
        echo(f"  {text:<24} -> {model.translate(text).text}")
    if matplotlib_available():
        result = model.translate(EXAMPLES[0])
        files["attention plot"] = Path(out) / "attention.png"
        plot_attention(
            result.attention,
            result.source_tokens,
            result.output_tokens,
            files["attention plot"],
            f"{EXAMPLES[0]} -> {result.text}",
        )
        echo(f"  wrote the attention of {EXAMPLES[0]!r} to {files['attention plot'].name}")
    else:
        echo(f"  attention plot skipped: {INSTALL_HINT}")
    return files
