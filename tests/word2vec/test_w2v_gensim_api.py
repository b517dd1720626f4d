"""gensim's Word2Vec and KeyedVectors calls, as its tutorials write them, run unchanged or
fail with a message that says what to use instead (docs/GENSIM.md)."""

import pickle
import warnings

import numpy as np
import pytest

from textseq.corpus import Corpus
from textseq.errors import InputError, ModelFileError, OptionError
from textseq.word2vec import KeyedVectors, Word2Vec

FAST = dict(vector_size=16, min_count=2, workers=1, seed=3, progress=False)


@pytest.fixture(scope="module")
def lee():
    """The Lee corpus as in-memory token lists, as gensim users hold it."""
    return [tokens for tokens in Corpus("lee")]


def test_gensims_usual_training_call_runs_without_a_warning(lee):
    model = Word2Vec(epochs=2, **FAST)
    model.build_vocab(lee)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.train(lee, total_examples=model.corpus_count, epochs=model.epochs)
        model.train(lee, total_words=model.corpus_total_words, epochs=1)
        model.train(corpus_iterable=lee, total_examples=model.corpus_count, epochs=1)
    assert model.corpus_count == len(lee)
    assert model.corpus_total_words == sum(len(s) for s in lee)
    assert model.epochs_trained_ == 4


def test_corpus_totals_are_gensims(lee):
    gensim = pytest.importorskip("gensim")
    theirs = gensim.models.Word2Vec(vector_size=16, min_count=2)
    theirs.build_vocab(lee)
    ours = Word2Vec(**FAST).build_vocab(lee)
    assert (ours.corpus_count, ours.corpus_total_words) == (
        theirs.corpus_count,
        theirs.corpus_total_words,
    )


def test_totals_of_a_file_corpus_read_by_blocks_are_checked_as_in_memory(lee, tmp_path):
    path = tmp_path / "lee.txt"
    path.write_text("\n".join(" ".join(s) for s in lee) + "\n", encoding="utf-8")
    model = Word2Vec(epochs=1, **FAST).build_vocab(str(path))
    assert model.corpus_total_words == sum(len(s) for s in lee)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file's words, rare ones included, are counted
        model.train(str(path), total_words=model.corpus_total_words, epochs=1)
    with pytest.warns(UserWarning, match="total_words=5 but the corpus has"):
        model.train(str(path), total_words=5, epochs=1)


@pytest.mark.parametrize("name, wrong", [("total_examples", 10), ("total_words", 5)])
def test_a_wrong_total_warns_and_training_goes_on(lee, name, wrong):
    model = Word2Vec(epochs=1, **FAST).build_vocab(lee)
    with pytest.warns(UserWarning, match=f"{name}=.* but the corpus has"):
        model.train(lee, epochs=1, **{name: wrong})
    assert model.epochs_trained_ == 1
    same = Word2Vec(epochs=1, **FAST).train(lee)
    np.testing.assert_array_equal(model.vectors_, same.vectors_)


def test_latest_training_loss_with_a_gensim_callback(lee):
    gensim = pytest.importorskip("gensim")

    class LossLogger(gensim.models.callbacks.CallbackAny2Vec):
        """The loss-printing callback of gensim's tutorials: on_epoch_end(model) only."""

        def __init__(self):
            self.losses, self.events = [], []

        def on_train_begin(self, model):
            self.events.append("train")

        def on_epoch_begin(self, model):
            self.events.append("epoch")

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())

        def on_train_end(self, model):
            self.events.append("end")

    logger = LossLogger()
    model = Word2Vec(epochs=3, compute_loss=True, callbacks=[logger], **FAST)
    model.build_vocab(lee)
    model.train(lee, total_examples=model.corpus_count, epochs=3, compute_loss=True)
    assert logger.events == ["train", "epoch", "epoch", "epoch", "end"]
    assert len(logger.losses) == 3 and 0 < logger.losses[0] < logger.losses[1] < logger.losses[2]
    assert model.get_latest_training_loss() == logger.losses[-1]
    assert model.get_latest_training_loss() == pytest.approx(
        sum(e.loss for e in model.report_.epochs)
    )
    # train's callbacks replace the model's, as in gensim
    plain = []
    model.train(lee, epochs=1, callbacks=[lambda m, report: plain.append(report.epoch)])
    assert plain == [4] and len(logger.losses) == 3
    model.train(lee, epochs=1, compute_loss=False)
    assert model.get_latest_training_loss() == 0.0


