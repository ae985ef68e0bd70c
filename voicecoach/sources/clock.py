"""Device clocks: rate against the monotonic clock, drift between two devices, its correction.

Pure functions and small state objects, no I/O and no clock reads (times are given), used
by :class:`~voicecoach.sources.capture.Capture` and unit-tested on generated callback times:

* :func:`fit_clock`: a device's sample clock against the monotonic clock, in ppm. Callbacks
  come late in bursts, never early, so the fit uses the lower envelope: the earliest
  ``arrival - frames / rate`` in each :data:`CLOCK_BIN_S` bin, after the first
  :data:`CLOCK_WARMUP_S` of the stream. A clock drifts by microseconds from one bin to the
  next; a stream whose buffering changes (PulseAudio adding a fragment of latency a few
  seconds after the start, or under load) jumps by milliseconds. Such level shifts are
  latency, not clock: the envelope is cut at each jump and the slope is fitted within the
  pieces (one slope, an offset per piece).
* :func:`drift_trusted`: when a drift estimate between two devices is trusted enough to
  correct it (a long enough window, larger than a minimum, and 4 standard errors), and
  :func:`drift_linear`: when each third of the window shows it too (a clock drift is a
  straight line; a latency that creeps up under load is not).
* :class:`DriftCorrector`: keeps a stream in line with another by dropping or repeating one
  input sample now and then, in the middle of a block (at 100 ppm and 16 kHz, 1.6 samples
  per second), so no second resampler is needed.
* :class:`RunningMin`: the running minimum of a block's lateness over a time window (a
  monotonic deque), which tracks a device's clock and the skew between two devices.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Sequence

import numpy as np

__all__ = [
    "CLOCK_BIN_S",
    "CLOCK_WARMUP_S",
    "LATE_WINDOW_S",
    "DriftCorrector",
    "RunningMin",
    "drift_linear",
    "drift_parts",
    "drift_trusted",
    "fit_clock",
]

#: Window of the running minimum of block lateness (clock tracking, skew), seconds.
LATE_WINDOW_S = 2.0

#: Callbacks in the first second of a stream (or after a stall) are left out of the clock
#: fit: PulseAudio streams deliver their start-up buffering faster than real time.
CLOCK_WARMUP_S = 1.0

#: Bin of the lower envelope used by the clock fit, seconds.
CLOCK_BIN_S = 0.5

#: Fewest callbacks, and envelope bins, a clock fit needs.
MIN_POINTS = 50
MIN_BINS = 4

#: A step of the lower envelope from one bin to the next is a latency change, not clock
#: drift, when it is this many robust standard deviations (1.4826 MAD) of the steps away
#: from their median, and at least :data:`JUMP_MIN_S`. On the PulseAudio rig the envelope
#: steps by 0.05-0.1 ms (MAD) between bins and jumps by 10 ms when a stream's buffering
#: grows; a 100 ppm drift moves it 0.05 ms a bin.
JUMP_MADS = 8.0
JUMP_MIN_S = 1e-3


def fit_clock(
    points: Sequence[tuple[float, int]] | np.ndarray,
    rate: float,
    since: float,
    until: float = math.inf,
) -> tuple[float, float, float] | None:
    """A device's sample clock against the monotonic clock.

    Parameters
    ----------
    points : sequence of (arrival_s, frames)
        Callback arrival times (monotonic clock, s) and the frames delivered so far.
    rate : float
        The device's nominal sample rate, Hz.
    since : float
        Only points at or after this arrival time are used (warm-up, or a stall).
    until : float, optional
        ... and before this one, s (default: all).

    Returns
    -------
    (ppm, se_ppm, window_s) or None
        How much faster the device's clock runs than the monotonic clock (ppm; positive:
        more samples per second than nominal), the standard error of that estimate (ppm)
        and the time span fitted (s). None with fewer than :data:`MIN_POINTS` points or
        :data:`MIN_BINS` bins (in pieces of two bins or more).

    Notes
    -----
    The slope is fitted through the lower envelope of ``arrival - frames / rate`` in
    :data:`CLOCK_BIN_S` bins, cut into pieces at its jumps (:data:`JUMP_MADS`,
    :data:`JUMP_MIN_S`): one slope, one offset per piece, least squares. A piece of one
    bin is left out. Without a jump this is the least-squares line through the envelope.
    The standard error is widened by the residuals' serial correlation
    (:func:`_serial_inflation`).
    """
    if len(points) < MIN_POINTS:
        return None
    pts = np.asarray(points, np.float64)
    pts = pts[(pts[:, 0] >= since) & (pts[:, 0] < until)]
    if len(pts) < MIN_POINTS:
        return None
    t = pts[:, 0] - pts[0, 0]
    span = float(t[-1])
    if span < MIN_BINS * CLOCK_BIN_S:
        return None
    late = t - pts[:, 1] / rate
    bins = (t // CLOCK_BIN_S).astype(np.int64)
    n_bins = int(bins.max()) + 1
    lo = np.full(n_bins, np.inf)
    np.minimum.at(lo, bins, late)
    tb = (np.arange(n_bins) + 0.5) * CLOCK_BIN_S
    keep = np.isfinite(lo)
    if keep.sum() < MIN_BINS:
        return None
    tb, lo = tb[keep], lo[keep]
    piece = _pieces(lo)
    n_pieces = int(piece[-1]) + 1
    counts = np.bincount(piece, minlength=n_pieces)
    used = counts[piece] >= 2  # a piece of one bin (an outlier bin) says nothing of the slope
    if used.sum() < MIN_BINS:
        return None
    tb, lo, piece = tb[used], lo[used], piece[used]
    counts = counts[counts >= 2]
    piece = np.unique(piece, return_inverse=True)[1]
    tc = tb - (np.bincount(piece, tb) / counts)[piece]
    lc = lo - (np.bincount(piece, lo) / counts)[piece]
    sxx = float((tc**2).sum())
    slope = float((tc * lc).sum() / sxx)
    resid = lc - slope * tc
    dof = max(1, len(tb) - len(counts) - 1)
    se = math.sqrt(float((resid**2).sum()) / dof / sxx)
    return -slope * 1e6, se * _serial_inflation(resid, piece) * 1e6, span


def _serial_inflation(resid: np.ndarray, piece: np.ndarray) -> float:
    """How much serial correlation of the residuals widens the slope's standard error.

    The least-squares standard error assumes independent residuals. A clock's envelope
    jitters independently from bin to bin; a latency that creeps up by less than a jump
    (:data:`JUMP_MIN_S`: a stream's buffering growing under load) leaves runs of residuals
    of one sign instead, and a straight line through it reads tens of ppm of drift. With the
    lag-1 autocorrelation ``r`` of the residuals (pairs of neighbouring bins of one piece),
    the error is widened by ``sqrt((1 + r) / (1 - r))`` (an AR(1) error's variance inflation,
    ``r`` clipped to [0, 0.95]); independent residuals keep it at about 1.
    """
    same = piece[1:] == piece[:-1]
    if same.sum() < 2:
        return 1.0
    a, b = resid[:-1][same], resid[1:][same]
    den = float((resid**2).sum())
    if den <= 0.0:
        return 1.0
    r = min(max(float((a * b).sum()) / den, 0.0), 0.95)
    return math.sqrt((1.0 + r) / (1.0 - r))


def _pieces(lo: np.ndarray) -> np.ndarray:
    """Piece index of each envelope bin: a new piece starts after each jump (see JUMP_MADS)."""
    if len(lo) < 3:
        return np.zeros(len(lo), np.int64)
    d = np.diff(lo)
    dev = np.abs(d - np.median(d))
    jump = dev > max(JUMP_MADS * 1.4826 * float(np.median(dev)), JUMP_MIN_S)
    return np.concatenate(([0], np.cumsum(jump)))


def drift_trusted(
    ppm: float, se_ppm: float, window_s: float, min_window_s: float, min_ppm: float
) -> bool:
    """True when a drift estimate is worth correcting.

    Parameters
    ----------
    ppm, se_ppm : float
        The drift between two devices and its standard error, ppm.
    window_s : float
        The shorter of the two clock fits' spans, s.
    min_window_s, min_ppm : float
        The least span, s, and the least drift, ppm, that are corrected.

    Returns
    -------
    bool
        The span is at least ``min_window_s``, ``|ppm|`` at least ``min_ppm`` and more
        than four standard errors.
    """
    return window_s >= min_window_s and abs(ppm) >= min_ppm and abs(ppm) > 4 * se_ppm


def drift_parts(
    ref: tuple[Sequence[tuple[float, int]] | np.ndarray, float, float],
    other: tuple[Sequence[tuple[float, int]] | np.ndarray, float, float],
    parts: int = 3,
) -> list[tuple[float, float] | None]:
    """The drift of one device against another over each part of their common window.

    Parameters
    ----------
    ref, other : (points, rate, since)
        Each device's callback points (arrival s, frames so far), nominal rate (Hz) and
        first arrival time used (s), as :func:`fit_clock` takes them.
    parts : int
        How many equal parts the window is cut into.

    Returns
    -------
    list of ``parts`` (ppm, se_ppm) or None
        ``other``'s clock against ``ref``'s over each part of the span both devices cover
        (ppm; positive: ``other`` runs fast) and its standard error (ppm); None for a part
        that either fit declines.
    """
    (rp, rr, rs), (op, orate, os_) = ref, other
    if len(rp) == 0 or len(op) == 0:
        return [None] * parts
    rp, op = np.asarray(rp, np.float64), np.asarray(op, np.float64)  # once, not per part
    t0 = max(rs, os_, float(rp[0][0]), float(op[0][0]))
    t1 = min(float(rp[-1][0]), float(op[-1][0]))
    cuts = [t0 + (t1 - t0) * k / parts for k in range(parts)] + [math.inf]
    out: list[tuple[float, float] | None] = []
    for a, b in itertools.pairwise(cuts):
        fr, fo = fit_clock(rp, rr, a, b), fit_clock(op, orate, a, b)
        out.append(None if fr is None or fo is None
                   else (fo[0] - fr[0], math.hypot(fo[1], fr[1])))
    return out


def drift_linear(
    ppm: float,
    parts: Sequence[tuple[float, float] | None],
    min_ppm: float,
) -> bool:
    """True when every part of the window shows the drift measured over the whole.

    A clock drift is a straight line: each part of the window shows it. A latency that
    steps or creeps up by less than a jump somewhere in the window (a stream's buffering
    growing under load) tilts the line through the whole window, but some part stays flat.
    Every part must show at least ``min_ppm / 2`` with the whole's sign, and differ from
    the whole's drift by at most 4 of its standard errors plus a quarter of that drift.

    Parameters
    ----------
    ppm : float
        The drift over the whole window, ppm.
    parts : sequence of (ppm, se_ppm) or None
        The drift and its standard error over each part of the window (:func:`drift_parts`),
        ppm (None: too few callbacks to fit).
    min_ppm : float
        The least drift that is corrected, ppm.

    Returns
    -------
    bool
    """
    if not parts:
        return False
    sign = math.copysign(1.0, ppm)
    for part in parts:
        if part is None:
            return False
        p, se = part
        if p * sign < min_ppm / 2 or abs(p - ppm) > 4 * se + abs(ppm) / 4:
            return False
    return True


class DriftCorrector:
    """Drop or repeat one sample now and then so a stream follows another device's clock.

    ``rel`` is the relative rate difference (ppm × 1e-6; positive: this device delivers
    more samples than the reference, so samples are dropped). Each block adds
    ``len(block) × rel`` to an accumulator; a whole sample is dropped or repeated in the
    middle of the block when it reaches ±1.
    """

    def __init__(self) -> None:
        self.rel = 0.0
        self.acc = 0.0
        self.dropped = 0
        self.repeated = 0

    def reset(self) -> None:
        """Forget the accumulated fraction (after a stall; the rate is kept)."""
        self.acc = 0.0

    def apply(self, data: np.ndarray) -> np.ndarray:
        """``data`` (frames × channels) with at most one sample dropped or repeated.

        Parameters
        ----------
        data : np.ndarray, shape (n_frames, channels)

        Returns
        -------
        np.ndarray, shape (n_frames + d, channels), d in {-1, 0, 1}
            ``data`` itself when nothing is due; otherwise a copy with the middle frame
            dropped or repeated (updates the accumulated fraction and the counters).
        """
        if not self.rel:
            return data
        self.acc += data.shape[0] * self.rel
        if self.acc >= 1.0 and data.shape[0] > 1:
            data = np.delete(data, data.shape[0] // 2, axis=0)
            self.acc -= 1.0
            self.dropped += 1
        elif self.acc <= -1.0:
            mid = data.shape[0] // 2
            data = np.insert(data, mid, data[mid], axis=0)
            self.acc += 1.0
            self.repeated += 1
        return data


class RunningMin:
    """The minimum of ``(t, value)`` pairs over the last ``window_s`` seconds.

    A monotonic deque: :meth:`add` is amortised O(1). Times must not decrease.

    Parameters
    ----------
    window_s : float
        The window, s.
    """

    def __init__(self, window_s: float = LATE_WINDOW_S) -> None:
        self.window_s = window_s
        self.items: deque[tuple[float, float]] = deque()
        self.since: float | None = None  # when the window was (re)started

    def __bool__(self) -> bool:
        return bool(self.items)

    def clear(self) -> None:
        """Start again (the next :meth:`add` restarts :attr:`since`)."""
        self.items.clear()
        self.since = None

    def add(self, t: float, value: float) -> None:
        """Add a value at time ``t``; values older than ``t - window_s`` leave.

        Parameters
        ----------
        t : float
            Time, s (non-decreasing from call to call).
        value : float
        """
        while self.items and self.items[0][0] < t - self.window_s:
            self.items.popleft()
        while self.items and self.items[-1][1] >= value:
            self.items.pop()
        self.items.append((t, value))
        if self.since is None:
            self.since = t

    @property
    def value(self) -> float:
        """The current minimum (the window must not be empty)."""
        return self.items[0][1]
