"""Pitch against a laryngograph reference (the FDA database): fine error in cents, gross errors.

``python -m benchmarks.pitch_egg [--root DIR] [--cond wide tel] [--peers praat pyin swiftf0]
[--json FILE] [--lags]``; ``python -m benchmarks.pitch_egg --fetch [SOURCE]`` installs the data.

Issue #11 asks for the pitch tracker within 25 cents of an electroglottograph (EGG) reference.
:mod:`benchmarks.pitch_real` scores against Praat, an estimate; here the reference comes from
the vocal folds themselves.

Data
----
The Fundamental Frequency Determination Algorithm evaluation database (FDA; P. Bagshaw,
Centre for Speech Technology Research, University of Edinburgh, 1993): two speakers of
British English, ``rl`` (male, 85-190 Hz) and ``sb`` (female, 150-330 Hz), 50 read sentences
each (``rl001``-``rl050``, ``sb001``-``sb050``; 331 s in all), recorded at 20 kHz together
with a laryngograph. Its reference F0 was computed from the laryngograph's glottal epochs;
the copy used here (a speech-technology course of the Universitat Politecnica de Catalunya,
kept in the GitHub repository ``vicaub/Pitch-Estimation-and-Voicing-Detection``,
``data/fda_ue``) holds WAV files and, beside each, a ``.f0ref`` file: one value per 15 ms
frame, frame ``k`` centred at ``k * 0.015`` s (32 ms windows starting 16 ms before the
signal), 0 where the laryngograph saw no voicing. ``--lags`` checks that grid: Praat's error
against it is least at a shift of 0 to +2.5 ms (its median fine error: 13.6 cents at 0, 13.2
at +2.5, 14.3 at +5). The 200 files are checked against
``benchmarks/datasets/fda_ue.sha256``. They live in ``$VOICECOACH_SPEECH_DIR/fda/`` (or
``--root``); without them the benchmark is skipped with a note. Nothing was ever tuned on
them: every figure is held out.

Protocol
--------
* **Conditions**: ``wide`` (the recording resampled to 16 kHz, as review reads it) and
  ``tel`` (the G.711 telephone copy of :func:`benchmarks.pitch_real.telephone`: 8 kHz,
  300-3400 Hz, 8-bit mu-law, then the project's input path back to 16 kHz).
* **Methods** on the same audio, sampled on the reference's frames
  (:func:`benchmarks.metrics.align_track`): ours, the live ``f0_hz`` (display and coach) and
  the settled ``f0_settled_hz`` (review and ``analyze``); peers Praat ``to_pitch_ac``
  (60-500 Hz, 10 ms step), librosa ``pyin`` and SwiftF0 (when its wheel is installed).
* **Scores** (:func:`benchmarks.pitch_real.score`, plus the fine-error spread): gross pitch
  error (GPE, > 20 % off, over frames both call voiced), octave errors, the **fine error**
  of the other frames in cents (median and mean of its magnitude, p90), voicing recall
  (laryngograph-voiced frames the method calls voiced) and false voicing
  (laryngograph-unvoiced frames it calls voiced), per speaker and pooled.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.config import load_config

from . import pitch_real as pr
from .datasets.cache import _sha256
from .metrics import align_track

__all__ = [
    "FRAME_S",
    "SOURCE",
    "SPEAKERS",
    "default_root",
    "fetch",
    "files",
    "read_reference",
    "run",
    "table",
    "verify",
]

#: the reference's frame step (s); frame k is centred at k * FRAME_S
FRAME_S = 0.015
#: speaker prefix -> description
SPEAKERS = {"rl": "male", "sb": "female"}
#: where the course's copy of the database is kept (``--fetch`` default)
SOURCE = "https://github.com/vicaub/Pitch-Estimation-and-Voicing-Detection"
#: the folder of the database inside that repository
SOURCE_DIR = "data/fda_ue"
MANIFEST = Path(__file__).with_name("datasets") / "fda_ue.sha256"
CONDITIONS = ("wide", "tel")


def _manifest() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in MANIFEST.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            out[name] = digest
    return out


def default_root() -> Path | None:
    """``$VOICECOACH_SPEECH_DIR/fda``, or None when the variable is unset."""
    base = os.environ.get(pr.SPEECH_ENV)
    return Path(base) / "fda" if base else None


def verify(root: Path | str) -> list[str]:
    """What is missing or different in ``root`` against the manifest ([] when all is there).

    Parameters
    ----------
    root : path
        The folder holding ``rl001.wav`` ... ``sb050.f0ref``.

    Returns
    -------
    list of str
        One line per missing file or checksum mismatch.
    """
    root = Path(root)
    problems = []
    for name, digest in _manifest().items():
        p = root / name
        if not p.is_file():
            problems.append(f"missing: {p}")
        elif _sha256(p) != digest:
            problems.append(f"checksum differs: {p}")
    return problems


def fetch(root: Path | str, source: str = SOURCE) -> Path:
    """Copy the database from ``source`` (a git URL or a local clone) into ``root``, checked.

    Parameters
    ----------
    root : path
        Destination folder (created).
    source : str
        Anything ``git clone`` accepts: the GitHub URL (:data:`SOURCE`) or a local clone,
        bare or not.

    Returns
    -------
    Path
        ``root``, holding the 200 files of the manifest.

    Raises
    ------
    RuntimeError
        If git fails or a file differs from the manifest (nothing is left in ``root`` then).
    """
    root = Path(root)
    names = _manifest()
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        cmd = ["git", "clone", "--quiet", "--depth", "1", source, str(clone)]
        if Path(source).exists():  # a local clone: --depth is ignored with a warning
            cmd = ["git", "clone", "--quiet", "--no-local", source, str(clone)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"git clone {source!r} failed ({r.returncode}): "
                               f"{r.stderr.strip()}; give a local clone as SOURCE "
                               "if this machine cannot reach GitHub")
        src = clone / SOURCE_DIR
        bad = [n for n, d in names.items()
               if not (src / n).is_file() or _sha256(src / n) != d]
        if bad:
            raise RuntimeError(f"{len(bad)} of {len(names)} files of {source} "
                               f"({SOURCE_DIR}) are missing or differ from {MANIFEST.name}, "
                               f"e.g. {bad[0]}; nothing was installed")
        root.mkdir(parents=True, exist_ok=True)
        for n in names:
            shutil.copyfile(src / n, root / n)
    return root


def files(root: Path | str) -> list[tuple[str, Path]]:
    """``(speaker, wav path)`` of every recording in ``root`` with its ``.f0ref`` beside it."""
    root = Path(root)
    out = []
    for spk in SPEAKERS:
        for p in sorted(root.glob(f"{spk}[0-9][0-9][0-9].wav")):
            if p.with_suffix(".f0ref").is_file():
                out.append((spk, p))
    return out


def read_reference(path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """The laryngograph F0 of one ``.f0ref`` file.

    Returns
    -------
    t_s : np.ndarray, shape (n,)
        Frame centres, s (``k * FRAME_S``).
    f0_hz : np.ndarray, shape (n,)
        Reference F0, Hz; NaN where unvoiced (0 in the file).
    """
    f = np.loadtxt(path, dtype=np.float64, ndmin=1)
    f[f <= 0] = np.nan
    return np.arange(f.shape[0]) * FRAME_S, f


def _praat_peer(x: np.ndarray, t_ref: np.ndarray) -> np.ndarray:
    t, f = pr._praat(x)
    return align_track(t, f, t_ref)


def _methods(
    peers: Iterable[str], pitch: dict[str, Any] | None = None
) -> dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    cfg = load_config().replace(pitch=pitch) if pitch else load_config()
    out: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "ours": pr.ours(cfg), "settled": pr.ours(cfg, settled=True)}
    for p in peers:
        if p == "praat":
            out["praat"] = _praat_peer
        elif p == "swiftf0":
            fn = pr.swiftf0_tracker()
            if fn is not None:
                out["swiftf0"] = fn
        else:
            out["librosa_" + p] = pr.librosa_tracker(p)
    return out


def run(
    root: Path | str,
    methods: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]],
    conditions: Iterable[str] = CONDITIONS,
    lag_s: float = 0.0,
) -> dict[tuple[str, str], dict[str, list[np.ndarray]]]:
    """Tracks of every method on every recording: ``{(condition, speaker): {name: [...]}}``.

    ``"ref"`` holds the laryngograph F0; every track is sampled on its frames shifted by
    ``lag_s`` (s; 0 for the scores, other values for the grid check of ``--lags``).
    """
    out: dict[tuple[str, str], dict[str, list[np.ndarray]]] = {}
    for spk, path in files(root):
        t_ref, f_ref = read_reference(path.with_suffix(".f0ref"))
        x, sr = pr._read(path)
        for cond in conditions:
            sig = pr._to16(x, sr) if cond == "wide" else pr._via_adapter(pr.telephone(x, sr))
            acc = out.setdefault((cond, spk), {"ref": []})
            acc["ref"].append(f_ref)
            for name, fn in methods.items():
                acc.setdefault(name, []).append(pr.track(fn, sig, t_ref + lag_s, cond))
    return out


def _fine(est: list[np.ndarray], ref: list[np.ndarray]) -> dict[str, float]:
    e, r = np.concatenate(est), np.concatenate(ref)
    both = np.isfinite(e) & np.isfinite(r)
    lr = np.log2(e[both] / r[both])
    c = np.abs(1200.0 * lr[np.abs(2.0**lr - 1.0) <= 0.2])
    if not c.size:
        return {"mean_abs_cents": float("nan"), "p90_abs_cents": float("nan")}
    return {"mean_abs_cents": float(c.mean()), "p90_abs_cents": float(np.percentile(c, 90))}


def table(tracks: dict[tuple[str, str], dict[str, list[np.ndarray]]]) -> dict[str, Any]:
    """Scores per condition, per speaker and pooled (``all`` pools both conditions)."""
    methods = sorted({m for acc in tracks.values() for m in acc if m != "ref"})

    def scores(accs: list[dict[str, list[np.ndarray]]]) -> dict[str, Any]:
        res = {}
        for m in methods:
            est = [a for acc in accs for a in acc[m]]
            ref = [a for acc in accs for a in acc["ref"]]
            res[m] = pr.score(est, ref) | _fine(est, ref)
        return res

    out: dict[str, Any] = {}
    for cond in sorted({c for c, _ in tracks}, key=list(CONDITIONS).index):
        d = out.setdefault(cond, {})
        for spk in SPEAKERS:
            if (cond, spk) in tracks:
                d[spk] = scores([tracks[(cond, spk)]])
        d["pooled"] = scores([acc for (c, _), acc in tracks.items() if c == cond])
    out["all"] = {"pooled": scores(list(tracks.values()))}
    return out


KEYS = ("gpe_pct", "octave_up_pct", "octave_down_pct", "median_abs_cents", "mean_abs_cents",
        "p90_abs_cents", "voicing_recall", "false_voicing")


def _fmt(res: dict[str, Any]) -> str:
    lines = [f"{'condition':10s} {'speaker':8s} {'method':14s} "
             + " ".join(f"{k.replace('_pct', '').replace('_abs', '')[:11]:>11s}" for k in KEYS)
             + "   frames"]
    for cond, by_spk in res.items():
        for spk, by_m in by_spk.items():
            for m, s in by_m.items():
                lines.append(f"{cond:10s} {spk:8s} {m:14s} "
                             + " ".join(f"{s[k]:11.3f}" for k in KEYS)
                             + f"   {s['n_both_voiced']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=None,
                    help="folder of rl001.wav ... sb050.f0ref (default $VOICECOACH_SPEECH_DIR/fda)")
    ap.add_argument("--cond", nargs="+", default=list(CONDITIONS), choices=CONDITIONS)
    ap.add_argument("--peers", nargs="*", default=["praat", "pyin", "swiftf0"],
                    help="praat pyin yin swiftf0 (default: praat pyin swiftf0; swiftf0 when "
                         "its wheel is installed)")
    ap.add_argument("--lags", action="store_true",
                    help="also print the pooled GPE and fine error with the reference grid "
                         "shifted by -10..+10 ms (seven more runs)")
    ap.add_argument("--json", default=None, help="write the scores here")
    ap.add_argument("--set", nargs="*", default=[], metavar="pitch.KEY=VALUE",
                    help="pitch settings for our tracker, e.g. pitch.harmonic_weight=0.2")
    ap.add_argument("--fetch", nargs="?", const=SOURCE, default=None, metavar="SOURCE",
                    help=f"install the database into --root from SOURCE (a git URL or a local "
                         f"clone; default {SOURCE}) and exit")
    a = ap.parse_args(argv)
    root = Path(a.root) if a.root else default_root()
    if root is None:
        print(f"Error: set ${pr.SPEECH_ENV} (the data goes to its fda/ folder) or give --root",
              file=sys.stderr)
        return 2
    if a.fetch:
        try:
            fetch(root, a.fetch)
        except RuntimeError as e:
            print(f"Error: {e}", file=sys.stderr)
            return 1
        print(f"installed {len(_manifest())} files into {root}")
        return 0
    problems = verify(root)
    if problems:
        print(f"Error: {root} does not hold the FDA database ({len(problems)} problems, e.g. "
              f"{problems[0]}); install it with `python -m benchmarks.pitch_egg --fetch`",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    over = {kv.split("=", 1)[0].split(".")[-1]: json.loads(kv.split("=", 1)[1]) for kv in a.set}
    methods = _methods(a.peers, over)
    res = table(run(root, methods, a.cond))
    print(_fmt(res))
    if a.lags:
        print("\nreference grid shifted (ms): pooled GPE % / median fine error, cents")
        for lag_ms in (-10.0, -5.0, -2.5, 0.0, 2.5, 5.0, 10.0):
            r = table(run(root, methods, a.cond, lag_s=lag_ms / 1000.0))["all"]["pooled"]
            print(f"{lag_ms:+6.1f}  " + "  ".join(
                f"{m} {s['gpe_pct']:.2f} / {s['median_abs_cents']:.1f}" for m, s in r.items()))
    print(f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
