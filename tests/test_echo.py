"""The echo canceller stage (WebRTC AEC3 through livekit) and its place in the call pipeline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter

from voicecoach.analysis import echo as echo_mod
from voicecoach.analysis.echo import AEC_LATENCY_SAMPLES, ECHO_STATES, EchoCanceller
from voicecoach.config import load_config
from voicecoach.errors import EchoCancellerUnavailable, EchoCancellerUnavailableError
from voicecoach.pipeline import CallAnalyzer, make_echo_canceller
from voicecoach.sources.synthetic import synth_speech

SR = 16000
HOP = 160


def _canceller(cfg=None) -> EchoCanceller:
    return make_echo_canceller(cfg or load_config())


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def _echo_call(seconds: float = 8.0, near: bool = False, seed: int = 1):
    """Far-end speech and a microphone holding its echo (30 ms late, -6 dB, a short room
    response), plus near-end speech 6 dB over the echo in the second half when ``near``."""
    far, _ = synth_speech(duration_s=seconds, f0_hz=200.0, level_db=-20, pause_s=(0.2, 0.4),
                          seed=seed)
    rng = np.random.default_rng(seed)
    far = far + rng.normal(0, 10 ** (-60 / 20), far.shape).astype(np.float32)  # a line floor
    h = np.zeros(int(0.03 * SR) + 400, np.float32)
    h[int(0.03 * SR)] = 0.5
    h[int(0.03 * SR) + 1 :] = 0.1 * rng.standard_normal(399) * np.exp(-np.arange(399) / 80)
    echo = lfilter(h, [1.0], far).astype(np.float32)
    mic = echo + rng.normal(0, 10 ** (-70 / 20), far.shape).astype(np.float32)
    near_sig = np.zeros_like(far)
    if near:
        s, _ = synth_speech(duration_s=seconds / 2, f0_hz=110.0, level_db=-20, seed=seed + 7)
        near_sig[-s.shape[0] :] = s
        mic = mic + near_sig
    return mic.astype(np.float32), far.astype(np.float32), near_sig


def test_bypass_passes_the_microphone_through_delayed_when_the_far_end_is_silent(rng):
    mic = (0.1 * rng.standard_normal(SR)).astype(np.float32)
    out, hops = _canceller().process(mic, np.zeros_like(mic))
    d = AEC_LATENCY_SAMPLES
    np.testing.assert_array_equal(out[d:], mic[:-d])
    np.testing.assert_array_equal(out[:d], 0.0)
    assert set(hops.state.tolist()) == {ECHO_STATES.index("bypassed")}
    assert hops.cancelled.all()


def test_bypassed_once_the_far_end_has_been_silent_bypass_after_s():
    """A far end that speaks (a 300 Hz tone, its hops 0-199) and then goes silent: the hop that
    ends bypass_after_s of its silence is bypassed, not the one before."""
    t = np.arange(4 * SR) / SR
    far = np.where(t < 2.0, 0.1 * np.sin(2 * np.pi * 300.0 * t), 0.0).astype(np.float32)
    mic = np.random.default_rng(0).normal(0, 1e-4, far.shape).astype(np.float32)
    _, hops = _canceller().process(mic, far)
    silent_hops = round(load_config().echo.bypass_after_s / 0.01)
    bypassed = hops.state == ECHO_STATES.index("bypassed")
    assert not bypassed[: 200 + silent_hops - 1].any()
    assert bypassed[200 + silent_hops - 1 :].all()


def test_the_far_end_is_delayed_like_the_microphone(rng):
    ec = _canceller()
    far = rng.standard_normal(3 * HOP).astype(np.float32)
    y = np.concatenate([ec.delay_far(far[:HOP]), ec.delay_far(far[HOP:])])
    np.testing.assert_array_equal(y[AEC_LATENCY_SAMPLES:], far[:-AEC_LATENCY_SAMPLES])


def test_echo_is_removed_and_the_canceller_converges():
    mic, far, _ = _echo_call()
    ec = _canceller()
    out, hops = ec.process(mic, far)
    late = slice(4 * SR, None)
    erle = _db(mic[late]) - _db(out[late])
    assert erle >= 20.0, f"only {erle:.1f} dB of echo removed after 4 s"
    assert ec.status.state == "converged"
    assert ec.status.erle_db is not None and ec.status.erle_db >= 10.0
    first_converged = int(np.argmax(hops.state == ECHO_STATES.index("converged")))
    assert 0 < first_converged * 0.01 < 3.0  # converges within 3 s of the far end starting
    if ec.hold_enabled:  # the hold's signal is the output itself where AEC3's is not used
        raw = ~np.repeat(hops.cleaned, HOP)
        assert raw.sum() >= 100 * HOP
        np.testing.assert_array_equal(hops.hold[raw], out[raw])


def test_an_echo_path_found_stays_for_the_call():
    """Once the far end is found in the microphone the echo path is latched: when the echo
    then vanishes (a headset plugged in), the state stays converged and is not changed to
    no_echo (which would pass the microphone through uncancelled if the echo came back)."""
    mic, far, _ = _echo_call(seconds=14.0, seed=3)
    mic = mic.copy()
    mic[5 * SR :] = np.random.default_rng(0).normal(0, 10 ** (-70 / 20), 9 * SR)
    ec = _canceller()
    _, hops = ec.process(mic, far)
    assert ec._estimator.best_corr < load_config().echo.echo_corr_off  # no echo left to find
    assert set(hops.state[600:].tolist()) == {ECHO_STATES.index("converged")}


def test_converged_is_latched_and_a_diverging_canceller_is_passed_over():
    """AEC3 itself replaced after convergence (``_Apm.hop`` wrapped): a canceller that stops
    cancelling (output = input: ERLE 0 dB, under ``converged_erle_db``) leaves the state
    converged (latched while echo is present); one whose output is 6 dB louder than its
    input (over ``diverged_db``) is diverged within a second, the microphone is passed
    through instead of its output, and the latch is released: when it cancels again the
    state goes back through converging."""
    mic, far, _ = _echo_call(seconds=16.0, seed=5)
    ec = _canceller()
    real_hop = ec._apm.hop
    buf = ec._apm.mic
    mode = {"gain": None}

    def hop() -> None:
        if mode["gain"] is None:
            real_hop()
            return
        saved = buf.copy()
        real_hop()  # AEC3 keeps adapting on the far end; its output is thrown away
        buf[:] = np.clip(saved.astype(np.int32) * mode["gain"], -32768, 32767)

    ec._apm.hop = hop
    conv, converging, div = (ECHO_STATES.index(s) for s in
                             ("converged", "converging", "diverged"))
    _, a = ec.process(mic[: 4 * SR], far[: 4 * SR])
    assert a.state[-1] == conv
    mode["gain"] = 1  # no cancellation at all
    _, b = ec.process(mic[4 * SR : 8 * SR], far[4 * SR : 8 * SR])
    assert ec._erle < load_config().echo.converged_erle_db  # the ERLE fell ...
    assert set(b.state.tolist()) == {conv}  # ... and the state stayed converged
    mode["gain"] = 2  # +6 dB
    out, c = ec.process(mic[8 * SR : 12 * SR], far[8 * SR : 12 * SR])
    first = int(np.argmax(c.state == div))
    assert c.state[first] == div and first * 0.01 < 1.0
    assert (c.state[first:] == div).all() and not c.cleaned[first:].any()
    d = AEC_LATENCY_SAMPLES
    late = slice((first + 1) * HOP, None)
    np.testing.assert_array_equal(out[late], mic[8 * SR - d : 12 * SR - d][late])
    mode["gain"] = None  # AEC3 again
    _, e = ec.process(mic[12 * SR :], far[12 * SR :])
    assert e.state[0] != conv and converging in e.state.tolist()


def test_double_talk_keeps_most_of_the_near_end():
    """AEC3's residual echo suppressor attenuates the near end during double talk (here the
    echo is 6 dB under the near end): most of its speech must still be found (pooled over
    four calls: 0.96, 0.64, 0.94, 0.94 when written), and none of the echo alone before it."""
    from voicecoach.analysis import ChannelAnalyzer

    hits = total = 0
    for seed in (1, 2, 3, 4):
        mic, far, near = _echo_call(seconds=10.0, near=True, seed=seed)
        truth = ChannelAnalyzer().process(near).speech[:-1]  # the canceller's 8 ms: one hop
        step = CallAnalyzer().process(np.column_stack([mic, far]))
        speech = step.agent.speech[1:]
        assert speech[300:500].sum() == 0  # converged echo alone: never the agent
        both = truth.copy()
        both[:500] = False
        hits += int(speech[both].sum())
        total += int(both.sum())
    assert hits / total >= 0.8, f"near-end speech recall in double talk {hits / total:.2f}"


def _double_talk_recall(cfg, echo_gain: float = 2.0) -> tuple[float, int]:
    """The agent's speech recall in double talk over an echo as loud as the near end (the
    mediastreamer2 stems' case), pooled over four calls, and its speech hops on the
    converged echo alone before the near end starts."""
    from voicecoach.analysis import ChannelAnalyzer

    hits = total = echo_alone = 0
    for seed in (1, 2, 3, 4):
        mic, far, near = _echo_call(seconds=10.0, near=True, seed=seed)
        mic = (near + echo_gain * (mic - near)).astype(np.float32)
        truth = ChannelAnalyzer().process(near).speech[:-1]  # the canceller's 8 ms: one hop
        speech = CallAnalyzer(cfg).process(np.column_stack([mic, far])).agent.speech[1:]
        echo_alone += int(speech[300:500].sum())
        both = truth.copy()
        both[:500] = False
        hits += int(speech[both].sum())
        total += int(both.sum())
    return hits / total, echo_alone


def test_double_talk_hold_keeps_the_near_end_that_aec3_suppresses():
    """Echo as loud as the near end: AEC3's suppressor alone loses a fifth of the agent's
    double-talk speech (0.79 when written: 0.96, 0.94, 0.68, 0.62 per call); the milder
    canceller's hold keeps it (0.93) and never opens speech on the echo alone."""
    if not echo_mod.hold_canceller_available():
        pytest.skip("pyaec (the double-talk hold's canceller) is not installed")
    cfg = load_config()
    assert cfg.echo.double_talk_hold
    with_hold, echo_alone = _double_talk_recall(cfg)
    without, _ = _double_talk_recall(load_config(overrides={"echo": {"double_talk_hold": False}}))
    assert echo_alone == 0
    assert with_hold >= 0.9, f"double-talk recall with the hold {with_hold:.2f}"
    assert with_hold >= without + 0.08, (with_hold, without)


