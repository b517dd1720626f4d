"""The WordNet reader on samples written in wordnet-base's real ``data.*`` format.

The samples mimic the real files (checked by hand against wordnet-base 3.0); no test needs
the Debian packages.
"""

from __future__ import annotations

from textseq.datasets.wordnet import parse_wordnet_data, read_wordnet

WORDNET_NOUN = (
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license. | not a gloss  \n"
    "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived or known  \n"
    "00001930 03 n 01 physical_entity 0 001 @ 00001740 n 0000 | an entity that has physical "
    'existence; "a physical thing"  \n'
)
WORDNET_ADV = (
    "  1 This software and database is being provided to you  \n"
    "00001740 02 r 01 a_cappella 0 000 | without musical accompaniment  \n"
)


def test_wordnet_glosses_skip_header_lines():
    glosses = list(parse_wordnet_data(WORDNET_NOUN.splitlines(keepends=True)))
    assert glosses == [
        "that which is perceived or known",
        'an entity that has physical existence; "a physical thing"',
    ]


def test_wordnet_reads_the_four_parts_in_order(tmp_path):
    (tmp_path / "data.noun").write_text(WORDNET_NOUN)
    (tmp_path / "data.verb").write_text("  1 header\n00000001 29 v 01 go 0 000 | move  \n")
    (tmp_path / "data.adj").write_text("  1 header\n")
    (tmp_path / "data.adv").write_text(WORDNET_ADV)
    glosses = list(read_wordnet(tmp_path))
    assert glosses[0] == "that which is perceived or known"
    assert glosses[2:] == ["move", "without musical accompaniment"]
