"""The conversation tracker and the coach on real recorded voices, from the repository alone.

``tests/data/real_voices/`` ships four real voices (their licences and provenance are in its
README): Allison's 17 US English IVR prompts (8 kHz), the CMU ARCTIC speakers awb (male)
and slt (female), 50 of June's Canadian French IVR prompts (8 kHz, 162 s) and the ve9qrp
HF-radio monologue (male, 8 kHz, 112 s).

**Conversation.** :func:`benchmarks.realcalls.assemble_call` places the clips of the first
three in two-party calls by a seeded script: interruptions by both parties 0.8-2 s into the
other's turn, backchannels of 0.2-0.9 s, turn-end overlaps, pauses inside turns; the script
gives the exact truth. Each call is reviewed through the whole pipeline
(:class:`voicecoach.pipeline.CallAnalyzer`: canceller, speech detector, tracker) in one
condition:

* ``clean`` (a -65 dBFS floor), ``white20`` (white noise 20 dB under the speech), and
  ``bleed15_350ms`` (the customer band-passed, through a short room response, 15 dB down
  and 350 ms late in the agent's microphone, plus the white noise), as
  :func:`benchmarks.realcalls.render` makes them;
* ``echo6``: ``white20`` plus a simulated loudspeaker echo of the customer in the agent's
  microphone (overdriven, 40 ms late, a decaying room response, 6 dB under the customer's
  level: the agent is 6 dB over it), for which the canceller runs; ``echo0``: the same
  echo as loud as the customer (and the agent), the double-talk hold's domain.

**Coach.** ``benchmarks.coach_bench``'s per-voice run on June: calibrated on part of her
calm speech, it reviews the rest as it is and changed (+1 st, +3 st, x1.08, x1.25, +6 dB).

**Pitch** against Praat on the same audio, and **mono calls**: ``benchmarks.mono_calls``'
attribution on mono mixes of Allison and the ve9qrp monologue (male, HF radio).

These are the ``realcalls``, ``coach_bench`` and ``mono_calls`` benchmarks' **dev** voices
(the speech decisions, the coach and the mono attribution were tuned on them), so these are
unit tests on real voices, not results; the README quotes the held-out voices' figures.
Bounds are the issues' targets (#10, #11, #13), except with the echo as loud as the agent
(each bound says what it was measured at); the targets real voices still miss are strict
expected failures.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks import cold_start
from benchmarks import realcalls as rc
from voicecoach.config import load_config

DATA = Path(__file__).parent / "data" / "real_voices"
PAIRS = cold_start.PAIRS
SEEDS = cold_start.SEEDS
CONDITIONS = ("clean", "white20", "bleed15_350ms", "echo6", "echo0")
#: Interruption recall each condition must reach: the issue's targets (0.95 clean, 0.90
#: in noise, bleed and echo), and 0.95 with the echo as loud as the agent, where the
#: double-talk hold is what keeps it (measured 1.00, 0.98 before the linear evidence of echo;
#: 0.94 with ``double_talk_hold = false``).
MIN_RECALL = {"clean": 0.95, "white20": 0.90, "bleed15_350ms": 0.90, "echo6": 0.90,
              "echo0": 0.95}
#: The agent's speech recall while both talk: the issue's 0.90, and 0.88 with the echo as
#: loud as the agent (measured 0.92, 0.907 before the linear evidence of echo; 0.848 with
#: ``double_talk_hold = false``).
MIN_DOUBLE_TALK = {"clean": 0.90, "echo6": 0.90, "echo0": 0.88}
#: Agent speech away from the agent's own (s per call of ~66 s): the issue's 1 s per minute
#: of pure echo, and 1.5 s with the echo as loud as the agent (measured up to 1.17 s).
MAX_FALSE_S = {"clean": 1.0, "echo6": 1.0, "echo0": 1.5}
#: The call whose echo the envelope correlation alone missed under dense double talk
#: (``test_a_real_echo_under_dense_double_talk``).
DENSE_DOUBLE_TALK_ECHO = ("awb", "slt", 1)


@functools.cache
def voices() -> dict[str, rc.Voice]:
    """The shipped voices as :class:`benchmarks.realcalls.Voice` (clips at 16 kHz)."""
    return cold_start.voices()


def signal(call: rc.Call, condition: str, seed: int) -> np.ndarray:
    """The two-channel signal of ``call`` in ``condition`` (float32, 16 kHz)."""
    return cold_start.signal(call, condition, seed)


@functools.cache
def reviewed(agent: str, customer: str, seed: int, condition: str) -> dict[str, Any]:
    """One call reviewed through the pipeline: its interruption and speech scores."""
    v = voices()
    call = rc.assemble_call(v[agent], v[customer], seed, name=f"{agent}-{customer}-{seed}")
    events = rc.run_pipeline(signal(call, condition, seed), load_config())
    return {"call": rc.score_call(call.truth, events), "speech": rc.speech_scores(call, events)}


def pooled(condition: str) -> dict[str, Any]:
    """The condition's calls pooled."""
    runs = [reviewed(a, c, s, condition) for a, c in PAIRS for s in SEEDS]
    calls = [r["call"] for r in runs]
    tot = {k: sum(c[k] for c in calls) for k in
           ("n_truth", "n_detected", "tp", "attributed", "n_backchannel", "n_backchannel_fa")}
    tot["latency_s"] = [x for c in calls for x in c["latency_s"]]
    for k in ("agent_overlap_hops", "agent_overlap_hit", "agent_false_hops",
              "customer_overlap_hops", "customer_overlap_hit"):
        tot[k] = sum(r["speech"][k] for r in runs)
    tot["agent_false_s_per_call"] = [r["speech"]["agent_false_hops"] * rc.HOP_S for r in runs]
    return tot


