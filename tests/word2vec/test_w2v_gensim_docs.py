"""docs/GENSIM.md against gensim's classes and textseq's: every public name of gensim's
Word2Vec and KeyedVectors has a row; a row marked works or differs names something textseq
has; a name marked refused raises an error that says what to use instead."""

import re
from pathlib import Path

import numpy as np
import pytest

from textseq.word2vec import KeyedVectors, Word2Vec
from textseq.word2vec.gensim_names import CONSTRUCTOR_ARGS
from textseq.word2vec.params import NAMES

gensim = pytest.importorskip("gensim")
DOC = Path(__file__).resolve().parents[2] / "docs" / "GENSIM.md"
STATUSES = {"works", "differs", "refused"}


def _tables() -> dict[str, dict[str, str]]:
    """Section title -> {name: status}, from the tables under each ``## `` heading."""
    tables: dict[str, dict[str, str]] = {}
    section = None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if section is None or len(cells) < 3 or cells[1] not in STATUSES:
            continue
        for name in re.findall(r"`([^`]+)`", cells[0]):
            bare = re.match(r"[A-Za-z_][A-Za-z0-9_]*", name).group(0)
            tables.setdefault(section, {})[bare] = cells[1]
    return tables


TABLES = _tables()
ARGS = TABLES["Word2Vec: constructor arguments"]
MODEL = TABLES["Word2Vec: methods and attributes"]
KV = TABLES["KeyedVectors"]


def _public(names) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def test_every_public_name_of_gensims_classes_has_a_row():
    import inspect

    model = gensim.models.Word2Vec([["a", "b"]] * 3, vector_size=4, min_count=1)
    want = _public(dir(gensim.models.Word2Vec)) | _public(vars(model))
    assert sorted(want - set(MODEL)) == []
    init = set(inspect.signature(gensim.models.Word2Vec.__init__).parameters) - {"self"}
    assert sorted(init - set(ARGS)) == []
    kv = gensim.models.KeyedVectors(4)
    want = _public(dir(gensim.models.KeyedVectors)) | _public(vars(kv))
    assert sorted(want - set(KV) - {"KeyedVectors"}) == []


def test_the_statuses_of_constructor_arguments_are_what_the_code_does():
    own = {"sentences", "corpus_file", "progress", "tokenizer", "callbacks"}
    for name, status in ARGS.items():
        if status == "refused":
            assert name in CONSTRUCTOR_ARGS or name in NAMES, name
        else:
            assert name in NAMES or name in own or name in CONSTRUCTOR_ARGS, name


@pytest.fixture(scope="module")
def trained():
    model = Word2Vec([["a", "b", "c"], ["b", "c"]] * 5, vector_size=4, min_count=1,
                     epochs=1, progress=False)  # fmt: skip
    return model


def _refused_with_a_hint(obj, name):
    with pytest.raises(AttributeError) as info:
        getattr(obj, name)
    assert "not offered by textseq" in str(info.value), name


def test_rows_marked_works_exist_and_refused_ones_say_what_to_use(trained):
    wv = trained.wv
    for table, obj in ((MODEL, trained), (KV, wv)):
        for name, status in table.items():
            if name in {"len", "word", "kv", "KeyedVectors"}:  # container protocol rows
                continue
            if status == "refused":
                _refused_with_a_hint(obj, name)
            else:
                assert hasattr(obj, name), name
    assert (
        len(wv) == 3
        and "a" in wv
        and isinstance(KeyedVectors(["x"], np.ones((1, 2))), KeyedVectors)
    )
