"""Which benchmark's dev (tuning) and test split each recording is in, and where they cross.

Every benchmark keeps its own dev and test apart, by its own rule; this module does not
restate those rules, it asks each benchmark for its files:

* ``pitch_real``: :func:`benchmarks.pitch_real.items` (SHA-1 of ``corpus/file``, of the level
  folder for the expressive lines; some corpora test only), over ``$VOICECOACH_SPEECH_DIR``;
* ``realcalls``: :func:`benchmarks.realcalls.voice_utterances` and
  :func:`~benchmarks.realcalls.echo_files` (voice lists, msa pair ranges; its dev adds
  :func:`~benchmarks.realcalls.devm_utterances` when present);
* ``mono_calls``: :func:`benchmarks.mono_calls.dev_utterances` (with the ``--extended``
  one-voice material: it was tuned on) and, for test, the realcalls test voices and
  :func:`~benchmarks.mono_calls.expressive_utterances`;
* ``coach_bench``: :func:`benchmarks.coach_bench.split_utterances` (MD5 of the line id, some
  voices test only; the optional FDA voices, ``$VOICECOACH_SPEECH_DIR/fda/``, test only and
  listed only when there). Its test list is the pool the rule makes test; the benchmark
  reviews the calm (bottom 20 %) and agitated (top 10 %) lines of the actors among them and
  the prompts and read sentences of 1.5 s or longer.

A recording is identified by the SHA-256 of its bytes, and failing that by a *name key*
(corpus family + file name, :func:`name_key`) for copies whose bytes differ (the Debian
package datasets and the team's fetch scripts ship many of the same files under other
names: ``expressive/airplane-let-m-oko.ogg``, ``expressive_cs/airplane/let-m-oko.ogg`` and
``$VOICECOACH_SPEECH_DIR/expressive/airplane/let-m-oko.ogg`` are one recording).

Components and the benchmark whose dev split tuned them (:data:`COMPONENTS`), and which
components each benchmark's figures depend on (:data:`DEPENDS`): the pitch tracker feeds
every benchmark; the speech decisions (VAD, conversation tracker, echo canceller) feed
``realcalls``, ``mono_calls`` and ``coach_bench``; the coach feeds ``coach_bench`` and the
nudge comparison of ``mono_calls``; the mono detector / attribution feeds ``mono_calls``.

Command line::

    python -m benchmarks.splits [--json FILE] [--where PATH ...] [--list BENCH]

prints the overlap matrix (rows: each benchmark's test set; columns: each component's tuning
set; cells: files and seconds of the test audio that tuned the component).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BENCHMARKS",
    "COMPONENTS",
    "DEPENDS",
    "AudioFile",
    "SplitDataMissingError",
    "audio_file",
    "depends",
    "main",
    "match",
    "matrix",
    "name_key",
    "split_files",
    "strict_drop",
    "tuned_test_files",
    "where",
]

BENCHMARKS = ("pitch_real", "realcalls", "mono_calls", "coach_bench")
COMPONENTS: dict[str, str] = {
    "pitch": "pitch_real",
    "speech": "realcalls",
    "coach": "coach_bench",
    "mono": "mono_calls",
}
"""component -> the benchmark whose dev split tuned it."""
DEPENDS: dict[str, tuple[str, ...]] = {
    "pitch_real": ("pitch",),
    "realcalls": ("pitch", "speech"),
    "mono_calls": ("pitch", "speech", "mono", "coach"),
    "coach_bench": ("pitch", "speech", "coach"),
}
"""benchmark -> the components its scored figures depend on."""
AUDIO_SUFFIXES = (".wav", ".ogg", ".gsm", ".flac")


class SplitDataMissingError(RuntimeError):
    """A split cannot be listed: its recordings are not on this machine."""


@dataclass(frozen=True)
class AudioFile:
    """One recording as the splits see it.

    Attributes
    ----------
    path : str
        The resolved path.
    sha256 : str
        SHA-256 of the file's bytes ("" if unknown).
    name : str
        Name key (:func:`name_key`), "" if none.
    seconds : float
        Duration, s (0 if unreadable).
    """

    path: str
    sha256: str
    name: str
    seconds: float


# ----------------------------------------------------------------------------- identity

#: folder names -> corpus family of the name key
_FAMILY = {
    "asterisk_en_all": "asterisk_en",
    "asterisk_fr_all": "asterisk_fr",
    "cmu_arctic": "arctic",
    "codec2_monologue": "codec2",
    "pocketsphinx_librivox": "librivox",
    "pyaudioanalysis": "counting",
    "vad_counting": "counting",
}
_FILLETS_LINE = re.compile(r"[^-/]+-[vm]-[^/]+")


def name_key(path: str | Path) -> str:
    """Corpus family + file name of a recording, the same for the datasets' and the fetch
    scripts' copies of it.

    Examples: ``.../expressive/airplane-let-m-oko.ogg``, ``.../expressive_cs/airplane/
    let-m-oko.ogg`` and ``$VOICECOACH_SPEECH_DIR/expressive/airplane/let-m-oko.ogg`` give
    ``fillets_cs/airplane/let-m-oko``; ``.../asterisk_en_all/demo-congrats.wav`` and
    ``dev/asterisk_en/demo-congrats.wav`` give ``asterisk_en/demo-congrats``; the LibriVox
    utterance ``sense_and_sensibility_01_austen_64kb-0870.wav`` and ``librivox/0870.wav``
    give ``librivox/0870``.
    """
    p = Path(path)
    stem, parent = p.stem, p.parent.name
    if p.suffix == ".ogg":
        if parent == "expressive" and "-" in stem:  # the flat cache: <level>-<line>
            level, line = stem.split("-", 1)
            if _FILLETS_LINE.fullmatch(line):
                return f"fillets_cs/{level}/{line}"
        if _FILLETS_LINE.fullmatch(stem):
            return f"fillets_cs/{parent}/{stem}"
        if parent == "klettres_fr":  # the flat cache of the syllables
            return f"klettres_fr/syllab/{stem}"
        if p.parent.parent.name == "klettres_fr":
            return f"klettres_fr/{parent}/{stem}"
    family = _FAMILY.get(parent, parent)
    if family == "librivox":
        stem = stem.rsplit("-", 1)[-1]
    return f"{family}/{stem}"


def _seconds(p: Path) -> float:
    if p.suffix == ".gsm":  # raw GSM 06.10: 33 bytes per 20 ms frame
        return p.stat().st_size // 33 * 0.02
    try:
        import soundfile as sf

        return float(sf.info(str(p)).duration)
    except Exception:
        return 0.0


@functools.cache
def _audio_file(path: str, size: int, mtime: float) -> AudioFile:
    p = Path(path)
    return AudioFile(path, hashlib.sha256(p.read_bytes()).hexdigest(), name_key(p), _seconds(p))


def audio_file(path: str | Path) -> AudioFile:
    """The :class:`AudioFile` of a recording on disk (hashed once per size and mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    return _audio_file(str(p), st.st_size, st.st_mtime)


def match(a: Iterable[AudioFile], b: Iterable[AudioFile]) -> list[tuple[AudioFile, AudioFile]]:
    """Each file of ``a`` that is also in ``b``, paired with its copy there: the same bytes
    (SHA-256), or, failing that, the same name key. In the order of ``a``."""
    by_sha: dict[str, AudioFile] = {}
    by_name: dict[str, AudioFile] = {}
    for f in b:
        if f.sha256:
            by_sha.setdefault(f.sha256, f)
        if f.name:
            by_name.setdefault(f.name, f)
    out = []
    for f in a:
        g = by_sha.get(f.sha256) if f.sha256 else None
        if g is None and f.name:
            g = by_name.get(f.name)
        if g is not None:
            out.append((f, g))
    return out


def _unique(files: Iterable[AudioFile]) -> list[AudioFile]:
    """Files once each (by content, then by path), in order."""
    seen: set[str] = set()
    out = []
    for f in files:
        k = f.sha256 or f.path
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


# ----------------------------------------------------------------------------- the splits


def _paths(groups: dict[str, list[Any]]) -> list[Path]:
    return [Path(u.path) for us in groups.values() for u in us]


def _speech_root() -> Path:
    from .pitch_real import SPEECH_ENV

    root = os.environ.get(SPEECH_ENV)
    if not root or not Path(root).is_dir():
        raise SplitDataMissingError(
            f"pitch_real's splits need its recordings: set ${SPEECH_ENV} to the folder of "
            "fetch-dev-speech.sh (dev/) and fetch-expressive.sh (expressive/)")
    return Path(root)


def _split_paths(bench: str, split: str) -> list[Path]:
    if split not in ("dev", "test"):
        raise ValueError(f"unknown split {split!r}; use dev or test")
    if bench == "pitch_real":
        from .pitch_real import items

        return [it.path for it in items(_speech_root()) if it.split == split]
    if bench == "realcalls":
        from .realcalls import devm_utterances, echo_files, voice_utterances

        paths = [*_paths(voice_utterances(split)), *echo_files(split)]
        if split == "dev":  # devm's male voices tune the speech decisions too, when present
            with contextlib.suppress(FileNotFoundError):
                paths += _paths(devm_utterances())
        return paths
    if bench == "mono_calls":
        from .mono_calls import dev_utterances, expressive_utterances
        from .realcalls import voice_utterances

        if split == "dev":
            return _paths(dev_utterances(extended=True))
        return [*_paths(voice_utterances("test")), *_paths(expressive_utterances("test"))]
    if bench == "coach_bench":
        from .coach_bench import split_utterances

        return _paths(split_utterances(split))
    raise ValueError(f"unknown benchmark {bench!r}; use one of {BENCHMARKS}")


@functools.lru_cache(maxsize=16)
def _split_files(bench: str, split: str) -> tuple[AudioFile, ...]:
    return tuple(_unique(audio_file(p) for p in _split_paths(bench, split)
                         if p.suffix in AUDIO_SUFFIXES))


def split_files(bench: str, split: str) -> list[AudioFile]:
    """The recordings of a benchmark's split, each once, by that benchmark's own rule."""
    return list(_split_files(bench, split))


def depends(bench: str, *, nudges: bool = True) -> tuple[str, ...]:
    """The components a benchmark's scored figures depend on (``mono_calls`` without its
    nudge comparison, ``nudges=False``, does not depend on the coach)."""
    deps = DEPENDS[bench]
    if bench == "mono_calls" and not nudges:
        deps = tuple(c for c in deps if c != "coach")
    return deps


def tuned_test_files(
    bench: str, components: Sequence[str] | None = None
) -> dict[str, list[tuple[AudioFile, AudioFile]]]:
    """For each component ``bench``'s figures depend on (or ``components``): the files of
    ``bench``'s test audio that were tuning audio of it, as (test file, its copy in the
    component's tuning set). A component tuned on ``bench``'s own dev split has none."""
    comps = DEPENDS[bench] if components is None else tuple(components)
    test = split_files(bench, "test")
    return {c: match(test, split_files(COMPONENTS[c], "dev")) for c in comps}


def _count(files: Iterable[AudioFile]) -> dict[str, Any]:
    fs = list(files)
    return {"files": len(fs), "seconds": round(sum(f.seconds for f in fs), 1)}


@functools.lru_cache(maxsize=8)
def _strict_drop(bench: str, comps: tuple[str, ...]) -> tuple[frozenset[str], str]:
    test = split_files(bench, "test")
    per = tuned_test_files(bench, comps)
    gone = {f.path for pairs in per.values() for f, _ in pairs}
    info = {
        "strict": True,
        "components": list(comps),
        "tuned_by": {c: COMPONENTS[c] for c in comps},
        "test_audio": _count(test),
        "dropped": _count(f for f in test if f.path in gone),
        "dropped_by_component": {c: _count(f for f, _ in pairs) for c, pairs in per.items()},
        "kept": _count(f for f in test if f.path not in gone),
        "note": "counts over the recordings the split rule makes test (coach_bench: the pool "
                "before the calm / agitated labels and the 1.5 s floor pick among them)",
    }
    return frozenset(gone), json.dumps(info)


def strict_drop(bench: str, *, nudges: bool = True,
                components: Sequence[str] | None = None) -> tuple[frozenset[str], dict[str, Any]]:
    """What ``--strict-test`` leaves out of ``bench``'s test audio: (resolved paths, a JSON-
    ready account: components, files and seconds dropped in all and per component, kept).

    Raises :class:`SplitDataMissingError` when a tuning set cannot be listed (``pitch_real``'s
    needs ``$VOICECOACH_SPEECH_DIR``): a strict run must not silently drop less."""
    comps = tuple(components) if components is not None else depends(bench, nudges=nudges)
    gone, info = _strict_drop(bench, comps)
    return gone, json.loads(info)


def where(path: str | Path) -> dict[str, list[str]]:
    """In which benchmarks' dev and test splits a recording is (by content or name key)."""
    f = audio_file(path)
    out: dict[str, list[str]] = {"dev": [], "test": []}
    for bench in BENCHMARKS:
        for split in ("dev", "test"):
            if match([f], split_files(bench, split)):
                out[split].append(bench)
    return out


def matrix() -> dict[str, Any]:
    """Rows: each benchmark's test set; columns: each component's tuning set; cells: files
    and seconds of the row's test audio in the column's tuning set (``depends``: whether the
    row's figures depend on that component). Also each test set's size."""
    out: dict[str, Any] = {}
    for bench in BENCHMARKS:
        test = split_files(bench, "test")
        row: dict[str, Any] = {"test_audio": _count(test), "cells": {}}
        for comp, tuner in COMPONENTS.items():
            pairs = match(test, split_files(tuner, "dev"))
            row["cells"][comp] = {**_count(f for f, _ in pairs),
                                  "depends": comp in DEPENDS[bench],
                                  "by_name_only": sum(f.sha256 != g.sha256 for f, g in pairs)}
        gone = {f.path for c in DEPENDS[bench]
                for f, _ in match(test, split_files(COMPONENTS[c], "dev"))}
        row["strict_drops"] = _count(f for f in test if f.path in gone)
        out[bench] = row
    return out


def format_matrix(m: dict[str, Any]) -> str:
    """The matrix as text: ``files / seconds`` per cell, ``*`` where the figures depend on
    the component (what ``--strict-test`` drops)."""
    comps = list(COMPONENTS)
    head = (f"{'test set of':12s} {'test audio':>14s} " + " ".join(
        f"{c + ' (' + COMPONENTS[c] + ' dev)':>26s}" for c in comps) + f" {'strict drops':>14s}")
    lines = ["test audio that tuned a component: files / seconds (* = the row's figures "
             "depend on it)", head, "-" * len(head)]
    for bench, row in m.items():
        t = row["test_audio"]
        cells = []
        for c in comps:
            x = row["cells"][c]
            cells.append(f"{('*' if x['depends'] else '') + str(x['files'])} / "
                         f"{x['seconds']:.0f} s".rjust(26))
        s = row["strict_drops"]
        lines.append(f"{bench:12s} {t['files']:>5d} / {t['seconds']:>5.0f} s " + " ".join(cells)
                     + f" {s['files']:>5d} / {s['seconds']:>4.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.splits``: the overlap matrix; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.splits",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, default=None, help="also write the matrix here")
    ap.add_argument("--where", nargs="+", default=None, metavar="PATH",
                    help="print in which benchmarks' dev and test splits these files are")
    ap.add_argument("--list", choices=BENCHMARKS, default=None, metavar="BENCH",
                    help="list BENCH's test files that tuned a component its figures use")
    a = ap.parse_args(argv)
    from .datasets import DatasetError

    try:
        if a.where:
            for p in a.where:
                w = where(p)
                print(f"{p}: dev of {', '.join(w['dev']) or '-'}; "
                      f"test of {', '.join(w['test']) or '-'}")
            return 0
        if a.list:
            for comp, pairs in tuned_test_files(a.list).items():
                print(f"# {a.list} test files in {COMPONENTS[comp]} dev ({comp}): {len(pairs)}")
                for f, g in pairs:
                    print(f"{f.path}\t{f.seconds:.2f} s\t{g.path}")
            return 0
        m = matrix()
    except (SplitDataMissingError, DatasetError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    print(format_matrix(m))
    if a.json:
        a.json.write_text(json.dumps(m, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
