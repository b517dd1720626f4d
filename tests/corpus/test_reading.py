import bz2
import gzip
import io
import sys

import pytest

from textseq.corpus import Corpus, open_corpus
from textseq.errors import InputError, OptionError


def test_file_folder_glob_and_compressed(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("One two\n\nthree\n", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("four\n", encoding="utf-8")
    (tmp_path / "skip.md").write_text("never\n", encoding="utf-8")
    assert list(Corpus(tmp_path)) == [["one", "two"], ["three"], ["four"]]
    assert list(Corpus(tmp_path, glob="*.md")) == [["never"]]
    with gzip.open(tmp_path / "c.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write("gz line\n")
    with bz2.open(tmp_path / "d.bz2", "wt", encoding="utf-8") as handle:
        handle.write("bz line\n")
    assert list(Corpus([tmp_path / "c.txt.gz", tmp_path / "d.bz2"])) == [
        ["gz", "line"],
        ["bz", "line"],
    ]


def test_corpus_is_reiterable_and_streams_again(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x y\n", encoding="utf-8")
    corpus = Corpus(path)
    assert list(corpus) == list(corpus) == [["x", "y"]]
    path.write_text("z\n", encoding="utf-8")  # not cached: the next pass reads the file again
    assert list(corpus) == [["z"]]


def test_stdin_is_kept_for_later_passes(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(b"a b\nc\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    corpus = Corpus("-")
    assert list(corpus) == [["a", "b"], ["c"]]
    assert list(corpus) == [["a", "b"], ["c"]]


def test_builtin_corpus_by_name():
    first = next(iter(Corpus("lee")))
    assert first[:4] == ["hundreds", "of", "people", "have"]


def test_undecodable_bytes_name_file_and_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nbad \xff here\n")
    with pytest.raises(InputError, match=r"bad.txt: cannot decode byte 0xff at byte offset 14"):
        list(Corpus(path))
    assert list(Corpus(path, errors="replace")) == [["good", "line"], ["bad", "here"]]


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "bin.txt"
    path.write_bytes(b"ab\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        list(Corpus(path))


def test_other_encodings(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("café crème\n".encode("latin-1"))
    assert list(Corpus(path, encoding="latin-1")) == [["café", "crème"]]
    wide = tmp_path / "wide.txt"
    wide.write_bytes("uno dos\ntres\n".encode("utf-16"))
    assert list(Corpus(wide, encoding="utf-16")) == [["uno", "dos"], ["tres"]]
    with pytest.raises(OptionError, match="unknown text encoding"):
        list(Corpus(path, encoding="klingon"))


def test_missing_paths_and_empty_folders(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        Corpus(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="no files matching"):
        Corpus(tmp_path)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match="compressed"):
        list(Corpus(path))


def test_open_corpus_accepts_lists_and_refuses_one_shot_iterators():
    data = [["a", "b"], ["c"]]
    assert open_corpus(data) is data
    assert isinstance(open_corpus("lee"), Corpus)
    with pytest.raises(OptionError, match="re-iterable"):
        open_corpus(iter(data))
