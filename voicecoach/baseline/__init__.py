"""A speaker's calm baseline, and per-hop measures relative to it.

Definitions (all on the analysis core's :class:`~voicecoach.analysis.Features` rows)
----------------------------------------------------------------------------------
*Semitones* are ``12 * log2(f0_hz / 55)``: semitones above A1 = 55 Hz (a typical male
calm median of 110 Hz is 12 st, a female 220 Hz is 24 st). Differences of semitones do
not depend on the reference.

A :class:`Profile` (the baseline) summarises calm speech:

* **speech hops**: hops with ``speech`` (the VAD decision); **voiced hops**: speech hops
  with a pitch on the coached track (:func:`coached_pitch`, ``[baseline] pitch_track``):
  by default the live ``f0_hz`` (the display's pitch), or the settled path's
  ``f0_settled_hz`` (the frame 100 ms back, decided with the frames after it);
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

* ``pitch_st``: octave-robust low quantile of the voiced semitones in the last
  ``pitch_window_s`` (3.5 s) of voiced hops: the ``pitch_quantile`` (0.3) of the values
  within ``pitch_octave_band_st`` (6 st) of the window's plain median, so octave slips of
  the tracker (a minority of hops) do not move it, and the low part of the range (where
  phrases end, the "floor" of the voice) moves less with intonation than the median while
  a raised voice lifts it as much; NaN until ``pitch_min_voiced_s`` voiced;
* ``rate_sps``: a syllable tempo, ``1 / trimmed mean`` of the last ``rate_intervals`` (40,
  about 8 s of speech) intervals between consecutive syllable nuclei (the core's
  ``nucleus`` hops) that lie in one run of speech and are at most ``rate_max_interval_s``
  (0.6 s) long, without the ``rate_trim`` (25 %) shortest and longest; NaN until that many.
  A faster speaker shortens every interval, while a count of nuclei per second of speech
  also depends on the VAD's onsets and hangovers, which do not shrink;
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

Where each part lives: :mod:`~voicecoach.baseline.profile` (the :class:`Profile`, its
schema, the semitone scale), :mod:`~voicecoach.baseline.calibration`
(:func:`profile_from_features`, :class:`Calibrator` for one or several recordings,
:func:`calibrate_file`, :func:`calibrate_array` and their checks),
:mod:`~voicecoach.baseline.rolling` (the exact rolling window statistics),
:mod:`~voicecoach.baseline.measures` (:class:`RelativeMeasures` and the windowed measures)
and :mod:`~voicecoach.baseline.tracker` (:class:`BaselineTracker`). Every public name is
importable from ``voicecoach.baseline``.
"""

from __future__ import annotations

from ..errors import (
    CalibrationError,
    ClippedSignalError,
    SilentSignalError,
    TooLittleSpeechError,
)
from .calibration import Calibrator, calibrate_array, calibrate_file, profile_from_features
from .measures import RelativeMeasures, coached_pitch
from .profile import PROFILE_SCHEMA, ST_REF_HZ, Profile, hz_to_st, st_to_hz
from .tracker import BaselineTracker

__all__ = [
    "PROFILE_SCHEMA",
    "ST_REF_HZ",
    "BaselineTracker",
    "CalibrationError",
    "Calibrator",
    "ClippedSignalError",
    "Profile",
    "RelativeMeasures",
    "SilentSignalError",
    "TooLittleSpeechError",
    "calibrate_array",
    "calibrate_file",
    "coached_pitch",
    "hz_to_st",
    "profile_from_features",
    "st_to_hz",
]
