"""The CLI end to end on Japanese words and on subword units."""

import json

import pytest

from textseq.modelfolder import ModelFolder

pytest.importorskip("fugashi")
pytest.importorskip("unidic_lite")

JA = [
    "吾輩は猫である。名前はまだ無い。",
    "どこで生れたかとんと見当がつかぬ。",
    "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。",
    "吾輩はここで始めて人間というものを見た。",
]
SMALL = ["--embed", "16", "--hidden", "16", "--batch-size", "4", "--bptt", "8", "--quiet"]


@pytest.fixture
def ja_text(tmp_path):
    path = tmp_path / "ja.txt"
    path.write_text("\n".join(JA * 25) + "\n", encoding="utf-8")
    return path


def _is_japanese(ch):
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or ch in "。、ー"


@pytest.mark.parametrize("subwords", ["0", "120"])
def test_train_generate_predict_with_ja(cli, ja_text, tmp_path, subwords):
    out = tmp_path / "m"
    args = ["train-lm", ja_text, "-o", out, "--tokenizer", "ja", "--subwords", subwords]
    result = cli(*args, "--epochs", "2", *SMALL)
    assert result.code == 0, result
    assert "bits/char" in result.out and "per word" in result.out
    config = json.loads(ModelFolder(out).config.read_text())["model"]
    assert config["tokenizer"] == "ja" and config["subwords"] == int(subwords)
    assert ModelFolder(out).subwords.is_file() == (subwords != "0")
    history = json.loads(ModelFolder(out).history.read_text())
    assert history["epochs"][-1]["valid_bpc"] > 0 and history["test_word_ppl"] > 1

    gen = cli("generate", "--model", out, "--prompt", "吾輩は", "--max-tokens", "12", "--seed", "1")
    assert gen.code == 0, gen
    text = gen.out.strip()
    assert text and " " not in text and "<unk>" not in text and "\u2581" not in text
    assert all(_is_japanese(ch) for ch in text.replace("\n", ""))

    pred = cli("predict", "--model", out, "--prompt", "吾輩は", "--top-k", "3")
    assert pred.code == 0, pred
    assert len(pred.out.strip().splitlines()) == 4


def test_subwords_with_the_default_tokenizer_and_bad_sizes(cli, tmp_path):
    out = tmp_path / "m"
    result = cli("train-lm", "lee", "-o", out, "--subwords", "500", "--epochs", "1", *SMALL)
    assert result.code == 0, result
    assert "subwords)" in result.out
    gen = cli("generate", "--model", out, "--prompt", "The Prime Minister", "--max-tokens", "8")
    assert gen.code == 0 and "\u2581" not in gen.out and "<unk>" not in gen.out
    bad = cli("train-lm", "lee", "-o", tmp_path / "b", "--subwords", "8", *SMALL)
    assert bad.code == 1 and bad.error == "error: subwords must be 0 (words) or at least 16"
    assert not (tmp_path / "b").exists()
