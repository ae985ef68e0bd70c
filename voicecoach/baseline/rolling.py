"""Exact rolling statistics over causal windows of rows, for the windowed measures.

Each helper keeps its window as explicit state and has two exact paths that give identical
output: a per-row path for small (live) blocks and a vectorised path for big (review)
blocks, so the result does not depend on how the rows were cut into blocks.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ParameterError

_CHUNK = 2048  # rows per vectorised window computation (bounds memory in review)

_SMALL = 16  # blocks up to this many rows take the per-row path (live mode)
_POWER_SCALE = 2.0**50  # fixed-point scale of hop power for exact rolling sums


class _RollingQuantiles:
    """Quantiles of the finite values in a causal window of ``size`` rows.

    NaN marks rows that do not count. With ``band`` (one quantile ``q`` only): the ``q``
    quantile of the values within ``band`` of the window's plain median (octave-robust:
    a minority of values an octave off do not move it). Two exact paths share one state:
    small blocks update a sorted list row by row (about 2 µs per row), big blocks sort
    every window at once with numpy. Both interpolate like ``np.quantile`` in float64 on
    the same values, so the output is identical whatever the block cutting.
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
        if band is not None and len(quantiles) != 1:
            raise ParameterError(f"a banded quantile takes one quantile, got {quantiles}")
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
            pos = (0.5 if self.band is not None else q) * (k - 1)
            lo = math.floor(pos)
            hi = min(lo + 1, k - 1)
            a, b = srt[lo], srt[hi]
            m = a + (pos - lo) * (b - a)
            if self.band is not None:  # q quantile of the values within band of the median
                i0 = bisect.bisect_left(srt, m - self.band)
                k2 = bisect.bisect_right(srt, m + self.band) - i0
                if k2 > 0:
                    pos = i0 + q * (k2 - 1)
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
                pos = (0.5 if self.band is not None else q) * np.maximum(k - 1, 0)
                lo = np.floor(pos).astype(np.intp)
                hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
                a = win[rows, lo].astype(np.float64)
                b = win[rows, hi].astype(np.float64)
                m = a + (pos - lo) * (b - a)
                if self.band is not None:
                    with np.errstate(invalid="ignore"):
                        i0 = np.count_nonzero(win < (m - self.band)[:, None], axis=1)
                        k2 = np.count_nonzero(win <= (m + self.band)[:, None], axis=1) - i0
                    pos2 = i0 + q * np.maximum(k2 - 1, 0)
                    lo2 = np.minimum(np.floor(pos2).astype(np.intp), self.size - 1)
                    hi2 = np.minimum(np.minimum(lo2 + 1, i0 + np.maximum(k2 - 1, 0)), self.size - 1)
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

    def process_one(self, level_db: float) -> float:
        """:meth:`process_small` of one row, as a float (rounded to float32, NaN before
        ``min_count`` rows): numpy's scalar ``power`` and ``log10`` run the arrays' loops."""
        if math.isfinite(level_db):
            p = round(float(np.power(10.0, min(level_db, 20.0) / 10.0)) * _POWER_SCALE)
            c = 1
        else:
            p, c = 0, 0
        self._sum += p
        self._count += c
        s, k = self._sum, self._count
        w = self.size
        if w == 1:
            self._sum, self._count = 0, 0
        else:
            hist = self._hist
            if len(hist) == w - 1:
                op, oc = hist[0]
                self._sum -= op
                self._count -= oc
            hist.append((p, c))
        if k < self.min_count:
            return math.nan
        mean = float(s) / float(k) / _POWER_SCALE
        return float(np.float32(10.0 * np.log10(mean if mean > 0 else 1e-30)))

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


