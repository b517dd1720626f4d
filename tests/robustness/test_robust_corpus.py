"""Bad input thrown at the corpus commands and functions: clear errors, nothing damaged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from textseq.corpus import Corpus, Vocab, encode_corpus, tokenize
from textseq.errors import InputError, TextseqError, VocabError


def assert_clean_failure(result, *fragments):
    assert result.code != 0, result
    assert "Traceback" not in result.err
    assert len(result.error.splitlines()) == 1, result.err
    for fragment in fragments:
        assert fragment in result.error, result.err


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty"),
        (b"\n\n   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\xe9 latin-1\n", "byte offset 3"),
        (b"\xff\xfe\x00\x00", "binary"),
    ],
)
def test_bad_corpus_files(cli, tmp_path, content, fragment):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    out = tmp_path / "v.tsv"
    out.write_text("keep me")
    assert_clean_failure(cli("build-dict", path, "-o", out), fragment)
    assert out.read_text() == "keep me"
    assert_clean_failure(cli("prepare", path, "--vocab", out, "-o", tmp_path / "d.npz"))


def test_a_50_mb_line_is_read(cli, tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("x" * 50_000_000 + " short words here\n")
    result = cli("build-dict", path, "-o", tmp_path / "v.tsv")
    assert result.code == 0, result
    assert "x" * 50_000_000 in Vocab.load(tmp_path / "v.tsv")


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("", "not a textseq vocabulary"),
        ("#textseq-vocab\t2\na\t1\n", "not a textseq vocabulary"),  # another version
        ("#textseq-vocab\t1\n<unk>\t1\tspecial:unk\nthe\t5\nof", "truncated"),
        ("#textseq-vocab\t1\nthe\t-3\n", "not a number"),
    ],
)
def test_damaged_vocab_files(cli, tmp_path, content, fragment):
    vocab = tmp_path / "v.tsv"
    vocab.write_text(content, encoding="utf-8")
    assert_clean_failure(
        cli("prepare", "lee", "--vocab", vocab, "-o", tmp_path / "d.npz"), fragment
    )
    with pytest.raises(VocabError):
        Vocab.load(vocab)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["build-dict", "lee", "--min-count", "0"], "min_count must be at least 1"),
        (["build-dict", "lee", "--max-size", "2"], "max_size"),
        (["build-dict", "lee", "--tokenizer", "nope"], "unknown tokenizer"),
        (["build-dict", "lee", "--errors", "nope"], "--errors"),
        (["build-dict", "lee", "--encoding", "nope"], "unknown text encoding"),
        (["build-dict", "lee", "--unk-token", "a\tb"], "tab"),
        (["build-dict", "lee", "--unk-token", "x", "--eos-token", "x"], "must differ"),
        (["prepare", "lee", "--vocab", "missing.tsv"], "does not exist"),
        (["prepare", "lee", "--split", "1.5"], "train share"),
    ],
)
def test_bad_option_values(cli, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    if args[0] == "prepare" and "missing.tsv" not in args:
        assert cli("build-dict", "lee", "-o", "vocab.tsv").code == 0
    assert_clean_failure(cli(*args), fragment)


def test_usage_errors_exit_2_without_traceback(cli):
    result = cli("build-dict", "--no-such-option")
    assert result.code == 2 and "Traceback" not in result.err
    result = cli("prepare", "--chunk-size", "0")
    assert result.code == 2 and "Traceback" not in result.err


@pytest.mark.parametrize(
    "text",
    ["tab\tseparated", "nul\x00byte", "שלום עולם", "مرحبا", "emoji 🙂 text 👍🏽", "a\u202eb"],
)
def test_strange_text_goes_through_the_pipeline(text, tmp_path):
    corpus = Corpus.from_texts([text, "plain words"])
    vocab = Vocab.build(corpus)
    encoded = encode_corpus(corpus, vocab)
    assert vocab.decode(encoded.ids) == [t for line in corpus for t in line]
    vocab.save(tmp_path / "v.tsv")
    assert Vocab.load(tmp_path / "v.tsv").words == vocab.words
    assert tokenize("שלום עולם") == ["שלום", "עולם"]


@pytest.mark.parametrize("word", ["tab\there", "new\nline", "nul\x00ok"])
def test_words_with_control_characters_in_vocab(word, tmp_path):
    if "\x00" in word:  # NUL is storable in UTF-8 TSV and must round-trip
        vocab = Vocab.from_counts({word: 2, "b": 1})
        vocab.save(tmp_path / "v.tsv")
        assert word in Vocab.load(tmp_path / "v.tsv")
    else:
        with pytest.raises(VocabError, match="cannot store"):
            Vocab.from_counts({word: 2, "b": 1})


def test_missing_folder_and_every_error_is_a_textseq_error(tmp_path):
    with pytest.raises(InputError):
        Corpus(tmp_path / "missing")
    with pytest.raises(TextseqError):
        Vocab.build(Corpus.from_texts(["", "  "]))


SLOW_WRITER = """
import sys, time
from textseq.files import atomic_write
with atomic_write(sys.argv[1]) as handle:
    for i in range(10_000):
        handle.write("new content line %d\\n" % i)
        handle.flush()
        if i == 10:
            print("started", flush=True)
        time.sleep(0.001)
"""


def test_killed_during_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "model.txt"
    target.write_text("old model\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == "old model\n"
