"""Word counts of a corpus stream, held as a ``Counter`` (for a vocabulary built apart from
encoding; ``textseq.corpus.spool.count_and_spool`` counts and encodes in one pass).

A ``Corpus`` read from files is counted by blocks on every core (``textseq.corpus.parallel``),
with the same counts; other streams, and a count capped by ``max_distinct`` (whose pruning
depends on the order words arrive in), are counted here one sentence at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tqdm.auto import tqdm


def count_words(
    sentences: Iterable[list[str]],
    max_distinct: int | None = None,
    progress: bool = False,
    processes: int | None = None,
) -> tuple[Counter, int]:
    """``(counts, number of sentences)`` of a stream of token lists.

    ``max_distinct`` caps the memory of the count as gensim's ``max_vocab_size`` does:
    whenever more distinct words are held, the rarest are dropped (those seen once, then
    those seen twice or less at the next prune, and so on), so the counts of words that
    survive can be lower than their true counts. ``processes`` (default: the ``--threads``
    setting, else every core) count a file corpus by blocks."""
    from textseq.corpus.parallel import can_count_by_block, merged_counts

    if max_distinct is None and can_count_by_block(sentences):
        merge = merged_counts(sentences, processes, progress)
        return Counter(dict(zip(merge.words, merge.counts.tolist()))), merge.sentences
    counts: Counter[str] = Counter()
    n_sentences = 0
    min_reduce = 1
    with tqdm(desc="counting words", unit=" tokens", unit_scale=True, disable=not progress) as bar:
        for tokens in sentences:
            counts.update(tokens)
            n_sentences += 1
            bar.update(len(tokens))
            if max_distinct is not None and len(counts) > max_distinct:
                for word in [w for w, c in counts.items() if c < min_reduce + 1]:
                    del counts[word]
                min_reduce += 1
    return counts, n_sentences
