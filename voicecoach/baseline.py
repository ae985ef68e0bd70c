"""A speaker's calm baseline, and per-hop measures relative to it.

Definitions (all on the analysis core's :class:`~voicecoach.analysis.Features` rows)
----------------------------------------------------------------------------------
*Semitones* are ``12 * log2(f0_hz / 55)``: semitones above A1 = 55 Hz (a typical male
calm median of 110 Hz is 12 st, a female 220 Hz is 24 st). Differences of semitones do
not depend on the reference.

A :class:`Profile` (the baseline) summarises calm speech:

* **speech hops**: hops with ``speech`` (the VAD decision); **voiced hops**: speech hops
  that are also ``voiced`` with a finite ``f0_hz``;
* ``f0_median_hz`` / ``f0_median_st``: median F0 over voiced hops;
* ``f0_p10_st``, ``f0_p90_st`` and ``f0_spread_st = p90 - p10``: the F0 range;
* ``syllable_rate_*`` and ``articulation_rate_*``: median and p90 - p10 spread of the
  core's rolling rates (syllables per second) over speech hops where they are defined;
* ``loudness_db``: the speech level, i.e. the power mean of ``loudness_db`` over speech
  hops, ``10 * log10(mean(10 ** (L / 10)))`` dBFS (an active-speech level; the median of
  hop levels is not used because it falls as speech gets faster: more consonant and gap
  hops per second).

It comes either from a calibration recording (:func:`calibrate_file`,
:func:`calibrate_array`; ``provisional=False``) or, when no profile is given, from the
party's first ``[baseline] provisional_s`` (30 s) of speech hops in the call
(:class:`BaselineTracker`; ``provisional=True``). Both use :func:`profile_from_features`.

:class:`RelativeMeasures`, one row per hop (NaN where undefined):

* ``pitch_st``: median of the voiced hops' semitones in the last ``pitch_window_s``
  (2 s, this hop included); NaN with fewer than ``pitch_min_voiced_s`` voiced;
* ``pitch_delta_st = pitch_st - f0_median_st``;
* ``rate_delta_pct = 100 * (articulation_rate / articulation_rate_median - 1)``:
  +25 means 25 % faster than the baseline (the core's 3 s rolling articulation rate);
  NaN while the last ``[syllables] window_s`` hold fewer than ``rate_min_speech_s`` (1 s)
  of speech hops (a rate over a few hundred ms of speech, e.g. a short answer after a
  pause, is mostly noise: one syllable more or less is ±20 %);
* ``loudness_db``: speech level (power mean, as above) of the speech hops in the last
  ``loudness_window_s`` (2 s); NaN with fewer than ``loudness_min_speech_s`` of speech;
* ``loudness_delta_db = loudness_db - profile.loudness_db``;
* ``pitch_spread_st``: p90 - p10 of the voiced semitones in the last
  ``[coach] monotony_window_s`` (7 s); NaN with fewer than ``monotony_min_voiced_s``.

The windows are causal and computed from each row's own window contents, so the output
does not depend on how the rows were cut into blocks.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as _dt
import difflib
import math
import os
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .analysis import BlockAdapter, ChannelAnalyzer, Features
from .analysis.features import Rows
from .config import Config, load_config
from .errors import ParameterError

__all__ = [
    "PROFILE_SCHEMA",
    "ST_REF_HZ",
    "BaselineTracker",
    "CalibrationError",
    "ClippedSignalError",
    "Profile",
    "RelativeMeasures",
    "SilentSignalError",
    "TooLittleSpeechError",
    "calibrate_array",
    "calibrate_file",
    "hz_to_st",
    "profile_from_features",
    "st_to_hz",
]

#: Reference of the semitone scale, Hz (A1).
ST_REF_HZ = 55.0
#: Schema tag written in profile files.
PROFILE_SCHEMA = "voicecoach.profile/1"
_CHUNK = 2048  # rows per vectorised window computation (bounds memory in review)


def hz_to_st(f0_hz: Any) -> Any:
    """Semitones above 55 Hz: ``12 * log2(f0_hz / 55)`` (NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, np.float64) / ST_REF_HZ)


def st_to_hz(st: Any) -> Any:
    """Inverse of :func:`hz_to_st`: ``55 * 2 ** (st / 12)`` Hz."""
    return ST_REF_HZ * np.exp2(np.asarray(st, np.float64) / 12.0)


# --------------------------------------------------------------------------- errors


class CalibrationError(ParameterError):
    """A calibration recording cannot give a baseline (also a ``ValueError``)."""


class TooLittleSpeechError(CalibrationError):
    """Less voiced speech than ``[baseline] min_calibration_voiced_s``."""


class ClippedSignalError(CalibrationError):
    """More clipped samples than ``[baseline] clip_fraction_max``."""


