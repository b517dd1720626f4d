"""``textseq predict`` and ``textseq generate`` end to end, and their one-line errors."""

from __future__ import annotations

import shutil

import pytest

SENTENCE = "the quick brown fox jumps over the lazy dog"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A GRU trained to near-zero loss on one repeated sentence, saved as a folder."""
    from textseq.lm import LMConfig, TrainConfig, train_lm

    folder = tmp_path_factory.mktemp("lm") / "model"
    config = LMConfig(cell="gru", embed=16, hidden=32, seed=1)
    train = TrainConfig(bptt=10, batch_size=4, epochs=15, lr=1e-2, split=(1.0, 0.0, 0.0), threads=1)
    train_lm([SENTENCE.split()] * 60, config, train, out_dir=folder, progress=False)
    return folder


def test_predict_prints_a_ranked_table(cli, model_dir):
    result = cli("predict", "--model", model_dir, "--prompt", "the quick brown", "--top-k", "3")
    assert result.code == 0, result
    lines = result.out.strip().splitlines()
    assert lines[0].split() == ["rank", "word", "probability"] and len(lines) == 4
    rank, word, prob = lines[1].split()
    assert (rank, word) == ("1", "fox") and float(prob) > 0.9
    probs = [float(line.split()[2]) for line in lines[1:]]
    assert probs == sorted(probs, reverse=True)


def test_generate_argmax_beam_and_sample(cli, model_dir):
    result = cli("generate", "--model", model_dir, "--prompt", "the quick")
    assert result.code == 0, result
    assert result.out.strip() == "brown fox jumps over the lazy dog"
    result = cli("generate", "-m", model_dir, "--strategy", "beam", "--n-best", "3")
    assert result.code == 0, result
    lines = result.out.strip().splitlines()
    assert lines[0].split() == ["rank", "logprob", "score", "text"] and len(lines) == 4
    assert lines[1].split(None, 3)[3] == SENTENCE
    runs = [
        cli("generate", "-m", model_dir, "-p", "the", "-s", "sample", "--temperature", "3",
            "--seed", "4", "--max-tokens", "12").out
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] == runs[1] and runs[0].strip()
    result = cli("generate", "-m", model_dir, "-p", "the quick", "-s", "sample", "--min-p", "1")
    assert result.code == 0, result  # only the best word at each step: the argmax text
    assert result.out.strip() == "brown fox jumps over the lazy dog"
    result = cli("generate", "-m", model_dir, "-p", "the quick", "--max-tokens", "12",
                 "--through-eos", "--no-repeat-ngram", "2")  # fmt: skip
    assert result.code == 0, result
    lines = result.out.rstrip("\n").split("\n")  # <eos> inside the output: a line break
    assert lines[0] == "brown fox jumps over the lazy dog" and len(lines) == 2
    assert len(result.out.split()) == 11 and "the quick" not in lines[1]  # bigram banned


def test_unknown_prompt_words_give_a_warning_line(cli, model_dir):
    result = cli("predict", "--model", model_dir, "--prompt", "the zebra")
    assert result.code == 0
    assert "warning: prompt words not in the vocabulary, read as <unk>: zebra" in result.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--temperature", "-1"], "temperature must be"),
        (["--strategy", "beam", "--beam-width", "0"], "beam width"),
        (["--top-p", "1.5"], "top-p must be in (0, 1]"),
        (["--top-p", "0"], "top-p must be in (0, 1]"),
        (["--min-p", "2"], "min-p must be in (0, 1]"),
        (["--top-k", "0"], "top-k"),
        (["--max-tokens", "-1"], "max-tokens"),
        (["--strategy", "greedy"], "strategy must be one of"),
        (["--repetition-penalty", "0"], "repetition penalty"),
        (["--strategy", "beam", "--beam-width", "2", "--n-best", "3"], "n-best"),
    ],
)
def test_bad_generate_options_give_one_line_errors(cli, model_dir, args, message):
    result = cli("generate", "--model", model_dir, "--prompt", "the", *args)
    assert result.code == 1, result
    assert result.error.startswith("error: ") and message in result.error
    assert "Traceback" not in result.err and len(result.error.splitlines()) == 1


def test_bad_topk_gives_one_line_error(cli, model_dir):
    result = cli("predict", "--model", model_dir, "--top-k", "0")
    assert result.code == 1 and "top-k" in result.error


@pytest.mark.parametrize("damage", ["missing", "no-config", "bad-json", "bad-weights", "vocab"])
def test_missing_or_corrupt_model_folders_give_one_line_errors(cli, model_dir, tmp_path, damage):
    folder = tmp_path / "copy"
    shutil.copytree(model_dir, folder)
    if damage == "missing":
        shutil.rmtree(folder)
    elif damage == "no-config":
        (folder / "config.json").unlink()
    elif damage == "bad-json":
        (folder / "config.json").write_text("{not json", encoding="utf-8")
    elif damage == "bad-weights":
        (folder / "weights.npz").write_bytes(b"garbage")
    elif damage == "vocab":  # one word fewer than the weights were trained with
        lines = (folder / "vocab.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "vocab.tsv").write_text("".join(lines[:-1]), encoding="utf-8")
    for command in ("predict", "generate"):
        result = cli(command, "--model", folder, "--prompt", "the")
        assert result.code == 1, result
        assert result.error.startswith("error: ") and len(result.error.splitlines()) == 1
        assert "Traceback" not in result.err
    if damage == "vocab":
        assert "vocabulary size mismatch" in result.error


def test_help_has_examples(cli):
    for command in ("predict", "generate"):
        result = cli(command, "--help")
        assert result.code == 0 and "Examples:" in result.out and "--model" in result.out


def test_generate_and_the_cli_take_their_defaults_from_the_decoding_options():
    import dataclasses
    import inspect

    from textseq.cli.lm_generate import generate_command
    from textseq.decoding import DecodingOptions
    from textseq.lm.model import RNNLM
    from textseq.lm.textgen import generate

    options = DecodingOptions()
    library = inspect.signature(generate).parameters
    cli = inspect.signature(generate_command).parameters
    cli_name = {"no_repeat_ngram_size": "no_repeat_ngram"}
    for f in dataclasses.fields(DecodingOptions):
        assert library[f.name].default == getattr(options, f.name), f.name
        if f.name != "seed":  # the command line seeds 0, so that a run repeats itself
            assert cli[cli_name.get(f.name, f.name)].default == getattr(options, f.name), f.name
    assert RNNLM.generate is generate