def test_double_talk_hold_releases_on_the_echo_alone():
    """The hold only holds: once the agent stops, the loud echo going on is not theirs."""
    if not echo_mod.hold_canceller_available():
        pytest.skip("pyaec (the double-talk hold's canceller) is not installed")
    from voicecoach.analysis import ChannelAnalyzer

    mic, far, _ = _echo_call(seconds=12.0, seed=5)
    s, _ = synth_speech(duration_s=2.5, f0_hz=110.0, level_db=-20, pause_s=(0.2, 0.3), seed=11)
    near = np.zeros_like(mic)
    near[5 * SR : 5 * SR + s.shape[0]] = s
    mic = (near + 2.0 * mic).astype(np.float32)  # the echo 6 dB louder than in _echo_call
    truth = ChannelAnalyzer().process(near).speech[:-1]
    step = CallAnalyzer().process(np.column_stack([mic, far]))
    speech = step.agent.speech[1:]
    end = int(np.flatnonzero(truth)[-1])
    assert speech[truth].mean() >= 0.9
    assert speech[end + 30 :].sum() <= 5  # the hangover and the last raw hop, not the echo
    assert step.echo is not None and step.echo.hold is not None


def test_missing_pyaec_warns_and_runs_aec3_alone(monkeypatch):
    def missing():
        raise EchoCancellerUnavailableError(
            "the double-talk hold needs the pyaec package; " + echo_mod.HOLD_INSTALL_HINT
        )

    monkeypatch.setattr(echo_mod, "_load_speex", missing)
    with pytest.warns(EchoCancellerUnavailable, match=r"voicecoach\[aec\]"):
        ca = CallAnalyzer()
    assert ca.echo is not None and not ca.echo.hold_enabled
    assert "double talk" in (ca.echo.hold_note or "")
    mic, far, _ = _echo_call(seconds=3.0)
    step = ca.process(np.column_stack([mic, far]))
    assert step.echo is not None and step.echo.hold is None
    assert step.echo.linear_db is None and ca.echo.linear_note  # the linear check is off too
    assert ca.summary()["conversation"]["echo"]["double_talk_hold"] is False


