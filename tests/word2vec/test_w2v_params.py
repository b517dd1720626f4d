"""Word2VecParams, the one source of the settings: defaults, checks, the estimator's
attributes and signature, model folders, the command line's options, the comparison's list."""

import inspect
import json
import math
from dataclasses import FrozenInstanceError, fields

import numpy as np
import pytest

from textseq.errors import ModelFileError, OptionError
from textseq.word2vec import Word2Vec, Word2VecParams
from textseq.word2vec.params import DEFAULTS, GENSIM_NAMES, NAMES, RUN_NAMES

GENSIM_DEFAULTS = dict(  # but the learning rate: CBOW's schedule is 0.075 to 0.005
    vector_size=100, window=5, min_count=5, sg=0, negative=5, ns_exponent=0.75, sample=1e-3,
    alpha=0.075, min_alpha=0.005, epochs=5, cbow_mean=1, seed=1, workers=None,
    max_vocab_size=None, max_final_vocab=None,
)  # fmt: skip


def test_defaults_are_gensims_and_every_reader_sees_them():
    assert {name: getattr(DEFAULTS, name) for name in GENSIM_DEFAULTS} == GENSIM_DEFAULTS
    assert DEFAULTS.compute_loss is True and DEFAULTS.shared_negatives is True
    assert NAMES == tuple(f.name for f in fields(Word2VecParams))
    model = Word2Vec()
    assert model.params == DEFAULTS and model.get_params() == DEFAULTS.to_dict()
    for name in NAMES:
        assert getattr(model, name) == getattr(DEFAULTS, name)


def test_the_settings_gensim_gets_are_gensim_parameters():
    from gensim.models import Word2Vec as GensimWord2Vec

    gensim_params = inspect.signature(GensimWord2Vec).parameters
    assert set(GENSIM_NAMES) <= set(gensim_params)
    assert set(NAMES) - set(GENSIM_NAMES) == {"compute_loss", "shared_negatives"}
    for name in GENSIM_NAMES:  # gensim's own defaults, except where textseq's differ
        if name not in ("workers", "alpha", "min_alpha"):  # gensim: 3 threads, 0.025 to 0.0001
            assert gensim_params[name].default == getattr(DEFAULTS, name), name


def test_run_settings_are_the_ones_a_continued_model_takes():
    assert set(RUN_NAMES) == {"epochs", "alpha", "min_alpha", "workers", "seed"}


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"vector_size": 0}, "vector_size must be an integer >= 1"),
        ({"window": 2.5}, "window must be an integer"),
        ({"min_count": True}, "min_count must be an integer"),  # a bool is no count
        ({"epochs": 0}, "epochs"),
        ({"negative": -1}, "negative"),
        ({"sg": 2}, "sg must be 0 (CBOW) or 1 (skip-gram), got 2"),
        ({"shared_negatives": "yes"}, "shared_negatives must be True or False"),
        ({"cbow_mean": 3}, "cbow_mean must be 0 (sum) or 1 (mean)"),
        ({"sample": -0.1}, "sample must be >= 0"),
        ({"sample": math.nan}, "sample must be >= 0"),
        ({"alpha": 0.0}, "need alpha > 0"),
        ({"alpha": 0.01, "min_alpha": 0.02}, "0 <= min_alpha <= alpha"),
        ({"ns_exponent": math.inf}, "ns_exponent must be a finite number"),
        ({"workers": 0}, "workers must be an integer >= 1"),
        ({"max_vocab_size": 0}, "max_vocab_size"),
        ({"max_final_vocab": 0}, "max_final_vocab"),
        ({"seed": -1}, "seed must be a non-negative integer"),
    ],
)
def test_a_bad_value_is_refused_by_name_wherever_it_is_given(changes, fragment):
    with pytest.raises(OptionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Word2VecParams(**changes)
    with pytest.raises(OptionError):
        DEFAULTS.replace(**changes)
    with pytest.raises(OptionError):
        Word2Vec(**changes)


def test_accepted_values_include_numpy_scalars_and_no_settings_at_all():
    params = Word2VecParams(vector_size=np.int64(8), seed=np.uint32(3), shared_negatives=np.True_)
    assert params.vector_size == 8 and params.seed == 3
    assert Word2VecParams(workers=None, max_final_vocab=None).workers is None


def test_params_are_frozen_and_attribute_writes_replace_them_with_a_checked_copy():
    model = Word2Vec(window=3)
    before = model.params
    with pytest.raises(FrozenInstanceError):
        before.window = 4
    model.window = 7  # as gensim users write it
    assert model.window == 7 and model.params.window == 7 and before.window == 3
    with pytest.raises(OptionError, match="window"):
        model.window = 0
    assert model.window == 7  # a refused value leaves the settings as they were
    with pytest.raises(TypeError):
        Word2Vec(windw=3)  # a misspelt setting is no setting


def test_the_signature_shows_every_setting_as_a_keyword_with_its_default():
    params = inspect.signature(Word2Vec).parameters
    assert list(params)[:1] == ["sentences"]
    for name in NAMES:
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
        # the rates' defaults are None: the architecture's schedule (params.DEFAULT_SCHEDULE)
        want = None if name in ("alpha", "min_alpha") else getattr(DEFAULTS, name)
        assert params[name].default == want
    assert {"progress", "callbacks", "tokenizer"} <= set(params)
    assert Word2Vec.window.__doc__ == "Largest distance to a context word."


def _saved(tmp_path):
    sentences = [["x", "y", "z", "x", "y"]] * 10
    model = Word2Vec(min_count=1, vector_size=4, epochs=1, workers=1, seed=7, progress=False)
    model.train(sentences).save(tmp_path / "m")
    return model, tmp_path / "m" / "config.json"


def test_a_model_folder_stores_every_setting_and_an_older_one_loads(tmp_path):
    model, config_path = _saved(tmp_path)
    config = json.loads(config_path.read_text())
    assert (
        config["params"]
        == DEFAULTS.replace(min_count=1, vector_size=4, epochs=1, workers=1, seed=7).to_dict()
    )
    # a folder written before a setting existed: the setting takes its default
    for newer in ("shared_negatives", "compute_loss"):
        del config["params"][newer]
    config_path.write_text(json.dumps(config))
    loaded = Word2Vec.load(tmp_path / "m")
    assert loaded.params == model.params
    np.testing.assert_array_equal(loaded.vectors_, model.vectors_)


def test_loading_refuses_unknown_and_bad_settings(tmp_path):
    _, config_path = _saved(tmp_path)
    config = json.loads(config_path.read_text())
    config["params"]["hs"] = 1
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"unknown settings \['hs'\]"):
        Word2Vec.load(tmp_path / "m")
    del config["params"]["hs"]
    config["params"]["window"] = 0
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="config.json: window must be"):
        Word2Vec.load(tmp_path / "m")
    config["params"]["window"] = 5
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="epochs must be"):
        Word2Vec.load(tmp_path / "m", epochs=0)  # an override is checked as well


