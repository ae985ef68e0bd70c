"""A speaker's calm baseline: the :class:`Profile`, its file schema, and the semitone scale.

How a profile is computed and what each statistic means: see :mod:`voicecoach.baseline`
(the package notes) and :func:`~voicecoach.baseline.calibration.profile_from_features`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import TELEPHONE_RATE_HZ
from ..errors import ParameterError

#: Reference of the semitone scale, Hz (A1).
ST_REF_HZ = 55.0
#: Schema tag written in profile files. /3: ``pitch_level_st`` is the level of the banded
#: low-quantile pitch measure and ``rate_level_sps`` the nucleus-interval tempo (issue #11);
#: a /2 profile's references belong to other measures and would bias every delta, so it is
#: refused with "calibrate again".
PROFILE_SCHEMA = "voicecoach.profile/3"
#: Keys a profile file may leave out, and the value they then take (``voice``: no model;
#: ``calibration_rate_hz``: None, unknown).
_OPTIONAL: dict[str, Any] = {"voice": None, "calibration_rate_hz": None, "telephone": None}
#: Keys of a telephone-band reference that its profile gives it (see :meth:`Profile.for_rate`).
_TELEPHONE_OWN = ("schema", "name", "source", "created_utc", "provisional",
                  "calibration_rate_hz", "voice", "telephone")


def hz_to_st(f0_hz: Any) -> Any:
    """Semitones above 55 Hz: ``12 * log2(f0_hz / 55)`` (NaN stays NaN).

    Parameters
    ----------
    f0_hz : float or array_like
        Frequency, Hz.

    Returns
    -------
    float64 or np.ndarray of float64, same shape as ``f0_hz``
        Semitones above 55 Hz; 0 Hz gives -inf, a negative value NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, np.float64) / ST_REF_HZ)


def st_to_hz(st: Any) -> Any:
    """Inverse of :func:`hz_to_st`: ``55 * 2 ** (st / 12)`` Hz.

    Parameters
    ----------
    st : float or array_like
        Semitones above 55 Hz.

    Returns
    -------
    float64 or np.ndarray of float64, same shape as ``st``
        Frequency, Hz (NaN stays NaN).
    """
    return ST_REF_HZ * np.exp2(np.asarray(st, np.float64) / 12.0)