def test_the_linear_check_lowers_echo_and_not_the_agents_voice():
    """speexdsp's adaptive filter alone (no suppressor) removes what a linear filter of the far
    end predicts: the echo, by 12 dB or more once adapted (13.7 dB median on this call); the
    agent's own voice on a headset (nothing to predict) by a few dB at most. It runs only
    until the echo is cancelled."""
    mic, far, _ = _echo_call(seconds=6.0)
    ec = _canceller()
    _, hops = ec.process(mic, far)
    drop = hops.linear_drop_db
    ran = ~np.isnan(drop)
    assert ran[:50].any() and not ran[hops.cancelled].any()
    loud = ran & (hops.mic_db > -45.0)
    loud[:100] = False  # its first second: still adapting
    assert loud.sum() >= 20
    assert np.median(drop[loud]) >= 12.0, f"echo lowered by {np.median(drop[loud]):.1f} dB only"
    # a headset: the microphone holds the agent only, talking over the far end
    far2, _ = synth_speech(duration_s=6.0, f0_hz=200.0, level_db=-20, seed=5)
    near, _ = synth_speech(duration_s=6.0, f0_hz=110.0, level_db=-20, seed=6)
    rng = np.random.default_rng(5)
    mic2 = (near + rng.normal(0, 10 ** (-65 / 20), near.shape)).astype(np.float32)
    _, hops2 = _canceller().process(mic2, far2.astype(np.float32))
    d2 = hops2.linear_drop_db
    talk = ~np.isnan(d2) & (hops2.mic_db > -40.0)
    assert talk.sum() >= 50
    assert np.percentile(d2[talk], 95) < 3.0
    flagged = float(np.mean(d2[talk] >= load_config().echo.linear_check_db))
    assert flagged <= 0.01, f"{flagged:.1%} of the agent's own hops taken for the far end"


def test_the_linear_checks_evidence_finds_an_echo_the_correlation_misses():
    """An echo the envelope correlation cannot find (here: ``echo_corr_on = 1``, never
    reached) is found by the linear check's evidence (a linear filter of the far end lowers
    the microphone by ``echo_linear_db`` on a share of the far-end-active hops) and cancelled;
    a headset call's agent talking over the far end gives no such evidence (no_echo, the
    microphone passed through), also while the check keeps gathering it after no_echo."""
    # the correlation: never echo; the coherence's latch (tested below) off
    blind = {"echo_corr_on": 1.0, "echo_corr_off": 1.0, "echo_coherence_min": 0.0}
    mic, far, _ = _echo_call(seconds=6.0, near=True)
    ec = _canceller(load_config(overrides={"echo": blind}))
    _, hops = ec.process(mic, far)
    assert ec.status.state == "converged"
    # found as soon as the far end has been active no_echo_min_far_s (4 s: the evidence
    # counts no earlier than the correlation's no)
    first = int(np.argmax(hops.state >= ECHO_STATES.index("converging")))
    assert 4.0 < first * 0.01 < 6.0
    off = _canceller(load_config(overrides={"echo": {**blind, "echo_linear_share": 0.0}}))
    off.process(mic, far)
    assert off.status.state == "no_echo"  # the correlation alone: no echo, passed through
    far2, _ = synth_speech(duration_s=12.0, f0_hz=200.0, level_db=-20, seed=5)
    near, _ = synth_speech(duration_s=12.0, f0_hz=110.0, level_db=-20, seed=6)
    rng = np.random.default_rng(5)
    mic2 = (near + rng.normal(0, 10 ** (-65 / 20), near.shape)).astype(np.float32)
    for cfg in (load_config(), load_config(overrides={"echo": blind})):
        ec2 = _canceller(cfg)
        _, h2 = ec2.process(mic2, far2.astype(np.float32))
        assert not (h2.state >= ECHO_STATES.index("converging")).any()
        assert ec2.status.state == "no_echo"
        assert ec2._linear_share < 0.2 * cfg.echo.echo_linear_share


