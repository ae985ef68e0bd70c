"""The public API's docstrings have numpydoc ``Parameters`` and ``Returns`` sections.

Public: every function, class and method of a ``voicecoach`` module whose name (and whose
module path) has no leading underscore, defined in that module; the names re-exported by
the package ``__init__`` files are among them. A function or method with parameters (other
than ``self`` / ``cls``) needs ``Parameters``; one that returns a value needs ``Returns``
(``Yields`` for a generator); a class whose own ``__init__`` takes parameters documents
them in the class or ``__init__`` docstring. A dataclass's constructor is documented by
its ``Attributes`` section, which every public dataclass has and which names every
constructor field (``Parameters`` would say the same; one convention is kept), properties are
attributes, a ``Protocol``'s method stubs are documented by its implementations, and dunder
methods are not checked. A parameter or dataclass attribute named with a unit suffix
(``_s``, ``_hz``, ``_db``, ...) states its unit, and an ``np.ndarray`` parameter, return
value or dataclass attribute its shape.

Run ``python tests/test_docstrings.py`` to list what is missing.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import voicecoach

#: Modules not yet documented to this standard, with the reason; shrink it, never grow it.
PENDING: dict[str, str] = {}

#: Single names exempt from the check, with the reason.
ALLOWED: dict[str, str] = {}

#: Names the API audit found undocumented; the walk must see them (it is not vacuous).
AUDITED = (
    "voicecoach.analysis.channel.Analyzer.process",
    "voicecoach.analysis.blocks.check_block",
    "voicecoach.analysis.features.Rows.concat",
    "voicecoach.analysis.features.Rows.equals",
    "voicecoach.analysis.features.Features.to_dict",
    "voicecoach.analysis.echo.EchoCanceller.delay_far",
    "voicecoach.baseline.calibration.Calibrator.feed_array",
    "voicecoach.baseline.profile.hz_to_st",
    "voicecoach.baseline.profile.st_to_hz",
    "voicecoach.baseline.profile.Profile.to_dict",
    "voicecoach.baseline.profile.Profile.from_dict",
    "voicecoach.baseline.measures.RelativeMeasures.from_arrays",
    "voicecoach.coach.Coach.personal_threshold",
    "voicecoach.coach.Coach.calm_excursion",
    "voicecoach.coach.Coach.baseline_verdict",
    "voicecoach.coach.Coach.effective_threshold",
    "voicecoach.coach.Coach.set_threshold_profile",
    "voicecoach.events.event_to_dict",
    "voicecoach.events.event_from_dict",
    "voicecoach.events.final_events",
    "voicecoach.io.audio_info",
    "voicecoach.io.iter_hops",
    "voicecoach.io.iter_features",
    "voicecoach.io.select_channels",
    "voicecoach.pipeline.make_echo_canceller",
    "voicecoach.pipeline.CallAnalyzer.summary",
    "voicecoach.profiles.ProfileStore.load",
    "voicecoach.profiles.ProfileStore.delete",
    "voicecoach.profiles.load_profile",
    "voicecoach.review.progress.BatchProgress.start",
    "voicecoach.review.progress.BatchProgress.update",
    "voicecoach.review.progress.BatchProgress.done",
)

_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}[ \t]*$", re.M)


def sections(doc: str | None) -> set[str]:
    """The numpydoc section titles of a docstring."""
    return set(_SECTION.findall(inspect.cleandoc(doc or "")))


def documented_params(doc: str | None) -> set[str]:
    """The names a docstring's ``Parameters`` section documents (``a, b : int`` gives both;
    ``*args`` / ``**kwargs`` are named without their stars)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    names: set[str] = set()
    inside = False
    for i, line in enumerate(lines):
        if re.fullmatch(r"-{3,}\s*", line):
            continue
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}\s*", lines[i + 1]) and line.strip():
            inside = line.strip() == "Parameters"
            continue
        if inside and line and not line[0].isspace():
            names.update(n.strip().lstrip("*") for n in line.split(" : ")[0].split(","))
    return names


def _params(fn: Callable[..., Any]) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return []
    return [p for p in sig.parameters if p not in ("self", "cls")]


