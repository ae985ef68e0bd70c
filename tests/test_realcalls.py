"""Tests for benchmarks.realcalls: the call assembler and the scorer, on generated voices.

No network and no dataset: the "voices" are :func:`voicecoach.sources.synthetic.synth_speech`
phrases, whose exact speech spans are known.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks import datasets as ds
from benchmarks import realcalls as rc
from voicecoach.events import Interruption
from voicecoach.sources.synthetic import synth_speech

SR = rc.SR
HOP_FADE = 160  # _cut's 10 ms fade-out, samples


def _voice(name: str, f0_hz: float, seed: int) -> rc.Voice:
    y, _ = synth_speech(duration_s=120.0, f0_hz=f0_hz, phrase_s=(1.5, 5.0),
                            pause_s=(0.6, 1.0), seed=seed)
    clips = rc.clips_from_signal(y, SR)
    return rc._voice(name, "?", clips)


@pytest.fixture(scope="module")
def voices() -> tuple[rc.Voice, rc.Voice]:
    return _voice("a", 110.0, 1), _voice("b", 210.0, 2)


def test_clips_follow_the_true_phrases() -> None:
    """clips_from_signal cuts one clip per true phrase, as long as the phrase within 25 ms."""
    y, truth = synth_speech(duration_s=30.0, phrase_s=(1.5, 4.0), pause_s=(0.6, 1.0), seed=3)
    clips = rc.clips_from_signal(y, SR, level_dbfs=None)
    # one clip per phrase, as long as the phrase within two hops
    assert len(clips) == len(truth.phrases)
    for c, (a, b) in zip(clips, truth.phrases, strict=True):
        assert c.duration_s == pytest.approx(b - a, abs=0.025)


def test_clips_keep_breath_noise_out() -> None:
    """With a noise floor 25 dB under the speech the clips still follow the phrases (the floor
    margin keeps the pauses out), losing at most 0.12 s of quiet phrase ends."""
    rng = np.random.default_rng(0)
    y, truth = synth_speech(duration_s=10.0, phrase_s=(3.0, 3.5), pause_s=(0.6, 1.0), seed=4)
    # a noise floor 25 dB under the speech (= TRIM_DB): only the floor margin keeps the
    # pauses out, at the cost of the quietest ends of the phrases
    noisy = y + rng.standard_normal(len(y)).astype(np.float32) * 10 ** (-45 / 20)
    clips = rc.clips_from_signal(noisy, SR, level_dbfs=None)
    assert len(clips) == len(truth.phrases)
    for c, (a, b) in zip(clips, truth.phrases, strict=True):
        assert b - a - 0.12 <= c.duration_s <= b - a + 0.02


def test_assembled_call_has_the_scripted_events(voices: tuple[rc.Voice, rc.Voice]) -> None:
    """A 60 s assembled call has >= 2 interruptions by each party, backchannels and a turn-end
    overlap, each placed by the script's rules, and each channel carries speech exactly where its
    party's utterances are."""
    a, b = voices
    call = rc.assemble_call(a, b, seed=5, duration_s=60.0)
    kinds = [(e["kind"], e["by"]) for e in call.truth]
    # both parties interrupt; backchannels and turn-end overlaps are there too
    assert kinds.count(("interruption", "agent")) >= 2
    assert kinds.count(("interruption", "customer")) >= 2
    assert sum(k == "backchannel" for k, _ in kinds) >= 2
    assert sum(k == "turn_end_overlap" for k, _ in kinds) >= 1
    turns = [u for u in call.script if u.kind == "turn"]
    for e in call.truth:
        if e["kind"] == "interruption":
            held = next(u for u in turns if u.party == e["of"]
                        and u.start_s < e["start_s"] < u.end_s)
            # 0.8-2 s into the other's turn; the overlap lasts at least min_overlap_s
            assert 0.8 - 1e-9 <= e["start_s"] - held.start_s <= 2.0 + 1e-9
            assert e["end_s"] - e["start_s"] >= 0.5
        if e["kind"] == "backchannel":
            assert 0.2 - 1e-6 <= e["end_s"] - e["start_s"] <= 0.9 + 1e-6
            # >= 0.8 s into the held turn, >= 0.4 s before the end of the clip it lies in
            held = next(u for u in turns if u.party == e["of"]
                        and u.start_s < e["start_s"] < u.end_s)
            clip_end = next(b for a, b in call.speech[e["of"]] if a < e["start_s"] < b)
            assert e["start_s"] - held.start_s >= 0.8 - 1e-6
            assert e["end_s"] <= clip_end - 0.4 + 1e-6
    # each channel carries speech exactly where its party's utterances are
    for ch, party in ((0, "agent"), (1, "customer")):
        db = rc._hop_db(call.y[:, ch])
        mine = np.zeros(len(db), bool)
        for u in call.script:
            if u.party == party:
                mine[round(u.start_s / rc.HOP_S) + 1 : round(u.end_s / rc.HOP_S) - 1] = True
        near = np.zeros(len(db), bool)
        for u in call.script:
            if u.party == party:
                near[max(0, round(u.start_s / rc.HOP_S) - 2) : round(u.end_s / rc.HOP_S) + 2] = True
        assert not np.any((db > -60) & ~near)
        assert np.mean(db[mine] > -50) > 0.7


