"""The typed training history reads and writes the model folder's JSON key for key."""

from __future__ import annotations

import copy
import json

import pytest

from textseq.errors import ModelFileError
from textseq.lm import RNNLM, LMConfig, TrainConfig, TrainingHistory, train_lm
from textseq.lm.checkpoint import read_state
from textseq.lm.history import EpochRecord, Scores
from textseq.modelfolder import ModelFolder
from textseq.plotting import training_curves

TEXT = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
CONFIG = LMConfig(cell="gru", embed=8, hidden=12, seed=5)
# 16 streams and 10 evaluation streams: every product has more than ``kernels.SMALL_ROWS``
# rows, so it runs in BLAS and the figures are bit for bit those of the untyped history's code
TRAIN = TrainConfig(epochs=2, batch_size=16, bptt=6, threads=1)

# history.json of a folder trained with CONFIG and TRAIN on TEXT before the history was typed
# (its figures those of Adam computing in float32, which came later)
SAVED = {
    "epochs": [
        {"epoch": 1, "train_loss": 2.7059290147660366, "train_ppl": 14.96821592684576,
         "valid_loss": 2.692392335373837, "valid_ppl": 14.76696122016937, "valid_acc": 0.1,
         "valid_acc5": 0.52, "tokens_per_s": 902.9079690369074, "seconds": 0.513895120999905,
         "lr": 0.002},
        {"epoch": 2, "train_loss": 2.6846138241547037, "train_ppl": 14.65254182981533,
         "valid_loss": 2.6739339706238887, "valid_ppl": 14.496887491468476, "valid_acc": 0.22,
         "valid_acc5": 0.7, "tokens_per_s": 232513.85561109148, "seconds": 0.0019955800000843738,
         "lr": 0.002},
    ],
    "best_epoch": 2,
    "best_valid_ppl": 14.496887491468476,
    "lr": 0.002,
    "bad_epochs": 0,
    "stopped": "completed",
    "train": {"mode": "stream", "bptt": 6, "chunk_size": 5, "batch_size": 16,
              "eval_batch_size": 10, "epochs": 2, "lr": 0.002, "optimizer": "adam", "clip": 5.0,
              "lr_decay": 0.5, "patience": 3, "min_count": 1, "max_size": None,
              "split": [0.8, 0.1, 0.1], "seed": 0, "threads": 1, "share_threads": False,
              "adapt_threads": True},
    "data": {"train_tokens": 480, "valid_tokens": 60, "test_tokens": 60, "vocab_size": 15,
             "train_crc32": 719302499},
    "test_loss": 2.676750756596638,
    "test_ppl": 14.537779686045491,
    "test_acc": 0.2,
    "test_acc5": 0.6,
}  # fmt: skip


UNIT_KEYS = (
    "valid_word_ppl",
    "valid_bpc",
    "valid_units",
    "test_units",
    "test_word_ppl",
    "test_bpc",
)


def _without_timings(history: dict) -> dict:
    """Without the timings, and without the figures in units of the text (newer than SAVED)."""
    out = copy.deepcopy(history)
    for epoch in out["epochs"]:
        del epoch["tokens_per_s"], epoch["seconds"]
    for part in [out, out["data"], *out["epochs"]]:
        for key in UNIT_KEYS:
            part.pop(key, None)
    return out


def test_a_saved_history_round_trips_key_for_key_and_in_order():
    history = TrainingHistory.from_dict(SAVED)
    assert history.epochs[1] == EpochRecord(**SAVED["epochs"][1])
    assert history.train == TRAIN.validate()
    assert history.test == Scores(2.676750756596638, 14.537779686045491, 0.2, 0.6)
    assert history.data.train_crc32 == 719302499
    again = history.to_dict()
    assert again == SAVED
    assert json.dumps(again) == json.dumps(SAVED)  # the same keys in the same order


def test_a_running_history_has_no_test_keys_until_the_test_is_scored():
    running = {k: v for k, v in SAVED.items() if not k.startswith("test_")}
    running["stopped"] = None
    history = TrainingHistory.from_dict(running)
    assert history.test is None and history.stopped is None
    assert history.to_dict() == running
    # an empty test part is scored as "nothing": the keys are there, with nulls
    history.test = Scores()
    assert {k: history.to_dict()[k] for k in ("test_loss", "test_ppl")} == {
        "test_loss": None,
        "test_ppl": None,
    }


