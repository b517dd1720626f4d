"""``textseq predict`` and ``textseq generate``: use a trained language model folder.

Option values are checked by ``textseq.decoding.DecodingOptions`` (one-line ``OptionError``s),
and the model folder by ``RNNLM.load`` (``ModelFileError``); ``main`` prints either as
``error: ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import SeedOpt
from textseq.decoding import STRATEGIES, DecodingOptions
from textseq.lm.textgen import TOPK, generate, predict_next

# every option's default but --seed's (0 here: a command line run repeats itself) is the
# decoding settings' own
_DEFAULTS = DecodingOptions()

PREDICT_EPILOG = """Examples:

  textseq predict --model model/ --prompt "some of them looks like"

  textseq predict --model model/ --prompt "in the beginning" --top-k 5

A model trained on subwords lists pieces as text: a piece that starts a word is shown as
that word's start ("▁un" as "un"), one that continues the prompt's last word after "…"
("able" as "…able"), and "▁" alone is the start of a word whose letters come next.
"""

GENERATE_EPILOG = """Examples:

  textseq generate --model model/ --prompt "in the beginning"

  textseq generate --model model/ --prompt "and he said" --strategy sample --top-p 0.9 --seed 3

  textseq generate -m model/ -p "and he said" -s beam --n-best 3 --no-repeat-ngram 3

Greedy and beam output of a real model falls into loops; --no-repeat-ngram 3 or
--repetition-penalty 1.3 break them. <unk> is never generated unless --allow-unk.
"""

ModelOpt = Annotated[
    Path,
    typer.Option("--model", "-m", help="Model folder written by train-lm.", show_default=False),
]
PromptOpt = Annotated[
    str,
    typer.Option("--prompt", "-p", help="Text to continue; empty starts a new sentence."),
]


def register(app: typer.Typer) -> None:
    app.command("predict", epilog=PREDICT_EPILOG, no_args_is_help=True)(predict_command)
    app.command("generate", epilog=GENERATE_EPILOG, no_args_is_help=True)(generate_command)


def _load(path: Path):
    from textseq.lm.model import RNNLM

    return RNNLM.load(path)


def predict_command(
    model: ModelOpt,
    prompt: PromptOpt = "",
    top_k: Annotated[
        int, typer.Option("--top-k", "-k", help="How many of the most likely next words to show.")
    ] = TOPK,
    topk: Annotated[int | None, typer.Option("--topk", hidden=True)] = None,  # former name
) -> None:
    """Show the most likely next words (or subwords) after a prompt, with their
    probabilities."""
    from textseq.corpus.subwords import token_text

    lm = _load(model)
    pairs = predict_next(lm, prompt, top_k=top_k if topk is None else topk)
    tokenizer = lm.text_tokenizer
    heading = "subword" if lm.config.subwords else "word"
    shown = [(token_text(token, tokenizer), prob) for token, prob in pairs]
    width = max([len(heading)] + [len(text) for text, _ in shown])
    typer.echo(f"{'rank':>4}  {heading:<{width}}  probability")
    for rank, (text, prob) in enumerate(shown, 1):
        typer.echo(f"{rank:>4}  {text:<{width}}  {prob:.6f}")


def generate_command(
    model: ModelOpt,
    prompt: PromptOpt = "",
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help=f"One of {', '.join(STRATEGIES)}.")
    ] = _DEFAULTS.strategy,
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help="Words to generate.")
    ] = _DEFAULTS.max_tokens,
    temperature: Annotated[
        float,
        typer.Option(
            "--temperature", help="Sampling temperature (0 = argmax); beam scales scores by it."
        ),
    ] = _DEFAULTS.temperature,
    top_k: Annotated[
        int | None,
        typer.Option("--top-k", "-k", help="Sample from the k most likely words only."),
    ] = _DEFAULTS.top_k,
    top_p: Annotated[
        float | None,
        typer.Option("--top-p", help="Keep the fewest words whose probability reaches p."),
    ] = _DEFAULTS.top_p,
    min_p: Annotated[
        float | None,
        typer.Option("--min-p", help="Keep words at least p times as likely as the best."),
    ] = _DEFAULTS.min_p,
    beam_width: Annotated[
        int, typer.Option("--beam-width", help="Beam search width.")
    ] = _DEFAULTS.beam_width,
    length_penalty: Annotated[
        float,
        typer.Option("--length-penalty", help="Beam score = log-prob / length ** this."),
    ] = _DEFAULTS.length_penalty,
    n_best: Annotated[
        int, typer.Option("--n-best", help="Beam hypotheses to print, best first.")
    ] = _DEFAULTS.n_best,
    no_repeat_ngram: Annotated[
        int, typer.Option("--no-repeat-ngram", help="Never repeat an n-gram of this size (0=off).")
    ] = _DEFAULTS.no_repeat_ngram_size,
    repetition_penalty: Annotated[
        float,
        typer.Option("--repetition-penalty", help="Shrink the scores of words seen (1 = off)."),
    ] = _DEFAULTS.repetition_penalty,
    allow_unk: Annotated[
        bool, typer.Option("--allow-unk", help="Allow the model to generate <unk>.")
    ] = _DEFAULTS.allow_unk,
    stop_at_eos: Annotated[
        bool,
        typer.Option("--stop-at-eos/--through-eos", help="Stop at the end of the sentence."),
    ] = _DEFAULTS.stop_at_eos,
    seed: SeedOpt = 0,
) -> None:
    """Continue a prompt by argmax, sampling or beam search."""
    lm = _load(model)
    result = generate(
        lm,
        prompt,
        max_tokens=max_tokens,
        strategy=strategy,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        min_p=min_p,
        beam_width=beam_width,
        length_penalty=length_penalty,
        n_best=n_best,
        allow_unk=allow_unk,
        no_repeat_ngram_size=no_repeat_ngram,
        repetition_penalty=repetition_penalty,
        stop_at_eos=stop_at_eos,
        seed=seed,
    )
    if len(result.hypotheses) == 1:
        typer.echo(result.text)
        return
    typer.echo(f"{'rank':>4}  {'logprob':>9}  {'score':>8}  text")
    for rank, hyp in enumerate(result.hypotheses, 1):
        text = hyp.text.replace("\n", " / ")
        typer.echo(f"{rank:>4}  {hyp.logprob:>9.3f}  {hyp.score:>8.3f}  {text}")
