"""Probe of textseq word2vec's thread scaling (not a comparison with gensim; no results file).

Trains two epochs on the `english` recipe corpus with 1 and then 2 threads in one process and
prints effective words/s, for one scheduling variant: `base` (as shipped), `dyn` (Numba's
dynamic scheduling, ``set_parallel_chunksize(1)``) or `big` (500k words per kernel call).
The figures quoted in benchmarks/results/w2v_vs_gensim.md's notes came from

    .venv/bin/python benchmarks/w2v_scaling_probe.py {base,dyn,big} 0    # 0 = CBOW, 1 = skip-gram

one process per variant; single runs on a noisy machine, so leads, not results.
"""

import os
import sys

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import numba  # noqa: E402

from textseq.corpus import Corpus  # noqa: E402
from textseq.word2vec import Word2Vec  # noqa: E402
from textseq.word2vec import model as M  # noqa: E402

sents = list(Corpus("corpora/english/english.txt"))
variant = sys.argv[1]
if variant == "big":
    M.CALL_WORDS = 500_000
for threads in (1, 2):
    m = Word2Vec(sg=int(sys.argv[2]), epochs=2, workers=threads, progress=False)
    m.build_vocab(sents)
    if variant == "dyn":
        numba.set_parallel_chunksize(1)
    m.train(sents)
    numba.set_parallel_chunksize(0)
    print(variant, threads, f"{m.report_.words_per_second:,.0f}", os.getloadavg()[0], flush=True)
