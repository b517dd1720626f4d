"""The demo end to end (its quick version), through the real CLI."""

from textseq.corpus import Vocab
from textseq.lm.model import RNNLM
from textseq.word2vec import load_word2vec_format


def test_quick_demo_writes_everything_it_announces(cli, tmp_path):
    out = tmp_path / "demo"
    result = cli("demo", "--quick", "--out", out, "--seed", "3")
    assert result.code == 0, result
    for heading in ("== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "== done"):
        assert heading in result.out
    for line in ("argmax :", "sample :", "beam 5 :", "validation perplexity", "Spearman"):
        assert line in result.out
    vocab = Vocab.load(out / "vocab.tsv")
    kv = load_word2vec_format(out / "vectors.bin")
    assert len(kv) == len(vocab) - vocab.num_specials  # same threshold, no special tokens
    model = RNNLM.load(out / "lm-model")
    assert model.predict_next("the government", topk=3)[0][1] > 0
    for png in ("embeddings.png", "lm-training.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    # the closing lines name the files and the commands to run next
    tail = result.out.split("== done", 1)[1]
    assert "vectors.bin" in tail and "textseq predict --model" in tail


def test_demo_trains_with_the_settings_it_prints(monkeypatch, tmp_path):
    """The headline of each step names the settings; the models must be trained with them."""
    import textseq.word2vec.model as w2v_model
    from textseq.demo import DemoSettings

    seen = {}

    def spy(self, corpus=None):
        seen.update(vector_size=self.vector_size, window=self.window, epochs=self.epochs)
        raise RuntimeError("stop after checking the settings")

    monkeypatch.setattr(w2v_model.Word2Vec, "train", spy)
    from textseq.demo import run_demo

    try:
        run_demo("lee", tmp_path, quick=True, echo=lambda _: None, progress=False)
    except RuntimeError:
        pass
    quick = DemoSettings.for_run(True)
    assert seen == {
        "vector_size": quick.w2v_dim,
        "window": quick.w2v_window,
        "epochs": quick.w2v_epochs,
    }
