"""Generated tasks and pairs files."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from textseq.datasets.tasks import addition, dates, make_task, reverse, write_pairs
from textseq.errors import InputError, OptionError
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.data import load_pairs, prepare_pairs, read_pairs


def test_tasks_are_seeded_and_correct():
    assert dates(50, seed=3) == dates(50, seed=3)
    assert dates(50, seed=3) != dates(50, seed=4)
    for src, tgt in dates(300, seed=1):
        d = datetime.date.fromisoformat(tgt)
        assert 1950 <= d.year <= 2049
        assert str(d.day) in src and (str(d.year)[2:] in src)
    for src, tgt in addition(200, seed=2):
        a, b = src.split("+")
        assert int(a) + int(b) == int(tgt)
    for src, tgt in reverse(100, seed=5, min_length=20, max_length=40):
        assert src.split()[::-1] == tgt.split()
        assert 20 <= len(src.split()) <= 40


def test_dates_use_many_formats():
    formats = {tuple(ch.isdigit() for ch in src) for src, _ in dates(500, seed=0)}
    assert len(formats) > 50
    sources = [src for src, _ in dates(500, seed=0)]
    assert any("/" in s for s in sources) and any("," in s for s in sources)
    assert any(s.isupper() for s in sources) and any(s.islower() for s in sources)


def test_task_errors():
    with pytest.raises(OptionError, match="unknown task"):
        make_task("sorting", 10)
    with pytest.raises(OptionError, match="size"):
        make_task("dates", 0)
    with pytest.raises(OptionError, match="min-length"):
        reverse(3, min_length=5, max_length=2)


def test_pairs_file_round_trip(tmp_path):
    pairs = addition(20, seed=1)
    write_pairs(pairs, tmp_path / "p.tsv")
    assert read_pairs(tmp_path / "p.tsv") == pairs
    assert load_pairs(str(tmp_path / "p.tsv")) == pairs
    assert load_pairs("addition", size=20, seed=1) == pairs


@pytest.mark.parametrize(
    "text,message",
    [
        ("a\tb\nno tab here\n", "line 2: expected source<TAB>target, found no tab"),
        ("a\tb\tc\n", "line 1: expected source<TAB>target, found 2 tabs"),
        ("a\tb\n\t b\n", "line 2: the source side is empty"),
        ("a\tb\nc\t  \n", "line 2: the target side is empty"),
        ("\n\n", "holds no pairs"),
    ],
)
def test_malformed_pairs_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_pairs(path)
    assert str(path) in str(info.value)


def test_undecodable_pairs_name_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"a\tb\n\xff\tc\n")
    with pytest.raises(InputError, match="line 2: not utf-8"):
        read_pairs(path)


def test_missing_pairs_file():
    with pytest.raises(InputError, match="does not exist"):
        read_pairs("/nonexistent/pairs.tsv")


def test_side_without_tokens_is_an_error():
    config = Seq2SeqConfig(source_tokenizer="unicode")
    with pytest.raises(InputError, match="pair 2: the source side has no tokens"):
        prepare_pairs([("a b", "x"), ("...", "y")], config, Seq2SeqTrainConfig())


def test_prepare_splits_encodes_and_batches():
    config = Seq2SeqConfig(source_tokenizer="unicode", target_tokenizer="unicode")
    pairs = reverse(100, seed=0, max_length=6)
    data = prepare_pairs(pairs, config, Seq2SeqTrainConfig(split=(0.8, 0.1, 0.1)))
    assert (len(data.train), len(data.valid), len(data.test)) == (80, 10, 10)
    eos = data.target_vocab.eos_id
    src, src_len, tgt_in, tgt_out = data.train.batch(np.arange(4), eos)
    for b in range(4):
        n = int((tgt_out[b] >= 0).sum())
        assert tgt_out[b, n - 1] == eos and tgt_in[b, 0] == eos
        np.testing.assert_array_equal(tgt_in[b, 1:n], tgt_out[b, : n - 1])
        words = data.source_vocab.decode(src[b, : src_len[b]].tolist())
        target = data.target_vocab.decode(tgt_out[b, : n - 1].tolist())
        assert words[::-1] == target
    shared = prepare_pairs(
        pairs, Seq2SeqConfig(shared_vocab=True), Seq2SeqTrainConfig(split=(0.8, 0.1, 0.1))
    )
    assert shared.source_vocab is shared.target_vocab
