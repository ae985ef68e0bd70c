"""Far-end capture through the `soundcard` package: PulseAudio/PipeWire monitors, WASAPI loopback.

The far end of a call is what the computer plays. PortAudio (sounddevice) reaches it on
macOS through a virtual device (BlackHole, an ordinary input) but not on the other systems:

* **Linux**: PortAudio does not list PulseAudio/PipeWire *monitor* sources. `soundcard`
  talks to the PulseAudio server (``pipewire-pulse`` included) directly and lists them, so
  ``--far "<sink> monitor"`` works without an ``~/.asoundrc`` entry.
* **Windows**: the PortAudio DLL bundled with sounddevice has no WASAPI loopback.
  `soundcard` opens any output device in loopback (``--far "<speaker> loopback"``).

Why `soundcard` and not PyAudioWPatch: both are maintained and read WASAPI loopback, but
PyAudioWPatch is a Windows-only PortAudio fork, so its code path could never run in this
project's CI (Linux, no sound card). `soundcard` is pure Python over cffi with one API for
WASAPI (Windows), PulseAudio (Linux) and Core Audio, so the very backend class used on
Windows, :class:`SoundcardStream`, is exercised on Linux against the PulseAudio test rig
(``tests/live/test_loopback_live.py``). It also returns zeros while a WASAPI loopback has
nothing to play (0.4.6) instead of blocking. What it lacks: no ADC time stamps and no
overflow flags; the capture times a block by its arrival less its length (arrivals only
come late, and the start alignment keeps the earliest) and measures its own backlog instead
of the second (as it already does for PulseAudio). `soundcard`'s ``latency`` (PulseAudio's
``pa_stream_get_latency``) is not used: it counts the audio waiting unread in the stream, so
read at the open it grew with however long the reader thread waited to run (a 120 ms stall
put the far end 112 ms early for the whole call).

Backend choice (``[live] far_backend = "auto"``, see :func:`resolve_far`): a far-end
name that PortAudio lists is read through sounddevice; on Linux, a name PortAudio does not
list but a PulseAudio monitor matches is read through `soundcard`; on Windows, a name that
matches a loopback (a speaker) is read through `soundcard` first.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import DeviceError
from .devices import InputDevice, NoMatchingDeviceError, find_input, format_inputs

__all__ = [
    "BACKENDS",
    "LOOPBACK_INSTALL",
    "FarChoice",
    "LoopbackDevice",
    "SoundcardStream",
    "far_string",
    "find_loopback",
    "format_far_candidates",
    "import_soundcard",
    "list_loopbacks",
    "resolve_far",
]

#: Accepted values of ``[live] far_backend`` / ``--far-backend``.
BACKENDS = ("auto", "sounddevice", "soundcard")

#: How to install the optional package.
LOOPBACK_INSTALL = "pip install 'voicecoach[loopback]' (the soundcard package)"

#: Words a ``--far`` string may end with to say "the monitor / loopback of".
_SUFFIXES = (" monitor", " loopback")


def import_soundcard() -> ModuleType:
    """Import `soundcard`, or raise :class:`DeviceError` saying how to fix it.

    On Linux, importing `soundcard` connects to the PulseAudio server (``PULSE_SERVER``
    or the user's default); without one it fails, and that too is a :class:`DeviceError`.

    Returns
    -------
    module
        ``soundcard``.

    Raises
    ------
    DeviceError
        If the package is missing or there is no sound server.
    """
    argv = getattr(sys, "argv", None)
    # soundcard 0.4.6 names its PulseAudio client after sys.argv and fails with IndexError
    # under `python -c` (argv == ["-c"]), a bare `-m`, or an embedding interpreter (no argv;
    # pytest-xdist's workers are `-c`): give it a name for the import
    unnamed = not argv or (argv[0] in ("-c", "-m") and len(argv) < 2)
    try:
        if unnamed:
            sys.argv = ["voicecoach"]
        return importlib.import_module("soundcard")
    except ImportError as exc:
        raise DeviceError(
            f"the soundcard package is not installed ({exc}); it reads PulseAudio/PipeWire "
            f"monitors and WASAPI loopback for --far: {LOOPBACK_INSTALL}") from exc
    except Exception as exc:  # AssertionError/RuntimeError: no server to connect to
        raise DeviceError(
            f"soundcard could not reach the sound server ({type(exc).__name__}: {exc}); on "
            f"Linux PulseAudio or PipeWire (pipewire-pulse) must run: `pactl info` must "
            f"answer") from exc
    finally:
        if unnamed:
            if argv is None:
                del sys.argv
            else:
                sys.argv = argv


@dataclass(frozen=True)
class LoopbackDevice:
    """A monitor / loopback source as `soundcard` lists it.

    Attributes
    ----------
    id : str
        The backend's id (PulseAudio source name such as ``"vc_far.monitor"``; a WASAPI
        endpoint id on Windows).
    name : str
        Human-readable name (not unique: two PulseAudio monitors may share it).
    far : str
        The exact string to pass to ``--far`` (``"vc_far monitor"``; ``"<speaker>
        loopback"`` on Windows).
    channels : int
        Channels of the source.
    """

    id: str
    name: str
    far: str
    channels: int


def far_string(dev_id: str, name: str) -> str:
    """The ``--far`` string of a loopback: ``"<sink> monitor"`` (Linux), ``"<name> loopback"``.

    Parameters
    ----------
    dev_id : str
        The `soundcard` source id (``"<sink>.monitor"`` on Linux).
    name : str
        Its name (used when the id is not a monitor's).

    Returns
    -------
    str
    """
    if dev_id.endswith(".monitor"):
        return f"{dev_id[: -len('.monitor')]} monitor"
    return f"{name} loopback"


def list_loopbacks(sc: Any = None, platform: str | None = None) -> list[LoopbackDevice]:
    """Monitor / loopback sources `soundcard` can read (empty on macOS: use BlackHole).

    Parameters
    ----------
    sc : module, optional
        The `soundcard` module (tests pass a fake); imported when None.
    platform : str, optional
        ``sys.platform`` (tests pass another).

    Returns
    -------
    list of LoopbackDevice
        Possibly empty.

    Raises
    ------
    DeviceError
        `soundcard` missing or no sound server.
    """
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        return []
    sc = import_soundcard() if sc is None else sc
    try:
        mics = sc.all_microphones(include_loopback=True)
    except Exception as exc:
        raise DeviceError(f"soundcard could not list the sources: {exc}") from exc
    out = []
    for m in mics:
        if not getattr(m, "isloopback", False):
            continue
        ch = m.channels
        out.append(LoopbackDevice(id=str(m.id), name=str(m.name),
                                  far=far_string(str(m.id), str(m.name)),
                                  channels=len(ch) if isinstance(ch, list | tuple) else int(ch)))
    return out


def _norm(s: str) -> str:
    return " ".join(s.lower().replace(".", " ").split())


def find_loopback(spec: str, devices: list[LoopbackDevice]) -> LoopbackDevice | None:
    """The loopback ``spec`` names, or None.

    An exact (case-insensitive, ``.`` read as a space) match of the ``--far`` string, the
    id or the name wins; else ``spec`` without a trailing "monitor"/"loopback" must be a
    part of exactly one device's ``--far`` string or name.

    Parameters
    ----------
    spec : str
        ``--far``.
    devices : list of LoopbackDevice
        From :func:`list_loopbacks`.

    Returns
    -------
    LoopbackDevice or None
        None when nothing matches (or ``spec`` is blank).

    Raises
    ------
    DeviceError
        ``spec`` matches several devices (they are listed).
    """
    n = _norm(spec)
    if not n:
        return None
    exact = {d.id: d for d in devices if n in (_norm(d.far), _norm(d.id), _norm(d.name))}
    if len(exact) == 1:
        return next(iter(exact.values()))
    stem = n
    for suf in _SUFFIXES:
        if stem.endswith(suf) and len(stem) > len(suf):
            stem = stem[: -len(suf)]
    part = exact or {d.id: d for d in devices if stem in _norm(d.far) or stem in _norm(d.name)}
    if len(part) > 1:
        raise DeviceError(
            f"--far {spec!r} matches {len(part)} monitors/loopbacks:\n"
            f"{_format_loopbacks(list(part.values()))}\nPass the exact --far string of one")
    return next(iter(part.values()), None)


def _format_loopbacks(devices: list[LoopbackDevice]) -> str:
    quoted = [f'"{d.far}"' for d in devices]  # as typed in a shell
    width = max(map(len, quoted), default=0)
    return "\n".join(f"  > --far {q:<{width}}  {d.name} ({d.channels} ch)"
                     for q, d in zip(quoted, devices, strict=True))


def format_far_candidates(platform: str | None = None, sc: Any = None) -> str:
    """The ``voicecoach devices`` section on monitors / loopbacks (``--far`` strings).

    Parameters
    ----------
    platform : str, optional
        ``sys.platform`` (tests pass another); macOS gets a BlackHole hint.
    sc : module, optional
        The `soundcard` module (tests pass a fake).

    Returns
    -------
    str
        A heading and one line per device, "(none)", or "(not available: ...)"; never
        raises for a missing `soundcard`.
    """
    platform = sys.platform if platform is None else platform
    head = "Monitors and loopbacks (far-end candidates, read through soundcard):"
    if platform == "darwin":
        return ("Far end on macOS: route the call through BlackHole; it is listed above as an "
                "input ('*'), e.g. --far BlackHole")
    try:
        devs = list_loopbacks(sc=sc, platform=platform)
    except DeviceError as exc:
        return f"{head}\n  (not available: {exc})"
    if not devs:
        return f"{head}\n  (none)"
    return f"{head}\n{_format_loopbacks(devs)}"


@dataclass(frozen=True)
class FarChoice:
    """How the far end will be read: ``backend`` and its device.

    Attributes
    ----------
    backend : {"sounddevice", "soundcard"}
        The capture library that reads it.
    device : InputDevice or LoopbackDevice
        The device: a PortAudio input (``"sounddevice"``) or a monitor / loopback
        (``"soundcard"``).
    """

    backend: str
    device: InputDevice | LoopbackDevice


def _is_index(far: int | str) -> bool:
    return isinstance(far, int) or str(far).strip().lstrip("-").isdigit()


def resolve_far(
    far: int | str,
    backend: str,
    *,
    platform: str | None = None,
    find: Callable[[int | str], InputDevice] = find_input,
    loopbacks: Callable[[], list[LoopbackDevice]] | None = None,
) -> FarChoice:
    """Choose the far end's backend and device (see the module notes).

    Parameters
    ----------
    far : int or str
        ``--far``: a PortAudio index, a part of a PortAudio input name, or a monitor /
        loopback (``"<sink> monitor"``, ``"<speaker> loopback"``, a source id).
    backend : {"auto", "sounddevice", "soundcard"}
    platform : str, optional
        ``sys.platform`` (tests pass another).
    find, loopbacks : callable, optional
        PortAudio lookup and `soundcard` listing (tests pass fakes).

    Returns
    -------
    FarChoice
        The backend (``"sounddevice"`` or ``"soundcard"``) and its device.

    Raises
    ------
    DeviceError
        Nothing matches (PortAudio inputs and monitors are listed), the name is ambiguous,
        or `soundcard` is needed but missing (how to install it is said).
    """
    platform = sys.platform if platform is None else platform
    loopbacks = loopbacks or (lambda: list_loopbacks(platform=platform))
    if backend not in BACKENDS:
        raise DeviceError(f"far backend {backend!r} is unknown; use one of {', '.join(BACKENDS)}")
    if backend == "sounddevice" or (backend == "auto" and _is_index(far)):
        return FarChoice("sounddevice", find(far))
    if backend == "soundcard":
        devs = loopbacks()
        dev = find_loopback(str(far), devs)
        if dev is None:
            raise DeviceError(
                f"no monitor or loopback matches --far {str(far)!r}; they are:\n"
                f"{_format_loopbacks(devs) or '  (none)'}\n"
                f"Pass one of these --far strings (voicecoach devices lists them)")
        return FarChoice("soundcard", dev)
    if platform == "win32":  # loopback names go through soundcard first
        try:
            dev = find_loopback(str(far), loopbacks())
        except DeviceError:
            dev = None
        if dev is not None:
            return FarChoice("soundcard", dev)
    try:
        return FarChoice("sounddevice", find(far))
    except NoMatchingDeviceError as pa_err:
        if platform == "darwin":
            raise
        try:
            devs = loopbacks()
        except DeviceError as sc_err:
            raise DeviceError(
                f"{pa_err}\nMonitors and loopbacks could not be listed either: {sc_err}"
            ) from pa_err
        dev = find_loopback(str(far), devs)
        if dev is not None:
            return FarChoice("soundcard", dev)
        raise DeviceError(
            f"no input device, monitor or loopback matches --far {str(far)!r}.\n"
            f"PortAudio inputs:\n{format_inputs(pa_err.inputs)}\n"
            f"Monitors and loopbacks:\n{_format_loopbacks(devs) or '  (none)'}\n"
            f"Give an index, a part of an input name, or one of the --far strings above "
            f"(voicecoach devices lists them)") from pa_err


def _readable_frames(rec: Any, channels: int) -> Callable[[], int] | None:
    """How many frames a `soundcard` PulseAudio recorder can hand over without waiting.

    None for other backends (WASAPI, Core Audio) or a `soundcard` version without the
    (private) call: the reader then reads fragment by fragment, as it arrives.
    """
    stream = getattr(rec, "stream", None)
    mod = sys.modules.get("soundcard.pulseaudio")
    pulse = getattr(mod, "_pulse", None) if mod is not None else None
    size = getattr(pulse, "_pa_stream_readable_size", None)
    if stream is None or size is None or not hasattr(rec, "_pending_chunk"):
        return None
    frame_bytes = 4 * channels  # float32

    def readable() -> int:
        n = int(size(stream))
        return 0 if n < 0 or n > 1 << 30 else n // frame_bytes  # (size_t)-1: error

    return readable


def _pulse_drain(rec: Any, channels: int) -> Callable[[], np.ndarray | None] | None:
    """A function taking every fragment a `soundcard` PulseAudio recorder holds, at once.

    It does what ``rec.record(numframes=None)`` does fragment by fragment (peek, copy, drop;
    a hole in the stream becomes zeros) for all the fragments there, under one lock of the
    PulseAudio main loop and with no per-call allocation: on the live path this reader
    wakes 50-100 times a second, and each of `soundcard`'s calls takes and releases the lock
    and builds its buffers anew. Returns ``(frames, channels)`` float32, or None when nothing
    is there. None for other backends or a `soundcard` without these (private) names.
    """
    stream = getattr(rec, "stream", None)
    mod = sys.modules.get("soundcard.pulseaudio")
    pa = getattr(mod, "_pa", None)
    ffi = getattr(mod, "_ffi", None)
    pulse = getattr(mod, "_pulse", None)
    mainloop = getattr(pulse, "mainloop", None)
    names = ("pa_threaded_mainloop_lock", "pa_threaded_mainloop_unlock",
             "pa_stream_readable_size", "pa_stream_peek", "pa_stream_drop")
    if (stream is None or ffi is None or mainloop is None or pa is None
            or not hasattr(rec, "_pending_chunk")):
        return None
    try:
        lock, unlock, size, peek, drop = (getattr(pa, n) for n in names)
        data_ptr = ffi.new("void**")
        nbytes_ptr = ffi.new("size_t*")
        null, buffer = ffi.NULL, ffi.buffer
    except Exception:
        return None

    def drain() -> np.ndarray | None:
        parts = []
        lock(mainloop)
        try:
            while 0 < size(stream) < 1 << 30:  # (size_t)-1: an error, reported elsewhere
                data_ptr[0] = null
                nbytes_ptr[0] = 0
                peek(stream, data_ptr, nbytes_ptr)
                n = nbytes_ptr[0]
                if not n:
                    break
                if data_ptr[0] == null:  # a hole in the stream
                    parts.append(np.zeros(n // 4, np.float32))
                else:
                    parts.append(np.frombuffer(buffer(data_ptr[0], n), np.float32).copy())
                drop(stream)
        finally:
            unlock(mainloop)
        if not parts:
            return None
        data = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return data.reshape(-1, channels)

    return drain


def _pulse_detach_read_callback(rec: Any) -> bool:
    """Remove `soundcard`'s read callback from a PulseAudio recorder's stream.

    The callback, Python called from PulseAudio's main-loop thread for every fragment, takes
    the interpreter lock from the analysis and sets an event; a reader that looks on its own
    clock does not need it. Returns False when it could not be removed (then it stays).
    """
    mod = sys.modules.get("soundcard.pulseaudio")
    pa = getattr(mod, "_pa", None)
    ffi = getattr(mod, "_ffi", None)
    mainloop = getattr(getattr(mod, "_pulse", None), "mainloop", None)
    stream = getattr(rec, "stream", None)
    if pa is None or ffi is None or mainloop is None or stream is None:
        return False
    try:
        pa.pa_threaded_mainloop_lock(mainloop)
        try:
            pa.pa_stream_set_read_callback(stream, ffi.NULL, ffi.NULL)
        finally:
            pa.pa_threaded_mainloop_unlock(mainloop)
    except Exception:
        return False
    return True


#: How often the PulseAudio reader looks again when the next fragment is not there yet (s).
PULSE_POLL_S = 0.002


class SoundcardStream:
    """A `soundcard` recorder read on its own thread, fed to a capture queue.

    The thread only copies: each chunk the server hands over is put on the queue as
    ``(frames x channels float32, monotonic arrival s, -1.0, None)`` (-1: no ADC time, the
    capture takes the block as captured just before it arrived: :attr:`latency` is 0), then
    ``finished`` when the stream ends. It
    offers the part of ``sounddevice.InputStream`` that :class:`~voicecoach.sources.capture.
    Capture` uses: :meth:`start`, :meth:`stop`, :meth:`close` and :attr:`latency`.

    Parameters
    ----------
    microphone : object
        A `soundcard` microphone (``include_loopback=True`` lists the loopbacks).
    sample_rate : int
        Hz; the server (PulseAudio, or WASAPI with auto-conversion) resamples.
    channels : int
    blocksize : int
        Frames per server fragment asked for. On PulseAudio, which hands over smaller
        fragments from a busy source, also the reader's pace: it wakes about once per
        ``blocksize`` frames and takes every fragment there.
    put : callable
        The capture queue's ``put``.
    wake : threading.Event
        Set after each put.
    finished : object
        The sentinel put when the stream ends.
    open_timeout_s : float
        How long :meth:`start` waits for the recorder to open, s.
    """

    def __init__(self, microphone: Any, sample_rate: int, channels: int, blocksize: int,
                 put: Callable[[Any], None], wake: threading.Event, finished: object,
                 open_timeout_s: float = 5.0) -> None:
        self._mic = microphone
        self._rate = sample_rate
        self._channels = channels
        self._blocksize = blocksize
        self._put = put
        self._wake = wake
        self._finished = finished
        self._open_timeout_s = open_timeout_s
        self._run = False
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.latency = 0.0

    def start(self) -> None:
        """Open the recorder (on the reader thread) and start reading.

        Raises
        ------
        DeviceError
            The recorder did not open (the reason is given) or not within the timeout.
        """
        self._run = True
        self._thread = threading.Thread(target=self._loop, name="voicecoach-soundcard",
                                        daemon=True)
        self._thread.start()
        name = getattr(self._mic, "name", self._mic)
        if not self._ready.wait(self._open_timeout_s):
            self._run = False
            raise DeviceError(f"the loopback {name!r} did not open within "
                              f"{self._open_timeout_s:.0f} s; is the sound server busy?")
        if self._open_error is not None:
            raise DeviceError(
                f"cannot open the loopback {name!r} at {self._rate} Hz with {self._channels} "
                f"channel(s): {self._open_error}. voicecoach devices lists the monitors and "
                f"loopbacks") from self._open_error

    def _loop(self) -> None:
        put, wake, now, ch = self._put, self._wake, time.monotonic, self._channels
        try:
            rec = self._mic.recorder(samplerate=self._rate, channels=ch,
                                     blocksize=self._blocksize)
            rec.__enter__()
        except Exception as exc:  # reported by start()
            self._open_error = exc
            self._ready.set()
            return
        try:
            # self.latency stays 0: PulseAudio's figure includes the unread audio (see the
            # module docstring), which only a stall of this thread would have put there.
            self._ready.set()
            period = self._blocksize / self._rate
            drain = _pulse_drain(rec, ch)
            event = getattr(rec, "_record_event", None)  # set by soundcard's read callback
            if drain is not None and event is not None:
                self._pulse_loop(rec, drain, event, period)
                return
            readable = _readable_frames(rec, ch)
            while self._run:
                data = rec.record(numframes=None)  # what the server has: whole fragments
                arrival = now()
                if readable is not None:
                    # PulseAudio hands over one fragment (10 ms on a busy server) per call:
                    # take every fragment already there, then let the next block gather in
                    # the server rather than waking for each fragment (a wake costs more
                    # than the copy). Nothing stays behind, so no backlog can build up.
                    parts = [data]
                    while readable() > 0:
                        parts.append(rec.record(numframes=None))
                    if len(parts) > 1:
                        data = np.concatenate([np.asarray(p, np.float32).reshape(-1, ch)
                                               for p in parts])
                if data.size:
                    put((np.asarray(data, np.float32).reshape(-1, ch), arrival, -1.0, None))
                    wake.set()
                if readable is not None:
                    time.sleep(max(0.0, arrival + 0.9 * period - now()))
        except Exception as exc:  # a lost device: reported, never raised in this thread
            self.error = f"soundcard recorder failed: {exc}"
        finally:
            try:
                rec.__exit__(None, None, None)
            except Exception as exc:
                self.error = self.error or f"soundcard recorder did not close: {exc}"
            put(self._finished)
            wake.set()

    def _pulse_loop(self, rec: Any, drain: Callable[[], np.ndarray | None],
                    event: threading.Event, period: float) -> None:
        """The PulseAudio reader: take every fragment there, then sleep for most of a block.

        Fragments (10 ms on a busy server) gather in the server while the thread sleeps, so
        it wakes about once per ``period`` instead of once per fragment, and takes them all
        under one lock. When nothing is there yet it looks again every :data:`PULSE_POLL_S`
        (the next fragment is due: rarely more than one look), with `soundcard`'s per-fragment
        read callback removed; if that cannot be removed, it waits for the callback instead.
        Nothing stays behind, so no backlog builds up.
        """
        put, wake, now, sleep = self._put, self._wake, time.monotonic, time.sleep
        mod = sys.modules.get("soundcard.pulseaudio")
        failed = getattr(getattr(mod, "_pa", None), "PA_STREAM_FAILED", None)
        state = getattr(getattr(mod, "_pulse", None), "_pa_stream_get_state", None)
        polled = _pulse_detach_read_callback(rec)
        empty_since = None
        while self._run:
            event.clear()  # before looking: a fragment arriving after is signalled
            data = drain()
            if data is None:
                t = now()
                if empty_since is None:
                    empty_since = t
                if polled:
                    sleep(PULSE_POLL_S)
                    timed_out = t - empty_since >= 1.0
                else:
                    timed_out = not event.wait(timeout=1.0)
                if timed_out:
                    empty_since = None
                    if state is not None and failed is not None and state(rec.stream) == failed:
                        raise RuntimeError("Recording failed, stream is in status FAILED")
                continue
            empty_since = None
            arrival = now()
            put((data, arrival, -1.0, None))
            wake.set()
            sleep(max(0.0, arrival + 0.9 * period - now()))

    def stop(self) -> None:
        """Stop reading and close the recorder (waits up to 2 s for the thread)."""
        self._run = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def close(self) -> None:
        """Same as :meth:`stop`."""
        self.stop()
