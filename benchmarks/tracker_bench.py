"""Conversation tracker benchmark: cost per hop, decision latency, interruption accuracy.

:func:`run_tracker_benchmarks` returns a dict (nothing is asserted):

``cost``
    The tracker's wall time per hop (µs) fed one hop at a time (p50/p99 over hops) and in
    large blocks (p50/p99 over blocks, per hop), next to the two-channel analysis cost per hop
    (large blocks), and their ratio.
``latency``
    Interruption decision latency over the generated calls (min/p50/p90/max, s):
    ``vs_true_onset`` is ``decided_s - (true onset + min_overlap_s)``, which includes the
    onset detection delay; ``vs_detected_onset`` uses the event's ``start_s`` (the contract,
    <= 0.1 s).
``accuracy``
    Interruption F1 and attribution accuracy (matched events whose ``by``/``of`` are right)
    per condition: generated calls at 20 dB SNR, the same with far-end bleed at -20 dB /
    200 ms, the bundled demo call, and stereo calls built from real recordings
    (:func:`real_calls`; ``None`` when the dataset cache is absent and cannot be fetched).
    A detected event matches a truth event of the same kind whose onset is within 0.3 s.
``backchannels``
    False interruptions from backchannels of 0.6-0.9 s (generated), the documented
    limitation of the live decision at ``min_overlap_s``, and from short ones (< 0.5 s).

Run ``python -m benchmarks.tracker_bench [--quick]`` to print the dict as JSON.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.analysis import Analyzer, Features
from voicecoach.config import Config, load_config
from voicecoach.conversation import ConversationTracker
from voicecoach.events import final_events
from voicecoach.sources.synthetic import Utterance, derive_events, synth_call
from voicecoach.sources.synthetic import random_call_script as random_script

__all__ = ["random_script", "real_calls", "run_tracker_benchmarks", "score_interruptions"]

SR = 16000
HOP = 160
MATCH_S = 0.3
ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- scripts


def _valid(script: list[Utterance]) -> list[Utterance]:
    """Drop backchannels that would overlap their own party's next turn."""
    out: list[Utterance] = []
    for u in script:
        if u.kind == "backchannel" and any(
            v.party == u.party and v is not u and v.start_s < u.end_s + 0.1 and u.start_s < v.end_s
            for v in script
        ):
            continue
        out.append(u)
    return out


# ----------------------------------------------------------------------------- scoring


def score_interruptions(truth_events: Any, events: list[Any]) -> dict[str, int]:
    """Greedy onset matching of closed interruptions: tp, n_truth, n_detected, attributed."""
    ref = [e for e in truth_events if e["kind"] == "interruption"]
    det = [e for e in final_events(events) if e.kind == "interruption" and e.closed]
    used: set[int] = set()
    tp = good = 0
    for r in ref:
        cands = [(abs(d.start_s - r["start_s"]), j) for j, d in enumerate(det)
                 if j not in used and abs(d.start_s - r["start_s"]) <= MATCH_S]
        if cands:
            _, j = min(cands)
            used.add(j)
            tp += 1
            good += (det[j].by, det[j].of) == (r["by"], r["of"])
    return {"tp": tp, "n_truth": len(ref), "n_detected": len(det), "attributed": good}


def _rates(c: dict[str, int]) -> dict[str, Any]:
    n = c["n_truth"] + c["n_detected"]
    return {
        "f1": round(2 * c["tp"] / n, 4) if n else 1.0,
        "attribution": round(c["attributed"] / c["tp"], 4) if c["tp"] else None,
        **c,
    }


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + v for k, v in b.items()}


def _analyze(y: np.ndarray, config: Config) -> tuple[Features, Features]:
    n = len(y) // HOP * HOP
    fa, fc = Analyzer(2, config).process(np.ascontiguousarray(y[:n], dtype=np.float32))
    return fa, fc


def _track(fa: Features, fc: Features, config: Config) -> list[Any]:
    return ConversationTracker(config).process(fa, fc)


# ----------------------------------------------------------------------------- real calls


