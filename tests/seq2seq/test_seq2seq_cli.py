"""The seq2seq commands end to end, and their one-line errors."""

from __future__ import annotations

import io
import json

import pytest

from textseq.cli.main import main
from textseq.seq2seq.model import Seq2Seq

SMALL = ["--embed", "8", "--hidden", "12", "--batch-size", "16", "--no-progress"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A dates model trained for one epoch through the command line."""
    root = tmp_path_factory.mktemp("s2s")
    pairs, out = root / "dates.tsv", root / "model"
    assert main(["datasets", "make", "dates", "-o", str(pairs), "--size", "200"]) == 0
    assert main(["train-seq2seq", str(pairs), "-o", str(out), "--epochs", "1", *SMALL]) == 0
    return root, pairs, out


def test_datasets_make_writes_seeded_pairs(tmp_path, capsys):
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    args = ["datasets", "make", "reverse", "--size", "30", "--seed", "4", "--max-length", "5"]
    assert main([*args, "-o", str(a)]) == 0 and main([*args, "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30 and all(len(line.split("\t")[0].split()) <= 5 for line in lines)
    assert "wrote" in capsys.readouterr().out


def test_train_prints_epochs_and_writes_the_folder(trained, capsys):
    _, _, out = trained
    for name in ("config.json", "source_vocab.tsv", "target_vocab.tsv", "weights.npz"):
        assert (out / name).is_file()
    hist = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in hist["epochs"]] == [1]
    assert 0 <= hist["test"]["exact"] <= 1
    model = Seq2Seq.load(out)
    assert model.config.attention == "general" and model.config.hidden == 12


def test_train_output_table(tmp_path, capsys):
    out = tmp_path / "m"
    args = ["train-seq2seq", "addition", "--size", "100", "-o", str(out), "--epochs", "2"]
    assert main([*args, *SMALL, "--attention", "additive", "--cell", "lstm"]) == 0
    printed = capsys.readouterr().out
    assert "exact" in printed and "tok acc" in printed and "valid ppl" in printed
    assert "best epoch" in printed and "test exact" in printed
    assert main([*args[:-1], "3", *SMALL, "--resume"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert len(json.loads((out / "history.json").read_text())["epochs"]) == 3


def test_translate_texts_file_stdin_and_beam(trained, capsys, monkeypatch):
    root, _, out = trained
    assert main(["translate", "-m", str(out), "September 27, 1994", "1/2/2003"]) == 0
    two = capsys.readouterr().out.splitlines()
    assert len(two) == 2
    inputs = root / "in.txt"
    inputs.write_text("September 27, 1994\n\n1/2/2003\n", encoding="utf-8")
    assert main(["translate", "-m", str(out), "--file", str(inputs)]) == 0
    assert capsys.readouterr().out.splitlines() == two
    monkeypatch.setattr("sys.stdin", io.StringIO("September 27, 1994\n"))
    assert main(["translate", "-m", str(out), "--file", "-"]) == 0
    assert capsys.readouterr().out.splitlines() == two[:1]
    args = ["translate", "-m", str(out), "27 sep 94", "--strategy", "beam", "--n-best", "3"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "27 sep 94" and len(lines) == 4


def test_translate_evaluate(trained, capsys):
    _, pairs, out = trained
    assert main(["translate", "-m", str(out), "--evaluate", str(pairs)]) == 0
    printed = capsys.readouterr().out
    assert "200 pairs: exact match" in printed and "token accuracy" in printed
    assert main(["translate", "-m", str(out), "--evaluate", "dates", "--size", "20"]) == 0
    assert "20 pairs" in capsys.readouterr().out


def test_plot_attention(trained, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    _, _, out = trained
    png = tmp_path / "att.png"
    assert main(["plot-attention", "-m", str(out), "september 27, 1994", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_errors_are_one_line(tmp_path, trained, capsys):
    _, pairs, out = trained
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nno tab\n", encoding="utf-8")
    target = tmp_path / "never"
    assert main(["train-seq2seq", str(bad), "-o", str(target), *SMALL]) == 1
    assert "bad.tsv line 2" in error_line(capsys)
    assert not target.exists()
    assert main(["train-seq2seq", str(tmp_path / "missing.tsv"), "-o", str(target)]) == 1
    assert "does not exist" in error_line(capsys)
    cases = [
        (["train-seq2seq", "dates", "-o", str(target), "--attention", "luong"], "attention"),
        (["train-seq2seq", "dates", "-o", str(target), "--attention", "dot"], "dot attention"),
        (["train-seq2seq", "dates", "-o", str(target), "--tokenizer", "nope"], "tokenizer"),
        (["train-seq2seq", "dates", "-o", str(target), "--split", "1,2"], "--split"),
        (["train-seq2seq", "dates", "-o", str(target), "--resume"], "--resume"),
        (["translate", "-m", str(tmp_path / "none"), "x"], "does not exist"),
        (["translate", "-m", str(out)], "nothing to translate"),
        (["translate", "-m", str(out), "x", "--strategy", "best"], "strategy"),
        (["translate", "-m", str(out), "x", "--n-best", "2"], "n-best"),
        (["translate", "-m", str(out), "x", "--evaluate", str(pairs)], "--evaluate"),
        (["translate", "-m", str(out), "--evaluate", str(bad)], "line 2"),
        (["translate", "-m", str(out), "--file", str(tmp_path / "no.txt")], "does not exist"),
        (["translate", "-m", str(out), "   "], "no tokens"),
        (["datasets", "make", "sorting", "-o", str(tmp_path / "s.tsv")], "unknown task"),
        (["datasets", "make", "dates", "-o", str(tmp_path / "s.tsv"), "--size", "0"], "size"),
        (
            ["datasets", "make", "dates", "-o", str(tmp_path / "s.tsv"), "--max-length", "3"],
            "reverse",
        ),
    ]
    for args, words in cases:
        assert main(args) == 1, args
        assert words in error_line(capsys), args
    assert not target.exists() and not (tmp_path / "s.tsv").exists()


def test_plot_training_reads_a_seq2seq_folder(trained, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    _, _, out = trained
    png = tmp_path / "curves.png"
    assert main(["plot-training", str(out), "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_train_reads_pairs_from_stdin(tmp_path, monkeypatch, capsys):
    text = "".join(f"{a}+{b}\t{a + b}\n" for a in range(12) for b in range(12))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    out = tmp_path / "m"
    assert main(["train-seq2seq", "-", "-o", str(out), "--epochs", "1", *SMALL]) == 0
    assert Seq2Seq.load(out).history_.data.train_pairs == round(0.9 * 144)


def test_a_model_without_attention_translates_but_has_nothing_to_plot(tmp_path, capsys):
    out = tmp_path / "plain"
    args = ["train-seq2seq", "addition", "--size", "80", "-o", str(out), "--epochs", "1"]
    assert main([*args, *SMALL, "--attention", "none", "--unidirectional"]) == 0
    capsys.readouterr()
    assert main(["translate", "-m", str(out), "1+2"]) == 0
    assert capsys.readouterr().out.strip()
    assert main(["plot-attention", "-m", str(out), "1+2", "-o", str(tmp_path / "a.png")]) == 1
    assert "without attention" in error_line(capsys)
    assert not (tmp_path / "a.png").exists()
