"""Replay a recorded call through the live path, paced like a capture device.

:class:`ReplaySource` has the interface of :class:`~voicecoach.sources.capture.Capture`
(``start``, ``read``, ``stats``, ``stop``): a pacing thread reads the call
(:func:`voicecoach.review.calls.iter_call_blocks`) and queues blocks of whole hops at the
call's own pace times ``speed`` (``math.inf``: as fast as the analysis takes them).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..config import Config, load_config
from ..errors import ParameterError
from ..review.calls import Call, iter_call_blocks, source_rates

__all__ = ["ReplayBlock", "ReplaySource", "ReplayStats"]


@dataclass(frozen=True)
class ReplayBlock:
    """Same fields as :class:`~voicecoach.sources.capture.CapturedBlock`.

    Attributes
    ----------
    audio : np.ndarray, shape (n_hops * hop_size, 2), float32
        Column 0 the agent, column 1 the customer, at the analysis rate (up to
        ``block_hops`` whole hops).
    start_hop : int
        Index of the block's first hop since the start of the recording.
    capture_time : float
        ``time.monotonic()`` at which the block's first sample is due at the replay speed,
        s (for latency measurements; analysis uses sample counts).
    filled : tuple of bool
        Per party, whether some samples are filled-in silence: never, for a recording.
    """

    audio: np.ndarray
    start_hop: int
    capture_time: float
    filled: tuple[bool, bool] = (False, False)


@dataclass(frozen=True)
class ReplayStats:
    """Counters of a :class:`ReplaySource` (the subset a display shows).

    Attributes
    ----------
    hops : int
        Hops delivered so far.
    delivered_s : float
        Audio delivered so far, s.
    backlog_s : float
        Audio paced out but not yet read, s.
    lag_s : float
        How far delivery is behind the replay clock (wall time times the speed), s; 0 at
        unlimited speed.
    overflows : int
        Always 0 (a capture's field; nothing is lost in a replay).
    degraded : bool
        Always False (a capture's field).
    """

    hops: int
    delivered_s: float
    backlog_s: float
    lag_s: float
    overflows: int = 0
    degraded: bool = False

    def summary(self, lang: str = "en") -> str:
        """One line for a status bar.

        Parameters
        ----------
        lang : {"en", "fr"}
            Language of the line.

        Returns
        -------
        str
            Seconds delivered and backlog (ms).
        """
        from ..i18n import number, texts

        return texts(lang).CAPTURE["replay"].format(delivered=number(self.delivered_s, lang),
                                                    backlog=number(self.backlog_s * 1000, lang))


class ReplaySource:
    """Feed a recording through the live path, paced like a capture device.

    Parameters
    ----------
    call : Call
        What to play (see :func:`voicecoach.review.calls.discover_calls`).
    config : Config, optional
    speed : float, optional
        1.0 = real time; larger plays faster (tests); ``math.inf`` = as fast as possible.
        Default ``[live] replay_speed``.
    block_hops : int, optional
        Hops per delivered block, like a capture callback (default ``[live] blocksize_hops``).
    """

    def __init__(
        self,
        call: Call,
        config: Config | None = None,
        speed: float | None = None,
        block_hops: int | None = None,
    ) -> None:
        self.config = config or load_config()
        if speed is None:
            speed = self.config.live.replay_speed
        if block_hops is None:
            block_hops = self.config.live.blocksize_hops
        if call.parties != 2:
            raise ParameterError(
                f"replay needs a two-party call (stereo file, pair or session), got a "
                f"{call.kind} recording {str(call.paths[0])!r}"
            )
        if not speed > 0:
            raise ParameterError(f"replay speed must be > 0 (math.inf: unpaced), got {speed}")
        self.call = call
        self.speed = speed
        self.hop_size = self.config.analysis.hop_size
        self.block = block_hops * self.hop_size
        self._q: list[ReplayBlock] = []
        self._cv = threading.Condition()
        self._stop = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._hops = 0
        self._delivered = 0

    @property
    def source_rates_hz(self) -> list[float]:
        """Each party's source rate, Hz (``[agent, customer]``): the review's
        (:func:`voicecoach.review.calls.source_rates`: the file's rate, or 8000 for a
        telephone-band channel), so a replay and the review of the same file run the same
        pitch tracker."""
        return source_rates(self.call, 2, self.config)

    def start(self) -> ReplaySource:
        """Start the pacing thread.

        Returns
        -------
        ReplaySource
            ``self``.
        """
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="voicecoach-replay", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        sr = self.config.analysis.sample_rate
        pos = 0
        try:
            for big in iter_call_blocks(self.call, self.config):
                for i in range(0, big.shape[0], self.block):
                    chunk = big[i : i + self.block]
                    due = self._t0 + (pos + chunk.shape[0]) / sr / self.speed
                    if math.isfinite(self.speed):
                        while not self._stop.is_set():
                            wait = due - time.monotonic()
                            if wait <= 0:
                                break
                            self._stop.wait(min(wait, 0.05))
                    if self._stop.is_set():
                        return
                    blk = ReplayBlock(chunk, pos // self.hop_size, self._t0 + pos / sr / self.speed)
                    pos += chunk.shape[0]
                    with self._cv:
                        self._q.append(blk)
                        self._cv.notify()
        except BaseException as e:  # reported by read() on the analysis thread
            self._error = e
        finally:
            with self._cv:
                self._done = True
                self._cv.notify()

    def read(self, timeout: float | None = None) -> ReplayBlock | None:
        """Next block, or None on timeout and at the end.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; None waits until a block or the end.

        Returns
        -------
        ReplayBlock or None

        Raises
        ------
        Exception
            What the pacing thread met reading the call (e.g. :class:`SourceError`,
            :class:`AudioFormatError`), once, after the blocks before it.
        """
        with self._cv:
            if not self._q and not self._done:
                self._cv.wait(timeout)
            if self._q:
                blk = self._q.pop(0)
                self._hops += blk.audio.shape[0] // self.hop_size
                self._delivered += blk.audio.shape[0]
                return blk
            if self._error is not None:
                err, self._error = self._error, None
                raise err
            return None

    @property
    def finished(self) -> bool:
        """True once everything was delivered."""
        with self._cv:
            return self._done and not self._q

    def stats(self) -> ReplayStats:
        """Counters for the status line.

        Returns
        -------
        ReplayStats
            Hops and seconds delivered, backlog and lag, s.
        """
        sr = self.config.analysis.sample_rate
        with self._cv:
            backlog = sum(b.audio.shape[0] for b in self._q) / sr
        delivered = self._delivered / sr
        lag = (time.monotonic() - self._t0) * (self.speed if math.isfinite(self.speed) else 0)
        return ReplayStats(self._hops, delivered, backlog, max(0.0, lag - delivered))

    def stop(self) -> None:
        """Stop pacing (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    close = stop

    def __enter__(self) -> ReplaySource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
