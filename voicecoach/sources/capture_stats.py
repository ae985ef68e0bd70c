"""What a capture delivers and reports: blocks, per-device and overall statistics.

:class:`CapturedBlock` is one aligned block of both parties; :class:`DeviceStats` and
:class:`CaptureStats` are snapshots of the counters of
:class:`~voicecoach.sources.capture.Capture` (safe to read from any thread), shown on the
display's status line and written to ``session.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ABSENT",
    "CLOSED",
    "LOST",
    "OK",
    "STALLED",
    "STARTING",
    "CaptureStats",
    "CapturedBlock",
    "DeviceStats",
    "device_states",
]

#: Device states reported in :class:`DeviceStats`.
STARTING, OK, STALLED, LOST, ABSENT, CLOSED = (
    "starting", "ok", "stalled", "lost", "absent", "closed")


@dataclass(frozen=True)
class CapturedBlock:
    """Aligned audio of both parties.

    Attributes
    ----------
    audio : np.ndarray, shape (n_hops * hop_size, 2), float32
        Column 0 the agent, column 1 the customer, at ``sample_rate``.
    start_hop : int
        Index of the first hop since the start of the capture.
    capture_time : float
        ``time.monotonic()`` estimate of when the block's first sample was captured
        (for latency measurements; analysis uses sample counts).
    filled : tuple of bool
        Per party, True when some of its samples are silence filled in for a stalled,
        lost or absent device.
    """

    audio: np.ndarray
    start_hop: int
    capture_time: float
    filled: tuple[bool, bool]


@dataclass(frozen=True)
class DeviceStats:
    """State and counters of one input device (see :meth:`Capture.stats`).

    Times are seconds, ``*_ms`` milliseconds; ``None`` when not yet measured.

    Attributes
    ----------
    name : str
        The device's name (``"(none)"`` for an absent far end).
    parties : tuple of str
        The parties it captures (``"agent"``, ``"customer"``).
    backend : str
        How it is captured (``"sounddevice"``, ``"soundcard"``; ``"none"`` when absent).
    sample_rate : int
        The rate the device was opened at, Hz (0 when absent).
    channels : int
        Channels opened.
    status : str
        One of :data:`STARTING`, :data:`OK`, :data:`STALLED`, :data:`LOST`,
        :data:`ABSENT`, :data:`CLOSED`.
    error : str or None
        Why it is stalled, lost or absent, or a stop/close failure; None otherwise.
    latency_s : float or None
        The stream's input latency as reported by the backend, s.
    callbacks : int
        Audio callbacks received.
    frames : int
        Frames received, at ``sample_rate``.
    overflows : int
        Callbacks flagged with an input overflow (audio lost by the device).
    other_flags : int
        Callbacks flagged with another status.
    silence_filled_s : float
        Output time its columns were filled with silence (no audio from it), s.
    backlog_s : float
        Audio received but not yet delivered, s.
    callback_period_ms, callback_jitter_ms : float or None
        Mean and standard deviation of the time between callbacks (last 3000), ms.
    callback_p99_ms, callback_max_ms : float or None
        99th percentile and largest time between callbacks, ms.
    clock_ppm, clock_ppm_se : float or None
        How much faster its sample clock runs than the monotonic clock, and the standard
        error of that estimate, ppm (:func:`~voicecoach.sources.clock.fit_clock`).
    drift_dropped, drift_repeated : int
        Samples dropped and repeated by the drift correction.
    realigned : int
        Realignments of its stream done (``[live] realign_ms``).
    """

    name: str
    parties: tuple[str, ...]
    backend: str
    sample_rate: int
    channels: int
    status: str
    error: str | None
    latency_s: float | None
    callbacks: int
    frames: int
    overflows: int
    other_flags: int
    silence_filled_s: float
    backlog_s: float
    callback_period_ms: float | None
    callback_jitter_ms: float | None
    callback_p99_ms: float | None
    callback_max_ms: float | None
    clock_ppm: float | None
    clock_ppm_se: float | None
    drift_dropped: int
    drift_repeated: int
    realigned: int


@dataclass(frozen=True)
class CaptureStats:
    """A snapshot of :class:`Capture` counters.

    Attributes
    ----------
    devices : tuple of DeviceStats
    hops : int
        Hops delivered so far.
    delivered_s : float
        Audio delivered so far, seconds.
    backlog_s, backlog_max_s : float
        Audio captured but not yet delivered (largest over devices), s: now, and the
        maximum seen (at the start of each read).
    backlog_exceeded : int
        How many reads found the backlog above ``queue_max_s``.
    lag_s, lag_max_s : float
        Wall clock since the first captured sample minus ``delivered_s``, s (sample time
        against the wall clock; includes the device's own buffering).
    latency_p50_s, latency_p99_s, latency_max_s : float or None
        From the capture of a block's last sample to the return of :meth:`Capture.read`.
    drift_ppm, drift_se_ppm : float or None
        Far clock minus mic clock (two devices only), and its standard error, ppm.
    drift_corrected : bool
        True while the far stream is being corrected.
    skew_ms : float or None
        Median misalignment of the two columns (capture time difference of samples
        delivered together), ms; stays near its start value when drift is corrected.
    overflows : int
        Sum over devices.
    degraded : bool
        Some device is stalled, lost or absent.
    """

    devices: tuple[DeviceStats, ...]
    hops: int
    delivered_s: float
    backlog_s: float
    backlog_max_s: float
    backlog_exceeded: int
    lag_s: float
    lag_max_s: float
    latency_p50_s: float | None
    latency_p99_s: float | None
    latency_max_s: float | None
    drift_ppm: float | None
    drift_se_ppm: float | None
    drift_corrected: bool
    skew_ms: float | None
    overflows: int
    degraded: bool

    def summary(self, lang: str = "en") -> str:
        """One line for a status bar or a log.

        Parameters
        ----------
        lang : {"en", "fr"}
            Language of the line (English for logs; the display's language on screen).

        Returns
        -------
        str
            Each device's parties and state, then backlog, lag, overflows and drift.
        """
        from ..i18n import texts

        tx = texts(lang).CAPTURE
        drift = tx["drift_na"] if self.drift_ppm is None else f"{self.drift_ppm:+.0f} ppm"
        return tx["line"].format(
            devices=device_states(self.devices, lang),
            backlog=self.backlog_s * 1000,
            backlog_max=self.backlog_max_s * 1000,
            lag=self.lag_s * 1000,
            overflows=self.overflows,
            drift=drift,
        )


def device_states(devices: Sequence[DeviceStats], lang: str = "en", *,
                  problems_only: bool = False) -> str:
    """``"agent=ok, customer=stalled"``: each device's parties and state, in ``lang``.

    Parameters
    ----------
    devices : sequence of DeviceStats
    lang : {"en", "fr"}
        Language of the parties and states.
    problems_only : bool
        List only the devices whose state is not ``ok``, each with its error if any.

    Returns
    -------
    str
        Comma-separated (``problems_only``: semicolon-separated) ``parties=state`` items.
    """
    from ..i18n import texts

    tx = texts(lang).CAPTURE
    out = []
    for d in devices:
        if problems_only and d.status == OK:
            continue
        who = "+".join(tx.get(p, p) for p in d.parties)
        out.append(f"{who}={tx.get(d.status, d.status)}"
                   + (f" ({d.error})" if problems_only and d.error else ""))
    return ", ".join(out) if not problems_only else "; ".join(out)
