from collections import Counter

from textseq.corpus.counting import count_words


def test_counts_every_token_and_sentence():
    counts, n = count_words([["a", "b", "a"], [], ["c", "a"]])
    assert counts == Counter({"a": 3, "b": 1, "c": 1})
    assert n == 3


def test_max_distinct_prunes_the_rarest_as_gensim_does():
    # after sentence 2 there are 3 distinct words > 2: words seen once (b, c) go
    sentences = [["a", "a"], ["b", "c"], ["a", "d", "d"], ["e"]]
    counts, n = count_words(sentences, max_distinct=2)
    # sentence 3: {a: 3, d: 2} is within the cap; sentence 4 adds e: 3 > 2, so words seen
    # twice or less (the second prune's bar) go: d and e
    assert counts == Counter({"a": 3})
    assert n == 4


def test_no_cap_keeps_everything():
    words = [[f"w{i}"] for i in range(50)]
    counts, _ = count_words(words, max_distinct=None)
    assert len(counts) == 50