def test_the_linear_drop_is_the_filters_echo_removal_not_speexdsps_notch():
    """speexdsp notches the microphone at its default 8 kHz radius (pyaec never sets its rate):
    a high-pass near 300 Hz at 16 kHz. A deep voice's hops lose most of their energy to it
    with no echo at all; the drop is measured against the notched microphone, so it stays
    near 0 dB (against the raw microphone it would read 15 dB or more)."""
    sr = 16000
    t = np.arange(6 * sr) / sr
    voice = (0.1 * np.sin(2 * np.pi * 100.0 * t) + 0.02 * np.sin(2 * np.pi * 200.0 * t)
             + 0.003 * np.sin(2 * np.pi * 700.0 * t))
    far, _ = synth_speech(duration_s=6.0, f0_hz=210.0, level_db=-20, seed=7)
    rng = np.random.default_rng(8)
    mic = (voice + rng.normal(0, 10 ** (-65 / 20), voice.shape)).astype(np.float32)
    _, hops = _canceller().process(mic, far.astype(np.float32))
    drop = hops.linear_drop_db
    ran = ~np.isnan(drop)
    assert ran.sum() >= 100
    assert np.percentile(drop[ran], 99) < 2.0
    raw_drop = (hops.mic_db - hops.linear_db)[ran]  # what the raw microphone would say
    assert np.median(raw_drop) >= 15.0


def test_the_linear_check_can_be_turned_off():
    import dataclasses

    cfg = load_config()
    cfg = dataclasses.replace(cfg, echo=dataclasses.replace(cfg.echo, linear_check_db=0.0))
    mic, far, _ = _echo_call(seconds=2.0)
    _, hops = _canceller(cfg).process(mic, far)
    assert hops.linear_db is None and hops.linear_drop_db is None


