"""The word2vec package's imports: no cycle between its modules, not even through an import
inside a function, and Numba only in its kernel modules."""

import ast
from pathlib import Path

import textseq.word2vec

PACKAGE = "textseq.word2vec"
FOLDER = Path(textseq.word2vec.__file__).parent
MODULES = {f"{PACKAGE}.{p.stem}": p for p in FOLDER.glob("*.py") if p.stem != "__init__"}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    return {name: _imports(path) & set(MODULES) for name, path in MODULES.items()}


def test_the_graph_sees_imports_inside_functions():
    graph = _graph()
    assert f"{PACKAGE}.kernels" in graph[f"{PACKAGE}.plan"]
    assert f"{PACKAGE}.evaluation" in graph[f"{PACKAGE}.keyedvectors"]


def test_no_module_of_the_package_imports_itself_back():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(name, path):
        state[name] = "open"
        for other in sorted(graph[name]):
            assert state.get(other) != "open", " -> ".join([*path, name, other])
            if other not in state:
                visit(other, [*path, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_numba_only_in_kernel_modules_and_they_import_only_kernels():
    for name, path in MODULES.items():
        imports = _imports(path)
        uses_numba = any(m == "numba" or m.startswith("numba.") for m in imports)
        assert uses_numba == name.endswith("kernels"), name
        if uses_numba:
            ours = {m for m in imports if m.startswith("textseq.")}
            assert all(m.split(".")[2].endswith("kernels") for m in ours), (name, ours)
