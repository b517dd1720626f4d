"""The demo: the whole toolkit on one corpus, in a few minutes, writing into one folder.

vocabulary -> skip-gram vectors (neighbours, analogies, scores) -> LSTM language model
(validation perplexity) -> next-word prediction and three ways of generating -> plots.
``quick=True`` shrinks every step (for CI and a first check). On another corpus than the
built-in Lee corpus, the query words and the prompt come from that corpus, and a score from
too few pairs, questions or tokens says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textseq.corpus import Corpus, Vocab
from textseq.errors import InputError
from textseq.lm.history import FEW_TOKENS
from textseq.plotting import (
    INSTALL_HINT,
    matplotlib_available,
    plot_curves,
    plot_embeddings,
    training_curves,
)
from textseq.seq2seq_demo import run_seq2seq_step


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo's models; ``quick`` is the CI-sized version."""

    w2v_dim: int = 100
    w2v_window: int = 10
    w2v_epochs: int = 40  # the corpus is small (60k tokens): many passes
    lm_embed: int = 64
    lm_hidden: int = 128
    lm_dropout: float = 0.2
    lm_epochs: int = 6
    lm_max_lines: int | None = None  # lines of the corpus the language model sees
    plot_words: int = 120

    @classmethod
    def for_run(cls, quick: bool) -> DemoSettings:
        if quick:
            return cls(
                w2v_dim=50,
                w2v_epochs=5,
                lm_embed=32,
                lm_hidden=48,
                lm_epochs=1,
                lm_max_lines=120,
                plot_words=60,
            )
        return cls()


# the built-in Lee corpus's query words and prompt; another corpus gets its own (``Queries``)
NEIGHBOUR_WORDS = ("fire", "bush", "palestinian", "minister", "cricket", "afghanistan")
ANALOGIES = (("sharon", "israeli", "arafat"), ("he", "his", "she"))
PLOT_SKIP = 40  # leave out the most frequent words (mostly function words) from the plot
PROMPT = "the prime minister said"
# below these sizes a score says little, and the demo says so beside it
MIN_PAIRS = 30  # word pairs scored (Spearman's correlation)
MIN_QUESTIONS = 100  # analogy questions answered


