"""Atomic writes and validated loading of the files textseq saves.

Every output is written to a temporary file in the destination folder and renamed over the
target only once complete, so an interrupted run leaves the old file (or nothing) behind,
never half a file. Loading never unpickles: ``.npz`` files are opened with
``allow_pickle=False`` and JSON is plain data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from textseq.errors import InputError, ModelFileError

PathLike = str | os.PathLike


def _check_parent(path: Path, allow_dir: bool = False) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise InputError(f"cannot write {path}: folder {parent} does not exist")
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write {path}: no write permission in {parent}")
    if path.is_dir() and not allow_dir:
        raise InputError(f"cannot write {path}: it is a folder")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, or 0666 less umask.

    (``mkstemp`` makes private 0600 files, which would surprise a user sharing results.)
    """
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    _check_parent(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        os.fchmod(fd, _file_mode(path))
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_json(path: PathLike, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    with atomic_write(path) as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, sort_keys=False)
        handle.write("\n")


def load_json(path: PathLike, what: str = "file") -> Any:
    """Read JSON; a missing or malformed file raises ``ModelFileError`` naming it."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise ModelFileError(f"{what} {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{what} {path} is not valid JSON: {exc}") from None


def save_npz(path: PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays to an uncompressed ``.npz``, atomically."""
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **{name: np.asarray(a) for name, a in arrays.items()})


def load_npz(
    path: PathLike,
    expected: Mapping[str, tuple[str, int]] | None = None,
    what: str = "array file",
) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` without pickle and check the expected ones.

    ``expected`` maps a name to ``(dtype kind, ndim)``, e.g. ``{"ids": ("i", 1)}``; a missing
    array, a wrong kind or a wrong number of dimensions raises ``ModelFileError``.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{what} {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{what} {path} is corrupt or not an .npz file ({exc})") from None
    for name, (kind, ndim) in (expected or {}).items():
        if name not in arrays:
            raise ModelFileError(f"{what} {path} has no array {name!r}")
        arr = arrays[name]
        if arr.dtype.kind != kind or arr.ndim != ndim:
            raise ModelFileError(
                f"{what} {path}: array {name!r} has dtype {arr.dtype} and {arr.ndim} dimensions, "
                f"expected kind {kind!r} with {ndim}"
            )
    return arrays


@contextlib.contextmanager
def atomic_dir(path: PathLike) -> Iterator[Path]:
    """Build a folder under a temporary name; on success it replaces ``path`` whole.

    Used for model folders (config.json + vocab.tsv + weights.npz) so a reader never sees a
    mix of an old and a new model.
    """
    path = Path(path)
    _check_parent(path, allow_dir=True)
    if path.exists() and not path.is_dir():
        raise InputError(f"cannot write model folder {path}: a file of that name exists")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        tmp.chmod(0o777 & ~_umask())
        yield tmp
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
