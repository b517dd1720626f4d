"""The corpus pass by blocks on several processes gives exactly what the one-sentence-at-a-time
pass gives: the same counts, words in the same order, the same ids and sentence offsets, and
the same error for bad input."""

import bz2
import gzip
import io
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textseq.corpus import Corpus
from textseq.corpus import blocks as blocks_module
from textseq.corpus.blocks import BlockTask, count_block, file_ranges, scans_unicode
from textseq.corpus.counting import count_words
from textseq.corpus.parallel import can_count_by_block
from textseq.corpus.spool import count_and_spool, spool_encode
from textseq.corpus.tokenize import get_tokenizer
from textseq.corpus.word_tokenizers import tokenize_unicode
from textseq.errors import InputError

TRICKY = (
    "The cat's well-known hat\r\n"
    "\n"
    "   \t  \r\n"
    "ΟΔΟΣ Σίσυφος ΣΟΦΟΣ' όσος\n"
    "İstanbul ǅemal Straße ﬁne\n"
    "हिन्दी भाषा नमस्ते 日本語 テキスト\n"
    "snake_case -dash --double- it’s don''t a-'b\n"
    "numbers 3.14 1,000 ½ ⅷ ٣٤\r\r\n"
    "vertical\x0btab\x0cform\x1cfile\x85next\u2028line\u2029para\n"
    "!!! ??? ...\n"
    "emoji 🙂 tokens, and Ⅻ roman\n"
    "last line without a newline ÉCOLE"
)


