"""The streaming two-party conversation tracker (definitions: :mod:`voicecoach.conversation`)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis.features import Features, RowClock
from ..config import Config, load_config
from ..errors import ParameterError
from ..events import (
    Backchannel,
    Event,
    Interruption,
    MutualSilence,
    Overlap,
    ResponseGap,
    SpeechSegment,
    Turn,
    TurnEndOverlap,
)
from .bleed import BleedGate
from .metrics import summarize

__all__ = ["ConversationState", "ConversationTracker"]

AGENT, CUSTOMER = "agent", "customer"


@dataclass(frozen=True)
class ConversationState:
    """A snapshot for a live display.

    Attributes
    ----------
    t_s : float
        Agent-side time up to which the tracker has decided, s.
    floor : {"agent", "customer"} or None
        Who holds the floor.
    speaking : dict of str to bool
        Whether each party is inside a speech segment (after bleed rejection).
    overlap : tuple of (str, str, float) or None
        ``(by, of, start_s)`` of the overlap in progress.
    interrupting : str or None
        The party whose interruption is in progress.
    turn_s : dict of str to float
        Duration of each party's open turn so far, s (0 without one).
    bleed_delay_s : float or None
        Estimated lag of the far-end copy in the agent microphone, s.
    bleed_status : {"searching", "tracking"}
        State of the bleed estimator.
    """

    t_s: float
    floor: str | None
    speaking: dict[str, bool]
    overlap: tuple[str, str, float] | None
    interrupting: str | None
    turn_s: dict[str, float]
    bleed_delay_s: float | None
    bleed_status: str


_COUNT_HOPS = 2000
_OWN_HOPS = 512
"""Hops of the agent's raw and bleed counts kept (20 s: an intrusion is decided sooner)."""
BACKGROUND_S = 3.0
"""The far end's background level (onset backtrack) is taken over this long, s."""
BACKGROUND_GAP_S = 0.5
"""... leaving out the hops this recent (s), which may hold the onset's own soft start, and
those this soon after the far end's previous segment (its soft ending)."""


_ECHO_MODEL_SNR_DB = 10.0  # the far end speaks: its loudest recent hop this far over its floor
_ECHO_MODEL_ALPHA = 0.05  # weight of each echo-only hop in the echo return's average


