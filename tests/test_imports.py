"""Import structure of voicecoach/: no cycles, the analysis core imports no sources, sinks or
CLI, the live path loads no batch or cluster code, and no module imports the audio or GUI
libraries (sounddevice, soundcard, matplotlib, tkinter) when it is imported.

Imports are read from the source (``ast``), lazy ones inside functions and
``importlib.import_module("constant.name")`` calls included: a cycle hidden in a function is
still a cycle. Imports under ``if TYPE_CHECKING:`` are left out
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
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):  # importlib.import_module("a.b")
            target = node.args[0].value
            if target.startswith("."):
                level = len(target) - len(target.lstrip("."))
                target = _resolve(name, is_pkg, level, target.lstrip(".") or None)
            out.add(target)
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
    # importlib.import_module with a constant name, in a function
    assert "voicecoach.sources.loopback" in GRAPH["voicecoach.setup_wizard"]
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


#: The analysis core: what live and review share. It reads arrays, never devices or screens.
CORE_PACKAGES = ("voicecoach.analysis", "voicecoach.baseline", "voicecoach.conversation")
CORE_MODULES = ("voicecoach.pipeline", "voicecoach.coach", "voicecoach.events", "voicecoach.io")
#: What the core must never import: audio sources, output sinks, the command line.
NOT_CORE = ("voicecoach.sources", "voicecoach.sinks", "voicecoach.cli", "voicecoach.__main__",
            "voicecoach.session", "voicecoach.setup_wizard")


def _core() -> list[str]:
    return sorted(m for m in MODULES
                  if m in CORE_MODULES or m.startswith(tuple(p + "." for p in CORE_PACKAGES))
                  or m in CORE_PACKAGES)


def _outside_core(names: set[str]) -> set[str]:
    return {m for m in names if m in NOT_CORE or m.startswith(tuple(p + "." for p in NOT_CORE))}


def test_core_list_is_the_core() -> None:
    """The core modules the next test walks exist (a rename must not empty the check)."""
    core = _core()
    assert set(CORE_MODULES) | set(CORE_PACKAGES) <= set(core)
    assert {"voicecoach.analysis.channel", "voicecoach.baseline.tracker",
            "voicecoach.conversation.tracker"} <= set(core)
    assert _outside_core({"voicecoach.sinks.model", "voicecoach.sources", "voicecoach.cli",
                          "voicecoach.sourcesx", "voicecoach.pipeline"}) == {
        "voicecoach.sinks.model", "voicecoach.sources", "voicecoach.cli"}


@pytest.mark.parametrize("module", _core())
def test_analysis_core_imports_no_sources_sinks_or_cli(module: str) -> None:
    """Nothing the core can import (lazily included) is a source, a sink or the CLI."""
    assert not _outside_core(closure(module))


#: Imported only where a device is opened or a window drawn: the core, review and the test
#: suite run on a machine without PortAudio, an audio server or a display.
HARDWARE = ("sounddevice", "soundcard", "matplotlib", "tkinter")


def test_no_module_imports_audio_or_gui_libraries_when_imported() -> None:
    """Every voicecoach module imports, and the analysis core runs, with the audio and GUI
    libraries absent; none of them is even tried (a ``try: import`` at module level counts)."""
    code = f"""
import importlib, pkgutil, sys
import numpy as np
tried = []

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HARDWARE!r}:
            f = sys._getframe(1)
            while f.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
                f = f.f_back
            tried.append(f"{{name}} (from {{f.f_globals.get('__name__')}})")
            raise ModuleNotFoundError(name)
        return None

sys.meta_path.insert(0, Block())
import voicecoach
names = [m.name for m in pkgutil.walk_packages(voicecoach.__path__, "voicecoach.")]
for name in names:
    if not name.endswith("__main__"):
        importlib.import_module(name)
from voicecoach.analysis import ChannelAnalyzer
rows = ChannelAnalyzer().process(
    0.1 * np.random.default_rng(0).standard_normal(16000).astype(np.float32))
print(len(names), len(rows.t_s), sorted(set(tried)))  # what tried, imported from where
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    n_modules, n_rows, tried = r.stdout.split(maxsplit=2)
    assert int(n_modules) == len(MODULES) - 1  # the package itself is not walked
    assert int(n_rows) == 100
    assert tried.strip() == "[]"