class Serial:
    """A plain re-iterable over a Corpus: the one-sentence-at-a-time path."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __iter__(self):
        return iter(self.corpus)


def write(path, text: str, encoding="utf-8"):
    data = text.encode(encoding)
    if str(path).endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    elif str(path).endswith(".bz2"):
        path.write_bytes(bz2.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def files(tmp_path):
    many = "".join(f"line {i} word{i % 7} ΣΟΦΟΣ{i % 3}\n" for i in range(300))
    return [
        write(tmp_path / "a.txt", TRICKY),
        write(tmp_path / "b.txt", ""),
        write(tmp_path / "c.txt.gz", many),
        write(tmp_path / "d.txt", "\n\n\nsecond file's words\n\n"),
        write(tmp_path / "e.txt.bz2", TRICKY * 3),
        write(tmp_path / "f.txt", many + TRICKY),
    ]


def assert_same_pass(corpus, processes):
    counts, n = count_words(corpus, processes=processes)
    serial_counts, serial_n = count_words(Serial(corpus))
    assert n == serial_n
    assert list(counts.items()) == list(serial_counts.items())  # order of first appearance too

    words, word_counts, spool = count_and_spool(corpus, processes=processes)
    serial_words, serial_word_counts, serial_spool = count_and_spool(Serial(corpus))
    assert words == serial_words
    np.testing.assert_array_equal(word_counts, serial_word_counts)
    np.testing.assert_array_equal(spool.offsets, serial_spool.offsets)
    np.testing.assert_array_equal(spool.to_array(), serial_spool.to_array())

    index = {w: i for i, w in enumerate(sorted(words)[::2])}  # half the words are unknown
    for unknown in (-1, len(index)):
        got = spool_encode(corpus, index, unknown=unknown, processes=processes)
        want = spool_encode(Serial(corpus), index, unknown=unknown)
        np.testing.assert_array_equal(got.offsets, want.offsets)
        np.testing.assert_array_equal(got.to_array(), want.to_array())
    return counts


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("tokenizer", ["unicode", "ascii", "char"])
def test_blocks_give_the_serial_counts_ids_and_order(
    files, monkeypatch, block_bytes, processes, tokenizer
):
    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", block_bytes)
    corpus = Corpus(files, tokenizer=tokenizer)
    assert can_count_by_block(corpus)
    counts = assert_same_pass(corpus, processes)
    assert sum(counts.values()) > 1000


def test_the_unicode_tokenizer_is_scanned_by_the_kernel():
    assert scans_unicode(tokenize_unicode)
    assert scans_unicode(get_tokenizer("unicode"))  # the tokenizer a Corpus holds
    assert not scans_unicode(get_tokenizer("ascii"))
    assert not scans_unicode(lambda line: tokenize_unicode(line))


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("aZ_'’- \t\r\n-.,0ΣσςİiI\u0301\u093f\u0915ßǅ½日🙂\x85\u2028")
        ),
        max_size=80,
    )
)
def test_the_scan_kernel_tokenizes_as_the_unicode_tokenizer(text):
    task = BlockTask(tokenize_unicode, scan=True)
    block = blocks_module.Bytes("<test>", 0, text.encode("utf-8"))
    got = count_block(task, block)
    lines = [tokenize_unicode(line.rstrip("\r")) for line in text.split("\n")]
    sentences = [tokens for tokens in lines if tokens]
    assert [len(s) for s in sentences] == got.lengths.tolist()
    assert [got.words[i] for i in got.ids.tolist()] == [w for s in sentences for w in s]


@pytest.mark.parametrize("size", [0, 1, 5, 33, 100])
def test_file_ranges_cover_the_file_at_line_starts(tmp_path, size):
    path = write(tmp_path / "x.txt", "ab\ncd\n\nefg\nh" + "\nij" * 10)
    ranges = list(file_ranges(path, size))
    data = path.read_bytes()
    assert ranges[0].start == 0 and ranges[-1].stop == len(data)
    for left, right in zip(ranges, ranges[1:]):
        assert left.stop == right.start
        assert data[right.start - 1 : right.start] == b"\n"


def test_latin1_and_replace_give_the_serial_tokens(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", 5)
    path = write(tmp_path / "l.txt", "café crème\nnaïve\n", encoding="latin-1")
    assert_same_pass(Corpus(path, encoding="latin-1"), 2)
    assert_same_pass(Corpus(path, errors="replace"), 2)


def test_an_encoding_with_wide_newlines_is_read_as_today(tmp_path):
    path = write(tmp_path / "w.txt", "one two\nthree\n", encoding="utf-16")
    corpus = Corpus(path, encoding="utf-16")
    assert not can_count_by_block(corpus)
    counts, n = count_words(corpus, processes=2)
    assert n == 2 and counts["three"] == 1


def error_of(corpus_or_serial, fn):
    with pytest.raises(InputError) as info:
        fn(corpus_or_serial)
    return str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b"good line\n" * 2000 + b"bad \xff byte\n" + b"more\n",
        b"good\n" * 3000 + b"a NUL \x00 here\n",
        b"head \x00 NUL\n" + b"\xff" + b"x\n" * 10,
        b"x\n" * 3000 + b"\xff then \x00\n",
    ],
)
@pytest.mark.parametrize("processes", [1, 2])
def test_bad_bytes_give_the_serial_error(tmp_path, monkeypatch, data, processes):
    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", 1000)
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    corpus = Corpus([write(tmp_path / "ok.txt", "fine words\n"), path])
    want = error_of(Serial(corpus), lambda c: count_words(c))
    assert error_of(corpus, lambda c: count_words(c, processes=processes)) == want
    assert error_of(corpus, lambda c: count_and_spool(c, processes=processes)) == want


def test_a_broken_archive_is_one_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", 100)
    path = tmp_path / "broken.txt.gz"
    path.write_bytes(gzip.compress(b"word " * 5000)[:-20])
    message = error_of(Corpus(path), lambda c: count_words(c, processes=2))
    assert "cannot read compressed data" in message


def test_standard_input_is_counted_by_blocks_and_kept(monkeypatch):
    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", 16)
    data = TRICKY.encode() * 4

    class Stdin:  # worker processes close their standard input when they start
        buffer = io.BytesIO(data)

        @staticmethod
        def close():
            pass

    monkeypatch.setattr(sys, "stdin", Stdin)
    corpus = Corpus("-")
    counts = assert_same_pass(corpus, 2)  # read once, then from the kept bytes
    assert counts["line"] == 8


def test_an_empty_corpus_is_refused_as_today(tmp_path):
    corpus = Corpus(write(tmp_path / "e.txt", "\n \n...\n"))
    with pytest.raises(InputError, match="empty"):
        spool_encode(corpus, {"a": 0}, processes=2)
    words, counts, spool = count_and_spool(corpus, processes=2)
    assert words == [] and len(counts) == 0 and spool.num_sentences == 0


@pytest.mark.parametrize("min_count, max_size", [(1, None), (2, 10), (3, None)])
def test_a_vocabulary_built_by_blocks_is_the_serial_one(files, monkeypatch, min_count, max_size):
    from textseq.corpus import Vocab

    monkeypatch.setattr(blocks_module, "BLOCK_BYTES", 50)
    corpus = Corpus(files)
    got = Vocab.build(corpus, min_count=min_count, max_size=max_size)
    want = Vocab.build(Serial(corpus), min_count=min_count, max_size=max_size)
    assert got.words == want.words and got.stats == want.stats
    np.testing.assert_array_equal(got.counts, want.counts)


def test_the_processes_follow_the_threads_setting(monkeypatch):
    import textseq.threads as threads
    from textseq.corpus.parallel import default_processes

    monkeypatch.setattr(threads, "_chosen", 3)
    assert default_processes() == 3
    monkeypatch.setattr(threads, "_chosen", None)
    assert default_processes() >= 1


def test_build_dict_takes_threads_and_writes_the_serial_vocabulary(
    cli, files, tmp_path, monkeypatch
):
    import numba

    import textseq.threads as threads
    from textseq.corpus import Vocab

    out = tmp_path / "v.tsv"
    monkeypatch.setattr(threads, "_chosen", None)  # restored after: --threads sets it
    numba_before, blas_before = numba.get_num_threads(), threads.blas_threads()
    try:
        result = cli("build-dict", *map(str, files), "-o", str(out), "--threads", "2")
        assert threads.chosen_threads() == 2
    finally:
        numba.set_num_threads(numba_before)
        threads.set_blas_threads(blas_before)
    assert result.code == 0, result.out
    want = Vocab.build(Serial(Corpus(files)))
    assert Vocab.load(out).words == want.words