class _Party:
    """Per-party segment, turn and intrusion state (hop indices, agent-side time)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.other: _Party = self
        self.reset()

    def reset(self) -> None:
        self.on = False  # inside a speech segment
        self.run = 0  # hysteresis counter
        self.cand_start = 0  # first raw hop of the onset being counted
        self.last_raw = -(10**9)  # last raw-true hop
        self.seg_id = 0
        self.seg_start = 0
        self.seg_end: int | None = None  # end (exclusive hop) of the last closed segment
        self.turn_open = False
        self.turn_id = 0
        self.turn_start = 0
        self.turn_end = 0  # end of the last segment inside the open turn
        self.intr: _Intrusion | None = None


class _Intrusion:
    """A party's speech that started inside the other's turn, not yet classified."""

    __slots__ = ("agent", "awaiting", "copy_until", "frag", "interruption_id", "last_end",
                 "long", "onset", "overlapped", "own_start", "prior")

    def __init__(self, onset: int, agent: bool = False) -> None:
        self.onset = onset
        self.agent = agent  # the agent's: its microphone's hops are judged (_last_speech)
        self.awaiting = False  # its segment ended during the floor holder's pause
        self.last_end = onset
        self.long = False  # longer than backchannel_max_s: it opened a turn
        self.overlapped = False
        self.interruption_id = 0
        self.copy_until: int | None = None  # judged mostly the far end's copy up to this hop
        # its first raw hop not echo-suspect (its length against backchannel_max_s counts
        # from there); None while every raw hop so far was echo-suspect
        self.own_start: int | None = None
        # resumed within retract_gap_s (retract_join_by_speech): its length so far (hops) and
        # the first hop of the utterance that goes on
        self.prior = 0
        self.frag: int | None = None


class _Overlap:
    __slots__ = ("by", "id", "interruption", "of", "start")

    def __init__(self, id: int, start: int, by: _Party, of: _Party) -> None:
        self.id = id
        self.start = start
        self.by = by
        self.of = of
        self.interruption: _Intrusion | None = None


class ConversationTracker:
    """Streaming conversation tracker over the two parties' per-hop features.

    Parameters
    ----------
    config : Config, optional
        Defaults to :func:`voicecoach.config.load_config`; section ``[conversation]`` and
        ``[analysis]`` for the hop.
    telephone_agent : bool, optional
        The agent channel carries telephone-band audio (the call pipeline passes its pitch
        tracker's harmonic check): its onsets get the level backtrack of
        ``[conversation] agent_onset_backtrack_s``. Default False (off).

    Notes
    -----
    Feed :meth:`process` equal-length blocks of consecutive rows of the agent microphone and
    the far end. The output does not depend on how the stream is cut into blocks. Times in
    events are agent-side times, s; ``decided_s`` is the stream time (end of the newest hop
    fed) at which an event was emitted.

    Examples
    --------
    >>> from voicecoach.conversation import ConversationTracker
    >>> tracker = ConversationTracker()
    >>> # events = tracker.process(agent_rows, customer_rows)   # Features of equal length
    """

    def __init__(self, config: Config | None = None, *, telephone_agent: bool = False) -> None:
        self.config = config if config is not None else load_config()
        c = self.config.conversation
        a = self.config.analysis
        self.hop_s = a.hop_s
        self._hop_size = a.hop_size
        self._sr = a.sample_rate
        self._on_hops = max(1, round(c.speech_onset_s / a.hop_s))
        self._on_echo_hops = max(self._on_hops, round(c.speech_onset_echo_s / a.hop_s))
        self._copy_ratio_db = c.bleed_copy_max_ratio_db
        self._off_hops = max(1, round(c.speech_hangover_s / a.hop_s))
        self._off_dt_hops = (max(1, round(c.double_talk_hangover_s / a.hop_s))
                             if c.double_talk_hangover_s > 0 else self._off_hops)
        self._dt_after_hops = round(c.double_talk_hangover_after_s / a.hop_s)
        self._dt_mic_db = c.double_talk_hangover_mic_db
        self._dt_on = c.double_talk_hangover_s > 0.0
        self._bt_hops = max(0, round(c.far_onset_backtrack_s / a.hop_s))
        self._bt_db = c.far_onset_backtrack_db
        self._bt_gap_hops = max(0, round(c.far_onset_backtrack_gap_s / a.hop_s))
        self._pad_hops = max(0, round(c.agent_onset_pad_s / a.hop_s))
        self.telephone_agent = bool(telephone_agent)
        self._abt_hops = (max(0, round(c.agent_onset_backtrack_s / a.hop_s))
                          if telephone_agent else 0)
        self._abt_db = c.agent_onset_backtrack_db
        self._bg_hops = max(1, round(BACKGROUND_S / a.hop_s))
        self._bg_recent_hops = round(BACKGROUND_GAP_S / a.hop_s)
        self._onset_gap_hops = max(0, round(c.speech_onset_gap_s / a.hop_s))
        h = a.hop_s

        def hops(s: float) -> int:
            return round(s / h)

        lc = self.config.echo.linear_check_db
        self._linear_db = lc if lc > 0 else math.inf
        self._dec_hops = hops(max(c.min_overlap_s, c.turn_end_s))
        self._bridge_hops = hops(c.decision_bridge_s)
        self._bc_hops = hops(c.backchannel_max_s)
        self._sim_hops = hops(c.simultaneous_start_s)
        self._gap_hops = max(1, hops(c.turn_gap_s))
        self._retract_hops = max(1, hops(c.retract_gap_s))
        self._join_speech = c.retract_join_by_speech
        self._join_hops = hops(c.far_intrusion_join_s)
        self._retract_on_silence = c.retract_if_other_stopped
        self._hold_decided = c.hold_decided_interruptions
        self._ms_hops = hops(c.mutual_silence_s)
        self._delay_hops = hops(c.far_delay_s)
        self._max_bleed = c.intrusion_max_bleed_fraction
        self._suspect_db = c.echo_suspect_max_ratio_db
        self._suspect_on = self._suspect_db > -120.0
        self._snr_db = c.intrusion_min_snr_db
        self._drop_db = c.intrusion_max_drop_db
        self._speech_on = self._snr_db > 0.0 or self._drop_db > 0.0
        self._gate = BleedGate(c, h)
        self._coherence_min = c.bleed_copy_coherence_min
        self._dt_ref_hops = self._gate.lookback_hops  # where the echo of a far-end hop may lie
        self._agent = _Party(AGENT)
        self._cust = _Party(CUSTOMER)
        self._agent.other, self._cust.other = self._cust, self._agent
        self._clock = RowClock(self.hop_s, "the tracker")
        self.reset()

    # ------------------------------------------------------------------ public API

    def reset(self) -> None:
        """Return to the just-constructed state."""
        self._gate.reset()
        self._agent.reset()
        self._cust.reset()
        self._clock.reset()  # the next block may start anywhere
        self._k = -1  # newest aligned hop processed
        self._pending: deque[tuple[float, float, bool, float, bool, float, float, float]] = (
            deque())
        # the double-talk hangover's echo model: recent far-end levels and the echo return
        # (microphone minus the loudest recent far-end hop, dB, averaged over echo-only hops)
        self._far_recent: deque[float] = deque(maxlen=self._dt_ref_hops)
        self._erl_db = math.nan
        self._mic_more = False  # this hop's microphone is louder than the echo model
        self._ids = 0
        self._floor: _Party | None = None
        self._ov: _Overlap | None = None
        self._last_turn: tuple[str, int] | None = None  # (party, end) of the last closed turn
        self._silence_start: int | None = None
        self._silence_id = 0
        self._history: list[Event] = []
        self._bleed_hops = 0
        self._agent_raw_hops = 0
        # (agent raw hops, of which bleed) counted through each recent hop, newest last
        self._agent_counts: deque[tuple[int, int]] = deque(maxlen=_COUNT_HOPS)
        # recent agent raw hops that were not echo-suspect (echo_suspect_max_ratio_db)
        self._own_hops: deque[int] = deque(maxlen=_OWN_HOPS)
        # recent agent raw hops (not bleed) at least intrusion_min_snr_db over the floor:
        # (hop, level dB, judged by level: the canceller had not taken over), see _last_speech
        self._speech_hops: deque[tuple[int, float, bool]] = deque(maxlen=_OWN_HOPS)
        self._retract: tuple[int, int, int, _Party] | None = None  # see _check_retraction
        self._retract_it: _Intrusion | None = None  # its intrusion (retract_join_by_speech)
        self._held: tuple[_Party, int] | None = None  # the floor holder's pause, see _segment_end
        self._ihold: tuple[_Party, int] | None = None  # the customer intruder's pause
        # far-end hop levels (dB), newest last, and those of its non-speech hops (_backtrack)
        self._far_db: deque[float] = deque(maxlen=self._bt_hops + 64)
        self._far_bg_db: deque[float] = deque(maxlen=self._bg_hops)
        self._far_bg_k: deque[int] = deque(maxlen=self._bg_hops)
        # the agent's hops judged the far end's copy (bleed or echo), newest last (_pad_agent)
        self._ag_copy: deque[bool] = deque(maxlen=self._pad_hops + 64)
        # the agent's hop levels (dB) and whether a backtrack may cross each (the canceller
        # holds no uncancelled echo there), newest last, and its non-speech hop levels
        # (_backtrack_agent)
        self._ag_db: deque[float] = deque(maxlen=self._abt_hops + 64)
        self._ag_ok: deque[bool] = deque(maxlen=self._abt_hops + 64)
        self._ag_bg_db: deque[float] = deque(maxlen=self._bg_hops)
        self._ag_bg_k: deque[int] = deque(maxlen=self._bg_hops)
        self._out: list[Event] = []
        self._finished = False

    def process(
        self, agent: Features, customer: Features, *, cancelled: np.ndarray | None = None,
        echo_drop: np.ndarray | None = None, mic_db: np.ndarray | None = None,
        coherence: np.ndarray | None = None,
    ) -> list[Event]:
        """Track one block of rows of both parties.

        Parameters
        ----------
        agent, customer : Features
            Consecutive rows (any number, the same for both, with equal ``t_s``) of the agent
            microphone and of the far end.
        cancelled : np.ndarray, shape (n_hops,), bool, optional
            Per agent row: the microphone went through an echo canceller that holds no
            uncancelled echo there (converged, no echo present, or bypassed: see
            :class:`voicecoach.analysis.echo.EchoHops`). On those rows the bleed gate only
            keeps its delay estimate up to date and never rejects agent speech: whatever the
            far end does, double talk stays the agent's. None (no canceller): the bleed gate
            judges every row.
        echo_drop : np.ndarray, shape (n_hops,), float, optional
            Per agent row: how much the echo canceller's linear check lowered the hop, dB
            (:attr:`voicecoach.analysis.echo.EchoHops.linear_drop_db`; NaN where it did not
            run). A raw agent hop lowered by ``[echo] linear_check_db`` or more, on a row not
            ``cancelled``, is the far end's copy.
        mic_db : np.ndarray, shape (n_hops,), float, optional
            Per agent row: the microphone's level before the echo canceller, dBFS
            (:attr:`voicecoach.analysis.echo.EchoHops.mic_db`): the evidence of
            ``[conversation] double_talk_hangover_s`` (without it that hangover never applies).
        coherence : np.ndarray, shape (n_hops,), float, optional
            Per agent row: the microphone's coherence with the far end
            (:attr:`voicecoach.analysis.echo.EchoHops.coherence`, NaN while unknown). Where it
            is known and under ``[conversation] bleed_copy_coherence_min``, the microphone
            holds no copy of the far end: the bleed gate's copy rule and the echo's early
            window do not apply. None: they apply as without a canceller.

        Returns
        -------
        list of Event
            Events decided in this block, in decision order. Open events (``end_s`` None)
            are re-emitted closed with the same ``id``.

        Raises
        ------
        ParameterError
            For blocks of different lengths or times, or rows that do not follow the
            previous block, or after :meth:`finish` (call :meth:`reset` first).
        """
        if self._finished:
            raise ParameterError(
                "this tracker has finished (finish() closed its events); call reset() before "
                "feeding another call"
            )
        n = len(agent)
        if len(customer) != n:
            raise ParameterError(
                f"agent and customer blocks must have the same number of rows, got {n} and "
                f"{len(customer)}; feed both channels of the same hops together"
            )
        if n == 0:
            return []
        if not agent.same_times(customer):
            raise ParameterError(
                "agent and customer rows have different t_s; feed rows of the same hops "
                "(both analyzers must start together)"
            )
        for name, v in (("cancelled", cancelled), ("echo_drop", echo_drop), ("mic_db", mic_db),
                        ("coherence", coherence)):
            if v is not None and len(v) != n:  # checked before any state moves on
                raise ParameterError(
                    f"{name} has {len(v)} values for {n} rows; give one per agent row"
                )
        self._clock.check(agent.t_s)
        self._out = out = []
        la = agent.loudness_db.tolist()
        fa = agent.noise_floor_db.tolist()
        ra = agent.vad_raw.tolist()
        f0a = agent.f0_hz.tolist()
        lc = customer.loudness_db.tolist()
        fc = customer.noise_floor_db.tolist()
        rc = customer.vad_raw.tolist()
        f0c = customer.f0_hz.tolist()
        if cancelled is None:
            ca = [False] * n
        elif len(cancelled) != n:
            raise ParameterError(
                f"cancelled has {len(cancelled)} values for {n} rows; give one per agent row"
            )
        else:
            ca = np.asarray(cancelled, bool).tolist()
        dr = [math.nan] * n if echo_drop is None else np.asarray(echo_drop, float).tolist()
        md = [math.nan] * n if mic_db is None else np.asarray(mic_db, float).tolist()
        co = [math.nan] * n if coherence is None else np.asarray(coherence, float).tolist()
        co_min = self._coherence_min
        d = self._delay_hops
        pending = self._pending
        for i in range(n):
            if d:
                # hold the agent back d hops: agent row t pairs with far-end row t + d
                pending.append((la[i], fa[i], ra[i], f0a[i], ca[i], dr[i], md[i], co[i]))
                if len(pending) <= d:
                    continue
                a_db, a_floor, a_raw, a_f0, a_clean, a_drop, a_mic, a_coh = pending.popleft()
            else:
                a_db, a_floor, a_raw, a_f0, a_clean, a_drop, a_mic, a_coh = (
                    la[i], fa[i], ra[i], f0a[i], ca[i], dr[i], md[i], co[i])
            if self._dt_on:
                self._echo_model(a_mic, a_raw, lc[i], fc[i], c_raw_i=rc[i])
            c_raw = rc[i]
            # no copy of the far end in the microphone (known, incoherent): no copy rule
            self._gate.copy_allowed = not a_coh < co_min  # NaN: unknown, allowed
            bleed = self._gate.step(a_db, a_floor, a_raw, a_f0, lc[i], fc[i], c_raw, f0c[i])
            # the echo canceller's linear check explains the hop by the far end
            bleed = (bleed or (a_raw and a_drop >= self._linear_db)) and not a_clean
            if a_raw and not bleed:
                if not (self._suspect_on and not a_clean
                        and self._gate.echo_suspect(a_db, a_f0, self._suspect_db)):
                    self._own_hops.append(self._k + 1)
                if self._speech_on and a_db - a_floor >= self._snr_db:
                    self._speech_hops.append((self._k + 1, a_db, not a_clean))
            if a_raw:
                self._agent_raw_hops += 1
                if bleed:
                    self._bleed_hops += 1
            self._agent_counts.append((self._agent_raw_hops, self._bleed_hops))
            if self._pad_hops:
                self._ag_copy.append(a_raw and bleed)
            if self._abt_hops:
                self._ag_db.append(a_db)
                self._ag_ok.append(a_clean)  # no uncancelled echo: nothing of the far end
                ae = self._agent.seg_end
                if not a_raw and not self._agent.on and (
                    ae is None or self._k + 1 - ae >= self._bg_recent_hops
                ):
                    self._ag_bg_db.append(a_db)
                    self._ag_bg_k.append(self._k + 1)
            if self._bt_hops:
                self._far_db.append(lc[i])
                ce = self._cust.seg_end
                if not c_raw and not self._cust.on and (
                    ce is None or self._k + 1 - ce >= self._bg_recent_hops
                ):
                    self._far_bg_db.append(lc[i])
                    self._far_bg_k.append(self._k + 1)
            # the echo's early window (the canceller has not taken over, the far end is in its
            # first bleed_copy_far_s of speech): a copy-like hop (unvoiced, or at a far-end F0)
            # opens the agent's segment only after speech_onset_echo_s
            early = (not a_clean and self._gate.in_copy_window and (
                a_f0 != a_f0 or self._gate.echo_suspect(a_db, a_f0, self._copy_ratio_db)))
            self._step(a_raw and not bleed, c_raw, early)
        self._history.extend(out)
        return out

    def finish(self) -> list[Event]:
        """Close everything still open at the end of the stream (idempotent).

        Speech segments end at their last raw hop (the floor holder's last when both speak),
        which closes an overlap or interruption in progress and classifies a pending
        intrusion (a short one is a backchannel); then open turns end at their last speech
        and a mutual silence in progress ends with the stream. Live sessions and review call
        this once, through :meth:`voicecoach.pipeline.CallAnalyzer.finish`, so both close
        the same events at the same times.

        Returns
        -------
        list of Event
            The closing events, in decision order (``decided_s`` is the stream end).
        """
        if self._finished:
            return []
        self._finished = True
        self._out = out = []
        ag, cu = self._agent, self._cust
        if self._held is not None:
            self._release_hold(other_on=self._held[0].other.on)
        if self._ihold is not None:
            self._release_ihold()
        ends = [p for p in (ag, cu) if p.on]
        if len(ends) == 2 and ends[0] is self._floor:
            ends.reverse()  # the floor holder stops last
        for p in ends:
            p.on = False
            p.run = 0
            self._segment_end(p)
        if self._retract is not None:  # the interrupter did not speak again: retract
            self._check_retraction(at_end=True)
        for p in (ag, cu):
            if p.intr is not None and p.intr.awaiting:
                self._resolve_awaiting(p)
        for p in (ag, cu):
            if p.turn_open:
                self._close_turn(p, p.turn_end)
        if self._silence_id and self._silence_start is not None:
            self._emit(MutualSilence(self._t(self._silence_start), self._t(self._k + 1),
                                     self._decided(), id=self._silence_id))
            self._silence_id = 0
        self._history.extend(out)
        return out

    @property
    def bleed_delay_s(self) -> float | None:
        """Estimated lag of the far-end copy in the agent microphone, s (None if unknown)."""
        return self._gate.delay_s

    @property
    def state(self) -> ConversationState:
        """Who holds the floor, who speaks, the overlap in progress and open turn lengths."""
        k1 = self._k + 1
        ov = self._ov
        inter = None
        for p in (self._agent, self._cust):
            if p.intr is not None and p.intr.interruption_id:
                inter = p.name
        return ConversationState(
            t_s=self._t(k1),
            floor=None if self._floor is None else self._floor.name,
            speaking={AGENT: self._agent.on, CUSTOMER: self._cust.on},
            overlap=None if ov is None else (ov.by.name, ov.of.name, self._t(ov.start)),
            interrupting=inter,
            turn_s={
                p.name: (k1 - p.turn_start) * self.hop_s if p.turn_open else 0.0
                for p in (self._agent, self._cust)
            },
            bleed_delay_s=self._gate.delay_s,
            bleed_status=self._gate.status,
        )

    @property
    def events(self) -> list[Event]:
        """Every event emitted since the last :meth:`reset`, in decision order."""
        return list(self._history)

    def summary(self) -> dict[str, Any]:
        """Conversation metrics so far (see :func:`voicecoach.conversation.summarize`).

        Adds ``conversation.bleed`` with the delay estimate (``delay_s``), the envelope
        correlation at it, the gain (dB, bleed level minus far-end level), the estimator
        status and the fraction of the agent's raw speech hops rejected as bleed.

        Returns
        -------
        dict
            ``{"agent": {...}, "customer": {...}, "conversation": {...}}`` as
            :func:`voicecoach.conversation.summarize`, with ``conversation.bleed``.
        """
        out = summarize(self._history, self._t(self._k + 1), self.config)
        g = self._gate
        out["conversation"]["bleed"] = {
            "delay_s": None if g.delay_s is None else round(g.delay_s, 3),
            "corr": None if g.corr != g.corr else round(g.corr, 3),
            "gain_db": None if g.gain_db != g.gain_db else round(g.gain_db, 1),
            "status": g.status,
            "rejected_fraction": round(self._bleed_hops / self._agent_raw_hops, 4)
            if self._agent_raw_hops
            else 0.0,
        }
        return out

    # ------------------------------------------------------------------ internals

    def _echo_model(self, mic_db: float, a_raw: bool, far_db: float, far_floor_db: float,
                    c_raw_i: bool) -> None:
        """Update the double-talk hangover's echo model with one hop and decide whether the
        microphone holds more than the far end's echo (``_mic_more``).

        The echo's level in the microphone is predicted as the loudest far-end hop of the
        last ``_dt_ref_hops`` (the bleed gate's lag range and reverberation tail) plus the
        echo return, a running average of microphone minus that reference over hops where
        the far end speaks and the agent does not (neither its segment nor its raw VAD)."""
        self._far_recent.append(far_db)
        ref = max(self._far_recent)
        far_on = ref - far_floor_db >= _ECHO_MODEL_SNR_DB
        if mic_db != mic_db or not far_on:
            self._mic_more = False
            return
        if not a_raw and not self._agent.on and c_raw_i:
            e = mic_db - ref
            self._erl_db = e if self._erl_db != self._erl_db else (
                self._erl_db + _ECHO_MODEL_ALPHA * (e - self._erl_db))
        self._mic_more = (self._erl_db == self._erl_db
                          and mic_db >= ref + self._erl_db + self._dt_mic_db)

    def _t(self, k: int) -> float:
        return (k * self._hop_size) / self._sr

    def _new_id(self) -> int:
        self._ids += 1
        return self._ids

    def _emit(self, ev: Event) -> None:
        self._out.append(ev)

    def _decided(self) -> float:
        return self._t(self._k + 1 + self._delay_hops)

    def _step(self, raw_a: bool, raw_c: bool, early_a: bool = False) -> None:
        """One aligned hop: hysteresis, then offsets, onsets and pending decisions.
        ``early_a``: the agent hop lies in the echo's early window (see ``process``), where
        its onset needs ``speech_onset_echo_s`` of raw hops."""
        self._k = k = self._k + 1
        ag, cu = self._agent, self._cust
        ends: list[_Party] = []
        starts: list[_Party] = []
        for p, r in ((ag, raw_a), (cu, raw_c)):
            need = self._on_echo_hops if early_a and p is ag else self._on_hops
            if p.on:
                if r:
                    p.run = 0
                else:
                    p.run += 1
                    # the agent's run over the customer's speech, while the microphone
                    # holds more than the far end's echo (the canceller sank the agent's
                    # syllables; an agent who stopped leaves the echo alone)
                    off = (self._off_dt_hops if p is ag and cu.on and self._mic_more
                           and p.last_raw + 1 - p.seg_start >= self._dt_after_hops
                           else self._off_hops)
                    if p.run >= off:
                        p.on = False
                        p.run = 0
                        ends.append(p)
            elif r:
                # onset: speech_onset_s of raw hops, gaps up to speech_onset_gap_s allowed (the
                # closure of a word-initial stop consonant); the onset is the first raw hop
                if k - p.last_raw > self._onset_gap_hops + 1:
                    p.run = 0
                    p.cand_start = k
                p.run += 1
                if p.run >= need:
                    p.on = True
                    p.run = 0
                    starts.append(p)
            if r:
                p.last_raw = k
        if len(ends) == 2 and ends[0] is self._floor:
            ends.reverse()  # simultaneous stops: the floor holder stops last
        for p in ends:
            self._segment_end(p)
        for p in starts:
            start = p.cand_start
            if p is cu and self._bt_hops:
                start = self._backtrack(start)
            elif p is ag and (self._pad_hops or self._abt_hops):
                padded = self._pad_agent(start) if self._pad_hops else start
                start = min(padded, self._backtrack_agent(start)) if self._abt_hops else padded
            held = self._held
            if held is not None and held[0] is p and start - held[1] >= self._gap_hops:
                # (only after the longer wait below) the holder's pause did reach turn_gap_s
                self._release_hold(other_on=p.other.on)
            self._segment_start(p, start)
        wait = self._gap_hops
        if self._held is not None and self._held[0] is cu and self._retract is not None \
                and self._retract[3] is ag:
            # the agent stopped in the customer's pause after interrupting it: whether the
            # customer resumed within turn_gap_s is known once its onset could be backtracked
            wait += self._bt_hops
        if self._held is not None and k + 1 - self._held[1] >= wait:
            h, h_end = self._held
            resuming = (h.run > 0 and k - h.last_raw <= self._onset_gap_hops + 1
                        and h.cand_start < h_end + wait)
            if not resuming:  # (an onset that began within turn_gap_s is still being counted)
                self._release_hold(other_on=h.other.on)  # the holder's pause reached turn_gap_s
        if self._ihold is not None and k + 1 - self._ihold[1] >= self._join_hops:
            h, h_end = self._ihold
            resuming = (h.run > 0 and k - h.last_raw <= self._onset_gap_hops + 1
                        and h.cand_start < h_end + self._join_hops)
            if not resuming:
                self._release_ihold()  # the customer stayed silent far_intrusion_join_s
        if self._retract is not None:
            self._check_retraction()
        if ag.on and cu.on and self._ov is None:
            self._maybe_open_overlap()
        for p in (ag, cu):
            if p.intr is not None:
                self._check_intrusion(p)
        for p in (ag, cu):
            held = self._held is not None and self._held[0] is p
            if p.turn_open and not p.on and not held and k + 1 - p.turn_end >= self._gap_hops:
                self._close_turn(p, p.turn_end)
        silent = not ag.on and not cu.on and self._silence_start is not None
        if silent and not self._silence_id and k + 1 - self._silence_start > self._ms_hops:
            self._silence_id = self._new_id()
            self._emit(MutualSilence(self._t(self._silence_start), None, self._decided(),
                                     id=self._silence_id))

    # segments ---------------------------------------------------------------

    def _backtrack(self, start: int) -> int:
        """The far end's onset moved back over the loud hops just before ``start``.

        At most ``far_onset_backtrack_s``, through hops ``far_onset_backtrack_db`` over the far
        end's background (the 90th percentile of its non-speech hop levels in the
        :data:`BACKGROUND_S` before, leaving out the last :data:`BACKGROUND_GAP_S` and the
        :data:`BACKGROUND_GAP_S` after its previous segment, which hold soft speech), never into
        its previous segment: the low-threshold backtrack of the classic endpointers (a soft
        first sound or a fricative that the VAD scores late). Noise on the line (babble) sets a
        high background and stops it. With ``far_onset_backtrack_gap_s`` it also crosses a dip
        of at most that long under the threshold (a closure after a short first sound) when a
        hop over it lies before the dip, within the same limits.
        """
        return self._walk_back(start, self._far_db, None, self._far_bg_db, self._far_bg_k,
                               self._cust, self._bt_hops, self._bt_db)

    def _backtrack_agent(self, start: int) -> int:
        """The agent's onset moved back over the loud hops just before ``start``.

        As the far end's (:meth:`_backtrack`), with ``agent_onset_backtrack_s`` and
        ``agent_onset_backtrack_db`` over the agent's own background, and only over hops
        where the echo canceller holds no uncancelled echo (a copy of the far end could
        otherwise be taken for the agent's first sound): telephone-band agent channels only,
        where a line sinks a soft first sound under the speech detector's conditions.
        """
        return self._walk_back(start, self._ag_db, self._ag_ok, self._ag_bg_db, self._ag_bg_k,
                               self._agent, self._abt_hops, self._abt_db)

    def _walk_back(self, start: int, buf: deque[float], ok: deque[bool] | None,
                   bg_db: deque[float], bg_k: deque[int], p: _Party, max_hops: int,
                   margin_db: float) -> int:
        """``start`` moved back over the hops of ``buf`` (levels, dB, newest last) that are
        ``margin_db`` over the 90th percentile of the background levels ``bg_db`` (hops
        ``bg_k``) heard before the last :data:`BACKGROUND_GAP_S`, at most ``max_hops``,
        never into ``p``'s previous segment nor over a hop whose ``ok`` is false, across a dip
        of at most ``far_onset_backtrack_gap_s`` when a hop over the margin lies before it."""
        old = self._k + 1 - self._bg_recent_hops
        bg = [d for d, k in zip(bg_db, bg_k, strict=True) if k < old]
        if len(bg) < self._bg_hops // 4:
            return start  # too little background heard to judge
        thr_db = float(np.percentile(bg, 90)) + margin_db
        first = self._k + 1 - len(buf)  # hop index of buf[0]
        prev_end = p.seg_end if p.seg_end is not None else 0
        lo = max(start - max_hops, prev_end, first)
        if ok is not None:  # never over a hop that may hold the far end's copy
            j = start
            while j > lo and ok[j - 1 - first]:
                j -= 1
            lo = j
        j = start
        while True:
            while j > lo and buf[j - 1 - first] > thr_db:
                j -= 1
            # a dip of at most gap hops before j (hops j - 1 down to h + 1), then hop h over the
            # threshold: walk on from there
            low = max(lo, j - 1 - self._bt_gap_hops)
            h = j - 1
            while h >= low and buf[h - first] <= thr_db:
                h -= 1
            if not self._bt_gap_hops or h < low:
                return j
            j = h + 1

    def _pad_agent(self, start: int) -> int:
        """The agent's onset moved back ``agent_onset_pad_s`` before ``start``.

        Never into its previous segment, nor over a hop judged the far end's copy (bleed or
        echo): the speech pad of Silero's own timestamps (30 ms), for onsets that the
        detector, and in double talk the canceller's suppressor, score a few hops late.
        """
        buf = self._ag_copy
        first = self._k + 1 - len(buf)  # hop index of buf[0]
        prev_end = self._agent.seg_end if self._agent.seg_end is not None else 0
        lo = max(start - self._pad_hops, prev_end, first)
        j = start
        while j > lo and not buf[j - 1 - first]:
            j -= 1
        return j

    def _segment_start(self, p: _Party, start: int) -> None:
        p.seg_id = self._new_id()
        p.seg_start = start
        self._emit(SpeechSegment(self._t(start), None, self._decided(), id=p.seg_id,
                                 party=p.name))
        if self._silence_start is not None:
            if self._silence_id:
                self._emit(MutualSilence(self._t(self._silence_start), self._t(start),
                                         self._decided(), id=self._silence_id))
            self._silence_start = None
            self._silence_id = 0
        o = p.other
        if self._held is not None and self._held[0] is p:
            self._held = None  # the floor holder speaks again within turn_gap_s: its turn goes on
        if self._ihold is not None and self._ihold[0] is p:
            self._ihold = None  # the customer speaks again within far_intrusion_join_s: the same
            return  # intrusion, and its overlap, go on
        rt = self._retract
        if rt is not None and rt[3] is p and not o.on and self._retract_on_silence:
            # the interrupted party stopped before the interrupter spoke again: it spoke to
            # its end, so the short intrusion was a (long) backchannel, and this is new speech
            self._check_retraction(at_end=True)
            rt = None
        if rt is not None and rt[3] is p:
            self._retract = None
            it = self._retract_it
            if (self._join_speech and o.on and o.last_raw >= start and it is not None
                    and it.interruption_id == rt[0]):
                # an interrupter speaking again within retract_gap_s while the other still
                # speaks: the same intrusion goes on, measured by its speech (the pause not
                # counted) against backchannel_max_s (two short words are a backchannel)
                it.prior = self._span(it, rt[2])
                it.frag = start
                p.intr = it
                return
            # an interrupter speaking again within retract_gap_s over the other: its
            # interruption stands, and this is its own turn going on (opened at its onset)
            self._emit(Interruption(self._t(rt[1]), self._t(rt[2]), self._decided(), id=rt[0],
                                    by=p.name, of=o.name, confirmed=True))
            if not p.turn_open:
                self._open_turn(p, rt[1], respond=False)
            return
        if p.intr is not None and p.intr.awaiting:
            p.intr.awaiting = False  # the intruder goes on: still the same intrusion
            return
        if o.intr is not None and o.intr.awaiting and self._floor is p:
            # the other spoke during our pause and stopped; we resume: we kept the floor
            self._resolve_awaiting(o)
        if self._floor is None:
            self._open_turn(p, start, respond=True)
        elif self._floor is p or p.turn_open:
            if p.turn_open:
                return  # our own turn goes on
            self._open_turn(p, start, respond=True)  # pragma: no cover - floor implies turn
        elif start - o.turn_start < self._sim_hops:
            self._open_turn(p, start, respond=False)  # simultaneous start: no intrusion
        else:
            p.intr = it = _Intrusion(start, agent=p is self._agent)
            if p is self._cust or not self._suspect_on:
                it.own_start = start

    def _segment_end(self, p: _Party) -> None:
        end = p.last_raw + 1
        p.seg_end = end
        self._emit(SpeechSegment(self._t(p.seg_start), self._t(end), self._decided(),
                                 id=p.seg_id, party=p.name))
        o = p.other
        if p.turn_open:
            p.turn_end = end
        held = self._held
        if held is not None and held[0] is not p:
            if self._intruder_stops_in_pause(p, end):
                return
            self._release_hold(other_on=True)  # the intruder stops after the holder's pause
        if self._ihold is not None and self._ihold[0] is not p:
            self._release_ihold()  # the floor holder stops during the intruder's pause
        ov = self._ov
        it = p.intr
        if (self._join_hops and p is self._cust and ov is not None and ov.by is p
                and ov.interruption is None and it is not None and not it.long and o.on):
            # the customer pauses inside the agent's turn, the agent going on: a backchannel,
            # or a pause after its first words (known after far_intrusion_join_s); the overlap
            # stays open. (Not the agent: its microphone's fragments of bleed, residual echo
            # or noise would be welded to its speech.)
            self._ihold = (p, end)
            return
        if (ov is not None and ov.of is p and o.on and o.intr is not None and p.turn_open
                and (ov.interruption is None
                     or (self._hold_decided and ov.interruption is o.intr and not o.intr.long))):
            # the floor holder pauses while the intruder goes on: whether its turn ends is
            # known only after turn_gap_s; if it speaks again sooner, the overlap goes on (and
            # an interruption already decided may still prove a long backchannel)
            self._held = (p, end)
            return
        self._classify_end(p, end, o.on)

    def _intruder_stops_in_pause(self, b: _Party, end: int) -> bool:
        """The intruder ``b`` stops (at ``end``) during the floor holder's held pause after its
        interruption was decided, within ``backchannel_max_s``: the overlap ends at the holder's
        pause and the interruption waits, like one whose interrupter stopped first, for
        ``retract_gap_s`` of ``b``'s silence; the holder speaking again within ``turn_gap_s``
        keeps its turn (a long backchannel), its pause reaching ``turn_gap_s`` gives way
        (:meth:`_release_hold` confirms the interruption). Returns whether it applied."""
        ov = self._ov
        held = self._held
        it = b.intr
        if (not self._hold_decided or held is None or ov is None or ov.by is not b
                or it is None or ov.interruption is not it or it.long
                or self._span(it, end) > self._bc_hops):
            return False
        a, a_end = held
        self._ov = None
        self._emit(Overlap(self._t(ov.start), self._t(a_end), self._decided(), id=ov.id,
                           by=b.name, of=a.name))
        self._emit(Interruption(self._t(it.onset), self._t(a_end), self._decided(),
                                id=it.interruption_id, by=b.name, of=a.name, confirmed=False))
        self._retract = (it.interruption_id, it.onset, end, b)
        self._retract_it = None
        b.intr = None
        self._silence_start = end
        return True

    def _release_hold(self, *, other_on: bool) -> None:
        """Classify the held pause of the floor holder as the end of its speech."""
        assert self._held is not None
        p, end = self._held
        self._held = None
        rt = self._retract
        if rt is not None and rt[3] is p.other:
            # the interrupter stopped in this pause and the holder did not speak again within
            # turn_gap_s: it gave way, and the interruption stands
            self._retract = None
            b = rt[3]
            self._emit(Interruption(self._t(rt[1]), self._t(end), self._decided(), id=rt[0],
                                    by=b.name, of=p.name, confirmed=True))
            if not b.turn_open:
                self._open_turn(b, rt[1], respond=False)
                b.turn_end = rt[2]
        self._classify_end(p, end, other_on)

    def _release_ihold(self) -> None:
        """Classify the held pause of the intruder as the end of its speech (the floor holder
        was speaking when it stopped)."""
        assert self._ihold is not None
        p, end = self._ihold
        self._ihold = None
        self._classify_end(p, end, True)

    def _classify_end(self, p: _Party, end: int, o_on: bool) -> None:
        """Close the overlap and classify the intrusions at ``p``'s end of speech ``end``
        (``o_on``: the other party was still speaking then)."""
        o = p.other
        ov = self._ov
        if ov is not None:
            self._ov = None
            self._emit(Overlap(self._t(ov.start), self._t(end), self._decided(), id=ov.id,
                               by=ov.by.name, of=ov.of.name))
            it = ov.interruption
            if it is not None:
                pending = (p is ov.by and o_on and not it.long
                           and self._span(it, end) <= self._bc_hops)
                self._emit(Interruption(self._t(it.onset), self._t(end), self._decided(),
                                        id=it.interruption_id, by=ov.by.name, of=ov.of.name,
                                        confirmed=not pending))
                if pending:
                    # the intruder stops first, briefly, the other still speaking: a
                    # backchannel unless it speaks again within retract_gap_s (_check_retraction)
                    self._retract = (it.interruption_id, it.onset, end, p)
                    self._retract_it = it
                elif p is ov.of and not ov.by.turn_open:
                    # the interrupted party gave way: the floor passes to the interrupter
                    self._open_turn(ov.by, it.onset, respond=False)
                ov.by.intr = None
        if not o_on:
            self._silence_start = max(end, o.seg_end if o.seg_end is not None else end)
        # the intruder stops
        it = p.intr
        if it is not None:
            it.last_end = end
            if o_on:
                if not it.long and self._span(it, end) <= self._bc_hops:
                    self._emit(Backchannel(self._t(it.onset), self._t(end), self._decided(),
                                           by=p.name, of=o.name))
                p.intr = None
            else:
                it.awaiting = True
            return
        # the floor holder (or a contender) stops while the other goes on
        if o_on:
            it = o.intr
            if it is not None and it.overlapped:
                self._emit(TurnEndOverlap(self._t(it.onset), self._t(end), self._decided(),
                                          by=o.name, of=p.name))
                o.intr = None
                if p.turn_open:
                    self._close_turn(p, end)
                if not o.turn_open:
                    self._open_turn(o, it.onset, respond=True)
            elif it is None and o.turn_open and p.turn_open:
                self._close_turn(p, end)  # outlasted: the floor passes

    # turns ------------------------------------------------------------------

    def _open_turn(self, p: _Party, start: int, *, respond: bool) -> None:
        p.turn_open = True
        p.turn_id = self._new_id()
        p.turn_start = start
        p.turn_end = start
        self._emit(Turn(self._t(start), None, self._decided(), id=p.turn_id, party=p.name))
        if self._floor is None:
            self._floor = p
        last = self._last_turn
        if respond and last is not None and last[0] == p.other.name:
            gap = start - last[1]
            self._emit(ResponseGap(self._t(min(start, last[1])), self._t(max(start, last[1])),
                                   self._decided(), party=p.name, after=last[0],
                                   gap_s=gap * self.hop_s))
            self._last_turn = None

    def _close_turn(self, p: _Party, end: int) -> None:
        p.turn_open = False
        self._emit(Turn(self._t(p.turn_start), self._t(end), self._decided(), id=p.turn_id,
                        party=p.name))
        self._last_turn = (p.name, end)
        o = p.other
        if self._floor is p:
            self._floor = o if o.turn_open else None
        it = o.intr
        if it is not None and not it.interruption_id:
            # the floor holder is gone: the other's pending speech becomes its turn
            o.intr = None
            if not o.turn_open:
                self._open_turn(o, it.onset, respond=True)
                if not o.on:
                    o.turn_end = it.last_end
            self._floor = o
        elif self._floor is None and o.turn_open:
            self._floor = o

    def _resolve_awaiting(self, o: _Party) -> None:
        it = o.intr
        assert it is not None
        o.intr = None
        if not it.long and self._span(it, it.last_end) <= self._bc_hops:
            self._emit(Backchannel(self._t(it.onset), self._t(it.last_end), self._decided(),
                                   by=o.name, of=o.other.name))

    # overlaps and interruptions ---------------------------------------------

    def _check_retraction(self, at_end: bool = False) -> None:
        """Retract an interruption whose interrupter stopped within backchannel_max_s while
        the other was speaking, once it has stayed silent for retract_gap_s: its closing version
        becomes ``retracted`` and a backchannel is recorded. It stands if the interrupter
        speaks again within retract_gap_s (a pause inside its own words)."""
        assert self._retract is not None
        iid, onset, end, b = self._retract
        if b.on and not at_end:
            self._retract = None
        elif at_end or self._k + 1 - end >= self._retract_hops:
            self._retract = None
            a = b.other
            self._emit(Interruption(self._t(onset), self._t(end), self._decided(), id=iid,
                                    by=b.name, of=a.name, retracted=True))
            self._emit(Backchannel(self._t(onset), self._t(end), self._decided(), by=b.name,
                                   of=a.name))

    def _span(self, it: _Intrusion, end: int) -> int:
        """Length (hops) of intrusion ``it`` up to ``end`` against backchannel_max_s: from its
        first raw hop that was not echo-suspect (0 while there is none); an agent intrusion's
        up to the end of its last speech hop before ``end`` (see :meth:`_last_speech`)."""
        if it.own_start is None:
            for h in self._own_hops:
                if h >= it.onset:
                    it.own_start = h
                    break
            else:
                return 0
        start = it.own_start if it.frag is None else it.frag
        if it.agent and self._speech_on:
            end = max(start, min(end, self._last_speech(it.onset, end) + 1))
        return it.prior + end - start

    def _last_speech(self, start: int, end: int) -> int:
        """The agent's last hop in ``[start, end)`` that is speech going on: a raw hop (not
        bleed) at least intrusion_min_snr_db over the noise floor and, where the canceller had
        not taken over, at most intrusion_max_drop_db under the loudest such hop in the range
        (else -10**9). The microphone's raw VAD may go on over residual echo held by the
        double-talk hold while the canceller's output is at its floor, or over babble after a
        backchannel; such hops neither lengthen an agent intrusion nor decide it."""
        hops = []
        for h in reversed(self._speech_hops):
            if h[0] < start:
                break
            if h[0] < end:
                hops.append(h)
        if not hops:
            return -(10**9)
        if self._drop_db > 0.0:
            judged = [d for _, d, j in hops if j]
            if judged:
                floor_db = max(judged) - self._drop_db
                for h, d, j in hops:  # newest first
                    if not j or d >= floor_db:
                        return h
                return -(10**9)
        return hops[0][0]

    def _agent_bleed_fraction(self, start: int) -> float:
        """Fraction of the agent's raw hops from hop ``start`` to now judged bleed."""
        counts = self._agent_counts
        i = start - 1 - (self._k - (len(counts) - 1))  # position of hop start - 1
        raw0, bleed0 = counts[i] if i >= 0 else (counts[0] if start > 1 else (0, 0))
        raw1, bleed1 = counts[-1]
        return (bleed1 - bleed0) / (raw1 - raw0) if raw1 > raw0 else 0.0

    def _maybe_open_overlap(self) -> None:
        ag, cu = self._agent, self._cust
        start = max(ag.seg_start, cu.seg_start)
        if ag.last_raw < start or cu.last_raw < start:
            return  # the earlier segment is in its hangover: no overlap (yet)
        if ag.intr is not None:
            by = ag
        elif cu.intr is not None:
            by = cu
        elif self._floor is not None:
            by = self._floor.other
        else:
            by = ag if ag.seg_start > cu.seg_start else cu
        self._ov = ov = _Overlap(self._new_id(), start, by, by.other)
        if by.intr is not None:
            by.intr.overlapped = True
            if by.intr.interruption_id:  # an interrupter resumed (retract_join_by_speech)
                ov.interruption = by.intr
        self._emit(Overlap(self._t(start), None, self._decided(), id=ov.id, by=by.name,
                           of=by.other.name))

    def _check_intrusion(self, p: _Party) -> None:
        it = p.intr
        assert it is not None
        k1 = self._k + 1
        if not it.long and p.on and self._span(it, p.last_raw + 1) > self._bc_hops:
            it.long = True
            if it.interruption_id:  # outlasting a backchannel: it can no longer be retracted
                self._emit(Interruption(self._t(it.onset), None, self._decided(),
                                        id=it.interruption_id, by=p.name, of=p.other.name,
                                        confirmed=True))
            if not p.turn_open:
                self._open_turn(p, it.onset, respond=False)
        if it.interruption_id:
            return
        ov = self._ov
        if ov is None or ov.by is not p or not p.on or not p.other.on:
            return
        t0 = ov.start + self._dec_hops
        if it.copy_until is not None:
            t0 = max(t0, it.copy_until + self._dec_hops)
        if k1 < t0:
            return
        since = t0 - self._bridge_hops
        last = p.last_raw
        if it.agent and self._speech_on:
            last = self._last_speech(it.onset, k1)  # residual echo or noise is no speech going on
        if last + 1 < since or p.other.last_raw + 1 < since:
            return
        if p is self._agent and self._max_bleed < 1.0:
            start = it.onset if it.copy_until is None else it.copy_until
            if self._agent_bleed_fraction(start) >= self._max_bleed:
                # most of the agent's raw hops were the far end's copy (a loud echo before the
                # canceller took over): judge its own speech afresh from here
                it.copy_until = k1
                return
        it.interruption_id = self._new_id()
        ov.interruption = it
        self._emit(Interruption(self._t(it.onset), None, self._decided(),
                                id=it.interruption_id, by=p.name, of=p.other.name,
                                confirmed=it.long))
        # the interrupter's turn opens once it outlasts a backchannel (it.long) or the other
        # gives way: a retracted interruption (a long backchannel) makes no turn
