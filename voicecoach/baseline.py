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

It also holds the references, calm excursions, drifts and measured seconds of the three
windowed measures below.

It comes either from a calibration recording (:func:`calibrate_file`,
:func:`calibrate_array`; ``provisional=False``) or, when no profile is given, from the
party's first ``[baseline] provisional_s`` (30 s) of speech hops in the call
(:class:`BaselineTracker`; ``provisional=True``). Both use :func:`profile_from_features`.

:class:`RelativeMeasures`, one row per hop. The three coached measures are
**speech-weighted**: their windows hold the last N seconds of the party's speech (or voiced)
hops, so pauses neither dilute nor age them, and they are NaN on non-speech hops (the coach
counts its sustain on measured hops only):

* ``pitch_st``: octave-robust median of the voiced semitones in the last
  ``pitch_window_s`` (3 s) of voiced hops: the median of the values within
  ``pitch_octave_band_st`` (6 st) of the window's plain median, so octave slips of the
  tracker (a minority of hops) do not move it; NaN until ``pitch_min_voiced_s`` voiced;
* ``rate_sps``: syllable nuclei (the core's ``nucleus`` hops) in the last
  ``rate_window_s`` (5 s) of speech hops per second of speech; NaN until that much speech;
* ``loudness_db``: power mean of the loudness of the last ``loudness_window_s`` (3 s) of
  speech hops; NaN until ``loudness_min_speech_s``;
* deltas against the profile's references of the *same* measures:
  ``pitch_delta_st = pitch_st - pitch_level_st``, ``rate_delta_pct = 100 * (rate_sps /
  rate_level_sps - 1)`` (+25 = 25 % faster), ``loudness_delta_db = loudness_db -
  loudness_level_db``;
* ``pitch_spread_st``: p90 - p10 of the voiced semitones in the last
  ``[coach] monotony_window_s`` (7 s, wall time); NaN with fewer than
  ``monotony_min_voiced_s``;
* ``utterance_pitch_delta_st``, ``utterance_loudness_delta_db``: the same octave-robust
  median and power mean over the current utterance only (speech since the last pause of
  ``utterance_gap_s``), against the same references: fast and reset by pauses, the
  customer agitation flag.

The profile's ``*_level_*`` (median), ``*_calm_*`` (the ``calm_quantile`` of the delta)
and ``*_drift_*`` (first half against second half) are computed from these measures on the
calibration speech (:func:`profile_from_features`), so each rule's threshold is calibrated
on the distribution of the very windowed measure it reads; ``*_measured_s`` says how much
speech each was computed from.

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
from .errors import (
    CalibrationError,
    ClippedSignalError,
    ParameterError,
    SilentSignalError,
    TooLittleSpeechError,
)

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
PROFILE_SCHEMA = "voicecoach.profile/2"
_CHUNK = 2048  # rows per vectorised window computation (bounds memory in review)


def hz_to_st(f0_hz: Any) -> Any:
    """Semitones above 55 Hz: ``12 * log2(f0_hz / 55)`` (NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, np.float64) / ST_REF_HZ)


def st_to_hz(st: Any) -> Any:
    """Inverse of :func:`hz_to_st`: ``55 * 2 ** (st / 12)`` Hz."""
    return ST_REF_HZ * np.exp2(np.asarray(st, np.float64) / 12.0)




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
    pitch_level_st, rate_level_sps, loudness_level_db : float
        References of the windowed measures (see the module notes): median, over the calm
        speech hops, of ``pitch_st`` (semitones above 55 Hz), ``rate_sps`` (syllables per
        second of speech) and ``loudness_db`` (dBFS). The deltas are taken against these.
    pitch_calm_st, rate_calm_pct, loudness_calm_db : float
        Calm excursion of each delta: its ``[baseline] calm_quantile`` (0.95) over the calm
        speech hops, in the delta's unit (st, %, dB). The coach's thresholds start above it.
    pitch_drift_st, rate_drift_pct, loudness_drift_db : float
        Stability: the reference computed on the first half of the measured hops minus the
        one on the second half, absolute, in the delta's unit.
    pitch_measured_s, rate_measured_s, loudness_measured_s : float
        Seconds of speech hops where each measure was defined (what the three statistics
        above were computed from).
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
    pitch_level_st: float
    pitch_calm_st: float
    pitch_drift_st: float
    pitch_measured_s: float
    rate_level_sps: float
    rate_calm_pct: float
    rate_drift_pct: float
    rate_measured_s: float
    loudness_level_db: float
    loudness_calm_db: float
    loudness_drift_db: float
    loudness_measured_s: float
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


def _level_stats(
    x: np.ndarray, q: float, hop_s: float, relative: bool
) -> tuple[float, float, float, float]:
    """(reference, calm excursion, drift, measured seconds) of one windowed measure.

    ``x`` holds the measure on the measured speech hops, in time order. The reference is
    the median; deltas are ``x - ref`` (or ``100 * (x / ref - 1)`` when ``relative``); the
    calm excursion is their ``q`` quantile; the drift is the absolute difference of the
    first and second halves' medians, in the delta's unit.
    """
    n = x.size
    if not n:
        return math.nan, math.nan, math.nan, 0.0
    ref = float(np.median(x))
    if relative:
        if not ref > 0:
            return math.nan, math.nan, math.nan, round(n * hop_s, 6)
        d = 100.0 * (x / ref - 1.0)
    else:
        d = x - ref
    calm = float(np.quantile(d, q))
    if n >= 2:
        h = n // 2
        a, b = float(np.median(x[:h])), float(np.median(x[h:]))
        drift = abs(100.0 * (a - b) / ref) if relative else abs(a - b)
    else:
        drift = math.nan
    return ref, calm, drift, round(n * hop_s, 6)


def profile_from_features(
    rows: Features,
    *,
    hop_s: float = 0.01,
    name: str = "",
    source: str = "",
    created_utc: str = "",
    provisional: bool = False,
    measures: RelativeMeasures | None = None,
    config: Config | None = None,
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
    measures : RelativeMeasures, optional
        The windowed measures of the same rows (only the absolute fields ``pitch_st``,
        ``rate_sps``, ``loudness_db`` are read). Computed from ``rows`` with a fresh
        :class:`BaselineTracker` when omitted (rows cut from a longer stream then see
        their windows start empty).
    config : Config, optional
        For the windows and ``[baseline] calm_quantile``; defaults to
        :func:`~voicecoach.config.load_config`.

    Returns
    -------
    Profile
        Statistics are NaN when their data are missing (e.g. no voiced hop).
    """
    cfg = config if config is not None else load_config()
    if measures is None:
        measures = _MeasureCore(cfg).measures(rows)
    if len(measures) != len(rows):
        raise ParameterError(
            f"measures must have one row per feature row, got {len(measures)} and {len(rows)}"
        )
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
    q = cfg.baseline.calm_quantile

    def measured(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, np.float64)
        return v[speech & np.isfinite(v)]

    pl, pc, pd, pm = _level_stats(measured(measures.pitch_st), q, hop_s, False)
    rl, rc, rd, rm = _level_stats(measured(measures.rate_sps), q, hop_s, True)
    ll, lc, ld, lm = _level_stats(measured(measures.loudness_db), q, hop_s, False)
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
        pitch_level_st=pl,
        pitch_calm_st=pc,
        pitch_drift_st=pd,
        pitch_measured_s=pm,
        rate_level_sps=rl,
        rate_calm_pct=rc,
        rate_drift_pct=rd,
        rate_measured_s=rm,
        loudness_level_db=ll,
        loudness_calm_db=lc,
        loudness_drift_db=ld,
        loudness_measured_s=lm,
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
        self.core = _MeasureCore(config)
        self.parts: list[Features] = []
        self.mparts: list[RelativeMeasures] = []
        self.n_samples = 0
        self.n_clipped = 0
        self.peak = 0.0

    def feed(self, x: np.ndarray) -> None:
        a = np.abs(x)
        if a.size:
            self.peak = max(self.peak, float(a.max()))
            self.n_clipped += int(np.count_nonzero(a >= self.config.baseline.clip_level))
        self.n_samples += x.shape[0]
        rows = self.analyzer.process(x)
        self.parts.append(rows)
        self.mparts.append(self.core.measures(rows))

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
            measures=RelativeMeasures.concat(self.mparts),
            config=self.config,
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
        ``rate_sps`` against the baseline's ``rate_level_sps``, percent (+25 = 25 % faster).
    loudness_db : float32
        Rolling speech level (power mean of speech hops), dBFS.
    loudness_delta_db : float32
        ``loudness_db`` minus the baseline's, dB.
    pitch_spread_st : float32
        p90 - p10 of voiced F0 over the monotony window, semitones (absolute).
    speech : bool
        The core's speech decision.
    rate_sps : float32
        Speech-weighted syllable rate: nuclei in the last ``[baseline] rate_window_s`` of
        speech hops per second of speech (absolute, syllables/s).
    utterance_pitch_delta_st, utterance_loudness_delta_db : float32
        The current utterance so far (speech since the last pause of at least
        ``[baseline] utterance_gap_s``): octave-robust median of its voiced semitones and
        power mean of its loudness, minus the baseline's ``pitch_level_st`` and
        ``loudness_level_db``. Fast, and reset by pauses: the customer agitation flag.
    """

    t_s: np.ndarray
    pitch_st: np.ndarray
    pitch_delta_st: np.ndarray
    rate_delta_pct: np.ndarray
    loudness_db: np.ndarray
    loudness_delta_db: np.ndarray
    pitch_spread_st: np.ndarray
    speech: np.ndarray
    rate_sps: np.ndarray
    utterance_pitch_delta_st: np.ndarray
    utterance_loudness_delta_db: np.ndarray

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

    def __init__(
        self,
        size: int,
        min_count: int,
        quantiles: tuple[float, ...],
        band: float | None = None,
    ) -> None:
        self.size = max(1, int(size))
        self.min_count = max(1, int(min_count))
        self.quantiles = quantiles
        if band is not None and quantiles != (0.5,):
            raise ParameterError("a banded median takes quantiles=(0.5,)")
        self.band = band
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
            m = a + (pos - lo) * (b - a)
            if self.band is not None:  # median of the values within band of the median
                i0 = bisect.bisect_left(srt, m - self.band)
                k2 = bisect.bisect_right(srt, m + self.band) - i0
                if k2 > 0:
                    pos = i0 + 0.5 * (k2 - 1)
                    lo = math.floor(pos)
                    hi = min(lo + 1, i0 + k2 - 1)
                    a, b = srt[lo], srt[hi]
                    m = a + (pos - lo) * (b - a)
            out.append(m)
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
                m = a + (pos - lo) * (b - a)
                if self.band is not None:
                    with np.errstate(invalid="ignore"):
                        i0 = np.count_nonzero(win < (m - self.band)[:, None], axis=1)
                        k2 = np.count_nonzero(win <= (m + self.band)[:, None], axis=1) - i0
                    pos2 = i0 + 0.5 * np.maximum(k2 - 1, 0)
                    lo2 = np.minimum(np.floor(pos2).astype(np.intp), self.size - 1)
                    hi2 = np.minimum(
                        np.minimum(lo2 + 1, i0 + np.maximum(k2 - 1, 0)), self.size - 1
                    )
                    a2 = win[rows, lo2].astype(np.float64)
                    b2 = win[rows, hi2].astype(np.float64)
                    m = np.where(k2 > 0, a2 + (pos2 - lo2) * (b2 - a2), m)
                out[s:e] = np.where(ok, m, np.nan)
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


class _SpeechRate:
    """Syllable nuclei per second of speech over the last ``size`` speech hops.

    Only speech hops enter the window (pauses neither dilute nor age it); the value is NaN
    until the window is full. Integer counts make the small-block and big-block paths
    identical.
    """

    def __init__(self, size: int, hop_s: float) -> None:
        self.size = max(1, int(size))
        self.hop_s = hop_s
        self.reset()

    def reset(self) -> None:
        self._hist: deque[int] = deque(maxlen=self.size)  # nucleus flags of speech hops
        self._count = 0

    def _value(self, count: int, length: int) -> float:
        return count / (length * self.hop_s) if length >= self.size else math.nan

    def process(self, speech: np.ndarray, nucleus: np.ndarray) -> np.ndarray:
        sp = np.asarray(speech, bool)
        fl = np.asarray(nucleus, bool) & sp
        n = sp.shape[0]
        if n <= _SMALL:
            out = np.empty(n, np.float32)
            hist = self._hist
            for i, (s_, f_) in enumerate(zip(sp.tolist(), fl.tolist(), strict=True)):
                if s_:
                    if len(hist) == self.size:
                        self._count -= hist[0]
                    hist.append(int(f_))
                    self._count += int(f_)
                out[i] = self._value(self._count, len(hist))
            return out
        h0 = len(self._hist)
        before = self._value(self._count, h0)
        buf = np.concatenate([np.array(self._hist, np.int64), fl[sp].astype(np.int64)])
        c = np.concatenate([[0], np.cumsum(buf)])
        pos = np.arange(h0, buf.shape[0]) + 1  # end (exclusive) of each speech hop's window
        start = np.maximum(pos - self.size, 0)
        length = pos - start
        with np.errstate(invalid="ignore", divide="ignore"):
            vals = np.where(
                length >= self.size, (c[pos] - c[start]) / (length * self.hop_s), np.nan
            )
        out = _carry(sp, vals.astype(np.float32), before)
        self._hist = deque(buf[-self.size :].tolist(), maxlen=self.size)
        self._count = int(sum(self._hist))
        return out


class _UtteranceLevel:
    """Pitch and loudness of the current utterance so far, per hop (scalar, exact).

    An utterance is a run of speech hops; a pause of at least ``gap`` hops starts a new one.
    Per speech hop: the octave-robust median (``band``) of the utterance's voiced semitones
    (NaN with fewer than ``min_voiced`` of them) and the power mean of its hops' loudness,
    dB. NaN on non-speech hops.
    """

    def __init__(self, gap: int, min_voiced: int, band: float) -> None:
        self.gap = max(1, int(gap))
        self.min_voiced = max(1, int(min_voiced))
        self.band = band
        self.reset()

    def reset(self) -> None:
        self._srt: list[float] = []
        self._psum = 0.0
        self._pcount = 0
        self._silent = self.gap  # non-speech hops since the last speech hop

    def process(
        self, speech: list[bool], st: list[float], level_db: list[float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row: (utterance pitch, st; utterance loudness, dB), float32, NaN off speech.

        ``st`` holds float32-rounded semitones of voiced speech rows (NaN elsewhere).
        """
        n = len(speech)
        pitch = [math.nan] * n
        loud = [math.nan] * n
        for i, sp in enumerate(speech):
            if not sp:
                self._silent += 1
                continue
            if self._silent >= self.gap:  # a new utterance
                self._srt, self._psum, self._pcount = [], 0.0, 0
            self._silent = 0
            v = st[i]
            if v == v:
                bisect.insort(self._srt, v)
            self._psum += 10.0 ** (min(level_db[i], 20.0) / 10.0)
            self._pcount += 1
            loud[i] = 10.0 * math.log10(max(self._psum / self._pcount, 1e-30))
            if len(self._srt) >= self.min_voiced:
                pitch[i] = _band_median(self._srt, self.band)
        return np.array(pitch, np.float32), np.array(loud, np.float32)


def _band_median(srt: list[float], band: float) -> float:
    """Median of the sorted values within ``band`` of their median (plain median if none)."""
    k = len(srt)
    pos = 0.5 * (k - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, k - 1)
    m = srt[lo] + (pos - lo) * (srt[hi] - srt[lo])
    i0 = bisect.bisect_left(srt, m - band)
    k2 = bisect.bisect_right(srt, m + band) - i0
    if k2 <= 0:
        return m
    pos = i0 + 0.5 * (k2 - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, i0 + k2 - 1)
    return srt[lo] + (pos - lo) * (srt[hi] - srt[lo])


def _carry(fed: np.ndarray, out: np.ndarray, before: float) -> np.ndarray:
    """Per row, the output of the last fed row at or before it (``before`` if none yet)."""
    last = np.cumsum(fed) - 1
    if not out.size:
        return np.full(fed.shape[0], before, np.float32)
    return np.where(last >= 0, out[np.maximum(last, 0)], np.float32(before)).astype(np.float32)


class _MeasureCore:
    """The windowed measures of one party (absolute values; see the module notes)."""

    def __init__(self, config: Config) -> None:
        b, c = config.baseline, config.coach
        hop = config.analysis.hop_s
        for key, v in (
            ("baseline.provisional_s", b.provisional_s),
            ("baseline.pitch_window_s", b.pitch_window_s),
            ("baseline.loudness_window_s", b.loudness_window_s),
            ("baseline.rate_window_s", b.rate_window_s),
            ("coach.monotony_window_s", c.monotony_window_s),
        ):
            if not hop <= v <= 3600.0:
                raise ParameterError(f"{key} must be in [{hop:g}, 3600] s, got {v!r}")
        for key, v, w in (
            ("baseline.pitch_min_voiced_s", b.pitch_min_voiced_s, b.pitch_window_s),
            ("baseline.loudness_min_speech_s", b.loudness_min_speech_s, b.loudness_window_s),
        ):
            if not 0.0 <= v <= w:
                raise ParameterError(f"{key} must be in [0, {w:g}] s (its window), got {v!r}")
        if not 0.0 < b.pitch_octave_band_st <= 24.0:
            raise ParameterError(
                f"baseline.pitch_octave_band_st must be in (0, 24] st (6 = half an octave), "
                f"got {b.pitch_octave_band_st!r}"
            )
        if not 0.5 <= b.calm_quantile < 1.0:
            raise ParameterError(
                f"baseline.calm_quantile must be in [0.5, 1), got {b.calm_quantile!r}"
            )
        self.hop_s = hop
        self._pitch = _RollingQuantiles(
            round(b.pitch_window_s / hop),
            round(b.pitch_min_voiced_s / hop),
            (0.5,),
            band=b.pitch_octave_band_st,
        )
        self._loud = _RollingPowerMean(
            round(b.loudness_window_s / hop), round(b.loudness_min_speech_s / hop)
        )
        self._spread = _RollingQuantiles(
            round(c.monotony_window_s / hop), round(c.monotony_min_voiced_s / hop), (0.1, 0.9)
        )
        self._rate = _SpeechRate(round(b.rate_window_s / hop), hop)
        self._utt = _UtteranceLevel(
            round(b.utterance_gap_s / hop),
            round(b.utterance_min_voiced_s / hop),
            b.pitch_octave_band_st,
        )
        self.reset()

    def reset(self) -> None:
        self._utt.reset()
        self._pitch.reset()
        self._loud.reset()
        self._spread.reset()
        self._rate.reset()
        self._last_pitch = math.nan
        self._last_loud = math.nan

    def process(
        self, rows: Features
    ) -> tuple[np.ndarray, ...]:
        """(speech, pitch_st, loudness_db, pitch_spread_st, rate_sps, utterance_pitch_st,
        utterance_loudness_db) per row."""
        n = len(rows)
        speech = np.asarray(rows.speech, bool)
        nan32 = np.float32(np.nan)
        levels = rows.loudness_db.tolist()
        if n <= _SMALL:
            sp = speech.tolist()
            f0 = np.asarray(rows.f0_hz, np.float64).tolist()
            vo = np.asarray(rows.voiced, bool).tolist()
            voiced = [s and v and math.isfinite(f) for s, v, f in zip(sp, vo, f0, strict=True)]
            # semitones of the voiced rows, rounded to float32 as the windows store them
            st = [math.nan] * n
            if any(voiced):
                fv = [f / ST_REF_HZ for f, v in zip(f0, voiced, strict=True) if v]
                if min(fv) > 0.0:
                    vals = (12.0 * np.log2(np.array(fv))).astype(np.float32).tolist()
                else:  # not a pitch; keep the block path's warnings and values
                    vals = hz_to_st(np.array(fv) * ST_REF_HZ).astype(np.float32).tolist()
                it = iter(vals)
                st = [next(it) if v else math.nan for v in voiced]
            u_pitch, u_loud = self._utt.process(sp, st, levels)
            prow, srow = self._pitch._row, self._spread._row
            pitch = []
            for v, s_ in zip(st, sp, strict=True):
                if v == v:
                    self._last_pitch = float(np.float32(prow(v)[0]))
                pitch.append(self._last_pitch if s_ else math.nan)
            pitch_st = np.array(pitch, np.float32)
            spread = [srow(v) for v in st]
            p10 = np.array([r[0] for r in spread], np.float32)
            p90 = np.array([r[1] for r in spread], np.float32)
            lv = [x for x, s_ in zip(levels, sp, strict=True) if s_]
            lo = self._loud.process_small(lv).tolist() if lv else []
            it2 = iter(lo)
            loud_l = []
            for s_ in sp:
                if s_:
                    self._last_loud = next(it2)
                    loud_l.append(self._last_loud)
                else:
                    loud_l.append(math.nan)
            loud = np.array(loud_l, np.float32)
        else:
            f0a = np.asarray(rows.f0_hz, np.float64)
            voiced_a = speech & np.asarray(rows.voiced, bool) & np.isfinite(f0a)
            sta = np.where(voiced_a, hz_to_st(np.where(voiced_a, f0a, ST_REF_HZ)), np.nan)
            u_pitch, u_loud = self._utt.process(
                speech.tolist(), sta.astype(np.float32).tolist(), levels
            )
            (pv,) = self._pitch.process(sta[voiced_a])
            pitch_st = _carry(voiced_a, pv, self._last_pitch)
            if pv.size:
                self._last_pitch = float(pv[-1])
            pitch_st = np.where(speech, pitch_st, nan32).astype(np.float32)
            p10, p90 = self._spread.process(sta)
            lv = self._loud.process(np.asarray(rows.loudness_db)[speech])
            if lv.size:
                self._last_loud = float(lv[-1])
            loud = np.where(speech, _carry(speech, lv, math.nan), nan32).astype(np.float32)
        rate = self._rate.process(speech, np.asarray(rows.nucleus, bool))
        rate = np.where(speech, rate, nan32).astype(np.float32)
        return speech, pitch_st, loud, (p90 - p10).astype(np.float32), rate, u_pitch, u_loud

    def measures(self, rows: Features) -> RelativeMeasures:
        """The absolute measures as :class:`RelativeMeasures` (deltas NaN)."""
        speech, pitch_st, loud, spread, rate, _, _ = self.process(rows)
        nan = np.full(len(rows), np.nan, np.float32)
        return RelativeMeasures(
            t_s=np.asarray(rows.t_s, np.float64),
            pitch_st=pitch_st,
            pitch_delta_st=nan,
            rate_delta_pct=nan.copy(),
            loudness_db=loud,
            loudness_delta_db=nan.copy(),
            pitch_spread_st=spread,
            speech=speech.copy(),
            rate_sps=rate,
            utterance_pitch_delta_st=nan.copy(),
            utterance_loudness_delta_db=nan.copy(),
        )


class BaselineTracker:
    """Streaming relative measures of one party against a calm baseline.

    With a ``profile`` the baseline is fixed from the first hop. Without one, the
    baseline is provisional: it is computed (by :func:`profile_from_features`, with the
    windowed measures of those hops) from the party's first ``[baseline] provisional_s``
    of speech hops, and the deltas are NaN until then. The customer always uses this
    provisional mode: the deltas against their own first 30 s are the agitation signal.

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
        self._core = _MeasureCore(self.config)
        self.party = party
        self.hop_s = self.config.analysis.hop_s
        self.fixed_profile = profile
        self._n_provisional = max(1, round(self.config.baseline.provisional_s / self.hop_s))
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._core.reset()
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
        self._measure_buf = {
            "pitch_st": np.empty(m, np.float32),
            "loudness_db": np.empty(m, np.float32),
            "rate_sps": np.empty(m, np.float32),
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

    def _gather(self, rows: Features, measures: dict[str, np.ndarray]) -> int:
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
            for name, buf in self._measure_buf.items():
                buf[a:b] = measures[name][idx]
            self._speech_count = b
        if self._speech_count < self._n_provisional:
            return n
        j = int(idx[-1])  # row of the last speech hop needed
        m = self._n_provisional
        gathered = Features(
            t_s=np.zeros(m),
            noise_floor_db=np.zeros(m, np.float32),
            aperiodicity=np.zeros(m, np.float32),
            vad_raw=np.ones(m, bool),
            nucleus=np.zeros(m, bool),
            speech=np.ones(m, bool),
            **self._speech_buf,
        )
        nan = np.full(m, np.nan, np.float32)
        gm = RelativeMeasures(
            t_s=np.zeros(m),
            pitch_delta_st=nan,
            rate_delta_pct=nan,
            loudness_delta_db=nan,
            pitch_spread_st=nan,
            speech=np.ones(m, bool),
            utterance_pitch_delta_st=nan,
            utterance_loudness_delta_db=nan,
            **self._measure_buf,
        )
        self._speech_buf = {}
        self._measure_buf = {}
        self._profile = profile_from_features(
            gathered,
            hop_s=self.hop_s,
            source=f"first {m * self.hop_s:g} s of {self.party} speech in the call",
            provisional=True,
            measures=gm,
            config=self.config,
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
        speech, pitch_st, loud, spread, rate, u_pitch, u_loud = self._core.process(rows)
        if self._profile is not None:
            first = 0
        elif not speech.any():  # without speech rows there is nothing to gather
            first = n
        else:
            first = self._gather(
                rows, {"pitch_st": pitch_st, "loudness_db": loud, "rate_sps": rate}
            )
        prof = self._profile
        if prof is None:
            d_pitch = np.full(n, np.nan, np.float32)
            d_rate, d_loud = d_pitch.copy(), d_pitch.copy()
            du_pitch, du_loud = d_pitch.copy(), d_pitch.copy()
        else:
            du_pitch = (u_pitch - np.float32(prof.pitch_level_st)).astype(np.float32)
            du_loud = (u_loud - np.float32(prof.loudness_level_db)).astype(np.float32)
            with np.errstate(divide="ignore", invalid="ignore"):
                d_rate = (100.0 * (rate.astype(np.float64) / prof.rate_level_sps - 1.0)).astype(
                    np.float32
                )
            d_pitch = (pitch_st - np.float32(prof.pitch_level_st)).astype(np.float32)
            d_loud = (loud - np.float32(prof.loudness_level_db)).astype(np.float32)
            if first > 0:
                for a in (d_pitch, d_rate, d_loud, du_pitch, du_loud):
                    a[:first] = np.nan
        return RelativeMeasures(
            t_s=np.asarray(rows.t_s, np.float64),
            pitch_st=pitch_st,
            pitch_delta_st=d_pitch,
            rate_delta_pct=d_rate,
            loudness_db=loud,
            loudness_delta_db=d_loud,
            pitch_spread_st=spread,
            speech=speech.copy(),
            rate_sps=rate,
            utterance_pitch_delta_st=du_pitch,
            utterance_loudness_delta_db=du_loud,
        )
