"""The windowed measures of one party: :class:`RelativeMeasures` and how they are computed.

Definitions (speech-weighted windows, octave-robust pitch, utterance levels): see
:mod:`voicecoach.baseline`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis import Features
from ..analysis.features import Rows, fast_init
from ..config import Config
from ..errors import ParameterError
from .profile import ST_REF_HZ, hz_to_st
from .rolling import (
    _SMALL,
    _carry,
    _IntervalRate,
    _RollingPowerMean,
    _RollingQuantiles,
    _UtteranceLevel,
)


@fast_init
@dataclass(frozen=True, eq=False)
class RelativeMeasures(Rows):
    """Per-hop measures relative to a baseline; every field has shape (n_hops,).

    Attributes
    ----------
    t_s : float64
        Hop start, s (as in :class:`~voicecoach.analysis.Features`).
    pitch_st : float32
        Octave-robust rolling ``[baseline] pitch_quantile`` of voiced F0, semitones above
        55 Hz.
    pitch_delta_st : float32
        ``pitch_st`` minus the baseline's ``pitch_level_st`` (the median of the same
        measure on calm speech), semitones.
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
        Syllable tempo: 1 / trimmed mean of the last ``[baseline] rate_intervals``
        intervals between syllable nuclei within speech runs (absolute, syllables/s).
    utterance_pitch_delta_st, utterance_loudness_delta_db : float32
        The current utterance so far (speech since the last pause of at least
        ``[baseline] utterance_gap_s``): octave-robust ``pitch_quantile`` of its voiced
        semitones and power mean of its loudness, minus the baseline's ``pitch_level_st`` and
        ``loudness_level_db`` (semitones, dB). Fast, and reset by pauses: the customer
        agitation flag.
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

        Parameters
        ----------
        t_s : array_like, shape (n_hops,)
            Hop starts, s.
        **values : array_like, shape (n_hops,) or scalar
            Any of the other fields, by name, in their units (semitones, percent, dB,
            syllables/s; ``speech`` bool).

        Returns
        -------
        RelativeMeasures
            ``n_hops`` rows.

        Raises
        ------
        ParameterError
            For a name that is not a field.
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
        """Zero rows.

        Returns
        -------
        RelativeMeasures
            Every field of shape (0,).
        """
        return cls.from_arrays(np.empty(0))


