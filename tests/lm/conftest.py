"""Fixtures of the language-model tests."""

from __future__ import annotations

import pytest

from textseq.lm import overlap


@pytest.fixture
def overlapped_windows(monkeypatch) -> list:
    """A list that gets one item per training window run in the two-task mode
    (``textseq.lm.overlap.overlapped_loss``), which still runs as before."""
    calls = []
    original = overlap.overlapped_loss

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(overlap, "overlapped_loss", spy)
    return calls