def test_the_shipped_voices_are_real_speech_of_known_length() -> None:
    """The fixtures load (FLAC, their native rates) into clips for turns and backchannels."""
    import soundfile as sf

    v = voices()
    assert len(sorted((DATA / "allison_en").glob("*.flac"))) == 17
    assert sf.info(str(DATA / "allison_en" / "demo-nogo.flac")).samplerate == 8000
    assert sum(c.duration_s for c in v["allison"].turns) > 60.0
    for name in ("awb", "slt"):
        assert v[name].turns and v[name].short
    for path in ("allison_en/copyright", "cmu_arctic/COPYING", "README.md"):
        assert (DATA / path).is_file(), path


@pytest.mark.parametrize("condition", CONDITIONS)
def test_interruptions_between_real_voices(condition: str) -> None:
    """Who interrupted whom, on six real-voice calls: the issue's targets (#10), pooled."""
    t = pooled(condition)
    assert t["n_truth"] >= 35 and t["n_backchannel"] >= 25, t
    recall = t["tp"] / t["n_truth"]
    precision = t["tp"] / max(t["n_detected"], 1)
    assert recall >= MIN_RECALL[condition], (condition, t)
    assert precision >= 0.95, (condition, t)
    assert t["attributed"] == t["tp"], (condition, t)  # every matched event: by whom, of whom
    assert t["n_backchannel_fa"] <= 0.05 * t["n_backchannel"], (condition, t)
    assert np.quantile(t["latency_s"], 0.9) <= 0.65, (condition, t["latency_s"])


@pytest.mark.parametrize("condition", sorted(MIN_DOUBLE_TALK))
def test_the_agents_speech_is_kept_in_double_talk(condition: str) -> None:
    """While both talk, the agent's real voice is speech (:data:`MIN_DOUBLE_TALK` of those
    hops), also with a loudspeaker echo of the customer in the agent's microphone; and the
    echo is not taken for the agent (:data:`MAX_FALSE_S`)."""
    t = pooled(condition)
    assert t["agent_overlap_hops"] > 3000, t
    assert (t["agent_overlap_hit"] / t["agent_overlap_hops"]
            >= MIN_DOUBLE_TALK[condition]), (condition, t)
    assert max(t["agent_false_s_per_call"]) <= MAX_FALSE_S[condition], (
        condition, t["agent_false_s_per_call"])


