"""Fixtures of the language-model tests."""

from __future__ import annotations

import pytest

from textseq.lm import RNNLM


@pytest.fixture
def overlapped_windows(monkeypatch) -> list:
    """A list that gets one item per training window run in the two-task mode
    (``RNNLM._loss_overlapped``), which still runs as before."""
    calls = []
    original = RNNLM._loss_overlapped

    def spy(self, *args):
        calls.append(1)
        return original(self, *args)

    monkeypatch.setattr(RNNLM, "_loss_overlapped", spy)
    return calls
