"""Far-end bleed rejection for the agent microphone, from per-hop features only.

With a loudspeaker, the customer's voice reaches the agent's microphone as a delayed,
band-limited, reverberant copy ``lag`` hops after it appears in the far-end channel. The
:class:`BleedGate` decides, hop by hop and causally, whether the agent microphone's raw
speech decision is explained by that copy:

Delay and gain estimate (every ``bleed_update_s``)
    Over the last ``bleed_window_s``, the Pearson correlation between the agent's and the
    customer's loudness excess over their noise floors (dB, clipped to [0, 40]) is computed
    for every lag ``0 .. bleed_max_delay_s`` in hops (customer earlier). The estimate needs at
    least ``bleed_min_active_s`` of far-end speech in the window, and uses only the hops where
    the far end spoke at the lag. The correlation curves are averaged across updates
    (exponentially, weight ``_SMOOTH``), which keeps the true lag's peak while the side lobes
    at multiples of the syllable period wander. A lag is accepted when its averaged
    correlation reaches ``bleed_corr_min``; a new lag replaces the current one only when it
    correlates better by ``_SWITCH_MARGIN``. With
    an accepted lag, the gain is the median of ``agent level - reference level`` over the
    window's hops whose far end spoke at the lag.

Per-hop decision (hops whose agent raw VAD fired)
    *Tracking* (a lag is known): the reference is the loudest far-end hop in
    ``[t - lag - 4, t - lag + 1]`` (room reverberation and filter ringing). The hop is bleed
    when ``agent level <= reference + gain + bleed_margin_db``, or when the agent hop is voiced
    within ``bleed_pitch_st`` of a voiced far-end hop in ``[t - lag - 1, t - lag + 1]``.
    *Searching* (no lag accepted yet; with a headset this lasts the whole call, so the rule
    must not eat genuine double talk): a hop is bleed only with positive evidence of a copy.
    It must be ``bleed_max_ratio_db`` or more below the loudest far-end hop over the whole
    lag range, and its F0 must be the far end's: within ``bleed_pitch_st`` of a far-end F0
    at some lag of the range (*same pitch*) or of 1/2, 1/3 or 2 times one (*octave
    relation*: the pitch tracker often halves a band-limited copy's F0). A hop whose F0 is
    neither (another voice) is never bleed. Then, with the agent's own level and F0 known
    (running averages, ``_OWN_SMOOTH``, of the agent's raw hops with no far-end speech within
    the whole lag range, which cannot be bleed):

    * same pitch: bleed when ``agent level <= own level - bleed_self_margin_db``, or when the
      F0 is more than ``_OWN_RANGE_ST`` from the agent's own average F0 (not the agent's
      usual voice);
    * octave relation only: bleed when ``agent level <= own level - 2 *
      bleed_self_margin_db`` (a male agent an octave below a female customer is common, so
      the relation alone is no evidence at the agent's level).

    Before the agent has been heard alone, the level and pitch conditions suffice. Hops
    without F0 (only with a VAD that does not require voicing) are bleed when the level
    condition holds and they are ``bleed_self_margin_db`` below the agent's own level.

    *Copy rule* (``bleed_copy_hops`` > 0, searching only, checked first): a loudspeaker
    copy follows the far end's pitch contour hop after hop, even when it is as loud as the
    far end and before the far end's VAD fires. A voiced agent hop within ``bleed_pitch_st``
    of a far-end F0 anywhere in the lag range (the far end's VAD not required), at most
    ``bleed_copy_max_ratio_db`` above the loudest far-end hop of the range, *matches*; when
    it and the ``bleed_copy_hops - 1`` agent hops before it all match (an unvoiced hop, a
    consonant of the copied words, does not end such a run while it is no more than
    ``bleed_copy_unvoiced_db`` louder, against the far end, than the run's loudest voiced
    hop: the agent's own consonant over a quiet copy is louder), it is bleed, whatever
    the agent's own level and pitch, during the call's first ``bleed_copy_far_s`` of far-end
    speech only (the echo canceller's detecting phase, where the false agent speech of a
    loudspeaker call lies; later, on a headset call, where the gate searches all call long,
    an agent talking over a customer of the same pitch would be taken for a copy). The caller
    turns the rule off (:attr:`BleedGate.copy_allowed`) while the microphone is known to hold
    no copy at all (its coherence with the far end, :mod:`voicecoach.analysis.echo`): two
    voices of one pitch range pass the pitch test, a copy's coherence tells them apart.

    Known limit: while searching (the first 1-2 s of far-end speech of a call with bleed),
    a copy of a customer whose F0 stays within ``_OWN_RANGE_ST`` of the agent's and who is
    loud enough for the copy to come within ``bleed_self_margin_db`` of the agent's own level
    is kept as agent speech until the lag is found (measured: an agent at 120 Hz/-24 dBFS,
    a customer at 125 Hz/-20 dBFS, bleed -10 dB: one false 0.6 s agent interruption in the
    first second). The previous level-only rule (any hop 6 dB under the loudest far-end hop
    and 6 dB under the agent's level, or at 1/2 of a far-end F0) rejected the agent's own
    double talk under a louder customer (the demo call) and under every female customer in
    the real-recording calls of ``benchmarks/tracker_bench.py``.

The agent's own voice is louder at its own microphone than the far-end copy by far more than
``bleed_margin_db``, so double talk stays the agent's. The estimate runs at fixed hop indices,
so the output does not depend on how the stream is cut into blocks.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..config import ConversationConfig

__all__ = ["BleedGate"]

_EXCESS_MAX_DB = 40.0
_SWITCH_MARGIN = 0.05
_SMOOTH = 0.1  # weight of each new correlation curve (time constant: 10 updates)
_OWN_SMOOTH = 0.01  # weight of each sure-own agent hop in its average level (1 s of speech)
_OWN_RANGE_ST = 3.0  # the agent's calm pitch range: this close (st) to its average F0
_TAIL_HOPS = 4  # reverberation tail: the copy at t may come from the far end up to 4 hops earlier
_LEAD_HOPS = 1  # zero-phase filtering and hop alignment: or 1 hop later


class BleedGate:
    """Causal per-hop bleed decision for the agent microphone.

    Parameters
    ----------
    config : ConversationConfig
    hop_s : float
        Hop duration, s (0.01).
    """

    def __init__(self, config: ConversationConfig, hop_s: float) -> None:
        self.config = config
        self.hop_s = hop_s
        self.max_lag = max(0, round(config.bleed_max_delay_s / hop_s))
        self.window = max(2, round(config.bleed_window_s / hop_s))
        self.every = max(1, round(config.bleed_update_s / hop_s))
        self.min_active = max(1, round(config.bleed_min_active_s / hop_s))
        # history long enough for the window at the largest lag plus the reverb tail
        self._n = self.window + self.max_lag + _TAIL_HOPS + _LEAD_HOPS
        self._lookback = self.max_lag + _TAIL_HOPS + _LEAD_HOPS + 1
        self.reset()

    @property
    def lookback_hops(self) -> int:
        """Hops of far-end history a copy in the microphone may come from (the lag range,
        the reverberation tail and the alignment lead)."""
        return self._lookback

    def reset(self) -> None:
        """Return to the just-constructed state."""
        n = self._n
        # double buffers: entry i is stored at i % n and i % n + n, so the last n values are
        # always one contiguous slice
        self._ea = np.zeros(2 * n)
        self._ec = np.zeros(2 * n)
        self._la = np.full(2 * n, -120.0)
        self._lc = np.full(2 * n, -120.0)
        self._rc = np.zeros(2 * n, bool)
        # short python rings for the per-hop decision
        m = self._lookback
        self._ring_lc = [-120.0] * m
        self._ring_f0c = [math.nan] * m
        self._ring_f0_any = [math.nan] * m  # the far end's F0 whatever its VAD says
        self._copy_run = 0  # consecutive agent hops matching a far-end F0 (copy rule)
        self._copy_top = -math.inf  # the run's loudest voiced hop over the far end, dB
        self._far_hops = 0  # far-end speech hops so far (the copy rule's time limit)
        #: Whether the copy rule may apply to the next hop (the caller clears it while the
        #: microphone is known to hold no copy of the far end: incoherent with it).
        self.copy_allowed = True
        self._k = 0
        self._last_cust = -(10**9)
        self._own_db = math.nan
        self._own_st = math.nan  # average F0 of the sure-own hops, semitones re 1 Hz
        self.lag_hops: int | None = None
        self.corr = math.nan
        self.gain_db = math.nan
        self._curve: np.ndarray | None = None
        self._best_corr = math.nan  # the curve's maximum (read every hop, set by _update)

    @property
    def status(self) -> str:
        """``"tracking"`` (a delay is known) or ``"searching"``."""
        return "tracking" if self.lag_hops is not None else "searching"

    @property
    def own_level_db(self) -> float:
        """Average level of the agent's sure-own speech hops, dBFS (NaN before any)."""
        return self._own_db

    @property
    def best_corr(self) -> float:
        """Highest averaged envelope correlation over the lag range (NaN before the first
        estimate): how strongly the agent microphone carries a copy of the far end."""
        return self._best_corr

    @property
    def delay_s(self) -> float | None:
        """Estimated lag of the far-end copy in the agent microphone, s (None if unknown)."""
        return None if self.lag_hops is None else self.lag_hops * self.hop_s

    def step(
        self,
        agent_db: float,
        agent_floor_db: float,
        agent_raw: bool,
        agent_f0_hz: float,
        cust_db: float,
        cust_floor_db: float,
        cust_raw: bool,
        cust_f0_hz: float,
    ) -> bool:
        """Feed one aligned hop of both channels; return True if the agent hop is bleed.

        Parameters
        ----------
        agent_db, agent_floor_db : float
            Agent microphone loudness and noise floor, dBFS.
        agent_raw : bool
            Agent raw VAD decision.
        agent_f0_hz : float
            Agent F0, Hz (NaN unvoiced).
        cust_db, cust_floor_db, cust_raw, cust_f0_hz
            The same for the far end, at the same hop.

        Returns
        -------
        bool
            True when the agent's raw speech at this hop is explained by the far end. Always
            False when ``agent_raw`` is False.
        """
        k = self._k
        n = self._n
        i = k % n
        ea = min(max(agent_db - agent_floor_db, 0.0), _EXCESS_MAX_DB)
        ec = min(max(cust_db - cust_floor_db, 0.0), _EXCESS_MAX_DB)
        self._ea[i] = self._ea[i + n] = ea
        self._ec[i] = self._ec[i + n] = ec
        self._la[i] = self._la[i + n] = agent_db
        self._lc[i] = self._lc[i + n] = cust_db
        self._rc[i] = self._rc[i + n] = cust_raw
        m = self._lookback
        j = k % m
        self._ring_lc[j] = cust_db
        self._ring_f0c[j] = cust_f0_hz if cust_raw else math.nan
        self._ring_f0_any[j] = cust_f0_hz
        copy_hops = self.config.bleed_copy_hops
        self._far_hops += cust_raw
        if copy_hops > 0:
            if not agent_raw:
                self._copy_run = 0
            elif agent_f0_hz != agent_f0_hz and self._copy_run >= copy_hops:
                # an unvoiced hop inside a copy (a consonant of the far end's words): the run
                # goes on while the hop is no louder, against the far end, than the run's voiced
                # hops were (an agent's own consonant over a quiet copy is louder)
                if (self._copy_ratio(k, agent_db)
                        > self._copy_top + self.config.bleed_copy_unvoiced_db):
                    self._copy_run = 0
            elif self._copy_match(k, agent_db, agent_f0_hz):
                r = self._copy_ratio(k, agent_db)
                self._copy_top = r if self._copy_run == 0 else max(self._copy_top, r)
                self._copy_run += 1
            else:
                self._copy_run = 0
        if cust_raw:
            self._last_cust = k
        if agent_raw and k - self._last_cust >= m:
            # no far-end speech within the whole lag range: this hop is the agent's own
            own = self._own_db
            self._own_db = agent_db if own != own else own + _OWN_SMOOTH * (agent_db - own)
            if agent_f0_hz == agent_f0_hz:
                st = 12.0 * math.log2(agent_f0_hz)
                o = self._own_st
                self._own_st = st if o != o else o + _OWN_SMOOTH * (st - o)
        self._k = k + 1
        if (k + 1) % self.every == 0:
            self._update()
        if not agent_raw:
            return False
        lag = self.lag_hops
        ring = self._ring_lc
        if lag is None:
            return self._searching(k, agent_db, agent_f0_hz)
        lo = lag - _LEAD_HOPS
        hi = lag + _TAIL_HOPS
        ref = -120.0
        if k >= lo:
            ref = max([ring[(k - d) % m] for d in range(max(lo, 0), min(hi, k) + 1)])
        excess = agent_db - ref - self.gain_db  # dB above the predicted bleed level
        if agent_f0_hz == agent_f0_hz:  # voiced: compare with the far end's F0 at the lag
            tol = self.config.bleed_pitch_st
            far_voiced = False
            related = False  # within tol of the far end's F0 times 1/3, 1/2 or 2
            for d in range(max(lag - 1, 0), min(lag + 1, k) + 1):
                f = self._ring_f0c[(k - d) % m]
                if f == f:
                    far_voiced = True
                    st = 12.0 * math.log2(agent_f0_hz / f)
                    if abs(st) <= tol:
                        return True
                    related = related or min(
                        abs(st + 19.02), abs(st + 12.0), abs(st - 12.0)
                    ) <= tol
            if far_voiced and not related and excess > 0.0:
                return False  # another voice, above the predicted copy: the agent's own
        return excess <= self.config.bleed_margin_db

    @property
    def in_copy_window(self) -> bool:
        """Whether the hop just fed lies in the call's first ``bleed_copy_far_s`` of far-end
        speech, with no echo delay found yet (where the copy rule applies)."""
        return (self.lag_hops is None and self._far_hops > 0 and self.copy_allowed
                and self._far_hops * self.hop_s <= self.config.bleed_copy_far_s)

    def echo_suspect(self, agent_db: float, agent_f0_hz: float, max_ratio_db: float) -> bool:
        """Whether the agent hop just fed to :meth:`step` looks like the far end's copy by
        pitch and level alone: voiced with the far end's F0 (within ``bleed_pitch_st`` of a
        far-end F0, or of 1/3, 1/2 or 2 times one, at some lag of the range) and at most
        ``max_ratio_db`` above the loudest far-end hop of the range. Weaker than the
        searching rule (no ``bleed_max_ratio_db`` margin, no own-voice exception): used only
        to doubt, never to reject, speech.

        Parameters
        ----------
        agent_db : float
            The agent hop's level, dBFS.
        agent_f0_hz : float
            Its F0, Hz (NaN when unvoiced: never a suspect).
        max_ratio_db : float
            How far above the loudest far-end hop of the lag range it may be, dB.

        Returns
        -------
        bool
        """
        if agent_f0_hz != agent_f0_hz or self._k == 0:
            return False
        k = self._k - 1
        m = self._lookback
        span = range(min(k + 1, m))
        ref = max(self._ring_lc[(k - d) % m] for d in span)
        if agent_db - ref > max_ratio_db:
            return False
        tol = self.config.bleed_pitch_st
        f0s = self._ring_f0c
        for d in span:
            f = f0s[(k - d) % m]
            if f == f:
                st = 12.0 * math.log2(agent_f0_hz / f)
                if min(abs(st), abs(st + 12.0), abs(st - 12.0), abs(st + 19.02)) <= tol:
                    return True
        return False

    def _copy_ratio(self, k: int, agent_db: float) -> float:
        """Level of hop ``k`` over the loudest far-end hop of the lag range, dB."""
        m = self._lookback
        ring = self._ring_lc
        return agent_db - max(ring[(k - d) % m] for d in range(min(k + 1, m)))

    def _copy_match(self, k: int, agent_db: float, agent_f0_hz: float) -> bool:
        """Whether hop ``k`` (just stored) carries a far-end F0 of the lag range (far-end VAD
        not required) at most ``bleed_copy_max_ratio_db`` above the range's loudest far-end
        hop: one hop of a loudspeaker copy's pitch contour."""
        if agent_f0_hz != agent_f0_hz:
            return False
        m = self._lookback
        span = range(min(k + 1, m))
        ring = self._ring_lc
        if agent_db - max(ring[(k - d) % m] for d in span) > self.config.bleed_copy_max_ratio_db:
            return False
        tol = self.config.bleed_pitch_st
        f0s = self._ring_f0_any
        for d in span:
            f = f0s[(k - d) % m]
            if f == f and abs(12.0 * math.log2(agent_f0_hz / f)) <= tol:
                return True
        return False

    def _searching(self, k: int, agent_db: float, agent_f0_hz: float) -> bool:
        """Bleed decision before a lag is known: needs positive evidence of a copy."""
        hops = self.config.bleed_copy_hops
        if (hops > 0 and self._copy_run >= hops and self.copy_allowed
                and self._far_hops * self.hop_s <= self.config.bleed_copy_far_s):
            return True  # the far end's pitch contour, hop after hop: a loudspeaker copy
        m = self._lookback
        span = range(min(k + 1, m))
        ring = self._ring_lc
        ref = max(ring[(k - d) % m] for d in span)
        if agent_db - ref > self.config.bleed_max_ratio_db:
            return False  # not quiet enough to be a copy of the far end
        own = self._own_db
        quiet = own != own or agent_db <= own - self.config.bleed_self_margin_db
        if agent_f0_hz != agent_f0_hz:
            return quiet  # unvoiced raw hop (VAD without voicing): level only
        tol = self.config.bleed_pitch_st
        f0s = self._ring_f0c
        same = related = False
        for d in span:
            f = f0s[(k - d) % m]
            if f == f:
                st = 12.0 * math.log2(agent_f0_hz / f)
                if abs(st) <= tol:
                    same = True
                    break
                related = related or min(abs(st + 12.0), abs(st - 12.0), abs(st + 19.02)) <= tol
        if not (same or related):
            return False  # a pitch the far end did not have at any lag: another voice
        own_f0 = self._own_st
        if own != own or own_f0 != own_f0:
            return True  # the agent was never heard alone: nothing to tell its voice by
        if not same:
            # an octave relation (the pitch tracker's octave error on a band-limited copy)
            # is weak evidence: only for hops twice the self margin below the agent's level
            return agent_db <= own - 2.0 * self.config.bleed_self_margin_db
        if quiet:
            return True
        # the far end's very pitch, at the agent's level: a copy unless it is also the agent's
        # usual pitch (then a coincidence of two voices)
        return abs(12.0 * math.log2(agent_f0_hz) - own_f0) > _OWN_RANGE_ST

    def _update(self) -> None:
        """Re-estimate lag and gain from the last ``bleed_window_s`` (fixed hop indices)."""
        k = self._k  # hops stored
        w, nl = self.window, self.max_lag
        if k < w + nl:
            w = k - nl
            if w < 2 * self.every:
                return
        n = self._n
        end = (k - 1) % n + 1 + n  # one past the newest entry in the double buffer
        ec_seg = self._ec[end - w - nl : end]
        rc_seg = self._rc[end - w - nl : end]
        if int(np.count_nonzero(rc_seg[nl:])) < self.min_active:
            return
        x = self._ea[end - w : end]
        # Pearson correlation per lag over the hops where the far end spoke at that lag:
        # windowed sums by cumulative sums and np.correlate (index j is lag nl - j)
        r = rc_seg.astype(np.float64)
        yr = ec_seg * r

        def wsum(a: np.ndarray) -> np.ndarray:
            c = np.concatenate(([0.0], np.cumsum(a)))
            return (c[w:] - c[:-w])[::-1]

        cnt = wsum(r)
        my = wsum(yr)
        syy = wsum(yr * ec_seg)
        mx = np.correlate(r, x, "valid")[::-1]
        sxx = np.correlate(r, x * x, "valid")[::-1]
        sxy = np.correlate(yr, x, "valid")[::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy - mx * my / cnt
            var = (sxx - mx * mx / cnt) * (syy - my * my / cnt)
            corr = np.where((cnt >= self.min_active) & (var > 0), cov / np.sqrt(var), 0.0)
        # smooth the correlation curve across updates: the true lag keeps its peak while the
        # side lobes at multiples of the syllable period move with the rhythm
        if self._curve is None:
            self._curve = corr
        else:
            self._curve = self._curve + _SMOOTH * (corr - self._curve)
        self._best_corr = float(self._curve.max())
        now = corr
        corr = self._curve
        best = int(np.argmax(corr))
        cur = self.lag_hops
        if corr[best] >= self.config.bleed_corr_min and (
            cur is None or corr[best] > corr[cur] + _SWITCH_MARGIN
        ):
            cur = self.lag_hops = best
        if cur is None:
            self.corr = float(corr[best])
            return
        self.corr = float(corr[cur])
        # gain: agent level minus the per-hop reference, where the far end spoke at the lag
        lead = min(_LEAD_HOPS, cur)  # no far-end hop after the newest one
        lc_seg = self._lc[end - w - cur - _TAIL_HOPS : end - cur + lead]
        ref = sliding_window_view(lc_seg, _TAIL_HOPS + lead + 1).max(axis=1)
        act = self._rc[end - w - cur : end - cur]
        if now[cur] >= self.config.bleed_corr_min and int(np.count_nonzero(act)) >= self.min_active:
            d = self._la[end - w : end][act] - ref[act]
            self.gain_db = float(np.median(d))
        elif self.gain_db != self.gain_db:
            self.gain_db = self.config.bleed_max_ratio_db - self.config.bleed_margin_db
