"""Training callbacks, textseq's and gensim's, called the same way.

A callback is either a function ``callback(model, epoch_report)``, called after each epoch,
or an object with any of gensim's ``CallbackAny2Vec`` methods: ``on_train_begin(model)``,
``on_epoch_begin(model)``, ``on_epoch_end(model)`` and ``on_train_end(model)``. An
``on_epoch_end`` (or a function) that takes two arguments also gets the epoch's
``EpochReport``; one written for gensim takes the model alone and works unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


def _takes_two(function: Callable) -> bool:
    """Whether ``function`` can be called with two positional arguments."""
    try:
        inspect.signature(function).bind(None, None)
    except TypeError:
        return False
    except ValueError:  # no signature (a builtin): the documented form
        return True
    return True


def call_hook(callbacks: Iterable[Any], hook: str, model: Any, report: Any = None) -> None:
    """Call ``hook`` (one of ``HOOKS``) of each callback that has it; a plain function is an
    ``on_epoch_end``. The epoch report goes to an ``on_epoch_end`` that takes it."""
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is None:
            if hook != "on_epoch_end" or not callable(callback):
                continue
            method = callback
        if hook == "on_epoch_end" and _takes_two(method):
            method(model, report)
        else:
            method(model)
