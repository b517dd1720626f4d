import json

import pytest

from textseq.errors import ModelFileError
from textseq.modelfolder import ModelFolder


def test_paths_name_the_layout(tmp_path):
    folder = ModelFolder(tmp_path / "m")
    assert folder.config == tmp_path / "m" / "config.json"
    assert folder.vocab.name == "vocab.tsv" and folder.weights.name == "weights.npz"
    assert folder.history.name == "history.json"
    assert folder.checkpoint_state == tmp_path / "m" / "checkpoint" / "state.json"
    assert folder.checkpoint_weights.parent == folder.checkpoint
    assert not folder.has_checkpoint()


def test_writing_replaces_the_folder_whole(tmp_path):
    folder = ModelFolder(tmp_path / "m")
    folder.path.mkdir()
    (folder.path / "old.txt").write_text("old")
    with folder.writing() as tmp:
        assert tmp.path != folder.path
        tmp.config.write_text(json.dumps({"format": "f", "version": 1}))
    assert not (folder.path / "old.txt").exists()
    assert folder.read_config("f", 1, "test model") == {"format": "f", "version": 1}


def test_a_failed_write_keeps_the_old_folder(tmp_path):
    folder = ModelFolder(tmp_path / "m")
    folder.path.mkdir()
    (folder.path / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), folder.writing():
        raise RuntimeError("stop")
    assert (folder.path / "old.txt").read_text() == "old"


@pytest.mark.parametrize(
    ("config", "message"),
    [({"format": "other", "version": 1}, "is not a textseq test model folder"),
     ({"format": "f", "version": 9}, "format version 9")],
)  # fmt: skip
def test_read_config_names_what_does_not_match(tmp_path, config, message):
    folder = ModelFolder(tmp_path)
    folder.config.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=message):
        folder.read_config("f", 1, "test model")


def test_read_config_of_a_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        ModelFolder(tmp_path / "nope").read_config("f", 1, "test model")