def _load_clip(path: Path, start_s: float | None = None, end_s: float | None = None
               ) -> np.ndarray:
    """A recording at 16 kHz, mono, trimmed to its speech (30 dB under its peak 10 ms level),
    scaled to -20 dBFS active level."""
    import soundfile as sf
    from scipy.signal import resample_poly

    x, sr = sf.read(path, dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if start_s is not None:
        x = x[round(start_s * sr) : round((end_s or len(x) / sr) * sr)]
    if sr != SR:
        g = math.gcd(sr, SR)
        x = resample_poly(x, SR // g, sr // g)
    n = len(x) // HOP
    db = 10 * np.log10(np.mean(x[: n * HOP].reshape(n, HOP) ** 2, axis=1) + 1e-12)
    on = np.flatnonzero(db > db.max() - 30.0)
    x = x[on[0] * HOP : (on[-1] + 1) * HOP]
    db = db[on[0] : on[-1] + 1]
    active = db > db.max() - 30.0
    rms = math.sqrt(float(np.mean(10 ** (db[active] / 10))))
    return x * (10 ** (-20 / 20) / rms)


def _real_material() -> dict[str, list[np.ndarray]] | None:
    """Clips per voice from the benchmark datasets, or None if they cannot be had."""
    try:
        from .datasets import fetch

        en = fetch("asterisk_en")
        fr = fetch("asterisk_fr")
        arctic = fetch("arctic")
        counting = fetch("vad_counting")
    except Exception:  # no cache and no network: report None
        return None
    en.sort(key=lambda u: u.id)
    fr.sort(key=lambda u: u.id)
    words = []
    for u in counting:
        for a, b in u.segments or ():
            if b - a <= 0.6:
                words.append(_load_clip(u.path, max(0.0, a - 0.02), b + 0.02))
    male = [_load_clip(u.path) for u in arctic if u.sex == "m"]
    female = [_load_clip(u.path) for u in arctic if u.sex == "f"]
    return {
        "allison": [_load_clip(u.path) for u in en],
        "june": [_load_clip(u.path) for u in fr],
        "awb": male,
        "slt": female,
        "words": words,
    }


def _place(voices: dict[str, list[np.ndarray]], agent: str, customer: str, seed: int,
           n_turns: int = 10) -> tuple[np.ndarray, list[Utterance]]:
    """Alternate real utterances of two voices with scripted overlaps and backchannels."""
    rng = np.random.default_rng(seed)
    clips = {"agent": voices[agent], "customer": voices[customer]}
    spans: list[tuple[str, float, np.ndarray, str]] = []
    who, other = "agent", "customer"
    t = 0.5
    for i in range(n_turns):
        pool = clips[who]
        x = pool[int(rng.integers(len(pool)))]
        dur = len(x) / SR
        spans.append((who, t, x, "turn"))
        move = ("interrupt", "backchannel", "gap", "turn_end", "gap")[i % 5]
        if move == "backchannel" and dur > 2.2:
            w = voices["words"][int(rng.integers(len(voices["words"])))]
            spans.append((other, t + float(rng.uniform(0.7, dur - len(w) / SR - 0.8)), w,
                          "backchannel"))
        if move == "interrupt":
            t = t + dur - float(rng.uniform(0.8, min(1.4, dur - 1.0)))
        elif move == "turn_end":
            t = t + dur - float(rng.uniform(0.05, 0.2))
        else:
            t = t + dur + float(rng.uniform(0.3, 0.8))
        who, other = other, who
    n = round((max(s[1] + len(s[2]) / SR for s in spans) + 0.5) * SR)
    y = np.zeros((n, 2))
    script = []
    for party, start, x, kind in spans:
        a = round(start * SR)
        y[a : a + len(x), 0 if party == "agent" else 1] += x
        script.append(Utterance(party, a / SR, len(x) / SR, kind=kind))
    noise = np.random.default_rng(seed + 100).standard_normal((n, 2)) * 10 ** (-55 / 20)
    return y + noise, script


def real_calls(seed: int = 0) -> list[tuple[str, np.ndarray, tuple[dict[str, Any], ...]]] | None:
    """Stereo calls (ch0 agent, ch1 customer) built from real recordings, with truth events.

    Agent and customer are different speakers: CMU ARCTIC awb (male, Scottish English) or
    slt (female, US English), and the Asterisk prompt voices Allison (female, US English)
    or June (female, Canadian French); backchannels are single counted words ("one",
    "two", ... from pyAudioAnalysis) on the listener's channel. Each clip is trimmed to its
    speech and set to -20 dBFS; white noise at -55 dBFS. Truth events come from
    :func:`voicecoach.sources.synthetic.derive_events` on the placed spans (a clip's internal
    pauses are not known to the truth). None when the datasets are unavailable.
    """
    voices = _real_material()
    if voices is None or not voices["awb"] or not voices["slt"] or not voices["words"]:
        return None
    out = []
    for i, (agent, customer) in enumerate(
        (("awb", "allison"), ("awb", "june"), ("slt", "allison"), ("slt", "june"))
    ):
        y, script = _place(voices, agent, customer, seed + i)
        out.append((f"{agent}-{customer}", y, derive_events(script)))
    return out


# ----------------------------------------------------------------------------- benchmark


def _cost(config: Config, quick: bool) -> dict[str, Any]:
    y, _ = synth_call(random_script(1, 8 if quick else 14), snr_db=20.0, seed=1)
    n = len(y) // HOP * HOP
    y = y[:n]
    # analysis: large blocks (1 s), per hop of both channels
    an = Analyzer(2, config)
    t0 = time.perf_counter()
    for i in range(0, n, 100 * HOP):
        an.process(y[i : i + 100 * HOP])
    analysis_us = (time.perf_counter() - t0) / (n // HOP) * 1e6
    fa, fc = _analyze(y, config)
    hops = len(fa)
    tr = ConversationTracker(config)
    single = np.empty(hops)
    pc = time.perf_counter
    for i in range(hops):
        a, c = fa[i : i + 1], fc[i : i + 1]
        t0 = pc()
        tr.process(a, c)
        single[i] = pc() - t0
    block = 500
    tr = ConversationTracker(config)
    per_block = []
    for i in range(0, hops - block + 1, block):
        a, c = fa[i : i + block], fc[i : i + block]
        t0 = pc()
        tr.process(a, c)
        per_block.append((pc() - t0) / block)
    single_us = single * 1e6
    block_us = np.asarray(per_block) * 1e6
    return {
        "hops": hops,
        "analysis_us_per_hop": round(analysis_us, 1),
        "tracker_us_per_hop_single": {
            "p50": round(float(np.percentile(single_us, 50)), 1),
            "p99": round(float(np.percentile(single_us, 99)), 1),
            "mean": round(float(single_us.mean()), 1),
        },
        "tracker_us_per_hop_block500": {
            "p50": round(float(np.percentile(block_us, 50)), 2),
            "p99": round(float(np.percentile(block_us, 99)), 2),
        },
        "tracker_over_analysis_single": round(float(single_us.mean()) / analysis_us, 4),
        "tracker_over_analysis_block": round(float(np.median(block_us)) / analysis_us, 4),
    }


def run_tracker_benchmarks(quick: bool = False, config: Config | None = None) -> dict[str, Any]:
    """Measure the conversation tracker (see the module docstring for the keys).

    Parameters
    ----------
    quick : bool
        Fewer and shorter generated calls (about 15 s instead of about 60 s).
    config : Config, optional
        Defaults to :func:`voicecoach.config.load_config`.
    """
    config = config if config is not None else load_config()
    d = config.conversation.min_overlap_s
    seeds = (1, 2) if quick else (1, 2, 3, 4, 5, 6)
    out: dict[str, Any] = {"cost": _cost(config, quick)}
    latency: list[float] = []
    latency_det: list[float] = []
    acc: dict[str, Any] = {}
    for cname, kw in (("snr20", {}), ("bleed-20dB-200ms", {"bleed_db": -20.0,
                                                           "bleed_delay_s": 0.2})):
        tot: dict[str, int] = {}
        for s in seeds:
            y, truth = synth_call(_valid(random_script(s)), snr_db=20.0, seed=10 + s, **kw)
            evs = _track(*_analyze(y, config), config)
            tot = _add(tot, score_interruptions(truth.events, evs))
            ref = [e for e in truth.events if e["kind"] == "interruption"]
            seen: set[int] = set()
            for e in evs:
                if e.kind == "interruption" and e.end_s is None and e.id not in seen:
                    seen.add(e.id)  # the first version: the decision
                    near = [r for r in ref if abs(r["start_s"] - e.start_s) <= MATCH_S]
                    if near:
                        latency.append(e.decided_s - (near[0]["start_s"] + d))
                        latency_det.append(e.decided_s - (e.start_s + d))
        acc[cname] = _rates(tot)
    demo = ROOT / "recordings" / "demo_call.flac"
    if demo.exists():
        import soundfile as sf

        x, _ = sf.read(demo, dtype="float32", always_2d=True)
        truth_ev = json.loads(demo.with_suffix(".truth.json").read_text())["events"]
        acc["demo_call"] = _rates(score_interruptions(truth_ev, _track(*_analyze(x, config),
                                                                       config)))
    calls = real_calls()
    if calls is None:
        acc["real_utterances"] = None
    else:
        tot = {}
        per = {}
        for name, y, ev in calls:
            c = score_interruptions(ev, _track(*_analyze(y, config), config))
            per[name] = _rates(c)
            tot = _add(tot, c)
        acc["real_utterances"] = {"all": _rates(tot), "calls": per}
    out["accuracy"] = acc
    def dist(v: list[float]) -> dict[str, Any]:
        a = np.asarray(v)
        if not len(a):
            return {"n": 0}
        return {"n": len(a), **{f"{k}_s": round(float(f(a)), 3) for k, f in (
            ("min", np.min), ("p50", np.median), ("p90", lambda x: np.percentile(x, 90)),
            ("max", np.max))}}

    # vs the true onset (includes the onset detection error) and vs the detected onset
    # (the contract: <= 0.1 s)
    out["latency"] = {"vs_true_onset": dist(latency), "vs_detected_onset": dist(latency_det)}
    bc: dict[str, Any] = {}
    for label, rng_ in (("short_0.25-0.45s", (0.25, 0.45)), ("long_0.6-0.9s", (0.6, 0.9))):
        n_bc = n_int = 0
        for s in seeds:
            y, truth = synth_call(_valid(random_script(s, bc_range=rng_)), snr_db=20.0,
                                  seed=20 + s)
            fin = final_events(_track(*_analyze(y, config), config))
            for b in (e for e in truth.events if e["kind"] == "backchannel"):
                n_bc += 1
                n_int += any(e.kind == "interruption" and abs(e.start_s - b["start_s"]) <= MATCH_S
                             for e in fin)
        bc[label] = {"n": n_bc, "false_interruptions": n_int,
                     "rate": round(n_int / n_bc, 3) if n_bc else None}
    out["backchannels"] = bc
    return out


if __name__ == "__main__":
    print(json.dumps(run_tracker_benchmarks(quick="--quick" in sys.argv[1:]), indent=2))
