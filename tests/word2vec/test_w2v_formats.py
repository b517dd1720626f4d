"""word2vec text/binary files: round trips, gensim in both directions, damaged files."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

from textseq.errors import ModelFileError
from textseq.word2vec.keyedvectors import KeyedVectors, load_word2vec_format, save_word2vec_format

WORDS = ["the", "of", "café", "naïve", "日本語", "Straße", "<s>", "don't", "a-b", "ÿ"]


def make_kv(counts=True, seed=0, dim=7) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    vectors = (rng.standard_normal((len(WORDS), dim)) * [[1e-6], [1e5], *[[1]] * 8]).astype(
        np.float32
    )
    c = rng.integers(1, 50, size=len(WORDS)) if counts else None  # not sorted on purpose
    return KeyedVectors(WORDS, vectors, c)


def write_order(kv):
    return np.argsort(-kv.counts, kind="stable") if kv.counts is not None else np.arange(len(kv))


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_round_trip_is_exact(tmp_path, binary, counts):
    kv = make_kv(counts)
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path)  # format detected
    order = write_order(kv)
    assert back.index_to_key == [WORDS[i] for i in order]
    np.testing.assert_array_equal(back.vectors, kv.vectors[order])
    assert back.counts is None
    explicit = load_word2vec_format(path, binary=binary)
    np.testing.assert_array_equal(explicit.vectors, back.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_what_we_write(tmp_path, binary):
    kv = make_kv()
    path = tmp_path / "v.w2v"
    save_word2vec_format(kv, path, binary=binary)
    g = GensimKV.load_word2vec_format(str(path), binary=binary)
    order = write_order(kv)
    assert g.index_to_key == [WORDS[i] for i in order]
    np.testing.assert_array_equal(g.vectors, kv.vectors[order])


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_what_gensim_writes(tmp_path, binary):
    kv = make_kv()
    path = tmp_path / "g.w2v"
    kv.to_gensim().save_word2vec_format(str(path), binary=binary)
    ours = load_word2vec_format(path)
    order = write_order(kv)  # gensim writes by descending count, as we do
    assert ours.index_to_key == [WORDS[i] for i in order]
    np.testing.assert_array_equal(ours.vectors, kv.vectors[order])


def test_text_file_is_byte_identical_to_gensim(tmp_path):
    for counts in (True, False):
        kv = make_kv(counts)
        ours, theirs = tmp_path / "ours.txt", tmp_path / "theirs.txt"
        kv.save_word2vec_format(ours)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kv.to_gensim().save_word2vec_format(str(theirs))
        assert ours.read_bytes() == theirs.read_bytes()


def test_binary_layout_is_the_c_tools(tmp_path):
    kv = make_kv(counts=False, dim=3)
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=True)
    expected = f"{len(kv)} 3\n".encode()
    for word, vec in zip(kv.index_to_key, kv.vectors):
        expected += word.encode("utf-8") + b" " + vec.astype("<f4").tobytes() + b"\n"
    assert path.read_bytes() == expected


def test_c_tool_text_and_gensim_binary_variants(tmp_path):
    text = tmp_path / "c.txt"  # the C tool ends each text line with a space
    text.write_bytes(b"2 3\nfoo 0.5 -1.25 3e-2 \nbar 1.000000 2.000000 3.000000 \n")
    kv = load_word2vec_format(text)
    assert kv.index_to_key == ["foo", "bar"]
    np.testing.assert_array_equal(kv["foo"], np.array([0.5, -1.25, 0.03], np.float32))
    binary = tmp_path / "g.bin"  # gensim writes no newline after a binary vector
    vecs = np.arange(6, dtype="<f4").reshape(2, 3)
    binary.write_bytes(b"2 3\nfoo " + vecs[0].tobytes() + b"bar " + vecs[1].tobytes())
    kv = load_word2vec_format(binary)
    assert kv.index_to_key == ["foo", "bar"]
    np.testing.assert_array_equal(kv.vectors, vecs)


def test_limit_gzip_and_fvocab(tmp_path):
    kv = make_kv()
    gz = tmp_path / "v.txt.gz"
    vocab = tmp_path / "vocab.txt"
    kv.save_word2vec_format(gz, fvocab=vocab)
    with gzip.open(gz, "rb") as handle:
        assert handle.readline() == f"{len(kv)} 7\n".encode()
    order = write_order(kv)
    full = load_word2vec_format(gz, fvocab=vocab)
    np.testing.assert_array_equal(full.counts, kv.counts[order])
    assert full.index_to_key == [WORDS[i] for i in order]
    first3 = load_word2vec_format(gz, limit=3)
    assert first3.index_to_key == full.index_to_key[:3]
    np.testing.assert_array_equal(first3.vectors, full.vectors[:3])
    g = GensimKV.load_word2vec_format(str(gz), fvocab=str(vocab))  # gensim reads our vocab file
    assert [g.get_vecattr(w, "count") for w in g.index_to_key] == full.counts.tolist()
    bz = tmp_path / "v.bin.bz2"
    kv.save_word2vec_format(bz, binary=True)
    np.testing.assert_array_equal(load_word2vec_format(bz).vectors, full.vectors)


def test_zero_vectors_file(tmp_path):
    kv = KeyedVectors([], np.zeros((0, 4), np.float32))
    path = tmp_path / "empty.txt"
    kv.save_word2vec_format(path)
    assert path.read_bytes() == b"0 4\n"
    assert len(load_word2vec_format(path)) == 0


def test_duplicate_words_keep_the_first(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("3 2\na 1 2\nb 3 4\na 5 6\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="duplicate"):
        kv = load_word2vec_format(path)
    assert kv.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(kv["a"], [1, 2])


def test_extra_data_after_the_vectors_warns(tmp_path):
    path = tmp_path / "extra.txt"
    path.write_text("1 2\na 1 2\nb 3 4\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="ignored"):
        kv = load_word2vec_format(path)
    assert kv.index_to_key == ["a"]


# ---- damaged files and unstorable words ----------------------------------------------------
@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "is empty"),
        (b"hello world\nx 1 2\n", "bad header"),
        (b"3\nx 1 2\n", "bad header"),
        (b"2 3 4\nx 1 2\n", "bad header"),
        (b"2 0\n", "bad header"),
        (b"2 2", "ends after its header"),
        (b"3 2\na 1 2\nb 3 4\n", "announces 3 vectors but the file ends after 2"),
        (b"2 2\na 1 2\nb 3 4 5\n", "line 3: 3 values after the word, expected 2"),
        (b"2 2\na 1 2\nnew york 3 4\n", "does the word contain a space"),
        (b"2 2\na 1 2\nb 3 x4\n", "line 3: 'x4' is not a number"),
        (b"2 2\na 1 2\nb\n", "line 3: no values after the word"),
        (b"2 2\na 1 2\n\xff\xfe 3 4\n", "line 3: the word"),
        (b"100000000 300\na 1 2\n", "too short"),
    ],
)
def test_damaged_text_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as info:
        load_word2vec_format(path)  # format detection must not mistake them for binary
    assert message in str(info.value) and str(path) in str(info.value)


def test_undecodable_word_can_be_replaced(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"1 2\ncaf\xe9 1 2\n")
    with pytest.raises(ModelFileError, match="unicode_errors='replace'"):
        load_word2vec_format(path)
    assert load_word2vec_format(path, unicode_errors="replace").index_to_key == ["caf\ufffd"]
    assert load_word2vec_format(path, encoding="latin-1").index_to_key == ["café"]


def test_damaged_binary_files(tmp_path):
    kv = make_kv(counts=False, dim=4)
    good = tmp_path / "good.bin"
    kv.save_word2vec_format(good, binary=True)
    data = good.read_bytes()
    truncated = tmp_path / "trunc.bin"
    truncated.write_bytes(data[: len(data) - 30])
    with pytest.raises(ModelFileError, match=f"{len(kv)} vectors but the file ends after"):
        load_word2vec_format(truncated, binary=True)
    wrong_dim = tmp_path / "dim.bin"  # header claims 3 dimensions for 4-dimensional records
    wrong_dim.write_bytes(data.replace(b" 4\n", b" 3\n", 1))
    with pytest.raises(ModelFileError, match="dim.bin"):
        load_word2vec_format(wrong_dim, binary=True)
    as_text = tmp_path / "as_text.bin"
    as_text.write_bytes(data)
    with pytest.raises(ModelFileError, match="as_text.bin.*looks binary"):
        load_word2vec_format(as_text, binary=False)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_word2vec_format(tmp_path / "nope.bin")
    with pytest.raises(ModelFileError, match="not a file"):
        load_word2vec_format(tmp_path)


@pytest.mark.parametrize("word", ["new york", "tab\there", "line\nbreak", ""])
def test_unstorable_word_is_refused_and_nothing_is_written(tmp_path, word):
    kv = KeyedVectors(["ok", word], np.ones((2, 2), np.float32))
    path = tmp_path / "v.txt"
    with pytest.raises(ModelFileError, match="whitespace"):
        kv.save_word2vec_format(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_fvocab_needs_counts(tmp_path):
    with pytest.raises(ModelFileError, match="no counts"):
        make_kv(counts=False).save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "c.txt")


def test_binary_vector_whose_bytes_read_as_digits_is_detected(tmp_path):
    """A 1-dimensional binary record can look like a text line; the second one cannot."""
    digits = np.frombuffer(b"1234", dtype="<f4")
    path = tmp_path / "tricky.bin"
    path.write_bytes(
        b"2 1\na " + digits.tobytes() + b"\nb " + np.float32(0.5).astype("<f4").tobytes() + b"\n"
    )
    kv = load_word2vec_format(path)
    assert kv.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(kv.vectors[:, 0], [digits[0], 0.5])
