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

import collections
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
        self._energy = collections.deque([0.0] * self._smooth, maxlen=self._smooth)
        self._speech = collections.deque([0] * self._win, maxlen=self._win)
        self._speech_count = 0
        self._hop = 0  # index of the next hop
        self._min = math.inf
        self._cand: tuple[float, int, bool] | None = None  # (level, hop, voiced)
        self._last_nucleus = -(10**9)
        self._peaks: collections.deque[int] = collections.deque()  # counted nuclei (peak hops)
        self.nuclei_total = 0

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
        srate = [0.0] * n
        arate = [0.0] * n
        confirmed = [False] * n
        cfg = self.config
        dip, prom, look, gap = cfg.dip_db, cfg.min_prominence_db, self._look, self._gap
        win, k, hop_s, min_sp = self._win, self._smooth, self.hop_s, self._min_speech
        energy, sp_hist, peaks = self._energy, self._speech, self._peaks
        lo, cand, last, sp_count = self._min, self._cand, self._last_nucleus, self._speech_count
        h = self._hop
        log10 = math.log10
        nan = math.nan
        for i, (p, v, spk, fl) in enumerate(
            zip(power.tolist(), voiced.tolist(), speech.tolist(), floor_db.tolist(), strict=True)
        ):
            # causal moving average of the hop power, in dB
            energy.append(p)
            x = 10.0 * log10(max(math.fsum(energy) / k, 1e-12))
            # nucleus state machine
            if cand is None:
                lo = min(lo, x)
                if x - lo >= dip:
                    cand = (x, h, v)
            else:
                cv, ch, cvo = cand
                if x > cv:
                    cand = (x, h, v)
                else:
                    if h - ch <= 2 and v and not cvo:
                        cvo = True
                        cand = (cv, ch, True)
                    if cv - x >= dip or h - ch >= look:
                        if cvo and cv - lo >= dip and cv >= fl + prom and ch - last >= gap:
                            peaks.append(ch)
                            confirmed[i] = True
                            last = ch
                            self.nuclei_total += 1
                        lo, cand = x, None
            # rolling window: nuclei confirmed by now with peak > h - win; speech hops in window
            while peaks and peaks[0] <= h - win:
                peaks.popleft()
            sp_count += int(spk) - sp_hist[0]
            sp_hist.append(int(spk))
            c = len(peaks)
            elapsed = min(h + 1, win)
            srate[i] = c / (elapsed * hop_s) if elapsed >= min_sp else nan
            arate[i] = c / (sp_count * hop_s) if sp_count >= min_sp else nan
            h += 1
        self._min, self._cand, self._last_nucleus = lo, cand, last
        self._speech_count = sp_count
        self._hop = h
        # (the rates rounded to float32 as a float32 array stores them)
        return np.array(srate, np.float32), np.array(arate, np.float32), np.array(confirmed, bool)
