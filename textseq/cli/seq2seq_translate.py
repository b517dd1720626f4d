"""``textseq translate`` (and its ``--evaluate`` form) and ``textseq plot-attention``: use a
trained sequence-to-sequence model folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import SeedOpt
from textseq.decoding import STRATEGIES, DecodingOptions
from textseq.errors import InputError, OptionError

_DEFAULTS = DecodingOptions()
MAX_TOKENS = 100  # the translation's own default (textseq.seq2seq.translate.MAX_TOKENS)

TRANSLATE_EPILOG = """Examples:

  textseq translate --model dates-model/ "September 27, 1994" "27 sep 94"

  textseq translate --model dates-model/ --file inputs.txt        (one input per line; - = stdin)

  textseq translate --model dates-model/ "9/27/1994" --strategy beam --n-best 3

  textseq translate --model dates-model/ --evaluate test.tsv        (exact match on pairs)

A model trained with --subwords reads its inputs with its own subword model and prints
its outputs as text, pieces merged into words by the target side's tokenizer.
"""

PLOT_EPILOG = """Examples:

  textseq plot-attention --model dates-model/ "september 27, 1994" -o attention.png

  textseq plot-attention --model rev/ "a b c d e f" -o rev-attention.png
"""

ModelOpt = Annotated[
    Path,
    typer.Option(
        "--model", "-m", help="Model folder written by train-seq2seq.", show_default=False
    ),
]


def register(app: typer.Typer) -> None:
    app.command("translate", epilog=TRANSLATE_EPILOG, no_args_is_help=True)(translate_command)
    app.command("plot-attention", epilog=PLOT_EPILOG, no_args_is_help=True)(plot_attention_command)


def _load(path: Path):
    from textseq.seq2seq.model import Seq2Seq

    return Seq2Seq.load(path)


def _read_inputs(texts: list[str] | None, file: Path | None) -> list[str]:
    lines = list(texts or [])
    if file is not None:
        if str(file) == "-":
            lines += [line.rstrip("\r\n") for line in sys.stdin]
        elif not file.is_file():
            raise InputError(f"input file {file} does not exist or is not a file")
        else:
            with open(file, encoding="utf-8") as handle:
                lines += [line.rstrip("\r\n") for line in handle]
        lines = [line for line in lines if line.strip()]
    if not lines:
        raise OptionError("nothing to translate: give texts, or --file with one per line")
    return lines


def translate_command(
    model: ModelOpt,
    texts: Annotated[
        list[str] | None,
        typer.Argument(help="Texts to translate.", show_default=False, metavar="TEXT"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read inputs from a file, one per line ('-': stdin)."),
    ] = None,
    evaluate: Annotated[
        str | None,
        typer.Option(
            "--evaluate",
            help="Report exact match, token accuracy and perplexity on a pairs file or task.",
        ),
    ] = None,
    size: Annotated[
        int, typer.Option("--size", help="Pairs to make when --evaluate names a task.")
    ] = 1000,
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help=f"One of {', '.join(STRATEGIES)}.")
    ] = _DEFAULTS.strategy,
    beam_width: Annotated[
        int, typer.Option("--beam-width", help="Beam search width.")
    ] = _DEFAULTS.beam_width,
    n_best: Annotated[
        int, typer.Option("--n-best", help="Beam hypotheses to print, best first.")
    ] = _DEFAULTS.n_best,
    length_penalty: Annotated[
        float, typer.Option("--length-penalty", help="Beam score = log-prob / length ** this.")
    ] = _DEFAULTS.length_penalty,
    temperature: Annotated[
        float, typer.Option(help="Sampling temperature (0 = argmax).")
    ] = _DEFAULTS.temperature,
    top_k: Annotated[
        int | None, typer.Option("--top-k", help="Sample from the k most likely tokens.")
    ] = _DEFAULTS.top_k,
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help="Most tokens per output.")
    ] = MAX_TOKENS,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, help="Inputs (or pairs) decoded together by argmax."),
    ] = 256,
    seed: SeedOpt = 0,
) -> None:
    """Translate texts with a trained model, or evaluate it on pairs (--evaluate)."""
    settings = dict(
        strategy=strategy,
        max_tokens=max_tokens,
        beam_width=beam_width,
        n_best=n_best,
        length_penalty=length_penalty,
        temperature=temperature,
        top_k=top_k,
        seed=seed,
    )
    DecodingOptions(**settings).validate()
    if evaluate is not None:
        if texts or file is not None:
            raise OptionError("--evaluate reads its pairs: give no texts or --file with it")
        _evaluate(_load(model), evaluate, size, seed, batch_size, settings)
        return
    inputs = _read_inputs(texts, file)
    s2s = _load(model)
    if strategy == "argmax":  # many inputs decoded together, the same choices
        from textseq.seq2seq.translate import translate_many

        for out in translate_many(s2s, inputs, max_tokens, batch_size):
            typer.echo(out)
        return
    for text in inputs:
        result = s2s.translate(text, **settings)
        if len(result.hypotheses) == 1:
            typer.echo(result.text)
            continue
        typer.echo(text)
        for rank, hyp in enumerate(result.hypotheses, 1):
            typer.echo(f"{rank:>4}  {hyp.logprob:>9.3f}  {hyp.text}")


def _evaluate(s2s, pairs: str, size: int, seed: int, batch_size: int, settings: dict) -> None:
    from textseq.seq2seq.data import encode_part, load_pairs, tokenize_pairs
    from textseq.seq2seq.translate import evaluate

    raw = load_pairs(pairs, size, seed)
    tokenizers = (s2s.source_tokenizer_, s2s.target_tokenizer_)
    sources, targets = tokenize_pairs(raw, s2s.config, pairs, tokenizers)
    part = encode_part(sources, targets, s2s.source_vocab_, s2s.target_vocab_)
    scores = evaluate(s2s, part, batch_size, None, settings["max_tokens"])
    exact = scores.exact
    if settings["strategy"] != "argmax":  # exact match by the strategy asked for
        wanted = [" ".join(t) for t in targets]
        right = 0
        for (src, _), want in zip(raw, wanted):
            got = s2s.translate(src, **settings).best.tokens
            right += " ".join(got) == want
        exact = right / len(raw)
    typer.echo(
        f"{len(raw)} pairs: exact match {exact:.2%} ({settings['strategy']}), "
        f"token accuracy {scores.token_acc:.2%}, perplexity {scores.ppl:.3f}"
    )


def plot_attention_command(
    model: ModelOpt,
    text: Annotated[
        str, typer.Argument(help="The source text.", show_default=False, metavar="TEXT")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG to write.")] = Path(
        "attention.png"
    ),
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help="Most tokens of the output.")
    ] = MAX_TOKENS,
) -> None:
    """Plot the attention weights of a translation: source tokens across, output down."""
    from textseq.plotting import plot_attention

    s2s = _load(model)
    if s2s.config.attention == "none":
        raise OptionError(f"{model} was trained without attention: there are no weights to plot")
    result = s2s.translate(text, max_tokens=max_tokens)
    title = f"{s2s.config.attention} attention: {result.text}"
    plot_attention(result.attention, result.source_tokens, result.output_tokens, output, title)
    typer.echo(f"{result.text}\nwrote {output}")
