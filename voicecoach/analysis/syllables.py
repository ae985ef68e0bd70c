"""Causal syllable-nucleus detection and rolling speaking rates.

In the spirit of De Jong & Wempe (2009, "Praat script to detect syllable nuclei"): a
nucleus is a peak of the (smoothed) intensity contour that

* rises at least ``dip_db`` above the lowest level since the previous nucleus (dip before),
* is followed by a fall of at least ``dip_db`` (dip after) **or** by ``lookahead_s`` without
  a higher value (a plateau), whichever comes first,
* stands at least ``min_prominence_db`` above the adaptive noise floor,
* is voiced (the pitch tracker's decision at the peak or the two hops after it),
* comes at least ``min_gap_s`` after the previous nucleus.

A nucleus is therefore known at most ``lookahead_s`` (<= 100 ms) after its peak.

Rates at hop ``k`` count nuclei *confirmed by the end of hop k* whose peak lies in the
last ``window_s`` seconds:

* ``syllable_rate`` = count / window length (the elapsed time while shorter than the window;
  NaN during the first ``min_speech_s``);
* ``articulation_rate`` = count / speech time in the window (NaN with less than
  ``min_speech_s`` of speech in the window).
"""

from __future__ import annotations

import math

import numpy as np

from ..config import SyllableConfig

__all__ = ["SyllableTracker"]


class SyllableTracker:
    """Streaming syllable-nucleus detector with rolling rates.

    Parameters
    ----------
    config : SyllableConfig
    hop_s : float
        Hop duration in seconds (0.01).
    """

    def __init__(self, config: SyllableConfig, hop_s: float) -> None:
        self.config = config
        self.hop_s = hop_s
        self._smooth = max(1, round(config.smooth_s / hop_s))
        self._look = max(1, round(config.lookahead_s / hop_s))
        self._gap = max(1, round(config.min_gap_s / hop_s))
        self._win = max(1, round(config.window_s / hop_s))
        self._min_speech = max(1, round(config.min_speech_s / hop_s))
        self.reset()

    @property
    def lookahead_s(self) -> float:
        """Longest delay between a nucleus peak and its confirmation, in seconds."""
        return self._look * self.hop_s

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._energy_hist = np.zeros(self._smooth - 1, np.float64)
        self._speech_hist = np.zeros(self._win, np.int32)
        self._hop = 0  # index of the next hop
        self._min = math.inf
        self._cand: tuple[float, int, bool] | None = None  # (level, hop, voiced)
        self._last_nucleus = -(10**9)
        self._peaks: list[int] = []  # peak hops of confirmed nuclei, ascending
        self._confirms: list[int] = []  # hops at which each was confirmed
        self.nuclei_total = 0

    def intensity_db(self, power: np.ndarray) -> np.ndarray:
        """Causal moving average of hop power over ``smooth_s``, in dB (updates state)."""
        e = np.concatenate([self._energy_hist, power])
        c = np.cumsum(np.concatenate([[0.0], e]))
        k = self._smooth
        mean = (c[k:] - c[:-k]) / k
        if k > 1:
            self._energy_hist = e[-(k - 1) :].copy()
        return 10.0 * np.log10(np.maximum(mean, 1e-12))

    def process(
        self,
        power: np.ndarray,
        voiced: np.ndarray,
        speech: np.ndarray,
        floor_db: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detect nuclei and compute rates for a block of hops.

        Parameters
        ----------
        power : np.ndarray, shape (n_hops,)
            Mean square of each hop (linear).
        voiced, speech : np.ndarray, shape (n_hops,), bool
        floor_db : np.ndarray, shape (n_hops,)
            Adaptive noise floor, dBFS.

        Returns
        -------
        syllable_rate, articulation_rate : np.ndarray, shape (n_hops,), float32
            Syllables per second (NaN where undefined, see module notes).
        nucleus : np.ndarray, shape (n_hops,), bool
            True at the hop where a nucleus was confirmed.
        """
        n = power.shape[0]
        level = self.intensity_db(np.asarray(power, np.float64)).tolist()
        v = voiced.tolist()
        fl = floor_db.tolist()
        confirmed = np.zeros(n, bool)
        cfg = self.config
        dip, prom, look, gap = cfg.dip_db, cfg.min_prominence_db, self._look, self._gap
        lo, cand, last = self._min, self._cand, self._last_nucleus
        h0 = self._hop
        for i in range(n):
            h = h0 + i
            x = level[i]
            if cand is None:
                lo = min(lo, x)
                if x - lo >= dip:
                    cand = (x, h, v[i])
                continue
            cv, ch, cvo = cand
            if x > cv:
                cand = (x, h, v[i])
                continue
            if h - ch <= 2 and v[i]:
                cvo = True
                cand = (cv, ch, True)
            if cv - x >= dip or h - ch >= look:
                if cvo and cv - lo >= dip and cv >= fl[i] + prom and ch - last >= gap:
                    self._peaks.append(ch)
                    self._confirms.append(h)
                    confirmed[i] = True
                    last = ch
                    self.nuclei_total += 1
                lo, cand = x, None
        self._min, self._cand, self._last_nucleus = lo, cand, last
        self._hop = h0 + n

        # rolling counts: nuclei confirmed by hop h with peak > h - window
        hops = np.arange(h0, h0 + n)
        peaks = np.asarray(self._peaks, np.int64)
        confirms = np.asarray(self._confirms, np.int64)
        count = np.searchsorted(confirms, hops, side="right") - np.searchsorted(
            peaks, hops - self._win, side="right"
        )
        count = np.maximum(count, 0)
        # keep only what a future window can still need
        keep = int(np.searchsorted(peaks, h0 + n - 1 - self._win, side="right"))
        if keep:
            del self._peaks[:keep]
            del self._confirms[:keep]

        elapsed = np.minimum(hops + 1, self._win)
        srate = np.where(elapsed >= self._min_speech, count / (elapsed * self.hop_s), np.nan)

        sp = np.concatenate([self._speech_hist, speech.astype(np.int32)])
        csum = np.cumsum(np.concatenate([[0], sp]))
        w = self._win
        speech_hops = csum[w + 1 :] - csum[1 : n + 1]
        self._speech_hist = sp[-w:].copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            arate = np.where(
                speech_hops >= self._min_speech, count / (speech_hops * self.hop_s), np.nan
            )
        return srate.astype(np.float32), arate.astype(np.float32), confirmed