def test_build_vocab_update_adds_new_words_and_keeps_the_old_vectors():
    old = [["apple", "banana", "cherry"], ["apple", "banana"]] * 20
    new = [["kiwi", "mango", "apple"], ["kiwi", "mango"]] * 30 + [["rare"]]
    model = Word2Vec(vector_size=8, min_count=2, epochs=2, workers=1, sample=0, progress=False)
    model.build_vocab(old)
    model.train(old, total_examples=model.corpus_count, epochs=model.epochs)
    before = {w: model.wv[w] for w in ("apple", "banana", "cherry")}
    out_before = {w: model.syn1neg_[model.wv.get_index(w)].copy() for w in before}
    model.build_vocab(new, update=True)
    wv = model.wv
    assert {"kiwi", "mango"} <= set(wv.index_to_key) and "rare" not in wv
    assert wv.get_vecattr("apple", "count") == 40 + 30 and wv.get_vecattr("kiwi", "count") == 60
    counts = [wv.get_vecattr(w, "count") for w in wv.index_to_key]
    assert counts == sorted(counts, reverse=True)  # still most frequent first
    for word, vec in before.items():
        np.testing.assert_array_equal(wv[word], vec)
        np.testing.assert_array_equal(model.syn1neg_[wv.get_index(word)], out_before[word])
    assert model.corpus_count == len(new)
    kiwi = wv["kiwi"]
    assert np.abs(kiwi).max() <= 1 / 8 and np.abs(kiwi).max() > 0
    model.train(new, total_examples=model.corpus_count, epochs=model.epochs)
    assert not np.array_equal(model.wv["kiwi"], kiwi)
    with pytest.raises(OptionError, match="call build_vocab"):
        Word2Vec(progress=False).build_vocab(new, update=True)


def test_corpus_file_reads_space_separated_tokens_as_they_are(tmp_path):
    lines = ["Hello World foo, bar", "Hello foo bar World", "", "foo bar Hello"] * 5
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    kwargs = dict(vector_size=8, min_count=1, epochs=2, workers=1, seed=2, progress=False)
    from_file = Word2Vec(corpus_file=str(path), **kwargs)
    from_lists = Word2Vec([line.split() for line in lines if line], **kwargs)
    assert "Hello" in from_file.wv and "foo," in from_file.wv  # no lower-casing, no splitting
    assert from_file.wv.index_to_key == from_lists.wv.index_to_key
    np.testing.assert_array_equal(from_file.vectors_, from_lists.vectors_)
    model = Word2Vec(**kwargs)
    model.build_vocab(corpus_file=str(path))
    model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=2)
    np.testing.assert_array_equal(model.vectors_, from_file.vectors_)
    with pytest.raises(OptionError, match="give one corpus"):
        Word2Vec([["a"]], corpus_file=str(path))


def test_a_list_of_plain_sentences_is_tokenized_with_a_warning():
    texts = ["The king and the queen lived.", "The King spoke; the queen listened."] * 5
    with pytest.warns(UserWarning, match="plain strings: each is tokenized"):
        model = Word2Vec(texts, vector_size=8, min_count=1, epochs=1, progress=False)
    assert "king" in model.wv and "King" not in model.wv and "lived." not in model.wv
    assert model.corpus_count == 10


def test_a_list_of_words_that_are_not_files_shows_the_accepted_shapes():
    with pytest.raises(InputError, match=r"no such file.*a list of token lists such as"):
        Word2Vec(["the", "king", "queen"], min_count=1, progress=False)


