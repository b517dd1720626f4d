"""Corpus commands: ``build-dict`` (vocabulary) and ``prepare`` (ids, chunks, split)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from textseq.cli.common import (
    CorpusArg,
    EncodingOpt,
    ErrorsOpt,
    GlobOpt,
    JaFormOpt,
    JaPunctOpt,
    ThreadsOpt,
    TokenizerOpt,
    corpus_from_cli,
)
from textseq.corpus import Vocab, encode_corpus, prepare_data
from textseq.errors import OptionError
from textseq.files import save_npz
from textseq.threads import set_threads

BUILD_DICT_EPILOG = """Examples:

  textseq build-dict lee -o vocab.tsv --min-count 5

  textseq build-dict texts/ -o vocab.tsv --unk-threshold 3 --unk-token '<???>'

  cat book.txt | textseq build-dict - -o vocab.tsv --tokenizer ascii
"""

PREPARE_EPILOG = """Examples:

  textseq prepare lee --vocab vocab.tsv --chunk-size 5 -o data.npz

  textseq prepare small.txt --vocab vocab.tsv --chunk-size 3 --split 0.75 --one-hot -o d.npz
"""


def register(app: typer.Typer) -> None:
    app.command("build-dict", epilog=BUILD_DICT_EPILOG)(build_dict)
    app.command("prepare", epilog=PREPARE_EPILOG)(prepare)


def threshold_to_min_count(min_count: int | None, unk_threshold: int | None) -> int:
    """``--unk-threshold N`` (words seen N times or less are unknown) is ``min_count = N + 1``."""
    if min_count is not None and unk_threshold is not None:
        raise OptionError("give --min-count or --unk-threshold, not both")
    if unk_threshold is not None:
        if unk_threshold < 0:
            raise OptionError(f"--unk-threshold must be 0 or more, got {unk_threshold}")
        return unk_threshold + 1
    return 1 if min_count is None else min_count


def print_vocab_summary(vocab: Vocab, min_count: int) -> None:
    stats = vocab.stats
    typer.echo(f"sentences read      {stats.sentences:>12,}")
    typer.echo(f"tokens read         {stats.tokens:>12,}")
    typer.echo(f"distinct words      {stats.distinct:>12,}")
    typer.echo(f"words kept          {stats.kept:>12,}  (seen at least {min_count} times)")
    typer.echo(f"vocabulary size     {len(vocab):>12,}  (with {vocab.num_specials} special tokens)")
    typer.echo(
        f"unknown tokens      {stats.unknown_tokens:>12,}  "
        f"({stats.unknown_share:.2%} of the running text)"
    )


def build_dict(
    corpus: CorpusArg = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Vocabulary TSV to write.")] = Path(
        "vocab.tsv"
    ),
    min_count: Annotated[
        int | None,
        typer.Option(
            "--min-count",
            help="Keep words seen at least N times [default: 1: every word, so that the "
            "counts are complete; filter later].",
        ),
    ] = None,
    unk_threshold: Annotated[
        int | None,
        typer.Option(
            "--unk-threshold", help="Classic rule: words seen N times or less become unknown."
        ),
    ] = None,
    max_size: Annotated[
        int | None, typer.Option("--max-size", help="Largest vocabulary, special tokens included.")
    ] = None,
    unk_token: Annotated[str, typer.Option("--unk-token", help="Text of the unknown word.")] = (
        "<unk>"
    ),
    eos_token: Annotated[
        str, typer.Option("--eos-token", help="Text of the end-of-sentence token.")
    ] = "<eos>",
    tokenizer: TokenizerOpt = "unicode",
    ja_form: JaFormOpt = "surface",
    ja_punct: JaPunctOpt = "keep",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
    threads: ThreadsOpt = None,
) -> None:
    """Build a vocabulary from a corpus and save it as TSV (word<TAB>count)."""
    set_threads(threads)  # the processes that count the corpus
    threshold = threshold_to_min_count(min_count, unk_threshold)
    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors, ja_form, ja_punct)
    vocab = Vocab.build(
        sentences,
        min_count=threshold,
        max_size=max_size,
        unk_token=unk_token,
        eos_token=eos_token,
        progress=True,
    )
    vocab.save(output)
    print_vocab_summary(vocab, threshold)
    typer.echo(f"wrote {output}")


def prepare(
    corpus: CorpusArg = None,
    vocab_path: Annotated[
        Path, typer.Option("--vocab", help="Vocabulary TSV from build-dict.")
    ] = Path("vocab.tsv"),
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Words in, per chunk.")
    ] = 5,
    split: Annotated[float, typer.Option("--split", help="Share of chunks for training.")] = 0.8,
    output: Annotated[Path, typer.Option("--output", "-o", help="The .npz file to write.")] = Path(
        "data.npz"
    ),
    one_hot: Annotated[
        bool, typer.Option("--one-hot", help="Also write dense one-hot arrays, if they fit.")
    ] = False,
    add_eos: Annotated[
        bool, typer.Option("--eos/--no-eos", help="Append the end-of-sentence token to lines.")
    ] = False,
    tokenizer: TokenizerOpt = "unicode",
    ja_form: JaFormOpt = "surface",
    ja_punct: JaPunctOpt = "keep",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
    threads: ThreadsOpt = None,
) -> None:
    """Encode a corpus to ids and cut it into chunks of k words -> next word, split train/test."""
    set_threads(threads)  # the processes that encode the corpus
    vocab = Vocab.load(vocab_path)
    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors, ja_form, ja_punct)
    encoded = encode_corpus(sentences, vocab, add_eos=add_eos, progress=True)
    data = prepare_data(encoded.ids, len(vocab), chunk_size, split, one_hot=one_hot)
    arrays = {
        "ids": encoded.ids,
        "offsets": encoded.offsets,
        "inputs_train": data.inputs_train,
        "targets_train": data.targets_train,
        "inputs_test": data.inputs_test,
        "targets_test": data.targets_test,
        "chunk_size": np.int64(chunk_size),
        "vocab_size": np.int64(len(vocab)),
    }
    if one_hot:
        arrays.update(x_train=data.x_train, y_train=data.y_train)
        arrays.update(x_test=data.x_test, y_test=data.y_test)
    save_npz(output, arrays)
    unknown = int(np.count_nonzero(encoded.ids == vocab.unk_id)) if vocab.unk_id is not None else 0
    typer.echo(f"tokens encoded      {len(encoded):>12,}  ({unknown:,} unknown)")
    typer.echo(f"chunks              {len(data.targets_train) + len(data.targets_test):>12,}")
    typer.echo(
        f"  train             {len(data.targets_train):>12,}  shape {data.inputs_train.shape}"
    )
    typer.echo(f"  test              {len(data.targets_test):>12,}  shape {data.inputs_test.shape}")
    if one_hot:
        typer.echo(f"one-hot x_train     {data.x_train.shape}, y_train {data.y_train.shape}")
    typer.echo(f"wrote {output}")