def test_hold_error_message_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("pyaec"):
            raise ImportError("No module named 'pyaec'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(EchoCancellerUnavailableError, match=r"voicecoach\[aec\].*pyaec"):
        echo_mod._load_speex()
    assert not echo_mod.hold_canceller_available()


def test_headset_call_is_no_echo(rng):
    far, _ = synth_speech(duration_s=8.0, level_db=-20, seed=3)
    mic = rng.normal(0, 10 ** (-65 / 20), far.shape).astype(np.float32)
    ec = _canceller()
    _, hops = ec.process(mic, far)
    assert ec.status.state == "no_echo"
    # concluded only after no_echo_min_far_s of far-end activity, detecting until then
    min_far_s = load_config().echo.no_echo_min_far_s
    first = int(np.argmax(hops.state == ECHO_STATES.index("no_echo")))
    assert first > 0 and ec.status.far_active_s > min_far_s
    far_active = hops.state[:first] != ECHO_STATES.index("bypassed")
    assert far_active.sum() * 0.01 >= min_far_s * 0.9


def test_a_call_that_starts_mid_sentence_is_not_bypassed():
    """A recording (or a live session) that starts while the customer speaks: the far end's
    first hop is speech, not its noise floor. The canceller must not take the far end for
    silent until its first pause (bypassed: the microphone's echo passed through as if
    cancelled, and credited to the agent); it is detecting from the first hop it hears."""
    mic, far, _ = _echo_call(seconds=6.0, seed=4)
    lv = 10 * np.log10(np.mean(np.square(far.reshape(-1, HOP), dtype=np.float64), axis=1))
    start = int(np.argmax(lv > -30.0)) + 5  # well inside the first word
    mic, far = mic[start * HOP :], far[start * HOP :]
    ec = _canceller()
    _, hops = ec.process(mic, far)
    lv = lv[start:]
    first_pause = int(np.argmax(lv < -45.0))
    assert first_pause > 10, "the test needs speech before the far end's first pause"
    bypassed = hops.state[:first_pause] == ECHO_STATES.index("bypassed")
    assert not bypassed.any(), f"{bypassed.sum()} hops bypassed before the first pause"
    assert not hops.cancelled[:first_pause].any()


def test_early_double_talk_does_not_conclude_no_echo_early():
    """The agent talks over the far end's first 3 s (its speech dominates the microphone,
    so the loudness envelopes hardly correlate): "no_echo" (the microphone passed through,
    its echo then taken for the agent) must wait for no_echo_min_far_s of far-end activity,
    and the echo is found and cancelled in the end."""
    mic, far, _ = _echo_call(seconds=12.0, seed=2)
    s, _ = synth_speech(duration_s=3.0, f0_hz=110.0, level_db=-17, seed=9)
    mic = mic.copy()
    mic[: s.shape[0]] += s
    ec = _canceller()
    out, hops = ec.process(mic, far)
    no_echo = hops.state == ECHO_STATES.index("no_echo")
    if no_echo.any():
        first = int(np.argmax(no_echo))
        far_s = (hops.state[:first] != ECHO_STATES.index("bypassed")).sum() * 0.01
        assert far_s >= 0.9 * load_config().echo.no_echo_min_far_s
    assert ec.status.state == "converged"
    late = slice(10 * SR, None)
    assert _db(mic[late]) - _db(out[late]) >= 15.0


def _early_double_talk(seconds: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """An echo call (:func:`_echo_call`) whose agent talks over the far end from its first
    hop, at about the echo's level."""
    mic, far, _ = _echo_call(seconds=seconds, seed=2)
    s, _ = synth_speech(duration_s=seconds, f0_hz=110.0, level_db=-20, seed=9)
    m = min(len(s), len(mic))
    mic = mic.copy()
    mic[:m] += s[:m]
    return mic, far


# the envelope correlation never finds echo, the linear check's evidence is off
_BLIND = {"echo_corr_on": 1.0, "echo_corr_off": 1.0, "echo_linear_share": 0.0}


def test_the_coherence_finds_an_echo_under_double_talk_from_the_first_words():
    """An agent talking over the far end from its first words mixes the echo with as much
    of its own voice: the coherence sits inside [echo_coherence_min, echo_coherence_max)
    and finds the echo within about a second of far-end speech, where nothing else would
    (off: "no_echo" once the far end has been active no_echo_min_far_s, its echo passed
    through as the agent's). The copy alone (coherence 0.9) is left to the correlation.
    Not before the estimate was averaged over echo_coherence_min_s (1 s) of hops."""
    mic, far = _early_double_talk()
    conv = ECHO_STATES.index("converging")
    ec = _canceller(load_config(overrides={"echo": _BLIND}))
    _, hops = ec.process(mic, far)
    first = int(np.argmax(hops.state >= conv))
    assert hops.state[first] >= conv and first * 0.01 < 2.0
    # found on the hop after the estimate, averaged over echo_coherence_min_s, was in the band
    assert 0.3 <= hops.coherence[first - 1] < 0.5
    assert ec.status.state == "converged"
    off = _canceller(load_config(overrides={"echo": {**_BLIND, "echo_coherence_min": 0.0}}))
    _, hops_off = off.process(mic, far)
    assert not (hops_off.state >= conv).any() and off.status.state == "no_echo"
    copy, far2, _ = _echo_call(seconds=6.0, seed=2)  # the far end's copy alone
    alone = _canceller(load_config(overrides={"echo": _BLIND}))
    _, hops2 = alone.process(copy, far2)
    assert np.nanmin(hops2.coherence) >= 0.5
    assert not (hops2.state >= conv).any()
    # estimated only for the far end's first coherence_max_far_s: then it holds, at no cost
    short = _canceller(load_config(overrides={"echo": {**_BLIND, "coherence_max_far_s": 1.5}}))
    _, hops3 = short.process(mic, far)
    assert short._coh_done
    held = hops3.coherence[250:]
    assert not np.isnan(held[0]) and (held == held[0]).all()


def _feed(ec: EchoCanceller, mic: np.ndarray, far: np.ndarray, cuts: list[int]
          ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Feed ``ec`` in blocks of ``cuts`` hops (cycled); the output and the per-hop fields of
    :class:`EchoHops` (``state``, ``hold``, ``linear_db``, ``coherence``), concatenated (None
    where a block gave None)."""
    outs: list[np.ndarray] = []
    fields: dict[str, list[np.ndarray]] = {"state": [], "hold": [], "linear_db": [],
                                           "coherence": [], "far_since": []}
    i = k = 0
    while i < mic.shape[0]:
        n = cuts[k % len(cuts)] * HOP
        o, h = ec.process(mic[i : i + n], far[i : i + n])
        outs.append(o)
        for name, parts in fields.items():
            parts.append(getattr(h, name))
        i += n
        k += 1
    return np.concatenate(outs), {
        name: None if any(p is None for p in parts) else np.concatenate(parts)
        for name, parts in fields.items()}


@pytest.mark.parametrize("cuts", [[1], [2], [7], [3, 0, 1, 50, 2]])
def test_the_coherence_latch_does_not_depend_on_the_blocks(cuts):
    mic, far = _early_double_talk(seconds=3.0)
    cfg = load_config(overrides={"echo": _BLIND})
    ref_out, ref = _canceller(cfg).process(mic, far)
    assert (ref.state >= ECHO_STATES.index("converging")).any()  # latched by the coherence
    out, got = _feed(_canceller(cfg), mic, far, cuts)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(got["state"], ref.state)
    np.testing.assert_array_equal(got["coherence"], ref.coherence)


# 0: an empty block between two others changes nothing (it emptied a delay line)
@pytest.mark.parametrize("cuts", [[1], [2], [7], [100], [3, 1, 50, 2], [3, 0, 1, 0, 50, 2]])
def test_block_size_invariance(cuts):
    mic, far, _ = _echo_call(seconds=4.0, near=True)
    ref_out, ref_hops = _canceller().process(mic, far)
    out, got = _feed(_canceller(), mic, far, cuts)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(got["state"], ref_hops.state)
    assert ref_hops.hold is not None  # the double-talk hold's signal, hop by hop too
    np.testing.assert_array_equal(got["hold"], ref_hops.hold)
    assert ref_hops.linear_db is not None  # and the linear check's levels
    assert (~np.isnan(ref_hops.linear_db)).sum() >= 20
    np.testing.assert_array_equal(got["linear_db"], ref_hops.linear_db)
    assert ref_hops.coherence is not None  # and the coherence with the far end
    assert (~np.isnan(ref_hops.coherence)).sum() >= 20
    np.testing.assert_array_equal(got["coherence"], ref_hops.coherence)
    np.testing.assert_array_equal(got["far_since"], ref_hops.far_since)


def test_far_since_counts_the_hops_since_the_far_end_spoke():
    """``EchoHops.far_since``: 0 on the far end's active hops, then 1, 2, ... through its
    pauses (what the speaker-level gate's steady-background widening waits on)."""
    mic, far, _ = _echo_call(seconds=4.0)
    far[2 * SR : 3 * SR] = 0.0  # a 1 s pause
    mic[2 * SR : 3 * SR] *= 0.0
    _, hops = _canceller().process(mic, far)
    since = hops.far_since
    assert since is not None and since.shape == (400,) and since.dtype == np.int32
    assert (since[:200] == 0).mean() > 0.5  # speech, with its own short pauses
    pause = since[201:300]
    assert pause[-1] >= 90 and (np.diff(pause) == 1).all()
    assert (since[300:] == 0).any()


def test_reset_gives_the_same_output_again():
    mic, far, _ = _echo_call(seconds=3.0)
    ec = _canceller()
    a, ha = ec.process(mic, far)
    b, hb = ec.process(mic, far)  # carried state: differs
    ec.reset()
    c, hc = ec.process(mic, far)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    if ec.hold_enabled:  # the double-talk hold's canceller is reset too
        np.testing.assert_array_equal(ha.hold, hc.hold)
        assert not np.array_equal(ha.hold, hb.hold)
    if ec.linear_enabled:  # and the linear check's filter (it ran: the echo not yet cancelled)
        assert (~np.isnan(ha.linear_db)).sum() >= 50
        np.testing.assert_array_equal(ha.linear_db, hc.linear_db)
        np.testing.assert_array_equal(ha.linear_ref_db, hc.linear_ref_db)
    np.testing.assert_array_equal(ha.coherence, hc.coherence)  # and the coherence


def test_pipeline_reports_the_echo_state_and_delay():
    mic, far, _ = _echo_call(seconds=8.0)
    ca = CallAnalyzer()
    step = ca.process(np.column_stack([mic, far]))
    assert step.echo is not None and len(step.echo.state) == len(step.agent)
    echo = ca.summary()["conversation"]["echo"]
    assert echo["enabled"] is True
    assert echo["state"] == "converged"
    assert echo["latency_s"] == pytest.approx(0.008)
    assert echo["delay_s"] == pytest.approx(0.03, abs=0.02)
    # pure echo: no agent speech once converged
    assert step.agent.speech[300:].sum() <= 10


@pytest.mark.parametrize(("steady_db", "check"), [(0.0, "on"), (4.0, "off"), (4.0, "on")])
def test_pipeline_pauses_the_steady_widening_after_the_far_end(monkeypatch, steady_db, check):
    """With ``[vad] own_level_steady_db`` on and a telephone-band agent channel (the harmonic
    check on), the agent's gate 2 hops within ``own_level_steady_far_s`` of far-end
    activity go to the analysis as 3 (gate and learn, no steady-background widening);
    otherwise the gate is the canceller's own."""
    _, far, _ = _echo_call(seconds=9.0)  # a headset call: no echo of it in the microphone
    far[7 * SR :] = 0.0
    mic = np.random.default_rng(2).normal(0, 10 ** (-60 / 20), far.shape).astype(np.float32)
    cfg = load_config(overrides={"vad": {"own_level_steady_db": steady_db},
                                 "pitch": {"harmonic_check": check}})
    ca = CallAnalyzer(cfg)
    seen: list[np.ndarray] = []
    orig = ca.analyzer.process_checked

    def spy(columns, gate=None, hold=None, vad_prob=None):
        seen.append(np.asarray(gate[0]).copy())
        return orig(columns, gate, hold, vad_prob)

    monkeypatch.setattr(ca.analyzer, "process_checked", spy)
    _, hops = make_echo_canceller(cfg).process(mic, far)
    ca.process(np.column_stack([mic, far]))
    gate = seen[0]
    base = hops.level_gate
    if steady_db == 0.0 or check == "off":
        np.testing.assert_array_equal(gate, base)
        return
    recent = hops.far_since <= round(cfg.vad.own_level_steady_far_s / 0.01)
    np.testing.assert_array_equal(gate, np.where((base == 2) & recent, 3, base))
    assert ((gate == 3).sum() > 0) and ((gate == 2).sum() > 0)


def test_pipeline_without_the_canceller_says_so():
    ca = CallAnalyzer(load_config(overrides={"echo": {"enabled": False}}))
    assert ca.echo is None
    echo = ca.summary()["conversation"]["echo"]
    assert echo == {"enabled": False, "reason": "disabled ([echo] enabled = false)"}


def test_missing_livekit_warns_and_falls_back(monkeypatch):
    def missing():
        raise EchoCancellerUnavailableError("the echo canceller needs the livekit package")

    monkeypatch.setattr(echo_mod, "_load_apm", missing)
    with pytest.warns(EchoCancellerUnavailable, match="livekit"):
        ca = CallAnalyzer()
    assert ca.echo is None
    step = ca.process(np.zeros((1600, 2), np.float32))
    assert step.echo is None
    reason = ca.summary()["conversation"]["echo"]["reason"]
    assert "livekit" in reason and "credited to the agent" in reason


def test_error_message_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("livekit"):
            raise ImportError("No module named 'livekit'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(EchoCancellerUnavailableError, match=r"voicecoach\[aec\]"):
        echo_mod._load_apm()
    assert not echo_mod.echo_canceller_available()


# ----------------------------------------------------------------------------- bad input


def _review_pair(tmp_path, agent, customer, sr_agent, sr_customer, *extra):
    import json

    import soundfile as sf

    from voicecoach.cli import main

    a, c = tmp_path / "a_agent.wav", tmp_path / "a_customer.wav"
    sf.write(a, agent, sr_agent)
    sf.write(c, customer, sr_customer)
    out = tmp_path / "out"
    rc = main(["review", "--agent", str(a), "--customer", str(c), "--out", str(out),
               "--no-html", "--audio-copy", "none", *extra])
    return rc, json.loads((out / "a_agent" / "report.json").read_text(encoding="utf-8"))


def test_far_end_at_another_rate_that_stops_mid_call(tmp_path):
    """An 8 kHz far end (a telephone tap) 4 s shorter than a 16 kHz microphone: resampled,
    padded with silence, the canceller bypassed once the far end has stopped; nothing lost."""
    import soxr

    mic, far, _ = _echo_call(seconds=10.0, near=True, seed=3)
    far8 = soxr.resample(far[: 6 * SR], SR, 8000).astype(np.float32)
    rc, rep = _review_pair(tmp_path, mic, far8, SR, 8000)
    assert rc == 0
    assert rep["audio"]["duration_s"] == pytest.approx(10.0, abs=0.02)
    echo = rep["summary"]["conversation"]["echo"]
    assert echo["enabled"] is True and echo["state"] == "bypassed"  # the far end stopped at 6 s
    # the near end's speech after the far end stopped is the agent's
    agent_speech = [e for e in rep["events"] if e["kind"] == "speech" and e["party"] == "agent"]
    after = sum(max(0.0, e["end_s"] - max(e["start_s"], 6.5)) for e in agent_speech)
    assert after > 1.5, agent_speech


def test_missing_canceller_is_one_warning_line_and_the_review_completes(
    tmp_path, monkeypatch, capsys
):
    def missing():
        raise EchoCancellerUnavailableError(
            "the echo canceller needs the livekit package (WebRTC AEC3); install it with "
            "`pip install 'voicecoach[aec]'` (the livekit wheel), or set [echo] enabled = false"
        )

    monkeypatch.setattr(echo_mod, "_load_apm", missing)
    mic, far, _ = _echo_call(seconds=4.0)
    rc, rep = _review_pair(tmp_path, mic, far, SR, SR)
    assert rc == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("Warning:")]
    assert len(err) == 1 and "voicecoach[aec]" in err[0], err
    echo = rep["summary"]["conversation"]["echo"]
    assert echo["enabled"] is False and "livekit" in echo["reason"]


def test_headset_call_gives_the_same_events_with_and_without_the_canceller():
    """No echo path: the microphone is passed through (8 ms later, like the far end), so the
    conversation events are those of the canceller-less pipeline, shifted by <= one hop; a
    customer's onset by <= 4 hops: the far end's level backtrack is a threshold walk, and
    the 8 ms shift of the hop grid can let it cross one more short dip (here a backchannel
    truly at 37.52 s: 37.57 s with the canceller, 37.60 s without)."""
    from voicecoach.events import final_events
    from voicecoach.sources.synthetic import random_call_script, synth_call

    y, _ = synth_call(random_call_script(2), snr_db=20.0, seed=2)
    y = y[: len(y) // HOP * HOP]
    kinds = ("interruption", "backchannel", "turn_end_overlap", "turn", "speech")
    out = []
    for enabled in (True, False):
        cfg = load_config(overrides={"echo": {"enabled": enabled}, "vad": {"backend": "webrtc"}})
        pipe = CallAnalyzer(cfg)
        evs = final_events(pipe.process(y).events + pipe.finish())
        out.append([e for e in evs if e.kind in kinds])
        if enabled:
            assert pipe.echo_status.state in ("no_echo", "bypassed")
    with_aec, without = out
    assert len(with_aec) == len(without) > 20
    for a, b in zip(with_aec, without, strict=True):
        assert (a.kind, getattr(a, "by", None)) == (b.kind, getattr(b, "by", None))
        party = getattr(a, "party", None) or getattr(a, "by", None)
        onset_tol_s = 0.041 if party == "customer" else 0.011
        assert abs(a.start_s - b.start_s) <= onset_tol_s, (a, b)
        assert abs(a.end_s - b.end_s) <= 0.011, (a, b)


def test_prebuilt_requests_give_the_public_path_s_output():
    """The canceller sends serialised-once requests to livekit (per-hop CPU); its output must
    equal livekit's public AudioProcessingModule calls, which the fallback path uses."""
    mic, far, _ = _echo_call(seconds=4.0, near=True)
    fast = _canceller()
    assert fast._apm._fast is not None  # this livekit has the expected internals
    slow = _canceller()
    slow._apm._fast = None  # the public path
    a, ha = fast.process(mic, far)
    b, hb = slow.process(mic, far)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ha.state, hb.state)
    assert hb.state.max() >= 3  # the cleaned output was used (converging or converged)


def test_prebuilt_request_errors_are_raised(monkeypatch):
    """A livekit error reply on the prebuilt path is raised with livekit's message."""
    ec = _canceller()
    apm = ec._apm
    request, drop, _string_at, ptr, length, p_ptr, p_len, rev, rev_ok, fwd, fwd_ok = apm._fast
    from livekit.rtc._proto import ffi_pb2

    bad = ffi_pb2.FfiResponse()
    bad.apm_process_reverse_stream.error = "boom"
    apm._fast = (request, drop, lambda p, n: bad.SerializeToString(), ptr, length, p_ptr,
                 p_len, rev, rev_ok, fwd, fwd_ok)
    mic = np.zeros(HOP, np.float32)
    with pytest.raises(RuntimeError, match="boom"):
        ec.process(mic, mic)


def _coherence(mic, far, run=None, cuts=None, **kw):
    """echo._Coherence over 10 ms hops (0.6 s of lags, 1 s time constant, known after 0.5 s),
    fed in blocks of ``cuts`` hops (one block by default)."""
    est = echo_mod._Coherence(SR, HOP, 60, kw.get("smooth_s", 1.0), kw.get("min_s", 0.5))
    n = mic.shape[0] // HOP
    run = [True] * n if run is None else run
    out, i, k = [], 0, 0
    while i < n:
        m = n - i if cuts is None else cuts[k % len(cuts)]
        out.append(est.process(mic[i * HOP : (i + m) * HOP], far[i * HOP : (i + m) * HOP],
                               run[i : i + m]))
        i += m
        k += 1
    return np.concatenate(out)


def test_coherence_finds_a_filtered_copy_at_its_lag_and_not_another_voice():
    """A far end's echo (30 ms late, -6 dB, a room tail) with an independent voice of the
    pitch range 6 dB over it is coherent with the far end; that voice alone (a headset call's
    double talk, within 1 st of the far end's pitch) is not, once a second is averaged (the
    estimate's bias over fewer frames of these generated voices, whose harmonics keep exact
    phase, reached 0.15)."""
    mic, far, _ = _echo_call(seconds=6.0, near=True)
    other, _ = synth_speech(duration_s=6.0, f0_hz=190.0, level_db=-20, pause_s=(0.2, 0.4),
                            seed=6)
    n = min(len(other), len(far)) // HOP * HOP
    copy = _coherence(mic[:n], far[:n])
    alone = _coherence(other[:n].astype(np.float32), far[:n])
    assert np.isnan(copy[:49]).all() and np.isnan(alone[:49]).all()  # known after 0.5 s
    assert np.nanmin(copy[300:]) >= 0.2  # the echo, under the near end's voice too
    assert np.nanmax(alone[100:]) <= 0.06


def test_coherence_runs_only_on_the_hops_asked_and_holds_between():
    mic, far, _ = _echo_call(seconds=3.0)
    n = mic.shape[0] // HOP
    run = [100 <= k < 200 for k in range(n)]
    c = _coherence(mic, far, run)
    assert np.isnan(c[:149]).all()  # 50 hops of running (0.5 s) before it is known
    assert not np.isnan(c[149])
    np.testing.assert_array_equal(c[199:], c[199])  # held after the last hop that ran


@pytest.mark.parametrize("cuts", [[1], [2], [7], [3, 1, 50, 2]])
def test_coherence_does_not_depend_on_the_blocks(cuts):
    mic, far, _ = _echo_call(seconds=3.0, near=True)
    n = mic.shape[0] // HOP
    run = [(k // 37) % 3 != 1 for k in range(n)]  # gaps: far-end spectra made on demand
    np.testing.assert_array_equal(_coherence(mic, far, run, cuts), _coherence(mic, far, run))


def test_coherence_off_gives_none():
    cfg = load_config(overrides={"echo": {"coherence_smooth_s": 0.0}})
    mic, far, _ = _echo_call(seconds=1.0)
    assert _canceller(cfg).process(mic, far)[1].coherence is None


class _ChanceCorrelation:
    """The echo detector's estimator with its best correlation replaced: none over the far
    end's first 1.5 s of activity (the real one's first estimate comes at 1.7-2 s), 0.6 up
    to 3 s (two independent babbles read 0.57-0.59 there by chance, README), 0.1 after;
    everything else is the real estimator's."""

    def __init__(self, real: object, ec: EchoCanceller) -> None:
        self._real, self._ec = real, ec

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def step(self, *args: object) -> None:
        self._real.step(*args)

    @property
    def best_corr(self) -> float:
        far_s = self._ec._far_hops * 0.01
        return math.nan if far_s < 1.5 else 0.6 if far_s < 3.0 else 0.1


def test_a_chance_correlation_without_coherence_is_not_an_echo(rng):
    """The loudness-envelope correlation latches echo for the whole call. A headset call
    whose envelopes correlate 0.6 by chance over the far end's first 3 s, with a microphone
    that holds no copy of the far end (coherence near 0; two real babbles: 0.02-0.03, a
    real echo at its latch 0.59-0.81, README): with ``echo_corr_coherence_min``
    the call ends ``no_echo``; without it (0) the same call is taken for a loudspeaker echo
    for good. A real echo (coherence near 1) is still found, from the same correlation."""
    import dataclasses

    base = load_config()
    far, _ = synth_speech(duration_s=10.0, level_db=-20, seed=3)
    mic = rng.normal(0, 10 ** (-65 / 20), far.shape).astype(np.float32)
    # a sound of the agent's side from 1 s on (white noise at -30 dBFS: no copy of the far end)
    mic[SR : 7 * SR] += rng.normal(0, 10 ** (-30 / 20), 6 * SR).astype(np.float32)

    def final_state(m: np.ndarray, coherence_min: float) -> str:
        cfg = dataclasses.replace(base, echo=dataclasses.replace(
            base.echo, echo_corr_coherence_min=coherence_min))
        ec = _canceller(cfg)
        ec._estimator = _ChanceCorrelation(ec._estimator, ec)
        ec.process(m, far)
        return ec.status.state

    assert base.echo.echo_corr_coherence_min > 0.0
    assert final_state(mic, base.echo.echo_corr_coherence_min) == "no_echo"
    assert final_state(mic, 0.0) != "no_echo"
    echo_mic, echo_far, _ = _echo_call(seconds=10.0, seed=3)
    far = echo_far
    assert final_state(echo_mic, base.echo.echo_corr_coherence_min) == "converged"