def test_a_real_echo_under_dense_double_talk() -> None:
    """The ``echo6`` call whose echo's envelope correlation stays 0.24-0.38 (no_echo at
    11.6-14 s on the correlation alone, ~10 s of echo taken for the agent, 7 of 11
    interruptions): the linear check's evidence finds the echo (README, 'A real echo under
    dense double talk'); held to the pooled bounds on its own."""
    r = reviewed(*DENSE_DOUBLE_TALK_ECHO, "echo6")
    assert r["call"]["tp"] >= 0.9 * r["call"]["n_truth"], r["call"]
    assert r["speech"]["agent_false_hops"] * rc.HOP_S <= 1.0, r["speech"]



@functools.cache
def reviewed_8k(agent: str, customer: str, seed: int, condition: str,
                quiet_db: float | None = None, steady_db: float | None = None,
                backtrack_s: float | None = None,
                ) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """One call as an 8 kHz G.711 stereo file through ``voicecoach review``
    (:func:`benchmarks.realcalls.review_events`), with ``[vad] own_level_quiet_db``,
    ``own_level_steady_db`` and ``[conversation] agent_onset_backtrack_s`` as shipped or at
    ``quiet_db`` / ``steady_db`` / ``backtrack_s``: its interruption and speech scores and
    its events."""
    import dataclasses

    v = voices()
    call = rc.assemble_call(v[agent], v[customer], seed, name=f"{agent}-{customer}-{seed}")
    cfg = load_config()
    if quiet_db is not None:
        cfg = dataclasses.replace(cfg, vad=dataclasses.replace(cfg.vad,
                                                               own_level_quiet_db=quiet_db))
    if steady_db is not None:
        cfg = dataclasses.replace(cfg, vad=dataclasses.replace(cfg.vad,
                                                               own_level_steady_db=steady_db))
    if backtrack_s is not None:
        cfg = cfg.replace(conversation={"agent_onset_backtrack_s": backtrack_s})
    events = rc.review_events(signal(call, condition, seed), cfg)
    return rc.score_call(call.truth, events), rc.speech_scores(call, events), events


def test_a_quiet_telephone_line_keeps_the_agents_soft_speech() -> None:
    """On 8 kHz G.711 recordings of the six calls, the own-level gate's widening over a quiet
    line (``own_level_quiet_db``) keeps more of the agent's speech in clean calls (measured:
    0.966 of the hops the agent speaks alone, 0.923 without it), with every interruption
    found and no false agent speech; over white noise 20 dB down it changes no event. (Without
    the agent's onset backtrack, which the next test measures, so that each is measured alone.)"""
    hits = {"on": [0, 0], "off": [0, 0]}
    for a, c in PAIRS:
        for s in SEEDS:
            for key, q in (("on", None), ("off", 0.0)):
                call, speech, _ = reviewed_8k(a, c, s, "clean", q, backtrack_s=0.0)
                assert call["tp"] == call["n_truth"] == call["n_detected"], (a, c, s, key, call)
                assert speech["agent_false_hops"] == 0, (a, c, s, key)
                hits[key][0] += speech["agent_alone_hit"]
                hits[key][1] += speech["agent_alone_hops"]
    on, off = (hits[k][0] / hits[k][1] for k in ("on", "off"))
    assert on >= 0.95 and on >= off + 0.03, (on, off)
    for a, c in PAIRS[1:]:
        assert (reviewed_8k(a, c, 1, "white20", backtrack_s=0.0)[2]
                == reviewed_8k(a, c, 1, "white20", 0.0, backtrack_s=0.0)[2])


def test_a_telephone_band_agents_onsets_are_backtracked() -> None:
    """On 8 kHz G.711 recordings of the six calls, clean, the agent's onset backtrack
    (``[conversation] agent_onset_backtrack_s``) finds the agent's speech from its first
    sound: more of the hops the agent speaks alone and over the customer are the agent's,
    every interruption is still found, no false agent speech, and the agent's interruptions
    are decided no later."""
    hits = {"on": [0, 0, 0, 0], "off": [0, 0, 0, 0]}
    late = {"on": [], "off": []}
    for a, c in PAIRS:
        for s in SEEDS:
            for key, bt in (("on", None), ("off", 0.0)):
                call, speech, _ = reviewed_8k(a, c, s, "clean", backtrack_s=bt)
                assert call["tp"] == call["n_truth"] == call["n_detected"], (a, c, s, key, call)
                assert speech["agent_false_hops"] == 0, (a, c, s, key)
                for i, k in enumerate(("agent_alone_hit", "agent_alone_hops",
                                       "agent_overlap_hit", "agent_overlap_hops")):
                    hits[key][i] += speech[k]
                late[key] += call["latency_s"]
    alone, overlap = ({k: hits[k][j] / hits[k][j + 1] for k in hits} for j in (0, 2))
    assert alone["on"] >= alone["off"] + BACKTRACK_GAIN, alone
    assert overlap["on"] >= overlap["off"] + BACKTRACK_GAIN, overlap
    assert np.percentile(late["on"], 90) <= np.percentile(late["off"], 90), late