def test_assembled_call_follows_its_placement_rules(voices: tuple[rc.Voice, rc.Voice]
                                                    ) -> None:
    """assemble_call: the truth uses the given event thresholds; every clip sits at
    -20 dBFS (+ agent_gain_db) within the +-2 dB jitter; a turn after a gap starts 0.2-0.9 s
    after the other's turn ends; a two-clip turn pauses 0.25-0.4 s; an interrupted turn is
    cut with a fade to exactly zero."""
    from voicecoach.sources.synthetic import derive_events

    call = rc.assemble_call(*voices, seed=8, duration_s=30.0, min_overlap_s=1.0,
                            turn_end_s=0.6, agent_gain_db=-6.0)
    assert call.truth == derive_events(call.script, min_overlap_s=1.0, turn_end_s=0.6)
    assert call.truth != derive_events(call.script)
    for ch, party, level in ((0, "agent", -26.0), (1, "customer", -20.0)):
        for a, b in call.speech[party]:
            seg = call.y[round(a * SR) : round(b * SR), ch]
            assert rc._active_db(rc._hop_db(seg)) == pytest.approx(level, abs=2.5)
    turns = [u for u in call.script if u.kind == "turn"]
    gaps = [v.start_s - u.end_s for u, v in itertools.pairwise(turns)
            if v.start_s >= u.end_s]
    assert gaps and all(0.2 - 1e-6 <= g <= 0.9 + 1e-6 for g in gaps)
    two = 0
    for u in turns:
        sp = sorted(x for x in call.speech[u.party] if u.start_s - 1e-9 <= x[0] < u.end_s)
        assert len(sp) in (1, 2)
        if len(sp) == 2:
            two += 1
            assert 0.25 - 1e-6 <= sp[1][0] - sp[0][1] <= 0.4 + 1e-6
    assert two >= 1
    cut = 0
    for e in call.truth:
        if e["kind"] == "interruption":
            end = next(b for a, b in call.speech[e["of"]] if a < e["start_s"] < b)
            assert call.y[round(end * SR) - 1, 0 if e["of"] == "agent" else 1] == 0.0
            cut += 1
    assert cut >= 1


def test_speaks_and_quietest_find_pauses() -> None:
    """_speaks: the clip is on at the start and pauses no longer than max_gap_s; _quietest:
    the quietest 10 ms hop between two samples."""
    rng = np.random.default_rng(2)
    x = (0.1 * rng.standard_normal(SR)).astype(np.float32)
    x[round(0.5 * SR) : round(0.65 * SR)] = 0.0  # a 150 ms pause
    assert rc._speaks(x, 0, round(0.4 * SR))
    assert not rc._speaks(x, round(0.3 * SR), round(0.8 * SR))
    assert rc._speaks(x, round(0.3 * SR), round(0.8 * SR), max_gap_s=0.2)
    assert not rc._speaks(x, round(0.55 * SR), round(0.9 * SR), max_gap_s=0.5)  # starts silent
    assert not rc._speaks(x, round(0.5 * SR), 2 * SR)  # past the clip
    q = rc._quietest(x, round(0.3 * SR), round(0.9 * SR))
    assert round(0.5 * SR) <= q < round(0.65 * SR)