# ---- the command line ------------------------------------------------------------------------
def test_every_setting_marked_for_the_command_line_is_an_option_with_its_help_and_default(cli):
    from textseq.cli.w2v_train import compare_command, flag, train_command

    offered = [f for f in fields(Word2VecParams) if f.metadata["cli"]]
    assert {f.name for f in offered} == set(NAMES) - {"ns_exponent", "max_vocab_size",
                                                      "compute_loss"}  # fmt: skip
    for command in (train_command, compare_command):
        params = inspect.signature(command).parameters
        for f in offered:
            default = params[f.name].default
            assert (
                default == f.default
                and type(default) is type(f.default)
                or ("/" in f.metadata["flag"] and default is bool(f.default))
            ), f.name
    help_text = " ".join(cli("train-w2v", "--help").out.split())
    for f in offered:
        assert flag(f.name) in help_text
        assert " ".join(f.metadata["help"].split()) in help_text
    assert (
        flag("vector_size") == "--dim" and flag("sg") == "--sg" and flag("workers") == "--threads"
    )
    assert flag("save_model") == "--save-model"


def test_switches_give_a_zero_one_setting_its_type(cli, tmp_path):
    folder = tmp_path / "m"
    args = ["train-w2v", "lee", "-o", tmp_path / "v.bin", "--quiet", "--dim", "8", "--epochs",
            "1", "--threads", "1", "--sg", "--cbow-sum", "--save-model", folder]  # fmt: skip
    assert cli(*args).code == 0
    params = json.loads((folder / "config.json").read_text())["params"]
    assert params["sg"] == 1 and params["cbow_mean"] == 0 and params["vector_size"] == 8
    assert type(params["sg"]) is int and type(params["cbow_mean"]) is int
    assert params["workers"] == 1 and params["shared_negatives"] is True


def test_compare_takes_any_setting_and_gives_gensim_the_ones_it_shares():
    from textseq.word2vec.compare import _params

    params = _params({"sg": 1, "shared_negatives": False, "compute_loss": False, "workers": 1})
    assert params.shared_negatives is False and params.compute_loss is False
    assert _params({}).workers >= 1  # every core Numba may use
    with pytest.raises(OptionError, match="unknown settings"):
        _params({"hs": 1})


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--threads", "0"], "error: --threads must be an integer >= 1, got 0"),
     (["--dim", "0"], "error: --dim must be an integer >= 1, got 0"),
     (["--sample", "-1"], "error: --sample must be >= 0, got -1.0")],
)  # fmt: skip
def test_a_bad_setting_on_the_command_line_is_named_by_its_flag(cli, tmp_path, args, message):
    out = tmp_path / "v.bin"
    result = cli("train-w2v", "lee", "-o", out, *args)
    assert result.code == 1
    assert result.error == message
    assert not out.exists()
