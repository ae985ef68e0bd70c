"""End-to-end latency through the real audio path: paplay → PulseAudio → sounddevice → display.

A scripted call is played into the private PulseAudio rig's virtual microphone and far end
while a :class:`~voicecoach.session.LiveSession` reads them through PortAudio and draws the
matplotlib display (Agg, blitting) on this thread. Times on the *sample clock* (decisions)
are mapped to wall time through the session's timeline: each block's capture time is
PortAudio's own estimate of when its samples entered the input (ADC time).

Stages (ms, p50 and p99):

``capture``
    From the capture of a block's last sample to its delivery by ``Capture.read``
    (device buffer + callback + queue).
``analysis``
    ``CallAnalyzer.process`` on the block (features, tracker, coach).
``decision``
    The rule's own delay on the sample clock: for an interruption, ``decided_s - (onset +
    min_overlap_s)``; for pitch and level, the analysis window's centre behind the hop end.
``display``
    From the end of analysis of the newest hop on screen to the pixels being handed over
    (queueing for the next frame + draw).
``total``
    From the capture of the newest hop on screen to its pixels (``capture`` + ``analysis`` +
    ``display`` as measured together, frame by frame).

Also: the interruption event's lag after its onset in the audio (target <= min_overlap +
150 ms), a pace-change nudge's lag beyond the rule's sustain (Parley: ~1.1 s median), and the
whole process' CPU with the display on (target <= 30 % of one core).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from typing import Any

import numpy as np

SR = 16000


def _pct(x: list[float] | np.ndarray) -> dict[str, float]:
    a = np.asarray(x, np.float64)
    if a.size == 0:
        return {"p50": float("nan"), "p99": float("nan"), "n": 0}
    return {
        "p50": round(float(np.percentile(a, 50)), 2),
        "p99": round(float(np.percentile(a, 99)), 2),
        "n": int(a.size),
    }


def _script(quick: bool) -> tuple[list[Any], dict[str, float]]:
    from voicecoach.sources.synthetic import Utterance

    raised = 120.0 * 2 ** (3 / 12)
    script = [
        Utterance("customer", 0.5, 5.5),
        Utterance("agent", 6.3, 7.7, f0_hz=raised),  # pitch_high
        Utterance("customer", 14.4, 7.6),
        Utterance("agent", 18.5, 6.0),  # interruption of the customer
    ]
    marks = {"pitch_start_s": 6.3, "interruption_s": 18.5}
    if not quick:
        script += [
            Utterance("customer", 25.0, 4.0),
            Utterance("agent", 29.5, 10.0, syllable_rate=6.25),  # +25 %: rate_high
        ]
        marks["rate_start_s"] = 29.5
    return script, marks


def run_e2e_latency(quick: bool = False) -> dict[str, Any]:
    """Measure the live path through a private PulseAudio rig.

    Returns
    -------
    dict
        ``{"e2e_latency_ms": {...}, "e2e_info": {...}}``, or a ``skipped`` reason when
        PulseAudio or PortAudio is not available.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    from voicecoach.baseline import calibrate_array
    from voicecoach.config import load_config
    from voicecoach.errors import VoiceCoachError
    from voicecoach.session import LiveSession
    from voicecoach.sources.synthetic import synth_call, synth_speech
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
        return {"e2e_latency_ms": {"skipped": f"PulseAudio rig unavailable: {e}"}}
    try:
        rig.apply_env()
        from voicecoach.sources.capture import Capture
        from voicecoach.sources.devices import rescan

        rescan()
        cfg = load_config()
        calm, _ = synth_speech(duration_s=40, f0_hz=120.0, snr_db=30, seed=3)
        profile = calibrate_array(calm, SR, cfg, name="bench")
        script, marks = _script(quick)
        duration = 26.0 if quick else 41.0
        x, _truth = synth_call(script, duration_s=duration, agent_f0_hz=120.0, snr_db=30, seed=4)

        try:
            cap = Capture("vc_mic", "vc_far", config=cfg)
        except VoiceCoachError as e:
            return {"e2e_latency_ms": {"skipped": f"capture unavailable: {e}"}}
        session = LiveSession(cap, cfg, profile=profile, lang="en", duration_s=duration + 1.0)
        from voicecoach.sinks.window import WindowDisplay

        display = WindowDisplay(session.model, fps=cfg.live.fps, lang="en", backend="Agg")

        def play() -> None:
            time.sleep(0.5)
            ps = [rig.play("vc_mic", x[:, 0]), rig.play("vc_far", x[:, 1])]
            for p in ps:
                p.wait(timeout=120)

        player = threading.Thread(target=play, daemon=True)
        player.start()
        res = session.run(display)
        player.join(timeout=5)
        stats = cap.stats()
    finally:
        if own is not None:
            own.stop()
    return _summarise(session, res, display.stats(), stats, marks, cfg, quick)


