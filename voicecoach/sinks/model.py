"""What the live display shows: a thread-safe rolling model fed by the analysis thread.

The analysis thread calls :meth:`DisplayModel.push` after every block; the display (window
or terminal) calls :meth:`DisplayModel.snapshot` at its own frame rate. ``push`` only
copies a few floats per hop into ring buffers under a lock, so drawing can never hold up
analysis: a slow display simply draws fewer frames.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..events import Event, Interruption, Nudge, Overlap

__all__ = ["DisplayModel", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """One frame's worth of data (all arrays share the time axis ``t_s``).

    Attributes
    ----------
    now_s : float
        Stream time of the newest hop, s.
    history_s : float
        Span of the window, s.
    t_s : np.ndarray, shape (n,)
        Hop times in the window ``[now_s - history_s, now_s]``, s.
    pitch_delta_st : np.ndarray, shape (n,)
        Agent pitch against the calm baseline, semitones (NaN without voice or baseline).
    rate_delta_pct : np.ndarray, shape (n,)
        Agent articulation rate against the baseline, percent.
    loudness_db : np.ndarray, shape (n,)
        Agent hop level, dBFS.
    loudness_delta_db : np.ndarray, shape (n,)
        Agent speech level against the baseline, dB.
    agent_speech, customer_speech : np.ndarray of bool, shape (n,)
        Whether each party is speaking at each hop.
    overlaps : list of (start_s, end_s or None, by)
    interruptions : list of (start_s, by, of)
        Interruptions shown: decided and not retracted (newest last).
    nudge : (message, rule, shown_s) or None
        The nudge on screen (for ``display_s`` after it was shown).
    thresholds : dict
        ``pitch_st``, ``rate_pct``, ``loudness_db``: the current (effective) thresholds.
    baseline : str
        "calibrated", "provisional" or "forming" (no baseline yet).
    status : dict
        Capture health: ``summary`` (one line), ``degraded`` (message or None) and more.
    deescalating : bool
    speech_level_db : np.ndarray, shape (n,) or (0,)
        Agent rolling speech level, dBFS (what ``loudness_delta_db`` compares with the
        baseline; NaN without enough speech). Empty if not given.
    nudges_shown : int
        Nudges shown since the session started.
    tentative : list of (start_s, by, of)
        The shown interruptions not yet confirmed (``Interruption.confirmed``): decided
        ``min_overlap_s`` into the overlap, they may still turn out a long backchannel and be
        retracted. The displays mark them as such (the coach waits for the confirmation).
    """

    now_s: float
    history_s: float
    t_s: np.ndarray
    pitch_delta_st: np.ndarray
    rate_delta_pct: np.ndarray
    loudness_db: np.ndarray
    loudness_delta_db: np.ndarray
    agent_speech: np.ndarray
    customer_speech: np.ndarray
    overlaps: list[tuple[float, float | None, str]]
    interruptions: list[tuple[float, str, str]]
    nudge: tuple[str, str, float] | None
    thresholds: dict[str, float]
    baseline: str
    status: dict[str, Any] = field(default_factory=dict)
    deescalating: bool = False
    nudges_shown: int = 0
    speech_level_db: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tentative: list[tuple[float, str, str]] = field(default_factory=list)


_FIELDS = (
    "t_s",
    "pitch_delta_st",
    "rate_delta_pct",
    "loudness_db",
    "loudness_delta_db",
    "agent_speech",
    "customer_speech",
    "speech_level_db",
)


class DisplayModel:
    """Rolling buffers of the last ``history_s`` seconds, fed per block.

    Parameters
    ----------
    history_s : float
        Seconds shown (30).
    hop_s : float
        Hop duration, s (0.01).
    display_s : float
        How long a nudge stays on screen, s.
    """

    def __init__(self, history_s: float, hop_s: float, display_s: float) -> None:
        self.history_s = history_s
        self.hop_s = hop_s
        self.display_s = display_s
        n = round(history_s / hop_s)
        self._n = n
        self._buf = {k: np.full(n, np.nan) for k in _FIELDS}
        self._w = 0  # hops written
        self._lock = threading.Lock()
        self._overlaps: dict[int, tuple[float, float | None, str]] = {}
        self._interruptions: deque[tuple[float, str, str]] = deque(maxlen=64)
        self._confirmed: set[tuple[float, str, str]] = set()  # of those shown
        self._nudge: tuple[str, str, float] | None = None
        self._nudges = 0
        self._thresholds: dict[str, float] = {}
        self._baseline = "forming"
        self._status: dict[str, Any] = {}
        self._deesc = False
        self.version = 0

    def push(
        self,
        step: Any,
        *,
        thresholds: dict[str, float] | None = None,
        baseline: str | None = None,
        deescalating: bool = False,
    ) -> None:
        """Add one pipeline :class:`~voicecoach.pipeline.Step` (called by the analysis thread).

        Parameters
        ----------
        step : Step
            Its agent rows, relative measures and events (overlaps, interruptions, nudges).
        thresholds : dict of str to float, optional
            The coach's current thresholds by rule (kept when None).
        baseline : str, optional
            The baseline's state for the status line (kept when None).
        deescalating : bool
            Whether the coach is de-escalating.
        """
        a, rel = step.agent, step.agent_rel
        n = len(a)
        cols = {
            "t_s": a.t_s,
            "pitch_delta_st": rel.pitch_delta_st if len(rel) == n else np.full(n, np.nan),
            "rate_delta_pct": rel.rate_delta_pct if len(rel) == n else np.full(n, np.nan),
            "loudness_db": a.loudness_db,
            "loudness_delta_db": rel.loudness_delta_db if len(rel) == n else np.full(n, np.nan),
            "agent_speech": a.speech,
            "customer_speech": step.customer.speech if step.customer is not None else np.zeros(n),
            "speech_level_db": rel.loudness_db if len(rel) == n else np.full(n, np.nan),
        }
        with self._lock:
            for k, v in cols.items():
                buf = self._buf[k]
                v = np.asarray(v, np.float64)[-self._n :]
                m = v.shape[0]
                i = self._w % self._n
                first = min(m, self._n - i)
                buf[i : i + first] = v[:first]
                buf[: m - first] = v[first:]
            self._w += n
            for ev in step.events:
                self._event(ev)
            if thresholds is not None:
                self._thresholds = dict(thresholds)
            if baseline is not None:
                self._baseline = baseline
            self._deesc = deescalating
            self.version += 1

    def _event(self, ev: Event) -> None:
        if isinstance(ev, Overlap):
            self._overlaps[ev.id or id(ev)] = (ev.start_s, ev.end_s, ev.by)
        elif isinstance(ev, Interruption):
            item = (ev.start_s, ev.by, ev.of)
            if ev.retracted:  # it turned out a long backchannel: no longer shown
                if item in self._interruptions:
                    self._interruptions.remove(item)
                self._confirmed.discard(item)
                return
            if ev.end_s is None and item not in self._interruptions:
                if len(self._interruptions) == self._interruptions.maxlen:
                    self._confirmed.discard(self._interruptions[0])
                self._interruptions.append(item)  # once per interruption (it has versions)
            if (ev.confirmed or not ev.id) and item in self._interruptions:
                self._confirmed.add(item)  # an anonymous event cannot be retracted later
        elif isinstance(ev, Nudge) and ev.end_s is None:
            self._nudge = (ev.message, ev.rule, ev.start_s)
            self._nudges += 1

    def set_status(self, **status: Any) -> None:
        """Capture health shown on screen (called by the capture or session thread).

        Parameters
        ----------
        **status
            Replace the whole status, e.g. ``summary`` (str) and ``echo`` (an
            :class:`~voicecoach.analysis.echo.EchoStatus` or ``"off"``).
        """
        with self._lock:
            self._status = dict(status)
            self.version += 1  # a display redraws a changed status even without new audio

    def snapshot(self) -> Snapshot:
        """A consistent copy of the current window (called by the display).

        Returns
        -------
        Snapshot
            The last ``history_s`` seconds; a nudge older than ``display_s`` is dropped.
        """
        with self._lock:
            n = min(self._w, self._n)
            i = self._w % self._n
            cols = {}
            for k, buf in self._buf.items():
                cols[k] = np.concatenate([buf[i:], buf[:i]])[self._n - n :] if n else buf[:0]
            now = float(cols["t_s"][-1]) + self.hop_s if n else 0.0
            lo = now - self.history_s
            ovs = [o for o in self._overlaps.values() if o[1] is None or o[1] >= lo]
            self._overlaps = {k: o for k, o in self._overlaps.items() if o[1] is None or o[1] >= lo}
            ints = [x for x in self._interruptions if x[0] >= lo]
            nudge = self._nudge
            if nudge is not None and now - nudge[2] > self.display_s:
                nudge = self._nudge = None
            return Snapshot(
                now_s=now,
                history_s=self.history_s,
                t_s=cols["t_s"],
                pitch_delta_st=cols["pitch_delta_st"],
                rate_delta_pct=cols["rate_delta_pct"],
                loudness_db=cols["loudness_db"],
                loudness_delta_db=cols["loudness_delta_db"],
                agent_speech=cols["agent_speech"] > 0.5,
                customer_speech=cols["customer_speech"] > 0.5,
                overlaps=ovs,
                interruptions=ints,
                tentative=[x for x in ints if x not in self._confirmed],
                nudge=nudge,
                thresholds=dict(self._thresholds),
                baseline=self._baseline,
                status=dict(self._status),
                deescalating=self._deesc,
                nudges_shown=self._nudges,
                speech_level_db=cols["speech_level_db"],
            )