def _returns(fn: Callable[..., Any]) -> str | None:
    """``"Returns"``, ``"Yields"`` (a generator) or None (returns nothing)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert isinstance(tree, ast.FunctionDef | ast.AsyncFunctionDef)
    ann = tree.returns
    if isinstance(ann, ast.Constant) and ann.value in (None, "None"):
        return None
    if isinstance(ann, ast.Name | ast.Constant) and getattr(ann, "id", getattr(ann, "value", ""))\
            in ("NoReturn", "Never"):
        return None
    kind = None
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue  # nested scopes return for themselves
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return "Yields"
        if isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            kind = "Returns"
        stack.extend(ast.iter_child_nodes(node))
    return kind if kind is not None or ann is None else "Returns"


def public_modules() -> list[str]:
    names = ["voicecoach"]
    for m in pkgutil.walk_packages(voicecoach.__path__, "voicecoach."):
        if not any(part.startswith("_") for part in m.name.split(".")):
            names.append(m.name)
    return sorted(names)


def public_callables() -> Iterator[tuple[str, Any, Callable[..., Any]]]:
    """``(qualified name, object whose docstring counts, function)``; constructors are
    named ``Class.__init__`` and documented by the class."""
    for name in public_modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj, obj
            elif inspect.isclass(obj) and not getattr(obj, "_is_protocol", False):
                init = obj.__dict__.get("__init__")
                if (inspect.isfunction(init) and init.__module__ == name
                        and not dataclasses.is_dataclass(obj)):
                    yield f"{name}.{attr}.__init__", obj, init
                for meth_name, meth in obj.__dict__.items():
                    if meth_name.startswith("_"):
                        continue
                    if isinstance(meth, staticmethod | classmethod):
                        meth = meth.__func__
                    if inspect.isfunction(meth):
                        yield f"{name}.{attr}.{meth_name}", meth, meth


def public_dataclasses() -> Iterator[tuple[str, type]]:
    """``(qualified name, class)`` of each public dataclass, walked like
    :func:`public_callables`."""
    for name in public_modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if (not attr.startswith("_") and getattr(obj, "__module__", None) == name
                    and inspect.isclass(obj) and dataclasses.is_dataclass(obj)):
                yield f"{name}.{attr}", obj


def missing() -> dict[str, list[str]]:
    """Qualified name -> the sections it lacks, over the whole public API."""
    out: dict[str, list[str]] = {}
    for qual, owner, fn in public_callables():
        have = sections(owner.__doc__)
        is_init = qual.endswith(".__init__")
        if is_init:
            have |= sections(fn.__doc__)
        need = []
        if _params(fn) and "Parameters" not in have:
            need.append("Parameters")
        kind = None if is_init else _returns(fn)
        if kind is not None and kind not in have:  # a generator Yields, a function Returns
            need.append(kind)
        if need:
            out[qual] = need
    return out


def _pending(qual: str) -> bool:
    return any(qual == m or qual.startswith(m + ".") for m in PENDING) or qual in ALLOWED


@pytest.fixture(scope="module")
def gaps() -> dict[str, list[str]]:
    return missing()


def test_public_api_has_parameters_and_returns_sections(gaps: dict[str, list[str]]) -> None:
    bad = [f"{q}: no {' / '.join(n)} section" for q, n in gaps.items() if not _pending(q)]
    assert not bad, "numpydoc sections missing (see STYLE.md):\n" + "\n".join(bad)


def test_parameters_sections_name_the_signature() -> None:
    """A ``Parameters`` section documents exactly the parameters the function takes."""
    bad = []
    for qual, owner, fn in public_callables():
        doc = owner.__doc__
        if qual.endswith(".__init__"):
            doc = f"{owner.__doc__ or ''}\n\n{fn.__doc__ or ''}"
        if "Parameters" not in sections(doc) or _pending(qual):
            continue
        params, named = set(_params(fn)), documented_params(doc)
        if params != named:
            bad.append(f"{qual}: undocumented {sorted(params - named)}, "
                       f"not parameters {sorted(named - params)}")
    assert not bad, "Parameters sections out of step with signatures:\n" + "\n".join(bad)


def entries(doc: str | None, section: str = "Parameters") -> list[tuple[list[str], str, str]]:
    """``(names, type, description)`` of each entry of a numpydoc section. Names stacked on
    consecutive lines with no description between them share the next description; in
    ``Returns`` a line without `` : `` is the type (its names are ``[]``)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    out: list[list[Any]] = []
    inside = False
    for i, line in enumerate(lines):
        if re.fullmatch(r"-{3,}\s*", line):
            continue
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}\s*", lines[i + 1]) and line.strip():
            inside = line.strip() == section
            continue
        if not inside:
            continue
        if line and not line[0].isspace():
            if " : " in line or section == "Parameters":
                names, _, typ = line.partition(" : ")
                out.append([[n.strip().lstrip("*") for n in names.split(",")], typ.strip(), ""])
            else:
                out.append([[], line.strip(), ""])
        elif out and line.strip():
            out[-1][2] = f"{out[-1][2]} {line.strip()}".strip()
    for k in range(len(out) - 2, -1, -1):
        if not out[k][2]:
            out[k][2] = out[k + 1][2]
    return [(n, t, d) for n, t, d in out]


