"""Streaming YIN-family pitch tracker, vectorised over the hops of a block.

For each 10 ms hop the tracker analyses the most recent ``frame_size = window + lag_max``
samples, ending at the end of the hop (so it never looks past the hop it reports). The
difference function of YIN (de Cheveigné & Kawahara 2002), ``d(tau)``, is computed for all
hops of a block in one batch with an FFT cross-correlation.

Best local lag
    ``d`` is normalised by the energy of the two windows it compares,
    ``nd(tau) = d(tau) / (e_0 + e_tau)`` (0 = periodic, about 1 = unrelated, i.e.
    ``1 - r`` of a normalised cross-correlation ``r``), which has no bias across lags. The
    best local lag minimises ``nd(tau) + octave_bias * log2(tau / tau_min)``: a cost per
    octave of period that favours the period over its multiples. It decides voicing; the
    period reported is chosen by the path below.

Voicing
    The hop's *aperiodicity* is ``nd`` at its best local lag. A hop **starts** voicing when it, or
    YIN's contrast ``d(tau) / mean d(1..tau)`` (the CMND), is under ``max_aperiodicity``;
    after a voiced hop, voicing **holds** while the aperiodicity is under
    ``hold_aperiodicity`` (hysteresis: weakly periodic ends of vowels stay voiced, isolated
    weak hops do not start). Always required: the contrast under ``max_contrast`` (noise,
    whose difference function rises with the lag without a dip, reads about 1), a level
    above ``min_level_db``, at least ``min_snr_db`` above the adaptive noise floor and no
    more than ``max_below_peak_db`` under the loudest frame of the last ``peak_window_s``
    (breath and room tails after loud speech; Praat's silence threshold does the same
    relative to a whole file). Hops failing the level tests skip the kernel.

Path over candidates (Viterbi with a fixed lookahead)
    The kernel also keeps the ``path_candidates`` lowest local minima of
    ``nd + path_octave_bias * log2(tau / tau_min)`` per hop (their *local cost*). Over
    consecutive voiced hops a forward dynamic programme adds a *jump cost* of
    ``jump_cost`` per octave between the candidates of one hop and the next:
    ``C_t(j) = s_t(j) + min_i [C_{t-1}(i) + jump_cost * |log2(L_t(j) / L_{t-1}(i))|]``.
    Costs are kept relative to the best and capped at ``path_cost_cap``, so that a path
    that was wrong for a while is left within a few hops. Across unvoiced gaps up to
    ``memory_s`` the last voiced hop's candidates stay the previous step; after a longer
    gap a path starts afresh. Each hop reports the frame ``path_lookahead_s`` (two hops)
    back, its candidate on the best path ending at the newest hop (traced back through the
    voiced hops since; rows already given are never revised): onsets, where one frame's
    evidence is weakest, are settled by the frames after them. On band-limited (telephone)
    speech, where the fundamental is missing, a harmonic's period (half or a third of the
    period) is often as periodic as the period itself in one 30 ms window; the path keeps
    the period through such hops, and lets a small ``path_octave_bias`` suffice against
    multiples of the period (octave-down errors), where ``octave_bias`` alone had to be
    large enough to favour harmonics. The voicing decision (above) uses the best local
    candidate under ``octave_bias`` and is not changed by the path, only delayed with it.

Harmonic check (``harmonic_check``, ``harmonic_weight``; telephone-rate channels)
    On a telephone line a low voice's fundamental is gone, and a harmonic's period is often
    the most periodic lag (octave-up and x3 errors). Squaring the input brings the
    fundamental back (the difference tones of neighbouring harmonics), and a harmonic's
    period is not a period of the squared signal. When the check is on (``w`` the
    ``harmonic_weight``), the square of the input, band-passed to
    ``harmonic_low_hz..harmonic_high_hz`` (a causal linear-phase FIR of
    ``harmonic_fir_taps`` taps, 5 ms of delay, its state carried across blocks; an IIR
    band-pass rang for tens of ms on the squared signal's level steps at onsets, which
    pulled the path to long periods), gets its own normalised difference ``nd_h``; both
    paths' local costs become ``(1 - w)`` times their own plus ``w * nd_h`` at the candidate (the
    candidates are the minima of that mix). Voicing is unchanged. It costs a second FFT
    cross-correlation per frame. On wideband voices the squared signal's second harmonic
    adds octave errors of its own, so it runs on telephone-band channels only: by default
    those whose source rate is at most 8 kHz (README, "Pitch over a telephone line").

Settled path (``f0_settled_hz``)
    A second path over the same voiced hops and candidates, for offline readers (the review
    report's median pitch, ``voicecoach analyze``): it reports the frame
    ``settled_lookahead_s`` (100 ms) back, with ``settled_jump_cost`` and
    ``settled_cost_cap``, and each candidate's local cost is the amplitude-invariant
    ``1 - r(tau) / sqrt(e_0 e_tau)`` (``r`` the cross-product of the window and its copy
    ``tau`` back) plus ``path_octave_bias`` per octave. ``nd`` counts a level change across
    the lag as aperiodicity (``(a - 1)^2 / (a^2 + 1)`` for an amplitude ratio ``a``), which
    at onsets and decays grows with the lag and favours a harmonic's short period; this cost
    does not. The live path keeps ``nd`` (with it, high voices slipped an octave down).

Timing
    Row ``k`` (hop start ``t_s = k * hop_s``) uses samples up to the end of the hop: the
    integration window is the last ``window_s`` (30 ms) before the hop end, compared with
    the audio one period earlier (up to ``1 / fmin_hz`` = 16.7 ms), so the frame spans
    46.7 ms. The lookahead past ``t_s`` is one hop (10 ms). The pitch, voicing and
    aperiodicity of row ``k`` are those of frame ``k - path_lookahead_s / hop_s`` (20 ms
    earlier), chosen on the best path through the frames up to ``k``, so their window is
    centred :attr:`YinTracker.center_offset_s` (-25 ms) from ``t_s``; the voicing of the
    hop's own frame is given too (``voiced_current``).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import irfft, next_fast_len, rfft

from ..config import PitchConfig
from ..errors import ParameterError
from .loudness import row_einsum

__all__ = ["PitchResult", "YinTracker"]

# scipy's pocketfft transforms without their Python wrappers: ``rfft(x, axis=1)`` and
# ``irfft(s, n, axis=1)`` of a float64 / complex128 array hand these very arguments to them
# (no normalisation forward, 1/n backward, one worker: pocketfft splits work by rows only, so
# the values do not depend on it); on a live hop's two frames the wrappers cost more than a
# third of the transforms
try:
    from scipy.fft._pocketfft.pypocketfft import c2r as _c2r
    from scipy.fft._pocketfft.pypocketfft import r2c as _r2c

    def _rfft_rows(x: np.ndarray) -> np.ndarray:
        return _r2c(x, (1,), True, 0, None, 1)

    def _irfft_rows(x: np.ndarray, n: int) -> np.ndarray:
        return _c2r(x, (1,), n, False, 2, None, 1)
except ImportError:  # pragma: no cover - another scipy layout
    def _rfft_rows(x: np.ndarray) -> np.ndarray:
        return rfft(x, axis=1)

    def _irfft_rows(x: np.ndarray, n: int) -> np.ndarray:
        return irfft(x, n, axis=1)



class PitchResult:
    """Per-hop pitch output of :meth:`YinTracker.process`.

    ``f0_hz``, ``voiced`` and ``aperiodicity`` describe the frame ``path_lookahead_s``
    before each hop's own (the path's fixed lookahead; :attr:`YinTracker.center_offset_s`
    includes it); ``voiced_current`` and ``frame_db`` describe the hop's own frame.

    Parameters
    ----------
    f0_hz, voiced, aperiodicity, frame_db, voiced_current, f0_settled_hz : np.ndarray
        The attributes below (stored as given, not copied or checked).

    Attributes
    ----------
    f0_hz : np.ndarray, shape (n_hops,), float32
        Fundamental frequency, NaN when unvoiced.
    voiced : np.ndarray, shape (n_hops,), bool
    aperiodicity : np.ndarray, shape (n_hops,), float32
        Normalised difference at the best local period (0 = perfectly periodic, about 1 =
        noise).
    voiced_current : np.ndarray, shape (n_hops,), bool
        The voicing decision of the hop's own frame, without the lookahead (the speech
        detector and the syllable tracker use it).
    frame_db : np.ndarray, shape (n_hops,), float32
        RMS level of the hop's own integration window, dBFS.
    f0_settled_hz : np.ndarray, shape (n_hops,), float32
        The settled path's F0 of the frame ``settled_lookahead_s`` before each hop's own
        (:attr:`YinTracker.settled_center_offset_s`), NaN when unvoiced; the same frames are
        voiced as in ``f0_hz``, ``settled_lookahead_s - path_lookahead_s`` later.
    """

    __slots__ = ("aperiodicity", "f0_hz", "f0_settled_hz", "frame_db", "voiced", "voiced_current")

    def __init__(
        self,
        f0_hz: np.ndarray,
        voiced: np.ndarray,
        aperiodicity: np.ndarray,
        frame_db: np.ndarray,
        voiced_current: np.ndarray,
        f0_settled_hz: np.ndarray,
    ) -> None:
        self.f0_hz = f0_hz
        self.voiced = voiced
        self.aperiodicity = aperiodicity
        self.frame_db = frame_db
        self.voiced_current = voiced_current
        self.f0_settled_hz = f0_settled_hz


class _Path:
    """One Viterbi-style path over the voiced hops' candidates, with a fixed lookahead.

    Over consecutive voiced hops, ``C_t(j) = s_t(j) + min_i [C_{t-1}(i) + jump *
    |log2(L_t(j) / L_{t-1}(i))|]``, kept relative to the best and capped at ``cap``. After
    each hop, :meth:`report` gives the frame ``lookahead`` hops back: its candidate on the
    best path ending at the newest hop of its voiced run within the lookahead.
    """

    __slots__ = ("cap", "jump", "lookahead", "prev_c", "prev_l", "recent")

    def __init__(self, jump: float, cap: float, lookahead: int) -> None:
        self.jump, self.cap, self.lookahead = jump, cap, lookahead
        self.reset()

    def reset(self) -> None:
        # the last voiced hop's candidates (log2 period) and their path costs (empty: none
        # within memory_s)
        self.prev_l: list[float] = []
        self.prev_c: list[float] = []
        # the last lookahead + 1 hops (oldest first): None (unvoiced) or (candidates' log2
        # periods, back-pointers into the previous hop's, best index, nd around each); the
        # oldest is the next to report
        self.recent: deque[tuple[list[float], list[int], int, list[list[float]]] | None] = (
            deque([None] * self.lookahead, maxlen=self.lookahead + 1)
        )

    def push(self, cand: list[float], local: list[float], near: list[list[float]]) -> None:
        """A voiced hop's (finite) candidates, their local costs and nd around each."""
        prev_l, prev_c, jump = self.prev_l, self.prev_c, self.jump
        n_prev = len(prev_l)
        cs: list[float] = []
        back: list[int] = []
        for lj, sj in zip(cand, local, strict=True):
            b = -1
            if n_prev:
                # the cheapest step from the previous hop's candidates, the first of equal
                # ones (a loop: no list of steps, no min() and index() over it)
                b = 0
                step = prev_c[0] + jump * abs(lj - prev_l[0])
                for i in range(1, n_prev):
                    s = prev_c[i] + jump * abs(lj - prev_l[i])
                    if s < step:
                        step, b = s, i
                sj += step
            cs.append(sj)
            back.append(b)
        self._settle(cand, cs, back, near)

    def _settle(self, cand: list[float], cs: list[float], back: list[int],
                near: list[list[float]]) -> None:
        """The end of :meth:`push`: the costs relative to the best and capped."""
        best = min(cs)
        cap = self.cap
        cs = [min(c - best, cap) for c in cs]
        self.prev_l, self.prev_c = cand, cs
        self.recent.append((cand, back, cs.index(0.0), near))

    def report(self) -> float:
        """The period (samples, refined) of the frame ``lookahead`` hops back, or NaN."""
        recent = self.recent
        first = recent[0]
        if first is None:
            return math.nan
        last = 0  # the newest hop of the voiced run that starts at the reported one
        while last + 1 < len(recent) and recent[last + 1] is not None:
            last += 1
        k = recent[last][2]  # type: ignore[index]
        for q in range(last, 0, -1):
            k = recent[q][1][k]  # type: ignore[index]
        lo, mid, hi = first[3][k]
        den = lo - 2.0 * mid + hi
        off = 0.5 * (lo - hi) / den if den > 0 else 0.0
        return round(2.0 ** first[0][k]) + min(max(off, -0.5), 0.5)