def test_vector_queries_by_gensims_names(lee):
    model = Word2Vec(epochs=1, **FAST).train(lee)
    wv = model.wv
    assert wv.get_vecattr("the", "count") == int(model.vocab_.counts[wv.get_index("the")])
    unit = wv.get_vector("the", norm=True)
    assert np.linalg.norm(unit) == pytest.approx(1, abs=1e-6)
    np.testing.assert_allclose(unit, wv["the"] / np.linalg.norm(wv["the"]), rtol=1e-6)
    assert wv.has_index_for("the") and not wv.has_index_for("zzzqx")
    assert wv.get_index("zzzqx", -1) == -1
    with pytest.raises(OptionError, match="'count' only"):
        wv.get_vecattr("the", "sample_int")
    bare = KeyedVectors(wv.index_to_key, wv.vectors)
    with pytest.raises(OptionError, match="no counts"):
        bare.get_vecattr("the", "count")


def test_gensim_queries_answer_as_gensim_does(lee):
    pytest.importorskip("gensim")
    wv = Word2Vec(epochs=1, **FAST).train(lee).wv
    theirs = wv.to_gensim()
    words = ["the", "police", "fire", "government"]
    np.testing.assert_allclose(
        wv.get_mean_vector(words, weights=[1, 2, -1, 0.5]),
        theirs.get_mean_vector(words, weights=[1, 2, -1, 0.5]),
        rtol=1e-5, atol=1e-7,
    )  # fmt: skip
    np.testing.assert_allclose(
        wv.get_mean_vector(words, post_normalize=True, pre_normalize=False),
        theirs.get_mean_vector(words, post_normalize=True, pre_normalize=False),
        rtol=1e-5, atol=1e-7,
    )  # fmt: skip
    np.testing.assert_allclose(wv.distances("fire", words), theirs.distances("fire", words),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    assert wv.rank("fire", "police") == theirs.rank("fire", "police")
    assert wv.most_similar_to_given("fire", words) == theirs.most_similar_to_given("fire", words)
    assert wv.relative_cosine_similarity("fire", "police") == pytest.approx(
        theirs.relative_cosine_similarity("fire", "police"), rel=1e-5
    )


def test_keyed_vectors_save_and_load_without_pickle(tmp_path, lee):
    wv = Word2Vec(epochs=1, **FAST).train(lee).wv
    path = tmp_path / "vectors.kv"
    wv.save(str(path))
    assert path.is_file()  # the name as given, one file
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no object in it
        assert data["vectors"].dtype == np.float32
    back = KeyedVectors.load(str(path))
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    np.testing.assert_array_equal(back.counts, wv.counts)
    bare = KeyedVectors(["a", "b c"], np.eye(2, dtype=np.float32))
    bare.save(tmp_path / "bare.kv")
    assert KeyedVectors.load(tmp_path / "bare.kv").counts is None


def test_gensims_pickled_files_are_refused_with_what_to_do(tmp_path):
    path = tmp_path / "model.gensim"
    path.write_bytes(pickle.dumps({"not": "read"}, protocol=4))
    for load in (KeyedVectors.load, Word2Vec.load):
        with pytest.raises(ModelFileError, match="pickle.*save_word2vec_format"):
            load(path)
    other = tmp_path / "other.npz"
    np.savez(other, vectors=np.zeros((1, 2), np.float32))
    with pytest.raises(ModelFileError, match="format"):
        KeyedVectors.load(other)


def test_gensim_only_arguments_are_accepted_or_refused_by_name():
    Word2Vec(hs=0, sorted_vocab=1, batch_words=5000, null_word=0, shrink_windows=True,
             hashfxn=hash, trim_rule=None, comment="x", progress=False)  # fmt: skip
    for bad in ({"hs": 1}, {"sorted_vocab": 0}, {"shrink_windows": False}, {"null_word": 1},
                {"trim_rule": lambda w, c, m: 1}):  # fmt: skip
        name = next(iter(bad))
        with pytest.raises(OptionError, match=f"^{name}="):
            Word2Vec(progress=False, **bad)
    with pytest.raises(OptionError, match="hierarchical softmax"):
        Word2Vec(hs=1)
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, progress=False).build_vocab([["a"]])
    model.train([["a", "a"]], queue_factor=4, report_delay=5.0, word_count=0)
    with pytest.raises(OptionError, match="word_count"):
        model.train([["a"]], word_count=10)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        model.train([["a"]], nonsense=1)
    assert model.hs == 0


