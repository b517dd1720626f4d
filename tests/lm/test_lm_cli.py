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
        fixed = [*args[:3], str(tmp_path / "plain"), *args[4:], "--no-adapt-threads"]
        assert main(fixed) == 0
        assert len(calls) == shared  # the run on BLAS's own threads did not take that path
        # like --threads, the option comes from the resuming call, not the saved run
        assert main([*args[:5], "2", *args[6:], "--resume", "--no-adapt-threads"]) == 0
    finally:
        set_threads(1)  # the other tests run on one thread
    assert shared > 0 and len(calls) == shared
    hist = json.loads((out / "history.json").read_text())
    assert len(hist["epochs"]) == 2 and hist["train"]["share_threads"] is False


def test_resume_keeps_the_interrupted_runs_own_epoch_count(tmp_path, corpus, cli):
    """A run started with 3 epochs and interrupted after the first resumes to 3, not to the
    default; an explicit --epochs still sets the count."""
    from textseq.lm import LMConfig, TrainConfig, train_lm

    out = tmp_path / "m"

    def interrupt(rec):
        raise KeyboardInterrupt

    train_lm(
        str(corpus),
        LMConfig(embed=8, hidden=8),
        TrainConfig(epochs=3, batch_size=4, bptt=6, threads=1),
        out_dir=out,
        progress=False,
        on_epoch=interrupt,
    )
    assert len(json.loads((out / "history.json").read_text())["epochs"]) == 1
    result = cli("train-lm", corpus, "-o", out, "--resume", "--no-progress", "--threads", "1")
    assert result.code == 0, result
    assert "1 of 3 epochs done" in result.out
    assert len(json.loads((out / "history.json").read_text())["epochs"]) == 3
    result = cli("train-lm", corpus, "-o", out, "--resume", "--epochs", "4", "--no-progress")
    assert result.code == 0 and "3 of 4 epochs done" in result.out
    assert len(json.loads((out / "history.json").read_text())["epochs"]) == 4


def test_empty_corpus_errors_before_the_table_header(tmp_path, cli):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = cli("train-lm", empty, "-o", tmp_path / "m", *SMALL)
    assert result.code == 1 and "empty" in result.error
    assert result.out == ""  # no header, no half a table


def test_the_bar_and_the_table_name_training_and_validation_figures(tmp_path, corpus, cli):
    out = tmp_path / "m"
    result = cli("train-lm", corpus, "-o", out, "--epochs", "1", "--threads", "1", *SMALL)
    header = result.out.splitlines()[0].split()
    assert header[:7] == ["epoch", "train", "loss", "train", "ppl", "valid", "ppl"]
    row = result.out.splitlines()[1].split()
    rec = json.loads((out / "history.json").read_text())["epochs"][0]
    assert row[1] == f"{rec['train_loss']:.4f}" and row[2] == f"{rec['train_ppl']:.2f}"


def test_the_bars_last_figures_are_the_epoch_records(monkeypatch, corpus):
    """The bar names its running figures "train loss", "train ppl" and "tokens/s", and
    its last values are the epoch's record as the table prints it."""
    from textseq.lm import LMConfig, TrainConfig, train_lm
    from textseq.lm import trainer as trainer_module

    postfixes = []
    real = trainer_module.tqdm

    def recording_tqdm(*args, **kwargs):
        bar = real(*args, **{**kwargs, "disable": True})
        bar.set_postfix = lambda figures, refresh=True: postfixes.append(dict(figures))
        return bar

    monkeypatch.setattr(trainer_module, "tqdm", recording_tqdm)
    _, history = train_lm(
        str(corpus),
        LMConfig(embed=8, hidden=8),
        TrainConfig(epochs=1, batch_size=4, bptt=6, threads=1),
        progress=True,
    )
    rec = history.epochs[0]
    assert postfixes[-1] == {
        "train loss": f"{rec.train_loss:.4f}",
        "train ppl": f"{rec.train_ppl:.2f}",
        "tokens/s": f"{rec.tokens_per_s:,.0f}",
    }


def test_seed_with_several_threads_says_once_that_runs_differ(tmp_path, corpus, cli):
    from textseq.threads import set_threads

    args = ["train-lm", corpus, "-o", tmp_path / "m", "--epochs", "1", *SMALL, "--seed", "3"]
    try:
        several = cli(*args, "--threads", "2")
    finally:
        set_threads(1)
    assert several.code == 0
    seed_note = "so --seed does not repeat it bit for bit; --threads 1 does"
    assert several.err.count(seed_note) == 1
    one = cli(*args, "--threads", "1")
    assert one.code == 0 and seed_note not in one.err
    help_text = " ".join(cli("train-lm", "--help").out.split())
    assert "Only a run on one thread (--threads 1) repeats bit for bit" in help_text


def test_a_small_validation_or_test_part_is_said_to_mean_little(tmp_path, corpus, cli):
    args = ["train-lm", corpus, "-o", tmp_path / "m", "--epochs", "1", "--threads", "1", *SMALL]
    result = cli(*args)
    assert result.code == 0
    note = next(ln for ln in result.err.splitlines() if ln.startswith("note:"))
    assert "the validation part has" in note and "the test part has" in note
    assert "too few for the perplexity and accuracy on them to mean much" in note
    assert "note:" not in cli(*args, "--split", "1,0,0").err  # nothing held out: no figures