def coached_pitch(rows: Features, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The pitch that the coached measures and the profile read, and where it counts.

    Parameters
    ----------
    rows : Features
        Feature rows of one party.
    config : Config
        ``[baseline] pitch_track`` picks ``f0_settled_hz`` ("settled": the frame
        ``settled_lookahead_s`` back, on the path that saw the frames after it) or ``f0_hz``
        ("live").

    Returns
    -------
    f0_hz : np.ndarray, shape (n_rows,), float64
        F0 per row, Hz (NaN when unvoiced).
    voiced : np.ndarray, shape (n_rows,), bool
        Speech rows with a pitch: ``speech`` and a finite ``f0_hz`` (and, for the live track,
        ``voiced``; the settled track's own frames are voiced exactly where it is finite).
    """
    if config.baseline.pitch_track == "settled":
        f0 = np.asarray(rows.f0_settled_hz, np.float64)
        return f0, np.asarray(rows.speech, bool) & np.isfinite(f0)
    return _live_pitch(rows)


def _live_pitch(rows: Features) -> tuple[np.ndarray, np.ndarray]:
    f0 = np.asarray(rows.f0_hz, np.float64)
    return f0, np.asarray(rows.speech, bool) & np.asarray(rows.voiced, bool) & np.isfinite(f0)


def _pitch_small(rows: Features, speech: list[bool], track: str) -> tuple[list[float], list[bool]]:
    """:func:`coached_pitch` (``track``: its ``pitch_track``) as lists, for a few rows whose
    ``speech`` is given as a list (the few-row path of :meth:`_MeasureCore.process`)."""
    isfinite = math.isfinite
    if track == "settled":
        f0 = rows.f0_settled_hz.tolist()
        return f0, [s and isfinite(f) for s, f in zip(speech, f0, strict=True)]
    f0 = rows.f0_hz.tolist()
    return f0, [s and v and isfinite(f)
                for s, v, f in zip(speech, rows.voiced.tolist(), f0, strict=True)]


def _semitones_small(f0: list[float], voiced: list[bool]) -> list[float]:
    """Semitones of the voiced rows (NaN elsewhere) as a list, rounded to float32 as the
    windows store them (the few-row path of :meth:`_MeasureCore.process`)."""
    if not any(voiced):
        return [math.nan] * len(voiced)
    fv = [f / ST_REF_HZ for f, v in zip(f0, voiced, strict=True) if v]
    if min(fv) > 0.0:
        vals = (12.0 * np.log2(np.array(fv))).astype(np.float32).tolist()
    else:  # not a pitch; keep the block path's warnings and values
        vals = hz_to_st(np.array(fv) * ST_REF_HZ).astype(np.float32).tolist()
    it = iter(vals)
    return [next(it) if v else math.nan for v in voiced]


def _semitone_one(f0: float, voiced: bool) -> float:
    """:func:`_semitones_small` of one row: its value as a float."""
    if not voiced:
        return math.nan
    fv = f0 / ST_REF_HZ
    if fv > 0.0:
        return float(np.float32(12.0 * np.log2(fv)))
    return _semitones_small([f0], [voiced])[0]  # not a pitch: the block path's warnings


class _MeasureCore:
    """The windowed measures of one party (absolute values; see :mod:`voicecoach.baseline`)."""

    def __init__(self, config: Config, in_call: bool = False) -> None:
        b, c = config.baseline, config.coach
        hop = config.analysis.hop_s
        for key, v in (
            ("baseline.provisional_s", b.provisional_s),
            ("baseline.pitch_window_s", b.pitch_window_s),
            ("baseline.loudness_window_s", b.loudness_window_s),
            ("baseline.rate_max_interval_s", b.rate_max_interval_s),
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
        if not 0.0 <= b.pitch_call_min_voiced_s <= 3600.0:
            raise ParameterError(
                f"baseline.pitch_call_min_voiced_s must be in [0, 3600] s (taken as at most "
                f"pitch_window_s), got {b.pitch_call_min_voiced_s!r}"
            )
        if not 0.0 < b.pitch_octave_band_st <= 24.0:
            raise ParameterError(
                f"baseline.pitch_octave_band_st must be in (0, 24] st (6 = half an octave), "
                f"got {b.pitch_octave_band_st!r}"
            )
        if not 0.0 < b.pitch_quantile < 1.0:
            raise ParameterError(
                f"baseline.pitch_quantile must be in (0, 1) (0.5: the median), got "
                f"{b.pitch_quantile!r}"
            )
        if not (isinstance(b.rate_intervals, int) and 1 <= b.rate_intervals <= 10000):
            raise ParameterError(
                f"baseline.rate_intervals must be an integer in [1, 10000], got "
                f"{b.rate_intervals!r}"
            )
        if not 0.0 <= b.rate_trim < 0.5:
            raise ParameterError(
                f"baseline.rate_trim must be in [0, 0.5) (a fraction cut at each end), got "
                f"{b.rate_trim!r}"
            )
        if not 0.5 <= b.calm_quantile < 1.0:
            raise ParameterError(
                f"baseline.calm_quantile must be in [0.5, 1), got {b.calm_quantile!r}"
            )
        self.hop_s = hop
        self._config = config
        # in a call, the pitch measure is read once this many voiced hops were heard (the
        # calibration's, whose calm excursion sets the threshold, from pitch_min_voiced_s)
        self._call_need = round(min(b.pitch_call_min_voiced_s, b.pitch_window_s) / hop) \
            if in_call else 0
        self._pitch = _RollingQuantiles(
            round(b.pitch_window_s / hop),
            round(b.pitch_min_voiced_s / hop),
            (b.pitch_quantile,),
            band=b.pitch_octave_band_st,
        )
        self._loud = _RollingPowerMean(
            round(b.loudness_window_s / hop), round(b.loudness_min_speech_s / hop)
        )
        self._spread = _RollingQuantiles(
            round(c.monotony_window_s / hop), round(c.monotony_min_voiced_s / hop), (0.1, 0.9)
        )
        self._rate = _IntervalRate(
            b.rate_intervals, round(b.rate_max_interval_s / hop), b.rate_trim, hop
        )
        self._utt = _UtteranceLevel(
            round(b.utterance_gap_s / hop),
            round(b.utterance_min_voiced_s / hop),
            b.pitch_octave_band_st,
            b.pitch_quantile,
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
        self._fed = 0  # voiced hops fed to the pitch window, counted up to _call_need
        #: after :meth:`process`: None when every row's pitch measure may be read in a call,
        #: else a bool per row (False: fewer than ``pitch_call_min_voiced_s`` voiced so far)
        self.pitch_ready: np.ndarray | None = None

    def process(self, rows: Features) -> tuple[np.ndarray, ...]:
        """(speech, pitch_st, loudness_db, pitch_spread_st, rate_sps, utterance_pitch_st,
        utterance_loudness_db) per row."""
        n = len(rows)
        speech = np.asarray(rows.speech, bool)
        if n == 1:
            return self._process_one(rows, speech)
        nan32 = np.float32(np.nan)
        levels = rows.loudness_db.tolist()
        live_utt = self._config.baseline.pitch_track != "live"
        if n <= _SMALL:
            sp = speech.tolist()
            st = _semitones_small(*_pitch_small(rows, sp, self._config.baseline.pitch_track))
            # the utterance measures (the agitation flag, 0.25 s) read the live pitch
            st_u = _semitones_small(*_pitch_small(rows, sp, "live")) if live_utt else st
            u_pitch, u_loud = self._utt.process(sp, st_u, levels)
            prow, srow = self._pitch._row, self._spread._row
            pitch = []
            for v, s_ in zip(st, sp, strict=True):
                if v == v:
                    self._last_pitch = float(np.float32(prow(v)[0]))
                pitch.append(self._last_pitch if s_ else math.nan)
            pitch_st = np.array(pitch, np.float32)
            self._gate([v == v for v in st])
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
            f0a, voiced_a = coached_pitch(rows, self._config)
            sta = np.where(voiced_a, hz_to_st(np.where(voiced_a, f0a, ST_REF_HZ)), np.nan)
            if live_utt:
                f0l, voiced_l = _live_pitch(rows)
                sta_u = np.where(voiced_l, hz_to_st(np.where(voiced_l, f0l, ST_REF_HZ)), np.nan)
            else:
                sta_u = sta
            u_pitch, u_loud = self._utt.process(
                speech.tolist(), sta_u.astype(np.float32).tolist(), levels
            )
            (pv,) = self._pitch.process(sta[voiced_a])
            pitch_st = _carry(voiced_a, pv, self._last_pitch)
            if pv.size:
                self._last_pitch = float(pv[-1])
            pitch_st = np.where(speech, pitch_st, nan32).astype(np.float32)
            self._gate(voiced_a)
            p10, p90 = self._spread.process(sta)
            lv = self._loud.process(np.asarray(rows.loudness_db)[speech])
            if lv.size:
                self._last_loud = float(lv[-1])
            loud = np.where(speech, _carry(speech, lv, math.nan), nan32).astype(np.float32)
        rate = self._rate.process(speech, np.asarray(rows.nucleus, bool))
        return speech, pitch_st, loud, p90 - p10, rate, u_pitch, u_loud  # float32 both

    def _gate(self, fed) -> None:
        """Set :attr:`pitch_ready` for a block whose rows fed the pitch window where ``fed``."""
        if self._fed >= self._call_need:
            self.pitch_ready = None
            return
        cum = self._fed + np.cumsum(np.asarray(fed, bool))
        if cum.size:
            self._fed = min(int(cum[-1]), self._call_need)
        self.pitch_ready = cum >= self._call_need

    def _process_one(self, rows: Features, speech: np.ndarray) -> tuple[np.ndarray, ...]:
        """:meth:`process` of one row (a live hop): the few-row path's values on Python
        floats. numpy's scalar ufuncs run its array ufuncs' loops (so ``np.log2``,
        ``np.power`` and ``np.log10`` of a float give the array's values), each value is
        rounded to float32 where the few-row path stores it in a float32 array, and the
        spread's float32 difference is taken in float64 and rounded once (exact: a float64
        difference of two float32 values rounds to the float32 one)."""
        s_ = speech.tolist()[0]
        level = rows.loudness_db.tolist()[0]
        track = self._config.baseline.pitch_track
        f0l = rows.f0_hz.tolist()[0]
        live_v = s_ and rows.voiced.tolist()[0] and math.isfinite(f0l)
        if track == "settled":
            f0 = rows.f0_settled_hz.tolist()[0]
            st = _semitone_one(f0, s_ and math.isfinite(f0))
            # the utterance measures (the agitation flag, 0.25 s) read the live pitch
            st_u = _semitone_one(f0l, live_v)
        else:
            st = st_u = _semitone_one(f0l, live_v)
        u_pitch, u_loud = self._utt.process([s_], [st_u], [level])
        if st == st:
            self._last_pitch = float(np.float32(self._pitch._row(st)[0]))
        pitch_st = np.array((self._last_pitch if s_ else math.nan,), np.float32)
        if self._fed < self._call_need:
            self._gate([st == st])
        else:
            self.pitch_ready = None
        p10, p90 = np.array(self._spread._row(st), np.float32).tolist()
        spread = np.array((p90 - p10,), np.float32)
        if s_:
            self._last_loud = self._loud.process_one(level)
            loud = np.array((self._last_loud,), np.float32)
        else:
            loud = np.array((math.nan,), np.float32)
        rate = self._rate.process(speech, np.asarray(rows.nucleus, bool))
        return speech, pitch_st, loud, spread, rate, u_pitch, u_loud

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