@dataclass(frozen=True)
class Queries:
    """What the demo asks of the models: words whose neighbours it shows, and the prompt."""

    words: tuple[str, ...]
    prompt: str

    @classmethod
    def for_corpus(cls, corpus: str, vocab: Vocab, sentences) -> Queries:
        """Lee's own queries for the built-in Lee corpus; for another corpus, six of its
        frequent words past the most frequent ``PLOT_SKIP`` (mostly function words; a
        quarter of a small vocabulary), and the first four words of a line from its
        middle."""
        if corpus == "lee":
            return cls(NEIGHBOUR_WORDS, PROMPT)
        words = vocab.words[vocab.num_specials :]
        skip = min(PLOT_SKIP, len(words) // 4)
        pool = [w for w in words[skip : skip + 200] if len(w) > 3] or words[skip : skip + 6]
        step = max(1, len(pool) // 6)
        chosen = tuple(pool[::step][:6])
        middle, prompt = vocab.stats.sentences // 2, None
        for i, line in enumerate(sentences):
            if len(line) >= 4 and all(w in vocab for w in line[:4]):
                prompt = " ".join(line[:4])
                if i >= middle:
                    break
        return cls(chosen, prompt or " ".join(words[:3]))


def few(n: int, least: int, what: str) -> str:
    """`` (too few <what> to mean much)`` when ``n`` is under ``least``, else nothing."""
    return f" (only {n:,} {what}: too few to mean much)" if n < least else ""


def run_demo(
    corpus: str = "lee",
    out: str | Path = "textseq-demo",
    quick: bool = False,
    seed: int = 1,
    echo: Callable[[str], None] = print,
    progress: bool = True,
) -> dict[str, Path]:
    """Run every step, print what it learns, and return the files written by name."""
    from textseq.lm.model import LMConfig
    from textseq.lm.train_config import TrainConfig
    from textseq.lm.trainer import train_lm
    from textseq.word2vec.model import Word2Vec

    settings = DemoSettings.for_run(quick)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    started = time.perf_counter()
    sentences = Corpus(corpus)

    echo(f"== 1. corpus and vocabulary: {corpus}")
    vocab = Vocab.build(sentences, min_count=5, progress=progress)
    stats = vocab.stats
    echo(
        f"{stats.sentences:,} lines, {stats.tokens:,} tokens, {stats.distinct:,} distinct words; "
        f"{stats.kept:,} seen at least 5 times; {stats.unknown_share:.1%} of the text unknown"
    )
    echo("most frequent: " + " ".join(vocab.words[vocab.num_specials :][:12]))
    queries = Queries.for_corpus(corpus, vocab, sentences)
    files["vocabulary"] = out / "vocab.tsv"
    vocab.save(files["vocabulary"])

    echo(
        f"\n== 2. word2vec: skip-gram, {settings.w2v_dim} dimensions, window "
        f"{settings.w2v_window}, {settings.w2v_epochs} epochs"
    )
    w2v = Word2Vec(
        vector_size=settings.w2v_dim,
        window=settings.w2v_window,
        sg=1,
        min_count=5,
        epochs=settings.w2v_epochs,
        seed=seed,
        workers=1,  # one thread: the same seed gives the same vectors on every machine
        progress=progress,
    ).train(sentences)
    report = w2v.report_
    threads = f"{report.threads} thread" + "s" * (report.threads != 1)
    echo(
        f"trained on {report.raw_words:,} words ({report.effective_words:,} after subsampling) "
        f"in {report.seconds:.1f} s ({report.words_per_second:,.0f} effective words/s, {threads})"
    )
    kv = w2v.wv
    for word in queries.words:
        if word in kv:
            near = ", ".join(f"{w} {s:.2f}" for w, s in kv.most_similar(word, topn=5))
            echo(f"  {word:<11} -> {near}")
    for a, b, c in ANALOGIES:
        if all(w in kv for w in (a, b, c)):
            answer, score = kv.most_similar(positive=[b, c], negative=[a], topn=1)[0]
            echo(f"  {a} : {b} = {c} : {answer}  ({score:.2f})")
    analogies = kv.evaluate_word_analogies("questions-words")
    if analogies["total"]:
        echo(
            f"  analogies (questions-words): {analogies['accuracy']:.1%} of "
            f"{analogies['total']:,} answerable questions "
            f"({analogies['skipped']:.0%} skipped: words not in this corpus)"
            + few(analogies["total"], MIN_QUESTIONS, "questions")
        )
    else:
        echo("  analogies (questions-words): no score: each question has a word not in this corpus")
    for name in ("wordsim353", "simlex999"):
        try:
            pairs = kv.evaluate_word_pairs(name)
        except InputError:  # fewer than two pairs known: no correlation at all
            echo(f"  {name}: no score: under 2 of its pairs have both words in this corpus")
            continue
        echo(
            f"  {name}: Spearman {pairs['spearman']:.3f} over {pairs['pairs_used']} pairs "
            f"({pairs['oov_ratio']:.0%} of pairs out of vocabulary)"
            + few(pairs["pairs_used"], MIN_PAIRS, "pairs")
        )
    files["word vectors"] = out / "vectors.bin"
    kv.save_word2vec_format(files["word vectors"], binary=True)
    files["word2vec model"] = out / "w2v-model"
    w2v.save(files["word2vec model"])

    echo(
        f"\n== 3. language model: LSTM, embedding {settings.lm_embed}, hidden "
        f"{settings.lm_hidden}, {settings.lm_epochs} epoch(s)"
    )
    lm_corpus = sentences
    if settings.lm_max_lines is not None:
        lm_corpus = [s for _, s in zip(range(settings.lm_max_lines), sentences)]
    files["language model"] = out / "lm-model"
    model, history = train_lm(
        lm_corpus,
        LMConfig(
            cell="lstm",
            embed=settings.lm_embed,
            hidden=settings.lm_hidden,
            dropout=settings.lm_dropout,
            seed=seed,
        ),
        TrainConfig(
            epochs=settings.lm_epochs, batch_size=16, bptt=35, lr=3e-3, min_count=3, seed=seed
        ),
        out_dir=files["language model"],
        progress=progress,
    )
    for epoch in history.epochs:
        echo(
            f"  epoch {epoch.epoch}: train loss {epoch.train_loss:.3f}, validation "
            f"perplexity {epoch.valid_ppl:.1f}, {epoch.tokens_per_s:,.0f} tokens/s"
        )
    test = history.test
    if test.ppl is None:
        echo("  no test part to score (the corpus has too few lines)")
    else:
        echo(
            f"  test perplexity {test.ppl:.1f}, top-1 accuracy {test.acc:.1%}"
            + few(history.data.test_tokens, FEW_TOKENS, "test tokens")
        )

    prompt = queries.prompt
    echo(f'\n== 4. next word after "{prompt}"')
    for word, prob in model.predict_next(prompt, top_k=5):
        echo(f"  {word:<14} {prob:.3f}")
    argmax = model.generate(prompt, max_tokens=20, no_repeat_ngram_size=3)
    sample = model.generate(prompt, max_tokens=20, strategy="sample", top_p=0.9, seed=seed)
    beam = model.generate(
        prompt, max_tokens=20, strategy="beam", beam_width=5, no_repeat_ngram_size=3
    )
    echo(f"  argmax : {prompt} {argmax.text}")
    echo(f"  sample : {prompt} {sample.text}")
    echo(f"  beam 5 : {prompt} {beam.text}")

    files.update(run_seq2seq_step(out, quick, seed, echo, progress))

    echo("\n== 6. plots")
    if matplotlib_available():
        skip = PLOT_SKIP if len(kv) > PLOT_SKIP + settings.plot_words else 0
        words = kv.index_to_key[skip : skip + settings.plot_words]
        files["embedding plot"] = out / "embeddings.png"
        plot_embeddings(
            words,
            kv.vectors[skip : skip + len(words)],
            files["embedding plot"],
            method="tsne",
            seed=seed,
            title=f"words ranked {skip + 1}-{skip + len(words)} by frequency in {corpus} (t-SNE)",
        )
        files["training plot"] = out / "lm-training.png"
        curves, title = training_curves(files["language model"])
        plot_curves(curves, files["training plot"], title)
        echo("  wrote the embedding and training plots")
    else:
        echo(f"  skipped: {INSTALL_HINT}")

    echo(f"\n== done in {time.perf_counter() - started:.0f} s; files in {out}/:")
    for name, path in files.items():
        echo(f"  {path.name:<18} {name}")
    echo("next, try:")
    known = [w for w in queries.words if w in kv][:2]
    if known:
        echo(f"  textseq similar {' '.join(known)} --vectors {files['word vectors']}")
    short = " ".join(prompt.split()[:2])
    echo(f'  textseq predict --model {files["language model"]} --prompt "{short}"')
    echo(f'  textseq generate --model {files["language model"]} --prompt "{short}" --strategy beam')
    echo("  textseq train-w2v lee -o vectors.bin --sg --epochs 20   # or your own corpus")
    return files
