"""The pure parts of ``benchmarks.realcalls_live`` (no audio server): finding the call in a
recording, moving events onto the call's clock and scoring them, the echo condition."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import realcalls as rc
from benchmarks import realcalls_live as rl
from voicecoach.events import Interruption, SpeechSegment

SR = rc.SR


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def test_the_offset_of_a_played_stream_in_a_recording(rng: np.random.Generator) -> None:
    """A stream recorded 4837 samples late, filtered and noisy, is found to the sample."""
    played = rng.standard_normal(10 * SR).astype(np.float32) * 0.1
    lag = 4837
    rec = np.concatenate([np.zeros(lag, np.float32), np.convolve(played, [0.6, 0.3, 0.1])[
        : len(played)], np.zeros(SR, np.float32)])
    rec += rng.standard_normal(len(rec)).astype(np.float32) * 0.01
    assert rl.find_offset_s(rec, played) == lag / SR


def test_window_lags_show_a_column_moved_mid_call(rng: np.random.Generator) -> None:
    """Samples repeated 14 s into the recording (a drift correction) move the later windows
    by as many samples; a window of silence is skipped."""
    played = rng.standard_normal(20 * SR).astype(np.float32) * 0.1
    played[5 * SR : 10 * SR] = 0.0
    lead, cut, extra = 800, 14 * SR, 37
    rec = np.concatenate([np.zeros(lead, np.float32), played[:cut],
                          played[cut - extra : cut], played[cut:]])
    assert rl.window_lags(rec, played, lead) == [0, 0, extra]
    assert rl.window_lags(rec[: lead + cut], played[:cut], lead) == [0]


def _call() -> rc.Call:
    truth = (
        {"kind": "interruption", "start_s": 3.0, "end_s": 4.0, "by": "customer", "of": "agent"},
        {"kind": "interruption", "start_s": 7.0, "end_s": 8.0, "by": "agent", "of": "customer"},
        {"kind": "backchannel", "start_s": 5.0, "end_s": 5.3, "by": "customer", "of": "agent"},
    )
    speech = {"agent": [(0.0, 4.0), (7.0, 9.0)], "customer": [(3.0, 7.5)]}
    return rc.Call("synthetic", np.zeros((10 * SR, 2), np.float32), [], truth, speech)


def test_events_are_scored_on_the_calls_clock() -> None:
    """Events of a session where the call starts at 2.5 s: moved by 2.5 s and scored; a
    speech segment ending before the call is not the call's (unclipped, its negative end
    would have marked the whole call as agent speech), nor an interruption over before it;
    a segment straddling its start counts from it."""
    off = 2.5
    events = [
        SpeechSegment(off - 2.0, off - 0.1, off - 0.05, party="agent"),  # before the call
        SpeechSegment(off - 0.5, 4.0 + off, 4.1 + off, party="agent"),
        SpeechSegment(3.0 + off, 7.5 + off, 7.6 + off, party="customer"),
        SpeechSegment(7.0 + off, 9.0 + off, 9.1 + off, party="agent"),
        Interruption(3.1 + off, 4.0 + off, 3.6 + off, by="customer", of="agent", id=1),
        Interruption(7.05 + off, 8.0 + off, 7.55 + off, by="customer", of="agent", id=2),
        Interruption(5.05 + off, 5.3 + off, 5.5 + off, by="customer", of="agent", id=3),
        Interruption(off - 1.0, off - 0.5, off - 0.6, by="agent", of="customer", id=4),
    ]
    s = rl.score_events(_call(), events, off)
    assert (s["n_truth"], s["n_detected"], s["tp"], s["attributed"]) == (2, 3, 2, 1)
    assert sorted(s["latency_s"]) == pytest.approx([0.55, 0.6])
    assert (s["n_backchannel"], s["n_backchannel_fa"]) == (1, 1)
    assert s["false"] == pytest.approx([5.05])
    # the agent's true speech is 0-4 s and 7-9 s: every detected hop is on it
    assert s["agent_false_hops"] == 0 and s["customer_false_hops"] == 0
    assert s["agent_alone_hit"] == s["agent_alone_hops"] == 300 + 150
    assert s["hops"] == 1000 and s["call"] == "synthetic" and s["seconds"] == 10.0


def test_shift_events_moves_every_time() -> None:
    ev = [Interruption(3.0, None, 3.5, by="agent", of="customer", id=7),
          SpeechSegment(0.5, 1.0, 1.1, party="customer")]
    (moved,) = rl.shift_events(ev, 1.0)
    assert (moved.start_s, moved.end_s, moved.decided_s, moved.id) == (2.0, None, 2.5, 7)


def test_the_echo_condition_is_the_tests_loudspeaker_echo() -> None:
    """``echo6`` = ``white20`` plus the far end's loudspeaker echo 6 dB under it in the
    microphone, the far end untouched; other conditions are ``render``'s."""
    rng = np.random.default_rng(5)
    y = (rng.standard_normal((3 * SR, 2)) * 0.1).astype(np.float32)
    call = rc.Call("x", y, [], ())
    got = rl.signal(call, "echo6", [], 3)
    white = rc.render(call, "white20", [], 3)
    np.testing.assert_array_equal(got[:, 1], white[:, 1])
    echo = (got[:, 0].astype(np.float64) - white[:, 0]).astype(np.float32)
    np.testing.assert_allclose(echo, rc.loudspeaker_echo(y[:, 1], -6.0, 0.04, 3), atol=1e-6)
    np.testing.assert_array_equal(rl.signal(call, "clean", [], 3), rc.render(call, "clean", [], 3))