def test_a_whatif_on_an_8khz_call_keeps_the_agents_onset_backtrack(tmp_path: Path) -> None:
    """An 8 kHz recording's agent is telephone-band: a what-if that re-runs the tracker on
    its review's tracks backtracks the agent's onsets as a fresh review does (the same report
    events), and without the backtrack (``agent_onset_backtrack_s = 0``) some agent onsets
    come later (measured on this call: 10-150 ms)."""
    import soundfile as sf

    from voicecoach.review.calls import assign_meta, discover_calls
    from voicecoach.review.one_call import review_call
    from voicecoach.review.whatif import recoach_call

    v = voices()
    call = rc.assemble_call(v["allison"], v["awb"], 0, name="allison-awb-0")
    p = tmp_path / "tel.wav"
    sf.write(p, np.clip(rc.telephone8(signal(call, "clean", 0)), -1, 1), 8000, subtype="ULAW")
    (c,) = assign_meta(discover_calls([p])[0])
    review_call(c, tmp_path / "r", load_config(), lang="en", render=False)
    cfg = load_config().replace(conversation={"min_overlap_s": 0.45})
    rep, _ = recoach_call(tmp_path / "r" / p.stem, tmp_path / "w", cfg, lang="en", render=False)
    assert rep["whatif"]["reused"]["conversation"] is False
    fresh = review_call(c, tmp_path / "f", cfg, lang="en", render=False, audio="none")
    assert rep["events"] == fresh["events"] and rep["summary"] == fresh["summary"]
    off = review_call(c, tmp_path / "o", cfg.replace(conversation={"agent_onset_backtrack_s": 0.0}),
                      lang="en", render=False, audio="none")

    def onsets(r: dict[str, Any]) -> list[float]:
        return [e["start_s"] for e in r["events"]
                if e["kind"] == "speech" and e.get("party") == "agent"]

    moved = [a - b for a, b in zip(onsets(fresh), onsets(off), strict=True)]
    assert all(d <= 1e-9 for d in moved) and min(moved) < -0.05, moved


#: What the agent's onset backtrack must add to the agent speech kept alone and in double
#: talk in the test above (half the smaller gain measured: alone 0.961 -> 0.965, over the
#: customer 0.965 -> 0.976, the agent's interruptions' latency p90 0.539 -> 0.535 s).
BACKTRACK_GAIN = 0.002


#: What the steady-background widening must add to the agent speech kept alone in the test
#: below (half the 0.030 measured).
STEADY_GAIN = 0.015


def test_a_steady_noise_on_a_telephone_line_keeps_the_agents_soft_speech() -> None:
    """On 8 kHz G.711 recordings of the six calls under white noise 20 dB down, the gate's
    widening over a steady background (``own_level_steady_db``) keeps more of the agent's
    speech than without it (measured: 0.964 of the hops the agent speaks alone, 0.934
    without it), with no false agent speech and no interruption lost. (That it leaves a
    babble alone is the gate's unit test; the benchmark's babble calls were identical.)"""
    hits = {"on": [0, 0], "off": [0, 0]}
    found = {"on": 0, "off": 0}
    for a, c in PAIRS:
        for s in SEEDS:
            for key, sd in (("on", 4.0), ("off", 0.0)):
                call, speech, _ = reviewed_8k(a, c, s, "white20", None, sd, backtrack_s=0.0)
                assert speech["agent_false_hops"] == 0, (a, c, s, key)
                assert call["n_detected"] == call["tp"], (a, c, s, key, call)
                found[key] += call["tp"]
                hits[key][0] += speech["agent_alone_hit"]
                hits[key][1] += speech["agent_alone_hops"]
    on, off = (hits[k][0] / hits[k][1] for k in ("on", "off"))
    assert on >= off + STEADY_GAIN and found["on"] >= found["off"], (on, off, found)


