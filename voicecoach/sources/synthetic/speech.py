"""The single-voice generator: speech-like signals with exact ground truth.

Single voice (:func:`synth_speech`)
-----------------------------------
The timeline is: lead-in silence, phrase, pause, phrase, ... A phrase is a run
of syllable *slots*. Each slot is a consonant gap (30–80 ms, at most 35 % of the
slot) followed by a voiced nucleus. The gap is either silence or a high-passed
noise burst (fricative-like) 12–20 dB below the RMS of the nucleus that follows;
the first consonant of every phrase is always a burst, so a phrase starts with
sound. The nucleus is a band-limited pulse train (closed-form Dirichlet kernel
with every harmonic below 0.45·fs, generated from the exact integral of the
instantaneous F0, so the period is exact) through a -6 dB/oct tilt and a cascade
of 2-pole formant resonators (a vowel picked per syllable), multiplied by an
envelope that rises over ≤ 25 ms, reaches its single maximum at
:attr:`Syllable.peak_s` and decays to zero at the nucleus end. Outside nuclei
and bursts the clean signal is exactly zero.

All boundaries sit on the sample grid: ``start_s == k / sample_rate`` exactly.
A sample ``n`` belongs to ``[start_s, end_s)`` when
``start_s <= n / sample_rate < end_s``.

F0 of a syllable is a glide, linear in log-frequency, from ``f0_start_hz`` at
``start_s`` to ``f0_end_hz`` at ``end_s``. It is the baseline (``f0_hz``,
evaluated at the nucleus ends) times the intonation: a uniform random offset in
``±f0_jitter_st``, a declination falling linearly from ``+declination_st/2``
at phrase start to ``-declination_st/2`` at phrase end, and a glide of
``±glide_st/2`` centred on the syllable target; values are clipped to 60–500 Hz.
The truth is the rendered F0, not the baseline: a callable baseline is only
followed at nucleus ends.

Slot durations are ``1 / syllable_rate`` (rate evaluated at each nominal slot
onset) with ±15 % random variation whose rate-weighted mean is zero over every
phrase, so a phrase of ``n`` syllables at constant rate ``r`` lasts ``n / r``
(to half a sample) and ``SpeechTruth.syllable_rate()`` equals ``r``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal as sps

from voicecoach.errors import ParameterError

F0_MIN_HZ = 60.0
"""Lowest F0 ever rendered, Hz."""
F0_MAX_HZ = 500.0
"""Highest F0 ever rendered, Hz."""
RATE_MIN = 1.0
"""Lowest accepted syllable rate, syllables per second."""
RATE_MAX = 9.0
"""Highest accepted syllable rate, syllables per second."""

VOWEL_FORMANTS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # vowel: ((F1..F4 in Hz), (B1..B4 in Hz)), adult male averages
    "a": ((730.0, 1090.0, 2440.0, 3400.0), (90.0, 110.0, 170.0, 250.0)),
    "e": ((530.0, 1840.0, 2480.0, 3500.0), (70.0, 100.0, 160.0, 250.0)),
    "i": ((270.0, 2290.0, 3010.0, 3700.0), (60.0, 100.0, 170.0, 250.0)),
    "o": ((570.0, 840.0, 2410.0, 3300.0), (80.0, 100.0, 160.0, 250.0)),
    "u": ((300.0, 870.0, 2240.0, 3300.0), (60.0, 90.0, 160.0, 250.0)),
}
"""Formant frequencies and bandwidths per vowel, Hz (scaled by ``formant_scale``)."""

_PARTIES = ("agent", "customer")
_KINDS = ("turn", "backchannel")
_PARTY_FORMANT_SCALE = {"agent": 1.0, "customer": 1.15}
_PARTY_DECLINATION_ST = {"agent": 2.0, "customer": 2.5}

_ATTACK_S = 0.025
_RELEASE_S = 0.030
_GAP_MIN_S = 0.030
_GAP_MAX_S = 0.080
_GAP_MAX_FRAC = 0.35
_SLOT_VARIATION = 0.15
_PREROLL_S = 0.040
_BURST_BELOW_DB = (12.0, 20.0)
_STRESS_DB = (-3.0, 1.0)
_TAIL_S = 0.1

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Syllable:
    """One voiced syllable nucleus.

    Attributes
    ----------
    start_s, end_s : float
        Voiced span ``[start_s, end_s)`` in seconds (glottal source on), on the
        sample grid.
    f0_start_hz, f0_end_hz : float
        F0 at ``start_s`` and (the limit at) ``end_s``, Hz; in between F0 is
        linear in log-frequency (exponential in time).
    peak_s : float
        Time of the maximum of the amplitude envelope (the intensity peak), s.
    """

    start_s: float
    end_s: float
    f0_start_hz: float
    f0_end_hz: float
    peak_s: float


@dataclass(frozen=True)
class SpeechTruth:
    """Exact ground truth of one rendered voice.

    Attributes
    ----------
    sample_rate : int
        Samples per second of the signal this truth describes.
    duration_s : float
        Signal length in seconds (``n_samples / sample_rate``).
    syllables : tuple of Syllable
        Voiced nuclei, sorted by ``start_s``, non-overlapping.
    phrases : tuple of (float, float)
        Speech segments ``[start_s, end_s)``: onset of the first syllable slot
        (including its consonant) to the end of the last nucleus.
    """

    sample_rate: int
    duration_s: float
    syllables: tuple[Syllable, ...]
    phrases: tuple[tuple[float, float], ...]
    _arrays: dict[str, FloatArray] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        syl = self.syllables
        arrays = {
            "start": np.array([s.start_s for s in syl], dtype=float),
            "end": np.array([s.end_s for s in syl], dtype=float),
            "f0s": np.array([s.f0_start_hz for s in syl], dtype=float),
            "f0e": np.array([s.f0_end_hz for s in syl], dtype=float),
            "pstart": np.array([p[0] for p in self.phrases], dtype=float),
            "pend": np.array([p[1] for p in self.phrases], dtype=float),
        }
        object.__setattr__(self, "_arrays", arrays)

    def _syllable_index(self, t: FloatArray) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        a = self._arrays
        idx = np.searchsorted(a["start"], t, side="right") - 1
        safe = np.clip(idx, 0, max(len(a["start"]) - 1, 0))
        if len(a["start"]) == 0:
            return safe, np.zeros(t.shape, dtype=bool)
        inside = (idx >= 0) & (t < a["end"][safe])
        return safe, inside

    def f0_at(self, t_s: ArrayLike) -> FloatArray:
        """Instantaneous F0 of the glottal source.

        Parameters
        ----------
        t_s : array_like of float, any shape
            Times in seconds.

        Returns
        -------
        numpy.ndarray of float64, same shape as `t_s`
            F0 in Hz; NaN where no nucleus is voiced.
        """
        t = np.asarray(t_s, dtype=float)
        idx, inside = self._syllable_index(t)
        out = np.full(t.shape, np.nan)
        if not inside.any():
            return out
        a = self._arrays
        i = idx[inside]
        frac = (t[inside] - a["start"][i]) / (a["end"][i] - a["start"][i])
        out[inside] = a["f0s"][i] * (a["f0e"][i] / a["f0s"][i]) ** frac
        return out

    def voiced_at(self, t_s: ArrayLike) -> NDArray[np.bool_]:
        """Whether the glottal source is on.

        Parameters
        ----------
        t_s : array_like of float, any shape
            Times in seconds.

        Returns
        -------
        numpy.ndarray of bool, same shape as `t_s`
        """
        t = np.asarray(t_s, dtype=float)
        return self._syllable_index(t)[1]

    def speech_at(self, t_s: ArrayLike) -> NDArray[np.bool_]:
        """Whether a time lies inside a phrase (speech segment).

        Parameters
        ----------
        t_s : array_like of float, any shape
            Times in seconds.

        Returns
        -------
        numpy.ndarray of bool, same shape as `t_s`
        """
        t = np.asarray(t_s, dtype=float)
        a = self._arrays
        if len(a["pstart"]) == 0:
            return np.zeros(t.shape, dtype=bool)
        idx = np.searchsorted(a["pstart"], t, side="right") - 1
        safe = np.clip(idx, 0, None)
        return (idx >= 0) & (t < a["pend"][safe])

    def speech_s(self) -> float:
        """Total phrase time in seconds.

        Returns
        -------
        float
        """
        a = self._arrays
        return float(np.sum(a["pend"] - a["pstart"]))

    def syllable_rate(self) -> float:
        """Articulation rate: syllables per second of phrase time (0.0 if no speech).

        Returns
        -------
        float
        """
        total = self.speech_s()
        return len(self.syllables) / total if total > 0 else 0.0

    def hops(self, hop_s: float = 0.01) -> dict[str, NDArray[Any]]:
        """Truth on a regular hop grid.

        Parameters
        ----------
        hop_s : float, default 0.01
            Hop length in seconds (> 0).

        Returns
        -------
        dict of numpy.ndarray, each of shape (n_hops,)
            ``"t_s"``: hop start times ``k * hop_s``, s; ``"f0_hz"``, ``"voiced"``
            and ``"speech"``: the truth evaluated at the hop centres
            ``t_s + hop_s / 2``. ``n_hops = floor(duration_s / hop_s)``.
        """
        if not (np.isfinite(hop_s) and hop_s > 0):
            raise ParameterError(f"hop_s must be a positive number of seconds, got {hop_s!r}")
        n = math.floor(self.duration_s / hop_s + 1e-9)
        t = np.arange(n) * hop_s
        c = t + hop_s / 2
        return {
            "t_s": t,
            "f0_hz": self.f0_at(c),
            "voiced": self.voiced_at(c),
            "speech": self.speech_at(c),
        }



def _check_number(name: str, value: Any, lo: float, hi: float, unit: str = "") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name} must be a number in [{lo:g}, {hi:g}]{unit}, got {value!r}"
        ) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ParameterError(f"{name} must be in [{lo:g}, {hi:g}]{unit}, got {value!r}")
    return v


def _check_range_pair(name: str, value: Any, lo: float, hi: float) -> tuple[float, float]:
    try:
        a, b = (float(x) for x in value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name} must be a (min_s, max_s) pair within [{lo:g}, {hi:g}] s, got {value!r}"
        ) from None
    if not (math.isfinite(a) and math.isfinite(b) and lo <= a <= b <= hi):
        raise ParameterError(
            f"{name} must be a (min_s, max_s) pair with {lo:g} <= min_s <= max_s <= {hi:g} s,"
            f" got {value!r}"
        )
    return a, b


def _check_sample_rate(sample_rate: Any) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
        raise ParameterError(
            f"sample_rate must be an integer in [8000, 96000] Hz, got {sample_rate!r}"
        )
    if not 8000 <= int(sample_rate) <= 96000:
        raise ParameterError(f"sample_rate must be in [8000, 96000] Hz, got {sample_rate!r}")
    return int(sample_rate)


def _contour(
    name: str, value: Any, lo: float, hi: float, unit: str, duration_s: float
) -> Callable[[float], float]:
    """Validate a constant or a callable-of-time and return a scalar function of t."""
    if callable(value):
        grid = np.arange(0.0, duration_s + 0.005, 0.01)
        try:
            vals = np.broadcast_to(np.asarray(value(grid), dtype=float), grid.shape)
        except Exception as exc:
            raise ParameterError(
                f"{name} callable must map a float array of times (s) to an array of the same"
                f" shape; calling it failed: {exc}"
            ) from exc
        bad = ~(np.isfinite(vals) & (vals >= lo) & (vals <= hi))
        if bad.any():
            k = int(np.argmax(bad))
            raise ParameterError(
                f"{name} callable must return values in [{lo:g}, {hi:g}] {unit} for every time"
                f" in [0, {duration_s:g}] s; got {vals[k]!r} at t={grid[k]:.2f} s"
            )

        def fn(t: float) -> float:
            v = float(np.asarray(value(np.array([t], dtype=float)), dtype=float).reshape(-1)[0])
            return min(max(v, lo), hi)

        return fn
    v = _check_number(name, value, lo, hi, f" {unit}")
    return lambda t: v


def _clip_check(y: NDArray[Any], what: str) -> None:
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 1.0:
        raise ParameterError(
            f"{what} would clip: peak {20 * math.log10(peak):+.1f} dBFS; lower level_db (or"
            f" raise snr_db) by at least {20 * math.log10(peak):.1f} dB"
        )



@dataclass(frozen=True)
class _Voice:
    sample_rate: int
    f0_fn: Callable[[float], float]
    rate_fn: Callable[[float], float]
    formant_scale: float
    vowels: tuple[str, ...]
    f0_jitter_st: float
    glide_st: float
    declination_st: float


def _vary_periods(periods: FloatArray, rng: np.random.Generator) -> FloatArray:
    """±15 % random variation of slot lengths with the total preserved exactly."""
    n = len(periods)
    if n < 2:
        return periods.copy()
    u = rng.uniform(-_SLOT_VARIATION, _SLOT_VARIATION, n)
    u -= np.sum(u * periods) / np.sum(periods)
    m = float(np.max(np.abs(u)))
    if m > _SLOT_VARIATION:
        u *= _SLOT_VARIATION / m
    return periods * (1.0 + u)


def _resonator(freq_hz: float, bw_hz: float, sr: int) -> tuple[FloatArray, FloatArray]:
    """Klatt 2-pole resonator with unity DC gain: (b, a) for lfilter."""
    c = -math.exp(-2.0 * math.pi * bw_hz / sr)
    b = 2.0 * math.exp(-math.pi * bw_hz / sr) * math.cos(2.0 * math.pi * freq_hz / sr)
    return np.array([1.0 - b - c]), np.array([1.0, -b, -c])


def _envelope(n: int, peak: int, sr: int, rng: np.random.Generator) -> FloatArray:
    """Unimodal nucleus envelope: max exactly 1 at index `peak`, 0 at both ends."""
    k = np.arange(n, dtype=float)
    lo1 = rng.uniform(0.45, 0.6)
    lo2 = rng.uniform(0.25, 0.4)
    h = np.empty(n)
    left = k <= peak
    h[left] = lo1 + (1 - lo1) * 0.5 * (1 - np.cos(np.pi * k[left] / max(peak, 1)))
    right = ~left
    h[right] = lo2 + (1 - lo2) * 0.5 * (1 + np.cos(np.pi * (k[right] - peak) / (n - peak)))
    na = max(1, min(round(_ATTACK_S * sr), peak))
    nr = max(1, min(round(_RELEASE_S * sr), n - 1 - peak))
    ramp = np.ones(n)
    ramp[:na] = np.sin(0.5 * np.pi * k[:na] / na) ** 2
    ramp[n - nr :] = np.sin(0.5 * np.pi * (n - k[n - nr :]) / (nr + 1)) ** 2
    return h * ramp


def _render_nucleus(
    n: int,
    f0s: float,
    f0e: float,
    vowel: str,
    voice: _Voice,
    rng: np.random.Generator,
) -> tuple[FloatArray, int]:
    """Render one nucleus of `n` samples; returns (samples, peak index)."""
    sr = voice.sample_rate
    pre = round(_PREROLL_S * sr)
    t = (np.arange(-pre, n, dtype=float)) / sr
    dur = n / sr
    ratio = f0e / f0s
    phase0 = rng.uniform(0.0, 1.0)
    cycles = np.empty_like(t)
    neg = t < 0
    cycles[neg] = f0s * t[neg]
    tp = t[~neg]
    if abs(math.log(ratio)) < 1e-12:
        cycles[~neg] = f0s * tp
    else:
        lr = math.log(ratio)
        cycles[~neg] = f0s * dur / lr * np.expm1(lr * tp / dur)
    theta = 2.0 * np.pi * np.mod(cycles + phase0, 1.0)
    n_harm = max(1, int(0.45 * sr / max(f0s, f0e)))
    den = 2.0 * np.sin(0.5 * theta)
    small = np.abs(den) < 1e-6
    safe = np.where(small, 1.0, den)
    src = np.where(small, float(n_harm), np.sin((n_harm + 0.5) * theta) / safe - 0.5)
    # -6 dB/octave tilt (glottal -12 dB/oct + lip radiation +6 dB/oct)
    x = sps.lfilter([1.0 - 0.99], [1.0, -0.99], src)
    freqs, bws = VOWEL_FORMANTS[vowel]
    for f, bw in zip(freqs, bws, strict=True):
        fs = f * voice.formant_scale * (1.0 + rng.uniform(-0.04, 0.04))
        if fs >= 0.45 * sr:
            continue
        b, a = _resonator(fs, bw * voice.formant_scale, sr)
        x = sps.lfilter(b, a, x)
    x = x[pre:]
    frac = rng.uniform(0.3, 0.5)
    na = round(_ATTACK_S * sr)
    nr = round(_RELEASE_S * sr)
    peak = round(frac * n)
    peak = min(max(peak, min(na, n // 3)), n - 1 - min(nr, n // 3))
    env = _envelope(n, peak, sr, rng)
    y = x * env
    rms = math.sqrt(float(np.mean(y * y)))
    gain = 10.0 ** (rng.uniform(*_STRESS_DB) / 20.0) / max(rms, 1e-12)
    return y * gain, peak


def _render_burst(n: int, ref_rms: float, sr: int, rng: np.random.Generator) -> FloatArray:
    """Fricative-like high-passed noise burst of `n` samples, 12–20 dB below `ref_rms`."""
    pre = 64
    cutoff = min(2500.0, 0.3 * sr)
    sos = sps.butter(4, cutoff, btype="highpass", fs=sr, output="sos")
    x = sps.sosfilt(sos, rng.standard_normal(n + pre))[pre:]
    ne = max(1, min(round(0.005 * sr), n // 4))
    env = np.ones(n)
    k = np.arange(ne, dtype=float)
    env[:ne] = np.sin(0.5 * np.pi * (k + 1) / (ne + 1)) ** 2
    env[n - ne :] = env[:ne][::-1]
    x *= env
    rms = math.sqrt(float(np.mean(x * x)))
    target = ref_rms * 10.0 ** (-rng.uniform(*_BURST_BELOW_DB) / 20.0)
    return x * (target / max(rms, 1e-12))


def _render_phrase(
    buf: FloatArray,
    bounds: NDArray[np.int64],
    voice: _Voice,
    rng: np.random.Generator,
) -> list[tuple[int, int, float, float, int]]:
    """Render syllable slots between sample indices `bounds` (len n+1) into `buf`.

    Returns one ``(start, end, f0_start_hz, f0_end_hz, peak)`` per nucleus, indices in samples.
    """
    sr = voice.sample_rate
    p0, p1 = int(bounds[0]), int(bounds[-1])
    span = max(p1 - p0, 1)

    def decl(idx: int) -> float:
        return voice.declination_st * (0.5 - (idx - p0) / span)

    out = []
    for i in range(len(bounds) - 1):
        s, e = int(bounds[i]), int(bounds[i + 1])
        slot_s = (e - s) / sr
        gap_hi = max(_GAP_MIN_S, min(_GAP_MAX_S, _GAP_MAX_FRAC * slot_s))
        gap = round(rng.uniform(_GAP_MIN_S, gap_hi) * sr)
        gap = min(gap, (e - s) // 2)
        a = s + gap
        jitter = rng.uniform(-voice.f0_jitter_st, voice.f0_jitter_st)
        glide = rng.uniform(-voice.glide_st, voice.glide_st)
        st_s = jitter + decl(a) + glide / 2
        st_e = jitter + decl(e) - glide / 2
        f0s = float(np.clip(voice.f0_fn(a / sr) * 2.0 ** (st_s / 12), F0_MIN_HZ, F0_MAX_HZ))
        f0e = float(np.clip(voice.f0_fn(e / sr) * 2.0 ** (st_e / 12), F0_MIN_HZ, F0_MAX_HZ))
        vowel = voice.vowels[int(rng.integers(len(voice.vowels)))]
        nuc, peak = _render_nucleus(e - a, f0s, f0e, vowel, voice, rng)
        buf[a:e] += nuc
        want_burst = rng.random() < 0.5
        if gap > 0 and (i == 0 or want_burst):
            ref = math.sqrt(float(np.mean(nuc * nuc)))
            buf[s:a] += _render_burst(gap, ref, sr, rng)
        out.append((a, e, f0s, f0e, a + peak))
    return out


def _noise(n: int, kind: str, rms: float, sr: int, rng: np.random.Generator) -> FloatArray:
    x = rng.standard_normal(n)
    if kind == "pink":
        spec = np.fft.rfft(x)
        f = np.fft.rfftfreq(n, 1.0 / sr)
        spec /= np.sqrt(np.maximum(f, 20.0))
        x = np.fft.irfft(spec, n)
    x -= np.mean(x)
    cur = math.sqrt(float(np.mean(x * x)))
    return x * (rms / max(cur, 1e-30))


def _make_truth(
    sr: int,
    n_samples: int,
    nuclei: list[tuple[int, int, float, float, int]],
    phrases: list[tuple[int, int]],
    offset: int = 0,
) -> SpeechTruth:
    syl = tuple(
        Syllable(
            start_s=(a + offset) / sr,
            end_s=(e + offset) / sr,
            f0_start_hz=f0s,
            f0_end_hz=f0e,
            peak_s=(p + offset) / sr,
        )
        for a, e, f0s, f0e, p in sorted(nuclei)
    )
    ph = tuple(((a + offset) / sr, (e + offset) / sr) for a, e in sorted(phrases))
    return SpeechTruth(sample_rate=sr, duration_s=n_samples / sr, syllables=syl, phrases=ph)


def _span_mask(n: int, spans: Sequence[tuple[int, int]]) -> NDArray[np.bool_]:
    m = np.zeros(n, dtype=bool)
    for a, e in spans:
        m[max(a, 0) : max(min(e, n), 0)] = True
    return m


def _check_vowels(vowels: Any) -> tuple[str, ...]:
    try:
        vs = tuple(vowels)
    except TypeError:
        vs = ()
    if isinstance(vowels, str):
        vs = tuple(vowels)
    if not vs or any(v not in VOWEL_FORMANTS for v in vs):
        raise ParameterError(
            f"vowels must be a non-empty sequence drawn from {sorted(VOWEL_FORMANTS)},"
            f" got {vowels!r}"
        )
    return vs



def synth_speech(
    *,
    duration_s: float,
    f0_hz: float | Callable[[FloatArray], ArrayLike] = 120.0,
    syllable_rate: float | Callable[[FloatArray], ArrayLike] = 5.0,
    phrase_s: tuple[float, float] = (1.5, 4.0),
    pause_s: tuple[float, float] = (0.4, 1.0),
    level_db: float = -20.0,
    snr_db: float | None = None,
    noise: str = "white",
    f0_jitter_st: float = 0.0,
    glide_st: float = 1.0,
    declination_st: float = 2.0,
    formant_scale: float = 1.0,
    vowels: Sequence[str] = ("a", "e", "i", "o", "u"),
    sample_rate: int = 16000,
    seed: int = 0,
) -> tuple[NDArray[np.float32], SpeechTruth]:
    """Render a single speech-like voice with exact truth.

    Parameters
    ----------
    duration_s : float
        Signal length, s, in [1, 3600].
    f0_hz : float or callable, default 120.0
        Baseline F0, Hz, in [60, 500]; a callable maps an array of times (s) to
        Hz (e.g. raise by 3 semitones between 4 s and 10 s).
    syllable_rate : float or callable, default 5.0
        Syllables per second of phrase time, in [1, 9]; a callable maps times (s)
        to a rate contour (sampled at each nominal slot onset).
    phrase_s : (float, float), default (1.5, 4.0)
        Range of phrase lengths, s; each phrase is a whole number of slots.
    pause_s : (float, float), default (0.4, 1.0)
        Range of pauses between phrases, s.
    level_db : float, default -20.0
        RMS of the clean signal over phrase time, dBFS (1.0 RMS = 0 dB), in [-80, -6].
        The crest factor (peak over speech RMS) is about 11–19 dB, highest at low
        F0, so levels above about -20 dBFS may clip; a result that would clip
        raises instead.
    snr_db : float or None, default None
        Speech-portion RMS over noise RMS (noise measured over the whole
        signal, pauses included), dB, in [-20, 100]; None adds no noise.
    noise : {"white", "pink"}, default "white"
        Noise colour.
    f0_jitter_st : float, default 0.0
        Per-syllable random F0 offset, uniform in ±f0_jitter_st semitones, in [0, 12].
    glide_st : float, default 1.0
        Per-syllable glide size, uniform in ±glide_st semitones, in [0, 12].
    declination_st : float, default 2.0
        F0 fall across each phrase, semitones, in [0, 12].
    formant_scale : float, default 1.0
        Multiplier for all formant frequencies (≈1.15 for a female voice), in [0.7, 1.4].
    vowels : sequence of str, default ("a", "e", "i", "o", "u")
        Vowels drawn (uniformly) per syllable; keys of :data:`VOWEL_FORMANTS`.
    sample_rate : int, default 16000
        Hz, in [8000, 96000].
    seed : int, default 0
        Seed for ``np.random.default_rng``.

    Returns
    -------
    y : numpy.ndarray of float32, shape (round(duration_s * sample_rate),)
        The signal, within [-1, 1].
    truth : SpeechTruth
        Exact truth of `y`.

    Raises
    ------
    voicecoach.errors.ParameterError
        (a ``ValueError``) for an out-of-range parameter, or if the result would clip.
    """
    sr = _check_sample_rate(sample_rate)
    duration_s = _check_number("duration_s", duration_s, 1.0, 3600.0, " s")
    f0_fn = _contour("f0_hz", f0_hz, F0_MIN_HZ, F0_MAX_HZ, "Hz", duration_s)
    rate_fn = _contour(
        "syllable_rate", syllable_rate, RATE_MIN, RATE_MAX, "syllables/s", duration_s
    )
    ph_lo, ph_hi = _check_range_pair("phrase_s", phrase_s, 0.2, 60.0)
    pa_lo, pa_hi = _check_range_pair("pause_s", pause_s, 0.05, 60.0)
    level_db = _check_number("level_db", level_db, -80.0, -6.0, " dBFS")
    if snr_db is not None:
        snr_db = _check_number("snr_db", snr_db, -20.0, 100.0, " dB")
    if noise not in ("white", "pink"):
        raise ParameterError(f"noise must be 'white' or 'pink', got {noise!r}")
    voice = _Voice(
        sample_rate=sr,
        f0_fn=f0_fn,
        rate_fn=rate_fn,
        formant_scale=_check_number("formant_scale", formant_scale, 0.7, 1.4),
        vowels=_check_vowels(vowels),
        f0_jitter_st=_check_number("f0_jitter_st", f0_jitter_st, 0.0, 12.0, " semitones"),
        glide_st=_check_number("glide_st", glide_st, 0.0, 12.0, " semitones"),
        declination_st=_check_number("declination_st", declination_st, 0.0, 12.0, " semitones"),
    )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ParameterError(f"seed must be an int, got {seed!r}")
    rng_speech, rng_noise = np.random.default_rng(seed).spawn(2)

    n = round(duration_s * sr)
    buf = np.zeros(n)
    nuclei: list[tuple[int, int, float, float, int]] = []
    phrases: list[tuple[int, int]] = []
    lead_s = min(0.5 * rng_speech.uniform(pa_lo, pa_hi), 0.1 * duration_s)
    t = lead_s
    end_limit = duration_s - _TAIL_S
    while True:
        avail = end_limit - t
        target = min(rng_speech.uniform(ph_lo, ph_hi), avail)
        periods = []
        tt, total = t, 0.0
        while True:
            p = 1.0 / rate_fn(tt)
            # a phrase holds at least one syllable if one fits before the end
            if total + p > (target if periods else avail) + 1e-9:
                break
            periods.append(p)
            total += p
            tt += p
        if not periods:
            break
        varied = _vary_periods(np.array(periods), rng_speech)
        bounds = np.round((t + np.concatenate(([0.0], np.cumsum(varied)))) * sr).astype(np.int64)
        nuclei += _render_phrase(buf, bounds, voice, rng_speech)
        phrases.append((int(bounds[0]), int(bounds[-1])))
        t += total + rng_speech.uniform(pa_lo, pa_hi)
    if not phrases:
        raise ParameterError(
            f"duration_s={duration_s:g} s leaves no room for one syllable at the requested"
            f" rate: needs at least {lead_s + _TAIL_S + 1.0 / rate_fn(lead_s):.2f} s"
        )
    mask = _span_mask(n, phrases)
    rms = math.sqrt(float(np.mean(buf[mask] ** 2)))
    target_rms = 10.0 ** (level_db / 20.0)
    buf *= target_rms / rms
    if snr_db is not None:
        buf += _noise(n, noise, target_rms * 10.0 ** (-snr_db / 20.0), sr, rng_noise)
    _clip_check(buf, "synth_speech output")
    return buf.astype(np.float32), _make_truth(sr, n, nuclei, phrases)