class SilentSignalError(CalibrationError):
    """The recording is silent (peak under ``silence_peak_db``) or holds no speech."""


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class Profile:
    """A speaker's calm baseline (see the module notes for the definitions).

    Attributes
    ----------
    name : str
        Profile name ("" for an in-call provisional baseline).
    f0_median_hz : float
        Median F0 of voiced hops, Hz.
    f0_median_st : float
        The same in semitones above 55 Hz.
    f0_p10_st, f0_p90_st : float
        10th and 90th percentiles of voiced F0, semitones above 55 Hz.
    f0_spread_st : float
        ``f0_p90_st - f0_p10_st``, semitones.
    syllable_rate_median, syllable_rate_spread : float
        Median and p90 - p10 of the rolling syllable rate, syllables per second.
    articulation_rate_median, articulation_rate_spread : float
        Median and p90 - p10 of the rolling articulation rate, syllables per second of
        speech.
    loudness_db : float
        Speech level: power mean of the speech hops' loudness, dBFS.
    speech_s, voiced_s : float
        Seconds of speech hops and of voiced hops the profile was computed from.
    provisional : bool
        True for a baseline taken from the call itself (no calibration).
    source : str
        Where it came from (a file and channel, or "first 30 s of speech in the call").
    created_utc : str
        ISO 8601 UTC creation time of a calibration ("" for in-call baselines).

    Any statistic is NaN when its data were missing.
    """

    name: str
    f0_median_hz: float
    f0_median_st: float
    f0_p10_st: float
    f0_p90_st: float
    f0_spread_st: float
    syllable_rate_median: float
    syllable_rate_spread: float
    articulation_rate_median: float
    articulation_rate_spread: float
    loudness_db: float
    speech_s: float
    voiced_s: float
    provisional: bool
    source: str
    created_utc: str

    def replace(self, **changes: Any) -> Profile:
        """A copy with some fields changed (e.g. ``name``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with a ``"schema"`` tag; floats rounded to 4 decimals (NaN kept)."""
        d: dict[str, Any] = {"schema": PROFILE_SCHEMA}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            d[f.name] = round(v, 4) if isinstance(v, float) and math.isfinite(v) else v
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        """Inverse of :meth:`to_dict`.

        ``None`` is read as NaN for numbers. Raises :class:`ParameterError` for a wrong
        schema, a missing or unknown key (with a suggestion) or a wrong type.
        """
        if not isinstance(d, dict):
            raise ParameterError(f"a profile must be a table/dict, got {type(d).__name__}")
        schema = d.get("schema", PROFILE_SCHEMA)
        if schema != PROFILE_SCHEMA:
            raise ParameterError(
                f"profile schema {schema!r} is not supported (expected {PROFILE_SCHEMA!r}); "
                f"calibrate again with this version of voicecoach"
            )
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in d:
            if key != "schema" and key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ParameterError(f"unknown profile key {key!r}{hint}")
        missing = sorted(set(fields) - set(d))
        if missing:
            raise ParameterError(
                f"profile lacks {', '.join(missing)}; calibrate again to rebuild it"
            )
        kw: dict[str, Any] = {}
        for name, f in fields.items():
            v = d[name]
            if f.type == "str":
                if not isinstance(v, str):
                    raise ParameterError(f"profile key {name!r} must be a string, got {v!r}")
            elif f.type == "bool":
                if not isinstance(v, bool):
                    raise ParameterError(f"profile key {name!r} must be true/false, got {v!r}")
            else:
                if v is None:
                    v = math.nan
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ParameterError(f"profile key {name!r} must be a number, got {v!r}")
                v = float(v)
            kw[name] = v
        return cls(**kw)


def _power_mean_db(level_db: np.ndarray) -> float:
    """``10 * log10(mean(10 ** (level_db / 10)))``, NaN for no data."""
    if not level_db.size:
        return math.nan
    return float(10.0 * np.log10(np.mean(np.power(10.0, level_db / 10.0))))


def _stat(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x.astype(np.float64), q)) if x.size else math.nan


