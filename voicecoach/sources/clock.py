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
  correct it (a long enough window, larger than a minimum, and 4 standard errors).
* :class:`DriftCorrector`: keeps a stream in line with another by dropping or repeating one
  input sample now and then, in the middle of a block (at 100 ppm and 16 kHz, 1.6 samples
  per second), so no second resampler is needed.
* :class:`RunningMin`: the running minimum of a block's lateness over a time window (a
  monotonic deque), which tracks a device's clock and the skew between two devices.
"""

from __future__ import annotations

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
    points: Sequence[tuple[float, int]] | np.ndarray, rate: float, since: float
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
    """
    if len(points) < MIN_POINTS:
        return None
    pts = np.asarray(points, np.float64)
    pts = pts[pts[:, 0] >= since]
    if len(pts) < MIN_POINTS:
        return None
    t = pts[:, 0] - pts[0, 0]
    span = float(t[-1])
    if span < MIN_BINS * CLOCK_BIN_S:
        return None
    late = t - pts[:, 1] / rate
    bins = (t // CLOCK_BIN_S).astype(np.int64)
    n_bins = int(bins[-1]) + 1
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
    return -slope * 1e6, se * 1e6, span


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
