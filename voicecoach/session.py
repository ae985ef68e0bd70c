"""Live sessions: source → analysis thread → sinks, with the display on the main thread.

Threads
    * the **source** (sounddevice callbacks inside :class:`~voicecoach.sources.capture.Capture`,
      or the :class:`~voicecoach.sources.replay.ReplaySource` pacing thread) only copies
      audio into a queue;
    * the **analysis thread** reads aligned blocks, quantises them to 16 bit, records them,
      runs :class:`~voicecoach.pipeline.CallAnalyzer`, writes events (flushed per event)
      and pushes the results to the :class:`~voicecoach.sinks.model.DisplayModel`;
    * the **main thread** draws the display at its own frame rate from model snapshots.
      A slow display draws fewer frames; analysis never waits for it.

The session folder (``--record DIR`` → ``DIR/<timestamp>/``) holds ``agent.wav``,
``customer.wav`` (written as the audio arrives), ``events.jsonl`` (flushed per event),
``session.json`` and, at the end, ``report.json``. The recorded samples are exactly the
samples analysed (16-bit), so ``voicecoach review`` of the folder gives the same events.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .baseline.profile import Profile
from .config import Config, load_config
from .errors import DeviceError, ParameterError, VoiceCoachError, error_message
from .events import Event, Nudge, final_events
from .i18n import resolve_lang, texts
from .pipeline import CallAnalyzer
from .privacy import DIR_MODE, open_private, private_dir
from .review.calls import Call
from .review.document import REPORT_FILE, build_report, write_json
from .sinks.eventlog import EventLog, refuse_existing_log
from .sinks.model import DisplayModel
from .sinks.recorder import Recorder
from .sources.capture_stats import CaptureStats, device_states
from .sources.replay import ReplaySource  # re-exported: the live path's other source

__all__ = ["LiveSession", "ReplaySource", "SessionResult", "quantize16"]

SESSION_SCHEMA = "voicecoach.session/1"
#: The session folder's description: written at the start (``"running": true``) and
#: rewritten at the end (``"running": false``, ``duration_s``).
SESSION_FILE = "session.json"


def quantize16(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round float audio to 16-bit PCM.

    Parameters
    ----------
    block : np.ndarray, float
        Full scale 1.0, any shape; values beyond it are clipped.

    Returns
    -------
    pcm : np.ndarray of int16, shape of ``block``
        What is written to disk.
    x : np.ndarray of float32, shape of ``block``
        ``pcm / 32768``: exactly what a reader of the file gets back.
    """
    y = np.rint(block * 32768.0)
    np.maximum(y, -32768.0, out=y)  # np.clip's Python wrapper costs more than the work
    pcm = np.minimum(y, 32767.0, out=y).astype(np.int16)
    return pcm, pcm.astype(np.float32) / np.float32(32768.0)


def _stop_on_termination() -> dict[int, Any]:
    """Make SIGTERM and SIGHUP (a service stop, a closed terminal) end a session like Ctrl-C:
    the summary, ``report.json`` and ``session.json`` are written. Returns the handlers
    replaced (none off the main thread, where signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, stop)
    return previous


def _new_session_folder(record_dir: Path) -> Path:
    """Create and return ``record_dir/<YYYYmmdd-HHMMSS>/`` (mode 0700), or ``<stamp>-2``,
    ``-3``... when that name is taken: the folder is made with ``exist_ok=False``, so two
    sessions started in the same second (two processes included) never share one."""
    for q in (record_dir, *record_dir.parents):  # a file where a folder must be: say which
        if q.exists() and not q.is_dir():
            raise ParameterError(
                f"cannot record into {str(record_dir)!r}: {str(q)!r} is a file, not a folder; "
                f"give a folder for --record (it is created if missing)"
            )
    private_dir(record_dir, own=False)  # missing parents made 0700; a user's folder left as is
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    k = 1
    while True:
        folder = record_dir / (stamp if k == 1 else f"{stamp}-{k}")
        try:
            folder.mkdir(mode=DIR_MODE, exist_ok=False)
        except FileExistsError:
            k += 1
            continue
        os.chmod(folder, DIR_MODE)  # whatever the umask
        return folder


def _finish_despite_signals(lang: str = "en") -> dict[int, Any]:
    """Once a session is stopping, make Ctrl-C, SIGTERM and SIGHUP only say
    "finishing the report…" (on stderr, in ``lang``) instead of aborting the summary,
    ``report.json`` and ``session.json``.

    Parameters
    ----------
    lang : {"en", "fr"}

    Returns
    -------
    dict
        The handlers replaced, by signal number (none off the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    said = (texts(lang).SUMMARY["finishing"] + "\n").encode()

    def finishing(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):  # os.write: safe inside a handler
            os.write(2, said)

    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, finishing)
    return previous


