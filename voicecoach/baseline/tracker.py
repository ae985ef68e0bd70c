"""The baseline tracker: streaming relative measures of one party against its baseline.

With a calibrated profile, or a provisional one gathered from the party's first speech in
the call. Definitions: see :mod:`voicecoach.baseline`.
"""

from __future__ import annotations

import math

import numpy as np

from ..analysis import Features
from ..analysis.features import RowClock
from ..config import Config, load_config
from ..errors import ParameterError
from .calibration import profile_from_features
from .measures import RelativeMeasures, _MeasureCore
from .profile import Profile


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
        self._core = _MeasureCore(self.config, in_call=True)
        self.party = party
        self.hop_s = self.config.analysis.hop_s
        self.fixed_profile = profile
        self._n_provisional = max(1, round(self.config.baseline.provisional_s / self.hop_s))
        self._clock = RowClock(self.hop_s, f"the {self.party} baseline tracker")
        self.reset()

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._clock.reset()
        self._core.reset()
        self._profile = self.fixed_profile
        self._ready_s: float | None = None if self._profile is None else 0.0
        m = self._n_provisional
        self._speech_buf = {
            "f0_hz": np.empty(m, np.float32),
            "f0_settled_hz": np.empty(m, np.float32),
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
        # the in-call references of the pitch and loudness deltas ([baseline] adapt_s)
        self._ref_pitch: float | None = None
        self._ref_loud: float | None = None

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
        need = self._n_provisional - self._speech_count
        idx = [i for i, s in enumerate(np.asarray(rows.speech, bool).tolist()) if s][:need]
        if idx:
            a, b = self._speech_count, self._speech_count + len(idx)
            every = len(idx) == n  # (a live hop of speech: the rows as they are)
            for name, buf in self._speech_buf.items():
                v = getattr(rows, name)
                buf[a:b] = v if every else v[idx]
            for name, buf in self._measure_buf.items():
                v = measures[name]
                buf[a:b] = v if every else v[idx]
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

        Raises
        ------
        ParameterError
            When the rows do not follow the previous block (call :meth:`reset` for a new
            call).
        """
        n = len(rows)
        if n == 0:
            return RelativeMeasures.empty()
        self._clock.check(rows.t_s)
        speech, pitch_st, loud, spread, rate, u_pitch, u_loud = self._core.process(rows)
        if self._profile is not None:
            first = 0
        elif not (speech.tolist()[0] if n == 1 else speech.any()):
            # without speech rows there is nothing to gather
            first = n
        else:
            first = self._gather(
                rows, {"pitch_st": pitch_st, "loudness_db": loud, "rate_sps": rate}
            )
        ready = self._core.pitch_ready
        if ready is not None:  # the pitch window is not yet full in this call (the
            # provisional baseline above gathered the calibration's measure)
            pitch_st = np.where(ready, pitch_st, np.float32(np.nan)).astype(np.float32)
        prof = self._profile
        if prof is None:
            d_pitch = np.array((np.nan,), np.float32) if n == 1 else np.full(n, np.nan, np.float32)
            d_rate, d_loud = d_pitch.copy(), d_pitch.copy()
            du_pitch, du_loud = d_pitch.copy(), d_pitch.copy()
        else:
            du_pitch = (u_pitch - np.float32(prof.pitch_level_st)).astype(np.float32)
            du_loud = (u_loud - np.float32(prof.loudness_level_db)).astype(np.float32)
            with np.errstate(divide="ignore", invalid="ignore"):
                d_rate = (100.0 * (rate.astype(np.float64) / prof.rate_level_sps - 1.0)).astype(
                    np.float32
                )
            b = self.config.baseline
            if b.adapt_s > 0.0:
                if self._ref_pitch is None:
                    self._ref_pitch = float(prof.pitch_level_st)
                    self._ref_loud = float(prof.loudness_level_db)
                alpha = self.hop_s / b.adapt_s
                d_pitch, self._ref_pitch = _adapted_deltas(
                    pitch_st, first, self._ref_pitch, b.adapt_pitch_band_st, alpha
                )
                d_loud, self._ref_loud = _adapted_deltas(
                    loud, first, float(self._ref_loud), b.adapt_loudness_band_db, alpha
                )
            else:
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


def _adapted_deltas(
    values: np.ndarray, first: int, ref: float, band: float, alpha: float
) -> tuple[np.ndarray, float]:
    """Deltas of a measure against an in-call reference that follows it slowly.

    From row ``first`` on, each row with a finite value gives ``value - ref``; when that
    delta is within ``band`` of 0 (the speaker's calm range, not a change the coach is there
    to flag), ``ref`` moves toward the value by ``alpha`` of the delta (an exponential mean
    over the measured rows, time constant ``hop_s / alpha``). Sequential over the rows, so
    the output does not depend on how they were cut into blocks.

    Returns the deltas (float32, NaN where the value is NaN or before ``first``) and the
    reference after the last row.
    """
    vals = values.tolist()
    out = [math.nan] * len(vals)
    for i in range(first, len(vals)):
        v = vals[i]
        if v != v:
            continue
        d = v - ref
        out[i] = d
        if -band < d < band:
            ref += alpha * d
    return np.array(out, np.float32), ref
