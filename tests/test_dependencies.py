"""Dependencies match imports (pyproject.toml against the source, read with ``ast``).

* The runtime install requires exactly what ``voicecoach/`` imports when a module is imported
  (module level, ``try:`` and ``if`` blocks, class bodies), plus what it imports lazily
  outside the optional features.
* An optional feature (Silero, Windows loopback, Dask) is imported lazily and sits in its
  extra; peers and test tools (librosa, parselmouth, selenium, ...) only in extras.
* ``dev`` (what ``scripts/setup.sh`` installs) is every other extra plus ruff and py-spy, and
  covers everything the tests and benchmarks import.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

#: Import name -> distribution name, where they differ.
DIST = {
    "webrtcvad": "webrtcvad-wheels",
    "distributed": "dask",
    "parselmouth": "praat-parselmouth",
    "yaml": "pyyaml",
    "swift_f0": "swift-f0",
    "PIL": "pillow",
}
#: Imported by the tests or benchmarks but installed otherwise (Debian packages, a wheel
#: installed with --no-deps by scripts/setup.sh) or the project itself.
NOT_FROM_PYPROJECT = {"voicecoach", "benchmarks", "tests", "silero_vad"}
#: Optional runtime features: lazily imported modules and their extra.
OPTIONAL = {"onnxruntime": "silero", "livekit": "aec", "pyaec": "aec", "soundcard": "loopback",
            "dask": "cluster"}


def _name(req: str) -> str:
    return re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower()


def _extra(name: str) -> set[str]:
    out: set[str] = set()
    for req in PYPROJECT["optional-dependencies"][name]:
        m = re.fullmatch(r"voicecoach\[(.+)\]", req.split(">")[0].strip())
        if m:
            for sub in m[1].split(","):
                out |= _extra(sub.strip())
        else:
            out.add(_name(req))
    return out


def _import_names(node: ast.AST) -> list[str]:
    """The module names an ``import``, ``from ... import`` or ``import_module("...")`` reads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def _on_import(tree: ast.Module) -> set[ast.AST]:
    """The nodes that run when the module is imported: everything outside function bodies
    (``try:``, ``if`` and class bodies included), but not ``if TYPE_CHECKING:`` blocks."""
    out: set[ast.AST] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            continue
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(
                node.test, "attr", "")) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        out.add(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _imports(folder: Path) -> tuple[set[str], set[str]]:
    """Third-party distributions imported when a module is imported, and anywhere (lazy
    included)."""
    top: set[str] = set()
    anywhere: set[str] = set()
    for p in folder.rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        eager = _on_import(tree)
        for node in ast.walk(tree):
            for n in _import_names(node):
                mod = n.split(".")[0]
                if mod in sys.stdlib_module_names or mod in NOT_FROM_PYPROJECT:
                    continue
                dist = DIST.get(mod, mod).lower()
                anywhere.add(dist)
                if node in eager:
                    top.add(dist)
    return top, anywhere


def test_the_import_reader_tells_eager_from_lazy(tmp_path: Path) -> None:
    """Imports that run on import (module level, in ``try:``, ``if``, class bodies) count as
    eager; those in functions, lambdas and ``if TYPE_CHECKING:`` do not."""
    (tmp_path / "m.py").write_text(
        "import numpy\n"
        "try:\n    import soxr\nexcept ImportError:\n    soxr = None\n"
        "if numpy:\n    from scipy import signal\n"
        "class C:\n    import rich\n"
        "    def f(self):\n        import onnxruntime\n"
        "if TYPE_CHECKING:\n    import livekit\n"
        "else:\n    import soundfile\n"
        "def g():\n    importlib.import_module('dask.distributed')\n"
        "h = lambda: __import__('os') or importlib.import_module('soundcard')\n")
    top, anywhere = _imports(tmp_path)
    assert top == {"numpy", "soxr", "scipy", "rich", "soundfile"}
    assert anywhere == top | {"onnxruntime", "livekit", "dask", "soundcard"}


def test_runtime_dependencies_are_what_voicecoach_imports() -> None:
    runtime = {_name(r) for r in PYPROJECT["dependencies"]}
    top, anywhere = _imports(ROOT / "voicecoach")
    assert top <= runtime, "imported at module level but not a runtime dependency"
    lazy_optional = anywhere - runtime
    assert lazy_optional == set(OPTIONAL), "imported, but neither required nor a known extra"
    for mod, extra in OPTIONAL.items():
        assert mod in _extra(extra), f"{mod} belongs in the {extra!r} extra"
    assert runtime <= anywhere, f"required but never imported: {runtime - anywhere}"


def test_peers_and_test_tools_are_extras_only() -> None:
    runtime = {_name(r) for r in PYPROJECT["dependencies"]}
    for peer in ("librosa", "praat-parselmouth", "selenium", "pytest", "hypothesis"):
        assert peer not in runtime
    assert {"librosa", "praat-parselmouth"} <= _extra("benchmarks")
    assert {"pytest", "selenium"} <= _extra("test")


def test_dev_is_every_extra_and_the_tools() -> None:
    """``.[dev]`` (what scripts/setup.sh installs) holds every other extra, ruff and py-spy."""
    extras = set(PYPROJECT["optional-dependencies"]) - {"dev"}
    assert {"silero", "aec", "loopback", "cluster", "benchmarks", "test"} <= extras
    dev = _extra("dev")
    for extra in extras:
        assert _extra(extra) <= dev, f"dev lacks the {extra!r} extra: {_extra(extra) - dev}"
    assert {"ruff", "py-spy"} <= dev


def test_dev_installs_what_tests_and_benchmarks_import() -> None:
    dev = _extra("dev") | {_name(r) for r in PYPROJECT["dependencies"]}
    for folder in ("tests", "benchmarks"):
        _, used = _imports(ROOT / folder)
        assert used <= dev, f"{folder} imports {used - dev}, not installed by .[dev]"


def _pins() -> dict[str, str]:
    """scripts/constraints.txt as {canonical name: pinned version}."""
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    for line in (ROOT / "scripts" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not NAME==VERSION"
            pins[canonicalize_name(name)] = version
    return pins


def test_constraints_pin_every_dependency_within_its_range() -> None:
    """scripts/setup.sh installs with ``-c scripts/constraints.txt``: every requirement of
    pyproject.toml (runtime and every extra) and silero-vad is pinned, inside its range."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = _pins()
    reqs = list(PYPROJECT["dependencies"])
    for extra in PYPROJECT["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("voicecoach[")]
    assert len(reqs) > 20
    for text in reqs:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in scripts/constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"scripts/constraints.txt pins {req.name}=={pins[name]}, outside pyproject.toml's "
            f"{req.specifier}: refresh the constraints (README, Development)")
    assert "silero-vad" in pins
