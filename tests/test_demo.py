"""The demo end to end (its quick version), through the real CLI."""

from textseq.corpus import Vocab
from textseq.lm.model import RNNLM
from textseq.word2vec import load_word2vec_format


def test_quick_demo_writes_everything_it_announces(cli, tmp_path):
    out = tmp_path / "demo"
    result = cli("demo", "--quick", "-o", out, "--seed", "3")
    assert result.code == 0, result
    for heading in ("== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "== done"):
        assert heading in result.out
    for line in ("argmax :", "sample :", "beam 5 :", "validation perplexity", "Spearman"):
        assert line in result.out
    vocab = Vocab.load(out / "vocab.tsv")
    kv = load_word2vec_format(out / "vectors.bin")
    assert len(kv) == len(vocab) - vocab.num_specials  # same threshold, no special tokens
    model = RNNLM.load(out / "lm-model")
    assert model.predict_next("the government", top_k=3)[0][1] > 0
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


def test_demo_on_another_corpus_asks_about_that_corpus_and_flags_small_scores(tmp_path):
    """``--corpus FILE``: the query words and the prompt come from the file, and scores from
    too few pairs, questions or test tokens say that they mean little."""
    import random

    from textseq.demo import run_demo

    rng = random.Random(0)
    nouns = [f"zorb{c}" for c in "abcdefghij"] + [f"quill{c}" for c in "abcdefghij"]
    verbs = [f"flanes{c}" for c in "abcdef"]
    lines = [
        " ".join([rng.choice(nouns), rng.choice(verbs), "the", rng.choice(nouns), "today"])
        for _ in range(400)
    ]
    corpus = tmp_path / "mine.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    printed: list[str] = []
    run_demo(str(corpus), tmp_path / "out", quick=True, echo=printed.append, progress=False)
    text = "\n".join(printed)
    assert "prime minister" not in text and "police" not in text
    prompt = text.split('next word after "', 1)[1].split('"', 1)[0]
    assert len(prompt.split()) == 4 and any(line.startswith(prompt) for line in lines)
    # invented words: no pair or question can be scored, and the test part is small
    assert "wordsim353: no score" in text and "analogies (questions-words): no score" in text
    assert "test tokens: too few to mean much" in text
    similar = next(ln for ln in printed if "textseq similar" in ln)
    assert all(w.startswith(("zorb", "quill", "flanes")) for w in similar.split()[2:4])


def test_a_score_from_few_items_says_so():
    from textseq.demo import MIN_PAIRS, few

    assert few(4, MIN_PAIRS, "pairs") == " (only 4 pairs: too few to mean much)"
    assert few(MIN_PAIRS, MIN_PAIRS, "pairs") == ""
