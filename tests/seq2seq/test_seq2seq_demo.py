"""The demo's sequence-to-sequence step (its quick version)."""

from __future__ import annotations

import pytest

from textseq.seq2seq.model import Seq2Seq
from textseq.seq2seq_demo import EXAMPLES, run_seq2seq_step


def test_quick_step_trains_translates_and_plots(tmp_path):
    lines = []
    files = run_seq2seq_step(tmp_path, quick=True, seed=2, echo=lines.append, progress=False)
    text = "\n".join(lines)
    assert "sequence to sequence" in text and "validation exact match" in text
    assert all(example in text for example in EXAMPLES)
    model = Seq2Seq.load(files["seq2seq model"])
    assert model.config.attention == "general"
    if "attention plot" in files:
        assert files["attention plot"].read_bytes()[:4] == b"\x89PNG"
    else:
        pytest.importorskip("matplotlib")