def _noise_clip(parts: list[tuple[float, float]], seed: int = 0) -> np.ndarray:
    """Concatenated white-noise stretches of (seconds, dBFS RMS); -inf dB is silence."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.standard_normal(round(d * SR)) * 10 ** (db / 20)
                           for d, db in parts]).astype(np.float32)


def test_words_cut_at_silences_with_two_short_and_two_long_per_clip() -> None:
    """_words: a clip of 0.2-0.9 s is a word as it is; a longer one is cut at dips >= 12 dB
    under its level into words of 0.2-0.9 s, at most two under 0.5 s and two over per clip;
    shallower dips do not cut."""
    gap = (0.15, -np.inf)
    x = _noise_clip([(0.3, -20), gap, (0.35, -20), gap, (0.6, -20), gap, (0.25, -20), gap,
                     (0.7, -20), gap, (1.2, -20), gap, (0.65, -20)])
    got = [round(c.duration_s, 2) for c in rc._words([rc.Clip(x)])]
    assert got == [0.3, 0.35, 0.6, 0.7]
    whole = rc.Clip(_noise_clip([(0.4, -20)]))
    assert rc._words([whole]) == [whole]
    # 6 dB dips inside continuous speech are no word boundaries
    ripple = _noise_clip([(0.25, -20), (0.05, -26)] * 4 + [(0.25, -20)], seed=1)
    assert rc._words([rc.Clip(ripple)]) == []


def test_clips_drop_faint_runs_and_cut_trims_and_fades() -> None:
    """clips_from_signal drops a run (here 20 dB down) whose loudest hop is > 15 dB under
    the recording's level; _cut ends a clip at its last hop within 25 dB of its level with a
    10 ms fade to zero, and keeps 0.12 s of its echo after that, faded too."""
    x = _noise_clip([(0.5, -np.inf), (1.0, -20), (0.6, -np.inf), (1.0, -40), (0.6, -np.inf),
                     (1.0, -20), (0.5, -np.inf)])
    clips = rc.clips_from_signal(x, SR, level_dbfs=None)
    assert [round(c.duration_s, 2) for c in clips] == [1.0, 1.0]
    c = rc.Clip(_noise_clip([(0.7, -20), (0.3, -60)]), echo=_noise_clip([(1.5, -30)], seed=3))
    cut = rc._cut(c, round(0.9 * SR))
    assert len(cut.x) == round(0.7 * SR) and cut.x[-1] == 0.0
    assert np.abs(cut.x[-HOP_FADE:]).max() < np.abs(cut.x[:-HOP_FADE]).max()
    assert cut.echo is not None and len(cut.echo) == round(0.82 * SR) and cut.echo[-1] == 0.0


def test_conditions_add_what_they_say(voices: tuple[rc.Voice, rc.Voice]) -> None:
    """Each condition adds its noise at its level (-65 dBFS floor, -40 dBFS white or babble
    per channel) and the bleed is the customer 350 ms late, 15 dB down, in the agent mic."""
    call = rc.assemble_call(*voices, seed=6, duration_s=30.0)
    clean = rc.render(call, "clean", [], 0)
    white = rc.render(call, "white20", [], 0)
    bleed = rc.render(call, "bleed15_350ms", [], 0)
    babble = rc.render(call, "babble20", voices, 0)
    quiet = np.flatnonzero((np.abs(call.y[:, 0]) == 0) & (np.abs(call.y[:, 1]) == 0))
    assert 10 * np.log10(np.mean(clean[quiet].astype(float) ** 2)) == pytest.approx(-65, abs=1)
    assert 10 * np.log10(np.mean(white[quiet].astype(float) ** 2)) == pytest.approx(-40, abs=1)
    # babble: each channel gets its own unit-RMS babble 20 dB under the -20 dBFS speech
    added = babble.astype(float) - call.y
    for ch in (0, 1):
        assert 10 * np.log10(np.mean(added[:, ch] ** 2)) == pytest.approx(-40, abs=0.1)
    assert abs(np.corrcoef(added[:, 0], added[:, 1])[0, 1]) < 0.1
    # the bleed is the customer 350 ms late in the agent mic, 15 dB down
    d = bleed[:, 0].astype(float) - white[:, 0]
    lag = int(np.argmax(np.correlate(np.abs(d[: 20 * SR : 16]),
                                     np.abs(call.y[: 20 * SR : 16, 1]), "full"))) - (
        len(d[: 20 * SR : 16]) - 1)
    assert lag * 16 / SR == pytest.approx(0.35, abs=0.02)
    cust = call.y[:, 1].astype(float)
    ratio = 10 * np.log10(np.mean(d**2) / np.mean(cust**2))
    assert ratio == pytest.approx(-15, abs=1.5)


def _truth(kind: str, start: float, by: str, of: str, dur: float = 1.0) -> dict:
    return {"kind": kind, "start_s": start, "end_s": start + dur, "by": by, "of": of}


def _det(start: float, by: str, of: str, decided: float | None = None) -> Interruption:
    d = start + 0.5 if decided is None else decided
    return Interruption(start_s=start, end_s=start + 1.0, decided_s=d, id=0, by=by, of=of)


def test_scorer_counts_misses_false_alarms_and_attribution() -> None:
    """score_call on a hand-made truth: hits, misses, false alarms, attribution, backchannel and
    turn-end false alarms and latencies; summarize pools two calls."""
    truth = (
        _truth("interruption", 10.0, "customer", "agent"),  # found, right
        _truth("interruption", 20.0, "agent", "customer"),  # missed
        _truth("interruption", 30.0, "agent", "customer"),  # found, wrong attribution
        _truth("backchannel", 40.0, "customer", "agent", 0.4),  # called an interruption
        _truth("backchannel", 45.0, "customer", "agent", 0.7),  # left alone
        _truth("turn_end_overlap", 50.0, "agent", "customer", 0.1),  # left alone
    )
    det = [
        _det(10.1, "customer", "agent", decided=10.7),
        _det(29.8, "customer", "agent", decided=30.5),
        _det(40.05, "customer", "agent"),
        _det(60.0, "agent", "customer"),  # nothing there
        _det(20.5, "agent", "customer"),  # too late to match (> MATCH_S)
    ]
    s = rc.score_call(truth, det)
    assert (s["n_truth"], s["n_detected"], s["tp"], s["attributed"]) == (3, 5, 2, 1)
    assert (s["n_backchannel"], s["n_backchannel_fa"]) == (2, 1)
    assert (s["n_backchannel_long"], s["n_backchannel_long_fa"]) == (1, 0)
    assert (s["n_turn_end"], s["n_turn_end_fa"]) == (1, 0)
    assert s["missed"] == [20.0]
    assert sorted(s["false"]) == [20.5, 40.05, 60.0]
    assert s["latency_s"] == [0.7, 0.5]
    sm = rc.summarize([s, rc.score_call(truth[:1], det[:1])])
    assert sm["recall"] == pytest.approx(3 / 4)
    assert sm["precision"] == pytest.approx(3 / 6)
    assert sm["attribution"] == pytest.approx(2 / 3, abs=1e-4)
    assert sm["fa_backchannel"] == pytest.approx(1 / 2)
    assert (sm["fa_backchannel_short"], sm["fa_backchannel_long"]) == (1.0, 0.0)
    assert sm["fa_turn_end"] == 0.0
    assert sm["recall_median"] == pytest.approx((2 / 3 + 1) / 2, abs=1e-4)


def test_scorer_matches_each_detection_once() -> None:
    """A detection near two true onsets matches the nearer only; the other is a miss."""
    truth = (_truth("interruption", 10.0, "customer", "agent"),
             _truth("interruption", 10.25, "agent", "customer"))
    s = rc.score_call(truth, [_det(10.2, "agent", "customer")])
    # the nearer truth takes the detection, the other is a miss
    assert (s["tp"], s["attributed"], s["missed"]) == (1, 1, [10.0])


def test_scorer_window_is_inclusive_and_retracted_calls_are_only_live_alarms() -> None:
    """A detection exactly ``MATCH_S`` (0.3 s) from a true onset matches, 0.34 s does not; a
    retracted interruption is not a detection but counts as a live backchannel false alarm;
    a backchannel of exactly LONG_BACKCHANNEL_S (0.5 s) is a long one."""
    truth = (
        _truth("interruption", 0.2, "customer", "agent"),
        _truth("interruption", 10.0, "customer", "agent"),
        _truth("interruption", 20.0, "agent", "customer"),
        _truth("backchannel", 30.0, "customer", "agent", 0.5),
        _truth("backchannel", 35.0, "customer", "agent", 0.55),
        _truth("backchannel", 40.0, "customer", "agent", 0.3),
    )
    det = [
        _det(0.5, "customer", "agent", decided=0.9),  # 0.3 s late: a hit
        _det(10.34, "customer", "agent"),  # 0.34 s late: false
        Interruption(start_s=20.25, end_s=21.0, decided_s=20.7, id=1, by="agent",
                     of="customer", retracted=True),
        _det(30.1, "customer", "agent"),  # on a long backchannel
        Interruption(start_s=40.1, end_s=40.4, decided_s=40.6, id=2, by="customer",
                     of="agent", retracted=True),  # shown live, then retracted
    ]
    s = rc.score_call(truth, det)
    assert (s["n_truth"], s["n_detected"], s["tp"], s["attributed"]) == (3, 3, 1, 1)
    assert s["missed"] == [10.0, 20.0] and s["false"] == [10.34, 30.1]
    assert s["latency_s"] == [0.7]
    assert (s["n_backchannel"], s["n_backchannel_fa"], s["n_backchannel_fa_live"]) == (3, 1, 2)
    assert (s["n_backchannel_long"], s["n_backchannel_long_fa"]) == (2, 1)
    # the tolerance is a parameter: 0.25 s exactly still matches at match_s=0.25
    t = (_truth("interruption", 10.0, "customer", "agent"),)
    assert rc.score_call(t, [_det(10.25, "customer", "agent")], match_s=0.25)["tp"] == 1
    assert rc.score_call(t, [_det(10.25, "customer", "agent")], match_s=0.2)["tp"] == 0


def _counts(**kw: object) -> dict:
    keys = ("n_truth", "n_detected", "tp", "attributed", "n_backchannel", "n_backchannel_fa",
            "n_backchannel_fa_live", "n_backchannel_long", "n_backchannel_long_fa",
            "n_turn_end", "n_turn_end_fa")
    return {**dict.fromkeys(keys, 0), "latency_s": [], **kw}


def test_summary_pools_counts_ratios_medians_and_latency_percentiles() -> None:
    """summarize: pooled ratios of the summed counts (short backchannels = all - long;
    non-interruptions = backchannels + turn-end overlaps), per-call medians of recall and
    precision, and the 50th / 90th percentiles of the pooled latencies."""
    s1 = _counts(n_truth=4, n_detected=5, tp=3, attributed=2, n_backchannel=4,
                 n_backchannel_fa=2, n_backchannel_fa_live=3, n_backchannel_long=1,
                 n_backchannel_long_fa=1, n_turn_end=2, n_turn_end_fa=1,
                 latency_s=[0.4, 0.5, 0.6])
    s2 = _counts(n_truth=2, n_detected=1, tp=1, attributed=1, n_backchannel=2,
                 n_backchannel_fa_live=1, n_backchannel_long=1, n_turn_end=3,
                 latency_s=[0.9])
    sm = rc.summarize([s1, s2])
    assert sm["calls"] == 2 and (sm["n_truth"], sm["tp"], sm["n_backchannel_fa"]) == (6, 4, 2)
    assert sm["recall"] == pytest.approx(4 / 6, abs=1e-4)
    assert sm["precision"] == pytest.approx(4 / 6, abs=1e-4)
    assert sm["recall_median"] == pytest.approx((3 / 4 + 1 / 2) / 2)
    assert sm["precision_median"] == pytest.approx((3 / 5 + 1) / 2)
    assert sm["attribution"] == pytest.approx(3 / 4)
    assert sm["fa_backchannel"] == pytest.approx(2 / 6, abs=1e-4)
    assert sm["fa_backchannel_live"] == pytest.approx(4 / 6, abs=1e-4)
    assert sm["fa_backchannel_short"] == pytest.approx((2 - 1) / (6 - 2))
    assert sm["fa_backchannel_long"] == pytest.approx(1 / 2)
    assert sm["fa_turn_end"] == pytest.approx(1 / 5)
    assert sm["fa_non_interruption"] == pytest.approx(3 / 11, abs=1e-4)
    # latencies 0.4 0.5 0.6 0.9: p50 halfway between 0.5 and 0.6, p90 at 0.6 + 0.7 * 0.3
    assert (sm["latency_p50_s"], sm["latency_p90_s"]) == (pytest.approx(0.55),
                                                          pytest.approx(0.81))
    assert "agent_speech_recall_alone" not in sm  # no speech scores in these
    empty = rc.summarize([_counts()])
    assert empty["recall"] is None and empty["latency_p90_s"] is None


def test_speech_scores_count_overlap_hits_only_where_the_party_speaks() -> None:
    """An agent segment running on into the customer's solo speech is no double-talk hit
    there; the part of it more than 0.3 s past the agent's true speech is false speech, and
    so is a customer segment still open at the end of the call, up to the end."""
    from voicecoach.events import SpeechSegment

    call = rc.Call("x", np.zeros((10 * SR, 2), np.float32), [], (),
                   {"agent": [(1.0, 3.0)], "customer": [(2.0, 5.0)]})
    s = rc.speech_scores(call, [SpeechSegment(2.0, 4.0, 2.1, party="agent"),
                                SpeechSegment(8.0, None, 8.1, party="customer")])
    assert (s["agent_overlap_hops"], s["agent_overlap_hit"]) == (100, 100)
    assert (s["agent_alone_hops"], s["agent_alone_hit"]) == (100, 0)
    assert s["agent_false_hops"] == 70  # 3.3-4.0 s
    assert s["customer_overlap_hit"] == 0
    assert s["customer_false_hops"] == 200  # a segment still open runs to the end (8-10 s)


def test_clips_are_scaled_to_the_target_active_level() -> None:
    """Each clip's active level (power mean of its 10 ms hops within 30 dB of the loudest)
    is ``level_dbfs``, whatever the recording's level; _active_db is that mean."""
    assert rc._active_db(np.array([-20.0, -20.0, -60.0])) == pytest.approx(-20.0)
    assert rc._active_db(np.array([-10.0, -20.0, -45.0])) == pytest.approx(
        10 * np.log10((0.1 + 0.01) / 2))
    y, _ = synth_speech(duration_s=12.0, level_db=-33.0, phrase_s=(1.5, 3.0),
                        pause_s=(0.6, 1.0), seed=5)
    clips = rc.clips_from_signal(y, SR, level_dbfs=-20.0)
    assert len(clips) >= 3
    for c in clips:
        n = len(c.x) // 160
        db = 10 * np.log10(np.mean(c.x[: n * 160].astype(float).reshape(n, 160) ** 2, axis=1)
                           + 1e-14)  # some hops of a phrase are digital silence
        act = db[db > db.max() - 30.0]
        assert 10 * np.log10(np.mean(10 ** (act / 10))) == pytest.approx(-20.0, abs=0.05)