@dataclass(frozen=True)
class Profile:
    """A speaker's calm baseline (definitions: see :mod:`voicecoach.baseline`).

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
        References of the windowed measures (see :mod:`voicecoach.baseline`): median, over the calm
        speech hops, of ``pitch_st`` (semitones above 55 Hz), ``rate_sps`` (syllables per
        second of speech) and ``loudness_db`` (dBFS). The deltas are taken against these.
    pitch_calm_st, rate_calm_pct, loudness_calm_db : float
        Calm excursion of each delta: its ``[baseline] calm_quantile`` (0.95) over the calm
        speech hops, in the delta's unit (semitones, %, dB). The coach's thresholds start
        above it.
    pitch_drift_st, rate_drift_pct, loudness_drift_db : float
        Stability: the reference computed on the first half of the measured hops minus the
        one on the second half, absolute, in the delta's unit (semitones, %, dB).
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
    calibration_rate_hz : float or None
        The lowest sample rate of the calibration recordings, Hz, before resampling to
        16 kHz (None: unknown, for in-call baselines and profiles made before it; optional
        in profile files). 8000 or less is telephone audio: a review of a call on the other
        band says that pitch and pace read differently there.
    voice : dict or None
        The speaker's voice model (:func:`voicecoach.conversation.diarize.voice_model`):
        it tells the agent's stretches on a mono call and checks a stereo call's channels.
        Optional in profile files (None for profiles made before it, and in-call
        baselines).
    telephone : dict or None
        The same statistics computed from the calibration speech sent through a simulated
        telephone line (:class:`voicecoach.analysis.band.TelephoneLine`): the references a
        telephone recording of this voice is judged against with ``[baseline]
        telephone_references`` on (:meth:`for_rate`; off by default). Only in
        profiles calibrated on wideband audio (None otherwise, in in-call baselines and in
        profiles made before it; optional in profile files).

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
    calibration_rate_hz: float | None = None
    voice: dict[str, Any] | None = None
    telephone: dict[str, Any] | None = None

    def replace(self, **changes: Any) -> Profile:
        """A copy with some fields changed (e.g. ``name``).

        Parameters
        ----------
        **changes
            Field names and their new values (not validated).

        Returns
        -------
        Profile

        Raises
        ------
        TypeError
            For a name that is not a field (:func:`dataclasses.replace`).
        """
        return dataclasses.replace(self, **changes)

    def to_dict(self, *, voice: bool = True) -> dict[str, Any]:
        """Plain dict with a ``"schema"`` tag; floats rounded to 4 decimals (NaN kept).

        ``voice=False`` leaves out the voice model (large; reports and cache keys do not
        need it).

        Parameters
        ----------
        voice : bool
            Include the ``voice`` model (when the profile has one).

        Returns
        -------
        dict
            ``"schema"`` then every field by name, in the fields' units (semitones, dB,
            syllables/s, s).
        """
        d: dict[str, Any] = {"schema": PROFILE_SCHEMA}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "voice":
                if voice and v is not None:
                    d["voice"] = v
                continue
            if f.name == "telephone":
                if v is not None:
                    d["telephone"] = dict(v)
                continue
            d[f.name] = round(v, 4) if isinstance(v, float) and math.isfinite(v) else v
        return d

    def for_rate(self, rate_hz: float | None) -> Profile:
        """The profile a channel recorded at ``rate_hz`` is judged against.

        A wideband profile that holds :attr:`telephone` references gives a telephone-rate
        channel (at most 8 kHz, or telephone-band audio saved at a higher rate) those: the
        same voice reads 1.4-2.2 dB quieter and 0.4-2.5 st higher over a line, and judged
        against its wideband references an 8 kHz call drew more false nudges and caught a
        louder voice later (README, *Telephone-band references*).

        Parameters
        ----------
        rate_hz : float or None
            The channel's source rate, Hz (None: unknown, the profile itself).

        Returns
        -------
        Profile
            This profile, or its telephone-band references with this profile's name,
            source, creation time and voice model, ``calibration_rate_hz`` 8000 and
            ``telephone`` None.
        """
        if (rate_hz is None or rate_hz > TELEPHONE_RATE_HZ or self.telephone is None
                or (self.calibration_rate_hz is not None
                    and self.calibration_rate_hz <= TELEPHONE_RATE_HZ)):
            return self
        t = type(self).from_dict({**self.telephone, "name": self.name,
                                  "source": self.source, "created_utc": self.created_utc,
                                  "provisional": self.provisional})
        return t.replace(calibration_rate_hz=float(TELEPHONE_RATE_HZ), voice=self.voice)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        """Inverse of :meth:`to_dict`.

        ``None`` is read as NaN for numbers. Raises :class:`ParameterError` for a wrong
        schema, a missing or unknown key (with a suggestion) or a wrong type.

        Parameters
        ----------
        d : dict
            As written by :meth:`to_dict` (``"schema"`` optional; ``"voice"`` optional).

        Returns
        -------
        Profile

        Raises
        ------
        ParameterError
            For a non-dict, a wrong schema, a missing or unknown key, or a wrong type.
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
        missing = sorted(set(fields) - set(d) - set(_OPTIONAL))
        if missing:
            raise ParameterError(
                f"profile lacks {', '.join(missing)}; calibrate again to rebuild it"
            )
        kw: dict[str, Any] = {}
        for name, f in fields.items():
            if name == "voice":
                v = d.get("voice")
                if v is not None and not isinstance(v, dict):
                    raise ParameterError(f"profile key 'voice' must be a table, got {v!r}")
                kw[name] = v
                continue
            if name == "telephone":
                v = d.get("telephone")
                if v is not None:
                    if not isinstance(v, dict):
                        raise ParameterError(
                            f"profile key 'telephone' must be a table, got {v!r}")
                    v = {k: x for k, x in v.items() if k not in _TELEPHONE_OWN}
                    try:
                        cls.from_dict({**v, "name": "", "source": "", "created_utc": "",
                                       "provisional": False})
                    except ParameterError as e:
                        raise ParameterError(f"profile table 'telephone': {e}") from None
                kw[name] = v
                continue
            v = d.get(name, _OPTIONAL.get(name))
            if name == "calibration_rate_hz" and v is None:
                kw[name] = None
                continue
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
