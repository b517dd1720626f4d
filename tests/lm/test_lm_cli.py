"""``textseq train-lm`` end to end, and its one-line errors."""

from __future__ import annotations

import json

import pytest

from textseq.cli.main import main
from textseq.lm import RNNLM

TEXT = "the cat sat on the mat\na dog ran in the park\nthe cat ran to the dog\n" * 20

SMALL = ["--embed", "8", "--hidden", "8", "--batch-size", "4", "--bptt", "6", "--no-progress"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_train_lm_end_to_end_then_resume(tmp_path, corpus, capsys):
    out = tmp_path / "model"
    args = ["train-lm", str(corpus), "-o", str(out), "--cell", "gru", "--epochs", "2", *SMALL]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "valid ppl" in printed and "tokens/s" in printed and "test ppl" in printed
    for name in ("config.json", "vocab.tsv", "weights.npz", "history.json"):
        assert (out / name).is_file()
    hist = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in hist["epochs"]] == [1, 2]
    assert all(k in hist["epochs"][0] for k in ("train_loss", "valid_ppl", "tokens_per_s"))
    assert hist["test_ppl"] > 1 and 0 <= hist["test_acc"] <= 1
    model = RNNLM.load(out)
    assert model.config.cell == "gru" and model.vocab_size == len(model.vocab_.words)

    assert main([*args[: -len(SMALL) - 2], "--epochs", "3", *SMALL, "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "resuming" in printed
    assert len(json.loads((out / "history.json").read_text())["epochs"]) == 3


def test_window_mode_and_tied_weights(tmp_path, corpus, capsys):
    out = tmp_path / "m"
    args = [
        "train-lm",
        str(corpus),
        "-o",
        str(out),
        "--mode",
        "window",
        "--chunk-size",
        "3",
        "--tie",
        "--epochs",
        "1",
        "--cell",
        "rnn",
        *SMALL,
    ]
    assert main(args) == 0
    assert RNNLM.load(out).config.tie


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--tie", "--embed", "8", "--hidden", "16"], "weight tying needs"),
        (["--cell", "transformer"], "cell must be one of"),
        (["--split", "0.8,0.3,0.1"], "split must be"),
        (["--split", "a,b"], "--split must be three numbers"),
        (["--lr", "-1"], "learning rate must be positive"),
        (["--dropout", "1.5"], "dropout must be in"),
        (["--mode", "sideways"], "mode must be stream or window"),
        (["--optimizer", "rmsprop"], "optimizer must be adam or sgd"),
        (["--resume"], "holds no checkpoint"),
        (["--batch-size", "500"], "too few for 500 streams"),
    ],
)
def test_train_lm_option_errors(tmp_path, corpus, capsys, extra, message):
    args = ["train-lm", str(corpus), "-o", str(tmp_path / "m"), "--epochs", "1", *SMALL]
    code = main(args + extra)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_train_lm_missing_corpus(tmp_path, capsys):
    code = main(["train-lm", str(tmp_path / "none.txt"), "-o", str(tmp_path / "m"), *SMALL])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err


def test_share_threads_option_trains_in_the_two_task_mode(tmp_path, corpus, overlapped_windows):
    from textseq.threads import set_threads

    calls = overlapped_windows
    out = tmp_path / "m"
    args = ["train-lm", str(corpus), "-o", str(out), "--epochs", "1", "--threads", "2", *SMALL]
    try:
        assert main([*args, "--share-threads"]) == 0
        shared = len(calls)
        assert json.loads((out / "history.json").read_text())["train"]["share_threads"] is True
        assert main([*args[:3], str(tmp_path / "plain"), *args[4:]]) == 0
        assert len(calls) == shared  # the plain run did not take that path
        # like --threads, the option comes from the resuming call, not the saved run
        assert main([*args[:5], "2", *args[6:], "--resume"]) == 0
    finally:
        set_threads(1)  # the other tests run on one thread
    assert shared > 0 and len(calls) == shared
    hist = json.loads((out / "history.json").read_text())
    assert len(hist["epochs"]) == 2 and hist["train"]["share_threads"] is False