def test_training_writes_the_same_history_as_before(tmp_path):
    model, history = train_lm(TEXT, CONFIG, TRAIN, out_dir=tmp_path / "m", progress=False)
    written = json.loads(ModelFolder(tmp_path / "m").history.read_text())
    assert _without_timings(written) == _without_timings(SAVED)
    assert json.dumps(list(_without_timings(written))) == json.dumps(list(SAVED))
    # a word-level model's perplexity per word is its perplexity per token
    assert written["test_word_ppl"] == pytest.approx(written["test_ppl"])
    assert written["epochs"][-1]["valid_word_ppl"] == pytest.approx(
        written["epochs"][-1]["valid_ppl"]
    )
    assert 0 < written["test_bpc"] < written["test_loss"]
    assert history.to_dict() == written and model.history_ is history
    state = read_state(ModelFolder(tmp_path / "m"))
    assert state.history == history


def test_a_folder_saved_before_loads_plots_and_resumes(tmp_path):
    folder = ModelFolder(tmp_path / "m")
    train_lm(TEXT, CONFIG, TRAIN, out_dir=folder.path, progress=False)
    folder.history.write_text(json.dumps(SAVED, indent=2))
    model = RNNLM.load(folder.path)
    assert model.history_ == TrainingHistory.from_dict(SAVED)
    curves, title = training_curves(folder.path)
    assert curves == {
        "training loss": [2.7059290147660366, 2.6846138241547037],
        "validation perplexity": [14.76696122016937, 14.496887491468476],
    }
    assert title == "GRU language model: m"
    _, resumed = train_lm(
        TEXT, train=TrainConfig(epochs=3, threads=1), out_dir=folder.path, progress=False,
        resume=True,
    )  # fmt: skip
    assert [e.epoch for e in resumed.epochs] == [1, 2, 3] and resumed.stopped == "completed"


def test_an_untrained_model_has_an_empty_history_and_writes_none(tmp_path):
    model = RNNLM(CONFIG).init(RNNLM.load(_trained(tmp_path)).vocab_)
    assert model.history_.is_empty and model.history_ == TrainingHistory()
    model.save(tmp_path / "fresh")
    assert not ModelFolder(tmp_path / "fresh").history.exists()
    assert RNNLM.load(tmp_path / "fresh").history_ == TrainingHistory()


def _trained(tmp_path):
    train_lm(TEXT, CONFIG, TrainConfig(epochs=1, batch_size=4, bptt=6), out_dir=tmp_path / "t",
             progress=False)  # fmt: skip
    return tmp_path / "t"


@pytest.mark.parametrize(
    "damage",
    [
        lambda h: h.pop("epochs"),
        lambda h: h["epochs"][0].pop("valid_ppl"),
        lambda h: h["epochs"][0].update(extra=1),
        lambda h: h["train"].update(warp=9),
        lambda h: h.update(data=[1, 2]),
    ],
)
def test_a_damaged_history_fails_clearly(tmp_path, damage):
    folder = _trained(tmp_path)
    saved = json.loads(ModelFolder(folder).history.read_text())
    damage(saved)
    ModelFolder(folder).history.write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match="history.json is incomplete or corrupt"):
        RNNLM.load(folder)
    with pytest.raises(ModelFileError, match="incomplete or corrupt"):
        TrainingHistory.from_dict(saved)


def test_a_damaged_checkpoint_state_fails_clearly(tmp_path):
    folder = ModelFolder(_trained(tmp_path))
    state = json.loads(folder.checkpoint_state.read_text())
    del state["history"]["data"]
    folder.checkpoint_state.write_text(json.dumps(state))
    with pytest.raises(ModelFileError, match="checkpoint in .* is incomplete or corrupt"):
        train_lm(TEXT, train=TrainConfig(epochs=2), out_dir=folder.path, progress=False,
                 resume=True)  # fmt: skip


def test_too_small_names_the_held_out_parts_under_the_threshold():
    from textseq.lm.history import FEW_TOKENS, DataSummary

    summary = DataSummary(5000, 8, FEW_TOKENS, 100, 0)
    assert summary.too_small() == ["validation"]
    assert DataSummary(5000, 0, 0, 100, 0).too_small() == []