def test_voice_turns_are_the_clips_of_a_second_or_more() -> None:
    """_voice: turns are the clips of >= 1 s; a 0.2-0.9 s clip is a backchannel word."""
    rng = np.random.default_rng(1)
    clip = [rc.Clip((0.1 * rng.standard_normal(round(d * SR))).astype(np.float32))
            for d in (0.5, 0.99, 1.0, 2.5)]
    v = rc._voice("v", "f", clip)
    assert [c.duration_s for c in v.turns] == [1.0, 2.5]
    assert [c.duration_s for c in v.short] == [0.5]


def test_pipeline_finds_interruptions_of_generated_voices(voices: tuple[rc.Voice, rc.Voice]
                                                           ) -> None:
    """The live pipeline on a clean 40 s call of generated voices finds all but at most one
    interruption, attributes every hit, 0.4-1.0 s after the true onset."""
    from voicecoach.config import load_config

    call = rc.assemble_call(*voices, seed=7, duration_s=40.0)
    s = rc.score_call(call.truth, rc.run_pipeline(rc.render(call, "clean", [], 7), load_config()))
    assert s["n_truth"] >= 4
    assert s["tp"] >= s["n_truth"] - 1
    assert s["attributed"] == s["tp"]
    assert all(0.4 <= v <= 1.0 for v in s["latency_s"])


