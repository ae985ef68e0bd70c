"""The double-talk hold in the speech decision: a second signal that may hold speech on the
echo canceller's hops (speaker-level gate 0), never start it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from voicecoach.analysis.vad import SpeakerLevelGate, SpeechDetector
from voicecoach.config import load_config
from voicecoach.errors import ParameterError
from voicecoach.sources.synthetic import synth_speech

HOP = 160


def count_runs(vads: list[Any]) -> Callable[[], int]:
    """Make ``vads`` (SileroVad streams on one shared session) run their network through a
    counting proxy; returns a function giving the number of runs so far."""
    real = vads[0]._session
    runs = [0]

    class Counting:
        def run(self, *args: object) -> object:
            runs[0] += 1
            return real.run(*args)

    proxy = Counting()
    for v in vads:
        v._session = proxy
    return lambda: runs[0]


def _gate() -> SpeakerLevelGate:
    cfg = load_config().vad
    g = SpeakerLevelGate(cfg, 0.01)
    g.own_db = -25.0  # the speaker's loud end
    return g


def test_hold_keeps_only_gate_0_hops_near_the_speakers_level():
    cfg = load_config().vad
    keep_margin = cfg.double_talk_keep_margin_db
    g = _gate()
    n = 4
    no = np.zeros(n, bool)
    hold = np.ones(n, bool)
    # hop 0, 1: gate 0, hold level inside / outside the keep margin; hop 2, 3: gated hops
    hold_db = np.array([-25.0 - keep_margin + 1, -25.0 - keep_margin - 1, -25.0, -25.0])
    gate = np.array([0, 0, 1, 2], np.int8)
    start, keep = g.process(no, no, np.full(n, -70.0), gate, hold, hold_db)
    assert not start.any()  # the hold never starts speech
    assert keep.tolist() == [True, False, False, False]
    assert g.own_db == -25.0  # nor teaches the speaker's level


def test_hold_margins_are_their_own_settings():
    """The hold's keep and start margins under the speaker's level are
    ``double_talk_keep_margin_db`` and ``double_talk_start_margin_db``, not the main
    signal's (``own_level_margin_db`` (+ ``own_level_keep_db``))."""
    cfg = dataclasses.replace(load_config().vad, own_level_margin_db=14.0,
                              own_level_keep_db=8.0, double_talk_start_margin_db=10.0,
                              double_talk_keep_margin_db=30.0)
    g = SpeakerLevelGate(cfg, 0.01)
    g.own_db = -25.0
    n = 4
    no = np.zeros(n, bool)
    on = np.ones(n, bool)
    # 12 dB under: inside the main start margin (14), outside the hold's (10);
    # 26 dB under: outside the main keep margin (22), inside the hold's (30); 31: outside
    hold_db = np.array([-25.0 - 9, -25.0 - 12, -25.0 - 26, -25.0 - 31])
    gate = np.zeros(n, np.int8)
    start, keep = g.process(no, no, np.full(n, -70.0), gate, on, hold_db, on)
    assert start.tolist() == [True, False, False, False]
    assert keep.tolist() == [True, True, True, False]


