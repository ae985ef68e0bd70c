"""Computing a :class:`~voicecoach.baseline.profile.Profile` from calm speech.

:func:`profile_from_features` is the one implementation (a calibration recording and the
in-call provisional baseline both use it); :func:`calibrate_file` and
:func:`calibrate_array` analyse a recording and check that it is usable (not silent, not
clipped, enough voiced speech). Definitions: see :mod:`voicecoach.baseline`.
"""

from __future__ import annotations

import datetime as _dt
import math
import os

import numpy as np

from ..analysis import BlockAdapter, ChannelAnalyzer, Features
from ..analysis.band import TelephoneLine
from ..analysis.blocks import check_block
from ..config import TELEPHONE_RATE_HZ, Config, config_or_default, harmonic_check_on
from ..errors import (
    CalibrationError,
    ClippedSignalError,
    ParameterError,
    SilentSignalError,
    TooLittleSpeechError,
)
from .measures import RelativeMeasures, _MeasureCore, coached_pitch
from .profile import _TELEPHONE_OWN, Profile, hz_to_st, st_to_hz


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
        Rows of one speaker; only speech hops are used (see :mod:`voicecoach.baseline`).
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
    cfg = config_or_default(config)
    if measures is None:
        measures = _MeasureCore(cfg).measures(rows)
    if len(measures) != len(rows):
        raise ParameterError(
            f"measures must have one row per feature row, got {len(measures)} and {len(rows)}"
        )
    speech = np.asarray(rows.speech, bool)
    f0, voiced = coached_pitch(rows, cfg)
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