def test_review_path_gives_the_pipeline_s_events(voices: tuple[rc.Voice, rc.Voice],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``--telephone`` reviews each call as a file through ``voicecoach review``: at 16 kHz
    that path gives exactly the live pipeline's tracker events; as an 8 kHz G.711 file it
    still finds the interruptions, and the file it reviews is an 8 kHz mu-law WAV."""
    import soundfile as sf

    from voicecoach.config import load_config

    cfg = load_config()
    call = rc.assemble_call(*voices, seed=7, duration_s=40.0)
    y = rc.render(call, "clean", [], 7)
    live = [e for e in rc.run_pipeline(y, cfg) if e.kind != "nudge"]
    assert rc.review_events(y, cfg, telephone=False) == live
    seen = []
    real_write = sf.write

    def write(path, data, rate, **kw):
        seen.append((rate, kw.get("subtype"), data.shape))
        return real_write(path, data, rate, **kw)

    monkeypatch.setattr(sf, "write", write)
    tel = rc.review_events(y, cfg)
    assert seen == [(8000, "ULAW", ((len(y) + 1) // 2, 2))]
    s = rc.score_call(call.truth, tel)
    assert s["n_truth"] >= 4 and s["tp"] >= s["n_truth"] - 1
    assert s["attributed"] == s["tp"]


def test_overrides_parse_as_toml() -> None:
    """--set items become a nested dict with TOML-typed values; an item without section.key
    raises."""
    assert rc.parse_overrides(["vad.backend=silero", "echo.enabled=false",
                               "conversation.min_overlap_s=0.6"]) == {
        "vad": {"backend": "silero"}, "echo": {"enabled": False},
        "conversation": {"min_overlap_s": 0.6}}
    with pytest.raises(ValueError, match=r"section\.key=value"):
        rc.parse_overrides(["backend=silero"])


def test_splits_share_no_audio() -> None:
    """dev, test and holdout share no voice, babble, msa stem or ms2 set, and no pair pairs a
    voice with itself; the holdout's msa pairs are outside dev's, test's and the 40-119 that
    chose echo settings, and it reads no DTLN, mediastreamer2 or NKF recording."""
    dev, test, held = rc.SPLITS["dev"], rc.SPLITS["test"], rc.SPLITS["holdout"]
    assert not set(dev.voices + dev.babble) & set(test.voices + test.babble)
    assert not set(held.voices + held.babble) & set(dev.voices + dev.babble + test.voices
                                                    + test.babble)
    assert not set(dev.msa) & set(test.msa)
    assert min(held.msa) >= 120
    assert dev.ms2 != test.ms2
    assert (held.ms2, held.dtln, held.nkf) == ("", False, False)
    for pair in (*dev.pairs, *test.pairs, *held.pairs):
        assert pair[0] != pair[1]
    # devm (dev's male voices) is dev: it shares nothing with test or holdout
    devm = rc.SPLITS["devm"]
    assert not set(devm.voices + devm.babble) & set(test.voices + test.babble + held.voices)
    assert (set(devm.msa), devm.ms2) == (set(dev.msa), dev.ms2)
    # every holdout voice is the agent of one pair and the customer of another
    assert sorted(a for a, _ in held.pairs) == sorted(held.voices)
    assert sorted(c for _, c in held.pairs) == sorted(held.voices)


def test_holdout_voices_are_fetched_by_the_holdout_split_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """dev and test fetch none of the holdout split's four datasets; holdout fetches those
    four alone (a dev or test run downloads and reads nothing of it)."""
    fetched: list[str] = []
    monkeypatch.setattr(ds, "fetch", lambda name: fetched.append(name) or [])
    held = {name for name, _ in rc.HOLDOUT_DATASETS.values()}
    assert set(rc.HOLDOUT_DATASETS) == set(rc.SPLITS["holdout"].voices)
    for split in ("dev", "test"):
        fetched.clear()
        rc.voice_utterances(split)
        assert fetched and not held & set(fetched), split
    fetched.clear()
    assert set(rc.voice_utterances("holdout")) == set(rc.HOLDOUT_DATASETS)
    assert set(fetched) == held


def test_holdout_split_skips_the_stems_it_does_not_read(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path) -> None:
    """With echo data present, the holdout split lists only its msa pairs and its
    ``double_talk`` (mediastreamer2) is skipped, not read."""
    from voicecoach.config import load_config

    (tmp_path / "ms2").mkdir()
    (tmp_path / "msa").mkdir()
    for n in (0, 120, 139, 140):
        for k in ("lpb", "echo"):
            (tmp_path / "msa" / f"{n}_{k}.wav").write_bytes(b"")
    for s in ("nearend", "echo", "farend"):
        for kind in ("simple", "double"):
            (tmp_path / "ms2" / f"{s}_{kind}_talk.wav").write_bytes(b"")
    monkeypatch.setenv(rc.ECHO_ENV, str(tmp_path))
    names = sorted(p.name for p in rc.echo_files("holdout"))
    assert names == ["120_echo.wav", "120_lpb.wav", "139_echo.wav", "139_lpb.wav"]
    assert rc.double_talk("holdout", load_config()) is None
    res = rc._echo_conditions("holdout", ["double_talk", "nkf_double_talk"], load_config())
    assert res == {"double_talk": {"skipped": "not in the holdout split"},
                   "nkf_double_talk": {"skipped": "not in the holdout split"}}


def test_held_out_expressive_lines_are_never_fetched() -> None:
    """The 24 held-out expressive lines are neither in the line list nor among the dataset's
    members."""
    names = {ln.rsplit("/", 1)[1] for ln in ds.EXPRESSIVE_LINES}
    assert len(ds.EXPRESSIVE_HELD_OUT) == 24
    assert not names & ds.EXPRESSIVE_HELD_OUT
    members = {m.path.rsplit("/", 1)[1] for m in ds._SPECS["expressive"].members}
    assert not members & ds.EXPRESSIVE_HELD_OUT


def test_echo_conditions_skip_without_data(monkeypatch: pytest.MonkeyPatch,
                                           voices: tuple[rc.Voice, rc.Voice]) -> None:
    """Without $VOICECOACH_ECHO_DATA the echo conditions return None (skipped)."""
    from voicecoach.config import load_config

    monkeypatch.delenv(rc.ECHO_ENV, raising=False)
    rc._msa_voice.cache_clear()
    assert rc.echo_root() is None
    assert rc.pure_echo("dev", load_config()) is None
    assert rc.double_talk("dev", load_config()) is None
    assert rc.msa_double_talk("dev", load_config()) is None


def test_suite_table_flags_misses_against_the_targets() -> None:
    """The suite summary marks each real-call figure ok or MISS against its target and shows skipped
    conditions."""
    from benchmarks.report import summary_rows

    cond = {"recall": 0.96, "precision": 0.97, "fa_backchannel": 0.0, "attribution": 1.0,
            "latency_p50_s": 0.52, "latency_p90_s": 0.7}
    tree = {"realcalls": {
        "test": {"conditions": {
            "clean": cond,
            "white20": {**cond, "recall": 0.85},
            "echo_agent": {"skipped": "no echo"},
            "pure_echo": {"agent_s_per_min": 0.4, "agent_events_total": 1},
            "double_talk": {"recall_double_talk": 0.93},
        }},
        "dev": {"skipped": "DatasetError: offline"},
    }}
    rows = {r[0]: r for r in summary_rows(tree)}
    assert rows["real calls test, clean: interruption recall"][4] == "ok"
    assert rows["  latency from true onset p90, s"][4] == "MISS"
    assert rows["real calls test, white20: interruption recall"][4] == "MISS"
    assert rows["real calls test, echo_agent"][1] == "skipped"
    # an agent event on pure echo is a miss
    assert rows["real calls test, pure echo (cold starts): agent speech s/min"][4] == "MISS"
    assert rows["real calls test, double_talk: agent recall"][4] == "ok"
    assert rows["real-voice calls (dev)"][1] == "skipped"


def test_suite_runs_the_test_calls_at_8_khz_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's realcalls step: dev, test, and test's call conditions reviewed as 8 kHz
    G.711 files (``test 8 kHz``); ``run_realcalls(telephone=True)`` sets ``--telephone`` for
    that run only."""
    from benchmarks import suite

    seen = []
    real = rc.run_realcalls

    def fake_calls(split, conditions, config, **kw):
        seen.append((split, tuple(conditions), rc.TELEPHONE[0]))
        return {c: {"recall": 1.0, "per_call": []} for c in conditions}

    monkeypatch.setattr(rc, "run_calls", fake_calls)
    monkeypatch.setattr(rc, "_echo_conditions", lambda *a: {})
    out = suite.bench_realcalls(suite.QUICK, {})["realcalls"]
    assert list(out) == ["dev", "test", "test 8 kHz"]
    assert [(sp, tel) for sp, _c, tel in seen] == [("dev", False), ("test", False),
                                                   ("test", True)]
    assert seen[2][1] == rc.CALL_CONDITIONS and out["test 8 kHz"]["telephone"] is True
    assert rc.TELEPHONE[0] is False and rc.run_realcalls is real


def test_speech_scores_count_double_talk_and_false_speech() -> None:
    """speech_scores counts a party's speech hops alone and in double talk, their hits and its false
    speech beyond the 0.3 s margin; summarize turns them into recalls and seconds per minute."""
    from voicecoach.events import SpeechSegment

    n = 10 * SR
    call = rc.Call("x", np.zeros((n, 2), np.float32), [], (),
                   {"agent": [(1.0, 3.0)], "customer": [(2.0, 5.0)]})
    events = [
        SpeechSegment(1.0, 2.5, 1.1, party="agent"),  # misses 2.5-3.0 of the double talk
        SpeechSegment(2.0, 5.2, 2.1, party="customer"),  # the 0.2 s tail is within the margin
        SpeechSegment(7.0, 8.0, 7.1, party="agent"),  # 1 s of false agent speech
    ]
    s = rc.speech_scores(call, events)
    assert (s["agent_alone_hops"], s["agent_alone_hit"]) == (100, 100)
    assert (s["agent_overlap_hops"], s["agent_overlap_hit"]) == (100, 50)
    assert s["agent_false_hops"] == 100
    assert (s["customer_alone_hops"], s["customer_alone_hit"]) == (200, 200)
    assert s["customer_false_hops"] == 0
    sm = rc.summarize([{**rc.score_call((), []), **s}])
    assert sm["agent_speech_recall_overlap"] == 0.5
    assert sm["agent_false_speech_s_per_min"] == pytest.approx(1.0 / (10 / 60), abs=0.01)


def test_devm_reads_its_male_voices_or_says_how_to_fetch_them(tmp_path, monkeypatch):
    """Split devm (male voices, which dev lacks): its LibriSpeech readers come from
    ``$VOICECOACH_SPEECH_DIR/librispeech_m/<speaker>/*.flac``; without them the error names
    the folder and the README section."""
    import soundfile as sf

    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"librispeech_m.*A dev split with male voices"):
        rc.devm_utterances()
    y, _ = synth_speech(duration_s=4.0, f0_hz=110.0, seed=3)
    for spk in rc.DEVM_SPEAKERS.values():
        d = tmp_path / rc.DEVM_DIR / spk
        d.mkdir(parents=True)
        for i in range(2):
            sf.write(d / f"{spk}-1-{i:04d}.flac", y, SR)
    got = rc.devm_utterances()
    assert sorted(got) == sorted(rc.DEVM_SPEAKERS)
    for name, utts in got.items():
        assert [u.sex for u in utts] == ["m", "m"]
        assert all(u.path.parent.name == rc.DEVM_SPEAKERS[name] for u in utts)
    sp = rc.SPLITS["devm"]
    assert set(rc.DEVM_SPEAKERS) <= set(sp.voices)
    assert all(a in sp.voices and b in sp.voices for a, b in sp.pairs)