# ----------------------------------------------------------------------------- the coach

#: Seeds of the coach checks: each shuffles June's lines into a calibration (the first
#: ~45 s) and a held-out review (the rest, ~130 s), as ``benchmarks.coach_bench`` does.
COACH_SEEDS = (0, 1, 2)


@functools.cache
def june_lines() -> tuple[tuple[str, np.ndarray], ...]:
    """June's shipped prompts (French, 8 kHz), each as 16 kHz float32."""
    from benchmarks import coach_bench as cb

    return tuple((p.stem, cb._load16(p)) for p in sorted((DATA / "june_fr").glob("*.flac")))


@functools.cache
def coached(seed: int) -> dict[str, Any]:
    """``benchmarks.coach_bench``'s per-voice run on June's shipped lines: calibrate on part
    of her calm speech, review the rest as it is and changed (+1 st, +3 st, x1.08, x1.25,
    +6 dB, the change 20 s into the review)."""
    from benchmarks import coach_bench as cb

    voice = cb.Voice("fr_june", "fr", "dev", list(june_lines()), [])
    return cb._voice_results(voice, load_config(), seed)


@pytest.mark.parametrize("seed", COACH_SEEDS)
def test_calm_real_speech_draws_no_nudge(seed: int) -> None:
    """Held-out calm speech of the calibrated voice, as it is, 1 semitone higher or 8 %
    faster (under every rule's margin): no prosody nudge at all (#11)."""
    r = coached(seed)
    assert r["calibration_s"] >= 44.0 and r["calm"]["reviewed_s"] >= 100.0, r["calm"]
    assert r["calm"]["nudges"] == 0, r["calm"]
    for change in ("+1st", "x1.08"):
        c = r["changes"][change]
        assert not c["before_switch"] and not c["after_switch"], (change, c)


@pytest.mark.parametrize("seed", COACH_SEEDS)
def test_real_changes_are_caught_when_the_baseline_can_judge(seed: int) -> None:
    """+6 dB: "Parlez moins fort" within 5 s; +3 st: "Baissez le ton" after the change;
    x1.25: "Ralentissez" after the change; none before it. A rule whose calibration the
    profile's verdict finds too variable to judge stays silent instead."""
    r = coached(seed)
    for change, rule in (("+6dB", "loudness_high"), ("+3st", "pitch_high"),
                         ("x1.25", "rate_high")):
        c = r["changes"][change]
        assert not c["before_switch"], (change, c)
        if r["verdicts"][rule]:  # too thin or too variable: the rule does not judge
            assert rule not in c["after_switch"], (change, r["verdicts"][rule], c)
            continue
        assert rule in c["after_switch"] and c["delay_s"] is not None, (change, c)
        if change == "+6dB":
            assert c["delay_s"] <= 5.0, (change, c)


@pytest.mark.xfail(strict=True, reason=(
    "#11's deadlines are missed on real voices: +3 st is caught 19 s after the change (or "
    "the pitch rule cannot judge June's calibration), x1.25 after 3.5-33 s; README, "
    "'Where the open issues' targets stand'"))
def test_the_issues_deadlines_for_pitch_and_pace() -> None:
    """+3 st within 6 s and x1.25 within 6 s (#11's targets), on every seed."""
    for seed in COACH_SEEDS:
        r = coached(seed)
        for change in ("+3st", "x1.25"):
            assert r["changes"][change]["ok"], (seed, change, r["changes"][change])


# ----------------------------------------------------------------------------- pitch

PITCH_GROUPS = {  # voice -> (folder, the condition pitch_real gives its source rate)
    "allison": ("allison_en", "tel"),
    "june": ("june_fr", "tel"),
    "arctic": ("cmu_arctic", "wide"),
}