def profile_from_features(
    rows: Features,
    *,
    hop_s: float = 0.01,
    name: str = "",
    source: str = "",
    created_utc: str = "",
    provisional: bool = False,
) -> Profile:
    """Compute a :class:`Profile` from feature rows (the one implementation).

    Parameters
    ----------
    rows : Features
        Rows of one speaker; only speech hops are used (see the module notes).
    hop_s : float
        Hop duration, s.
    name, source, created_utc : str
        Copied to the profile.
    provisional : bool
        Copied to the profile.

    Returns
    -------
    Profile
        Statistics are NaN when their data are missing (e.g. no voiced hop).
    """
    speech = np.asarray(rows.speech, bool)
    f0 = np.asarray(rows.f0_hz, np.float64)
    voiced = speech & np.asarray(rows.voiced, bool) & np.isfinite(f0)
    st = hz_to_st(f0[voiced])
    art = np.asarray(rows.articulation_rate)[speech]
    art = art[np.isfinite(art)]
    syl = np.asarray(rows.syllable_rate)[speech]
    syl = syl[np.isfinite(syl)]
    loud = np.asarray(rows.loudness_db, np.float64)[speech]
    med_st = _stat(st, 0.5)
    p10, p90 = _stat(st, 0.1), _stat(st, 0.9)
    return Profile(
        name=name,
        f0_median_hz=float(st_to_hz(med_st)),
        f0_median_st=med_st,
        f0_p10_st=p10,
        f0_p90_st=p90,
        f0_spread_st=p90 - p10,
        syllable_rate_median=_stat(syl, 0.5),
        syllable_rate_spread=_stat(syl, 0.9) - _stat(syl, 0.1),
        articulation_rate_median=_stat(art, 0.5),
        articulation_rate_spread=_stat(art, 0.9) - _stat(art, 0.1),
        loudness_db=_power_mean_db(loud),
        speech_s=round(int(speech.sum()) * hop_s, 6),
        voiced_s=round(int(voiced.sum()) * hop_s, 6),
        provisional=provisional,
        source=source,
        created_utc=created_utc,
    )


# --------------------------------------------------------------------------- calibration