@dataclass
class SessionResult:
    """What a live session produced.

    Attributes
    ----------
    events : list of Event
        The closed events, last version of each (:func:`~voicecoach.events.final_events`).
    summary : dict
        The pipeline's call summary (:meth:`~voicecoach.pipeline.CallAnalyzer.summary`).
    duration_s : float
        Audio analysed, s (hops times ``hop_s``).
    folder : Path or None
        The session folder when recording, else None.
    error : str or None
        Why the session stopped early (a device or analysis error); None otherwise.
    block_latency_ms : dict of str to float
        ``p50``, ``p99`` and ``max`` of the wall time from a block's last sample to the end
        of its analysis, ms.
    analysis_ms : dict of str to float
        ``p50``, ``p99`` and ``max`` of the analysis time per block, ms.
    decision_latency_ms : list of float
        For each interruption, wall time from the interrupter's onset in the audio to its
        first decided version, ms.
    capture : str
        The source's statistics summary in the session's language ("" when it has none).
    display : dict
        The display's frame accounting (``stats()``); empty without a display.
    stream : list of Event
        Every event version in decision order, as decided (open ones included).
    """

    events: list[Event]
    summary: dict[str, Any]
    duration_s: float
    folder: Path | None
    error: str | None = None
    block_latency_ms: dict[str, float] = field(default_factory=dict)
    analysis_ms: dict[str, float] = field(default_factory=dict)
    decision_latency_ms: list[float] = field(default_factory=list)
    capture: str = ""
    display: dict[str, Any] = field(default_factory=dict)
    #: Every event version in decision order, as decided (open ones included).
    stream: list[Event] = field(default_factory=list)