def test_fetch_devm_checks_the_digest_before_it_writes(tmp_path, monkeypatch):
    """``--fetch-devm``: a folder without the readers, or with other files than the pinned
    commit's, is refused and nothing is written; the right files are copied."""
    import hashlib

    import soundfile as sf

    with pytest.raises(FileNotFoundError, match=r"clone https://github\.com/resemble-ai"):
        rc.fetch_devm(tmp_path / "nothing", tmp_path / "out")
    folder = tmp_path / "clone" / rc.DEVM_SOURCE[2]
    y, _ = synth_speech(duration_s=1.0, f0_hz=110.0, seed=4)
    for spk in rc.DEVM_SPEAKERS.values():
        (folder / spk).mkdir(parents=True)
        sf.write(folder / spk / f"{spk}-1-0000.flac", y, SR)
    (folder / "LICENSE.TXT").write_text("CC BY 4.0")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="have digest"):
        rc.fetch_devm(tmp_path / "clone", out)
    assert not out.exists()
    lines = [f"{s}/{s}-1-0000.flac "
             + hashlib.sha256((folder / s / f"{s}-1-0000.flac").read_bytes()).hexdigest()
             for s in sorted(rc.DEVM_SPEAKERS.values())]
    monkeypatch.setattr(rc, "DEVM_DIGEST", hashlib.sha256("\n".join(lines).encode()).hexdigest())
    assert rc.fetch_devm(tmp_path / "clone", out) == out
    assert sorted(p.name for p in out.iterdir()) == sorted([*rc.DEVM_SPEAKERS.values(),
                                                            "LICENSE.TXT"])
    assert rc.main(["--fetch-devm", str(tmp_path / "nothing")]) == 2