class _Calibrator:
    """Feed 16 kHz hops, then :meth:`finish` checks them and builds the profile."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.analyzer = ChannelAnalyzer(config)
        self.parts: list[Features] = []
        self.n_samples = 0
        self.n_clipped = 0
        self.peak = 0.0

    def feed(self, x: np.ndarray) -> None:
        a = np.abs(x)
        if a.size:
            self.peak = max(self.peak, float(a.max()))
            self.n_clipped += int(np.count_nonzero(a >= self.config.baseline.clip_level))
        self.n_samples += x.shape[0]
        self.parts.append(self.analyzer.process(x))

    def finish(self, what: str, name: str, source: str) -> Profile:
        b = self.config.baseline
        sr = self.config.analysis.sample_rate
        dur = self.n_samples / sr
        rows = Features.concat(self.parts)
        peak_db = 20 * math.log10(self.peak) if self.peak > 0 else -math.inf
        if peak_db < b.silence_peak_db or not rows.speech.any():
            why = (
                f"its peak is {peak_db:.1f} dBFS (below {b.silence_peak_db:g} dBFS)"
                if peak_db < b.silence_peak_db
                else "no speech was detected in it"
            )
            raise SilentSignalError(
                f"{what} is silent: {why} over {dur:.1f} s; check the input level, "
                f"the microphone and the channel (--channel), then record again"
            )
        frac = self.n_clipped / max(self.n_samples, 1)
        if frac > b.clip_fraction_max:
            raise ClippedSignalError(
                f"{what} is clipped: {100 * frac:.2f} % of samples reach "
                f"±{b.clip_level:g} full scale (at most {100 * b.clip_fraction_max:.2f} % "
                f"allowed); lower the input gain and record again"
            )
        prof = profile_from_features(
            rows,
            hop_s=self.config.analysis.hop_s,
            name=name,
            source=source,
            created_utc=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            provisional=False,
        )
        if prof.voiced_s < b.min_calibration_voiced_s:
            raise TooLittleSpeechError(
                f"{what} has only {prof.voiced_s:.1f} s of voiced speech in {dur:.1f} s "
                f"({b.min_calibration_voiced_s:g} s needed); record at least 30 s of calm, "
                f"continuous speech"
            )
        return prof


def calibrate_file(
    path: str | os.PathLike[str],
    channel: int | str | None = None,
    config: Config | None = None,
    *,
    name: str = "",
) -> Profile:
    """Compute a calm-speech baseline from an audio file, streamed in blocks.

    Parameters
    ----------
    path : path-like
        WAV, FLAC, OGG (or MP3 where libsndfile reads it), 8–48 kHz.
    channel : int, optional
        Channel holding the speaker. Required for a multichannel file.
    config : Config, optional
        Defaults to :func:`~voicecoach.config.load_config`.
    name : str
        Profile name to record in the profile.

    Returns
    -------
    Profile
        ``provisional=False``, ``source="<path> (channel N)"``.

    Raises
    ------
    SilentSignalError, ClippedSignalError, TooLittleSpeechError
        (all :class:`CalibrationError`, a ``ValueError``) for an unusable recording.
    SourceError
        Missing, empty or unreadable file.
    AudioFormatError
        Rate out of range, bad channel.
    """
    from .io import audio_info, iter_hops, select_channels

    cfg = config if config is not None else load_config()
    info = audio_info(path)
    if channel is None:
        if info.channels != 1:
            raise ParameterError(
                f"{str(path)!r} has {info.channels} channels; say which one holds the "
                f"speaker with channel=N (--channel N), 0..{info.channels - 1}"
            )
        channel = 0
    (c,) = select_channels(channel, info.channels)
    cal = _Calibrator(cfg)
    for block in iter_hops(path, [c], cfg):
        cal.feed(np.ascontiguousarray(block[:, 0]))
    return cal.finish(f"recording {str(path)!r} (channel {c})", name, f"{path} (channel {c})")


def calibrate_array(
    samples: np.ndarray,
    sample_rate: int = 16000,
    config: Config | None = None,
    *,
    name: str = "",
    source: str = "array",
) -> Profile:
    """Compute a calm-speech baseline from samples already in memory (e.g. a microphone take).

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,) or (n_samples, 1)
        int16, float32 or float64 (full scale 1.0).
    sample_rate : int
        Hz, 8000–48000; resampled to 16 kHz.
    config : Config, optional
    name, source : str
        Recorded in the profile.

    Returns
    -------
    Profile

    Raises
    ------
    CalibrationError
        As :func:`calibrate_file`.
    AudioFormatError
        Bad dtype, shape, NaN or rate.
    """
    cfg = config if config is not None else load_config()
    a = cfg.analysis
    x = np.asarray(samples)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ParameterError(
            f"calibration takes one channel, shape (n_samples,), got {x.shape}; "
            f"select the speaker's channel first (samples[:, c])"
        )
    adapter = BlockAdapter(
        sample_rate,
        1,
        target_rate=a.sample_rate,
        hop_size=a.hop_size,
        min_rate=a.min_input_rate,
        max_rate=a.max_input_rate,
    )
    cal = _Calibrator(cfg)
    cal.feed(np.ascontiguousarray(adapter.push(x, last=True)[:, 0]))
    return cal.finish(f"the {source} recording", name, source)


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True, eq=False)
class RelativeMeasures(Rows):
    """Per-hop measures relative to a baseline; every field has shape (n_hops,).

    Attributes
    ----------
    t_s : float64
        Hop start, s (as in :class:`~voicecoach.analysis.Features`).
    pitch_st : float32
        Rolling median of voiced F0, semitones above 55 Hz.
    pitch_delta_st : float32
        ``pitch_st`` minus the baseline median, semitones.
    rate_delta_pct : float32
        Articulation rate against the baseline median, percent (+25 = 25 % faster).
    loudness_db : float32
        Rolling speech level (power mean of speech hops), dBFS.
    loudness_delta_db : float32
        ``loudness_db`` minus the baseline's, dB.
    pitch_spread_st : float32
        p90 - p10 of voiced F0 over the monotony window, semitones (absolute).
    speech : bool
        The core's speech decision.
    """

    t_s: np.ndarray
    pitch_st: np.ndarray
    pitch_delta_st: np.ndarray
    rate_delta_pct: np.ndarray
    loudness_db: np.ndarray
    loudness_delta_db: np.ndarray
    pitch_spread_st: np.ndarray
    speech: np.ndarray

    @classmethod
    def from_arrays(cls, t_s: Any, **values: Any) -> RelativeMeasures:
        """Build rows from ``t_s`` and any subset of the other fields (NaN / False otherwise).

        Scalars are broadcast. Handy for table-driven tests of the coach.
        """
        t = np.asarray(t_s, np.float64).reshape(-1)
        n = t.shape[0]
        kw: dict[str, np.ndarray] = {"t_s": t}
        for name in cls.field_names()[1:]:
            default: Any = False if name == "speech" else math.nan
            v = values.pop(name, default)
            dtype = bool if name == "speech" else np.float32
            kw[name] = np.broadcast_to(np.asarray(v, dtype), (n,)).copy()
        if values:
            raise ParameterError(
                f"unknown measure(s) {', '.join(sorted(values))}; known: "
                f"{', '.join(cls.field_names())}"
            )
        return cls(**kw)

    @classmethod
    def empty(cls) -> RelativeMeasures:
        """Zero rows."""
        return cls.from_arrays(np.empty(0))


_SMALL = 16  # blocks up to this many rows take the per-row path (live mode)
_POWER_SCALE = 2.0**50  # fixed-point scale of hop power for exact rolling sums


class _RollingQuantiles:
    """Quantiles of the finite values in a causal window of ``size`` rows.

    NaN marks rows that do not count. Two exact paths share one state: small blocks
    update a sorted list row by row (about 2 µs per row), big blocks sort every window
    at once with numpy. Both interpolate like ``np.quantile`` in float64 on the same
    values, so the output is identical whatever the block cutting.
    """

    def __init__(self, size: int, min_count: int, quantiles: tuple[float, ...]) -> None:
        self.size = max(1, int(size))
        self.min_count = max(1, int(min_count))
        self.quantiles = quantiles
        self.reset()

    def reset(self) -> None:
        self._hist: deque[float] = deque(maxlen=self.size - 1)  # the last size-1 values
        self._sorted: list[float] = []  # finite values of _hist, ascending

    def _row(self, v: float) -> list[float]:
        srt = self._sorted
        if v == v:
            bisect.insort(srt, v)
        k = len(srt)
        out = []
        for q in self.quantiles:
            if k < self.min_count:
                out.append(math.nan)
                continue
            pos = q * (k - 1)
            lo = math.floor(pos)
            hi = min(lo + 1, k - 1)
            a, b = srt[lo], srt[hi]
            out.append(a + (pos - lo) * (b - a))
        if self.size == 1:
            if v == v:
                srt.remove(v)
            return out
        if len(self._hist) == self.size - 1:
            old = self._hist[0]
            if old == old:
                del srt[bisect.bisect_left(srt, old)]
        self._hist.append(v)  # maxlen drops the oldest
        return out

    def process(self, values: np.ndarray) -> list[np.ndarray]:
        vals = values.astype(np.float32)
        n = vals.shape[0]
        if n <= _SMALL:
            rows = [self._row(v) for v in vals.tolist()]
            return [np.array([r[j] for r in rows], np.float32) for j in range(len(self.quantiles))]
        hist = np.array(self._hist, np.float32)
        pad = np.full(self.size - 1 - hist.shape[0], np.nan, np.float32)
        buf = np.concatenate([pad, hist, vals])
        outs = [np.empty(n, np.float32) for _ in self.quantiles]
        for s in range(0, n, _CHUNK):
            e = min(n, s + _CHUNK)
            win = np.sort(sliding_window_view(buf[s : e + self.size - 1], self.size), axis=1)
            k = np.count_nonzero(~np.isnan(win), axis=1)
            ok = k >= self.min_count
            rows = np.arange(e - s)
            for out, q in zip(outs, self.quantiles, strict=True):
                pos = q * np.maximum(k - 1, 0)
                lo = np.floor(pos).astype(np.intp)
                hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
                a = win[rows, lo].astype(np.float64)
                b = win[rows, hi].astype(np.float64)
                out[s:e] = np.where(ok, a + (pos - lo) * (b - a), np.nan)
        if self.size > 1:
            tail = buf[-(self.size - 1) :].tolist()
            self._hist = deque(tail, maxlen=self.size - 1)
            self._sorted = sorted(v for v in tail if v == v)
        return outs


class _RollingPowerMean:
    """Power mean, in dB, of the finite dB values in a causal window of ``size`` rows.

    Powers are summed in fixed point (``round(10 ** (dB / 10) * 2**50)``, int64), so the
    rolling sums are exact in any order: a running sum for small blocks, cumulative sums
    for big ones, identical results.
    """

    def __init__(self, size: int, min_count: int) -> None:
        self.size = max(1, int(size))
        self.min_count = max(1, int(min_count))
        self.reset()

    def reset(self) -> None:
        self._hist: deque[tuple[int, int]] = deque(maxlen=self.size - 1)  # (power, finite)
        self._sum = 0
        self._count = 0

    @staticmethod
    def _fixed(level_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = np.isfinite(level_db)
        p = np.power(10.0, np.where(ok, np.minimum(level_db, 20.0), -300.0) / 10.0)
        return np.where(ok, np.rint(p * _POWER_SCALE), 0).astype(np.int64), ok.astype(np.int64)

    def process_small(self, level_db: list[float]) -> np.ndarray:
        """:meth:`process` for a few rows given as floats (NaN = no speech); same numbers."""
        n = len(level_db)
        fin = [x for x in level_db if math.isfinite(x)]
        if fin:  # the same fixed-point powers as _fixed (rint, half to even, is round)
            pw = np.power(10.0, np.array([min(x, 20.0) for x in fin]) / 10.0).tolist()
            it = iter([round(p * _POWER_SCALE) for p in pw])
        w = self.size
        hist = self._hist
        means: list[float] = []
        oks: list[bool] = []
        for x in level_db:
            p, c = (next(it), 1) if math.isfinite(x) else (0, 0)
            self._sum += p
            self._count += c
            s, k = self._sum, self._count
            if w == 1:
                self._sum, self._count = 0, 0
            else:
                if len(hist) == w - 1:
                    op, oc = hist[0]
                    self._sum -= op
                    self._count -= oc
                hist.append((p, c))
            ok = k >= self.min_count
            oks.append(ok)
            if ok:
                mean = float(s) / float(k) / _POWER_SCALE
                means.append(mean if mean > 0 else 1e-30)
        out = np.full(n, np.nan, np.float32)
        if means:
            db = (10.0 * np.log10(np.array(means))).astype(np.float32)
            out[np.array(oks)] = db
        return out

    def process(self, level_db: np.ndarray) -> np.ndarray:
        n = level_db.shape[0]
        ip, ic = self._fixed(np.asarray(level_db, np.float64))
        if n <= _SMALL:
            sums = np.empty(n, np.int64)
            counts = np.empty(n, np.int64)
            for i, (p, c) in enumerate(zip(ip.tolist(), ic.tolist(), strict=True)):
                self._sum += p
                self._count += c
                sums[i], counts[i] = self._sum, self._count
                if self.size == 1:
                    self._sum, self._count = 0, 0
                    continue
                if len(self._hist) == self.size - 1:
                    op, oc = self._hist[0]
                    self._sum -= op
                    self._count -= oc
                self._hist.append((p, c))
        else:
            hp = np.array([h[0] for h in self._hist], np.int64)
            hc = np.array([h[1] for h in self._hist], np.int64)
            pad = np.zeros(self.size - 1 - hp.shape[0], np.int64)
            bp = np.concatenate([pad, hp, ip])
            bc = np.concatenate([pad, hc, ic])
            cp = np.concatenate([[0], np.cumsum(bp)])
            cc = np.concatenate([[0], np.cumsum(bc)])
            w = self.size
            sums = cp[w : w + n] - cp[:n]
            counts = cc[w : w + n] - cc[:n]
            if w > 1:
                self._hist = deque(
                    zip(bp[-(w - 1) :].tolist(), bc[-(w - 1) :].tolist(), strict=True),
                    maxlen=w - 1,
                )
                self._sum = int(sums[-1] - bp[-w])
                self._count = int(counts[-1] - bc[-w])
        ok = counts >= self.min_count
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = sums.astype(np.float64) / counts.astype(np.float64) / _POWER_SCALE
            db = 10.0 * np.log10(np.where(ok & (mean > 0), mean, 1e-30))
        return np.where(ok, db, np.nan).astype(np.float32)


class _RollingCount:
    """Number of True rows in a causal window of ``size`` rows (exact, any block cutting)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, int(size))
        self.reset()

    def reset(self) -> None:
        self._hist: deque[int] = deque(maxlen=self.size - 1)  # the last size-1 rows, 0/1
        self._count = 0  # True rows in _hist

    def process(self, flags: np.ndarray) -> np.ndarray:
        n = len(flags)
        w = self.size
        if n <= _SMALL:  # live: a running count, O(1) per row
            out = np.empty(n, np.int64)
            hist, c = self._hist, self._count
            for i, f in enumerate(np.asarray(flags, bool).tolist()):
                f = int(f)
                out[i] = c + f
                if w == 1:
                    continue
                if len(hist) == w - 1:
                    c -= hist[0]
                hist.append(f)  # maxlen drops the oldest
                c += f
            self._count = c
            return out
        x = np.asarray(flags, bool).astype(np.int64)
        hist = np.array(self._hist, np.int64)
        buf = np.concatenate([np.zeros(w - 1 - hist.shape[0], np.int64), hist, x])
        c = np.concatenate([[0], np.cumsum(buf)])
        counts = c[w : w + n] - c[:n]
        if w > 1:
            self._hist = deque(buf[-(w - 1) :].tolist(), maxlen=w - 1)
            self._count = int(sum(self._hist))
        return counts


