"""Built-in corpora and evaluation sets (from installed packages) and corpus recipes."""

from textseq.datasets.builtin import (
    BUILTIN_CORPORA,
    EVAL_SETS,
    BuiltinData,
    corpus_path,
    eval_path,
    is_builtin_corpus,
)
from textseq.datasets.recipes import RECIPES, Recipe, build_recipe, get_recipe

__all__ = [
    "BUILTIN_CORPORA",
    "EVAL_SETS",
    "BuiltinData",
    "corpus_path",
    "eval_path",
    "is_builtin_corpus",
    "RECIPES",
    "Recipe",
    "build_recipe",
    "get_recipe",
]