class LiveSession:
    """Run the live path: a source, the pipeline, the sinks and a display.

    Parameters
    ----------
    source : Capture or ReplaySource
        Anything with ``start()``, ``read(timeout)``, ``stats()`` and ``stop()``; its
        ``source_rates_hz`` (``[agent, customer]``, Hz, when it has one) picks the pitch
        tracker's harmonic check per party, as a review does.
    config : Config, optional
    profile : Profile, optional
    lang : {"fr", "en"}, optional
    record_dir : path-like, optional
        Parent folder of the session folder (``<record_dir>/<timestamp>/``, created here;
        ``<timestamp>-2``... when that name is taken).
    events_path : path-like, optional
        JSON-lines event log (default: ``events.jsonl`` in the session folder if recording).
        An existing file that is not empty is refused (:class:`ParameterError`), never
        overwritten.
    duration_s : float, optional
        Stop after this much audio, seconds (> 0).
    on_event : callable, optional
        Called on the analysis thread with each event and the wall time it was decided.
    source_info : dict, optional
        Stored as ``source`` in the recorded session's ``session.json`` (the CLI gives
        ``mic`` and ``far``).
    """

    def __init__(
        self,
        source: Any,
        config: Config | None = None,
        *,
        profile: Profile | None = None,
        lang: str | None = None,
        record_dir: str | os.PathLike[str] | None = None,
        events_path: str | os.PathLike[str] | None = None,
        duration_s: float | None = None,
        on_event: Callable[[Event, float], None] | None = None,
        source_info: dict[str, Any] | None = None,
    ) -> None:
        if duration_s is not None and not duration_s > 0:  # NaN too
            raise ParameterError(
                f"duration must be a positive number of seconds, got {duration_s!r}; e.g. "
                f"--duration 60, or leave it out to run until Ctrl-C"
            )
        if events_path is not None:  # before anything is set up or recorded
            refuse_existing_log(events_path)
        self.source = source
        self.config = config or load_config()
        # the sources' rates: a telephone-rate source gets the pitch tracker's harmonic
        # check, as its review does ([pitch] harmonic_check = "auto")
        rates = getattr(source, "source_rates_hz", None)
        #: the rates the pipeline took (session.json keeps them, so that the review of the
        #: recorded session runs the same pitch trackers)
        self.source_rates_hz: list[float | None] | None = None if rates is None else [
            None if r is None else float(r) for r in rates]
        self.pipe = CallAnalyzer(self.config, profile=profile, lang=lang,
                                 source_rates_hz=self.source_rates_hz)
        self.lang = resolve_lang(lang, self.config)  # of the status line and the summary
        live = self.config.live
        self.model = DisplayModel(
            live.history_s, self.config.analysis.hop_s, self.config.coach.display_s
        )
        self.stop_event = threading.Event()
        self.duration_s = duration_s
        self.on_event = on_event
        self.folder: Path | None = None
        if record_dir is not None:
            self.folder = _new_session_folder(Path(record_dir))
        # the session folder always gets its own events.jsonl; --events adds another log
        self._event_paths = [Path(events_path)] if events_path is not None else []
        if self.folder is not None:
            self._event_paths.append(self.folder / "events.jsonl")
        self._source_info = source_info or {}
        self._events: list[Event] = []
        self._error: str | None = None
        # bounded latency records (the last ~10 minutes of blocks)
        self._block_ms: deque[float] = deque(maxlen=60000)
        self._analysis_ms: deque[float] = deque(maxlen=60000)
        self._decision_ms: list[float] = []
        self._decided_ids: set[int] = set()
        #: (stream time of a block's end, s; its capture wall time; wall time analysed)
        self.timeline: deque[tuple[float, float, float]] = deque(maxlen=60000)
        self._thread: threading.Thread | None = None
        self._n_hops = 0
        self._started: str | None = None  # session.json's "started" (local time, s)

    # ---------------------------------------------------------------- analysis thread
    def _analysis(self) -> None:
        rec: Recorder | None = None
        logs: list[EventLog] = []
        sr = self.config.analysis.sample_rate
        hop_s = self.config.analysis.hop_s
        speed = float(getattr(self.source, "speed", 1.0))
        if not math.isfinite(speed):
            speed = 1.0
        last_status = 0.0
        try:
            if self.folder is not None:
                rec = Recorder(self.folder, sr, format=self.config.live.record_format)
                self._write_session_json(running=True)
            logs = [EventLog(p) for p in self._event_paths]
            while not self.stop_event.is_set():
                try:
                    blk = self.source.read(timeout=0.2)
                except DeviceError as e:
                    self._error = str(e)
                    break
                if blk is None:
                    if getattr(self.source, "finished", False):
                        break
                    continue
                pcm, x = quantize16(blk.audio)
                if rec is not None:
                    rec.write_pcm(pcm)
                t_start = time.monotonic()
                step = self.pipe.process(x)
                now = time.monotonic()
                self._analysis_ms.append((now - t_start) * 1000.0)
                t0 = float(step.agent.t_s[0])

                def wall_of(t_stream: float, blk: Any = blk, t0: float = t0) -> float:
                    return blk.capture_time + (t_stream - t0) / speed

                t_end = t0 + x.shape[0] / sr
                self._block_ms.append((now - wall_of(t_end)) * 1000.0)
                self.timeline.append((t_end, wall_of(t_end), now))
                self._n_hops += len(step.agent)
                if step.events:
                    for log in logs:
                        log.write(step.events)
                    for ev in step.events:
                        self._events.append(ev)
                        if (ev.kind == "interruption" and ev.end_s is None
                                and ev.id not in self._decided_ids):  # its first version
                            self._decided_ids.add(ev.id)
                            # from the interrupter's onset in the audio to the event here
                            self._decision_ms.append((now - wall_of(ev.start_s)) * 1000.0)
                        if self.on_event is not None:
                            self.on_event(ev, now)
                self.model.push(
                    step,
                    thresholds=self._thresholds(),
                    baseline=self._baseline_state(),
                    deescalating=self.pipe.coach.deescalating,
                )
                if now - last_status > 0.5:
                    last_status = now
                    st = self.source.stats()
                    degraded = self._degraded_message(st, self.lang)
                    echo = self.pipe.echo_status
                    if echo is None and self.pipe.parties == 2:
                        echo = "off"
                    self.model.set_status(summary=st.summary(self.lang), degraded=degraded,
                                          echo=echo)
                if self.duration_s is not None and self._n_hops * hop_s >= self.duration_s:
                    break
            tail = self.pipe.finish()
            self._events.extend(tail)
            for log in logs:
                log.write(tail)
        except (VoiceCoachError, OSError, RuntimeError) as e:
            # e.g. a full disk while recording (soundfile raises a RuntimeError) or logging
            self._error = error_message(e)
        finally:
            # each close on its own: a close that fails again (the same full disk) must not
            # keep the others open or the session waiting for a thread that has ended
            for sink in ([rec] if rec is not None else []) + list(logs):
                try:
                    sink.close()
                except (VoiceCoachError, OSError, RuntimeError) as e:
                    self._error = self._error or error_message(e)
            self.stop_event.set()

    def _thresholds(self) -> dict[str, float]:
        c = self.pipe.coach
        return {
            "pitch_st": c.effective_threshold("pitch_high"),
            "rate_pct": c.effective_threshold("rate_high"),
            "loudness_db": c.effective_threshold("loudness_high"),
        }

    def _baseline_state(self) -> str:
        b = self.pipe.coach.agent_baseline
        if b.profile is None:
            return "forming"
        return "provisional" if b.provisional else "calibrated"

    @staticmethod
    def _degraded_message(st: Any, lang: str = "en") -> str | None:
        """The display's warning when a device is not ok (None when all are), in ``lang``."""
        if not getattr(st, "degraded", False):
            return None
        tx = texts(lang).CAPTURE
        lost = device_states(getattr(st, "devices", ()), lang, problems_only=True)
        return tx["degraded"].format(devices=lost) if lost else tx["degraded_any"]

    def _write_session_json(self, running: bool, extra: dict[str, Any] | None = None) -> None:
        assert self.folder is not None
        private_dir(self.folder)
        if self._started is None:  # the first write: the session's start, kept after
            self._started = datetime.now().isoformat(timespec="seconds")
        doc = {
            "schema": SESSION_SCHEMA,
            "sample_rate": self.config.analysis.sample_rate,
            "parties": ["agent", "customer"],
            "files": {"agent": "agent.wav", "customer": "customer.wav", "events": "events.jsonl"},
            "started": self._started,
            "running": running,
            "source": self._source_info,
            "source_rates_hz": self.source_rates_hz,
            **(extra or {}),
        }
        # atomically: a crash or a full disk mid-write leaves the previous session.json whole
        path = self.folder / SESSION_FILE
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open_private(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(doc, indent=1))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    # ---------------------------------------------------------------- main thread
    def run(self, display: Any | None = None) -> SessionResult:
        """Run until the duration, the end of a replay, Ctrl-C or a closed window.

        Parameters
        ----------
        display : object with ``run(stop_event)``, optional
            Drawn on the calling (main) thread.

        Returns
        -------
        SessionResult
        """
        self.source.start()
        self._thread = threading.Thread(
            target=self._analysis, name="voicecoach-analysis", daemon=True
        )
        self._thread.start()
        previous = _stop_on_termination()
        finishing: dict[int, Any] = {}
        try:
            try:
                if display is not None:
                    display.run(self.stop_event)
                else:
                    while not self.stop_event.wait(0.1):
                        pass
            except KeyboardInterrupt:
                pass
            finally:
                # a second Ctrl-C (or SIGTERM) from here on must not lose the report
                finishing = _finish_despite_signals(self.lang)
                self.stop_event.set()
                self.source.stop()
                self._thread.join(timeout=10.0)
            return self._result(display)
        finally:  # the handlers from before the session
            for sig, handler in {**finishing, **previous}.items():
                signal.signal(sig, handler)

    def _result(self, display: Any | None) -> SessionResult:
        hop_s = self.config.analysis.hop_s
        duration_s = self._n_hops * hop_s
        events = [e for e in final_events(self._events) if e.end_s is not None]
        summary = self.pipe.summary()
        bl = np.asarray(self._block_ms) if self._block_ms else np.zeros(1)
        an = np.asarray(self._analysis_ms) if self._analysis_ms else np.zeros(1)
        capture = res_capture = ""
        capture_stats: dict[str, Any] | None = None  # a device capture's counters
        with contextlib.suppress(VoiceCoachError, OSError, AttributeError):
            st = self.source.stats()
            capture = st.summary()  # English in the report (a log); the summary's language
            res_capture = st.summary(self.lang)  # on the console
            if isinstance(st, CaptureStats):
                capture_stats = asdict(st)
        res = SessionResult(
            events=events,
            summary=summary,
            duration_s=duration_s,
            folder=self.folder,
            error=self._error,
            block_latency_ms={
                "p50": float(np.percentile(bl, 50)),
                "p99": float(np.percentile(bl, 99)),
                "max": float(bl.max()),
            },
            analysis_ms={
                "p50": float(np.percentile(an, 50)),
                "p99": float(np.percentile(an, 99)),
                "max": float(an.max()),
            },
            decision_latency_ms=self._decision_ms,
            capture=res_capture,
            display=display.stats() if display is not None and hasattr(display, "stats") else {},
            stream=list(self._events),
        )
        if self.folder is not None:
            try:
                self._write_report(duration_s, res, capture, capture_stats)
            except (VoiceCoachError, OSError, RuntimeError) as e:  # the summary still prints
                msg = f"the session report could not be written: {error_message(e)}"
                res.error = f"{res.error}; {msg}" if res.error else msg
                with contextlib.suppress(VoiceCoachError, OSError):  # the session has ended
                    self._write_session_json(False, {"duration_s": round(duration_s, 3)})
        return res

    def _write_report(self, duration_s: float, res: SessionResult, capture: str,
                      capture_stats: dict[str, Any] | None) -> None:
        assert self.folder is not None
        call = Call(
            self.folder.name,
            "session",
            (self.folder / "agent.wav", self.folder / "customer.wav"),
        )
        report = build_report(
            call,
            self.pipe,
            self._events,
            duration_s,
            self.config.analysis.sample_rate,
            2,
            self.config,
            self._n_hops,
            tracks=None,
        )
        report["audio"]["source_rates_hz"] = self.source_rates_hz  # as a review lists them
        report["live"] = {
            "error": self._error,
            "block_latency_ms": res.block_latency_ms,
            "capture": capture,
        }
        if capture_stats is not None:
            report["live"]["capture_stats"] = capture_stats
        write_json(self.folder / REPORT_FILE, report)
        self._write_session_json(False, {"duration_s": round(duration_s, 3)})


def nudges(events: list[Event]) -> list[Nudge]:
    """The nudges among events.

    Parameters
    ----------
    events : list of Event

    Returns
    -------
    list of Nudge
        In the order given.
    """
    return [e for e in events if isinstance(e, Nudge)]
