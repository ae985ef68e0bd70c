"""CPU of the whole ``voicecoach live`` process, and audio loss under load, through the rig.

The real command runs as a subprocess, reading the private PulseAudio rig's microphone
(``vc_mic``, PortAudio) and far end (``"vc_far monitor"`` through `soundcard` when it is
installed, else the ``vc_far`` ALSA PCM), with the shipped configuration: the default VAD
(Silero) and echo canceller (WebRTC AEC3), recording on. A generated two-party call (the demo
script, looped to the session's length) is played into the rig's sinks with paplay.

Per display kind (``none``, ``terminal`` on a pseudo-terminal, ``window`` under Xvfb: the
full chart, ``compact`` when this build has it), the process' CPU time (``utime + stime``
from ``/proc/PID/stat``, all threads) is sampled every ``window_s``; the figure is the median
over windows of the CPU used / wall time, in % of one core, after the first window
(start-up: imports, model loading) is dropped.

The loaded run adds a CPU hog pinned to the other core (the live process is pinned to core
0) and checks that no audio was lost: the capture's own counters (``report.json`` →
``live.capture_stats``: overflows, silence filled in, backlog over ``queue_max_s``) and the
recordings themselves: the 5 s windows of ``agent.wav`` and ``customer.wav`` are found at
one lag (a lost block would shift every later window; the drift corrector's dropped or
repeated samples are allowed for), median correlation >= 0.99, in what the server
carried, read loss-free by a ``pacat`` with a deep buffer on each monitor. The same windows
of the played signal against ``pacat``'s copy tell the player's side apart.

The machine may be shared: other processes inflate nothing here (process CPU time is
counted, not wall time) but can starve the process; ``load_avg`` is recorded with each row.

Command line::

    python -m benchmarks.live_cpu [--duration 120] [--loaded-duration 600]
                                  [--displays none terminal window compact] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

SR = 16000
DISPLAYS = ("none", "terminal", "window", "compact")
TARGETS = {"compact": 10.0, "terminal": 10.0, "none": 10.0, "window": 20.0}


def _cpu_s(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _supported_displays() -> tuple[str, ...]:
    """The ``--display`` choices of this build (``compact`` may come from another branch)."""
    from voicecoach.cli import build_parser

    p = build_parser()
    for a in p._actions:
        if hasattr(a, "choices") and isinstance(a.choices, dict) and "live" in a.choices:
            for b in a.choices["live"]._actions:
                if b.dest == "display":
                    return tuple(b.choices)
    return ()


def _call(seconds: float) -> np.ndarray:
    """A generated two-party call of ``seconds`` (the demo script, looped), (n, 2) float32."""
    from voicecoach.sources import demo_script, synth_call

    script, _ = demo_script()
    y, _ = synth_call(script, snr_db=30.0, seed=7)
    n = int(seconds * SR)
    reps = -(-n // y.shape[0])
    return np.ascontiguousarray(np.tile(y, (reps, 1))[:n].astype(np.float32))


class _Xvfb:
    """A private X server for the window display (its PID recorded, stopped by PID)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.display = ""

    def start(self) -> str:
        exe = shutil.which("Xvfb")
        if exe is None:
            raise RuntimeError("Xvfb is not installed (Debian: apt-get install xvfb)")
        for num in range(91, 120):
            if Path(f"/tmp/.X11-unix/X{num}").exists() or Path(f"/tmp/.X{num}-lock").exists():
                continue
            self.proc = subprocess.Popen([exe, f":{num}", "-screen", "0", "1280x800x24",
                                          "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{num}").exists():
                    self.display = f":{num}"
                    return self.display
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            self.stop()
        raise RuntimeError("Xvfb did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self.proc = None


def _hog(cpu: int | None) -> subprocess.Popen:
    """A busy loop (a separate process), pinned to ``cpu`` when given."""

    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    return subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=pin)


def frac_align(ref: np.ndarray, rec: np.ndarray, up: int = 32) -> tuple[float, float]:
    """Lag of ``rec`` behind ``ref`` in samples (to 1/up) and the correlation after shifting."""
    nfft = 1 << int(np.ceil(np.log2(len(ref) + len(rec))))
    spec = np.fft.rfft(rec, nfft)
    r = np.fft.irfft(spec * np.conj(np.fft.rfft(ref, nfft)), nfft * up)
    lag = int(np.argmax(r)) / up
    if lag > nfft / 2:
        lag -= nfft
    f = np.fft.rfftfreq(nfft)
    shifted = np.fft.irfft(spec * np.exp(2j * np.pi * f * lag), nfft)[: len(ref)]
    den = np.sqrt(np.dot(shifted, shifted) * np.dot(ref, ref))
    return lag, float(np.dot(shifted, ref) / den) if den > 0 else 0.0


def _window_lags(ref: np.ndarray, rec: np.ndarray, win_s: float = 5.0) -> dict[str, Any]:
    """Where each ``win_s`` window of ``ref`` sits in ``rec``: lag spread and worst corr.

    Both are filtered to the telephone band (300-3400 Hz, the same filter: lags unchanged)
    first: the server's 16 -> 48 -> 16 kHz resampling cuts the top of the band, so a window
    holding only the call's white background noise would correlate at ~0.92 unfiltered.
    """
    import scipy.signal as ss

    sos = ss.butter(4, [300, 3400], "bandpass", fs=SR, output="sos")
    ref = ss.sosfilt(sos, ref).astype(np.float32)
    rec = ss.sosfilt(sos, rec).astype(np.float32)
    if rec.shape[0] < SR:
        return {"windows": 0, "lag_spread_samples": None, "min_corr": None}
    lag0, _ = frac_align(ref[: min(len(ref), 20 * SR)], rec[: 45 * SR])
    win, margin = int(win_s * SR), 800
    lags, corrs, steps = [], [], []
    for a in range(0, len(ref) - win + 1, win):  # the last whole window included
        seg = ref[a:a + win]
        if np.sqrt(np.mean(seg**2)) < 1e-3:
            continue  # a silent stretch says nothing about alignment
        lo = a + round(lag0) - margin
        if lo < 0 or lo + win + 2 * margin > rec.shape[0]:
            continue
        lag, corr = frac_align(seg, rec[lo:lo + win + 2 * margin])
        lag = lag - margin + round(lag0)
        if not lags or abs(lag - lags[-1]) > 0.5:
            steps.append([round(a / SR, 1), round(float(lag), 2), round(corr, 4)])
        lags.append(lag)
        corrs.append(corr)
    if not lags:
        return {"windows": 0, "lag_spread_samples": None, "min_corr": None}
    good = [lag for lag, c in zip(lags, corrs, strict=True) if c >= 0.95]
    k = max(1, min(5, len(lags) // 3))  # the first and last thirds, at most 5 windows each
    net = float(np.median(lags[-k:]) - np.median(lags[:k]))
    return {"windows": len(lags), "lag_samples": round(float(np.median(lags)), 2),
            "net_shift_samples": round(net, 2),
            "good_windows": len(good),
            "good_lag_spread_samples": round(float(np.ptp(good)), 2) if good else None,
            "lag_spread_samples": round(float(np.ptp(lags)), 2),
            "min_corr": round(float(min(corrs)), 5),
            "median_corr": round(float(np.median(corrs)), 5),
            "lag_steps": steps[:40]}  # [t_s, lag, corr] where the lag moved


def run_one(rig: Any, display: str, duration_s: float, far: str, *, window_s: float = 5.0,
            loaded: bool = False, check_audio: bool = False,
            extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """One ``voicecoach live`` session: its CPU per window, capture counters, audio check."""
    import soundfile as sf

    tmp = Path(tempfile.mkdtemp(prefix="vc-livecpu-"))
    xvfb = _Xvfb()
    hog = None
    env = {**rig.client_env(), "PYTHONUNBUFFERED": "1"}
    out: dict[str, Any] = {"display": display, "duration_s": duration_s, "far": far,
                           "loaded": loaded}
    try:
        if display in ("window", "compact"):
            env["DISPLAY"] = xvfb.start()
            env.pop("MPLBACKEND", None)
        call = _call(duration_s + 3.0)
        paths = {}
        for col, sink in ((0, "vc_mic"), (1, "vc_far")):
            paths[sink] = tmp / f"{sink}.wav"
            sf.write(paths[sink], call[:, col], SR, subtype="PCM_16")
        ncpu = os.cpu_count() or 1
        if loaded:
            hog = _hog(1 if ncpu > 1 else None)
            out["hog"] = "busy loop pinned to cpu 1, live pinned to cpu 0" if ncpu > 1 \
                else "busy loop (one cpu)"
        cmd = [sys.executable, "-m", "voicecoach", "live", "--display", display, "--mic",
               "vc_mic", "--far", far, "--duration", str(duration_s), "--record", str(tmp),
               "--lang", "en", *extra]
        pin = (lambda: os.sched_setaffinity(0, {0})) if loaded and ncpu > 1 else None
        refs: dict[str, tuple[subprocess.Popen, Path]] = {}
        if check_audio:  # what the server carried, read loss-free (a deep pacat buffer)
            for sink in ("vc_mic", "vc_far"):
                path = tmp / f"{sink}.server.f32"
                with open(path, "wb") as fh:
                    refs[sink] = (subprocess.Popen(
                        ["pacat", "-r", "-d", f"{sink}.monitor", "--rate=16000",
                         "--channels=1", "--format=float32le", "--raw"],
                        env=rig.client_env(), stdout=fh, stderr=subprocess.DEVNULL), path)
        errf = open(tmp / "stderr.txt", "w+")  # noqa: SIM115 - closed below
        text: list[bytes] = [b""]
        if display == "terminal":  # rich draws its dashboard only on a terminal
            import pty  # POSIX only, like the rig

            rfd, wfd = pty.openpty()
        else:
            rfd, wfd = os.pipe()
        proc = subprocess.Popen(cmd, env=env, stdout=wfd, stderr=errf,
                                stdin=subprocess.DEVNULL, preexec_fn=pin)
        os.close(wfd)

        def drain() -> None:  # keep reading: a full pipe would stall the process
            while True:
                try:
                    chunk = os.read(rfd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                text[0] = (text[0] + chunk)[-20000:]

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        t_wait = time.monotonic()
        while b"listening" not in text[0] and time.monotonic() - t_wait < 60:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if b"listening" not in text[0]:
            proc.kill()
            proc.wait()
            errf.seek(0)
            return {**out, "skipped": f"voicecoach live did not start: {errf.read()[-400:]}"}
        t_listen = time.monotonic()
        players = [rig.play("vc_mic", paths["vc_mic"]), rig.play("vc_far", paths["vc_far"])]
        samples: list[tuple[float, float]] = []
        while proc.poll() is None:
            with contextlib.suppress(OSError, IndexError, ValueError):
                samples.append((time.monotonic(), _cpu_s(proc.pid)))
            time.sleep(window_s)
        proc.wait(timeout=60)
        for ref_proc, _ in refs.values():
            ref_proc.terminate()
            ref_proc.wait(timeout=10)
        reader.join(timeout=5)
        with contextlib.suppress(OSError):
            os.close(rfd)
        errf.seek(0)
        err = errf.read()
        errf.close()
        for p in players:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=10)
            if p.poll() is None:
                p.terminate()
        out["returncode"] = proc.returncode
        out["warnings"] = [s for s in (err or "").splitlines() if s.startswith("Warning")][:5]
        if proc.returncode:
            out["error"] = (err or "")[-600:]
        t = np.asarray([s[0] for s in samples])
        c = np.asarray([s[1] for s in samples])
        pct = np.diff(c) / np.diff(t) * 100.0 if len(t) > 2 else np.zeros(0)
        pct = pct[1:]  # the first window holds the start-up (imports, models)
        out["cpu_pct_of_one_core"] = {
            "median": round(float(np.median(pct)), 2) if pct.size else None,
            "p90": round(float(np.percentile(pct, 90)), 2) if pct.size else None,
            "max": round(float(pct.max()), 2) if pct.size else None,
            "mean_after_startup": round(float((c[-1] - c[1]) / (t[-1] - t[1]) * 100), 2)
            if len(t) > 2 else None,
            "windows": int(pct.size), "window_s": window_s,
            "target": TARGETS.get(display),
        }
        out["wall_s"] = round(time.monotonic() - t_listen, 1)
        with contextlib.suppress(OSError):
            out["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
        sessions = [d for d in tmp.iterdir() if d.is_dir()]
        if sessions:
            sess = sessions[0]
            rep = json.loads((sess / "report.json").read_text())
            cs = rep.get("live", {}).get("capture_stats") or {}
            devs = cs.get("devices", [])
            out["capture"] = {
                "summary": rep.get("live", {}).get("capture"),
                "delivered_s": cs.get("delivered_s"),
                "overflows": cs.get("overflows"),
                "backlog_max_s": cs.get("backlog_max_s"),
                "backlog_exceeded": cs.get("backlog_exceeded"),
                "lag_max_s": cs.get("lag_max_s"),
                "drift_ppm": cs.get("drift_ppm"),
                "devices": {d["name"]: {k: d[k] for k in (
                    "parties", "backend", "status", "overflows", "silence_filled_s",
                    "drift_dropped", "drift_repeated")} for d in devs},
            }
            if check_audio:
                audio: dict[str, Any] = {}
                for col, (party, sink) in enumerate((("agent", "vc_mic"),
                                                     ("customer", "vc_far"))):
                    rec, _ = sf.read(sess / f"{party}.wav", dtype="float32")
                    server = np.fromfile(refs[sink][1], np.float32)
                    audio[party] = _window_lags(rec, server)  # voicecoach against the server
                    audio[f"{party}_server_vs_played"] = _window_lags(
                        call[: int(duration_s * SR), col], server)  # the player's side
                out["audio"] = audio
            out["audio_lost"] = _lost(out)
    finally:
        if hog is not None:
            hog.terminate()
            hog.wait(timeout=5)
        xvfb.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _lost(row: dict[str, Any]) -> bool | None:
    """True when the capture counters or the recordings show lost audio."""
    cap = row.get("capture") or {}
    if not cap.get("devices"):
        return None
    lost = bool(cap.get("overflows")) or bool(cap.get("backlog_exceeded"))
    lost |= any(d["silence_filled_s"] > 0.05 or d["status"] not in ("ok", "closed")
                for d in cap["devices"].values())
    for name, a in (row.get("audio") or {}).items():
        if a.get("windows") and not name.endswith("_vs_played"):
            # Lost audio shifts the lag for good: the last windows' lag against the first
            # ones' (one odd window is a correlation peak a pitch period away: a steady
            # voiced stretch, not a loss). The drift corrector's dropped/repeated samples
            # move the lag on purpose and are allowed for.
            moved = sum(d.get("drift_dropped", 0) + d.get("drift_repeated", 0)
                        for d in cap["devices"].values() if name in d.get("parties", ()))
            lost |= abs(a["net_shift_samples"]) > 2.0 + moved or a["median_corr"] < 0.99
    return lost


def run_live_cpu(duration_s: float = 120.0, loaded_duration_s: float = 600.0,
                 displays: tuple[str, ...] = DISPLAYS, window_s: float = 5.0,
                 far: str | None = None) -> dict[str, Any]:
    """Every display kind at rest, then the loaded run; rows a build cannot run are notes.

    Returns ``{"live_cpu": {display: row, ..., "loaded": row, "info": {...}}}``; a missing
    rig, display kind, Xvfb or `soundcard` removes only its own rows, with a note.
    """
    from voicecoach.testing.pulserig import RIG_ENV, PulseRig, RigError

    own = None
    try:
        base = os.environ.get(RIG_ENV)
        if base:
            rig = PulseRig.attach(base)
        else:
            own = PulseRig.start(tempfile.mkdtemp(prefix="vc-bench-rig-"))
            rig = own
    except (RigError, OSError) as e:
        return {"live_cpu": {"skipped": f"PulseAudio rig unavailable: {e}"}}
    res: dict[str, Any] = {}
    notes = []
    try:
        if far is None:
            # installed? (not imported here: soundcard connects to the PulseAudio server at
            # import, and this process does not carry the rig's environment)
            if importlib.util.find_spec("soundcard") is not None:  # the [loopback] extra
                far = "vc_far monitor"
            else:
                far = "vc_far"
                notes.append("soundcard not installed: far end read through the vc_far ALSA "
                             "PCM instead of 'vc_far monitor'")
        supported = _supported_displays()
        for d in displays:
            if d not in supported:
                res[d] = {"skipped": f"--display {d} is not in this build "
                                     f"(choices: {', '.join(supported)})"}
                continue
            _log(f"live_cpu: --display {d}, {duration_s:.0f} s")
            try:
                res[d] = run_one(rig, d, duration_s, far, window_s=window_s)
            except Exception as e:  # one row must not lose the others
                res[d] = {"skipped": f"{type(e).__name__}: {e}"}
            _log(f"live_cpu: {d}: {res[d].get('cpu_pct_of_one_core', res[d].get('skipped'))}")
        if loaded_duration_s > 0:
            kind = next((k for k in ("compact", "terminal", "none") if k in supported), "none")
            _log(f"live_cpu: loaded, --display {kind}, {loaded_duration_s:.0f} s")
            try:
                res["loaded"] = run_one(rig, kind, loaded_duration_s, far, window_s=window_s,
                                        loaded=True, check_audio=True)
            except Exception as e:
                res["loaded"] = {"skipped": f"{type(e).__name__}: {e}"}
            _log(f"live_cpu: loaded: lost={res['loaded'].get('audio_lost')}")
    finally:
        if own is not None:
            own.stop()
            shutil.rmtree(own.base, ignore_errors=True)
    res["info"] = {
        "what": "whole `voicecoach live` process (all threads), utime+stime / wall per "
        "window, % of one core; median over windows after the first",
        "config": "shipped defaults: vad.backend silero, echo.enabled (AEC3), --record",
        "targets_pct": TARGETS, "notes": notes, "cpus": os.cpu_count(),
    }
    return {"live_cpu": res}


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module notes)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.live_cpu",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--duration", type=float, default=120.0, help="s per display kind")
    ap.add_argument("--loaded-duration", type=float, default=600.0,
                    help="s of the loaded run (0: skip it)")
    ap.add_argument("--displays", nargs="*", default=list(DISPLAYS), choices=DISPLAYS)
    ap.add_argument("--window", type=float, default=5.0, help="CPU sampling window, s")
    ap.add_argument("--far", default=None, help="far end (default 'vc_far monitor')")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = ap.parse_args(argv)
    res = run_live_cpu(args.duration, args.loaded_duration, tuple(args.displays), args.window,
                       args.far)
    text = json.dumps(res, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
