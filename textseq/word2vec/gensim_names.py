"""gensim's names that textseq takes in its own way or not at all, and what to say about them.

``Word2Vec`` and ``KeyedVectors`` take gensim's settings and methods by gensim's names
(``docs/GENSIM.md`` lists every one). Some of gensim's arguments have no counterpart here:
the value that means what textseq always does is accepted (``hs=0``, ``sorted_vocab=1``),
a value that would ask for something else is refused by name with what to do instead, and
knobs of gensim's own machinery (``batch_words``, ``queue_factor``) are accepted and have no
effect. Attributes gensim offers and textseq does not raise an ``AttributeError`` that says
what to use instead (``missing_attribute``).
"""

from __future__ import annotations

from typing import Any

from textseq.errors import OptionError
from textseq.spelling import SpellingIndex

# gensim's Word2Vec arguments that textseq's settings do not hold:
# name -> (the accepted value, or None when any value is accepted, why another is refused)
_ACCEPTED = object()  # "any value": the argument has no effect here
CONSTRUCTOR_ARGS: dict[str, tuple[Any, str]] = {
    "hs": (
        0,
        "hierarchical softmax (hs=1) is not implemented: textseq trains with negative "
        "sampling only (hs=0, negative >= 1)",
    ),
    "hashfxn": (
        hash,
        "textseq draws the initial vectors from `seed` alone; a custom hashfxn has no use here",
    ),
    "null_word": (0, "textseq pads no CBOW window with a null word (null_word=0 only)"),
    "trim_rule": (
        None,
        "trim_rule is not supported: filter the token lists before training, or use "
        "min_count / max_final_vocab",
    ),
    "sorted_vocab": (1, "the vocabulary is always sorted by descending count (sorted_vocab=1)"),
    "shrink_windows": (
        True,
        "textseq always shrinks each window to a random size, as word2vec does "
        "(shrink_windows=True)",
    ),
    "batch_words": (_ACCEPTED, ""),  # gensim's job size: textseq sizes its own chunks
    "comment": (_ACCEPTED, ""),  # a note in gensim's lifecycle log
}

# gensim's train() and build_vocab() arguments of its own machinery
TRAIN_ARGS: dict[str, tuple[Any, str]] = {
    "word_count": (0, "word_count (words already trained in this call) must be 0 here"),
    "queue_factor": (_ACCEPTED, ""),  # gensim's job queue: textseq has none
    "report_delay": (_ACCEPTED, ""),  # gensim's logging interval: textseq shows a bar
}
BUILD_VOCAB_ARGS: dict[str, tuple[Any, str]] = {
    "progress_per": (_ACCEPTED, ""),  # gensim's logging interval
    "keep_raw_vocab": (False, "textseq keeps no raw vocabulary (keep_raw_vocab=False)"),
    "trim_rule": CONSTRUCTOR_ARGS["trim_rule"],
}


# gensim 3's names of settings gensim 4 renamed
RENAMED = {"size": "vector_size", "iter": "epochs"}


def unknown_keyword(method: str, name: str, known: list[str]) -> TypeError:
    """Python's ``TypeError`` for a keyword ``method`` does not take, with gensim 4's name
    for a gensim 3 one, or the known names spelled most like it."""
    if name in RENAMED:
        hint = f"; gensim 4 (and textseq) call it {RENAMED[name]}"
    else:
        near = SpellingIndex(known).suggest(name, 2)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
    return TypeError(f"{method}() got an unexpected keyword argument {name!r}{hint}")


def take_gensim_args(given: dict[str, Any], table: dict[str, tuple[Any, str]]) -> None:
    """Remove the arguments of ``table`` from ``given`` (in place), refusing by name each
    whose value asks for what textseq does not do."""
    for name in [n for n in given if n in table]:
        value = given.pop(name)
        accepted, why = table[name]
        if accepted is _ACCEPTED:
            continue
        same = value is accepted if accepted is None or callable(accepted) else value == accepted
        if not same or isinstance(value, bool) and not isinstance(accepted, bool):
            raise OptionError(f"{name}={value!r}: {why}")