class BaselineTracker:
    """Streaming relative measures of one party against a calm baseline.

    With a ``profile`` the baseline is fixed from the first hop. Without one, the
    baseline is provisional: it is computed (by :func:`profile_from_features`) from the
    party's first ``[baseline] provisional_s`` of speech hops, and the deltas are NaN
    until then. The customer always uses this provisional mode: the deltas against their
    own first 30 s are the agitation signal.

    Parameters
    ----------
    config : Config, optional
        Defaults to :func:`~voicecoach.config.load_config`.
    profile : Profile, optional
        A calibrated baseline.
    party : {"agent", "customer"}
        Used in the provisional profile's ``source``.

    Examples
    --------
    >>> from voicecoach.analysis import ChannelAnalyzer
    >>> import numpy as np
    >>> rows = ChannelAnalyzer().process(np.zeros(16000, np.float32))
    >>> m = BaselineTracker().process(rows)
    >>> len(m), bool(np.isnan(m.pitch_delta_st).all())
    (100, True)
    """

    def __init__(
        self,
        config: Config | None = None,
        profile: Profile | None = None,
        party: str = "agent",
    ) -> None:
        self.config = config if config is not None else load_config()
        if party not in ("agent", "customer"):
            raise ParameterError(f"party must be 'agent' or 'customer', got {party!r}")
        if profile is not None and not isinstance(profile, Profile):
            raise ParameterError(
                f"profile must be a voicecoach.baseline.Profile, got {type(profile).__name__}; "
                f"load one with ProfileStore().load(name)"
            )
        b, c = self.config.baseline, self.config.coach
        hop = self.config.analysis.hop_s
        for key, v in (
            ("baseline.provisional_s", b.provisional_s),
            ("baseline.pitch_window_s", b.pitch_window_s),
            ("baseline.loudness_window_s", b.loudness_window_s),
            ("coach.monotony_window_s", c.monotony_window_s),
        ):
            if not hop <= v <= 3600.0:
                raise ParameterError(f"{key} must be in [{hop:g}, 3600] s, got {v!r}")
        self.party = party
        self.hop_s = hop
        self.fixed_profile = profile
        self._n_provisional = max(1, round(b.provisional_s / hop))
        self._pitch = _RollingQuantiles(
            round(b.pitch_window_s / hop), round(b.pitch_min_voiced_s / hop), (0.5,)
        )
        self._loud = _RollingPowerMean(
            round(b.loudness_window_s / hop), round(b.loudness_min_speech_s / hop)
        )
        self._spread = _RollingQuantiles(
            round(c.monotony_window_s / hop), round(c.monotony_min_voiced_s / hop), (0.1, 0.9)
        )
        syl_window_s = self.config.syllables.window_s
        if not 0.0 <= b.rate_min_speech_s <= syl_window_s:
            raise ParameterError(
                f"baseline.rate_min_speech_s must be in [0, syllables.window_s = "
                f"{syl_window_s:g}] s, got {b.rate_min_speech_s!r}"
            )
        self._rate_speech = _RollingCount(round(syl_window_s / hop))
        self._rate_min_hops = round(b.rate_min_speech_s / hop)
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._pitch.reset()
        self._loud.reset()
        self._spread.reset()
        self._rate_speech.reset()
        self._profile = self.fixed_profile
        self._ready_s: float | None = None if self._profile is None else 0.0
        m = self._n_provisional
        self._speech_buf = {
            "f0_hz": np.empty(m, np.float32),
            "voiced": np.empty(m, bool),
            "loudness_db": np.empty(m, np.float32),
            "syllable_rate": np.empty(m, np.float32),
            "articulation_rate": np.empty(m, np.float32),
        }
        self._speech_count = 0

    @property
    def profile(self) -> Profile | None:
        """The baseline in use (None while a provisional one is still being gathered)."""
        return self._profile

    @property
    def ready(self) -> bool:
        """True once a baseline is in use."""
        return self._profile is not None

    @property
    def provisional(self) -> bool:
        """True unless a calibrated profile was given."""
        return self.fixed_profile is None

    @property
    def ready_s(self) -> float | None:
        """Stream time (hop start, s) from which the deltas use the baseline."""
        return self._ready_s

    def _gather(self, rows: Features) -> int:
        """Collect speech rows until the provisional baseline is complete.

        Returns the index of the first row that uses it (``len(rows)`` if not yet).
        """
        n = len(rows)
        sp = np.asarray(rows.speech, bool)
        need = self._n_provisional - self._speech_count
        idx = np.flatnonzero(sp)[:need]
        if idx.size:
            a, b = self._speech_count, self._speech_count + idx.size
            for name, buf in self._speech_buf.items():
                buf[a:b] = getattr(rows, name)[idx]
            self._speech_count = b
        if self._speech_count < self._n_provisional:
            return n
        j = int(idx[-1])  # row of the last speech hop needed
        gathered = Features(
            t_s=np.zeros(self._n_provisional),
            noise_floor_db=np.zeros(self._n_provisional, np.float32),
            aperiodicity=np.zeros(self._n_provisional, np.float32),
            vad_raw=np.ones(self._n_provisional, bool),
            nucleus=np.zeros(self._n_provisional, bool),
            speech=np.ones(self._n_provisional, bool),
            **self._speech_buf,
        )
        self._speech_buf = {}
        self._profile = profile_from_features(
            gathered,
            hop_s=self.hop_s,
            source=f"first {self._n_provisional * self.hop_s:g} s of {self.party} speech "
            f"in the call",
            provisional=True,
        )
        self._ready_s = float(rows.t_s[j])
        return j

    def process(self, rows: Features) -> RelativeMeasures:
        """Relative measures for a block of feature rows.

        Parameters
        ----------
        rows : Features
            Consecutive rows of this party (any number, including 0).

        Returns
        -------
        RelativeMeasures
            One row per input row.
        """
        n = len(rows)
        if n == 0:
            return RelativeMeasures.empty()
        if n <= _SMALL:
            return self._process_small(rows, n)
        speech = np.asarray(rows.speech, bool)
        f0 = np.asarray(rows.f0_hz, np.float64)
        voiced = speech & np.asarray(rows.voiced, bool) & np.isfinite(f0)
        st = np.where(voiced, hz_to_st(np.where(voiced, f0, ST_REF_HZ)), np.nan)
        (pitch_st,) = self._pitch.process(st)
        p10, p90 = self._spread.process(st)
        loud = self._loud.process(np.where(speech, np.asarray(rows.loudness_db), np.nan))
        rate_ok = self._rate_speech.process(speech) >= self._rate_min_hops

        first = 0 if self._profile is not None else self._gather(rows)
        prof = self._profile
        nan = np.full(n, np.nan, np.float32)
        if prof is None:
            d_pitch, d_rate, d_loud = nan, nan.copy(), nan.copy()
        else:
            use = np.arange(n) >= first
            art = np.asarray(rows.articulation_rate, np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = 100.0 * (art / prof.articulation_rate_median - 1.0)
            d_pitch = np.where(use, pitch_st - prof.f0_median_st, np.nan).astype(np.float32)
            d_rate = np.where(use & rate_ok, rate, np.nan).astype(np.float32)
            d_loud = np.where(use, loud - prof.loudness_db, np.nan).astype(np.float32)
        return RelativeMeasures(
            t_s=np.asarray(rows.t_s, np.float64),
            pitch_st=pitch_st,
            pitch_delta_st=d_pitch,
            rate_delta_pct=d_rate,
            loudness_db=loud,
            loudness_delta_db=d_loud,
            pitch_spread_st=(p90 - p10).astype(np.float32),
            speech=speech.copy(),
        )

    def _process_small(self, rows: Features, n: int) -> RelativeMeasures:
        """:meth:`process` for a few rows (live mode): the same numbers, fewer numpy calls.

        Transcendental functions stay numpy ufuncs on arrays (as in the block path), the
        rest is exact scalar arithmetic, so the rows are bit-identical to the block path.
        """
        speech = np.asarray(rows.speech, bool)
        sp = speech.tolist()
        f0 = np.asarray(rows.f0_hz, np.float64).tolist()
        vo = np.asarray(rows.voiced, bool).tolist()
        voiced = [s and v and math.isfinite(f) for s, v, f in zip(sp, vo, f0, strict=True)]
        # semitones of the voiced rows, rounded to float32 as the rolling windows store them
        st = [math.nan] * n
        if any(voiced):
            fv = [f / ST_REF_HZ for f, v in zip(f0, voiced, strict=True) if v]
            if min(fv) > 0.0:
                vals = (12.0 * np.log2(np.array(fv))).astype(np.float32).tolist()
            else:  # not a pitch; keep the block path's warnings and values
                vals = hz_to_st(np.array(fv) * ST_REF_HZ).astype(np.float32).tolist()
            it = iter(vals)
            st = [next(it) if v else math.nan for v in voiced]
        prow, srow = self._pitch._row, self._spread._row
        pitch_st = np.array([prow(v)[0] for v in st], np.float32)
        spread = [srow(v) for v in st]
        p10 = np.array([r[0] for r in spread], np.float32)
        p90 = np.array([r[1] for r in spread], np.float32)
        loud = self._loud.process_small(
            [x if s else math.nan for x, s in zip(rows.loudness_db.tolist(), sp, strict=True)]
        )
        rate_ok = self._rate_speech.process(speech) >= self._rate_min_hops

        # without speech rows there is nothing to gather
        first = 0 if self._profile is not None else self._gather(rows) if any(sp) else n
        prof = self._profile
        if prof is None:
            d_pitch = np.full(n, np.nan, np.float32)
            d_rate, d_loud = d_pitch.copy(), d_pitch.copy()
        else:
            art = np.asarray(rows.articulation_rate, np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = 100.0 * (art / prof.articulation_rate_median - 1.0)
            if first == 0:
                d_pitch = (pitch_st - prof.f0_median_st).astype(np.float32, copy=False)
                d_rate = np.where(rate_ok, rate, np.nan).astype(np.float32)
                d_loud = (loud - prof.loudness_db).astype(np.float32, copy=False)
            else:
                use = np.arange(n) >= first
                d_pitch = np.where(use, pitch_st - prof.f0_median_st, np.nan).astype(np.float32)
                d_rate = np.where(use & rate_ok, rate, np.nan).astype(np.float32)
                d_loud = np.where(use, loud - prof.loudness_db, np.nan).astype(np.float32)
        return RelativeMeasures(
            t_s=np.asarray(rows.t_s, np.float64),
            pitch_st=pitch_st,
            pitch_delta_st=d_pitch,
            rate_delta_pct=d_rate,
            loudness_db=loud,
            loudness_delta_db=d_loud,
            pitch_spread_st=p90 - p10,
            speech=speech.copy(),
        )