class _IntervalRate:
    """Syllable rate from the intervals between consecutive syllable nuclei, per hop.

    An interval counts when both nuclei lie in one run of speech hops (no non-speech hop
    between them: a pause is not a syllable) and it is at most ``max_hops`` long. Over the
    last ``size`` counted intervals, the rate is ``1 / trimmed mean`` (the ``trim``
    fraction of the shortest and of the longest intervals left out), in syllables per
    second. It is a tempo, not a count: a faster speaker shortens every interval, while a
    count per second of speech also depends on the VAD's onsets and hangovers, which do
    not shrink. Per row: the value after the row's nucleus (carried between nuclei), NaN
    on non-speech rows and until ``size`` intervals were counted.

    Big blocks visit only the nuclei (a few per second), small (live) blocks every row; both
    make the same state changes, so the output does not depend on the block cutting.
    """

    def __init__(self, size: int, max_hops: int, trim: float, hop_s: float) -> None:
        if not 0.0 <= trim < 0.5:
            raise ParameterError(f"the interval trim must be in [0, 0.5), got {trim!r}")
        self.size = max(1, int(size))
        self.max_hops = max(1, int(max_hops))
        self.cut = math.floor(trim * self.size)
        self.hop_s = hop_s
        self.reset()

    def reset(self) -> None:
        self._iv: deque[int] = deque(maxlen=self.size)  # counted intervals, hops
        self._hop = 0  # global index of the next row
        self._last_nucleus: int | None = None  # global index of the last nucleus
        self._broken = True  # a non-speech row since the last nucleus
        self._value = math.nan

    def _rate(self) -> float:
        if len(self._iv) < self.size:
            return math.nan
        srt = sorted(self._iv)
        mid = srt[self.cut : self.size - self.cut]
        return len(mid) / (sum(mid) * self.hop_s)

    def _nucleus(self, at: int) -> None:
        """A nucleus at global row ``at`` (a speech row)."""
        if self._last_nucleus is not None and not self._broken:
            gap = at - self._last_nucleus
            if gap <= self.max_hops:
                self._iv.append(gap)
                self._value = self._rate()
        self._last_nucleus = at
        self._broken = False

    def process(self, speech: np.ndarray, nucleus: np.ndarray) -> np.ndarray:
        sp = np.asarray(speech, bool)
        n = sp.shape[0]
        if n <= _SMALL:  # live blocks: row by row, the same state changes
            out = np.empty(n, np.float32)
            for i, (s_, f_) in enumerate(zip(sp.tolist(), np.asarray(nucleus, bool).tolist(),
                                             strict=True)):
                if not s_:
                    self._broken = True
                    out[i] = math.nan
                    continue
                if f_:
                    self._nucleus(self._hop + i)
                out[i] = self._value
            self._hop += n
            return out
        nuc = np.flatnonzero(np.asarray(nucleus, bool) & sp)
        pauses = np.concatenate([[0], np.cumsum(~sp)])  # non-speech rows before row i
        start = self._value  # the value carried into this block
        vals = np.empty(max(nuc.shape[0], 1), np.float64)
        prev = -1  # the previous nucleus of this block
        for j, i in enumerate(nuc.tolist()):
            if pauses[i] > (pauses[prev] if prev >= 0 else 0):  # a pause since the last one
                self._broken = True
            self._nucleus(self._hop + i)
            prev = i
            vals[j] = self._value
        if pauses[n] > (pauses[prev + 1] if prev >= 0 else 0):
            self._broken = True
        self._hop += n
        last = np.searchsorted(nuc, np.arange(n), side="right") - 1
        carried = np.where(last >= 0, vals[np.maximum(last, 0)], start)
        return np.where(sp, carried, np.nan).astype(np.float32)


class _UtteranceLevel:
    """Pitch and loudness of the current utterance so far, per hop (scalar, exact).

    An utterance is a run of speech hops; a pause of at least ``gap`` hops starts a new one.
    Per speech hop: the octave-robust ``q`` quantile (within ``band`` of the median, as
    :class:`_RollingQuantiles`) of the utterance's voiced semitones (NaN with fewer than
    ``min_voiced`` of them) and the power mean of its hops' loudness,
    dB. NaN on non-speech hops.
    """

    def __init__(self, gap: int, min_voiced: int, band: float, q: float = 0.5) -> None:
        self.gap = max(1, int(gap))
        self.min_voiced = max(1, int(min_voiced))
        self.band = band
        self.q = q
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
                pitch[i] = _band_quantile(self._srt, self.band, self.q)
        return np.array(pitch, np.float32), np.array(loud, np.float32)


def _band_quantile(srt: list[float], band: float, q: float) -> float:
    """The ``q`` quantile of the sorted values within ``band`` of their median (of all of
    them if none)."""
    k = len(srt)
    pos = 0.5 * (k - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, k - 1)
    m = srt[lo] + (pos - lo) * (srt[hi] - srt[lo])
    i0 = bisect.bisect_left(srt, m - band)
    k2 = bisect.bisect_right(srt, m + band) - i0
    if k2 <= 0:
        i0, k2 = 0, k
    pos = i0 + q * (k2 - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, i0 + k2 - 1)
    return srt[lo] + (pos - lo) * (srt[hi] - srt[lo])


def _carry(fed: np.ndarray, out: np.ndarray, before: float) -> np.ndarray:
    """Per row, the output of the last fed row at or before it (``before`` if none yet)."""
    last = np.cumsum(fed) - 1
    if not out.size:
        return np.full(fed.shape[0], before, np.float32)
    return np.where(last >= 0, out[np.maximum(last, 0)], np.float32(before)).astype(np.float32)
