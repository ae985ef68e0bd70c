"""Real-voice calls live, through PulseAudio, against review (issue #10).

Issue #10 asks that real-voice calls give live the results they give in review. Each call of
:mod:`benchmarks.realcalls` (the split's voices, script and seeds, exactly as
:func:`~benchmarks.realcalls.run_calls` assembles them) is rendered in a condition, led by
:data:`LEAD_S` of silence and played whole (~66 s) as **one stereo stream** into the
PulseAudio rig's ``vc_duo`` sink (:mod:`voicecoach.testing.pulserig`; front-left the far end,
front-right the microphone: sample synchronous, as a real call's two sides are), while
``voicecoach live --mic vc_duo --mic-channel 1 --far vc_duo_b --far-channel 0 --record DIR
--events FILE --display none`` runs as a subprocess with the shipped defaults, exactly as
``tests/live/test_live_real_voices.py`` does. The call's start on the session's sample clock
is found by cross-correlating the recorded far-end column with the played one
(:func:`find_offset_s`), the live events are moved onto the call's clock (:func:`shift_events`)
and scored against the script's truth like ``realcalls`` scores a call
(:func:`score_events`: :func:`~benchmarks.realcalls.score_call` and
:func:`~benchmarks.realcalls.speech_scores`, whole calls).

Each live run is set beside three offline runs of :func:`~benchmarks.realcalls.run_pipeline`
(``CallAnalyzer``, 1 s blocks, shipped configuration):

``live``
    The events ``voicecoach live`` logged.
``recorded``
    The session's recording (``agent.wav``, ``customer.wav``) reviewed: the audio live
    analysed, offline (``voicecoach review`` of the session gives live's events,
    ``tests/live/test_live_real_voices.py``).
``offline``
    The played 16-bit file itself, as ``realcalls`` reviews a call: hops start on the call's
    first sample.
``offline_phase``
    The played file led by as many samples as put the 10 ms hops where they fell live
    (the call's start on the session's clock, modulo a hop): offline at live's hop phase.

``offline`` -> ``offline_phase`` is the hop phase alone; ``offline_phase`` -> ``recorded``
is the audio path (PulseAudio's 16 -> 48 kHz resampling into the sink, PortAudio's 48 ->
16 kHz capture resampling, 16-bit); ``recorded`` -> ``live`` is running in real time.

Conditions: ``clean`` (``realcalls``' -65 dBFS floor) and the other call conditions of
:func:`~benchmarks.realcalls.render`, and ``echoN``: ``white20`` plus the simulated
loudspeaker echo (:func:`~benchmarks.realcalls.loudspeaker_echo`, N dB under the far end, 40
ms late) in the microphone, as ``tests/test_real_voices.py`` makes it (``echo6``: the agent 6
dB over the echo, #10's echo condition).

Command line::

    python -m benchmarks.realcalls_live [--split dev|test|holdout] [--calls N]
        [--conditions clean,echo6] [--out FILE] [--keep DIR]

It needs ``pulseaudio``/``pactl``/``paplay`` (a private rig is started in a temporary folder,
or the one named by ``$VOICECOACH_PULSE_RIG`` is used) and the split's voices
(``$VOICECOACH_SPEECH_DIR``); it takes the calls' real time (~70 s per call and condition).
Results go to ``benchmarks/results/realcalls_live-<split>.json`` (not tracked) with the
machine's description.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.config import Config, load_config
from voicecoach.events import Event, final_events

from . import realcalls as rc

__all__ = [
    "COLUMNS",
    "LEAD_S",
    "check_condition",
    "find_offset_s",
    "main",
    "run_live_calls",
    "score_events",
    "shift_events",
    "signal",
    "window_lags",
]

SR = rc.SR
HOP = rc.HOP
RESULTS = Path(__file__).resolve().parent / "results"
LEAD_S = 0.3
"""Silence played before the call, s (the live process is listening by then)."""
TAIL_S = 2.0
"""The live session runs this long after the played stream ends, s."""
MAX_COLUMN_SKEW_S = 0.015
"""The microphone column's offset may differ from the far end's by this much (a check that
the two channels were read sample synchronous), s."""
COLUMNS = ("live", "recorded", "offline_phase", "offline")
"""The runs set side by side (see the module notes)."""
DEFAULT_CONDITIONS = ("clean", "echo6")


def _log(msg: str) -> None:
    print(f"[realcalls_live] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- signals


def signal(call: rc.Call, condition: str, babble: Sequence[rc.Voice], seed: int) -> np.ndarray:
    """The two-channel signal ``[agent mic, far end]`` of ``call`` in ``condition``.

    Parameters
    ----------
    call : Call
    condition : str
        One of ``realcalls``' call conditions rendered by :func:`~benchmarks.realcalls.render`
        (not ``echo_agent``), or ``echoN``: ``white20`` plus
        :func:`~benchmarks.realcalls.loudspeaker_echo` of the far end N dB under it, 40 ms
        late, in the microphone (``tests/test_real_voices.py``'s ``echo6``, ``echo0``).
    babble : sequence of Voice
        Babble sources (``babble20``).
    seed : int
        The call's seed.

    Returns
    -------
    np.ndarray, shape (n, 2)
        float32 at 16 kHz.

    Raises
    ------
    ValueError
        For an unknown condition.
    """
    if check_condition(condition):
        y = rc.render(call, "white20", [], seed).astype(np.float64)
        y[:, 0] += rc.loudspeaker_echo(call.y[:, 1], -float(condition[4:]), 0.04, seed)
        return y.astype(np.float32)
    return rc.render(call, condition, babble, seed)


def check_condition(condition: str) -> bool:
    """Whether ``condition`` is an ``echoN`` one (else one :func:`signal` renders with
    :func:`~benchmarks.realcalls.render`).

    Raises
    ------
    ValueError
        For a condition :func:`signal` does not make.
    """
    if condition.startswith("echo") and condition[4:].isdigit():
        return True
    if condition in rc.CALL_CONDITIONS and condition != "echo_agent":
        return False
    ok = [c for c in rc.CALL_CONDITIONS if c != "echo_agent"]
    raise ValueError(f"unknown condition {condition!r}: use some of {ok} or echoN (e.g. "
                     "echo6: a loudspeaker echo 6 dB under the far end)")


# ----------------------------------------------------------------------------- scoring


def find_offset_s(recorded: np.ndarray, played: np.ndarray, sample_rate: int = SR) -> float:
    """Where ``played`` starts in ``recorded``, by cross-correlation.

    Parameters
    ----------
    recorded, played : np.ndarray, shape (n,)
        One channel each, at ``sample_rate``.
    sample_rate : int
        Hz.

    Returns
    -------
    float
        The lag (s, a whole number of samples, >= 0) at which ``played`` best matches
        ``recorded``.
    """
    r = np.asarray(recorded, np.float64)
    p = np.asarray(played, np.float64)
    n = 1 << int(np.ceil(np.log2(len(r) + len(p))))
    xc = np.fft.irfft(np.fft.rfft(r, n) * np.conj(np.fft.rfft(p, n)), n)
    return int(np.argmax(xc[: len(r)])) / sample_rate


def window_lags(recorded: np.ndarray, played: np.ndarray, start: int, window_s: float = 5.0,
                sample_rate: int = SR) -> list[int]:
    """Where each window of ``played`` lies in ``recorded``, relative to ``start``.

    A capture that drops or repeats samples (drift correction) or loses a block moves the
    later windows; a clean path keeps one lag.

    Parameters
    ----------
    recorded, played : np.ndarray, shape (n,)
    start : int
        Where ``played`` starts in ``recorded`` (samples, :func:`find_offset_s`).
    window_s : float
        Window length, s; windows of near silence (under -60 dBFS RMS) are skipped.

    Returns
    -------
    list of int
        Per window, its lag minus ``start`` (samples; 0 where nothing moved).
    """
    w = round(window_s * sample_rate)
    search = sample_rate // 10  # +- 100 ms
    out = []
    for a in range(0, len(played) - w + 1, w):
        q = played[a : a + w]
        if np.sqrt(np.mean(np.square(q, dtype=np.float64))) < 1e-3:
            continue
        lo = max(0, start + a - search)
        seg = recorded[lo : start + a + w + search]
        if len(seg) < w:
            break
        out.append(round(find_offset_s(seg, q, sample_rate) * sample_rate) + lo - start - a)
    return out


def shift_events(events: Sequence[Event], offset_s: float) -> list[Event]:
    """The events with every time moved ``offset_s`` earlier (onto a clock starting there).

    Parameters
    ----------
    events : sequence of Event
        Final events (see :func:`voicecoach.events.final_events`).
    offset_s : float
        Where the new clock's zero lies on the events' clock, s.

    Returns
    -------
    list of Event
        ``start_s``, ``decided_s`` and ``end_s`` (when set) minus ``offset_s``; events ending
        at or before the new zero are left out (a span ending before a call is not in it).
    """
    return [dataclasses.replace(e, start_s=e.start_s - offset_s,
                                decided_s=e.decided_s - offset_s,
                                end_s=None if e.end_s is None else e.end_s - offset_s)
            for e in events if e.end_s is None or e.end_s > offset_s]


def score_events(call: rc.Call, events: Sequence[Event], offset_s: float) -> dict[str, Any]:
    """Score events against the call's truth, the call starting at ``offset_s`` on their
    clock.

    Parameters
    ----------
    call : Call
        The call (its ``y`` sets the number of hops scored for speech).
    events : sequence of Event
        Final events on the run's clock.
    offset_s : float
        The call's first sample on that clock, s.

    Returns
    -------
    dict
        :func:`~benchmarks.realcalls.score_call` and
        :func:`~benchmarks.realcalls.speech_scores` merged, plus ``call`` and ``seconds``.
        Speech segments are clipped to the call (``speech_scores``' masks take times >= 0):
        a segment starting before the call counts from its start, one ending before it not at
        all; an interruption decided before the call's start is a false one.
    """
    shifted = shift_events(final_events(list(events)), offset_s)
    s = rc.score_call(call.truth, shifted)
    clipped = [dataclasses.replace(e, start_s=max(e.start_s, 0.0)) if e.kind == "speech" else e
               for e in shifted]
    s.update(rc.speech_scores(call, clipped))
    s["call"] = call.name
    s["seconds"] = round(len(call.y) / SR, 1)
    return s


# ----------------------------------------------------------------------------- one call


def _read_events(path: Path) -> list[Event]:
    from voicecoach.sinks.eventlog import read_events

    return read_events(path, final=False)


def _run_live(rig: Any, stream_path: Path, seconds: float, work: Path) -> tuple[Path, Path]:
    """Play ``stream_path`` into ``vc_duo`` while ``voicecoach live`` listens; returns the
    session folder and the event log."""
    rec, events_path = work / "sessions", work / "events.jsonl"
    args = [
        "--mic", "vc_duo", "--mic-channel", "1", "--far", "vc_duo_b", "--far-channel", "0",
        "--duration", f"{seconds + TAIL_S:.1f}", "--record", str(rec),
        "--events", str(events_path), "--display", "none", "--lang", "en",
    ]  # fmt: skip
    code, err = rig.run_live(args, [("vc_duo", stream_path)], timeout_s=seconds + 60)
    if code != 0:
        raise RuntimeError(f"voicecoach live exited with {code}: {err.strip()}")
    sessions = [p for p in rec.iterdir() if p.is_dir()]
    if len(sessions) != 1:
        raise RuntimeError(f"expected one session folder in {rec}, found {len(sessions)}")
    return sessions[0], events_path


def run_one(rig: Any, call: rc.Call, y: np.ndarray, config: Config, work: Path
            ) -> dict[str, Any]:
    """One call in one condition: live through the rig and the offline runs, scored.

    Parameters
    ----------
    rig : PulseRig
    call : Call
    y : np.ndarray, shape (n, 2)
        The call's signal ``[agent mic, far end]`` (:func:`signal`).
    config : Config
        The offline runs' configuration (the live process reads the shipped one).
    work : Path
        An empty folder for the stream, the session and the event log.

    Returns
    -------
    dict
        Per column of :data:`COLUMNS` the call's scores (:func:`score_events`), and
        ``offset_s`` (the call's start on the session's clock), ``hop_phase`` (samples),
        ``mic_skew_ms``, ``capture_stats`` (the live report's counters).
    """
    import soundfile as sf

    lead = round(LEAD_S * SR)
    played = np.concatenate([np.zeros((lead, 2), np.float32), y])
    stream = work / "call.wav"
    # vc_duo: front-left is the far end, front-right the microphone
    sf.write(stream, np.clip(played[:, ::-1], -1, 1), SR, subtype="PCM_16")
    played, _ = sf.read(stream, dtype="float32")  # what is played: 16-bit
    played = np.ascontiguousarray(played[:, ::-1])  # back to [mic, far]
    session, events_path = _run_live(rig, stream, len(played) / SR, work)

    rec_mic, _ = sf.read(session / "agent.wav", dtype="float32")
    rec_far, _ = sf.read(session / "customer.wav", dtype="float32")
    start_s = find_offset_s(rec_far, played[:, 1])  # the echo is not in the far column
    mic_skew_s = find_offset_s(rec_mic, played[:, 0]) - start_s
    call_s = start_s + LEAD_S  # the call's first sample on the session's clock
    phase = round(call_s * SR) % HOP
    report = json.loads((session / "report.json").read_text())
    start = round(start_s * SR)
    far_lags = window_lags(rec_far, played[:, 1], start)
    mic_lags = window_lags(rec_mic, played[:, 0], round((start_s + mic_skew_s) * SR))
    stats = report.get("live", {}).get("capture_stats") or {}
    out: dict[str, Any] = {
        "offset_s": round(call_s, 4),
        "hop_phase": phase,
        "mic_skew_ms": round(mic_skew_s * 1000, 2),
        # how far each column moved during the call (5 s windows, samples at 16 kHz)
        "far_lag_moved": [min(far_lags, default=0), max(far_lags, default=0)],
        "mic_lag_moved": [min(mic_lags, default=0), max(mic_lags, default=0)],
        "drift_corrected": stats.get("drift_corrected"),
        "capture_stats": stats,
    }
    if abs(mic_skew_s) > MAX_COLUMN_SKEW_S:
        _log(f"{call.name}: the microphone column is {mic_skew_s * 1000:.1f} ms off the far "
             "end's (not sample synchronous)")
    out["live"] = score_events(call, _read_events(events_path), call_s)
    n = min(len(rec_mic), len(rec_far))
    recorded = np.stack([rec_mic[:n], rec_far[:n]], axis=1)
    out["recorded"] = score_events(call, rc.run_pipeline(recorded, config), call_s)
    led = np.concatenate([np.zeros((phase, 2), np.float32), played])
    out["offline_phase"] = score_events(call, rc.run_pipeline(led, config),
                                        LEAD_S + phase / SR)
    out["offline"] = score_events(call, rc.run_pipeline(played, config), LEAD_S)
    return out


# ----------------------------------------------------------------------------- running


def run_live_calls(rig: Any, split: str, conditions: Sequence[str], config: Config, *,
                   n_calls: int = 6, duration_s: float = 60.0, work: Path,
                   progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """Every call in every condition, live and offline.

    Parameters
    ----------
    rig : PulseRig
    split : {"dev", "test", "holdout"}
    conditions : sequence of str
        See :func:`signal`.
    config : Config
    n_calls : int
        Calls per condition (``realcalls``' calls: the split's pairs in turn, seeds 0..).
    duration_s : float
        The scripts stop adding turns after this long (``realcalls``: 60).
    work : Path
        A folder for the streams and sessions (one subfolder per run).

    Returns
    -------
    dict
        ``{condition: {column: summarize(...), ..., "per_call": [...]}}``.
    """
    truth_cfg = load_config().conversation  # the shipped definitions: truth never moves
    voices = rc._load_voices(split)
    sp = rc.SPLITS[split]
    babble = [voices[k] for k in sp.babble if k in voices]
    plans = rc._calls(split, n_calls)
    out: dict[str, Any] = {}
    for cond in conditions:
        per_call = []
        for agent, customer, seed in plans:
            call = rc.assemble_call(agent, customer, seed, duration_s=duration_s,
                                    min_overlap_s=truth_cfg.min_overlap_s,
                                    turn_end_s=truth_cfg.turn_end_s)
            others = [v for k, v in voices.items()
                      if k in sp.voices and k not in (agent.name, customer.name)]
            y = signal(call, cond, [*babble, *others], seed)
            folder = work / f"{cond}-{call.name}"
            folder.mkdir(parents=True)
            t0 = time.monotonic()
            r = run_one(rig, call, y, config, folder)
            per_call.append({"call": call.name, **r})
            progress(f"{split} {cond} {call.name}: " + ", ".join(
                f"{c} {r[c]['tp']}/{r[c]['n_truth']} ({r[c]['n_detected']} det.)"
                for c in COLUMNS) + f"; phase {r['hop_phase']}, {time.monotonic() - t0:.0f} s")
        out[cond] = {c: rc.summarize([p[c] for p in per_call]) for c in COLUMNS}
        out[cond]["per_call"] = per_call
    return out


def _start_rig(base: Path | None) -> tuple[Any, bool]:
    from voicecoach.testing.pulserig import RIG_ENV, PulseRig

    env = os.environ.get(RIG_ENV)
    if env:
        return PulseRig.attach(env), False
    assert base is not None
    return PulseRig.start(base), True


def _f(v: Any, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


def format_table(result: dict[str, Any]) -> str:
    """The result of :func:`main`'s run as a plain-text table."""
    lines = [f"real-voice calls live through PulseAudio against review, split "
             f"{result['split']}, {result['calls_per_condition']} calls per condition"]
    head = (f"{'condition':10s} {'run':14s} {'n_int':>5s} {'recall':>6s} {'prec':>6s} "
            f"{'attr':>5s} {'FA bc':>6s} {'lat50':>6s} {'lat90':>6s} {'ag.false':>8s} "
            f"{'ag.dbl':>6s}")
    lines += [head, "-" * len(head)]
    for cond, r in result["conditions"].items():
        for col in COLUMNS:
            s = r[col]
            lines.append(
                f"{cond:10s} {col:14s} {s['n_truth']:5d} {_f(s['recall']):>6s} "
                f"{_f(s['precision']):>6s} {_f(s['attribution']):>5s} "
                f"{_f(s['fa_backchannel']):>6s} {_f(s['latency_p50_s']):>6s} "
                f"{_f(s['latency_p90_s']):>6s} {_f(s['agent_false_speech_s_per_min']):>8s} "
                f"{_f(s['agent_speech_recall_overlap'], '.3f'):>6s}")
        diff = [p["call"] for p in r["per_call"]
                if (p["live"]["tp"], p["live"]["n_detected"])
                != (p["offline"]["tp"], p["offline"]["n_detected"])]
        phases = [p["hop_phase"] for p in r["per_call"]]
        lines.append(f"{'':10s} calls where live and offline differ (found, detected): "
                     f"{len(diff)} {diff}; live hop phases {phases}")
        moved = [max(abs(v) for v in (*p["far_lag_moved"], *p["mic_lag_moved"]))
                 for p in r["per_call"]]
        corrected = sum(bool(p["drift_corrected"]) for p in r["per_call"])
        # the capture's own estimate of the same misalignment (its streams' lateness)
        est = [None if (v := (p.get("capture_stats") or {}).get("skew_ms")) is None
               else round(v, 2) for p in r["per_call"]]
        lines.append(f"{'':10s} start skew mic-far (ms) {[p['mic_skew_ms'] for p in r['per_call']]}"
                     f", the capture's estimate (skew_ms) {est}")
        lines.append(f"{'':10s} drift corrected in {corrected} of {len(moved)} sessions; a "
                     f"column moved during the call by up to {moved} samples")
    lines.append("ag.false: agent speech away from the agent's, s/min; ag.dbl: the agent's "
                 "speech kept while both talk")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.realcalls_live``; returns the exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.realcalls_live",
        description="Real-voice calls live through PulseAudio against review (issue #10).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--split", choices=sorted(rc.SPLITS), default="dev",
                    help="dev to try, test to report")
    ap.add_argument("--calls", type=int, default=6, help="calls per condition")
    ap.add_argument("--conditions", default=",".join(DEFAULT_CONDITIONS),
                    help="comma-separated: realcalls' call conditions or echoN")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON result (default: benchmarks/results/realcalls_live-SPLIT.json)")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="keep the played streams, sessions and event logs under DIR")
    args = ap.parse_args(argv)
    conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    if args.calls < 1:
        print(f"Error: --calls {args.calls}: give at least 1", file=sys.stderr)
        return 2
    try:
        for c in conditions:
            check_condition(c)
    except ValueError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    out = args.out or RESULTS / f"realcalls_live-{args.split}.json"
    from voicecoach.errors import RigError

    from .datasets import DatasetError
    from .machine import describe_machine

    config = load_config()
    tmp = Path(tempfile.mkdtemp(prefix="vc-realcalls-live-"))
    rig = None
    owned = False
    t0 = time.monotonic()
    try:
        rig, owned = _start_rig(tmp / "rig")
        res = run_live_calls(rig, args.split, conditions, config, n_calls=args.calls,
                             work=args.keep or tmp / "runs")
    except RigError as e:
        print(f"Error: no PulseAudio rig: {e}", file=sys.stderr)
        return 1
    except DatasetError as e:
        print(f"Error: the {args.split} voices cannot be had: {e}", file=sys.stderr)
        return 1
    finally:
        if rig is not None and owned:
            rig.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    result = {"split": args.split, "calls_per_condition": args.calls, "lead_s": LEAD_S,
              "columns": list(COLUMNS), "conditions": res, "targets": rc.TARGETS,
              "vad_backend": config.vad.backend, "run_s": round(time.monotonic() - t0, 1),
              "machine": describe_machine()}
    print(format_table(result))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