def _summarise(
    session: Any, res: Any, dstats: dict[str, Any], cstats: Any, marks: dict[str, float],
    cfg: Any, quick: bool,
) -> dict[str, Any]:  # fmt: skip
    tl = np.asarray(session.timeline, np.float64)  # (t_end, capture wall, analysed wall)
    frames = np.asarray(dstats.get("latency", []), np.float64)
    total, disp = [], []
    if tl.size and frames.size:
        order = np.argsort(tl[:, 0])
        t_end, cap_w, an_w = tl[order, 0], tl[order, 1], tl[order, 2]
        for now_s, shown in frames:
            i = int(np.searchsorted(t_end, now_s - 1e-6))
            if i >= t_end.size or abs(t_end[i] - now_s) > 1e-6:
                continue
            total.append((shown - cap_w[i]) * 1000.0)
            disp.append((shown - an_w[i]) * 1000.0)
    cap_lat = [v * 1000.0 for v in (cstats.latency_p50_s, cstats.latency_p99_s) if v is not None]
    ev = {e.kind: e for e in res.events if e.kind in ("interruption",)}
    nudges = {e.rule: e for e in res.events if e.kind == "nudge"}
    rules = cfg.coach.rules
    inter = ev.get("interruption")
    pitch_centre_ms = (cfg.pitch.window_s / 2.0) * 1000.0
    out: dict[str, Any] = {
        "capture": {"p50": round(cap_lat[0], 2), "p99": round(cap_lat[1], 2)}
        if len(cap_lat) == 2
        else {"p50": None, "p99": None},
        "analysis": {k: round(v, 3) for k, v in res.analysis_ms.items()},
        "decision": {
            "interruption": None
            if inter is None
            else round(
                (inter.decided_s - inter.start_s - cfg.conversation.min_overlap_s) * 1000.0, 1
            ),
            "pitch_window_centre": round(pitch_centre_ms, 1),
        },
        "display": _pct(disp),
        "total": _pct(total),
        "pitch_display_lag": {
            k: (round(v + pitch_centre_ms, 1) if isinstance(v, float) else v)
            for k, v in _pct(total).items()
        },
        "interruption_onset_to_event": _pct(res.decision_latency_ms),
    }
    info: dict[str, Any] = {
        "definition": __doc__.split("Stages")[1].strip() if __doc__ else "",
        "quick": quick,
        "capture": res.capture,
        "display": {
            k: dstats.get(k)
            for k in (
                "backend",
                "fps",
                "frames_drawn",
                "frames_skipped",
                "frames_late",
                "draw_ms",
                "cpu_pct",
                "process_cpu_pct",
            )
        },
        "overflows": cstats.overflows,
        "targets": {
            "pitch_level_display_lag_ms": "<= 100",
            "interruption_event_after_onset_ms": (
                f"<= {cfg.conversation.min_overlap_s * 1000 + 150:.0f}"
            ),
            "pace_nudge_lag_beyond_sustain_s": "< 1.1 (Parley median)",
            "process_cpu_pct_with_display": "<= 30",
        },
    }
    if "pitch_high" in nudges:
        lag = nudges["pitch_high"].start_s - marks["pitch_start_s"] - _offset(res, marks)
        info["pitch_nudge_after_onset_s"] = round(lag, 2)
    if "rate_start_s" in marks and "rate_high" in nudges:
        lag = nudges["rate_high"].start_s - marks["rate_start_s"] - rules["rate_high"].sustain_s
        info["pace_nudge_lag_beyond_sustain_s"] = round(lag - _offset(res, marks), 2)
    return {"e2e_latency_ms": out, "e2e_info": info}


def _offset(res: Any, marks: dict[str, float]) -> float:
    """Where the played call starts on the session clock (from the interruption onset)."""
    inter = [e for e in res.events if e.kind == "interruption" and e.by == "agent"]
    return inter[0].start_s - marks["interruption_s"] if inter else 0.0


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    print(json.dumps(run_e2e_latency(quick="--quick" in sys.argv), indent=1, default=str))
