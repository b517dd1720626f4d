"""Word-vector query commands: ``similar``, ``analogy`` and ``evaluate-w2v``.

Each loads a word2vec text or binary file (the format is detected) and prints plain tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the word2vec package loads Numba and scipy: only when a command runs
    from textseq.word2vec.keyedvectors import KeyedVectors

SIMILAR_EPILOG = """Examples:

  textseq similar king queen --vectors vectors.bin --top-n 5

  textseq similar king woman --negative man --vectors vectors.bin
"""

ANALOGY_EPILOG = """Examples:

  textseq analogy man king woman --vectors vectors.bin   (man : king = woman : ?)
"""

EVALUATE_EPILOG = """Examples:

  textseq evaluate-w2v --vectors vectors.bin

  textseq evaluate-w2v --vectors vectors.txt --pairs simlex999 --restrict-vocab 30000

  textseq evaluate-w2v --vectors vectors.bin --analogies my-questions.txt --pairs none
"""

VectorsOpt = Annotated[
    Path,
    typer.Option(
        "--vectors", help="word2vec vectors file, text or binary (detected), .gz/.bz2 accepted."
    ),
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=1, help="Read only the first N vectors of the file.")
]
FormerTopN = Annotated[int | None, typer.Option("--topn", hidden=True)]  # now --top-n
RestrictOpt = Annotated[
    int | None,
    typer.Option("--restrict-vocab", min=1, help="Search only the N most frequent words."),
]


def register(app: typer.Typer) -> None:
    app.command("similar", epilog=SIMILAR_EPILOG)(similar)
    app.command("analogy", epilog=ANALOGY_EPILOG)(analogy)
    app.command("evaluate-w2v", epilog=EVALUATE_EPILOG)(evaluate_w2v)


def load_vectors(path: Path, limit: int | None = None) -> KeyedVectors:
    from textseq.word2vec.keyedvectors import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, limit=limit, progress=True)


def print_neighbours(title: str, neighbours: list[tuple[str, float]]) -> None:
    typer.echo(title)
    if not neighbours:
        typer.echo("  (no other words)")
        return
    width = max(len(word) for word, _ in neighbours)
    for rank, (word, score) in enumerate(neighbours, 1):
        typer.echo(f"  {rank:>3}  {word:<{width}}  {score:.4f}")


def similar(
    words: Annotated[
        list[str], typer.Argument(help="Query words.", show_default=False, metavar="WORD")
    ],
    vectors: VectorsOpt,
    top_n: Annotated[int, typer.Option("--top-n", "-n", min=1, help="Neighbours to show.")] = 10,
    negative: Annotated[
        list[str] | None,
        typer.Option(
            "--negative",
            help="Subtract this word (repeatable); the query words are then combined.",
        ),
    ] = None,
    restrict_vocab: RestrictOpt = None,
    limit: LimitOpt = None,
    topn: FormerTopN = None,
) -> None:
    """Nearest neighbours (cosine) of each word, or of positive minus --negative words."""
    topn = top_n if topn is None else topn
    kv = load_vectors(vectors, limit)
    if negative:
        result = kv.most_similar(
            positive=words, negative=negative, topn=topn, restrict_vocab=restrict_vocab
        )
        title = " + ".join(words) + "".join(f" - {w}" for w in negative)
        print_neighbours(title, result)
        return
    for i, word in enumerate(words):
        if i:
            typer.echo("")
        print_neighbours(word, kv.most_similar(word, topn=topn, restrict_vocab=restrict_vocab))


def analogy(
    a: Annotated[str, typer.Argument(help="a, in a : b = c : ?", show_default=False, metavar="A")],
    b: Annotated[str, typer.Argument(help="b", show_default=False, metavar="B")],
    c: Annotated[str, typer.Argument(help="c", show_default=False, metavar="C")],
    vectors: VectorsOpt,
    top_n: Annotated[int, typer.Option("--top-n", "-n", min=1, help="Answers to show.")] = 5,
    restrict_vocab: RestrictOpt = None,
    limit: LimitOpt = None,
    topn: FormerTopN = None,
) -> None:
    """Solve a : b = c : ?, "a is to b as c is to what?" (vector b - a + c, as word2vec and
    gensim do)."""
    topn = top_n if topn is None else topn
    kv = load_vectors(vectors, limit)
    result = kv.analogy(a, b, c, topn=topn, restrict_vocab=restrict_vocab)
    print_neighbours(f"{a} : {b} = {c} : ?", result)


def _is_none(values: list[str]) -> bool:
    return [v.lower() for v in values] == ["none"]


def evaluate_w2v(
    vectors: VectorsOpt,
    analogies: Annotated[
        str,
        typer.Option(
            "--analogies",
            help="Analogy questions: built-in questions-words, a file, or 'none'.",
        ),
    ] = "questions-words",
    pairs: Annotated[
        list[str] | None,
        typer.Option(
            "--pairs",
            help="Word-pair set (repeatable): wordsim353, simlex999, a file, or 'none' "
            "[default: wordsim353 and simlex999].",
        ),
    ] = None,
    restrict_vocab: Annotated[
        int,
        typer.Option(
            "--restrict-vocab",
            min=1,
            help="Only the N most frequent words count as known (the C tool used 30000).",
        ),
    ] = 300000,
    case_sensitive: Annotated[
        bool, typer.Option("--case-sensitive", help="Compare words without upper-casing.")
    ] = False,
    limit: LimitOpt = None,
) -> None:
    """Analogy accuracy per section and word-pair correlations, computed as gensim does."""
    kv = load_vectors(vectors, limit)
    pair_sets = ["wordsim353", "simlex999"] if not pairs else pairs
    if _is_none(pair_sets):
        pair_sets = []
    typer.echo(f"vectors: {vectors} ({len(kv):,} words, dimension {kv.vector_size})")
    from textseq.word2vec.evaluation import evaluate_word_analogies, evaluate_word_pairs

    if analogies.lower() != "none":
        result = evaluate_word_analogies(
            kv, analogies, restrict_vocab=restrict_vocab, case_insensitive=not case_sensitive
        )
        typer.echo(f"\nanalogies: {analogies} (restrict_vocab {restrict_vocab:,})")
        width = max([len("total"), *(len(s["section"]) for s in result["sections"])])
        typer.echo(f"  {'section':<{width}}  {'correct':>7}  {'total':>6}  {'accuracy':>8}")
        rows = [*result["sections"], {**result, "section": "total"}]
        for row in rows:
            accuracy = f"{100 * row['accuracy']:.1f}%" if row["total"] else "-"
            typer.echo(
                f"  {row['section']:<{width}}  {row['correct']:>7,}  {row['total']:>6,}"
                f"  {accuracy:>8}"
            )
        typer.echo(
            f"  questions skipped (unknown words): {100 * result['skipped']:.1f}% "
            f"({result['skipped_count']:,} of {result['questions']:,})"
        )
    if pair_sets:
        typer.echo(f"\nword pairs (restrict_vocab {restrict_vocab:,})")
        width = max(len("set"), *(len(p) for p in pair_sets))
        header = f"{'pearson':>7}  {'spearman':>8}  {'pairs used':>10}  {'unknown':>7}"
        typer.echo(f"  {'set':<{width}}  {header}")
        for name in pair_sets:
            res = evaluate_word_pairs(
                kv, name, restrict_vocab=restrict_vocab, case_insensitive=not case_sensitive
            )
            typer.echo(
                f"  {name:<{width}}  {res['pearson']:>7.4f}  {res['spearman']:>8.4f}"
                f"  {res['pairs_used']:>10,}  {100 * res['oov_ratio']:>6.1f}%"
            )