def test_hold_keeps_only_what_silero_hears_as_speech_on_it():
    """With ``double_talk_keep_threshold``, a hold signal that carries no voice (a residual
    echo's noise-like remains; here white noise at the voice's level) no longer holds the
    speech the main signal started; a voice on it still does."""
    pytest.importorskip("onnxruntime")
    c = load_config()
    s, _ = synth_speech(duration_s=3.0, f0_hz=120.0, level_db=-25, pause_s=(0.3, 0.3), seed=4)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    n = len(s) // HOP
    rng = np.random.default_rng(2)
    floor_noise = rng.normal(0, 10 ** (-70 / 20), s.shape).astype(np.float32)
    sunk = np.zeros(n, bool)
    sunk[120:240] = True
    sunk_s = np.repeat(sunk, HOP)
    main = (np.where(sunk_s, s * np.float32(0.001), s) + floor_noise).astype(np.float32)
    lv = 10 * np.log10(np.mean(main.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    floor = np.full(n, -70.0)
    gate = np.zeros(n, np.int8)
    hiss = rng.normal(0, 10 ** (-30 / 20), s.shape).astype(np.float32)
    hold_noise = np.where(sunk_s, hiss, s + floor_noise).astype(np.float32)
    hold_voice = (s + floor_noise).astype(np.float32)
    voice = 10 * np.log10(np.mean(s.reshape(n, HOP) ** 2, axis=1) + 1e-12) > -45
    in_sunk = voice.copy()  # the sunk part's last 0.6 s (Silero's memory of the voice
    in_sunk[:180] = False   # before the noise lasts 0.2-0.3 s)
    in_sunk[240:] = False
    assert in_sunk.sum() > 20
    lax = dataclasses.replace(c.vad, double_talk_keep_threshold=0.0)
    strict = dataclasses.replace(c.vad, double_talk_keep_threshold=0.35,
                                 double_talk_keep_level_margin_db=0.0)

    def run(vad, hold):
        return SpeechDetector(vad, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                      gate, hold)[1]

    assert run(lax, hold_noise)[in_sunk].mean() >= 0.9  # noise at the voice's level holds
    assert run(strict, hold_noise)[in_sunk].mean() <= 0.2
    assert run(strict, hold_voice)[in_sunk].mean() >= 0.9


def test_hold_level_rule_keeps_within_its_own_margin_without_silero():
    """The hold's first rule, kept beside the Silero one (a union): a gate 0 hop whose hold
    signal passes the level conditions keeps speech within ``double_talk_keep_level_margin_db``
    of the speaker's level even where Silero on it (``hold``) says no; 0 turns it off."""
    cfg = dataclasses.replace(load_config().vad, double_talk_keep_level_margin_db=22.0)
    m = cfg.double_talk_keep_level_margin_db
    assert m < cfg.double_talk_keep_margin_db
    n = 4
    no = np.zeros(n, bool)
    level_ok = np.ones(n, bool)
    # hop 0, 1: gate 0, inside / outside the level rule's margin; hop 2, 3: gated hops
    hold_db = np.array([-25.0 - m + 1, -25.0 - m - 1, -25.0, -25.0])
    gate = np.array([0, 0, 1, 2], np.int8)
    g = SpeakerLevelGate(cfg, 0.01)
    g.own_db = -25.0
    start, keep = g.process(no, no, np.full(n, -70.0), gate, no, hold_db, no, level_ok)
    assert not start.any()  # it never starts speech
    assert keep.tolist() == [True, False, False, False]
    assert g.own_db == -25.0
    off = SpeakerLevelGate(dataclasses.replace(cfg, double_talk_keep_level_margin_db=0.0), 0.01)
    off.own_db = -25.0
    # off, even a hold signal at (or over) the speaker's level keeps nothing
    at_level = np.array([-25.0, -20.0, -25.0, -25.0])
    assert not off.process(no, no, np.full(n, -70.0), gate, no, at_level, no, level_ok)[1].any()


def test_detector_union_holds_a_loud_hold_signal_silero_rejects_only_within_the_level_margin():
    """Where Silero on the hold signal hears no voice (a residual echo's noise-like remains),
    the level rule (here 22 dB) still holds speech if that signal is within its margin of the
    speaker's level, and no longer 6 dB further down (there only the Silero rule could); off
    (0, the default), it holds nothing there."""
    pytest.importorskip("onnxruntime")
    c0 = load_config()
    c = dataclasses.replace(
        c0, vad=dataclasses.replace(c0.vad, double_talk_keep_level_margin_db=22.0))
    s, _ = synth_speech(duration_s=3.0, f0_hz=120.0, level_db=-25, pause_s=(0.3, 0.3), seed=4)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    n = len(s) // HOP
    rng = np.random.default_rng(2)
    floor_noise = rng.normal(0, 10 ** (-70 / 20), s.shape).astype(np.float32)
    sunk = np.zeros(n, bool)
    sunk[120:240] = True
    sunk_s = np.repeat(sunk, HOP)
    main = (np.where(sunk_s, s * np.float32(0.001), s) + floor_noise).astype(np.float32)
    lv = 10 * np.log10(np.mean(main.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    floor = np.full(n, -70.0)
    gate = np.zeros(n, np.int8)
    voice_db = 10 * np.log10(np.mean(s.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    loud = float(np.percentile(voice_db[voice_db > -45], 95))
    in_sunk = voice_db > -45
    in_sunk[:180] = False  # past Silero's memory of the voice before the noise
    in_sunk[240:] = False
    assert in_sunk.sum() > 20

    def held(under_db: float, vad=c.vad) -> float:
        hiss = rng.normal(0, 10 ** ((loud - under_db) / 20), s.shape).astype(np.float32)
        hold = np.where(sunk_s, hiss, s + floor_noise).astype(np.float32)
        det = SpeechDetector(vad, 16000, HOP, c.noise_floor)
        return float(det.process(main, lv, floor, None, gate, hold)[1][in_sunk].mean())

    m = c.vad.double_talk_keep_level_margin_db
    assert held(m - 8.0) >= 0.9
    assert held(m + 6.0) <= 0.2
    assert c0.vad.double_talk_keep_level_margin_db == 0.0
    assert held(m - 8.0, c0.vad) <= 0.2


def test_only_gate_2_hops_teach_the_speakers_level():
    """Gate 1 hops (uncancelled echo may be present) are gated but teach nothing; gate 2 hops
    teach (a louder start rises toward it within about 0.1 s)."""
    on = np.ones(5, bool)
    for g, moved in ((1, False), (0, False), (2, True)):
        gate = _gate()
        start, _ = gate.process(on, on, np.full(5, -20.0), np.full(5, g, np.int8))
        assert start.all()
        assert (gate.own_db > -25.0 + 1.0) == moved, (g, gate.own_db)


def test_without_hold_gate_0_passes_the_decisions_through():
    g = _gate()
    st = np.array([True, False, True])
    kp = np.array([True, True, False])
    start, keep = g.process(st, kp, np.full(3, -80.0), np.zeros(3, np.int8))
    assert start.tolist() == st.tolist() and keep.tolist() == kp.tolist()


def _detector() -> SpeechDetector:
    c = load_config()
    return SpeechDetector(c.vad, 16000, HOP, c.noise_floor)


def test_detector_holds_speech_started_on_the_main_signal():
    """Speech starts on the main signal; where that signal then sinks to the floor (AEC3's
    suppressor in double talk) the hold signal, still carrying the voice, keeps it."""
    pytest.importorskip("onnxruntime")
    s, _ = synth_speech(duration_s=3.0, f0_hz=120.0, level_db=-25, pause_s=(0.3, 0.3), seed=4)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 10 ** (-70 / 20), s.shape).astype(np.float32)
    main = s + noise
    n = len(s) // HOP
    sunk = np.zeros(n, bool)
    sunk[150:200] = True  # 0.5 s of the main signal suppressed by 40 dB
    main = main * np.where(np.repeat(sunk, HOP), np.float32(0.01), np.float32(1.0))
    main = (main + noise).astype(np.float32)
    gate = np.zeros(n, np.int8)
    lv = 10 * np.log10(np.mean(main.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    floor = np.full(n, -70.0)
    voice = 10 * np.log10(np.mean(s.reshape(n, HOP) ** 2, axis=1) + 1e-12) > -45
    _, alone = _detector().process(main, lv, floor, None, gate)
    _, held = _detector().process(main, lv, floor, None, gate, s + noise)
    in_sunk = sunk & voice
    assert in_sunk.sum() > 20
    assert held[in_sunk].mean() >= 0.9 > alone[in_sunk].mean() + 0.3
    near_sunk = np.convolve(sunk, np.ones(51), "same") > 0  # the sunk part +- 0.25 s
    np.testing.assert_array_equal(held[~near_sunk], alone[~near_sunk])


def test_detector_with_hold_is_block_size_invariant():
    pytest.importorskip("onnxruntime")
    s, _ = synth_speech(duration_s=2.0, f0_hz=150.0, level_db=-25, seed=6)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    n = len(s) // HOP
    main = (s * np.where(np.arange(len(s)) > 8000, 0.02, 1.0)).astype(np.float32)
    lv = 10 * np.log10(np.mean(main.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    floor = np.full(n, -75.0)
    gate = np.zeros(n, np.int8)
    gate[::11] = 1  # some hops gated (the hold skips them)
    ref = _detector().process(main, lv, floor, None, gate, s)
    # the hold skips the gated hops: what its signal holds there changes nothing
    junk = s.copy()
    junk[np.repeat(gate == 1, HOP)] = np.float32(0.3)
    for r, got in zip(ref, _detector().process(main, lv, floor, None, gate, junk), strict=True):
        np.testing.assert_array_equal(got, r)
    det = _detector()
    parts = []
    i = 0
    for k in (1, 3, 17, 2, 100, 5) * 20:
        if i >= n:
            break
        j = min(n, i + k)
        parts.append(det.process(main[i * HOP : j * HOP], lv[i:j], floor[i:j], None,
                                 gate[i:j], s[i * HOP : j * HOP]))
        i = j
    for r, got in zip(ref, zip(*parts, strict=True), strict=True):
        np.testing.assert_array_equal(np.concatenate(got), r)


def test_the_hold_runs_its_network_in_the_channels_batch():
    """``silero_batch`` with the gates and hold signals runs the hold's own network in the
    channels' batch: the same decisions as each detector running its networks alone, at
    any cut (live hops, blocks), with fewer network runs than alone."""
    pytest.importorskip("onnxruntime")
    s, _ = synth_speech(duration_s=3.0, f0_hz=150.0, level_db=-25, seed=6)
    far, _ = synth_speech(duration_s=3.0, f0_hz=210.0, level_db=-30, seed=9)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    far = far[: len(s)].astype(np.float32)
    n = len(s) // HOP
    main = (s * np.where(np.arange(len(s)) > 16000, 0.02, 1.0)).astype(np.float32)
    lv = [10 * np.log10(np.mean(x.reshape(n, HOP) ** 2, axis=1) + 1e-12) for x in (main, far)]
    floor = np.full(n, -75.0)
    gate = np.zeros(n, np.int8)
    gate[::7] = 1  # the hold advances on the other hops only: out of step with the channels
    alone = (_detector().process(main, lv[0], floor, None, gate, s),
             _detector().process(far, lv[1], floor, None))
    dets = (_detector(), _detector())
    runs = count_runs([v for d in dets for v in (d._silero, d._hold_silero)])
    got: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]
    i = 0
    for k in (1, 1, 2, 1, 13, 1, 3) * 60:
        if i >= n:
            break
        j = min(n, i + k)
        cut = slice(i * HOP, j * HOP)
        blocks, gates, holds = [main[cut], far[cut]], [gate[i:j], None], [s[cut], None]
        probs, hprobs = SpeechDetector.silero_batch(dets, blocks, gates, holds)
        assert probs[0] is not None and probs[1] is not None and hprobs[1] is None
        got[0].append(dets[0].process(main[cut], lv[0][i:j], floor[i:j], None, gate[i:j],
                                      s[cut], probs[0], hprobs[0]))
        got[1].append(dets[1].process(far[cut], lv[1][i:j], floor[i:j], None, None, None,
                                      probs[1], hprobs[1]))
        i = j
    for ref, parts in zip(alone, got, strict=True):
        for r, g in zip(ref, zip(*parts, strict=True), strict=True):
            np.testing.assert_array_equal(np.concatenate(g), r)
    hold_chunks = int((gate == 0).sum()) * HOP // 512
    # alone: one run per chunk of the channels' batch and one per chunk of the hold's (173
    # here); in one batch 104
    assert runs() <= 0.8 * (len(s) // 512 + hold_chunks), (runs(), hold_chunks)


def test_bad_hold_signal_is_a_clear_error():
    pytest.importorskip("onnxruntime")
    c = load_config()
    x = np.zeros(10 * HOP, np.float32)
    lv = np.full(10, -70.0)
    gate = np.zeros(10, np.int8)
    with pytest.raises(ParameterError, match="hold signal must have the block's 1600 samples"):
        _detector().process(x, lv, lv, None, gate, np.zeros(5 * HOP, np.float32))
    no_floor = SpeechDetector(c.vad, 16000, HOP)
    with pytest.raises(ParameterError, match=r"noise_floor=config\.noise_floor"):
        no_floor.process(x, lv, lv, None, gate, x)


def test_hold_start_opens_speech_only_on_gate_0_hops_within_the_start_margin():
    cfg = load_config().vad
    g = _gate()
    n = 4
    no = np.zeros(n, bool)
    hs = np.ones(n, bool)
    # hop 0, 1: gate 0, hold level inside / outside the start margin; hop 2, 3: gated hops
    hold_db = np.array([-25.0 - cfg.double_talk_start_margin_db + 1,
                        -25.0 - cfg.double_talk_start_margin_db - 1,
                        -25.0, -25.0])
    gate = np.array([0, 0, 1, 2], np.int8)
    start, _ = g.process(no, no, np.full(n, -70.0), gate, hs, hold_db, hs)
    assert start.tolist() == [True, False, False, False]
    assert g.own_db == -25.0  # it never teaches the speaker's level


def test_hold_start_near_opens_speech_only_within_its_own_margin():
    """The laxer guard's start decision opens speech only on gate 0 hops whose hold level
    is within ``double_talk_start_near_margin_db`` of the speaker's level; margin 0: never."""
    cfg = load_config().vad
    near_db = cfg.double_talk_start_near_margin_db
    assert 0.0 < near_db < cfg.double_talk_start_margin_db
    n = 4
    no = np.zeros(n, bool)
    hn = np.ones(n, bool)
    hold_db = np.array([-25.0 - near_db + 1, -25.0 - near_db - 1, -25.0, -25.0])
    gate = np.array([0, 0, 1, 2], np.int8)
    start, _ = _gate().process(no, no, np.full(n, -70.0), gate, no, hold_db, no, None, hn)
    assert start.tolist() == [True, False, False, False]
    off = SpeakerLevelGate(dataclasses.replace(cfg, double_talk_start_near_margin_db=0.0), 0.01)
    off.own_db = -25.0
    start, _ = off.process(no, no, np.full(n, -70.0), gate, no, hold_db, no, None, hn)
    assert not start.any()


def _sunk_onset(level_main_db: float) -> tuple[np.ndarray, ...]:
    """A voice whose main signal (AEC3's output) is sunk at its onsets, the hold signal
    (the milder canceller's output) keeping it: (main, hold, level, floor, gate, voice)."""
    s, _ = synth_speech(duration_s=3.0, f0_hz=130.0, level_db=-25, pause_s=(0.6, 0.6), seed=8)
    s = s[: len(s) // HOP * HOP].astype(np.float32)
    n = len(s) // HOP
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 10 ** (-70 / 20), s.shape).astype(np.float32)
    lv_s = 10 * np.log10(np.mean(s.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    voice = lv_s > -45
    onset = np.zeros(n, bool)  # the first 0.3 s of every voiced run
    d = np.diff(np.r_[0, voice.astype(int)])
    for a in np.flatnonzero(d == 1):
        onset[a : a + 30] = True
    gain = np.where(np.repeat(onset, HOP), np.float32(10 ** (level_main_db / 20)), np.float32(1))
    main = (s * gain + noise).astype(np.float32)
    lv = 10 * np.log10(np.mean(main.reshape(n, HOP) ** 2, axis=1) + 1e-12)
    return main, (s + noise).astype(np.float32), lv, np.full(n, -70.0), np.zeros(n, np.int8), \
        voice & onset


def test_hold_starts_speech_where_the_main_signal_still_hints_at_it():
    """Onsets sunk 30 dB on the main signal (Silero still hears them there, at -55 dBFS): the
    hold signal starts speech with them; without the start threshold they wait for the
    main signal."""
    pytest.importorskip("onnxruntime")
    c = load_config()
    main, hold, lv, floor, gate, sunk = _sunk_onset(-30.0)
    vad = dataclasses.replace(c.vad, double_talk_start_threshold=0.5,
                              double_talk_start_aec_threshold=0.1)
    off = dataclasses.replace(c.vad, double_talk_start_threshold=1.0)
    _, on_ = SpeechDetector(vad, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                    gate, hold)
    _, off_ = SpeechDetector(off, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                     gate, hold)
    assert sunk.sum() > 40
    assert on_[sunk].mean() >= off_[sunk].mean() + 0.3, (on_[sunk].mean(), off_[sunk].mean())


def test_hold_never_starts_speech_the_main_signal_does_not_hear():
    """The same onsets removed from the main signal (AEC3's suppressor on an echo, or the
    echo alone): Silero on it under the guard threshold, the hold signal starts nothing."""
    pytest.importorskip("onnxruntime")
    c = load_config()
    main, hold, lv, floor, gate, _ = _sunk_onset(-100.0)
    vad = dataclasses.replace(c.vad, double_talk_start_threshold=0.5,
                              double_talk_start_aec_threshold=0.1)
    off = dataclasses.replace(c.vad, double_talk_start_threshold=1.0)
    _, on_ = SpeechDetector(vad, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                    gate, hold)
    _, off_ = SpeechDetector(off, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                     gate, hold)
    np.testing.assert_array_equal(on_, off_)


def test_own_level_keep_and_decay_settings():
    """The main signal's own-level gate: a hop starts within ``own_level_margin_db`` of the
    speaker's level and is held within ``own_level_margin_db + own_level_keep_db``; the level
    decays toward rejected hops with ``own_level_rejected_s`` (toward accepted ones with
    ``own_level_s``)."""
    base = load_config().vad
    on = np.ones(3, bool)
    lv = np.array([-25.0 - 13, -25.0 - 17, -25.0 - 21])  # 13, 17, 21 dB under
    for keep_db, kept in ((8.0, [True, True, True]), (4.0, [True, True, False])):
        g = SpeakerLevelGate(dataclasses.replace(base, own_level_margin_db=14.0,
                                                 own_level_keep_db=keep_db), 0.01)
        g.own_db = -25.0
        start, keep = g.process(on, on, lv)
        assert start.tolist() == [True, False, False]
        assert keep.tolist() == kept, keep_db
    # 1 s of rejected hops 30 dB under: the level falls by 30 * (1 - (1 - hop / tau) ** 100) dB
    for tau in (30.0, 100.0):
        g = SpeakerLevelGate(dataclasses.replace(base, own_level_rejected_s=tau), 0.01)
        g.own_db = -25.0
        g.process(np.ones(100, bool), np.ones(100, bool), np.full(100, -55.0))
        assert g.own_db == pytest.approx(-25.0 - 30.0 * (1 - (1 - 0.01 / tau) ** 100), abs=1e-6)


def test_hold_starts_speech_near_the_speakers_level_under_the_laxer_guard():
    """Onsets the strict guard never passes (``double_talk_start_aec_threshold`` 1): the hold
    signal at the voice's own level starts them under the laxer guard, a hold signal 20 dB
    under it (outside ``double_talk_start_near_margin_db``) does not, nor does the guard
    with its margin at 0."""
    pytest.importorskip("onnxruntime")
    c = load_config()
    main, hold, lv, floor, gate, sunk = _sunk_onset(-30.0)
    strict = dict(double_talk_start_threshold=0.5, double_talk_start_aec_threshold=1.0)
    near = dataclasses.replace(c.vad, **strict, double_talk_start_near_aec_threshold=0.0)
    off = dataclasses.replace(near, double_talk_start_near_margin_db=0.0)

    def speech(vad, h):
        return SpeechDetector(vad, 16000, HOP, c.noise_floor).process(main, lv, floor, None,
                                                                      gate, h)[1]

    assert sunk.sum() > 40
    on_, off_ = speech(near, hold), speech(off, hold)
    assert on_[sunk].mean() >= off_[sunk].mean() + 0.3, (on_[sunk].mean(), off_[sunk].mean())
    quiet = (hold * np.float32(0.1)).astype(np.float32)  # 20 dB under the voice
    np.testing.assert_array_equal(speech(near, quiet), speech(off, quiet))


def test_quiet_background_widens_the_own_level_margins_on_telephone_channels_only():
    """Over a quiet background (the mean level of the hops not kept far under the speaker) a
    telephone-band channel's gate starts speech below ``own_level_margin_db``: down to
    ``own_level_quiet_db`` over the background, by at most ``own_level_quiet_max_db``; over
    a background 20 dB under the speaker, and on a wideband channel, the margins stay."""
    base = dataclasses.replace(load_config().vad, own_level_margin_db=14.0, own_level_keep_db=8.0,
                               own_level_quiet_db=22.0, own_level_quiet_max_db=10.0,
                               own_level_quiet_s=3.0)
    on = np.ones(1, bool)

    def starts(telephone: bool, background_db: float, under_db: float,
               cfg: Any = base) -> tuple[bool, bool]:
        g = SpeakerLevelGate(cfg, 0.01, telephone)
        g.own_db = -20.0
        # 30 s of background alone (the gate keeps none of it), then one soft hop
        g.process(np.zeros(3000, bool), np.zeros(3000, bool), np.full(3000, background_db))
        g.own_db = -20.0
        s, k = g.process(on, on, np.array([-20.0 - under_db]))
        return bool(s[0]), bool(k[0])

    # quiet line (-70 dBFS): room = -20 - 14 - (-70) - 22 = 14 dB, capped at 10
    assert starts(True, -70.0, 23.0) == (True, True)
    assert starts(True, -70.0, 25.0) == (False, True)  # past 14 + 10 to start; held to 22 + 10
    assert starts(True, -70.0, 33.0) == (False, False)
    # a background 20 dB under the speaker (noise, babble): no room, the margins stand
    assert starts(True, -40.0, 15.0) == (False, True)
    assert starts(True, -40.0, 23.0) == (False, False)
    # between: -60 dBFS leaves 4 dB
    assert starts(True, -60.0, 17.5) == (True, True)
    assert starts(True, -60.0, 18.5) == (False, True)
    # wideband channels, and the setting at 0, keep the plain margins
    assert starts(False, -70.0, 15.0) == (False, True)
    off = dataclasses.replace(base, own_level_quiet_db=0.0)
    assert starts(True, -70.0, 15.0, off) == (False, True)


def test_quiet_background_follows_the_hops_not_kept():
    """The background's level is a mean in dB over the hops the gate does not keep, with time
    constant ``own_level_quiet_s``, from ``own_level_init_db``; kept hops leave it alone; a
    hop of a block and the same hops one at a time give the same decisions."""
    cfg = dataclasses.replace(load_config().vad, own_level_quiet_s=2.0, own_level_init_db=-20.0)
    g = SpeakerLevelGate(cfg, 0.01, True)
    assert g.background_db == -20.0
    g.process(np.zeros(100, bool), np.zeros(100, bool), np.full(100, -60.0))
    assert g.background_db == pytest.approx(-60.0 + 40.0 * (1 - 0.005) ** 100, abs=1e-6)
    before = g.background_db
    g.own_db = -20.0
    g.process(np.ones(50, bool), np.ones(50, bool), np.full(50, -22.0))  # kept speech
    assert g.background_db == before
    rng = np.random.default_rng(3)
    lv = rng.uniform(-75, -15, 3000)
    st = rng.random(3000) < 0.6
    kp = st | (rng.random(3000) < 0.2)
    whole = SpeakerLevelGate(cfg, 0.01, True)
    a = whole.process(st, kp, lv)
    one = SpeakerLevelGate(cfg, 0.01, True)
    parts = [one.process(st[i:i + 1], kp[i:i + 1], lv[i:i + 1]) for i in range(3000)]
    np.testing.assert_array_equal(a[0], np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(a[1], np.concatenate([p[1] for p in parts]))
    assert whole.background_db == one.background_db


def test_channel_analyzer_gives_its_band_to_the_gate():
    """A channel analysed with the harmonic check (telephone-band audio) turns the gate's
    quiet-background widening on; :meth:`ChannelAnalyzer.set_harmonic` moves it along."""
    from voicecoach.analysis import ChannelAnalyzer

    tel, wide = ChannelAnalyzer(harmonic=True), ChannelAnalyzer(harmonic=False)
    assert tel._vad._own.quiet and not wide._vad._own.quiet
    wide.set_harmonic(True)
    tel.set_harmonic(False)
    assert wide._vad._own.quiet and not tel._vad._own.quiet


def test_steady_background_widens_the_own_level_margins_on_telephone_channels_only():
    """Over a steady background (the hops not kept lie, on a dB mean, less than
    ``own_level_steady_db`` over the noise floor) a telephone-band channel's gate widens both
    margins by ``own_level_quiet_max_db``; a background that rises and falls over the floor
    (babble, a leaking voice), a wideband channel and the setting at 0 leave them."""
    base = dataclasses.replace(load_config().vad, own_level_margin_db=14.0, own_level_keep_db=8.0,
                               own_level_quiet_db=0.0, own_level_quiet_max_db=10.0,
                               own_level_quiet_s=3.0, own_level_steady_db=4.0)
    on = np.ones(1, bool)
    rng = np.random.default_rng(5)

    def starts(telephone: bool, swing_db: float, under_db: float,
               cfg: Any = base) -> tuple[bool, bool]:
        g = SpeakerLevelGate(cfg, 0.01, telephone)
        # 30 s of background at -40 dBFS (20 dB under the speaker) over a -42 dBFS floor:
        # steady noise (swing 0) or a voice rising and falling by swing_db
        lv = -40.0 + swing_db * rng.random(3000)
        g.process(np.zeros(3000, bool), np.zeros(3000, bool), lv, floor_db=np.full(3000, -42.0))
        g.own_db = -20.0
        s, k = g.process(on, on, np.array([-20.0 - under_db]), floor_db=np.array([-42.0]))
        return bool(s[0]), bool(k[0])

    assert starts(True, 0.0, 23.0) == (True, True)  # 14 + 10 to start, 22 + 10 to hold
    assert starts(True, 0.0, 25.0) == (False, True)
    assert starts(True, 0.0, 33.0) == (False, False)
    assert starts(True, 20.0, 15.0) == (False, True)  # babble: the margins stand
    assert starts(True, 20.0, 23.0) == (False, False)
    assert starts(False, 0.0, 15.0) == (False, True)  # wideband
    off = dataclasses.replace(base, own_level_steady_db=0.0)
    assert starts(True, 0.0, 15.0, off) == (False, True)
    # gate 3 (the far end spoke just now: a leak of it may be there) widens the hold only,
    # and learns the speaker's level as 2 does; gate 1 (uncancelled echo) widens neither
    for code, want in ((1, (False, False)), (3, (False, True)), (2, (True, True))):
        g = SpeakerLevelGate(base, 0.01, True)
        g.process(np.zeros(3000, bool), np.zeros(3000, bool), np.full(3000, -40.0),
                  floor_db=np.full(3000, -42.0))
        g.own_db = -20.0
        s, k = g.process(on, on, np.array([-43.0]), np.array([code], np.int8),
                         floor_db=np.array([-42.0]))
        assert (bool(s[0]), bool(k[0])) == want, code
    learn = [SpeakerLevelGate(base, 0.01, True) for _ in range(2)]
    for g, code in zip(learn, (2, 3), strict=True):
        g.process(on, on, np.array([-10.0]), np.array([code], np.int8))
    assert learn[0].own_db == learn[1].own_db > -20.0
    # without the floor the widening is off
    g = SpeakerLevelGate(base, 0.01, True)
    g.process(np.zeros(3000, bool), np.zeros(3000, bool), np.full(3000, -40.0))
    g.own_db = -20.0
    assert g.process(on, on, np.array([-35.0]))[0].tolist() == [False]


def test_steady_background_follows_the_hops_not_kept_block_invariant():
    """The background's excess over the floor is a dB mean over the hops not kept, from
    20 dB, with time constant ``own_level_quiet_s``; a block and the same hops one at a time
    give the same decisions and state."""
    cfg = dataclasses.replace(load_config().vad, own_level_quiet_s=2.0, own_level_steady_db=4.0)
    g = SpeakerLevelGate(cfg, 0.01, True)
    assert g.background_excess_db == 20.0
    g.process(np.zeros(100, bool), np.zeros(100, bool), np.full(100, -58.0),
              floor_db=np.full(100, -60.0))
    assert g.background_excess_db == pytest.approx(2.0 + 18.0 * (1 - 0.005) ** 100, abs=1e-6)
    rng = np.random.default_rng(4)
    lv = rng.uniform(-75, -15, 3000)
    fl = np.minimum(lv, -55.0) - rng.uniform(0, 3, 3000)
    st = rng.random(3000) < 0.6
    kp = st | (rng.random(3000) < 0.2)
    whole = SpeakerLevelGate(cfg, 0.01, True)
    a = whole.process(st, kp, lv, floor_db=fl)
    one = SpeakerLevelGate(cfg, 0.01, True)
    parts = [one.process(st[i:i + 1], kp[i:i + 1], lv[i:i + 1], floor_db=fl[i:i + 1])
             for i in range(3000)]
    np.testing.assert_array_equal(a[0], np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(a[1], np.concatenate([p[1] for p in parts]))
    assert whole.background_excess_db == one.background_excess_db
