"""What the window and the terminal display share: status text, frame counting, lookups.

Both displays (:mod:`voicecoach.sinks.window`, :mod:`voicecoach.sinks.terminal`) draw the
same :class:`~voicecoach.sinks.model.DisplayModel` snapshots with the same words
(``DISPLAY`` of :mod:`voicecoach.locale`), the same
"latest value" rule and the same frame accounting; those live here, pure and without
matplotlib or rich.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..i18n import texts
from .model import Snapshot

__all__ = [
    "FrameCounter",
    "baseline_level_db",
    "check_fps",
    "interruption_label",
    "latest",
    "runs",
    "status_text",
]


#: Hop-time tolerance when looking up "the latest value" of a series, s.
CURRENT_WINDOW_S = 0.5


def check_fps(fps: float) -> float:
    """Return ``fps`` as float if it is in (0, 240], else raise ParameterError.

    Parameters
    ----------
    fps : float
        Frames per second.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        For a non-number (a bool included), NaN / inf, or a value outside (0, 240].
    """
    if (isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps)
            or not 0 < fps <= 240):
        raise ParameterError(f"fps must be in (0, 240] frames/s, got {fps!r} ([live] fps)")
    return float(fps)


# ------------------------------------------------------------------------ frame accounting
class FrameCounter:
    """Frames drawn and skipped, draw time and (stream time, wall time) pairs for latency.

    Parameters
    ----------
    keep : int
        How many recent frames keep their draw time and latency pair.
    """

    def __init__(self, keep: int = 1200) -> None:
        self.drawn = 0
        self.skipped = 0
        self.late = 0
        self.draw_ms: deque[float] = deque(maxlen=keep)
        self.latency: deque[tuple[float, float]] = deque(maxlen=keep)
        self._t0: float | None = None
        self._t1: float | None = None
        self._cpu0 = 0.0
        self._cpu1 = 0.0
        self._tcpu0 = 0.0
        self._tcpu1 = 0.0

    def start(self) -> None:
        """Start the clock of a ``run`` (frames per second and CPU are measured from here)."""
        self._t0 = time.monotonic()
        self._t1 = None
        self._cpu0 = time.process_time()
        self._tcpu0 = time.thread_time()

    def stop(self) -> None:
        """Stop the clock of a ``run``."""
        if self._t0 is not None:
            self._t1 = time.monotonic()
            self._cpu1 = time.process_time()
            self._tcpu1 = time.thread_time()

    def frame(self, now_s: float, t_start: float, t_end: float) -> None:
        """Record one drawn frame (``t_*`` are ``time.monotonic()`` values).

        Parameters
        ----------
        now_s : float
            The snapshot's ``now_s`` (stream time, s).
        t_start, t_end : float
            When drawing started and ended, s.
        """
        self.drawn += 1
        self.draw_ms.append((t_end - t_start) * 1000.0)
        self.latency.append((now_s, t_end))

    def stats(self) -> dict[str, Any]:
        """Counters, frame rate, draw time percentiles and CPU use of the last run.

        Returns
        -------
        dict
            ``frames_drawn``, ``frames_skipped`` (nothing new in the model), ``frames_late``
            (a tick that overran its period), ``elapsed_s``, ``fps`` (frames drawn per
            second of run), ``draw_ms`` (``p50``/``p99``/``max``/``mean``), ``cpu_pct``
            (the drawing thread, % of one core), ``process_cpu_pct`` (the whole process,
            analysis included) and ``latency``: the last frames as ``(snapshot.now_s,
            time.monotonic() after the pixels were handed over)``.
        """
        out: dict[str, Any] = {
            "frames_drawn": self.drawn,
            "frames_skipped": self.skipped,
            "frames_late": self.late,
        }
        if self._t0 is not None:
            running = self._t1 is None
            t1 = time.monotonic() if running else self._t1
            cpu1 = time.process_time() if running else self._cpu1
            tcpu1 = time.thread_time() if running else self._tcpu1
            elapsed = max(float(t1) - self._t0, 1e-9)  # type: ignore[arg-type]
            out["elapsed_s"] = elapsed
            out["fps"] = self.drawn / elapsed
            out["cpu_pct"] = 100.0 * (tcpu1 - self._tcpu0) / elapsed
            out["process_cpu_pct"] = 100.0 * (cpu1 - self._cpu0) / elapsed
        if self.draw_ms:
            d = np.asarray(self.draw_ms)
            out["draw_ms"] = {
                "p50": float(np.percentile(d, 50)),
                "p99": float(np.percentile(d, 99)),
                "max": float(d.max()),
                "mean": float(d.mean()),
            }
        out["latency"] = list(self.latency)
        return out


def paced_frames(
    counter: FrameCounter,
    fps: float,
    stop_event: threading.Event,
    until: float | None,
    *,
    closed: Callable[[], bool],
    changed: Callable[[], bool],
    draw: Callable[[], None],
    idle: Callable[[], None],
) -> None:
    """The displays' frame loop: at most ``fps`` ticks a second, never catching up.

    Each tick draws when the model changed and otherwise only keeps the window alive; a tick
    that overran its period counts as late and the next one starts at once, so a slow frame
    drops frames, never queues them (and never holds the analysis, which runs elsewhere).

    Parameters
    ----------
    counter : FrameCounter
        Started here, stopped when the loop ends; counts the skipped and late ticks.
    fps : float
        Ticks per second, frames/s.
    stop_event : threading.Event
        The loop returns when it is set.
    until : float or None
        A ``time.monotonic()`` deadline, s (tests, screenshots).
    closed : callable
        True once the display was closed (the loop then returns).
    changed : callable
        True when the model holds something not drawn yet.
    draw : callable
        Draws a frame (and counts it).
    idle : callable
        Runs on a tick with nothing new (the window's event processing).
    """
    period = 1.0 / fps
    counter.start()
    next_t = time.monotonic()
    try:
        while not stop_event.is_set() and not closed():
            if until is not None and time.monotonic() >= until:
                break
            if changed():
                draw()
            else:
                counter.skipped += 1
                idle()
            next_t += period
            delay = next_t - time.monotonic()
            if delay < 0:
                counter.late += 1
                next_t = time.monotonic()
            elif stop_event.wait(delay):
                break
    finally:
        counter.stop()


# ------------------------------------------------------------------------ pure helpers
def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end indices (end exclusive) of the runs of True in a boolean array.

    Parameters
    ----------
    mask : array_like of bool, shape (n,)

    Returns
    -------
    starts, ends : np.ndarray of int, shape (n_runs,)
    """
    m = np.asarray(mask, bool)
    if m.size == 0:
        return np.zeros(0, int), np.zeros(0, int)
    d = np.diff(np.concatenate(([False], m, [False])).astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def latest(values: np.ndarray, t_s: np.ndarray, now_s: float) -> float:
    """The newest finite value within :data:`CURRENT_WINDOW_S` of ``now_s``, else NaN.

    Parameters
    ----------
    values, t_s : np.ndarray, shape (n,)
        Values and their times, s.
    now_s : float
        The current stream time, s.

    Returns
    -------
    float
    """
    if values.size == 0:
        return math.nan
    recent = t_s >= now_s - CURRENT_WINDOW_S
    v = values[recent]
    ok = np.flatnonzero(np.isfinite(v))
    return float(v[ok[-1]]) if ok.size else math.nan


def baseline_level_db(snap: Snapshot) -> float:
    """The agent's baseline speech level, dBFS (speech level minus its delta), or NaN.

    Parameters
    ----------
    snap : Snapshot

    Returns
    -------
    float
        The median over the window.
    """
    if snap.speech_level_db.size != snap.loudness_delta_db.size:
        return math.nan
    d = snap.speech_level_db - snap.loudness_delta_db
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else math.nan


def status_text(snap: Snapshot, lang: str) -> str:
    """The status line: baseline state, de-escalation and capture summary.

    Parameters
    ----------
    snap : Snapshot
    lang : str
        A code of :data:`~voicecoach.i18n.LANGS`.

    Returns
    -------
    str
        Also the echo canceller's state and the elapsed time (mm:ss).
    """
    lab = texts(lang).DISPLAY
    sep = lab["sep"]
    parts = [f"{lab['baseline']}{sep}{lab.get(snap.baseline, snap.baseline)}"]
    if snap.deescalating:
        parts.append(lab["deescalating"])
    summary = snap.status.get("summary")
    if summary:
        parts.append(f"{lab['capture']}{sep}{summary}")
    echo = echo_text(snap, lang)
    if echo:
        parts.append(echo)
    t = max(0, int(snap.now_s))
    parts.append(f"{t // 60:02d}:{t % 60:02d}")
    return "  ·  ".join(parts)


def echo_text(snap: Snapshot, lang: str) -> str:
    """``Écho : annulé (40 ms, 32 dB)``: the echo canceller's state, echo path delay and
    ERLE from ``snap.status["echo"]`` (an :class:`~voicecoach.analysis.echo.EchoStatus`
    or the string ``"off"``); empty when the session has no far end.

    Parameters
    ----------
    snap : Snapshot
    lang : str

    Returns
    -------
    str
    """
    lab = texts(lang).DISPLAY
    echo = snap.status.get("echo")
    if echo is None:
        return ""
    if echo == "off":
        return f"{lab['echo']}{lab['sep']}{lab['echo_off']}"
    extra = []
    if echo.delay_s is not None:
        extra.append(f"{1000 * echo.delay_s:.0f} ms")
    if echo.erle_db is not None and echo.state in ("converging", "converged", "diverged"):
        extra.append(f"{echo.erle_db:.0f} dB")
    more = f" ({', '.join(extra)})" if extra else ""
    return f"{lab['echo']}{lab['sep']}{lab['echo_' + echo.state]}{more}"


def interruption_label(by: str, lang: str, tentative: bool = False) -> str:
    """``agent→client`` / ``client→agent`` (``agent→customer`` / … in English).

    Parameters
    ----------
    by : str
        Who interrupted: ``"agent"``, else the customer.
    lang : str
    tentative : bool
        Not yet confirmed (it may still turn out a long backchannel): ``agent→client ?``.

    Returns
    -------
    str
    """
    d = texts(lang).DISPLAY
    label = d["int_agent" if by == "agent" else "int_customer"]
    return d["int_tentative"].format(label=label) if tentative else label