@pytest.mark.parametrize("settled", [False, True], ids=["live", "settled"])
@pytest.mark.parametrize("voice", sorted(PITCH_GROUPS))
def test_pitch_of_real_voices_against_praat(voice: str, settled: bool) -> None:
    """Our live and settled pitch against Praat's on the same real speech (as
    ``benchmarks.pitch_real`` scores it): #11's bounds, gross errors <= 2 %, voicing recall
    >= 0.85, false voicing <= 0.10, and a median fine error <= 25 cents. Measured: 0.0-0.31 %
    gross errors, 6.6-8.0 cents, recall 0.95-0.98, false voicing 0.04-0.06 (these IVR and
    ARCTIC voices are easy; the held-out figures are in the README)."""
    from benchmarks import pitch_real as pr
    from benchmarks.coach_bench import _load16

    folder, cond = PITCH_GROUPS[voice]
    fn = pr.ours(load_config(), settled)
    est, ref = [], []
    for path in sorted((DATA / folder).glob("*.flac")):
        x = _load16(path)
        t, f0 = pr._praat(x)
        est.append(pr.track(fn, x, t, cond))
        ref.append(f0)
    s = pr.score(est, ref)
    assert s["n_both_voiced"] >= 300, s
    assert s["gpe_pct"] <= 2.0, s
    assert s["voicing_recall"] >= 0.85 and s["false_voicing"] <= 0.10, s
    assert s["median_abs_cents"] <= 25.0, s


# ----------------------------------------------------------------------------- mono calls


@functools.cache
def mono_mixes() -> tuple[dict[str, Any], ...]:
    """``benchmarks.mono_calls``' measurement on the dev pair Allison / ve9qrp (female /
    male): four 60 s calls (each voice the agent twice), each mixed into one channel at 16
    and at 8 kHz, the speech attributed with the agent's profile (calibrated on clips that
    ``split_voice`` keeps out of the calls) and by clustering (the agent speaks first; with
    the speaker embeddings, as the review runs it)."""
    from benchmarks import mono_calls as mc
    from voicecoach.baseline import calibrate_array
    from voicecoach.conversation.diarize import diarize
    from voicecoach.review.mono import scan_arrays, scan_mels

    cfg = load_config()
    allison = voices()["allison"]
    ve9qrp = rc._voice("ve9qrp", "m", rc._file_clips(DATA / "codec2_ve9qrp" / "ve9qrp.flac"))
    call_voice, model = {}, {}
    for v in (allison, ve9qrp):
        call_voice[v.name], cal = mc.split_voice(v)
        model[v.name] = calibrate_array(cal, rc.SR, cfg, name=v.name, source="calibration").voice
    out = []
    for i, (a, c) in enumerate((("allison", "ve9qrp"), ("ve9qrp", "allison"))):
        for seed in (100 + i, 1100 + i):
            call = rc.assemble_call(call_voice[a], call_voice[c], seed,
                                    min_overlap_s=cfg.conversation.min_overlap_s,
                                    turn_end_s=cfg.conversation.turn_end_s)
            for cond in mc.CONDITIONS:
                x = mc.mono_of(call, cond, i)
                ceps, speech, f0, level, _ = scan_arrays(mc._blocks(x), cfg)
                dp = diarize(ceps, speech, f0, cfg, agent_model=model[a])
                # as the review runs it: the speaker embeddings in the clustering
                dc = diarize(ceps, speech, f0, cfg, agent_first=True,
                             mels=scan_mels(mc._blocks(x), cfg), level_db=level)
                out.append({"call": f"{a}-{c}-{seed}-{cond}",
                            "profile": mc.attribution_scores(call, dp.labels, 0)["attributed"],
                            "clustering": mc.attribution_scores(call, dc.labels, 0)["attributed"],
                            "two_voices": (dp.two_voices, dc.two_voices)})
    return tuple(out)


def test_mono_calls_of_two_real_voices_are_attributed() -> None:
    """#13's targets on eight mono mixes of a real female / male pair: speech time to the
    right party >= 0.90 with the agent's profile and >= 0.85 without, in every mix (measured
    0.98-1.00 both ways); two voices declared in 6 of the 8 mixes both ways (one call's two
    mixes are not: its attribution is right, the review would call it one voice)."""
    mixes = mono_mixes()
    assert len(mixes) == 8
    for m in mixes:
        assert m["profile"] >= 0.90 and m["clustering"] >= 0.85, m
    for way in (0, 1):  # with the profile, by clustering
        assert sum(m["two_voices"][way] for m in mixes) >= 6, mixes
