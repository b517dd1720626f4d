"""Every command's options against the conventions of docs/CLI.md.

The rules are general (names, short flags, defaults in the help, usage lines), so a new
command that follows docs/CLI.md passes without an edit here; the short flags and retired
spellings are read from the document's own tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from textseq.cli.main import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "CLI.md"
LONG_NAME = re.compile(r"^--[a-z0-9]+(-[a-z0-9]+)*$")


def _table(title: str) -> dict[str, str]:
    """The first two columns (code spans) of the table under ``## title`` in docs/CLI.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)`", section, re.M)
    assert rows, f"no table under {title!r} in {DOC}"
    return dict(rows)


SHORT_FLAGS = _table("Short flags")
RETIRED = _table("Retired spellings")


# Typer may bring its own copy of Click: the classes are told apart by what they have
def _commands(group, path: tuple[str, ...] = ()):
    if hasattr(group, "commands"):
        for name, sub in group.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), group


COMMANDS = dict(_commands(typer.main.get_command(app)))


def _options(command, hidden: bool = False):
    for param in command.params:
        if param.param_type_name == "option" and param.hidden == hidden:
            yield param


def test_the_walk_finds_every_command():
    assert {"build-dict", "train-w2v", "similar", "train-lm", "predict", "generate", "demo",
            "corpora build"} <= set(COMMANDS)  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_long_names_are_hyphenated_lowercase_words_and_not_retired(name):
    for option in _options(COMMANDS[name]):
        for spelled in option.opts + option.secondary_opts:
            if spelled.startswith("--"):
                assert LONG_NAME.match(spelled), f"{name} {spelled}: lowercase-hyphenated"
                assert spelled not in RETIRED, f"{name} {spelled} is retired: {RETIRED[spelled]}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_short_flags_have_one_meaning_everywhere(name):
    for option in _options(COMMANDS[name]):
        longs = [o for o in option.opts + option.secondary_opts if o.startswith("--")]
        for short in (o for o in option.opts + option.secondary_opts if not o.startswith("--")):
            assert short in SHORT_FLAGS, f"{name} {short}: not a short flag of docs/CLI.md"
            assert SHORT_FLAGS[short] in longs, f"{name} {short} must mean {SHORT_FLAGS[short]}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_what_a_command_writes_is_its_output_option(name):
    for option in _options(COMMANDS[name]):
        for spelled in option.opts:
            if spelled.startswith("--out"):
                assert spelled == "--output", f"{name} {spelled}: the output is --output/-o"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_and_shows_its_default(name):
    for option in _options(COMMANDS[name]):
        label = f"{name} {option.opts[0]}"
        assert option.help and option.help.strip(), f"{label} has no help text"
        if option.is_flag or option.default in (None, (), []):
            continue  # a switch shows its state; an unset option has no default to show
        shown = option.show_default is not False or "[default:" in option.help
        assert shown, f"{label}: its default {option.default!r} is not in the help"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_usage_lines_and_help_read_cleanly(name, cli):
    result = cli(*name.split(), "--help")
    assert result.code == 0, result
    usage = " ".join(result.out.split("\n\n", 1)[0].split())
    assert "[[" not in usage and "]...]" not in usage, usage
    arguments = usage.split("[OPTIONS]", 1)[-1]
    assert arguments == arguments.upper(), f"{name}: arguments are named in capitals: {usage}"
    assert not re.search(r"\\\s*$", result.out, re.M), f"{name}: a stray backslash in the help"


def test_retired_spellings_still_work_hidden(tmp_path, cli):
    """Each retired spelling is a hidden option of a command (old scripts keep running)."""
    hidden = {o for c in COMMANDS.values() for opt in _options(c, hidden=True) for o in opt.opts}
    assert set(RETIRED) <= hidden


def test_the_seed_and_min_count_help_give_their_reasons(cli):
    for name in ("train-lm",):
        text = " ".join(cli(name, "--help").out.split())
        assert "--threads 1" in text and "repeats bit for bit" in text
    for name, reason in (("build-dict", "every word"), ("train-lm", "raise it on large"),
                         ("train-w2v", "as word2vec and gensim")):  # fmt: skip
        text = " ".join(cli(name, "--help").out.split())
        assert reason in text, name


def test_the_demo_help_does_not_promise_a_time_it_cannot_keep(cli):
    text = cli("demo", "--help").out
    assert "30-second" not in text and "-o, --output" in text
