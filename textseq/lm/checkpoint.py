"""Checkpoints of a training run, in the model folder (``textseq.modelfolder``).

After every epoch the whole folder is rewritten atomically: the best model so far (config,
vocabulary, best weights, history) and the checkpoint: the last epoch's weights, the
optimizer's arrays and a state file with the history, the optimizer's scalars and the
random generator's state (arrays and JSON, no pickle). Restoring all three continues the
run bit for bit; Ctrl-C or a crash leaves the last complete checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textseq.errors import ModelFileError, OptionError
from textseq.files import load_json, load_npz, save_json, save_npz
from textseq.lm.history import TrainingHistory
from textseq.modelfolder import ModelFolder


@dataclass
class CheckpointState:
    """What the checkpoint's state file holds."""

    history: TrainingHistory  # or the history class of the trainer that saved it
    optimizer: dict  # the optimizer's scalars (``state_dict``), its name among them
    rng: dict  # the state of the generator of dropout masks and window order


def save_checkpoint(
    folder: ModelFolder,
    model,
    best_weights: dict[str, np.ndarray] | None,
    optimizer,
    rng: np.random.Generator,
) -> None:
    """Rewrite ``folder``: ``model`` (an ``RNNLM`` or a ``Seq2Seq``) with ``best_weights``
    (its own weights when None) and its history, and the checkpoint of its current state."""
    scalars, arrays = optimizer.state_dict()
    state = {
        "history": model.history_.to_dict(),
        "optimizer": scalars,
        "rng": rng.bit_generator.state,
    }
    with folder.writing() as tmp:
        model.write_files(tmp, weights=best_weights)
        tmp.checkpoint.mkdir()
        save_npz(tmp.checkpoint_weights, model.get_weights())
        save_npz(tmp.checkpoint_optimizer, arrays)
        save_json(tmp.checkpoint_state, state)


def read_state(folder: ModelFolder, history_class=TrainingHistory) -> CheckpointState:
    """The checkpoint's state file, its history read by ``history_class`` (the sequence
    model's trainer passes its own); a missing, partial or corrupt one raises
    ``ModelFileError``."""
    state = load_json(folder.checkpoint_state, what="checkpoint state")
    where = f"checkpoint in {folder.checkpoint}"
    try:
        history = history_class.from_dict(state["history"], where=where)
        missing = [name for name in ("train", "data") if getattr(history, name) is None]
        if missing:
            raise KeyError(missing[0])
        return CheckpointState(history, dict(state["optimizer"]), state["rng"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{where} is incomplete or corrupt ({exc})") from None


def restore(
    folder: ModelFolder, state: CheckpointState, model, optimizer, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Put the checkpoint's weights into ``model``, its state into ``optimizer`` (which must
    be of the same kind) and ``rng``; returns the best weights so far (the folder's own weights)."""
    try:
        weights = load_npz(folder.checkpoint_weights, what="checkpoint weights")
        model.set_weights(weights)
        arrays = load_npz(folder.checkpoint_optimizer, what="optimizer state")
        if state.optimizer["name"] != optimizer.name:
            raise ModelFileError(
                f"the checkpoint was trained with {state.optimizer['name']}, not {optimizer.name}"
            )
        params = [p for _, p, _ in model.named_parameters()]
        optimizer.load_state_dict(state.optimizer, arrays, params)
        optimizer.lr = state.history.lr
        rng.bit_generator.state = state.rng
    except (KeyError, TypeError, OptionError) as exc:
        raise ModelFileError(
            f"checkpoint in {folder.checkpoint} is incomplete or corrupt ({exc})"
        ) from None
    best = load_npz(folder.weights, what="best weights")
    return {name: best[name] for name in weights}