class Calibrator:
    """One calibration fed from several recordings: a profile grown from more calm speech.

    Feed recordings in any number (files, arrays, the audio kept from an earlier
    calibration); :meth:`finish` checks the whole and computes one profile, exactly as if
    the recordings had been joined end to end into one (one analyser and one set of
    windowed measures run across them) -- exactly for 16 kHz takes of whole 10 ms hops; a
    take at another rate goes through its own resampler, and a take's partial last hop is
    dropped, so those match the joined recording only approximately. :func:`calibrate_file` and
    :func:`calibrate_array` are its one-recording forms. A profile computed from 90 s of
    calm speech rather than 45 s drew about a third fewer false nudges on calm real speech
    (README, *Coach on real voices*); ``voicecoach calibrate --add`` grows a stored profile
    this way from the calibration audio kept beside it.

    Parameters
    ----------
    config : Config, optional
        Defaults to :func:`~voicecoach.config.load_config`.
    keep_audio : bool
        Keep the 16 kHz samples fed (:attr:`audio`), e.g. to store them beside the profile.
    telephone : bool
        Also compute the profile's telephone-band references (:attr:`Profile.telephone`)
        from the speech sent through a simulated line
        (:class:`voicecoach.analysis.band.TelephoneLine`), so that an 8 kHz call can be
        judged against what the voice reads over a line (a headset's wideband speech reads
        louder and lower than a line gives it; used with ``[baseline] telephone_references``
        on, off by default). Kept only when the profile is wideband
        (``calibration_rate_hz`` above 8 kHz or unknown): a profile calibrated on telephone
        audio serves telephone calls as it is. The copy is analysed as an 8 kHz call is
        (with the harmonic check): a wideband calibration takes about three times as long.

    Examples
    --------
    >>> cal = Calibrator(keep_audio=True)                    # doctest: +SKIP
    >>> cal.feed_file("monday.wav"); cal.feed_file("tuesday.flac")  # doctest: +SKIP
    >>> profile = cal.finish(name="alice")                   # doctest: +SKIP
    """

    def __init__(self, config: Config | None = None, *, keep_audio: bool = False,
                 telephone: bool = True) -> None:
        self.config = config_or_default(config)
        self.analyzer = ChannelAnalyzer(self.config)
        # the telephone-band references: a second calibrator fed the line's copy
        self._telephone = telephone
        self._tel: Calibrator | None = None
        self._line: TelephoneLine | None = None
        self._voice = True  # compute the voice model (not in the telephone copy's calibrator)
        self.core = _MeasureCore(self.config)
        from ..conversation.diarize import VoiceFeatures

        self.voice_feats = VoiceFeatures(self.config)
        self.ceps: list[np.ndarray] = []
        # the voice model's pitch, read as the mono first pass reads a call (without the
        # harmonic check: review.mono.scan); a telephone-rate recording, whose profile
        # pitch runs the check, is tracked a second time for it
        self.voice_f0: list[np.ndarray] = []
        self.voice_speech: list[np.ndarray] = []  # ... and its speech decisions (no line
        # widening of the speaker-level gate either)
        self._plain: ChannelAnalyzer | None = None
        self.parts: list[Features] = []
        self.mparts: list[RelativeMeasures] = []
        self.n_samples = 0
        self.n_clipped = 0
        self.peak = 0.0
        self.sources: list[str] = []
        self._whats: list[str] = []  # how error messages name each recording
        self._rates: list[float] = []  # each recording's rate, Hz (the profile's band)
        self._kept: list[np.ndarray] | None = [] if keep_audio else None

    @property
    def seconds(self) -> float:
        """Seconds of audio fed so far."""
        return self.n_samples / self.config.analysis.sample_rate

    @property
    def audio(self) -> np.ndarray:
        """The 16 kHz samples fed so far, shape (n_samples,), float32 (``keep_audio`` only)."""
        if self._kept is None:
            raise ParameterError(
                "this Calibrator was made with keep_audio=False, so it kept no audio; "
                "make it with Calibrator(config, keep_audio=True)"
            )
        return np.concatenate(self._kept) if self._kept else np.zeros(0, np.float32)

    def feed(self, x: np.ndarray) -> None:
        """Feed 16 kHz mono samples, shape (n_hops * hop_size,).

        Parameters
        ----------
        x : np.ndarray, shape (n_hops * hop_size,)
            float32/float64 at full scale 1.0, or int16 (scaled by 1/32768).

        Raises
        ------
        AudioFormatError
            A wrong dtype or shape, a partial hop, NaN or inf: nothing of the block is
            counted or kept.
        """
        x = check_block(x, self.analyzer.hop_size)
        a = np.abs(x)
        if a.size:
            self.peak = max(self.peak, float(a.max()))
            self.n_clipped += int(np.count_nonzero(a >= self.config.baseline.clip_level))
        self.n_samples += x.shape[0]
        if self._kept is not None:
            self._kept.append(np.asarray(x, np.float32).copy())
        rows = self.analyzer.process(x)
        if self._voice:
            self.ceps.append(self.voice_feats.process(x[: len(rows) * self.analyzer.hop_size]))
            f0_hz, speech = rows.f0_hz, rows.speech
            if self.analyzer.harmonic:
                if self._plain is None:
                    self._plain = ChannelAnalyzer(self.config, harmonic=False)
                plain = self._plain.process(x)
                f0_hz, speech = plain.f0_hz, plain.speech
            self.voice_f0.append(np.asarray(f0_hz))
            self.voice_speech.append(np.asarray(speech, bool))
        self.parts.append(rows)
        self.mparts.append(self.core.measures(rows))
        if self._telephone:
            if self._tel is None:
                self._tel = Calibrator(self.config, telephone=False)
                self._tel._voice = False
                self._tel._band(float(TELEPHONE_RATE_HZ))
                self._line = TelephoneLine(self.config.analysis.sample_rate)
            assert self._line is not None
            self._tel.feed(self._line.process(x))

    def _band(self, source_rate_hz: float) -> None:
        """Analyse the next recording's pitch as a review of audio at this rate would.

        A telephone-rate recording runs the pitch tracker's harmonic check
        (:func:`voicecoach.config.harmonic_check_on`, the agent's side), so the profile reads
        the voice as the review of that agent's telephone calls does.
        """
        self.analyzer.set_harmonic(harmonic_check_on(self.config.pitch, source_rate_hz, False))

    def feed_file(
        self, path: str | os.PathLike[str], channel: int | str | None = None, *,
        shown: str | None = None, source_rate_hz: float | None = None,
    ) -> None:
        """Stream a recording in (any rate the reader takes, resampled to 16 kHz).

        Parameters
        ----------
        path : path-like
            WAV, FLAC, OGG, MP3... (see :func:`calibrate_file`).
        channel : int, optional
            Channel holding the speaker; required for a multichannel file.
        shown : str, optional
            How the profile's ``source`` names the file (default: ``str(path)``).
        source_rate_hz : float, optional
            The rate the speech was recorded at, Hz, when the file is a resampled copy (the
            16 kHz calibration audio kept beside a profile); default: the file's rate. The
            profile's ``calibration_rate_hz`` is the lowest over the recordings fed.
        """
        from ..io import audio_info, iter_hops, select_channels
        from ..io import source_rate_hz as source_rate_hz_of

        info = audio_info(path)
        if channel is None:
            if info.channels != 1:
                raise ParameterError(
                    f"{str(path)!r} has {info.channels} channels; say which one holds the "
                    f"speaker with channel=N (--channel N), 0..{info.channels - 1}"
                )
            channel = 0
        (c,) = select_channels(channel, info.channels, allow_all=False)
        # the file's rate, or 8000 Hz for telephone audio saved at a higher rate
        rate_hz = float(source_rate_hz_of(path, c, self.config) if source_rate_hz is None
                        else source_rate_hz)
        self._band(rate_hz)
        for block in iter_hops(path, [c], self.config):
            self.feed(np.ascontiguousarray(block[:, 0]))
        self._rates.append(rate_hz)
        self.sources.append(f"{path if shown is None else shown} (channel {c})")
        self._whats.append(f"recording {str(path)!r} (channel {c})")

    def feed_array(
        self, samples: np.ndarray, sample_rate: int = 16000, *, source: str = "array",
        source_rate_hz: float | None = None,
    ) -> None:
        """Feed samples already in memory (see :func:`calibrate_array` for what is taken).

        Parameters
        ----------
        samples : np.ndarray, shape (n_samples,) or (n_samples, 1)
            int16, float32 or float64 (full scale 1.0) samples of one speaker.
        sample_rate : int
            Hz, ``[analysis] min_input_rate``-``max_input_rate``; resampled to 16 kHz (a
            final part shorter than a 10 ms hop is dropped).
        source : str
            Name of the recording, kept in :attr:`sources` (the profile's ``source``).
        source_rate_hz : float, optional
            The rate the speech was captured at, Hz, when ``samples`` were resampled before
            (a microphone read at 16 kHz from an 8 kHz device); default: ``sample_rate``,
            or 8000 Hz when the first ``[pitch] band_scan_s`` seconds are telephone band
            (:func:`voicecoach.analysis.band.telephone_band`), as files are read.

        Raises
        ------
        ParameterError
            For more than one channel.
        AudioFormatError
            For a bad dtype, NaN / inf samples or a sample rate out of range.
        """
        a = self.config.analysis
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
            target_sample_rate=a.sample_rate,
            hop_size=a.hop_size,
            min_sample_rate=a.min_input_rate,
            max_sample_rate=a.max_input_rate,
        )
        if source_rate_hz is not None:
            rate_hz = float(source_rate_hz)
        else:  # the rate, or 8000 Hz for telephone audio at a higher rate (as files are read)
            from ..analysis.band import telephone_band

            p = self.config.pitch
            head = x[: round(p.band_scan_s * sample_rate)] if p.band_scan_s > 0 else x[:0]
            tel = p.band_scan_s > 0 and telephone_band(
                np.asarray(head, np.float64) / (32768.0 if x.dtype == np.int16 else 1.0),
                int(sample_rate), p.telephone_band_db)
            rate_hz = float(TELEPHONE_RATE_HZ) if tel and sample_rate > TELEPHONE_RATE_HZ \
                else float(sample_rate)
        self._band(rate_hz)
        self.feed(np.ascontiguousarray(adapter.push(x, last=True)[:, 0]))
        self._rates.append(rate_hz)
        self.sources.append(source)
        self._whats.append(f"the {source} recording")

    def finish(self, what: str | None = None, name: str = "", source: str | None = None) -> Profile:
        """Check everything fed and compute the profile.

        Parameters
        ----------
        what : str, optional
            How error messages name the recording(s) (default: from the sources fed).
        name : str
            Profile name.
        source : str, optional
            The profile's ``source`` (default: the sources fed, joined with ``" + "``).

        Returns
        -------
        Profile
            The calm-speech baseline (``provisional=False``).

        Raises
        ------
        SilentSignalError, ClippedSignalError, TooLittleSpeechError
            For unusable calm speech (judged over everything fed).
        """
        joined = " + ".join(self.sources)
        if what is None:
            what = (self._whats[0] if len(self._whats) == 1
                    else f"the calibration speech ({joined})" if joined
                    else "the calibration speech")
        if source is None:
            source = joined
        b = self.config.baseline
        dur = self.seconds
        if dur < 1.0:  # too short to judge even its level (a file cut short, a wrong file)
            raise TooLittleSpeechError(
                f"{what} is only {dur:.2f} s long; a calibration needs at least "
                f"{b.min_calibration_voiced_s:g} s of voiced speech: record at least 30 s of "
                f"calm, continuous speech"
            )
        rows = Features.concat(self.parts) if self.parts else None
        peak_db = 20 * math.log10(self.peak) if self.peak > 0 else -math.inf
        if rows is None or peak_db < b.silence_peak_db or not rows.speech.any():
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
        if self._rates:  # the band it was recorded on (a review across bands says so)
            prof = prof.replace(calibration_rate_hz=min(self._rates))
        if self._tel is not None and (prof.calibration_rate_hz is None
                                      or prof.calibration_rate_hz > TELEPHONE_RATE_HZ):
            # (a profile calibrated on telephone audio already reads the voice as a
            # telephone call does: its own references serve)
            try:  # the references an 8 kHz call of this voice is judged against
                tel = self._tel.finish(what=what, name=name, source=source)
            except CalibrationError:  # too little speech survives the line: none
                tel = None
            if tel is not None:
                prof = prof.replace(telephone={k: v for k, v in tel.to_dict(voice=False).items()
                                               if k not in _TELEPHONE_OWN})
        from ..conversation.diarize import voice_model

        if self.ceps:
            prof = prof.replace(voice=voice_model(np.concatenate(self.ceps),
                                                  np.concatenate(self.voice_speech),
                                                  np.concatenate(self.voice_f0), self.config))
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
        WAV, FLAC, OGG/Opus, MP3 (M4A/AAC through ffmpeg), 8–192 kHz.
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
    cal = Calibrator(config)
    cal.feed_file(path, channel)
    return cal.finish(name=name)


def calibrate_array(
    samples: np.ndarray,
    sample_rate: int = 16000,
    config: Config | None = None,
    *,
    name: str = "",
    source: str = "array",
    source_rate_hz: float | None = None,
) -> Profile:
    """Compute a calm-speech baseline from samples already in memory (e.g. a microphone take).

    Parameters
    ----------
    samples : np.ndarray, shape (n_samples,) or (n_samples, 1)
        int16, float32 or float64 (full scale 1.0).
    sample_rate : int
        Hz, ``[analysis] min_input_rate``-``max_input_rate`` (8000-192000 by default);
        resampled to 16 kHz.
    config : Config, optional
    name, source : str
        Recorded in the profile.
    source_rate_hz : float, optional
        The rate the speech was captured at, Hz (a microphone's device rate, as a live
        session takes it); default: from ``sample_rate`` and the audio's band
        (:meth:`Calibrator.feed_array`).

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
    cal = Calibrator(config)
    cal.feed_array(samples, sample_rate, source=source, source_rate_hz=source_rate_hz)
    return cal.finish(name=name)