def test_gensim_names_textseq_lacks_say_what_to_use():
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, progress=False).train([["a", "b"]])
    with pytest.raises(AttributeError, match=r"model\.wv\.most_similar"):
        model.most_similar("a")
    with pytest.raises(AttributeError, match="key_to_index"):
        _ = model.wv.vocab
    with pytest.raises(AttributeError, match="index_to_key"):
        _ = model.wv.index2word
    with pytest.raises(AttributeError, match="has no attribute 'nothing_at_all'"):
        _ = model.wv.nothing_at_all


def test_glove_files_without_a_header_load_as_in_gensim(tmp_path):
    gensim = pytest.importorskip("gensim")
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\nof -1 0.5 2\nand 3 2 1\n")
    ours = KeyedVectors.load_word2vec_format(path, no_header=True)
    theirs = gensim.models.KeyedVectors.load_word2vec_format(str(path), no_header=True)
    assert ours.index_to_key == theirs.index_to_key == ["the", "of", "and"]
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.raises(ModelFileError, match="text files only"):
        KeyedVectors.load_word2vec_format(path, binary=True, no_header=True)
    with pytest.raises(OptionError, match="float32"):
        KeyedVectors.load_word2vec_format(path, no_header=True, datatype=np.float16)


def test_most_similar_clips_rows_as_gensim(lee):
    pytest.importorskip("gensim")
    wv = Word2Vec(epochs=1, **FAST).train(lee).wv
    theirs = wv.to_gensim()
    for kwargs in ({"clip_start": 10, "clip_end": 500}, {"clip_end": 300},
                   {"clip_start": 50, "clip_end": 400, "restrict_vocab": 200}):  # fmt: skip
        ours = wv.most_similar("police", topn=5, **kwargs)
        want = theirs.most_similar("police", topn=5, **kwargs)
        assert [w for w, _ in ours] == [w for w, _ in want], kwargs
    with pytest.raises(OptionError, match="indexer"):
        wv.most_similar("police", indexer=object())
    with pytest.raises(OptionError, match="use_norm"):
        wv.rank_by_centrality(["police", "fire"], use_norm=False)


def test_build_vocab_from_freq_then_train(lee):
    counts = {}
    for tokens in lee:
        for word in tokens:
            counts[word] = counts.get(word, 0) + 1
    model = Word2Vec(epochs=1, **FAST)
    model.build_vocab_from_freq(counts, corpus_count=len(lee))
    built = Word2Vec(epochs=1, **FAST).build_vocab(lee)
    assert model.wv.index_to_key == built.wv.index_to_key
    assert model.corpus_count == len(lee)
    np.testing.assert_array_equal(model.vectors_, built.vectors_)
    with pytest.raises(OptionError, match="pass a corpus to train"):
        model.train()
    model.train(lee, total_examples=model.corpus_count)
    assert model.epochs_trained_ == 1
    with pytest.raises(OptionError, match="update=True"):
        model.build_vocab_from_freq(counts, update=True)


def test_setting_a_known_words_vector(lee):
    wv = Word2Vec(epochs=1, **FAST).train(lee).wv
    wv["the"] = np.ones(16)
    np.testing.assert_array_equal(wv["the"], np.ones(16, np.float32))
    assert wv.get_vector("the", norm=True) == pytest.approx(np.full(16, 0.25))
    with pytest.raises(OptionError, match="'zzzqx' has no row"):
        wv["zzzqx"] = np.ones(16)


def test_gensim_3_names_and_typos_say_what_to_write():
    with pytest.raises(TypeError, match="'size'; gensim 4 .* vector_size"):
        Word2Vec(size=50)
    with pytest.raises(TypeError, match="'iter'; gensim 4 .* epochs"):
        Word2Vec(iter=5)
    with pytest.raises(TypeError, match="did you mean window"):
        Word2Vec(windw=3)
    model = Word2Vec(vector_size=4, min_count=1, progress=False).build_vocab([["a", "b"]])
    with pytest.raises(TypeError, match="did you mean epochs"):
        model.train([["a", "b"]], epoch=2)
