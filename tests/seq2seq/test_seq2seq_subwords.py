"""Sequence-to-sequence models on subword units: one subword model shared by both sides,
saved in the model folder, reading inputs and joining outputs; the CLI's ``--subwords``."""

from __future__ import annotations

import json
import random

import pytest

from textseq.cli.main import main
from textseq.corpus.subwords import WORD_START, SubwordTokenizer
from textseq.errors import ModelFileError, OptionError
from textseq.seq2seq import Seq2Seq, Seq2SeqConfig, Seq2SeqTrainConfig, train_seq2seq
from textseq.seq2seq.data import prepare_pairs

pytest.importorskip("sentencepiece")

WORDS = {
    "cat": "chat",
    "dog": "chien",
    "house": "maison",
    "green": "vert",
    "small": "petit",
    "water": "eau",
    "bread": "pain",
    "apple": "pomme",
    "black": "noir",
    "white": "blanc",
}


def word_pairs(n: int = 300, seed: int = 0) -> list[tuple[str, str]]:
    """Word-for-word translations of one to three words."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        words = rng.sample(sorted(WORDS), rng.randint(1, 3))
        pairs.append((" ".join(words), " ".join(WORDS[w] for w in words)))
    return pairs


CONFIG = Seq2SeqConfig(
    source_tokenizer="unicode", target_tokenizer="unicode", subwords=40, embed=16, hidden=32
)
TRAIN = Seq2SeqTrainConfig(epochs=20, batch_size=16, lr=1e-2, split=(0.8, 0.1, 0.1))


@pytest.fixture(scope="module")
def model():
    trained, _ = train_seq2seq(word_pairs(), CONFIG, TRAIN, progress=False)
    return trained


def test_pieces_are_the_vocabularies_and_no_word_is_unknown(model):
    assert isinstance(model.subwords_, SubwordTokenizer)
    assert model.source_tokenizer_.name == "subwords(unicode)"
    pieces = set(model.subwords_.pieces())
    for vocab in (model.source_vocab_, model.target_vocab_):
        assert set(vocab.words[vocab.num_specials :]) <= pieces
    # "maison" never appears as a whole word of the vocabularies: it is cut into pieces
    assert "maison" not in model.target_vocab_ and "▁maison" not in model.target_vocab_
    data = prepare_pairs(word_pairs(), CONFIG, TRAIN)
    for part in (data.train, data.valid, data.test):
        for i in range(len(part)):
            assert model.source_vocab_.unk_id not in part.src[i, : part.src_len[i]]
            assert model.target_vocab_.unk_id not in part.tgt[i, : part.tgt_len[i]]


def test_learns_and_outputs_merged_words_without_unk(model):
    right = 0
    for src, tgt in word_pairs(40, seed=1):
        result = model.translate(src)
        assert "<unk>" not in result.best.tokens
        assert WORD_START not in result.text
        assert result.text == model.target_tokenizer_.detokenize(result.best.tokens)
        right += result.text == tgt
    assert right >= 20, right
    # a word never seen, with a character never seen: the output still has no <unk>
    with pytest.warns(UserWarning, match="read as <unk>"):
        strange = model.translate("zébra cat", strategy="beam", n_best=2)
    assert all("<unk>" not in h.tokens for h in strange.hypotheses)


def test_save_load_keeps_the_subword_model(model, tmp_path):
    out = tmp_path / "m"
    model.save(out)
    assert (out / "subwords.model").read_bytes() == model.subwords_.model_bytes
    assert json.loads((out / "config.json").read_text())["model"]["subwords"] == 40
    loaded = Seq2Seq.load(out)
    for text in ("small black dog", "Green, WATER!", "houses"):
        assert loaded.source_tokenizer_.tokenize(text) == model.source_tokenizer_.tokenize(text)
        assert loaded.translate(text).best.tokens == model.translate(text).best.tokens
    (out / "subwords.model").unlink()
    with pytest.raises(ModelFileError, match="subword model"):
        Seq2Seq.load(out)


def test_sides_keep_their_own_word_tokenizer():
    config = Seq2SeqConfig(
        source_tokenizer="unicode", target_tokenizer="ascii", subwords=40, embed=8, hidden=8
    )
    train = Seq2SeqTrainConfig(epochs=1, batch_size=32)
    pairs = [(f"Ça {s}", f"{t} ca") for s, t in word_pairs(60)]
    model, _ = train_seq2seq(pairs, config, train, progress=False)
    src, tgt = model.source_tokenizer_, model.target_tokenizer_
    assert src.base.name == "unicode" and tgt.base.name == "ascii"
    assert src.model_bytes == tgt.model_bytes  # one model shared by both sides
    assert src.tokenize("ça")[0] != tgt.tokenize("ça")[0]  # ascii drops the cedilla


def test_subwords_need_words_and_a_size():
    with pytest.raises(OptionError, match="at least 16"):
        Seq2SeqConfig(source_tokenizer="unicode", target_tokenizer="unicode", subwords=3).validate()
    with pytest.raises(OptionError, match="char tokenizer"):
        Seq2SeqConfig(subwords=100).validate()
    with pytest.raises(OptionError, match="too small for this text"):
        prepare_pairs(word_pairs(), Seq2SeqConfig(**{**CONFIG.__dict__, "subwords": 17}), TRAIN)


def test_subword_model_only_with_subwords(model):
    with pytest.raises(ValueError, match="subword model"):
        Seq2Seq(CONFIG).init(model.source_vocab_, model.target_vocab_)


SMALL = ["--embed", "8", "--hidden", "12", "--batch-size", "16", "--no-progress"]


def test_cli_train_translate_evaluate_resume(tmp_path, capsys):
    pairs, out = tmp_path / "pairs.tsv", tmp_path / "model"
    pairs.write_text("".join(f"{s}\t{t}\n" for s, t in word_pairs(120)), encoding="utf-8")
    args = ["train-seq2seq", str(pairs), "-o", str(out), "--subwords", "40", *SMALL]
    assert main([*args, "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "target subwords)" in printed
    model = Seq2Seq.load(out)
    assert model.config.source_tokenizer == "unicode" and model.config.subwords == 40
    assert (out / "subwords.model").is_file()

    assert main(["translate", "-m", str(out), "small dog", "white bread"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [model.translate(t).text for t in ("small dog", "white bread")]
    assert not any(WORD_START in line or "<unk>" in line for line in lines)

    assert main(["translate", "-m", str(out), "--evaluate", str(pairs)]) == 0
    assert "120 pairs: exact match" in capsys.readouterr().out

    assert main([*args, "--epochs", "2", "--resume"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert Seq2Seq.load(out).subwords_.model_bytes == model.subwords_.model_bytes


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--subwords", "3"], "at least 16"),
        (["--subwords", "-5"], "at least 16"),
        (["--subwords", "17"], "too small for this text"),
        (["--subwords", "40", "--tokenizer", "char"], "char tokenizer"),
    ],
)
def test_cli_bad_subwords_give_one_error_line(tmp_path, capsys, extra, message):
    pairs, out = tmp_path / "pairs.tsv", tmp_path / "model"
    pairs.write_text("".join(f"{s}\t{t}\n" for s, t in word_pairs(50)), encoding="utf-8")
    code = main(["train-seq2seq", str(pairs), "-o", str(out), *extra, *SMALL])
    captured = capsys.readouterr()
    assert code != 0
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error:") and message in errors[0]
    assert captured.out == "" and not out.exists()


def test_japanese_target_joins_without_spaces(tmp_path):
    pytest.importorskip("fugashi")
    pytest.importorskip("unidic_lite")
    ja = ["吾輩は猫である", "名前はまだ無い", "猫は水が好きだ", "名前は吾輩である"]
    en = ["i am a cat", "no name yet", "the cat likes water", "the name is me"]
    config = Seq2SeqConfig(
        source_tokenizer="unicode", target_tokenizer="ja", subwords=50, embed=8, hidden=8
    )
    model, _ = train_seq2seq(
        list(zip(en, ja)) * 10, config, Seq2SeqTrainConfig(epochs=1), progress=False
    )
    model.save(tmp_path / "m")
    loaded = Seq2Seq.load(tmp_path / "m")
    tgt = loaded.target_tokenizer_
    assert tgt.base.name == "ja" and loaded.source_tokenizer_.base.name == "unicode"
    for sentence in ja:
        pieces = tgt.tokenize(sentence)
        assert pieces == model.target_tokenizer_.tokenize(sentence)
        assert tgt.detokenize(pieces) == sentence
    out = loaded.translate("the cat", max_tokens=8)
    assert out.text == tgt.detokenize(out.best.tokens) and " " not in out.text