def _push_both(a: _Path, b: _Path, cand: list[float], local_a: list[float],
               local_b: list[float], near: list[list[float]]) -> None:
    """``a.push(cand, local_a, near)`` then ``b.push(cand, local_b, near)``.

    The live and settled paths are pushed the same hops' candidates, so their previous
    hops' candidates are one list: then each pair's octave distance is taken once for both
    in one loop (the same sums and comparisons as two pushes, in the same order).
    """
    prev_l = a.prev_l
    if not prev_l or prev_l is not b.prev_l:
        a.push(cand, local_a, near)
        b.push(cand, local_b, near)
        return
    ja, jb = a.jump, b.jump
    pa, pb = a.prev_c, b.prev_c
    l0, a0, b0 = prev_l[0], pa[0], pb[0]
    rest = range(1, len(prev_l))
    cs_a: list[float] = []
    cs_b: list[float] = []
    back_a: list[int] = []
    back_b: list[int] = []
    for lj, sa, sb in zip(cand, local_a, local_b, strict=True):
        # the cheapest step from the previous hop's candidates, the first of equal ones
        d = abs(lj - l0)
        step_a, ka = a0 + ja * d, 0
        step_b, kb = b0 + jb * d, 0
        for i in rest:
            d = abs(lj - prev_l[i])
            s_ = pa[i] + ja * d
            if s_ < step_a:
                step_a, ka = s_, i
            s_ = pb[i] + jb * d
            if s_ < step_b:
                step_b, kb = s_, i
        cs_a.append(sa + step_a)
        back_a.append(ka)
        cs_b.append(sb + step_b)
        back_b.append(kb)
    a._settle(cand, cs_a, back_a, near)
    b._settle(cand, cs_b, back_b, near)