#: A parameter named with a unit suffix states the unit in its type or description.
UNITS = {"_s": r"(?<![\w'’])s\b|\b[Ss]econds?\b", "_ms": r"\bms\b|\b[Mm]illiseconds?\b",
         "_hz": r"\bk?Hz\b", "_db": r"\bdB(FS)?\b", "_dbfs": r"\bdBFS\b", "_ppm": r"\bppm\b",
         "_st": r"\b[Ss]emitones?\b", "_hops": r"\b[Hh]ops?\b"}
#: ... unless its description sends the reader to another entry, which states it.
_REFERS = re.compile(r"^(As|Same as|The same|Like|See|From)\b|\bsee :\w+:`|^The attributes below")
_ARRAY = re.compile(r"^(np|numpy)\.ndarray\b")


def unit_gaps(qual: str, doc: str | None, section: str = "Parameters") -> list[str]:
    """The entries of ``section`` whose unit suffix is not stated."""
    bad = []
    for names, typ, desc in entries(doc, section):
        for name in names:
            for suffix, unit in UNITS.items():
                if (name.endswith(suffix) and not _REFERS.search(desc)
                        and not re.search(unit, f"{typ} {desc}")):
                    bad.append(f"{qual}: {name} ({suffix[1:]}): {desc[:70]!r}")
    return bad


def shape_gaps(qual: str, doc: str | None, section: str) -> list[str]:
    """The ``np.ndarray`` entries of ``section`` that give no shape."""
    return [f"{qual}: {section} {', '.join(names) or typ}"
            for names, typ, desc in entries(doc, section)
            if _ARRAY.match(typ) and "shape" not in f"{typ} {desc}".lower()
            and not _REFERS.search(desc)]


def _full_doc(qual: str, owner: Any, fn: Callable[..., Any]) -> str | None:
    if qual.endswith(".__init__"):
        return f"{owner.__doc__ or ''}\n\n{fn.__doc__ or ''}"
    return owner.__doc__


def test_parameters_state_their_units() -> None:
    """A parameter or dataclass attribute named ``*_s``, ``*_ms``, ``*_hz``, ``*_db``,
    ``*_ppm``, ``*_st`` or ``*_hops`` names that unit in its entry (README: "with units and
    shapes")."""
    bad = []
    for qual, owner, fn in public_callables():
        if not _pending(qual):
            bad += unit_gaps(qual, _full_doc(qual, owner, fn))
    for qual, cls in public_dataclasses():
        if not _pending(qual):
            bad += unit_gaps(qual, cls.__doc__, "Attributes")
    assert not bad, "parameters or attributes without their unit:\n" + "\n".join(bad)


def test_arrays_state_their_shapes() -> None:
    """An ``np.ndarray`` parameter, return value, yielded value or dataclass attribute
    gives its shape."""
    bad = []
    for qual, owner, fn in public_callables():
        if _pending(qual):
            continue
        bad += shape_gaps(qual, _full_doc(qual, owner, fn), "Parameters")
        if not qual.endswith(".__init__"):
            for section in ("Returns", "Yields"):
                bad += shape_gaps(qual, fn.__doc__, section)
    for qual, cls in public_dataclasses():
        if not _pending(qual):
            bad += shape_gaps(qual, cls.__doc__, "Attributes")
    assert not bad, "arrays without a shape:\n" + "\n".join(bad)


