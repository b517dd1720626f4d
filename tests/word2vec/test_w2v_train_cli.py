"""``textseq train-w2v`` as a user meets it: Ctrl-C, the progress bar against the summary,
the note about --seed with several threads; and the demo's word2vec figures."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tqdm import tqdm

from textseq.word2vec import Word2Vec, load_word2vec_format
from textseq.word2vec.snapshot import LastEpoch

ROOT = Path(__file__).resolve().parents[2]


def _bar_rates(err: str) -> list[str]:
    return re.findall(r"effective words/s=(\d+(?:,\d{3})*)", err)


def _summary_rate(out: str) -> str:
    return re.search(r"([\d,]+) effective words/s", out).group(1)


def test_the_bars_last_rate_is_the_summarys(cli, tmp_path):
    args = ["--min-count", "3", "--epochs", "3", "--dim", "16", "--threads", "1"]
    result = cli("train-w2v", "lee", "-o", tmp_path / "v.bin", *args,
                 "--save-model", tmp_path / "m")  # fmt: skip
    assert result.code == 0, result
    rates = _bar_rates(result.err)
    assert rates and rates[-1] == _summary_rate(result.out)
    # also when a saved model goes on training, and the corpus is encoded anew
    result = cli("train-w2v", "lee", "-o", tmp_path / "v2.bin", "--from-model", tmp_path / "m",
                 "--epochs", "2")  # fmt: skip
    assert result.code == 0, result
    assert _bar_rates(result.err)[-1] == _summary_rate(result.out)


def test_the_demos_word_count_is_its_bars(monkeypatch, capsys, tmp_path):
    import textseq.lm.trainer as trainer
    from textseq.demo import run_demo

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(trainer, "train_lm", stop)  # the demo's word2vec step only
    lines = []
    with pytest.raises(Stop):
        run_demo("lee", tmp_path, quick=True, echo=lines.append, progress=True)
    err = capsys.readouterr().err
    summary = next(line for line in lines if line.startswith("trained on"))
    pattern = r"trained on ([\d,]+) words .* \(([\d,]+) effective words/s"
    raw, rate = re.search(pattern, summary).groups()
    bars = re.findall(r"word2vec: 100%\|[^|]*\| ([^/]+)/([^ ]+) ", err)
    assert bars and bars[-1][0] == tqdm.format_sizeof(int(raw.replace(",", "")))
    assert _bar_rates(err)[-1] == rate


def test_seed_with_several_threads_is_said_once(cli, tmp_path):
    args = ["lee", "-o", tmp_path / "v.bin", "--epochs", "1", "--dim", "8", "--quiet"]
    result = cli("train-w2v", *args, "--seed", "3", "--threads", "2")
    assert result.code == 0, result
    assert result.err.count("--seed reproduces a run only with --threads 1") == 1
    for quiet in (["--seed", "3", "--threads", "1"], ["--threads", "2"]):
        result = cli("train-w2v", *args, *quiet)
        assert result.code == 0 and "--seed" not in result.err, result
    result = cli("train-w2v", "--help")
    assert "one thread only" in " ".join(result.out.split())


def test_ctrl_c_after_an_epoch_writes_that_epochs_vectors(monkeypatch, cli, tmp_path):
    """KeyboardInterrupt during epoch 3: the files hold epoch 2's vectors, said so."""
    import textseq.word2vec.epochs as epochs

    real = epochs.call_hook
    kept = {}

    def hook(callbacks, name, model, report=None):
        real(callbacks, name, model, report)
        if name == "on_epoch_end" and model.epochs_trained_ == 2:
            kept["vectors"] = model.vectors_.copy()
        if name == "on_epoch_begin" and model.epochs_trained_ == 2:
            model.vectors_ += 1.0  # what a part of epoch 3 would change
            raise KeyboardInterrupt

    monkeypatch.setattr(epochs, "call_hook", hook)
    out, folder = tmp_path / "v.txt", tmp_path / "model"
    result = cli("train-w2v", "lee", "-o", out, "--text", "--save-model", folder,
                 "--epochs", "4", "--dim", "8", "--min-count", "3", "--quiet")  # fmt: skip
    assert result.code == 130
    assert "interrupted after 2 of 4 epochs" in result.err and str(out) in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    kv = load_word2vec_format(out)
    np.testing.assert_allclose(kv.vectors, kept["vectors"], atol=1e-6)
    model = Word2Vec.load(folder)
    assert model.epochs_trained_ == 2
    np.testing.assert_array_equal(model.vectors_, kept["vectors"])


def test_ctrl_c_before_the_first_epoch_ends_writes_nothing(monkeypatch, cli, tmp_path):
    import textseq.word2vec.epochs as epochs

    def hook(callbacks, name, model, report=None):
        if name == "on_epoch_begin":
            raise KeyboardInterrupt

    monkeypatch.setattr(epochs, "call_hook", hook)
    out = tmp_path / "v.bin"
    result = cli("train-w2v", "lee", "-o", out, "--epochs", "2", "--dim", "8", "--quiet")
    assert result.code == 130
    assert "before the first of 2 epochs finished: nothing was written" in result.err
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_while_the_epoch_is_copied_keeps_the_live_weights():
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, progress=False)
    model.train([["a", "b", "c"]] * 5)
    snap = LastEpoch(output_vectors=True)
    snap._copying = model.epochs_trained_  # as if Ctrl-C came between the two copies
    live = model.vectors_.copy()
    assert snap.restore(model) == 1
    np.testing.assert_array_equal(model.vectors_, live)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_sigint_to_the_command(tmp_path):
    """A real Ctrl-C: the process says what happened in one line and exits 130."""
    out = tmp_path / "v.bin"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "textseq", "train-w2v", "lee", "-o", str(out), "--epochs",
         "100000", "--dim", "8", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        # Ctrl-C's default action in the child, as in a terminal: a test run started in the
        # background (e.g. `make test &`) inherits SIGINT ignored, and the child would keep it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    # wait until the bar shows epoch 3 or later (two epochs finished), then interrupt
    err, deadline = b"", time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(int(n) >= 3 for n in re.findall(rb"epoch=(\d+)/", err)):
            break
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        err += chunk
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    err = (err + rest).decode()
    assert proc.returncode == 130, err
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.startswith("interrupted")]
    assert len(lines) == 1 and "wrote the vectors of epoch" in lines[0]
    assert len(load_word2vec_format(out)) > 0
