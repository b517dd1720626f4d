"""Language models on subword units: no <unk>, saved tokenizer, comparable perplexities."""

import json
import warnings

import pytest

from textseq.corpus import Corpus
from textseq.datasets import corpus_path
from textseq.lm.config import LMConfig
from textseq.lm.model import RNNLM
from textseq.lm.train_config import TrainConfig
from textseq.lm.trainer import train_lm
from textseq.modelfolder import ModelFolder

LINES = corpus_path("lee").read_text(encoding="utf-8").splitlines()[:120]
CONFIG = LMConfig(embed=16, hidden=16, subwords=300)
TRAIN = TrainConfig(epochs=1, batch_size=8, bptt=10, threads=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm") / "model"
    model, history = train_lm(
        Corpus.from_texts(LINES), CONFIG, TRAIN, out_dir=folder, progress=False
    )
    return model, history, folder


def test_the_training_text_has_no_unknown_piece_and_generation_no_unk(trained):
    model, _, _ = trained
    vocab = model.vocab_
    assert vocab.counts[vocab.unk_id] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a prompt of unseen words is not unknown either
        tokens = model.tokenize("the zyxxqian prime minister")
        result = model.generate(
            "the zyxxqian prime minister", max_tokens=60, strategy="sample", seed=3,
            allow_unk=True, stop_at_eos=False,
        )  # fmt: skip
    assert "<unk>" not in tokens and len(tokens) > 4
    assert "<unk>" not in result.tokens
    # the text is the pieces merged into words, with no word-start marks left
    assert "\u2581" not in result.text
    assert (
        result.text.replace("\n", " ").split()
        == model.detokenize([t for t in result.tokens if t != "<eos>"]).split()
    )


def test_the_model_folder_keeps_its_tokenizer(trained):
    model, _, folder = trained
    assert ModelFolder(folder).subwords.is_file()
    config = json.loads(ModelFolder(folder).config.read_text())["model"]
    assert config["subwords"] == 300 and config["tokenizer"] == "unicode"
    loaded = RNNLM.load(folder)
    prompt = "The Prime Minister said unbelievable things"
    assert loaded.tokenize(prompt) == model.tokenize(prompt)
    a = loaded.generate("the prime minister", max_tokens=10, strategy="argmax")
    b = model.generate("the prime minister", max_tokens=10, strategy="argmax")
    assert a.tokens == b.tokens and a.text == b.text


def test_a_missing_subword_file_is_a_model_file_error(trained, tmp_path):
    import shutil

    from textseq.errors import ModelFileError

    _, _, folder = trained
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    ModelFolder(copy).subwords.unlink()
    with pytest.raises(ModelFileError, match="subword model .* is missing"):
        RNNLM.load(copy)


def test_per_word_figures_are_measured_on_the_same_text_as_a_word_model(trained):
    _, history, _ = trained
    _, words = train_lm(
        Corpus.from_texts(LINES), LMConfig(embed=16, hidden=16), TRAIN, progress=False
    )
    # the same lines and words, whatever the tokens
    assert history.data.valid_units == words.data.valid_units
    assert history.data.test_units == words.data.test_units
    assert history.data.valid_tokens > words.data.valid_tokens  # more pieces than words
    record = history.epochs[-1]
    n_tokens, (n_words, n_chars) = history.data.valid_tokens, history.data.valid_units
    assert record.valid_word_ppl == pytest.approx(record.valid_ppl ** (n_tokens / n_words))
    assert record.valid_bpc == pytest.approx(
        record.valid_loss * n_tokens / n_chars / 0.693147, rel=1e-5
    )
    word_record = words.epochs[-1]
    assert word_record.valid_word_ppl == pytest.approx(word_record.valid_ppl)


def test_resume_keeps_the_subword_model(trained, tmp_path):
    import shutil

    _, _, folder = trained
    copy = tmp_path / "resume"
    shutil.copytree(folder, copy)
    before = ModelFolder(copy).subwords.read_bytes()
    model, history = train_lm(
        Corpus.from_texts(LINES), CONFIG, TrainConfig(epochs=2, batch_size=8, bptt=10, threads=1),
        out_dir=copy, progress=False, resume=True,
    )  # fmt: skip
    assert len(history.epochs) == 2
    assert ModelFolder(copy).subwords.read_bytes() == before