def test_an_unknown_condition_says_what_is_allowed() -> None:
    with pytest.raises(ValueError, match=r"unknown condition 'echo_agent'.*echoN"):
        rl.check_condition("echo_agent")
    with pytest.raises(ValueError, match=r"unknown condition 'echoX'"):
        rl.signal(rc.Call("x", np.zeros((SR, 2), np.float32), [], ()), "echoX", [], 0)
    assert rl.check_condition("echo0") and not rl.check_condition("bleed15_350ms")


def test_the_table_shows_the_captures_own_skew_beside_the_measured_one() -> None:
    """Each condition's footer lists the columns' start skew found by cross-correlation and
    the capture's own estimate (``capture_stats.skew_ms``), call by call; a session whose
    report has no estimate shows None."""
    row = {"n_truth": 8, "recall": 1.0, "precision": 1.0, "attribution": 1.0,
           "fa_backchannel": 0.0, "latency_p50_s": 0.51, "latency_p90_s": 0.55,
           "agent_false_speech_s_per_min": 0.2, "agent_speech_recall_overlap": 0.93}
    score = {"tp": 8, "n_detected": 8}
    calls = [
        {"call": "a-b-0", "hop_phase": 12, "mic_skew_ms": 4.44, "far_lag_moved": [0, 0],
         "mic_lag_moved": [0, 0], "drift_corrected": False,
         "capture_stats": {"skew_ms": 4.2553}, "live": score, "offline": score},
        {"call": "b-a-1", "hop_phase": 90, "mic_skew_ms": -0.06, "far_lag_moved": [0, 3],
         "mic_lag_moved": [0, 0], "drift_corrected": True, "capture_stats": {},
         "live": score, "offline": {"tp": 7, "n_detected": 8}},
    ]
    result = {"split": "dev", "calls_per_condition": 2,
              "conditions": {"echo6": {**{c: row for c in rl.COLUMNS}, "per_call": calls}}}
    text = rl.format_table(result)
    assert "start skew mic-far (ms) [4.44, -0.06], the capture's estimate (skew_ms) " \
           "[4.26, None]" in text, text
    assert "drift corrected in 1 of 2 sessions" in text and "up to [0, 3] samples" in text
    assert "differ (found, detected): 1 ['b-a-1']" in text
