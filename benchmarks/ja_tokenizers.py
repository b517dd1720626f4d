"""Japanese morphological analyzers side by side: segmentation, speed and install size.

The candidates are the analyzers that install from PyPI as wheels with their dictionary:
fugashi (MeCab) + unidic-lite, SudachiPy + sudachidict-core (split mode A, the short units),
and Janome (pure Python, IPADIC inside). Each one segments

- a dozen sentences with known short-unit segmentations (UniDic's conventions): the table
  gives exact sentences and the F1 of word boundaries, so a different but reasonable
  convention still scores most of its boundaries;
- the same text for speed: the lines of ``--text`` (default: the Japanese corpus recipe's
  output when it is built, else the test sentences repeated), timed in alternation, one
  analyzer after the other, ``--repeats`` times; the table gives the median tokens/s.

Install size is the size on disk of each analyzer's installed files plus its dictionary's.

    python benchmarks/ja_tokenizers.py [--text FILE] [--lines 2000] [--repeats 3]

Writes benchmarks/results/ja_tokenizers.md (``--output`` to change).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shlex
import statistics
import sys
import time
from pathlib import Path

from machine import machine_line

RESULTS = Path(__file__).resolve().parent / "results"
JAPANESE_CORPUS = Path("corpora/japanese/japanese.txt")

# Reference short-unit segmentations (UniDic conventions), written by hand.
SENTENCES = [
    "吾輩 は 猫 で ある 。",
    "名前 は まだ 無い 。",
    "すもも も もも も もも の うち",
    "東京 都 に 住ん で い ます 。",
    "外国 人 参政 権 に つい て 話し た 。",
    "ここ で は きもの を 脱い で ください 。",
    "今日 は 良い 天気 です ね 。",
    "彼女 は 本 を 読み ながら 電車 を 待っ て い た 。",
    "国立 国会 図書 館 で 資料 を 調べ た 。",
    "日本 語 の 形態 素 解析 は 難しい 。",
    "ファイル を 削除 する に は rm コマンド を 使う 。",
    "この パッケージ は 設定 ファイル を 読み込み ます 。",
]

CANDIDATES = {
    "fugashi + unidic-lite": ("fugashi", "unidic-lite"),
    "sudachipy + sudachidict-core (mode A)": ("sudachipy", "sudachidict-core"),
    "janome": ("janome",),
}


def make_analyzer(name: str):
    """A function text -> list of surface forms for the candidate ``name``."""
    if name.startswith("fugashi"):
        import fugashi

        tagger = fugashi.Tagger()
        return lambda text: [word.surface for word in tagger(text)]
    if name.startswith("sudachipy"):
        from sudachipy import Dictionary, SplitMode

        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.A)
        return lambda text: [m.surface() for m in tokenizer.tokenize(text)]
    from janome.tokenizer import Tokenizer

    janome = Tokenizer(wakati=True)
    return lambda text: list(janome.tokenize(text))


def boundaries(tokens: list[str]) -> set[int]:
    """Character offsets where one token ends and the next begins."""
    out, position = set(), 0
    for token in tokens[:-1]:
        position += len(token)
        out.add(position)
    return out


def segmentation_scores(analyze) -> tuple[int, float, list[str]]:
    """(exact sentences, boundary F1, the segmentations that differ from the reference)."""
    exact = hits = predicted = expected = 0
    wrong = []
    for reference in SENTENCES:
        gold = reference.split()
        tokens = analyze("".join(gold))
        exact += tokens == gold
        if tokens != gold:
            wrong.append(" / ".join(tokens))
        gold_b, got_b = boundaries(gold), boundaries(tokens)
        hits += len(gold_b & got_b)
        predicted += len(got_b)
        expected += len(gold_b)
    precision, recall = hits / predicted, hits / expected
    return exact, 2 * precision * recall / (precision + recall), wrong


def install_size_mb(distributions: tuple[str, ...]) -> float:
    """Size on disk of the files the given distributions installed."""
    total = 0
    for dist_name in distributions:
        dist = importlib.metadata.distribution(dist_name)
        for file in dist.files or ():
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def read_lines(path: Path | None, n_lines: int) -> tuple[list[str], str]:
    if path is None and JAPANESE_CORPUS.is_file():
        path = JAPANESE_CORPUS
    if path is None:
        text = ["".join(s.split()) for s in SENTENCES]
        return (text * (n_lines // len(text) + 1))[:n_lines], "the test sentences repeated"
    lines = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.strip())
            if len(lines) == n_lines:
                break
    return lines, f"the first {len(lines):,} lines of {path}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, default=None)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "ja_tokenizers.md")
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines, source = read_lines(args.text, args.lines)
    n_chars = sum(len(line) for line in lines)

    analyzers, load_seconds = {}, {}
    for name in CANDIDATES:
        t0 = time.perf_counter()
        analyzers[name] = make_analyzer(name)
        analyzers[name]("準備")  # first call loads what is loaded lazily
        load_seconds[name] = time.perf_counter() - t0

    rates: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    tokens_of = {}
    for _ in range(args.repeats):
        for name, analyze in analyzers.items():
            t0 = time.perf_counter()
            n_tokens = sum(len(analyze(line)) for line in lines)
            rates[name].append(n_tokens / (time.perf_counter() - t0))
            tokens_of[name] = n_tokens

    rows, wrong_of = [], {}
    for name, dists in CANDIDATES.items():
        exact, f1, wrong = segmentation_scores(analyzers[name])
        wrong_of[name] = wrong
        rows.append(
            f"| {name} | {exact}/{len(SENTENCES)} | {f1:.3f} | "
            f"{statistics.median(rates[name]):,.0f} | {tokens_of[name]:,} | "
            f"{load_seconds[name]:.2f} | {install_size_mb(dists):.0f} |"
        )
    report = [
        "# Japanese morphological analyzers side by side",
        "",
        f"Command (run {started}): `{shlex.join(['python', *sys.argv])}`",
        "",
        f"Machine: {machine_line()}. "
        f"Speed text: {source} ({n_chars:,} characters), each analyzer in turn, "
        f"{args.repeats} rounds, median.",
        "",
        "| analyzer | exact sentences | boundary F1 | tokens/s | tokens | load (s) "
        "| install (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Segmentations that differ from the reference:",
        "",
    ]
    for name, wrong in wrong_of.items():
        report.append(f"- {name}: " + ("; ".join(f"`{w}`" for w in wrong) or "none"))
    text = "\n".join(report) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
