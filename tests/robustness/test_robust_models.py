"""Bad input thrown at the word2vec and language-model commands: one-line errors, no damage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from textseq.corpus import Corpus
from textseq.errors import ModelFileError, OptionError, TextseqError
from textseq.lm import RNNLM, LMConfig, TrainConfig, train_lm
from textseq.word2vec import KeyedVectors, Word2Vec, load_word2vec_format

from .test_robust_corpus import assert_clean_failure

TEXT = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 20


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm") / "model"
    train_lm(
        [line.split() for line in TEXT],
        LMConfig(cell="gru", embed=8, hidden=12),
        TrainConfig(epochs=1, batch_size=2, bptt=5),
        out_dir=folder,
        progress=False,
    )
    return folder


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("w2v") / "vectors.bin"
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, progress=False)
    model.train([line.split() for line in TEXT])
    model.wv.save_word2vec_format(path, binary=True)
    return path


def copy_model(src, dst):
    dst.mkdir()
    for item in src.iterdir():
        if item.is_file():
            (dst / item.name).write_bytes(item.read_bytes())
    return dst


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--dim", "0"], "--dim must be"),
        (["--window", "0"], "--window must be"),
        (["--negative", "0"], "negative"),
        (["--epochs", "0"], "epochs"),
        (["--sample", "-1"], "sample"),
        (["--alpha", "-0.1"], "alpha"),
        (["--min-count", "100000"], "100000"),
    ],
)
def test_train_w2v_bad_options(cli, tmp_path, args, fragment):
    out = tmp_path / "v.bin"
    out.write_bytes(b"old")
    result = cli("train-w2v", "lee", "-o", out, "--quiet", *args)
    assert_clean_failure(result, fragment)
    assert out.read_bytes() == b"old"


def test_train_w2v_bad_corpora_and_outputs(cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_clean_failure(cli("train-w2v", empty, "-o", tmp_path / "v.bin", "--quiet"), "empty")
    assert_clean_failure(cli("train-w2v", tmp_path / "nope", "-o", tmp_path / "v.bin"))
    result = cli("train-w2v", "lee", "-o", tmp_path / "missing" / "v.bin", "--quiet")
    assert_clean_failure(result, "does not exist")


@pytest.mark.parametrize(
    "damage, fragment",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), ""),
        (lambda p: p.write_bytes(b""), ""),
        (lambda p: p.write_bytes(b"\x00\x01garbage" * 10), ""),
        (lambda p: p.write_text("3 4\nthe 1 2 3\n"), ""),
        (lambda p: p.write_text("x y\n"), ""),
    ],
)
def test_damaged_vector_files(cli, tmp_path, vectors_file, damage, fragment):
    path = tmp_path / "v.bin"
    path.write_bytes(vectors_file.read_bytes())
    damage(path)
    assert_clean_failure(cli("similar", "cat", "--vectors", path), fragment)
    with pytest.raises(ModelFileError):
        load_word2vec_format(path)


def test_queries_on_unknown_and_empty_input(cli, vectors_file):
    assert_clean_failure(cli("similar", "kat", "--vectors", vectors_file), "'kat'", "cat")
    assert_clean_failure(cli("analogy", "cat", "dog", "zebra", "--vectors", vectors_file), "zebra")
    assert_clean_failure(cli("similar", "cat", "--vectors", vectors_file.parent / "none.bin"))
    kv = load_word2vec_format(vectors_file)
    with pytest.raises(KeyError):
        kv.most_similar("🙂")
    with pytest.raises(OptionError):
        kv.most_similar(positive=[], negative=[])
    assert isinstance(kv, KeyedVectors)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--cell", "transformer"], "cell"),
        (["--hidden", "0"], "hidden"),
        (["--dropout", "1.5"], "dropout"),
        (["--split", "0.5,0.6,0.1"], "split"),
        (["--split", "abc"], "split"),
        (["--lr", "-1"], "learning rate"),
        (["--optimizer", "lbfgs"], "optimizer"),
        (["--tie", "--embed", "8", "--hidden", "12"], "tying"),
        (["--batch-size", "100000"], "batch"),
    ],
)
def test_train_lm_bad_options(cli, tmp_path, args, fragment):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(TEXT) + "\n")
    result = cli("train-lm", corpus, "-o", tmp_path / "m", "--no-progress", "--epochs", "1", *args)
    assert_clean_failure(result, fragment)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--temperature", "-1"], "temperature"),
        (["--strategy", "beam", "--beam-width", "0"], "beam"),
        (["--strategy", "sample", "--top-p", "0"], "top-p"),
        (["--strategy", "sample", "--top-p", "1.5"], "top-p"),
        (["--strategy", "sample", "--top-k", "0"], "top-k"),
        (["--strategy", "magic"], "strategy"),
        (["--max-tokens", "-3"], "max-tokens"),
    ],
)
def test_generate_bad_options(cli, lm_dir, args, fragment):
    assert_clean_failure(cli("generate", "--model", lm_dir, "--prompt", "the cat", *args), fragment)


def test_prompts_empty_unknown_and_very_long(cli, lm_dir):
    result = cli("generate", "--model", lm_dir, "--prompt", "", "--max-tokens", "3")
    assert result.code == 0, result
    result = cli("predict", "--model", lm_dir, "--prompt", "zebra giraffe okapi")
    assert result.code == 0 and "zebra" in result.err  # warned about the unknown words
    long_prompt = " ".join(["the cat sat on the mat"] * 1700)  # about 10k words
    result = cli("predict", "--model", lm_dir, "--prompt", long_prompt, "--top-k", "3")
    assert result.code == 0, result
    model = RNNLM.load(lm_dir)
    words = [w for w, _ in model.predict_next(long_prompt, top_k=3)]
    assert words and all(w in model.vocab_ for w in words)


@pytest.mark.parametrize(
    "damage, fragment",
    [
        (lambda d: (d / "config.json").unlink(), "config"),
        (lambda d: (d / "weights.npz").unlink(), "weights"),
        (lambda d: (d / "config.json").write_text("{not json"), "JSON"),
        (lambda d: (d / "weights.npz").write_bytes((d / "weights.npz").read_bytes()[:100]), ""),
        (
            lambda d: (d / "vocab.tsv").write_text(
                "#textseq-vocab\t1\n<unk>\t1\tspecial:unk\n<eos>\t1\tspecial:eos\nthe\t3\n"
            ),
            "vocab",
        ),
        (lambda d: (d / "vocab.tsv").write_text("garbage"), "vocab"),
    ],
)
def test_damaged_model_folders(cli, tmp_path, lm_dir, damage, fragment):
    folder = copy_model(lm_dir, tmp_path / "model")
    damage(folder)
    assert_clean_failure(cli("predict", "--model", folder, "--prompt", "the"), fragment)
    with pytest.raises(TextseqError):
        RNNLM.load(folder)


def test_wrong_version_and_mismatched_shapes(cli, tmp_path, lm_dir):
    folder = copy_model(lm_dir, tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["version"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    assert_clean_failure(cli("predict", "--model", folder, "--prompt", "the"), "version")
    folder = copy_model(lm_dir, tmp_path / "model2")
    with np.load(folder / "weights.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    name = max(arrays, key=lambda k: arrays[k].size)
    arrays[name] = arrays[name][:-1]
    np.savez(folder / "weights.npz", **arrays)
    assert_clean_failure(cli("predict", "--model", folder, "--prompt", "the"), name)
    assert_clean_failure(cli("predict", "--model", tmp_path / "none", "--prompt", "the"))


def test_killed_training_never_leaves_a_broken_vectors_file(tmp_path, vectors_file):
    out = tmp_path / "vectors.bin"
    out.write_bytes(vectors_file.read_bytes())
    old = out.read_bytes()
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "textseq",
                "train-w2v",
                "lee",
                "-o",
                str(out),
                "--quiet",
                "--epochs",
                "3",
                "--dim",
                "20",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        data = out.read_bytes()
        if data != old:  # the run finished before the kill: then the file is whole
            assert len(load_word2vec_format(out)) > 100
        else:
            assert len(load_word2vec_format(out)) == len(load_word2vec_format(vectors_file))


def test_corpus_with_one_word_for_the_lm():
    with pytest.raises(TextseqError):
        train_lm(
            Corpus.from_texts(["word"]),
            LMConfig(embed=4, hidden=4),
            TrainConfig(epochs=1),
            progress=False,
        )