class YinTracker:
    """Causal YIN-family pitch tracker (see the module docstring).

    Parameters
    ----------
    config : PitchConfig
        Search range, window, thresholds.
    sample_rate : int
        Sample rate in Hz (16000 in the analysis core).
    hop_size : int
        Samples per hop (160).
    harmonic : bool, optional
        Run the harmonic check (see the module docstring); by default only when
        ``config.harmonic_check`` is ``"on"`` (the callers that know a channel's source
        rate decide ``"auto"`` and ``"far"``: :func:`voicecoach.config.harmonic_check_on`).

    Raises
    ------
    ParameterError
        If the lag range does not fit the sample rate.
    """

    #: Frames per batched kernel call (larger blocks are processed in chunks of this size).
    KERNEL_CHUNK = 128

    def __init__(
        self, config: PitchConfig, sample_rate: int, hop_size: int, harmonic: bool | None = None
    ) -> None:
        self.config = config
        self.sample_rate = int(sample_rate)
        self.hop_size = int(hop_size)
        self.lag_min = max(2, math.floor(sample_rate / config.fmax_hz))
        self.lag_max = math.ceil(sample_rate / config.fmin_hz)
        self.window = round(config.window_s * sample_rate)
        if self.lag_max >= self.window + self.lag_max - 2 or self.lag_min >= self.lag_max - 2:
            raise ParameterError(
                f"pitch range fmin_hz={config.fmin_hz}..fmax_hz={config.fmax_hz} gives lags "
                f"{self.lag_min}..{self.lag_max} samples at {sample_rate} Hz; widen the range"
            )
        self.frame_size = self.window + self.lag_max
        # a 5-smooth FFT length >= frame_size: no circular wrap for lags <= lag_max
        self.n_fft = next_fast_len(self.frame_size, real=True)
        self._max_ap = float(config.max_aperiodicity)
        self._hold_ap = float(config.hold_aperiodicity)
        self._max_con = float(config.max_contrast)
        self._min_db = float(config.min_level_db)
        self._min_db32 = float(np.float32(self._min_db))  # as gate()'s float32 test sees it
        self._min_snr = float(config.min_snr_db)
        self._jump = float(config.jump_cost)
        self._cap = float(config.path_cost_cap)
        self._n_cand = int(config.path_candidates)
        self._lookahead = round(config.path_lookahead_s * sample_rate / hop_size)
        self._settled_lookahead = round(config.settled_lookahead_s * sample_rate / hop_size)
        self._memory_hops = round(config.memory_s * sample_rate / hop_size)
        self._below_peak = float(config.max_below_peak_db)
        self._peak_hops = max(1, round(config.peak_window_s * sample_rate / hop_size))
        taus = np.arange(self.lag_min, self.lag_max + 1, dtype=np.float64)
        self._bias = float(config.octave_bias) * np.log2(taus / self.lag_min)
        self._path_bias = float(config.path_octave_bias) * np.log2(taus / self.lag_min)
        self._log2_lag = np.log2(np.maximum(np.arange(self.lag_max + 1), 1.0))
        self._around = np.array([-1, 0, 1])
        self._scratch: dict[int, tuple[np.ndarray, ...]] = {}
        self.harmonic = config.harmonic_check == "on" if harmonic is None else bool(harmonic)
        self._harm_w = float(config.harmonic_weight)
        self._harm_fir: np.ndarray | None = None
        if self.harmonic:  # the weight and band are checked by the configuration
            from scipy.signal import firwin

            band_hz = [float(config.harmonic_low_hz), float(config.harmonic_high_hz)]
            self._harm_fir = firwin(int(config.harmonic_fir_taps), band_hz, pass_zero=False,
                                    fs=sample_rate)
        self.reset()

    @property
    def center_offset_s(self) -> float:
        """Centre of the integration window relative to the hop start, in seconds.

        The integration window is the last ``window`` samples up to the hop end; YIN
        compares it with the same length one period earlier, so the audio used spans
        ``window + period`` samples. The path's lookahead (``path_lookahead_s``) delays
        the reported frame by that many hops, which this offset includes.
        """
        return (self.hop_size - self.window / 2.0) / self.sample_rate - (
            self._lookahead * self.hop_size / self.sample_rate
        )

    @property
    def settled_center_offset_s(self) -> float:
        """Like :attr:`center_offset_s`, for ``f0_settled_hz`` (``settled_lookahead_s``)."""
        return (self.hop_size - self.window / 2.0) / self.sample_rate - (
            self._settled_lookahead * self.hop_size / self.sample_rate
        )

    def reset(self) -> None:
        """Return to the just-constructed state (silent history, no previous pitch)."""
        self._history = np.zeros(self.frame_size - self.hop_size, np.float32)
        if self._harm_fir is not None:
            self._harm_history = np.zeros(self.frame_size - self.hop_size)
            # the FIR's state: the last taps - 1 squared input samples
            self._harm_zi = np.zeros(self._harm_fir.shape[0] - 1)
        # the live path (f0_hz) and the settled one (f0_settled_hz), over the same voiced
        # hops and candidates
        self._live = _Path(self._jump, self._cap, self._lookahead)
        self._settled = _Path(
            float(self.config.settled_jump_cost),
            float(self.config.settled_cost_cap),
            self._settled_lookahead,
        )
        self._gap = 0  # unvoiced hops since the last voiced one
        # the aperiodicity of the last lookahead + 1 hops (the oldest is the next to report)
        self._recent_ap: deque[float] = deque([1.0] * self._lookahead, maxlen=self._lookahead + 1)
        self._prev_voiced = False
        self._peak_hist: deque[float] = deque(
            [-math.inf] * (self._peak_hops - 1), maxlen=self._peak_hops - 1
        )
        self._rebuild_peak()

    def _rebuild_peak(self) -> None:
        """The running maximum of :attr:`_peak_hist` for a live hop: a deque of (index,
        level) whose levels decrease, the first the maximum (``max(hist)`` in O(1))."""
        mono: deque[tuple[int, float]] = deque()
        for i, v in enumerate(self._peak_hist):
            while mono and mono[-1][1] <= v:
                mono.pop()
            mono.append((i, v))
        self._peak_mono = mono
        self._peak_next = len(self._peak_hist)  # the index of the next level appended

    def process(self, hops: np.ndarray, floor_db: np.ndarray) -> PitchResult:
        """Estimate F0 for a block of hops.

        Parameters
        ----------
        hops : np.ndarray, shape (n_hops * hop_size,), float32
            The new samples.
        floor_db : np.ndarray, shape (n_hops,)
            Noise floor after each hop (dBFS), for the voicing gate.

        Returns
        -------
        PitchResult
        """
        frames = self.frames(hops)
        mask, frame_db = self.gate(frames, floor_db)
        return self.decide(self.kernel(frames[mask]), mask, frame_db)

    def gate(self, frames: np.ndarray, floor_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which frames are loud enough to be voiced at all (the rest skip the kernel).

        Parameters
        ----------
        frames : np.ndarray, shape (n_hops, frame_size)
        floor_db : np.ndarray, shape (n_hops,)
            Adaptive noise floor, dBFS.

        Returns
        -------
        mask : np.ndarray of bool, shape (n_hops,)
            Level above ``min_level_db`` and ``min_snr_db`` above the floor.
        frame_db : np.ndarray of float32, shape (n_hops,)
            RMS of the integration window (the last ``window`` samples), dBFS.
        """
        head = frames[:, : self.window]
        e0 = row_einsum("ij,ij->i", head, head)
        frame_db = (10.0 * np.log10(np.maximum(e0 / self.window, 1e-12))).astype(np.float32)
        # the loudest frame of the last peak_window_s (this one included); max is exact, so
        # the live path (one hop, a deque) and the block path agree bit for bit
        hist = self._peak_hist
        if frame_db.shape[0] == 1:  # a live hop: the same comparisons on Python floats
            v = float(frame_db[0])
            # max(max(hist), v) (an equal level, whichever, compares the same)
            mono = self._peak_mono
            peak = max(mono[0][1], v) if mono else v
            hist.append(v)
            j = self._peak_next
            while mono and mono[-1][1] <= v:
                mono.pop()
            mono.append((j, v))
            self._peak_next = j + 1
            if mono[0][0] <= j - (hist.maxlen or 0):  # left the window
                mono.popleft()
            # frame_db > min_level_db compares in float32 (a Python scalar takes the array's
            # dtype): with the threshold rounded to float32, the same decision in float64
            on = (v > self._min_db32 and v > float(floor_db[0]) + self._min_snr
                  and v > peak - self._below_peak)
            return np.array((on,)), frame_db
        levels = np.concatenate([np.array(hist, np.float64), frame_db.astype(np.float64)])
        peak = sliding_window_view(levels, self._peak_hops).max(axis=1)
        hist.extend(levels[levels.shape[0] - hist.maxlen :].tolist() if hist.maxlen else [])
        self._rebuild_peak()
        mask = (
            (frame_db > self._min_db)
            & (frame_db > np.asarray(floor_db, np.float64) + self._min_snr)
            & (frame_db > peak - self._below_peak)
        )
        return mask, frame_db

    def frames(self, hops: np.ndarray) -> np.ndarray:
        """Append a block to the history and return its analysis frames (updates state).

        Frames are time-reversed, so that YIN's integration window (the first ``window``
        samples of a frame) is the most recent audio and the lags reach into the past.

        Parameters
        ----------
        hops : np.ndarray, shape (n_hops * hop_size,), float32
            The block's samples (whole hops, already checked).

        Returns
        -------
        np.ndarray, shape (n_hops, frame_size), float64
            Row ``i`` ends with hop ``i``'s last sample (then reversed). With the harmonic
            check on, shape (n_hops, 2 * frame_size): the squared, band-passed signal's
            frame follows each frame.
        """
        n_hops = hops.shape[0] // self.hop_size
        x = np.concatenate([self._history, hops])
        self._history = x[x.shape[0] - (self.frame_size - self.hop_size) :].copy()
        if n_hops == 1:
            frames = x[None, ::-1].astype(np.float64)
        else:
            frames = sliding_window_view(x, self.frame_size)[:: self.hop_size, ::-1]
            frames = frames.astype(np.float64)
        if self._harm_fir is None:
            return frames
        # the harmonic check's signal: the square of the input, band-passed (causal, with
        # its filter state carried over, so that any cut into blocks gives the same frames;
        # np.convolve computes each output as one dot product over the same taps)
        sq_in = np.concatenate([self._harm_zi, np.square(hops, dtype=np.float64)])
        self._harm_zi = sq_in[sq_in.shape[0] - self._harm_zi.shape[0] :].copy()
        y = np.convolve(sq_in, self._harm_fir, mode="valid")
        z = np.concatenate([self._harm_history, y])
        self._harm_history = z[z.shape[0] - (self.frame_size - self.hop_size) :].copy()
        sq = sliding_window_view(z, self.frame_size)[:: self.hop_size, ::-1]
        return np.concatenate([frames, sq], axis=1)

    def kernel(self, frames: np.ndarray) -> tuple[np.ndarray, ...]:
        """The stateless, batched part: normalised difference and best period for each frame.

        Rows are independent, so frames of several channels may be stacked in one call.

        Parameters
        ----------
        frames : np.ndarray, shape (m, frame_size) or (m, 2 * frame_size), float64
            From :meth:`frames` (the second half: the harmonic check's frames).

        Returns
        -------
        lag : np.ndarray, shape (m,), int
            The best local period in whole samples: the lag minimising
            ``nd(tau) + octave_bias * log2(tau / tau_min)``, where ``nd`` is the normalised
            difference ``d(tau) / (e_0 + e_tau)``.
        ap : np.ndarray, shape (m,)
            ``nd`` at ``lag`` (aperiodicity).
        contrast : np.ndarray, shape (m,)
            YIN's cumulative mean normalised difference at ``lag``.
        cand_log2 : np.ndarray, shape (m, path_candidates)
            ``log2`` of the candidate periods in whole samples: the lowest local minima of
            ``nd + path_octave_bias * log2(tau / tau_min)``.
        cand_cost : np.ndarray, shape (m, path_candidates)
            Their local cost (that sum; inf where a frame has fewer minima).
        cand_nd : np.ndarray, shape (m, path_candidates, 3)
            ``nd`` at each candidate's lag - 1, lag, lag + 1 (for its parabolic refinement).
        cand_settled : np.ndarray, shape (m, path_candidates)
            The settled path's local cost of each candidate: the amplitude-invariant
            ``1 - r(tau) / sqrt(e_0 e_tau)`` (a level change between the window and its copy
            one period back, as at a vowel's onset, does not count against long periods)
            plus ``path_octave_bias * log2(tau / tau_min)`` (inf where ``cand_cost`` is).
        """
        m = frames.shape[0]
        if m == 0:
            e = np.empty(0)
            c = np.empty((0, self._n_cand))
            return np.empty(0, np.intp), e, e, c, c, np.empty((0, self._n_cand, 3)), c
        if m > self.KERNEL_CHUNK:  # keep the working set in cache; rows are independent
            parts = [
                self.kernel(frames[i : i + self.KERNEL_CHUNK])
                for i in range(0, m, self.KERNEL_CHUNK)
            ]
            return tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        w, lmax, fs = self.window, self.lag_max, self.frame_size
        harm = None
        if frames.shape[1] == 2 * fs:  # with the harmonic check's frames (see frames())
            frames, harm = frames[:, :fs], frames[:, fs:]
        # scratch buffers per batch size (live blocks have 1-4 frames): the zero padding and
        # cs[:, 0] are never written, so only the frames are copied in; nd never leaves this
        # call (only values taken from it do)
        scratch = self._scratch.get(m)
        if scratch is None:
            scratch = (np.zeros((2 * m, self.n_fft)), np.zeros((m, fs + 1)), np.empty((m, fs)),
                       np.empty((m, lmax + 1)))
            if m <= 8:
                self._scratch[m] = scratch
        buf, cs, sq, nd = scratch
        buf[:m, :fs] = frames
        buf[m:, :w] = frames[:, :w]
        # scipy's FFT: the same pocketfft transforms as numpy's, with their plans kept
        # between calls (numpy's makes its twiddle factors anew on every call)
        spec = _rfft_rows(buf)
        prod = spec[:m] * spec[m:].conj()
        r = _irfft_rows(prod, self.n_fft)[:, : lmax + 1]
        np.multiply(frames, frames, out=sq)
        sq.cumsum(axis=1, out=cs[:, 1:])  # (methods: numpy's wrappers cost more here)
        e0 = cs[:, w]
        # den = e0 + e_tau (energy of the window and of its copy tau samples back)
        den = cs[:, w : w + lmax + 1] - cs[:, : lmax + 1]
        den += e0[:, None]
        d = den - 2.0 * r
        np.maximum(d, 0.0, out=d)
        nd.fill(1.0)
        np.divide(d, den, out=nd, where=den > 0)
        nd[:, 0] = 0.0

        lo = self.lag_min
        # the most periodic lag, with a small cost per octave of period (favours the
        # higher of two equally periodic candidates: the period, not a multiple of it)
        score = nd[:, lo : lmax + 1] + self._bias
        idx = score.argmin(axis=1)
        lag = idx + lo
        rows = np.arange(m)
        ap = nd[rows, lag]
        # YIN's contrast: d(lag) over the mean of d(1..lag); about 1 or more for noise,
        # whose difference function rises with the lag without a dip
        mean_d = d[:, 1:].cumsum(axis=1)[rows, lag - 1] / lag
        contrast = np.divide(d[rows, lag], mean_d, out=np.ones(m), where=mean_d > 0)
        path_nd = nd[:, lo : lmax + 1]
        harm_nd = None
        if harm is not None:
            # the harmonic check: the squared, band-passed signal is periodic at the
            # fundamental even where the line removed it, and not at a harmonic's period
            hw = self._harm_w
            harm_nd = self._normalised_difference(harm)
            path_nd = (1.0 - hw) * path_nd + hw * harm_nd[:, lo:]
        c_log2, c_cost, c_nd, c_lag = self._candidates(nd, path_nd + self._path_bias)
        # the settled path's cost: 1 - r / sqrt(e_0 e_tau) at the candidates
        at = (rows[:, None], c_lag)
        e_c = e0[:, None]
        prod = e_c * (den[at] - e_c)  # e_0 e_tau (> 0 but for digital silence a period back)
        settled = 1.0 - r[at] / np.sqrt(np.maximum(prod, 1e-300))
        if harm_nd is not None:
            settled = (1.0 - self._harm_w) * settled + self._harm_w * harm_nd[at]
        settled += self._path_bias[c_lag - lo]
        settled[c_cost == np.inf] = np.inf
        return lag, ap, contrast, c_log2, c_cost, c_nd, settled

    def _normalised_difference(self, frames: np.ndarray) -> np.ndarray:
        """``nd(tau)``, tau in 0..lag_max, of (time-reversed) frames: shape (m, lag_max + 1)."""
        w, lmax = self.window, self.lag_max
        head = np.zeros_like(frames)
        head[:, :w] = frames[:, :w]
        r = irfft(rfft(frames, self.n_fft, axis=1) * rfft(head, self.n_fft, axis=1).conj(),
                  self.n_fft, axis=1)
        cs = np.zeros((frames.shape[0], frames.shape[1] + 1))
        np.cumsum(frames * frames, axis=1, out=cs[:, 1:])
        den = cs[:, w : w + lmax + 1] - cs[:, : lmax + 1] + cs[:, w : w + 1]
        d = np.maximum(den - 2.0 * r[:, : lmax + 1], 0.0)
        nd = np.ones_like(d)
        np.divide(d, den, out=nd, where=den > 0)
        return nd

    def _candidates(
        self, nd: np.ndarray, score: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The ``path_candidates`` lowest local minima of ``score`` per row (see kernel)."""
        k = self._n_cand
        inner = score[:, 1:-1]
        # strict on the left, so that argmin (the first of equal values) is always one
        is_min = (inner < score[:, :-2]) & (inner <= score[:, 2:])
        masked = np.where(is_min, inner, np.inf)
        idx = masked.argpartition(k - 1, axis=1)[:, :k]
        rows = np.arange(score.shape[0])[:, None]
        cost = masked[rows, idx]
        lag = idx + (self.lag_min + 1)  # lag_min < lag < lag_max
        around = nd[rows[:, :, None], lag[:, :, None] + self._around]
        return self._log2_lag[lag], cost, around, lag

    def decide(
        self, kout: tuple[np.ndarray | list, ...], mask: np.ndarray, frame_db: np.ndarray
    ) -> PitchResult:
        """Voicing decision and octave continuity for one channel (updates state).

        Parameters
        ----------
        kout : tuple
            :meth:`kernel` of the frames selected by ``mask``: its arrays, or their
            ``tolist()`` (the multichannel analyser converts a batched kernel's output
            once, then hands each channel its rows).
        mask, frame_db : np.ndarray, shape (n_hops,)
            From :meth:`gate`; hops outside ``mask`` are unvoiced with aperiodicity 1.

        Returns
        -------
        PitchResult
            ``n_hops`` rows.
        """
        n = mask.shape[0]
        if n == 0:
            e = np.empty(0, np.float32)
            return PitchResult(e, np.empty(0, bool), e, e, np.empty(0, bool), e)
        voiced, out, ap_out, out_s = self._path(mask.tolist(), kout)
        # (the division and the float32 rounding of the block path's arrays, value by value)
        sr, nan = self.sample_rate, math.nan
        if n == 1:  # a live hop: its values without the comprehensions
            p, q = out[0], out_s[0]
            return PitchResult(np.array((sr / p if p == p else nan,), np.float32),
                               np.array((p == p,), bool), np.array(ap_out, np.float32),
                               frame_db, np.array(voiced, bool),
                               np.array((sr / q if q == q else nan,), np.float32))
        f0 = np.array([sr / p if p == p else nan for p in out], np.float32)
        f0s = np.array([sr / p if p == p else nan for p in out_s], np.float32)
        return PitchResult(f0, np.array([p == p for p in out], bool),
                           np.array(ap_out, np.float32), frame_db, np.array(voiced, bool), f0s)

    def _path(
        self, mask: list[bool], kout: tuple[np.ndarray | list, ...]
    ) -> tuple[list[bool], list[float], list[float], list[float]]:
        """Voicing and its hysteresis, and the two paths over the voiced hops' candidates.

        Hops outside ``mask`` are unvoiced with aperiodicity 1; hop ``i`` in it takes the
        kernel's next row (``kout``, :meth:`kernel` of the masked frames). A hop may be
        voiced when periodic enough to hold voicing (aperiodicity under
        ``hold_aperiodicity``, contrast under ``max_contrast``, its period strictly inside
        the lag range); it starts voicing only when its aperiodicity or contrast is under
        ``max_aperiodicity``; after a voiced hop, the looser test holds it.

        After hop ``i`` each path reports the frame its lookahead earlier: its candidate on
        the best path ending at hop ``i`` (traced back through the voiced hops since; an
        unvoiced hop ends the trace), parabolically refined. The live path uses
        ``cand_cost`` and ``jump_cost``, ``path_cost_cap``, ``path_lookahead_s``; the
        settled one ``cand_settled`` and the ``settled_*`` settings. Plain Python floats
        throughout: the same comparisons and values as numpy's float64 (and int) arrays.

        Returns
        -------
        voiced : list of bool
            Each hop's own voicing decision (``voiced_current``).
        period : list of float
            The live path's reported frames' periods in samples, NaN where unvoiced.
        ap : list of float
            Their aperiodicity.
        settled : list of float
            The settled path's reported frames' periods in samples, NaN where unvoiced.
        """
        k_lag, k_ap, k_con, c_log2, c_cost, c_nd, c_settled = [
            k.tolist() if isinstance(k, np.ndarray) else k for k in kout]
        n = len(mask)
        voiced = [False] * n
        out = [math.nan] * n
        out_s = [math.nan] * n
        ap_out = [1.0] * n
        live, sett = self._live, self._settled
        gap, mem = self._gap, self._memory_hops
        recent_ap = self._recent_ap
        prev_v = self._prev_voiced
        hold_ap, max_ap, max_con = self._hold_ap, self._max_ap, self._max_con
        lag_min, lag_max = self.lag_min, self.lag_max
        r = -1  # the kernel's row of the newest masked hop
        inf = math.inf
        for i, m in enumerate(mask):
            a = 1.0
            v = False
            if m:
                r += 1
                a, con, lag = k_ap[r], k_con[r], k_lag[r]
                # periodic enough to hold voicing (under max_aperiodicity it may start it,
                # by the normalised difference or by YIN's contrast)
                v = a < hold_ap and con < max_con and lag_min < lag < lag_max and (
                    prev_v or a < max_ap or con < max_ap)
            prev_v = v
            if v:
                local = c_cost[r]
                ok = [j for j, sj in enumerate(local) if sj != inf]
                if ok:
                    gap = 0
                    cand, around, loc_s = c_log2[r], c_nd[r], c_settled[r]
                    if len(ok) < len(local):
                        cand = [cand[j] for j in ok]
                        around = [around[j] for j in ok]
                        local = [local[j] for j in ok]
                        loc_s = [loc_s[j] for j in ok]
                    _push_both(live, sett, cand, local, loc_s, around)
                else:
                    # no period candidate in range (e.g. a held hop of flat noise): unvoiced
                    prev_v = v = False
                    gap = 0  # counted as the first hop of a gap below
            voiced[i] = v
            if not v:
                gap += 1
                if gap > mem:
                    live.prev_l, live.prev_c = [], []
                    sett.prev_l, sett.prev_c = [], []
                live.recent.append(None)
                sett.recent.append(None)
            recent_ap.append(a)
            ap_out[i] = recent_ap[0]
            out[i] = live.report()
            out_s[i] = sett.report()
        self._gap = gap
        self._prev_voiced = prev_v
        return voiced, out, ap_out, out_s
