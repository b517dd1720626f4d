import os
import subprocess
import sys

import numpy as np
import pytest

from textseq import __version__
from textseq.corpus import Vocab


def test_version_and_help(cli):
    result = cli("--version")
    assert result.code == 0 and result.out.strip() == f"textseq {__version__}"
    result = cli("--help")
    assert result.code == 0 and "build-dict" in result.out and "prepare" in result.out


def every_command() -> list[list[str]]:
    import typer.main

    from textseq.cli.main import app

    found = []
    for name, command in typer.main.get_command(app).commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:  # a group such as `corpora`
            found.extend([name, sub] for sub in subcommands)
        else:
            found.append([name])
    return found


def test_every_command_has_help_with_a_summary_and_examples(cli):
    commands = every_command()
    assert len(commands) >= 15
    for command in commands:
        result = cli(*command, "--help")
        assert result.code == 0, command
        assert "Examples:" in result.out, command
        assert result.out.split("\n\n")[1].strip(), command  # the one-line summary


def test_build_dict_on_builtin_corpus(cli, tmp_path):
    out = tmp_path / "v.tsv"
    result = cli("build-dict", "lee", "-o", out, "--min-count", "5")
    assert result.code == 0, result
    assert "tokens read" in result.out and "60,005" in result.out
    assert "unknown tokens" in result.out and "%" in result.out
    vocab = Vocab.load(out)
    assert vocab.words[:3] == ["<unk>", "<eos>", "the"]
    assert vocab.counts[vocab.num_specials :].min() >= 5


def test_unk_threshold_and_custom_token(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a a a a b b b c\n", encoding="utf-8")
    out = tmp_path / "v.tsv"
    result = cli("build-dict", corpus, "-o", out, "--unk-threshold", "3", "--unk-token", "<???>")
    assert result.code == 0, result
    vocab = Vocab.load(out)
    assert vocab.words == ["<???>", "<eos>", "a"]  # b seen 3 times: unknown
    result = cli("build-dict", corpus, "-o", out, "--unk-threshold", "3", "--min-count", "2")
    assert result.code == 1 and "not both" in result.err


def test_prepare_writes_ids_chunks_and_split(cli, tmp_path):
    vocab = tmp_path / "v.tsv"
    data = tmp_path / "d.npz"
    assert cli("build-dict", "lee", "-o", vocab, "--min-count", "5").code == 0
    result = cli("prepare", "lee", "--vocab", vocab, "--chunk-size", "5", "-o", data)
    assert result.code == 0, result
    with np.load(data, allow_pickle=False) as arrays:
        ids = arrays["ids"]
        assert ids.dtype == np.int32 and len(ids) == 60005
        n = len(ids) - 5
        assert len(arrays["targets_train"]) + len(arrays["targets_test"]) == n
        assert arrays["inputs_train"].shape == (len(arrays["targets_train"]), 5)
        assert np.array_equal(arrays["inputs_test"][0], ids[len(arrays["targets_train"]) :][:5])


def test_prepare_one_hot_small_and_refusal(cli, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat\n", encoding="utf-8")
    vocab = tmp_path / "v.tsv"
    assert cli("build-dict", corpus, "-o", vocab).code == 0
    data = tmp_path / "d.npz"
    result = cli("prepare", corpus, "--vocab", vocab, "--chunk-size", "2", "--one-hot", "-o", data)
    assert result.code == 0, result
    with np.load(data, allow_pickle=False) as arrays:
        assert arrays["x_train"].ndim == 3 and arrays["y_train"].ndim == 2
    big = Vocab.from_counts({f"w{i}": 1 for i in range(20000)})
    big.save(vocab)
    result = cli("prepare", "lee", "--vocab", vocab, "--one-hot", "-o", data)
    assert result.code == 1 and result.error.startswith("error: dense one-hot arrays")
    assert "GB" in result.error and len(result.error.splitlines()) == 1


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file or folder"),
        (lambda p: p.write_text(""), "empty"),
        (lambda p: p.write_text("a b c\n"), "no word is seen at least 2 times"),
        (
            lambda p: p.write_bytes(b"ok\n\xc3\x28 bad\n"),
            "cannot decode byte 0xc3 at byte offset 3",
        ),
        (lambda p: p.write_bytes(b"\x7fELF\x00\x00\x01"), "binary"),
    ],
)
def test_build_dict_errors_are_one_line_and_keep_old_output(cli, tmp_path, make, message):
    corpus = tmp_path / "c.txt"
    make(corpus)
    out = tmp_path / "v.tsv"
    out.write_text("previous content\n")
    result = cli("build-dict", corpus, "-o", out, "--min-count", "2")
    assert result.code == 1
    assert message in result.error and len(result.error.splitlines()) == 1
    assert "Traceback" not in result.err
    assert out.read_text() == "previous content\n"


def test_unwritable_output_and_corrupt_vocab(cli, tmp_path):
    result = cli("build-dict", "lee", "-o", tmp_path / "missing" / "v.tsv")
    assert result.code == 1 and "does not exist" in result.err
    bad = tmp_path / "bad.tsv"
    bad.write_text("#textseq-vocab\t1\nword\tmany\n")
    result = cli("prepare", "lee", "--vocab", bad, "-o", tmp_path / "d.npz")
    assert result.code == 1 and "not a number" in result.err
    assert not (tmp_path / "d.npz").exists()


def test_output_inside_a_file_or_without_permission(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("build-dict", "lee", "-o", blocker / "v.tsv")
    assert result.code == 1 and "is not a folder" in result.error
    # root ignores permission bits, so deny write access the way a normal user meets it
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    result = cli("build-dict", "lee", "-o", tmp_path / "v.tsv")
    assert result.code == 1 and "no write permission" in result.error


def test_real_process_stdin_and_no_traceback(tmp_path):
    out = tmp_path / "v.tsv"
    proc = subprocess.run(
        [sys.executable, "-m", "textseq", "build-dict", "-", "-o", str(out)],
        input=b"one two two\nthree\n",
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert Vocab.load(out).words[2] == "two"
    proc = subprocess.run(
        [sys.executable, "-m", "textseq", "build-dict", str(tmp_path / "nope")],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert proc.stderr.decode().startswith("error: no such file")


def test_default_corpus_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("build-dict", "-o", "v.tsv")
    assert result.code == 1 and "default folder corpora/" in result.error
    (tmp_path / "corpora" / "mine").mkdir(parents=True)
    (tmp_path / "corpora" / "mine" / "a.txt").write_text("my own words\n", encoding="utf-8")
    result = cli("build-dict", "-o", "v.tsv")
    assert result.code == 0, result
    assert Vocab.load(tmp_path / "v.tsv").words[2:] == ["my", "own", "words"]
