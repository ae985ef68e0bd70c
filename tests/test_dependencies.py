"""Dependencies match imports (pyproject.toml against the source, read with ``ast``).

* The runtime install requires exactly what ``voicecoach/`` imports at module level, plus
  what it imports lazily outside the optional features.
* An optional feature (Silero, Windows loopback, Dask) is imported lazily and sits in its
  extra; peers and test tools (librosa, parselmouth, selenium, ...) only in extras.
* ``dev`` (what ``scripts/setup.sh`` installs) covers everything the tests and benchmarks
  import.
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


def _imports(folder: Path) -> tuple[set[str], set[str]]:
    """Third-party distributions imported at module level, and anywhere (lazy included)."""
    top: set[str] = set()
    anywhere: set[str] = set()
    for p in folder.rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
            for n in names:
                mod = n.split(".")[0]
                if mod in sys.stdlib_module_names or mod in NOT_FROM_PYPROJECT:
                    continue
                dist = DIST.get(mod, mod).lower()
                anywhere.add(dist)
                if node in tree.body:
                    top.add(dist)
    return top, anywhere


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


def test_dev_installs_what_tests_and_benchmarks_import() -> None:
    dev = _extra("dev") | {_name(r) for r in PYPROJECT["dependencies"]}
    for folder in ("tests", "benchmarks"):
        _, used = _imports(ROOT / folder)
        assert used <= dev, f"{folder} imports {used - dev}, not installed by .[dev]"
