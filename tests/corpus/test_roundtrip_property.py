"""Property tests over arbitrary text: tokenize -> vocab -> encode -> decode loses nothing."""

from hypothesis import given, settings
from hypothesis import strategies as st

from textseq.corpus import Corpus, Vocab, encode_corpus, tokenize

any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=6), st.sampled_from(["unicode", "ascii", "char"]))
def test_tokenize_vocab_encode_decode_round_trip(lines, tokenizer):
    corpus = Corpus.from_texts(lines, tokenizer=tokenizer)
    sentences = list(corpus)
    if not sentences:
        return
    vocab = Vocab.build(corpus)
    encoded = encode_corpus(corpus, vocab)
    assert encoded.num_sentences == len(sentences)
    for i, tokens in enumerate(sentences):
        assert vocab.decode(encoded.sentence(i)) == tokens
    assert vocab.unk_id not in encoded.ids  # min_count=1: every word is known


@settings(max_examples=150, deadline=None)
@given(any_text, st.sampled_from(["unicode", "ascii"]))
def test_tokens_are_stable_under_retokenizing(text, tokenizer):
    tokens = tokenize(text, tokenizer)
    assert tokenize(" ".join(tokens), tokenizer) == tokens
    assert all(token and not any(ch.isspace() for ch in token) for token in tokens)
