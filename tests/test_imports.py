"""Import structure of voicecoach/: no cycles, and the live path loads no batch or cluster code.

Imports are read from the source (``ast``), lazy ones inside functions included: a cycle
hidden in a function is still a cycle. Imports under ``if TYPE_CHECKING:`` are left out
(they never run). A package's ``__init__`` that a submodule import runs is not counted as
an edge (every module would otherwise import its package).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "voicecoach"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PKG.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _resolve(importer: str, is_pkg: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_pkg:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports_of(name: str) -> set[str]:
    """The voicecoach modules ``name`` imports (at any depth of its code)."""
    path = MODULES[name]
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_pkg, node.level, node.module)
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if sub in MODULES else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found = set()
    for m in out:
        while m and m not in MODULES:  # `import voicecoach.x.y` of a name, not a module
            m = m.rpartition(".")[0]
        if m and m != name:
            found.add(m)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def closure(start: str) -> set[str]:
    """Every voicecoach module ``start`` can import, lazily or not."""
    seen = {start}
    todo = [start]
    while todo:
        for m in GRAPH[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def test_the_import_reader_sees_imports() -> None:
    """The checks below are only as good as this reader: it must see both kinds."""
    assert "voicecoach.pipeline" in GRAPH["voicecoach.session"]  # module level
    assert "voicecoach.sinks.report" in GRAPH["voicecoach.review.one_call"]  # in a function
    assert "voicecoach.review.calls" in GRAPH["voicecoach.cli"]
    # a known cycle is found
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


LIVE_ENTRY = ("voicecoach.session", "voicecoach.sources.capture", "voicecoach.sinks.display")
BATCH_AND_CLUSTER = (
    "voicecoach.review.batch",
    "voicecoach.review.progress",
    "voicecoach.review.whatif",
    "voicecoach.review.one_call",
    "voicecoach.sinks.index",
    "voicecoach.sinks.report",
)


@pytest.mark.parametrize("entry", LIVE_ENTRY)
def test_live_path_imports_no_batch_code(entry: str) -> None:
    assert not closure(entry) & set(BATCH_AND_CLUSTER)


def test_live_modules_load_no_batch_or_cluster_code() -> None:
    """What actually lands in sys.modules when the live path is imported."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in LIVE_ENTRY)
        + "bad = [m for m in sys.modules if m in "
        + repr((*BATCH_AND_CLUSTER, "distributed", "dask", "concurrent.futures.process"))
        + " or m.startswith(('distributed.', 'dask.'))]\n"
        + "print(bad)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert r.stdout.strip() == "[]"


def test_review_package_names_resolve_lazily() -> None:
    """``voicecoach.review.NAME`` finds each public name in its module, loaded on first use."""
    code = (
        "import sys, voicecoach.review as rv\n"
        "assert 'voicecoach.review.batch' not in sys.modules\n"
        "for name in rv.__all__:\n"
        "    obj = getattr(rv, name)\n"
        "    mod = getattr(obj, '__module__', None)\n"
        "    assert mod is None or mod.startswith('voicecoach.'), (name, mod)\n"
        "assert 'voicecoach.review.batch' in sys.modules\n"
        "print(len(rv.__all__))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert int(r.stdout) >= 20