_CONSTRUCTOR_ONLY = (
    "Word2Vec() takes it only with the value that means what textseq always does "
    "(docs/GENSIM.md) and keeps no attribute for it"
)
# gensim attributes textseq does not offer, by the class gensim has them on
_MISSING: dict[str, dict[str, str]] = {
    "Word2Vec": {
        # gensim 3 names that gensim 4 also removed
        "most_similar": "use model.wv.most_similar(...)",
        "similarity": "use model.wv.similarity(...)",
        "doesnt_match": "use model.wv.doesnt_match(...)",
        "iter": "the setting is called epochs",
        "size": "the setting is called vector_size",
        "syn0": "use model.wv.vectors",
        "syn1": "textseq trains no hierarchical softmax (hs=1); the output vectors are syn1neg",
        "cum_table": "the noise-word table is model.neg_table_ (counts ** ns_exponent, as ids)",
        "score": "score() needs hierarchical softmax (hs=1), which textseq does not implement",
        "estimate_memory": "not offered: the weights take 2 x words x vector_size x 4 bytes",
        "reset_from": "not offered: copy the settings with Word2Vec(**model.get_params())",
        "init_sims": "not needed: model.wv.get_normed_vectors() gives the unit vectors",
        "running_training_loss": "use model.get_latest_training_loss()",
        "total_train_time": "use model.report_.seconds (the last train() call)",
        "scan_vocab": "use build_vocab(sentences), which counts and builds in one call",
        "prepare_vocab": "use build_vocab(sentences), which counts and builds in one call",
        "prepare_weights": "use build_vocab(sentences), which initialises the weights",
        "init_weights": "use build_vocab(sentences), which initialises the weights",
        "update_weights": "use build_vocab(sentences, update=True), which grows the weights",
        "seeded_vector": "not offered: build_vocab draws every initial vector from `seed`",
        "make_cum_table": "not needed: build_vocab makes the noise-word table (neg_table_)",
        "create_binary_tree": "textseq trains no hierarchical softmax (hs=1)",
        "add_null_word": "textseq pads no CBOW window with a null word",
        "add_lifecycle_event": "textseq keeps no lifecycle log: a saved model's config.json "
        "holds its settings and last report",
        "lifecycle_events": "textseq keeps no lifecycle log: a saved model's config.json "
        "holds its settings and last report",
        "layer1_size": "use vector_size",
        "random": "textseq keeps no generator on the model: every draw comes from `seed`",
        "raw_vocab": "textseq keeps no raw counts: vocab_ holds the kept words and counts",
        "effective_min_count": "not kept: the least count in the vocabulary is vocab_.counts.min()",
        "train_count": "not kept: epochs_trained_ counts the epochs trained so far",
        "min_alpha_yet_reached": "not kept: the last train() call ends at min_alpha",
        "batch_words": _CONSTRUCTOR_ONLY,
        "comment": _CONSTRUCTOR_ONLY,
        "hashfxn": _CONSTRUCTOR_ONLY,
        "null_word": _CONSTRUCTOR_ONLY,
        "sorted_vocab": _CONSTRUCTOR_ONLY,
        "shrink_windows": _CONSTRUCTOR_ONLY,
    },
    "KeyedVectors": {
        "vocab": "use key_to_index, index_to_key and get_vecattr(word, 'count'), as in gensim 4",
        "index2word": "use index_to_key, as in gensim 4",
        "index2entity": "use index_to_key, as in gensim 4",
        "vectors_norm": "use get_normed_vectors(), as in gensim 4",
        "word_vec": "use get_vector(word, norm=...), as in gensim 4",
        "init_sims": "not needed: get_normed_vectors() gives the unit vectors",
        "wmdistance": "Word Mover's Distance is not offered (it needs an optimal-transport "
        "solver); use gensim: kv.to_gensim().wmdistance(...)",
        "similarity_unseen_docs": "not offered (a Doc2Vec/FastText query)",
        "intersect_word2vec_format": "not offered: load both files and copy the rows you need",
        "log_accuracy": "use evaluate_word_analogies(...), which returns the figures",
        "log_evaluate_word_pairs": "use evaluate_word_pairs(...), which returns the figures",
        "add_vector": "not offered: a KeyedVectors is fixed in size; make a new one with "
        "KeyedVectors(words, vectors, counts)",
        "add_vectors": "not offered: a KeyedVectors is fixed in size; make a new one with "
        "KeyedVectors(words, vectors, counts)",
        "resize_vectors": "not offered: make a new KeyedVectors(words, vectors, counts)",
        "vectors_for_all": "a FastText query (vectors for words never seen): not offered",
        "sort_by_descending_frequency": "a KeyedVectors made by training is sorted already",
        "allocate_vecattrs": "not needed: 'count' is the one attribute (get_vecattr)",
        "unit_normalize_all": "not offered: use get_normed_vectors(), or "
        "KeyedVectors(words, kv.get_normed_vectors())",
        "add_lifecycle_event": "textseq keeps no lifecycle log",
        "expandos": "the one per-word attribute is the count: get_vecattr(word, 'count') or "
        "the counts array",
        "next_index": "not kept: a KeyedVectors is full, len(kv) rows",
        "mapfile_path": "not kept: textseq's files are read whole",
    },
}


def missing_attribute(owner: object, name: str) -> AttributeError:
    """The ``AttributeError`` for ``name`` on ``owner``: what to use instead when gensim has
    that attribute, Python's usual message otherwise."""
    kind = type(owner).__name__
    hint = _MISSING.get(kind, {}).get(name)
    if hint is None:
        return AttributeError(f"{kind!r} object has no attribute {name!r}")
    return AttributeError(f"{kind}.{name} (gensim) is not offered by textseq: {hint}")


def missing_names(kind: str) -> dict[str, str]:
    """The gensim attributes of ``kind`` (``"Word2Vec"`` or ``"KeyedVectors"``) textseq does
    not offer, with what to use instead (for the documentation's table and its test)."""
    return dict(_MISSING[kind])