def test_dataclass_attributes_sections_name_every_field() -> None:
    """Every public dataclass has an ``Attributes`` section (its constructor's
    documentation) that names every constructor field (inherited ones too)."""
    bad, checked = [], 0
    for qual, obj in public_dataclasses():
        checked += 1
        if "Attributes" not in sections(obj.__doc__):
            bad.append(f"{qual}: no Attributes section")
            continue
        named = {n for names, _, _ in entries(obj.__doc__, "Attributes") for n in names}
        fields = {f.name for f in dataclasses.fields(obj) if f.init}
        if fields - named:
            bad.append(f"{qual}: {sorted(fields - named)}")
    assert checked >= 60  # the walk found them (Config and its sections, events, Features, ...)
    assert not bad, "dataclass fields missing from Attributes:\n" + "\n".join(bad)


def test_unit_and_shape_readers() -> None:
    """The two checks above on a docstring with each kind of gap, and without."""
    doc = """Do.

    Parameters
    ----------
    t_s, now_s : np.ndarray, shape (n,)
        Times, s.
    gap_s : float
        The model's pause.
    f0_hz : np.ndarray
        Pitch, Hz.
    level_db : float
        As :func:`g`.
    n_hops : int
        Hops to read.

    Returns
    -------
    np.ndarray
        The answer, in seconds.
    """
    assert [e[0] for e in entries(doc)] == [["t_s", "now_s"], ["gap_s"], ["f0_hz"],
                                           ["level_db"], ["n_hops"]]
    assert [g.split(":")[1] for g in unit_gaps("f", doc)] == [" gap_s (s)"]  # "model's" is no s
    assert unit_gaps("f", doc.replace("pause.", "pause, s.")) == []
    assert shape_gaps("f", doc, "Parameters") == ["f: Parameters f0_hz"]
    assert shape_gaps("f", doc, "Returns") == ["f: Returns np.ndarray"]
    assert entries(doc, "Returns") == [([], "np.ndarray", "The answer, in seconds.")]


_ORDER = ("Parameters", "Returns", "Yields", "Other Parameters", "Raises", "Warns",
          "Warnings", "See Also", "Notes", "References", "Examples")


def test_sections_in_numpydoc_order() -> None:
    bad = []
    for qual, owner, fn in public_callables():
        for obj in (owner, fn):
            found = [s for s in _SECTION.findall(inspect.cleandoc(obj.__doc__ or ""))
                     if s in _ORDER]
            if found != sorted(found, key=_ORDER.index):
                bad.append(f"{qual}: {found}")
    assert not bad, "sections out of numpydoc order:\n" + "\n".join(sorted(set(bad)))


def test_walk_sees_the_audited_and_exported_names() -> None:
    seen = {q for q, _, _ in public_callables()}
    assert not set(AUDITED) - seen
    modules = set(public_modules())
    for pkg in [m for m in modules if hasattr(importlib.import_module(m), "__path__")]:
        for export in getattr(importlib.import_module(pkg), "__all__", ()):
            obj = getattr(importlib.import_module(pkg), export)
            if inspect.isfunction(obj):
                assert f"{obj.__module__}.{obj.__qualname__}" in seen, (pkg, export)
            elif inspect.isclass(obj):
                assert obj.__module__ in modules, (pkg, export)


def test_exemptions_are_still_needed(gaps: dict[str, list[str]]) -> None:
    stale = [m for m in PENDING if not any(q == m or q.startswith(m + ".") for q in gaps)]
    stale += [q for q in ALLOWED if q not in gaps]
    assert not stale, f"documented now: remove from PENDING / ALLOWED: {stale}"


def test_section_parser() -> None:
    def f(x: int) -> int:
        """Do it.

        Parameters
        ----------
        x : int

        Returns
        -------
        int
        """
        return x

    assert sections(f.__doc__) == {"Parameters", "Returns"}
    assert documented_params(f.__doc__) == {"x"}
    assert documented_params("""Do.

        Parameters
        ----------
        a, b : float
            Both.
        **kw
            Rest.

        Returns
        -------
        out : int
        """) == {"a", "b", "kw"}
    assert missing.__doc__ and "Returns" not in sections(missing.__doc__)

    def gen() -> Iterator[int]:
        """Count.

        Returns
        -------
        int
        """
        yield 1

    assert _returns(gen) == "Yields" and _returns(f) == "Returns"


if __name__ == "__main__":
    for qual, need in missing().items():
        print(f"{qual}: {', '.join(need)}{'  (pending)' if _pending(qual) else ''}")
