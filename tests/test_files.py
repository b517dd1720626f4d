import numpy as np
import pytest

from textseq.errors import InputError, ModelFileError
from textseq.files import atomic_dir, atomic_write, load_json, load_npz, save_json, save_npz


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as handle:
            handle.write("half of the new")
            raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left


def test_atomic_dir_replaces_whole_folder(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "b").write_text("2")
            raise RuntimeError
    assert sorted(p.name for p in target.iterdir()) == ["a"]
    with atomic_dir(target) as tmp:
        (tmp / "c").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_npz_and_json_validation(tmp_path):
    path = tmp_path / "w.npz"
    save_npz(path, {"ids": np.arange(3, dtype=np.int32)})
    assert load_npz(path, {"ids": ("i", 1)})["ids"].tolist() == [0, 1, 2]
    with pytest.raises(ModelFileError, match="no array 'w'"):
        load_npz(path, {"w": ("f", 2)})
    with pytest.raises(ModelFileError, match="expected kind 'f'"):
        load_npz(path, {"ids": ("f", 1)})
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ModelFileError, match="corrupt"):
        load_npz(path)
    obj = np.array([{"a": 1}], dtype=object)
    np.savez(tmp_path / "p.npz", obj=obj)
    with pytest.raises(ModelFileError):
        load_npz(tmp_path / "p.npz")  # object arrays would need pickle: refused
    save_json(tmp_path / "c.json", {"x": "ü"})
    assert load_json(tmp_path / "c.json") == {"x": "ü"}
    (tmp_path / "c.json").write_text("{broken")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_json(tmp_path / "c.json")
    with pytest.raises(InputError, match="does not exist"):
        save_json(tmp_path / "nope" / "c.json", {})


def test_outputs_get_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        save_json(tmp_path / "new.json", {})
        assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o644
        with atomic_dir(tmp_path / "model") as tmp:
            (tmp / "a").write_text("1")
        assert (tmp_path / "model").stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(umask)
