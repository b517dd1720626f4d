"""Every code block of the README runs here, so the README cannot drift from the code.

``python`` blocks run in order in one namespace; in ``bash`` blocks, every line that starts
with ``textseq`` runs through the real CLI and must exit 0. All of it runs in a temporary
folder. Lines that install or benchmark (``make``, ``pip``, ``python benchmarks/...``) are left
to CI and the benchmark scripts.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from textseq.cli.main import main

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README.read_text("utf-8")) if lang == language]


def cli_lines() -> list[str]:
    lines = []
    for body in blocks("bash"):
        for line in body.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("textseq "):
                lines.append(command)
    return lines


def test_readme_has_the_two_quick_start_commands():
    quick = README.read_text("utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [
        ln.split("#", 1)[0].strip()
        for lang, body in BLOCK.findall(quick)
        if lang == "bash"
        for ln in body.splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert commands == ["make demo", "make test"]


def test_readme_cli_commands_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    lines = cli_lines()
    assert lines, "the README shows no textseq command"
    for line in lines:
        argv = shlex.split(line)[1:]
        code = main(argv)
        out = capsys.readouterr()
        assert code == 0, f"README command failed: {line}\n{out.err[-2000:]}"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    python_blocks = blocks("python")
    assert python_blocks, "the README shows no Python"
    for index, body in enumerate(python_blocks):  # in order: later blocks use earlier names
        exec(compile(body, f"README.md python block {index}", "exec"), namespace)


def test_readme_uses_the_option_names_of_docs_cli():
    """No retired spelling (docs/CLI.md) in a README command or Python call."""
    code = "\n".join(blocks("bash") + blocks("python") + blocks("text"))
    for retired in ("--topn", "--topk", "topk=", " --out ", "--out-dir"):
        assert retired not in code, retired


def test_readme_shows_a_language_model_run_that_continues_the_prompt():
    """The language-model section shows a real run with its commands, and what it generates
    is text, not one word over and over."""
    section = README.read_text("utf-8").split("## Language model", 1)[1].split("\n## ", 1)[0]
    runs = [body for lang, body in BLOCK.findall(section) if lang == "text"]
    assert runs, "no run shown"
    run = runs[0]
    for command in ("$ textseq train-lm", "$ textseq predict", "$ textseq generate"):
        assert command in run
    outputs = run.split("$ textseq generate")[1:]
    for output in outputs:
        words = output.splitlines()[1].split()
        assert len(words) >= 10 and "<unk>" not in words
        assert all(words[i] != words[i + 1] for i in range(len(words) - 1)), words
