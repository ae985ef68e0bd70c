"""Live capture of a two-party call: the agent's microphone and the call's far end.

:class:`Capture` opens one input stream per device (two devices, or one device whose two
channels carry the two parties) and delivers aligned float32 blocks of whole 10 ms hops
at 16 kHz, column 0 the agent and column 1 the customer::

    with Capture(mic="USB", far="monitor") as cap:
        for block in cap:                      # CapturedBlock, 1-3 hops at a time
            analyzer.process(block.audio)      # (n_hops * 160, 2) float32
            if cap.stats().degraded: ...

Design
------
* **The callback only copies.** Each stream callback puts ``(indata.copy(), monotonic
  arrival time, ADC delay, CallbackFlags)`` on a queue and wakes the reader. Resampling,
  alignment, statistics and analysis run on the thread that calls :meth:`Capture.read`.
* **Rate.** A device is opened at 16 kHz when ``sd.check_input_settings`` accepts it,
  else at its default rate, and resampled by :class:`~voicecoach.analysis.BlockAdapter`.
* **Alignment.** Each block's capture time is estimated as arrival time minus
  ``currentTime - inputBufferAdcTime`` (PortAudio's own clock, so host-API independent).
  At start the earlier stream is trimmed so both begin at the same instant; after that,
  blocks are aligned by sample count. The running minimum of each stream's *lateness*
  (capture time minus the nominal time of its position; bursts only make it larger)
  estimates the remaining misalignment (``skew_ms``; optionally corrected, see
  ``realign_ms``). Measured on PulseAudio with two streams on one sample-synchronous
  source, the start alignment was exact in most runs and off by up to ~6 ms in others:
  the server's per-stream buffering is invisible to the client.
* **Missing audio is silence.** A device that delivers nothing for ``stall_timeout_s`` is
  marked ``stalled`` and its column is filled with zeros while the other keeps going; a
  WASAPI loopback, for one, delivers nothing while the computer plays nothing. A stream
  that ends (unplugged device, server gone) is marked ``lost`` with the reason. When a
  stalled device delivers again it is placed back on the timeline by its capture time.
  Only when every device is lost does :meth:`Capture.read` raise.
* **Backlog.** PulseAudio never flags a slow consumer as an overflow, so the capture
  measures its own backlog: audio captured but not yet delivered (queue + buffers), and
  the delivered sample time against the wall clock (``lag_s``). Nothing is ever dropped
  for being late; ``backlog_exceeded`` says when the backlog passed ``queue_max_s``.
* **Clock drift.** Two devices run on two clocks. Each device's sample count is regressed
  on the monotonic clock; the difference of the two rates is the drift (ppm). Once it is
  significant (over ``drift_min_window_s``, larger than ``drift_min_ppm`` -- or
  ``drift_min_ppm_untimed`` when a stream gives arrival times only, as ``soundcard`` does --
  and 4 standard errors, widened by the fit's serial correlation) and each third of the
  window shows it (a latency creeping up under load tilts the whole window's line, not
  every third), the far device's stream is corrected by dropping or repeating one
  input sample now and then (at 100 ppm and 16 kHz, 1.6 samples per second, each in the middle of a
  block), which keeps the two columns aligned without a second resampler. The misalignment
  actually delivered is reported as ``skew_ms``.

Monitors and loopbacks
----------------------
PortAudio does not list PulseAudio/PipeWire monitors, and sounddevice's PortAudio has no
WASAPI loopback. With ``far_backend="auto"`` (the default) a far end that PortAudio does not
list but a monitor / loopback matches (``far="vc_far monitor"``) is read through the optional
`soundcard` package by :class:`~voicecoach.sources.loopback.SoundcardStream`, which feeds
the same queue as the sounddevice callbacks; alignment, drift correction, stall and loss
handling are the same (see :mod:`voicecoach.sources.loopback` for the choice of backend).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from ..analysis.blocks import BlockAdapter
from ..config import Config, load_config
from ..errors import DeviceError, ParameterError
from .capture_stats import (
    ABSENT,
    CLOSED,
    LOST,
    OK,
    STALLED,
    STARTING,
    CapturedBlock,
    CaptureStats,
    DeviceStats,
)
from .clock import (
    CLOCK_WARMUP_S,
    LATE_WINDOW_S,
    MIN_POINTS,
    DriftCorrector,
    RunningMin,
    drift_linear,
    drift_parts,
    drift_trusted,
    fit_clock,
)
from .devices import InputDevice, find_input, import_sounddevice
from .loopback import BACKENDS, LoopbackDevice, SoundcardStream, import_soundcard, resolve_far

__all__ = [  # the stats types are re-exported from capture_stats
    "AGENT",
    "CUSTOMER",
    "OK",
    "Capture",
    "CaptureStats",
    "CapturedBlock",
    "DeviceStats",
]

AGENT, CUSTOMER = 0, 1
_PARTY_NAMES = ("agent", "customer")

_FINISHED = object()  # queue sentinel: the stream ended
_WAKE_MARGIN = 8  # frames: the drift corrector's repeated samples, resampler rounding
POLL_S = 0.05  # the reader looks at the streams at least this often (stalls, the stop)


class _Wake:
    """Wakes the reader for a device's data only once the next block may be complete.

    Each stream's thread counts the frames it queues (:meth:`put`, :attr:`arrived`); the
    reader, before it sleeps, sets :attr:`want` per device: the frame count at which that
    device has what the next batch needs (already reached for a device that has it), or,
    with :attr:`any`, the next frame (before the start alignment, or a stalled device coming
    back). A stream sets the capture's event only when :func:`_due` holds for the group: all
    the awaited devices have their frames, or an ``any`` device has new data. One wake per
    batch instead of one per callback of either stream (a wake costs the reader more than
    the copy). A wrong estimate costs an extra wake (too early) or up to :data:`POLL_S` of
    lag (too late; :data:`_WAKE_MARGIN` keeps it early).
    """

    __slots__ = ("any", "arrived", "event", "group", "put_item", "want")

    def __init__(self, event: threading.Event, put: Callable[[Any], None],
                 group: list[_Wake]) -> None:
        self.event = event
        self.put_item = put
        self.group = group
        group.append(self)
        self.arrived = 0  # frames queued (written by the stream's thread only)
        self.want = 1
        self.any = True

    def put(self, item: Any) -> None:
        """Queue a stream item (``(data, arrival, adc_delay, status)`` or the sentinel)."""
        self.put_item(item)
        if item is _FINISHED:
            self.any = True
            self.want = 0
        else:
            self.arrived += item[0].shape[0]

    def set(self) -> None:
        """Wake the reader if what it waits for has arrived."""
        if _due(self.group):
            self.event.set()


def _due(group: list[_Wake]) -> bool:
    """An ``any`` device has new data, or every awaited device has its frames."""
    awaited = False
    for w in group:
        if w.any:
            if w.arrived >= w.want:
                return True
        elif w.arrived < w.want:
            return False
        else:
            awaited = True
    return awaited


class _Fifo:
    """Samples of one device on the output timeline: ``data[i]`` is output sample ``start + i``."""

    def __init__(self, columns: int) -> None:
        self.start = 0
        self.data = np.zeros((0, columns), np.float32)

    @property
    def end(self) -> int:
        return self.start + self.data.shape[0]

    def append(self, x: np.ndarray) -> None:
        self.data = np.concatenate([self.data, x]) if self.data.size else x

    def take(self, a: int, b: int, out: np.ndarray, cols: tuple[int, ...]) -> int:
        """Copy output samples [a, b) into ``out[:, cols]``, drop them; return samples covered."""
        lo, hi = max(a, self.start), min(b, self.end)
        covered = max(0, hi - lo)
        if covered:
            out[lo - a:hi - a, list(cols)] = self.data[lo - self.start:hi - self.start]
        cut = min(max(b - self.start, 0), self.data.shape[0])
        self.data = self.data[cut:]
        self.start += cut
        if not self.data.shape[0]:
            self.start = max(self.start, b)
        return covered


class _Device:
    """One input stream and everything the reader thread knows about it."""

    def __init__(self, name: str, backend: str, spec: Any, rate: int, channels: int,
                 columns: tuple[int, ...], parties: tuple[int, ...], hop: int,
                 target_sample_rate: int) -> None:
        self.name = name
        self.backend = backend
        self.spec = spec
        self.rate = rate
        self.channels = channels
        self.columns = columns
        self.parties = parties
        self.hop = hop
        self.target_sample_rate = target_sample_rate
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.wake: _Wake | None = None  # set by the capture
        self.stream: Any = None
        self.status = STARTING
        self.error: str | None = None
        self.latency_s: float | None = None
        self.callbacks = 0
        self.frames = 0
        self.overflows = 0
        self.other_flags = 0
        self.filled = 0
        self.last_arrival: float | None = None
        self.periods: deque[float] = deque(maxlen=3000)
        self.points: deque[tuple[float, int]] = deque(maxlen=12000)
        self.clock: tuple[float, float, float] | None = None  # (ppm, se_ppm, window_s)
        self.clock_from: float | None = None  # first arrival time used for the clock fit
        self.pending: list[tuple[np.ndarray, float]] = []  # before the start alignment
        self.adapter = self._new_adapter()
        self.fifo = _Fifo(len(columns))
        self.aligned = False
        self.flushed = False
        self.in_pushed = 0  # native frames pushed into the adapter since it was made
        self.out_pushed = 0  # output samples it returned
        self.queued_frames = 0
        self.origin = 0  # output sample where the current adapter's output starts
        self.skip_out = 0  # output samples still to drop (a realignment backwards)
        self.realigned = 0  # realignments done
        self.lateness = RunningMin(LATE_WINDOW_S)  # (arrival, s): running min of lateness
        self.drift = DriftCorrector()

    def _new_adapter(self) -> BlockAdapter:
        self.in_pushed = self.out_pushed = 0
        return BlockAdapter(self.rate, self.channels, self.columns,
                            target_sample_rate=self.target_sample_rate, hop_size=self.hop)


class Capture:
    """Capture the agent (microphone) and the customer (far end) as aligned 16 kHz hops.

    Parameters
    ----------
    mic : int, str or None
        Microphone device: index, name substring, or None for the default input.
    far : int, str or None
        Far-end device (a monitor / loopback / virtual cable): a PortAudio index or name
        substring, or a monitor / loopback string as ``voicecoach devices`` prints it
        (``"<sink> monitor"``, ``"<speaker> loopback"``). None with ``far_channel``
        None: no far end, its column is silence (status ``absent``). None with
        ``far_channel`` given: the far end is that channel of the ``mic`` device. The same
        device as ``mic`` is also read as one stream of two channels.
    config : Config, optional
        Output rate and hop from ``[analysis]``; every other setting below defaults to its
        ``[live]`` key (given here, it overrides the key).
    mic_channel, far_channel : int, optional
        Channel of each party on its device (defaults 0, and 1 when sharing a device).
    prefer_rate : int
        Rate to open devices at when they accept it (``[live] prefer_rate``); 0 opens every
        device at its default rate (resampled).
    blocksize_hops : int
        Stream block size, in hops (1 = 10 ms).
    latency : str or float
        PortAudio latency (``[live] latency``).
    max_hops : int or None
        Largest block :meth:`read` returns, in hops (None: everything available).
    batch_hops : int
        Smallest block :meth:`read` returns while running (``[live] batch_hops``): fewer
        hops are held back until this many are ready, or for at most ``batch_hops`` hops'
        time after the first one was, so the analysis runs once per batch (25 times a
        second for 4) instead of once or twice per stream callback: on a thread woken that
        often its cost per call (cold caches, Python and numpy overheads) outweighs its cost
        per hop. The block is returned as soon as the batch is complete; the price is
        display lag for the hops held back. 1: every hop as soon as both streams have it.
    stall_timeout_s : float
        No data for this long (s) marks a device ``stalled`` (and its column silence).
    start_timeout_s : float
        How long the start alignment waits for every device's first block, s.
    queue_max_s : float
        Backlog above this (s of audio) is counted in ``backlog_exceeded``.
    drift_correction : bool
        Correct the far device's clock drift (see the module notes).
    drift_min_window_s, drift_min_ppm : float
        When the drift estimate is trusted enough to correct it: measured over at least
        this long (s), and at least this large (ppm).
    realign_ms : float
        When the far device's misalignment (``skew_ms``, measured over 2 s windows) exceeds
        this, shift its stream back into line (silence inserted or samples dropped). 0: off,
        the default: on PulseAudio each stream's server-side buffering biases its capture
        times by a few ms, so ``skew_ms`` is a diagnostic, not a measurement to a sample.
    min_channels : int
        Open every device with at least this many channels (2 keeps PulseAudio from
        down-mixing a stereo source into the one channel read). A device whose channel is
        given (``mic_channel``, ``far_channel``) is opened with at least 2 whatever this
        says, when it has them: that channel is read, not the down-mix.
    far_backend : {"auto", "sounddevice", "soundcard"}
        How ``far`` is read: ``"soundcard"`` through the `soundcard` package (PulseAudio
        monitors, WASAPI loopback), ``"sounddevice"`` through PortAudio, ``"auto"`` chooses
        (:func:`~voicecoach.sources.loopback.resolve_far`).

    Raises
    ------
    DeviceError
        PortAudio missing, a device not found or ambiguous, or a device that accepts no
        usable rate or not enough channels.
    ParameterError
        Inconsistent arguments.
    """

    def __init__(
        self,
        mic: int | str | None = None,
        far: int | str | None = None,
        *,
        config: Config | None = None,
        mic_channel: int | None = None,
        far_channel: int | None = None,
        prefer_rate: int | None = None,
        blocksize_hops: int | None = None,
        latency: str | float | None = None,
        max_hops: int | None = None,
        batch_hops: int | None = None,
        stall_timeout_s: float | None = None,
        start_timeout_s: float | None = None,
        queue_max_s: float | None = None,
        drift_correction: bool | None = None,
        drift_min_window_s: float | None = None,
        drift_min_ppm: float | None = None,
        realign_ms: float | None = None,
        min_channels: int | None = None,
        far_backend: str | None = None,
    ) -> None:
        cfg = config if config is not None else load_config()
        live = cfg.live

        def pick(value: Any, key: str) -> Any:
            return getattr(live, key) if value is None else value

        prefer_rate = pick(prefer_rate, "prefer_rate")
        blocksize_hops = pick(blocksize_hops, "blocksize_hops")
        batch_hops = pick(batch_hops, "batch_hops")
        latency = pick(latency, "latency")
        stall_timeout_s = pick(stall_timeout_s, "stall_timeout_s")
        start_timeout_s = pick(start_timeout_s, "start_timeout_s")
        queue_max_s = pick(queue_max_s, "queue_max_s")
        drift_correction = pick(drift_correction, "drift_correction")
        drift_min_window_s = pick(drift_min_window_s, "drift_min_window_s")
        drift_min_ppm = pick(drift_min_ppm, "drift_min_ppm")
        drift_min_ppm_untimed = pick(None, "drift_min_ppm_untimed")
        realign_ms = pick(realign_ms, "realign_ms")
        min_channels = pick(min_channels, "min_channels")
        far_backend = pick(far_backend, "far_backend")
        sample_rate = cfg.analysis.sample_rate
        hop_size = cfg.analysis.hop_size
        if far_backend not in BACKENDS:
            raise ParameterError(
                f"far_backend {far_backend!r} is unknown; use one of {', '.join(BACKENDS)}")
        if blocksize_hops < 1 or batch_hops < 1 or (max_hops is not None and max_hops < 1):
            raise ParameterError(
                f"blocksize_hops ({blocksize_hops}), batch_hops ({batch_hops}) and max_hops "
                f"({max_hops}) must be >= 1")
        if max_hops is not None:
            batch_hops = min(batch_hops, max_hops)
        for what, v in (("stall_timeout_s", stall_timeout_s),
                        ("start_timeout_s", start_timeout_s), ("queue_max_s", queue_max_s)):
            if not v > 0:
                raise ParameterError(f"{what} must be > 0 seconds, got {v!r}")
        self.sample_rate = sample_rate
        self.hop_size = hop_size
        self.prefer_rate = prefer_rate
        self.blocksize_hops = blocksize_hops
        self.latency = latency
        self.max_hops = max_hops
        self.batch_hops = batch_hops
        self.batch_wait_s = batch_hops * hop_size / sample_rate
        self.stall_timeout_s = stall_timeout_s
        self.start_timeout_s = start_timeout_s
        self.queue_max_s = queue_max_s
        self.drift_correction = drift_correction
        self.drift_min_window_s = drift_min_window_s
        self.drift_min_ppm = drift_min_ppm
        self.drift_min_ppm_untimed = max(drift_min_ppm, drift_min_ppm_untimed)
        self.realign_s = math.inf if not realign_ms else realign_ms / 1000.0
        self.min_channels = min_channels

        self._sd = import_sounddevice()
        mic_dev = find_input(mic)
        self.devices: list[_Device] = []
        self._absent_far = False
        if far_backend == "soundcard" and far is None:
            raise ParameterError(
                "far_backend='soundcard' needs far= (a monitor or loopback, e.g. "
                "'<sink> monitor'; voicecoach devices lists them)")
        choice = resolve_far(far, far_backend) if far is not None else None
        if choice is not None and choice.backend == "soundcard":
            assert isinstance(choice.device, LoopbackDevice)
            self.devices.append(self._sd_device(mic_dev, (mic_channel or 0,), (AGENT,),
                                                explicit=mic_channel is not None))
            self.devices.append(self._soundcard_device(
                choice.device, far_channel or 0, explicit=far_channel is not None))
        else:
            far_dev = choice.device if choice is not None else None
            assert far_dev is None or isinstance(far_dev, InputDevice)
            if far_dev is None and far_channel is not None:
                far_dev = mic_dev
            if far_dev is not None and far_dev.index == mic_dev.index:
                mc = 0 if mic_channel is None else mic_channel
                fc = 1 if far_channel is None else far_channel
                if mc == fc:
                    raise ParameterError(
                        f"mic and far are the same device {mic_dev.name!r} and the same "
                        f"channel {mc}; give far_channel (e.g. --far-channel 1) or another "
                        f"far device")
                self.devices.append(self._sd_device(mic_dev, (mc, fc), (AGENT, CUSTOMER)))
            else:
                self.devices.append(self._sd_device(mic_dev, (mic_channel or 0,), (AGENT,),
                                                    explicit=mic_channel is not None))
                if far_dev is not None:
                    self.devices.append(self._sd_device(
                        far_dev, (far_channel or 0,), (CUSTOMER,),
                        explicit=far_channel is not None))
                else:
                    self._absent_far = True
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._wakes: list[_Wake] = []  # one per stream (see _Wake)
        self._started = False
        self._stopping = False
        self._stopped = False
        self._t_start: float | None = None
        self._aligned = False
        self._out = 0  # output samples delivered
        self._t0: float | None = None  # capture time of output sample 0 (nominal)
        self._late = 0.0  # the master's lateness: output sample j was captured at
        #                   t0 + j / sample_rate + _late
        self._backlog = 0.0
        self._backlog_max = 0.0
        self._backlog_exceeded = 0
        self._lag_max = 0.0
        self._latencies: deque[float] = deque(maxlen=6000)
        self._skews: deque[float] = deque(maxlen=200)
        self._drift: tuple[float, float] | None = None
        self._drift_on = False
        self._next_drift_update = 0.0
        self._ready_since: float | None = None  # when the first held-back hop was ready

    # ------------------------------------------------------------------ construction
    def _pick_rate(self, dev: InputDevice, channels: int) -> int:
        sd = self._sd
        candidates = []
        if self.prefer_rate:
            candidates.append(int(self.prefer_rate))
        candidates += [round(dev.default_samplerate), 48000, 44100]
        tried = []
        for rate in dict.fromkeys(candidates):
            if not 8000 <= rate <= 48000:
                continue
            try:
                sd.check_input_settings(device=dev.index, channels=channels,
                                        dtype="float32", samplerate=rate)
            except Exception as exc:  # PortAudioError, ValueError
                tried.append(f"{rate} Hz: {exc}")
                continue
            return rate
        raise DeviceError(
            f"input device {dev.describe()} accepts none of the rates tried with {channels} "
            f"channel(s): {'; '.join(tried)}. Choose another device (voicecoach devices)")

    def _open_channels(self, columns: tuple[int, ...], n_channels: int, explicit: bool) -> int:
        """How many channels to open to read ``columns`` of a device with ``n_channels``.

        A channel named by the caller (``mic_channel`` / ``far_channel``) is that channel of
        the device: the device is opened with at least 2 channels when it has them, since a
        PulseAudio or PipeWire source (and ALSA's ``plug``) opened with one channel gives the
        *down-mix* of its channels, not its first one. Otherwise at least ``min_channels``.
        """
        least = max(self.min_channels, 2) if explicit else self.min_channels
        return max(max(columns) + 1, min(least, n_channels))

    def _sd_device(self, dev: InputDevice, columns: tuple[int, ...],
                   parties: tuple[int, ...], explicit: bool = False) -> _Device:
        channels = self._open_channels(columns, dev.max_input_channels, explicit)
        if channels > dev.max_input_channels:
            raise DeviceError(
                f"input device {dev.describe()} has {dev.max_input_channels} channel(s), "
                f"channel {max(columns)} was requested; channels count from 0")
        rate = self._pick_rate(dev, channels)
        return _Device(dev.name, "sounddevice", dev.index, rate, channels, columns, parties,
                       self.hop_size, self.sample_rate)

    def _soundcard_device(self, dev: LoopbackDevice, channel: int,
                          explicit: bool = False) -> _Device:
        if channel >= dev.channels:
            raise DeviceError(
                f"the loopback {dev.far!r} has {dev.channels} channel(s), channel {channel} "
                f"was requested; channels count from 0")
        sc = import_soundcard()
        try:
            mic = sc.get_microphone(dev.id, include_loopback=True)
        except Exception as exc:  # gone since it was listed
            raise DeviceError(f"the loopback {dev.far!r} ({dev.id}) is gone: {exc}; "
                              f"voicecoach devices lists the monitors and loopbacks") from exc
        channels = self._open_channels((channel,), dev.channels, explicit)
        return _Device(dev.far, "soundcard", mic, self.sample_rate, channels, (channel,),
                       (CUSTOMER,), self.hop_size, self.sample_rate)

    # ------------------------------------------------------------------ lifecycle
    @property
    def source_rates_hz(self) -> list[float | None]:
        """Each party's device rate before resampling to 16 kHz, Hz (``[agent, customer]``;
        None without a far end). A loopback read through soundcard is delivered at 16 kHz
        and reads 16000: the telephone line behind it is not visible."""
        rates: list[float | None] = [None, None]
        for d in self.devices:
            for p in d.parties:
                rates[p] = float(d.rate)
        return rates

    def start(self) -> Capture:
        """Open and start the streams. Raises :class:`DeviceError` when one cannot open.

        Returns
        -------
        Capture
            ``self`` (a second call does nothing).
        """
        if self._started:
            return self
        self._t_start = time.monotonic()
        try:
            for d in self.devices:
                if d.backend == "sounddevice":
                    d.stream = self._open_sd(d)
                else:
                    d.wake = _Wake(self._wake, d.queue.put, self._wakes)
                    d.stream = SoundcardStream(
                        d.spec, d.rate, d.channels, self.hop_size * self.blocksize_hops,
                        d.wake.put, d.wake, _FINISHED,
                        open_timeout_s=max(5.0, self.start_timeout_s))
            for d in self.devices:
                d.stream.start()
                d.latency_s = float(getattr(d.stream, "latency", 0.0) or 0.0) or None
        except BaseException:
            self.close()
            raise
        self._started = True
        return self

    def _open_sd(self, d: _Device) -> Any:
        sd = self._sd
        d.wake = w = _Wake(self._wake, d.queue.put, self._wakes)
        put, now, finished, event = d.queue.put, time.monotonic, _FINISHED, self._wake
        group, due = self._wakes, _due

        def callback(indata, frames, time_info, status):  # PortAudio thread: copy only
            put((indata.copy(), now(), time_info.currentTime - time_info.inputBufferAdcTime,
                 status))
            w.arrived += frames
            if due(group):  # the next block may be complete: wake the reader
                event.set()

        def on_finished():
            put(finished)
            w.any = True
            w.want = 0
            event.set()

        try:
            return sd.InputStream(
                device=d.spec, samplerate=d.rate, channels=d.channels, dtype="float32",
                blocksize=round(d.rate * self.hop_size * self.blocksize_hops
                                    / self.sample_rate),
                latency=self.latency, callback=callback, finished_callback=on_finished)
        except Exception as exc:  # PortAudioError
            raise DeviceError(
                f"cannot open input device {d.name!r} at {d.rate} Hz with {d.channels} "
                f"channel(s): {exc}. Is it in use or unplugged? voicecoach devices lists "
                f"the inputs") from exc

    def stop(self) -> None:
        """Stop the streams; :meth:`read` then returns what is left, then None."""
        self._stopping = True
        for d in self.devices:
            if d.stream is not None:
                try:
                    d.stream.stop()
                except Exception as exc:  # a lost device may fail to stop
                    d.error = d.error or f"stop failed: {exc}"
        self._stopped = True
        self._wake.set()

    def close(self) -> None:
        """Stop and release the streams."""
        self.stop()
        for d in self.devices:
            if d.stream is not None:
                try:
                    d.stream.close()
                except Exception as exc:
                    d.error = d.error or f"close failed: {exc}"
                d.stream = None
            if d.status in (OK, STARTING, STALLED):
                d.status = CLOSED

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self):
        """Yield :class:`CapturedBlock` until stopped and drained."""
        while True:
            blk = self.read(timeout=0.5)
            if blk is None:
                if self._stopping and self._drained():
                    return
                continue
            yield blk

    # ------------------------------------------------------------------ reading
    def read(self, timeout: float | None = None) -> CapturedBlock | None:
        """Return the next aligned block, waiting up to ``timeout`` seconds (None: forever).

        Returns None on timeout, and once stopped and drained.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; None waits until a block is ready or the capture ends.

        Returns
        -------
        CapturedBlock or None

        Raises
        ------
        ParameterError
            If :meth:`start` was not called.
        DeviceError
            Every device is lost (the message says why); audio delivered before is valid.
        """
        if not self._started:
            raise ParameterError("call start() (or use `with Capture(...)`) before read()")
        deadline = None if timeout is None else time.monotonic() + timeout
        recheck = True
        while True:
            self._wake.clear()
            with self._lock:
                self._pump()
                blk = self._emit()
                if blk is not None:
                    return blk
                if self._stopping and self._drained():
                    return None
                if (not self._stopping and all(d.status == LOST for d in self.devices)
                        and self._drained()):
                    raise DeviceError(
                        "all input devices lost: " + "; ".join(
                            f"{d.name}: {d.error}" for d in self.devices)
                        + ". The audio captured until then was delivered")
                due = self._set_wants()
                if due and recheck:  # data came in meanwhile: look again now (once)
                    recheck = False
                    continue
            wait = POLL_S
            if self._ready_since is not None:  # hops held back for a batch: not past its due
                wait = min(wait, max(0.0, self._ready_since + self.batch_wait_s
                                     - time.monotonic()) + 1e-4)
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    return None
            self._wake.wait(wait)
            recheck = True

    def _set_wants(self) -> bool:
        """Tell each stream's :class:`_Wake` what completes the next batch.

        Returns True when it is already there (data came in after the pump): look again.
        """
        target = self._out + self.batch_hops * self.hop_size
        for d in self.devices:
            w = d.wake
            if w is None:
                continue
            if not self._aligned or self._stopping or d.status != OK or not d.aligned:
                w.want = d.frames + 1  # any data: the start, a stalled device's return
                w.any = True
                continue
            lack = target - d.fifo.end
            frames = lack * d.rate // self.sample_rate - _WAKE_MARGIN if lack > 0 else 0
            w.want = d.frames + max(0 if lack <= 0 else 1, frames)
            w.any = False
        return _due(self._wakes)

    def _drained(self) -> bool:
        return all(d.queue.empty() and d.fifo.end <= self._out and not d.pending
                   for d in self.devices)

    def _pump(self) -> None:
        now = time.monotonic()
        backlog = 0.0
        for d in self.devices:
            queued = 0
            items = []
            while True:
                try:
                    items.append(d.queue.get_nowait())
                except queue.Empty:
                    break
            for item in items:
                if item is _FINISHED:
                    if not self._stopping and d.status != LOST:
                        before = None if d.status == STALLED else d.error  # not "no audio"
                        d.status = LOST
                        d.error = (getattr(d.stream, "error", None) or before
                                   or "the stream ended (device unplugged or server gone)")
                    continue
                queued += item[0].shape[0]
                self._ingest(d, *item)
            b = queued / d.rate + max(0, d.fifo.end - self._out) / self.sample_rate
            backlog = max(backlog, b)
            d.queued_frames = queued
            if d.status == OK and d.last_arrival is not None \
                    and now - d.last_arrival > self.stall_timeout_s and not self._stopping:
                d.status = STALLED
                d.error = f"no audio for more than {self.stall_timeout_s:.2f} s"
                d.points.clear()
                d.clock_from = None
            if self._stopped and not d.flushed and d.aligned and d.status != LOST:
                d.flushed = True
                self._push(d, None, now)
        self._backlog = backlog
        self._backlog_max = max(self._backlog_max, backlog)
        if backlog > self.queue_max_s:
            self._backlog_exceeded += 1
        if not self._aligned:
            started = [d for d in self.devices if d.pending]
            if (len(started) == len(self.devices)
                    or (started and now - (self._t_start or now) > self.start_timeout_s)
                    or self._stopping):
                self._align_start(started)
        if now >= self._next_drift_update:
            self._next_drift_update = now + 1.0
            self._update_drift()

    def _ingest(self, d: _Device, data: np.ndarray, arrival: float, adc_delay: float,
                status: Any) -> None:
        n = data.shape[0]
        if status:
            if getattr(status, "input_overflow", False):
                d.overflows += 1
            else:
                d.other_flags += 1
        if d.last_arrival is not None:
            d.periods.append(arrival - d.last_arrival)
        d.last_arrival = arrival
        d.callbacks += 1
        d.frames += n
        d.points.append((arrival, d.frames))
        if not 0.0 <= adc_delay < 1.0:  # host API gives no ADC time
            adc_delay = n / d.rate + (d.latency_s or 0.0)
        t_first = arrival - adc_delay
        if d.status == LOST:
            return
        if not self._aligned:
            d.pending.append((data, t_first))
            return
        if d.status in (STALLED, STARTING):
            self._resume(d, t_first)
        self._push(d, data, t_first)

    def _align_start(self, started: list[_Device]) -> None:
        """Trim the earlier streams so every started device begins at the same instant.

        A device's start is the lower envelope of ``t_first - frames_before / rate`` over
        its first blocks: a callback can come late (PulseAudio delivers in bursts), never
        early, so the minimum is the best estimate.
        """
        self._aligned = True
        if not started:
            return
        origins = {}
        for d in started:
            before, best = 0, math.inf
            for data, t_first in d.pending:
                best = min(best, t_first - before / d.rate)
                before += data.shape[0]
            origins[id(d)] = best
        t0 = max(origins.values())
        self._t0 = t0
        for d in self.devices:
            if d not in started:
                if not self._stopping:
                    d.status = STALLED
                    d.error = f"no audio within {self.start_timeout_s:.1f} s of the start"
                continue
            d.status = OK
            d.aligned = True
            skip = max(0, round((t0 - origins[id(d)]) * d.rate))
            d.origin = 0
            for data, t_first in d.pending:
                cut = min(skip, data.shape[0])
                skip -= cut
                if cut < data.shape[0]:
                    self._push(d, data[cut:], t_first + cut / d.rate)
            d.pending.clear()

    def _resume(self, d: _Device, t_first: float) -> None:
        """Place a device that delivers again on the output timeline by its capture time.

        Audio placed before what was already delivered (as silence) is dropped by the fifo.
        """
        t0 = self._t0 if self._t0 is not None else t_first
        pos = round((t_first - t0 - self._late) * self.sample_rate)
        d.adapter = d._new_adapter()
        if d.fifo.end > self._out:  # undelivered audio from before the stall: keep it
            if pos > d.fifo.end:
                d.fifo.append(np.zeros((pos - d.fifo.end, len(d.columns)), np.float32))
            pos = d.fifo.end
        else:
            d.fifo.data = d.fifo.data[:0]
            d.fifo.start = pos
        d.origin = pos
        d.lateness.clear()
        d.skip_out = 0
        d.drift.reset()
        d.aligned = True
        d.status = OK
        d.error = None

    def _push(self, d: _Device, data: np.ndarray | None, t_first: float) -> None:
        """Resample ``data`` (None: flush) into ``d``'s fifo; ``t_first``: its capture time."""
        master = self._master()
        if data is None:
            out = d.adapter.flush()
            d.out_pushed += out.shape[0]
            if out.shape[0]:
                d.fifo.append(out)
            return
        if self._drift_on and master is not None and d is not master:
            data = d.drift.apply(data)
        # Lateness of this block: its capture time minus the nominal time of the output
        # sample its first sample becomes. Its lower envelope tracks the device's clock.
        pos = d.origin + d.in_pushed * self.sample_rate / d.rate
        if self._t0 is not None:
            late = t_first - self._t0 - pos / self.sample_rate
            d.lateness.add(t_first, late)
            if d is master:
                self._late = d.lateness.value
            elif master is not None and master.lateness:
                skew = d.lateness.value - master.lateness.value
                self._skews.append(skew)
                if (abs(skew) > self.realign_s and min(t_first - d.lateness.since,
                        t_first - (master.lateness.since or t_first)) >= LATE_WINDOW_S):
                    self._realign(d, skew)
        out = d.adapter.push(data)
        d.in_pushed += data.shape[0]
        d.out_pushed += out.shape[0]
        if d.skip_out and out.shape[0]:
            cut = min(d.skip_out, out.shape[0])
            d.skip_out -= cut
            out = out[cut:]
        if out.shape[0]:
            d.fifo.append(out)

    def _realign(self, d: _Device, skew_s: float) -> None:
        """Shift ``d``'s future samples by ``skew_s`` (its lateness minus the master's).

        Positive: its samples were captured later than the master's delivered with them, so
        its next samples move later (silence inserted); negative: samples are dropped.
        """
        k = round(skew_s * self.sample_rate)
        if k > 0:
            d.fifo.append(np.zeros((k, len(d.columns)), np.float32))
        elif k < 0:
            avail = max(0, min(-k, d.fifo.end - self._out))
            if avail:
                d.fifo.data = d.fifo.data[:-avail]
            d.skip_out += -k - avail
        d.origin += k
        d.realigned += 1
        d.lateness.clear()

    def _master(self) -> _Device | None:
        for d in self.devices:
            if d.status == OK and d.aligned:
                return d
        return None

    def _emit(self) -> CapturedBlock | None:
        if not self._aligned:
            return None
        hop = self.hop_size
        live = [d for d in self.devices if d.status == OK and d.aligned]
        if self._stopping or all(d.status == LOST for d in self.devices):
            end = max([d.fifo.end for d in self.devices if d.aligned] + [self._out])
            end = -(-end // hop) * hop if end > self._out else end
        elif not live:
            return None
        else:
            end = min(d.fifo.end for d in live)
            end = (end // hop) * hop
        if self.max_hops is not None:
            end = min(end, self._out + self.max_hops * hop)
        a = self._out
        if end <= a:
            return None
        if live and not self._stopping and end - a < self.batch_hops * hop:
            now = time.monotonic()  # too few hops for a batch: hold them back a little
            if self._ready_since is None:
                self._ready_since = now
            if now - self._ready_since < self.batch_wait_s:
                return None
        self._ready_since = None
        n = end - a
        audio = np.zeros((n, 2), np.float32)
        filled = [self._absent_far and p == CUSTOMER for p in (AGENT, CUSTOMER)]
        for d in self.devices:
            covered = d.fifo.take(a, end, audio, d.parties)
            if covered < n:
                d.filled += n - covered
                for p in d.parties:
                    filled[p] = True
        self._out = end
        now = time.monotonic()
        t_first = self._time_of(a)
        t_last = self._time_of(end - 1)
        if t_last is not None:
            self._latencies.append(now - t_last)
        if self._t0 is not None:
            self._lag_max = max(self._lag_max, now - self._t0 - end / self.sample_rate)
        return CapturedBlock(audio, a // hop, t_first if t_first is not None else now,
                             (filled[0], filled[1]))

    def _time_of(self, out_sample: int) -> float | None:
        if self._t0 is None:
            return None
        return self._t0 + out_sample / self.sample_rate + self._late

    # ------------------------------------------------------------------ drift
    @staticmethod
    def _clock(d: _Device) -> tuple[float, float, float] | None:
        """(ppm, standard error ppm, window s) of ``d``'s sample clock (:func:`fit_clock`)."""
        if len(d.points) < MIN_POINTS:
            return None
        if d.clock_from is None:
            d.clock_from = d.points[0][0] + CLOCK_WARMUP_S
        return fit_clock(d.points, d.rate, d.clock_from)

    @staticmethod
    def _parts(mic: _Device, far: _Device) -> list[tuple[float, float] | None]:
        """The far device's drift against the microphone's over each third of their window."""
        return drift_parts((mic.points, mic.rate, mic.clock_from or 0.0),
                            (far.points, far.rate, far.clock_from or 0.0))

    def _update_drift(self) -> None:
        for d in self.devices:
            d.clock = self._clock(d) if d.status == OK else None
        if len(self.devices) < 2:
            return
        mic, far = self.devices[0], self.devices[1]
        if mic.clock is None or far.clock is None:
            return
        ppm = far.clock[0] - mic.clock[0]
        se = math.hypot(far.clock[1], mic.clock[1])
        self._drift = (ppm, se)
        window = min(far.clock[2], mic.clock[2])
        # soundcard streams give arrival times only (no ADC time stamps): more jitter
        untimed = "soundcard" in (mic.backend, far.backend)
        min_ppm = self.drift_min_ppm_untimed if untimed else self.drift_min_ppm
        trusted = drift_trusted(ppm, se, window, self.drift_min_window_s, min_ppm)
        if trusted and self.drift_correction:  # and a straight line, not a latency creeping up
            trusted = drift_linear(ppm, self._parts(mic, far), min_ppm)
        if self.drift_correction and trusted:
            self._drift_on = True
            far.drift.rel = ppm * 1e-6
        elif self._drift_on and abs(ppm) < min_ppm / 2:
            self._drift_on = False
            far.drift.rel = 0.0

    # ------------------------------------------------------------------ stats
    def stats(self) -> CaptureStats:
        """A consistent snapshot of the counters (safe from any thread).

        Returns
        -------
        CaptureStats
            Per device and overall (times in s, callback periods in ms, drift in ppm).
        """
        with self._lock:
            now = time.monotonic()
            devs = []
            for d in self.devices:
                per = np.asarray(d.periods, np.float64) * 1000.0 if d.periods else None
                clock = d.clock or self._clock(d)
                devs.append(DeviceStats(
                    name=d.name,
                    parties=tuple(_PARTY_NAMES[p] for p in d.parties),
                    backend=d.backend,
                    sample_rate=d.rate,
                    channels=d.channels,
                    status=d.status,
                    error=d.error,
                    latency_s=d.latency_s,
                    callbacks=d.callbacks,
                    frames=d.frames,
                    overflows=d.overflows,
                    other_flags=d.other_flags,
                    silence_filled_s=d.filled / self.sample_rate,
                    backlog_s=d.queued_frames / d.rate
                    + max(0, d.fifo.end - self._out) / self.sample_rate,
                    callback_period_ms=None if per is None else float(per.mean()),
                    callback_jitter_ms=None if per is None else float(per.std()),
                    callback_p99_ms=None if per is None else float(np.percentile(per, 99)),
                    callback_max_ms=None if per is None else float(per.max()),
                    clock_ppm=None if clock is None else clock[0],
                    clock_ppm_se=None if clock is None else clock[1],
                    drift_dropped=d.drift.dropped,
                    drift_repeated=d.drift.repeated,
                    realigned=d.realigned,
                ))
            if self._absent_far:
                devs.append(DeviceStats(
                    name="(none)", parties=("customer",), backend="none", sample_rate=0,
                    channels=0, status=ABSENT, error="no far-end device given",
                    latency_s=None, callbacks=0, frames=0, overflows=0, other_flags=0,
                    silence_filled_s=self._out / self.sample_rate, backlog_s=0.0,
                    callback_period_ms=None, callback_jitter_ms=None, callback_p99_ms=None,
                    callback_max_ms=None, clock_ppm=None, clock_ppm_se=None,
                    drift_dropped=0, drift_repeated=0, realigned=0))
            lat = np.asarray(self._latencies) if self._latencies else None
            lag = (now - self._t0 - self._out / self.sample_rate) if self._t0 else 0.0
            return CaptureStats(
                devices=tuple(devs),
                hops=self._out // self.hop_size,
                delivered_s=self._out / self.sample_rate,
                backlog_s=self._backlog,
                backlog_max_s=self._backlog_max,
                backlog_exceeded=self._backlog_exceeded,
                lag_s=lag,
                lag_max_s=max(self._lag_max, lag),
                latency_p50_s=None if lat is None else float(np.percentile(lat, 50)),
                latency_p99_s=None if lat is None else float(np.percentile(lat, 99)),
                latency_max_s=None if lat is None else float(lat.max()),
                drift_ppm=None if self._drift is None else self._drift[0],
                drift_se_ppm=None if self._drift is None else self._drift[1],
                drift_corrected=self._drift_on,
                skew_ms=float(np.median(self._skews)) * 1000 if self._skews else None,
                overflows=sum(d.overflows for d in self.devices),
                degraded=any(s.status not in (OK, CLOSED) for s in devs),
            )

