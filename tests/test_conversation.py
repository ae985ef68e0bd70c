"""Conversation tracker: table-driven state-machine tests on feature rows built from speech
intervals (no audio), block invariance, reset, errors and metrics.

Rows are built so that the raw VAD is exactly the given spans: every onset and offset lands on
a hop boundary, and the expected event times are exact.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from voicecoach.analysis import Features
from voicecoach.config import load_config
from voicecoach.conversation import ConversationTracker, summarize
from voicecoach.errors import ParameterError
from voicecoach.events import ResponseGap, SpeechSegment, Turn, final_events

HOP_S = 0.01
# the rows below are exact (a party's first raw hop is its true onset): the tracker's timing
# is tested without the agent's onset pad, which its own tests cover
CFG = load_config().replace(conversation={"agent_onset_pad_s": 0.0})
C = CFG.conversation


def party_rows(spans, duration_s, f0_hz, level_db=-20.0, t0_hop=0):
    """Feature rows of one party: raw VAD, voicing and loudness on ``spans`` (s)."""
    n = round(duration_s / HOP_S)
    t = (np.arange(t0_hop, t0_hop + n) * 160) / 16000
    on = np.zeros(n, bool)
    for a, b in spans:
        on[round(a / HOP_S) - t0_hop : round(b / HOP_S) - t0_hop] = True
    f32 = np.float32
    return Features(
        t_s=t,
        f0_hz=np.where(on, f32(f0_hz), f32(np.nan)).astype(f32),
        voiced=on.copy(),
        speech=on.copy(),
        loudness_db=np.where(on, f32(level_db), f32(-70.0)).astype(f32),
        syllable_rate=np.full(n, np.nan, f32),
        articulation_rate=np.full(n, np.nan, f32),
        noise_floor_db=np.full(n, -70.0, f32),
        aperiodicity=np.where(on, f32(0.1), f32(0.9)).astype(f32),
        vad_raw=on,
        nucleus=np.zeros(n, bool),
        f0_settled_hz=np.where(on, f32(f0_hz), f32(np.nan)).astype(f32),
    )


def call_rows(agent, customer, duration_s):
    return party_rows(agent, duration_s, 120.0), party_rows(customer, duration_s, 210.0)


def run(agent, customer, duration_s, config=None, block=None):
    a, c = call_rows(agent, customer, duration_s)
    tr = ConversationTracker(config or CFG)
    if block is None:
        evs = tr.process(a, c)
    else:
        evs = []
        for i in range(0, len(a), block):
            evs += tr.process(a[i : i + block], c[i : i + block])
    return tr, evs


def kinds(evs, *names):
    return [e for e in final_events(evs) if e.kind in names]


def spans(evs, kind):
    return [
        (e.kind, round(e.start_s, 2), round(e.end_s, 2), getattr(e, "by", None),
         getattr(e, "of", None))
        for e in kinds(evs, kind)
    ]


CLASSES = ("interruption", "backchannel", "turn_end_overlap")

# (name, agent spans, customer spans, duration, expected classified events)
TABLE = [
    ("agent interrupts mid-turn", [(2.0, 4.0)], [(0.0, 5.0)], 6.0,
     [("interruption", 2.0, 4.0, "agent", "customer")]),
    ("customer interrupts mid-turn", [(0.0, 5.0)], [(3.0, 6.0)], 7.0,
     [("interruption", 3.0, 5.0, "customer", "agent")]),
    ("agent backchannel", [(2.0, 2.4)], [(0.0, 5.0)], 6.0,
     [("backchannel", 2.0, 2.4, "agent", "customer")]),
    ("customer backchannel 0.45 s", [(0.0, 5.0)], [(1.5, 1.95)], 6.0,
     [("backchannel", 1.5, 1.95, "customer", "agent")]),
    ("turn-end overlap 0.2 s", [(2.8, 5.0)], [(0.0, 3.0)], 6.0,
     [("turn_end_overlap", 2.8, 3.0, "agent", "customer")]),
    ("overlap 0.4 s < min_overlap at A's end", [(2.6, 5.0)], [(0.0, 3.0)], 6.0,
     [("turn_end_overlap", 2.6, 3.0, "agent", "customer")]),
    ("overlap 0.55 s at A's end is an interruption", [(2.45, 5.0)], [(0.0, 3.0)], 6.0,
     [("interruption", 2.45, 3.0, "agent", "customer")]),
    ("plain turn-taking", [(0.0, 2.0), (4.2, 6.0)], [(2.3, 4.0)], 7.0, []),
    ("simultaneous start", [(1.0, 3.0)], [(1.1, 3.5)], 5.0, []),
    ("backchannel in the floor holder's pause", [(2.05, 2.3)], [(0.0, 2.0), (2.4, 5.0)], 6.0,
     [("backchannel", 2.05, 2.3, "agent", "customer")]),
    # the agent's segment ends while the holder is silent; the holder resumes within turn_gap_s
    ("backchannel ending in the floor holder's pause", [(2.02, 2.1)], [(0.0, 2.0), (2.38, 5.0)],
     6.0, [("backchannel", 2.02, 2.1, "agent", "customer")]),
    ("backchannel then interruption", [(1.0, 1.3), (3.0, 4.5)], [(0.0, 6.0)], 7.0,
     [("backchannel", 1.0, 1.3, "agent", "customer"),
      ("interruption", 3.0, 4.5, "agent", "customer")]),
]


@pytest.mark.parametrize("name, agent, customer, dur, expected", TABLE, ids=[t[0] for t in TABLE])
def test_classification_table(name, agent, customer, dur, expected):
    _, evs = run(agent, customer, dur)
    got = sorted(s for k in CLASSES for s in spans(evs, k))
    assert got == sorted(expected)


def test_interruption_is_emitted_open_at_min_overlap():
    _, evs = run([(2.0, 4.0)], [(0.0, 5.0)], 6.0)
    versions = [e for e in evs if e.kind == "interruption"]
    # open at min_overlap_s, open and confirmed once it outlasts backchannel_max_s, closed
    assert [(e.end_s, e.confirmed) for e in versions] == [(None, False), (None, True),
                                                          (4.0, True)]
    assert versions[0].id == versions[1].id == versions[2].id != 0
    assert versions[0].start_s == 2.0
    # decided at the end of the hop where the overlap reached min_overlap_s
    assert versions[0].decided_s == pytest.approx(2.0 + C.min_overlap_s)
    assert versions[1].decided_s == pytest.approx(2.0 + C.backchannel_max_s + 0.01, abs=0.011)
    assert versions[2].decided_s == pytest.approx(4.0 + C.speech_hangover_s)


@pytest.mark.parametrize("gap_s", [0.0, 0.02, 0.05, 0.08, 0.1])
def test_interruption_latency_bound_with_a_gap_at_the_decision_instant(gap_s):
    # the interrupter is in a consonant gap exactly when min_overlap elapses
    d = C.min_overlap_s
    agent = [(2.0, 2.0 + d - 0.01)] + ([(2.0 + d - 0.01 + gap_s, 4.0)] if gap_s else [])
    if not gap_s:
        agent = [(2.0, 4.0)]
    _, evs = run(agent, [(0.0, 5.0)], 6.0)
    first = next(e for e in evs if e.kind == "interruption")
    assert first.end_s is None
    assert first.start_s == pytest.approx(2.0)  # the interrupter's true onset
    assert 0.0 <= first.decided_s - (2.0 + d) <= 0.1 + 1e-9  # against the truth
    # its last raw hop lies within decision_bridge_s of the decision instant: decided at once
    assert first.decided_s == pytest.approx(2.0 + d)


def test_interrupter_stopping_just_before_min_overlap_is_a_backchannel():
    d = C.min_overlap_s
    stop = 2.0 + d - C.decision_bridge_s - 0.02
    _, evs = run([(2.0, stop)], [(0.0, 5.0)], 6.0)
    assert spans(evs, "interruption") == []
    assert spans(evs, "backchannel") == [("backchannel", 2.0, round(stop, 2), "agent",
                                          "customer")]


def test_turns_floor_and_response_gaps():
    tr, evs = run([(0.0, 2.0), (4.15, 6.0)], [(2.3, 4.0)], 7.0)
    turns = [(e.party, e.start_s, e.end_s) for e in kinds(evs, "turn")]
    assert turns == [("agent", 0.0, 2.0), ("customer", 2.3, 4.0), ("agent", 4.15, 6.0)]
    gaps = [(e.party, e.after, round(e.gap_s, 2)) for e in kinds(evs, "response_gap")]
    assert gaps == [("customer", "agent", 0.3), ("agent", "customer", 0.15)]
    s = tr.summary()
    assert s["agent"]["response_gaps"] == 1
    assert s["agent"]["jump_ins"] == 1  # 0.15 s < jump_in_s
    assert s["customer"]["jump_ins"] == 0
    assert s["agent"]["response_gap_median_s"] == 0.15


def test_turn_end_overlap_gives_a_negative_response_gap():
    _, evs = run([(2.8, 5.0)], [(0.0, 3.0)], 6.0)
    (gap,) = kinds(evs, "response_gap")
    assert (gap.party, gap.after, round(gap.gap_s, 2)) == ("agent", "customer", -0.2)


def test_interrupter_takes_the_floor_when_the_other_stops():
    _, evs = run([(0.0, 5.0)], [(3.0, 8.0)], 9.0)
    turns = [(e.party, e.start_s, e.end_s) for e in kinds(evs, "turn")]
    assert turns == [("agent", 0.0, 5.0), ("customer", 3.0, 8.0)]
    assert kinds(evs, "response_gap") == []  # an interruption is not a response
    s = summarize(evs, 9.0, CFG)  # counted for the interrupter (by) and the interrupted (of)
    assert (s["customer"]["interruptions_made"], s["customer"]["interrupted"]) == (1, 0)
    assert (s["agent"]["interruptions_made"], s["agent"]["interrupted"]) == (0, 1)
    assert s["conversation"]["interruptions"] == 1


def test_state_for_live_display():
    a, c = call_rows([(2.0, 4.0)], [(0.0, 5.0)], 6.0)
    tr = ConversationTracker(CFG)
    tr.process(a[:150], c[:150])  # the customer alone: no agent turn, nothing interrupting
    st = tr.state
    assert st.floor == "customer" and st.speaking == {"agent": False, "customer": True}
    assert st.overlap is None and st.interrupting is None
    assert st.turn_s == {"agent": 0.0, "customer": pytest.approx(1.5)}
    tr.process(a[150:310], c[150:310])
    st = tr.state
    assert st.t_s == pytest.approx(3.1)
    assert st.floor == "customer"
    assert st.speaking == {"agent": True, "customer": True}
    assert st.overlap == ("agent", "customer", 2.0)
    assert st.interrupting == "agent"
    assert st.turn_s["customer"] == pytest.approx(3.1)
    # the interrupter's turn, from its onset, opens once it outlasts a backchannel (1 s)
    assert st.turn_s["agent"] == pytest.approx(1.1)
    assert st.bleed_status == "searching" and st.bleed_delay_s is None


def test_mutual_silence():
    _, evs = run([(0.0, 2.0)], [(5.5, 7.0)], 8.0)
    ms = kinds(evs, "mutual_silence")
    assert [(e.start_s, e.end_s) for e in ms] == [(2.0, 5.5)]
    opened = [e for e in evs if e.kind == "mutual_silence" and e.end_s is None]
    assert opened[0].decided_s == pytest.approx(2.0 + C.mutual_silence_s + HOP_S)
    s = summarize(evs, 8.0, CFG)["conversation"]
    assert (s["mutual_silences"], s["mutual_silence_s"]) == (1, 3.5)
    _, evs = run([(0.0, 2.0)], [(4.9, 7.0)], 8.0)
    assert kinds(evs, "mutual_silence") == []
    assert summarize(evs, 8.0, CFG)["conversation"]["mutual_silences"] == 0


def test_summary_metrics():
    agent = [(0.0, 3.0), (5.2, 9.0), (11.0, 11.3)]
    customer = [(3.2, 5.5), (9.3, 14.0)]
    tr, evs = run(agent, customer, 15.0)
    s = tr.summary()
    assert s["agent"]["talk_s"] == pytest.approx(7.1)
    assert s["customer"]["talk_s"] == pytest.approx(7.0)
    assert s["agent"]["talk_ratio"] == pytest.approx(7.1 / 14.1, abs=1e-4)
    assert s["conversation"]["overlap_s"] == pytest.approx(0.6)  # 5.2-5.5 and 11.0-11.3
    assert s["conversation"]["overlaps"] == 2
    assert s["customer"]["interrupted"] == 0
    assert s["agent"]["turn_end_overlaps"] == 1  # 5.2 inside the customer's last 0.5 s
    assert s["agent"]["backchannels"] == 1
    assert s["agent"]["longest_turn_s"] == pytest.approx(3.8)
    assert s["customer"]["longest_turn_s"] == pytest.approx(4.7)
    rebuilt = summarize(evs, 15.0, CFG)
    assert rebuilt["agent"] == s["agent"] and rebuilt["customer"] == s["customer"]
    assert "bleed" in s["conversation"]


def test_summary_median_jump_ins_and_open_events():
    """The median (not the mean) of a party's response gaps; a jump-in is a gap under
    jump_in_s (one of exactly jump_in_s is not); open events end at ``duration_s``."""
    j = C.jump_in_s
    gaps = [ResponseGap(t, t + 0.1, t + 0.1, party="customer", after="agent", gap_s=g)
            for t, g in ((1.0, j - 0.1), (2.0, j), (3.0, j + 0.7))]
    opened = [SpeechSegment(6.0, None, 6.1, id=1, party="agent"),
              Turn(6.0, None, 6.1, id=2, party="agent")]
    s = summarize(gaps + opened, 10.0, CFG)
    assert s["customer"]["response_gaps"] == 3
    assert s["customer"]["response_gap_median_s"] == pytest.approx(j)
    assert s["customer"]["jump_ins"] == 1
    assert s["agent"]["talk_s"] == pytest.approx(4.0)
    assert s["agent"]["longest_turn_s"] == pytest.approx(4.0)


def _mixed_rows():
    agent = [(0.0, 3.0), (4.1, 4.4), (6.0, 9.0), (9.6, 12.0), (15.5, 17.0)]
    customer = [(3.1, 6.2), (7.5, 10.5), (11.9, 12.3), (13.0, 14.0), (16.0, 18.0)]
    return call_rows(agent, customer, 19.0)


def test_block_invariance_on_tables(rng):
    a, c = _mixed_rows()
    whole = ConversationTracker(CFG).process(a, c)
    assert len(kinds(whole, *CLASSES)) >= 4
    for _ in range(5):
        tr = ConversationTracker(CFG)
        cuts = np.sort(rng.choice(np.arange(1, len(a)), size=40, replace=False))
        evs = []
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(a)], strict=True):
            evs += tr.process(a[lo:hi], c[lo:hi])
        assert evs == whole
        assert [e.id for e in evs] == [e.id for e in whole]


def test_reset_triad():
    a, c = _mixed_rows()
    tr = ConversationTracker(CFG)
    first = tr.process(a, c)
    with pytest.raises(ParameterError, match=r"expected 19\.000 s"):
        tr.process(a, c)  # state carried: the stream time moved on
    tr.reset()
    assert tr.process(a, c) == first
    fresh = ConversationTracker(CFG)
    fresh.process(a[:500], c[:500])
    assert fresh.process(a[500:], c[500:]) != first[-5:]  # sanity: it is not stateless
    tr2 = ConversationTracker(CFG)
    assert tr2.summary()["agent"]["talk_s"] == 0.0
    # the bleed gate's state goes too: rows whose agent side holds the far end's copy
    a, c = _echo_then_backchannel_rows(-22.0)
    first = tr2.process(a, c)
    bleed = tr2.summary()["conversation"]["bleed"]
    tr2.reset()
    assert tr2.process(a, c) == first
    assert tr2.summary()["conversation"]["bleed"] == bleed


def test_errors():
    a, c = call_rows([(0.0, 1.0)], [], 2.0)
    tr = ConversationTracker(CFG)
    with pytest.raises(ParameterError, match="same number of rows, got 200 and 100"):
        tr.process(a, c[:100])
    c2 = party_rows([], 2.0, 210.0, t0_hop=5)
    with pytest.raises(ParameterError, match="different t_s"):
        tr.process(a, c2)
    assert tr.process(a[:0], c[:0]) == []


def test_thresholds_come_from_config():
    cfg = CFG.replace(conversation={"min_overlap_s": 1.5})
    _, evs = run([(2.0, 3.2)], [(0.0, 5.0)], 6.0, config=cfg)
    assert spans(evs, "interruption") == []
    cfg = CFG.replace(conversation={"min_overlap_s": 1.5, "backchannel_max_s": 1.3})
    _, evs = run([(2.0, 3.2)], [(0.0, 5.0)], 6.0, config=cfg)
    assert spans(evs, "backchannel") == [("backchannel", 2.0, 3.2, "agent", "customer")]


def _agent_segments(evs):
    return [(e.start_s, e.end_s) for e in kinds(evs, "speech") if e.party == "agent"]


def test_timing_settings_come_from_config():
    """Each timing setting of [conversation] moves its decision (none is a constant)."""
    def with_(**kw):
        return CFG.replace(conversation=kw)

    # mutual_silence_s: a 2.9 s silence is reported only under a 2.5 s setting
    gap = ([(0.0, 2.0)], [(4.9, 7.0)], 8.0)
    assert kinds(run(*gap)[1], "mutual_silence") == []
    ms = kinds(run(*gap, config=with_(mutual_silence_s=2.5))[1], "mutual_silence")
    assert [(e.start_s, e.end_s) for e in ms] == [(2.0, 4.9)]
    # simultaneous_start_s: a start 0.1 s after the other's is an intrusion under 0.05 s
    sim = ([(1.0, 3.0)], [(1.1, 3.5)], 5.0)
    assert _classified(run(*sim)[1]) == []
    assert [s[0] for s in _classified(run(*sim, config=with_(simultaneous_start_s=0.05))[1])] \
        == ["interruption"]
    # turn_gap_s: a 0.45 s pause keeps the customer's turn (default 0.5 s), not under 0.4 s
    pause = ([(2.8, 7.0)], [(0.0, 3.0), (3.45, 4.5)], 8.0)
    assert ("interruption", 2.8, 4.5, "agent", "customer") in _classified(run(*pause)[1])
    assert ("turn_end_overlap", 2.8, 3.0, "agent", "customer") in _classified(
        run(*pause, config=with_(turn_gap_s=0.4))[1])
    # speech_onset_s: 50 ms of raw VAD opens a segment under a 40 ms setting only
    blip = ([(1.0, 1.05)], [], 3.0)
    assert _agent_segments(run(*blip)[1]) == []
    assert _agent_segments(run(*blip, config=with_(speech_onset_s=0.04))[1]) == [(1.0, 1.05)]
    # speech_hangover_s: a 0.3 s pause ends a segment (0.25 s), not under 0.4 s
    two = ([(0.0, 1.0), (1.3, 2.0)], [], 3.0)
    assert _agent_segments(run(*two)[1]) == [(0.0, 1.0), (1.3, 2.0)]
    assert _agent_segments(run(*two, config=with_(speech_hangover_s=0.4))[1]) == [(0.0, 2.0)]
    # turn_end_s: over min_overlap_s it delays the interruption's decision
    evs = run([(2.0, 4.0)], [(0.0, 5.0)], 6.0, config=with_(turn_end_s=0.8))[1]
    first = next(e for e in evs if e.kind == "interruption")
    assert first.decided_s == pytest.approx(2.8)


def test_far_delay_aligns_the_far_end():
    # the far-end channel lags what the agent heard by 0.3 s
    cfg = CFG.replace(conversation={"far_delay_s": 0.3})
    a = party_rows([(2.8, 5.0)], 6.0, 120.0)
    c = party_rows([(0.3, 3.3)], 6.0, 210.0)  # heard 0.0-3.0
    evs = ConversationTracker(cfg).process(a, c)
    assert spans(evs, "turn_end_overlap") == [("turn_end_overlap", 2.8, 3.0, "agent",
                                               "customer")]
    ev = kinds(evs, "turn_end_overlap")[0]
    assert ev.decided_s == pytest.approx(3.0 + C.turn_gap_s + 0.3)  # the holder may resume
    for block in (1, 7, 100):  # block-size invariance (the agent's rows held back)
        tr = ConversationTracker(cfg)
        got = []
        for i in range(0, len(a), block):
            got += tr.process(a[i : i + block], c[i : i + block])
        assert got == evs
    # without the setting the agent seems to cut in 0.5 s before the far end stops
    evs = ConversationTracker(CFG).process(a, c)
    assert spans(evs, "interruption") == [("interruption", 2.8, 3.3, "agent", "customer")]


def test_defaults_are_in_the_toml():
    import tomllib

    from voicecoach.config import default_config_path

    raw = tomllib.loads(default_config_path().read_text())["conversation"]
    assert raw.keys() == {f for f in C.__dataclass_fields__}
    assert not math.isnan(C.min_overlap_s)


def test_long_backchannel_is_shown_live_then_retracted():
    # the customer says something 0.7 s long inside the agent's turn, the agent going on, and
    # stays silent: decided an interruption 0.5 s into the overlap (live), a backchannel in
    # the record once the customer has been silent for retract_gap_s
    _, evs = run([(0.0, 5.0)], [(2.0, 2.7)], 6.0)
    live = [e for e in evs if e.kind == "interruption" and e.end_s is None]
    assert [(e.by, e.start_s, e.decided_s) for e in live] == [("customer", 2.0, 2.5)]
    fin = final_events(evs)
    (it,) = kinds(fin, "interruption")
    assert it.retracted and (it.start_s, it.end_s) == (2.0, 2.7)
    (rv,) = [e for e in evs if e.kind == "interruption" and e.retracted]
    assert rv.decided_s == pytest.approx(2.7 + C.retract_gap_s)  # once silent retract_gap_s
    assert not any(e.confirmed for e in evs if e.kind == "interruption")  # never nudged
    (bc,) = kinds(fin, "backchannel")
    assert (bc.by, bc.of, bc.start_s, bc.end_s) == ("customer", "agent", 2.0, 2.7)
    assert [e.party for e in kinds(fin, "turn")] == ["agent"]  # a backchannel makes no turn
    s = summarize(fin, 6.0, CFG)
    assert s["conversation"]["interruptions"] == 0 and s["conversation"]["backchannels"] == 1


@pytest.mark.parametrize(
    ("cust", "agent_end"),
    [
        ([(2.0, 3.5)], 5.0),  # longer than a backchannel
        ([(2.0, 2.7)], 2.6),  # the other gave way first
        ([(2.0, 2.7), (3.1, 4.5)], 5.0),  # a 0.4 s pause inside the interrupter's turn
        ([(2.0, 2.7), (3.35, 4.5)], 5.0),  # a 0.65 s one (a reader's pause), < retract_gap_s
    ],
)
def test_interruption_stands_when_long_or_when_the_other_gives_way(cust, agent_end):
    _, evs = run([(0.0, agent_end)], cust, 6.0)
    (it,) = kinds(final_events(evs), "interruption")
    assert not it.retracted and it.by == "customer" and it.confirmed
    first = next(e for e in evs if e.kind == "interruption" and e.confirmed)
    # confirmed once its speech outlasts a backchannel (its pause not counted: the interrupter
    # resumed while the other still spoke, retract_join_by_speech) or the other gives way
    spoken_s = (cust[0][1] - cust[0][0]) if len(cust) > 1 else 0.0
    confirm_by_s = max(2.0 + C.backchannel_max_s,
                       cust[-1][0] + C.backchannel_max_s - spoken_s if len(cust) > 1 else 0.0)
    assert first.decided_s <= confirm_by_s + 0.02 or first.end_s is not None
    assert kinds(final_events(evs), "backchannel") == []


def test_retraction_waits_retract_gap_s():
    # the interrupter stops after 0.7 s and speaks again 1.0 s later, the agent going on:
    # retracted at retract_gap_s (0.8 s) after it stopped, and the later words are a new
    # intrusion; with retract_gap_s = 1.2 the same words join it (see
    # test_interrupter_resuming_is_measured_by_its_speech)
    _, evs = run([(0.0, 6.0)], [(2.0, 2.7), (3.7, 4.0)], 7.0)
    fin = final_events(evs)
    (it,) = kinds(fin, "interruption")
    assert it.retracted
    rt = [e for e in evs if e.kind == "interruption" and getattr(e, "retracted", False)]
    assert rt[0].decided_s == pytest.approx(2.7 + C.retract_gap_s, abs=0.011)
    assert C.retract_gap_s > C.turn_gap_s
    cfg = CFG.replace(conversation={"retract_gap_s": 1.2, "retract_join_by_speech": False})
    a = party_rows([(0.0, 6.0)], 7.0, 120.0)
    c = party_rows([(2.0, 2.7), (3.7, 4.0)], 7.0, 210.0)
    (it,) = kinds(final_events(ConversationTracker(cfg).process(a, c)), "interruption")
    assert not it.retracted


@pytest.mark.parametrize(("second", "join", "retracted"), [
    ((3.1, 3.35), True, True),  # 0.7 s + 0.25 s of speech, A speaking on: two short words
    ((3.1, 3.35), False, False),  # the old rule: speaking again within retract_gap_s stands
    ((3.1, 3.6), True, False),  # 0.7 s + 0.5 s: its speech outlasts backchannel_max_s
])
def test_interrupter_resuming_is_measured_by_its_speech(second, join, retracted):
    # B says 0.7 s (decided at 2.5 s), pauses 0.4 s (< retract_gap_s) while A speaks on, and
    # says a second short utterance: with retract_join_by_speech its speech time (the pause not
    # counted) is measured against backchannel_max_s, so two short words are a backchannel
    cfg = CFG.replace(conversation={"retract_join_by_speech": join})
    agent, cust = [(0.0, 6.0)], [(2.0, 2.7), second]
    _, evs = run(agent, cust, 7.0, config=cfg)
    fin = final_events(evs)
    (it,) = kinds(fin, "interruption")
    assert it.by == "customer" and it.start_s == 2.0
    assert bool(it.retracted) == retracted
    bcs = [(b.start_s, b.end_s) for b in kinds(fin, "backchannel")]
    assert bcs == ([(2.0, second[1])] if retracted else [])
    assert ("customer" in [t.party for t in kinds(fin, "turn")]) == (not retracted)
    if join and not retracted:  # confirmed once 1.0 s spoken: 0.3 s into the second words
        first = next(e for e in evs if e.kind == "interruption" and e.confirmed)
        assert first.decided_s == pytest.approx(second[0] + C.backchannel_max_s - 0.7,
                                                abs=0.011)
    for block in (1, 7, 100):  # block-size invariance
        assert run(agent, cust, 7.0, config=cfg, block=block)[1] == evs


def soft_lead_in(c, start_s, lead_s, level_db=-45.0):
    """Raise the loudness of the ``lead_s`` before ``start_s`` (raw VAD still off there)."""
    a, b = round((start_s - lead_s) / HOP_S), round(start_s / HOP_S)
    c.loudness_db[a:b] = level_db
    return c


@pytest.mark.parametrize(("lead_s", "moved_s"), [(0.0, 0.0), (0.2, 0.2), (0.6, 0.3)])
def test_far_end_onset_moves_back_over_its_soft_first_sound(lead_s, moved_s):
    # the far end's hops before its first raw VAD hop, 25 dB over its floor: the onset moves
    # back through them, at most far_onset_backtrack_s (0.3 s); quiet line before (-70 dB)
    assert C.far_onset_backtrack_s == pytest.approx(0.3)
    a = party_rows([(0.0, 5.0)], 7.0, 120.0)
    c = soft_lead_in(party_rows([(2.5, 6.0)], 7.0, 210.0), 2.5, lead_s)
    evs = ConversationTracker(CFG).process(a, c)
    seg = [e for e in final_events(evs) if e.kind == "speech" and e.party == "customer"]
    assert seg[0].start_s == pytest.approx(2.5 - moved_s)
    (it,) = kinds(evs, "interruption")
    assert it.start_s == pytest.approx(2.5 - moved_s)
    # the decision comes as much earlier (min_overlap_s after the moved onset)
    first = next(e for e in evs if e.kind == "interruption")
    assert first.decided_s == pytest.approx(2.5 - moved_s + C.min_overlap_s, abs=0.011)


@pytest.mark.parametrize(("gap_s", "dip_s", "want_s"), [
    (0.0, 0.05, 2.5),  # off: the dip stops the backtrack (the default before session 47)
    (0.1, 0.05, 2.3),  # a 50 ms closure after a 0.15 s first sound: crossed
    (0.1, 0.1, 2.25),  # a dip as long as the gap: crossed
    (0.1, 0.12, 2.5),  # longer than the gap: not crossed
])
def test_far_end_backtrack_crosses_a_short_dip(gap_s, dip_s, want_s):
    # the far end opens with a short sound (0.15 s at -45 dB), a near-silent dip, then the
    # word the VAD finds at 2.5 s: with far_onset_backtrack_gap_s the onset moves back over
    # the dip to the first sound, within far_onset_backtrack_s (0.3 s)
    cfg = CFG.replace(conversation={"far_onset_backtrack_gap_s": gap_s})
    a = party_rows([(0.0, 5.0)], 7.0, 120.0)
    c = party_rows([(2.5, 6.0)], 7.0, 210.0)
    first = round((2.5 - dip_s - 0.15) / HOP_S)
    c.loudness_db[first : first + 15] = -45.0  # the first sound; the dip stays at the floor
    evs = ConversationTracker(cfg).process(a, c)
    seg = [e for e in final_events(evs) if e.kind == "speech" and e.party == "customer"]
    assert seg[0].start_s == pytest.approx(want_s if want_s == 2.5 else 2.5 - dip_s - 0.15)
    decided = next(e for e in evs if e.kind == "interruption").decided_s
    assert decided == pytest.approx(seg[0].start_s + C.min_overlap_s, abs=0.011)
    for block in (1, 7, 100):  # block-size invariance
        got = []
        tr = ConversationTracker(cfg)
        for i in range(0, len(a.loudness_db), block):
            got += tr.process(a[i : i + block], c[i : i + block])
        assert got == evs


def test_onset_backtrack_spares_the_microphone_and_the_previous_segment():
    # the agent's soft lead-in is not backtracked (the microphone may hold echo or bleed)
    a = soft_lead_in(party_rows([(3.0, 5.0)], 7.0, 120.0), 3.0, 0.2)
    c = party_rows([(0.0, 2.0)], 7.0, 210.0)
    fin = final_events(ConversationTracker(CFG).process(a, c))
    seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
    assert seg[0].start_s == pytest.approx(3.0)
    # the far end's loud hops between two of its segments: never before the previous end
    silent = party_rows([], 7.0, 120.0)
    for second_s, lead_s, want_s in ((2.28, 0.5, 2.0), (2.6, 0.5, 2.3)):
        c = soft_lead_in(party_rows([(1.5, 2.0), (second_s, 4.0)], 7.0, 210.0), second_s, lead_s)
        fin = final_events(ConversationTracker(CFG).process(silent, c))
        seg = [e for e in fin if e.kind == "speech" and e.party == "customer"]
        assert [(round(e.start_s, 2), e.end_s) for e in seg] == [(1.5, 2.0), (want_s, 4.0)]


@pytest.mark.parametrize(("pad_s", "agent", "want_s"), [
    (0.0, [(3.0, 5.0)], 3.0),  # off
    (0.03, [(3.0, 5.0)], 2.97),  # moved back the pad (the default)
    (0.3, [(1.0, 2.0), (2.4, 5.0)], 2.1),  # never into its previous segment (ends at 2.1 s:
])                                           # the last raw hop's end, hangover not counted)
def test_agent_onset_pad_moves_the_agents_onset_back(pad_s, agent, want_s):
    assert load_config().conversation.agent_onset_pad_s == pytest.approx(0.03)
    # agent_onset_pad_s: the agent's segment, and the interruption it opens over the
    # customer, start that much before its first raw hop (the detector scores onsets late)
    cfg = CFG.replace(conversation={"agent_onset_pad_s": pad_s})
    _, evs = run(agent, [(0.0, 6.0)], 7.0, config=cfg)
    fin = final_events(evs)
    seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
    assert seg[-1].start_s == pytest.approx(want_s)
    assert seg[0].start_s == pytest.approx(agent[0][0] - pad_s)
    its = [e for e in fin if e.kind in ("interruption", "backchannel") and e.by == "agent"]
    assert its[0].start_s == pytest.approx(seg[0].start_s)
    for block in (1, 7, 100):  # block-size invariance
        assert run(agent, [(0.0, 6.0)], 7.0, config=cfg, block=block)[1] == evs


def test_agent_onset_pad_stops_at_hops_judged_the_far_ends_copy():
    # the agent's raw hops at 2.8-2.95 s are explained by the canceller's linear check (echo):
    # not the agent's; its speech from 2.95 s is moved back over no echo hop, however long
    # the pad; with a pause of one hop between them, the pad moves it back that one hop
    cfg = CFG.replace(conversation={"agent_onset_pad_s": 0.1})
    for echo_end_s, want_s in ((2.95, 2.95), (2.94, 2.94)):
        a = party_rows([(2.8, echo_end_s), (2.95, 5.0)], 7.0, 120.0)
        c = party_rows([(0.0, 6.0)], 7.0, 210.0)
        n = len(a)
        drop = np.full(n, np.nan)
        drop[280 : round(echo_end_s / HOP_S)] = CFG.echo.linear_check_db + 10.0
        tr = ConversationTracker(cfg)
        fin = final_events(tr.process(a, c, cancelled=np.zeros(n, bool), echo_drop=drop))
        seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
        assert [round(e.start_s, 2) for e in seg] == [want_s]


@pytest.mark.parametrize(("telephone", "clean_from_s", "want_s"), [
    (True, 0.0, 2.8),  # a telephone-band agent: moved back over its soft first sound
    (False, 0.0, 3.0),  # a wideband agent: not moved (agent_onset_backtrack_s is telephone's)
    (True, 2.9, 2.9),  # never over a hop where the canceller may hold uncancelled echo
])
def test_agent_onset_backtrack_on_a_telephone_band_agent(telephone, clean_from_s, want_s):
    assert load_config().conversation.agent_onset_backtrack_s == pytest.approx(0.3)
    # agent_onset_backtrack_s: the agent's 0.2 s soft lead-in (25 dB over its floor, a line's
    # sunk first sound) before its first raw hop at 3.0 s, over the customer's turn; the
    # segment and the interruption it opens start at the first sound, and the decision comes
    # as much earlier
    cfg = CFG.replace(conversation={"agent_onset_backtrack_s": 0.3})
    a = soft_lead_in(party_rows([(3.0, 5.0)], 7.0, 120.0), 3.0, 0.2)
    c = party_rows([(0.0, 6.0)], 7.0, 210.0)
    n = len(a)
    clean = np.zeros(n, bool)
    clean[round(clean_from_s / HOP_S):] = True

    def track(block):
        tr = ConversationTracker(cfg, telephone_agent=telephone)
        assert tr.telephone_agent is telephone
        evs = []
        for i in range(0, n, block):
            evs += tr.process(a[i : i + block], c[i : i + block], cancelled=clean[i : i + block])
        return evs

    evs = track(n)
    fin = final_events(evs)
    seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
    assert seg[0].start_s == pytest.approx(want_s)
    (it,) = kinds(evs, "interruption")
    assert (it.by, it.start_s) == ("agent", pytest.approx(want_s))
    first = next(e for e in evs if e.kind == "interruption")
    assert first.decided_s == pytest.approx(want_s + C.min_overlap_s, abs=0.011)
    for block in (1, 7, 100):  # block-size invariance
        assert track(block) == evs


def test_agent_onset_backtrack_stops_at_its_background_and_previous_segment(rng):
    # a microphone with noise 25 dB over its floor between the agent's words: its background
    # is as loud as the soft first sound, and the onset stays; the walk never enters the
    # agent's previous segment either
    cfg = CFG.replace(conversation={"agent_onset_backtrack_s": 0.3})
    c = party_rows([(0.0, 6.0)], 7.0, 210.0)
    a = party_rows([(3.0, 5.0)], 7.0, 120.0)
    quiet = ~a.vad_raw
    a.loudness_db[quiet] = (-45.0 + rng.uniform(-3.0, 3.0, quiet.sum())).astype(np.float32)
    clean = np.ones(len(a), bool)
    fin = final_events(ConversationTracker(cfg, telephone_agent=True).process(
        a, c, cancelled=clean))
    seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
    assert seg[0].start_s == pytest.approx(3.0)
    a = soft_lead_in(party_rows([(2.0, 3.0), (3.28, 5.0)], 7.0, 120.0), 3.28, 0.5)
    fin = final_events(ConversationTracker(cfg, telephone_agent=True).process(
        a, c, cancelled=clean))
    seg = [e for e in fin if e.kind == "speech" and e.party == "agent"]
    assert [round(e.start_s, 2) for e in seg] == [2.0, 3.0]


def test_the_pipeline_backtracks_a_telephone_band_agent_only():
    from voicecoach.pipeline import CallAnalyzer

    assert CallAnalyzer(parties=2).tracker.telephone_agent is False
    assert CallAnalyzer(parties=2, source_rates_hz=(8000, 8000)).tracker.telephone_agent is True
    assert CallAnalyzer(parties=2, source_rates_hz=(16000, 8000)).tracker.telephone_agent is False


def test_onset_backtrack_stops_at_noise_on_the_line(rng):
    # babble on the far end's line, 25 dB over its floor between its words: the background is
    # as loud as the soft first sound, and the onset stays where the VAD put it
    a = party_rows([(0.0, 5.0)], 7.0, 120.0)
    c = party_rows([(2.5, 6.0)], 7.0, 210.0)
    quiet = ~c.vad_raw
    c.loudness_db[quiet] = (-45.0 + rng.uniform(-3.0, 3.0, quiet.sum())).astype(np.float32)
    fin = final_events(ConversationTracker(CFG).process(a, c))
    seg = [e for e in fin if e.kind == "speech" and e.party == "customer"]
    assert seg[0].start_s == pytest.approx(2.5)
    # babble spread over -50..-40 dBFS (90th percentile ~-41): a soft first sound at -37 dBFS,
    # under it + far_onset_backtrack_db, stays where the VAD put it (its median would move it)
    c.loudness_db[quiet] = (-45.0 + rng.uniform(-5.0, 5.0, quiet.sum())).astype(np.float32)
    c = soft_lead_in(c, 2.5, 0.2, level_db=-37.0)
    fin = final_events(ConversationTracker(CFG).process(a, c))
    seg = [e for e in fin if e.kind == "speech" and e.party == "customer"]
    assert seg[0].start_s == pytest.approx(2.5)
    # too little background heard (the far end speaks 1 s in: 0.5 s of it judged, under the
    # BACKGROUND_S / 4 needed): no backtrack either
    c = soft_lead_in(party_rows([(1.0, 6.0)], 7.0, 210.0), 1.0, 0.2)
    fin = final_events(ConversationTracker(CFG).process(a, c))
    seg = [e for e in fin if e.kind == "speech" and e.party == "customer"]
    assert seg[0].start_s == pytest.approx(1.0)


def test_block_invariance_with_backtrack_and_pauses(rng):
    a = party_rows([(0.0, 5.0), (7.0, 9.0)], 10.0, 120.0)
    c = soft_lead_in(party_rows([(2.5, 2.8), (3.1, 6.0), (8.0, 8.3)], 10.0, 210.0), 2.5, 0.4)
    c = soft_lead_in(c, 8.0, 0.15)
    whole = ConversationTracker(CFG).process(a, c)
    for _ in range(3):
        tr = ConversationTracker(CFG)
        evs, i = [], 0
        while i < len(a):
            n = int(rng.integers(1, 40))
            evs += tr.process(a[i : i + n], c[i : i + n])
            i += n
        assert evs == whole


@pytest.mark.parametrize(("pause_s", "cut_in"), [(0.3, True), (0.45, True), (0.6, False)])
def test_cutting_in_at_a_pause_inside_the_other_turn(pause_s, cut_in):
    # the customer talks 0-3 s, pauses, and goes on to 4.5 s; the agent starts at 2.8 s and
    # talks over the rest: a pause shorter than turn_gap_s does not end the customer's turn,
    # so the agent interrupted (decided once both speak min_overlap_s after its onset);
    # a longer pause ends it, and the agent's start was a turn-end overlap
    resume_s = 3.0 + pause_s
    _, evs = run([(2.8, 7.0)], [(0.0, 3.0), (resume_s, 4.5)], 8.0)
    its = kinds(evs, "interruption")
    teo = kinds(evs, "turn_end_overlap")
    assert (pause_s < C.turn_gap_s) == cut_in
    if cut_in:
        assert [(i.by, i.of, i.start_s, i.retracted) for i in its] == [
            ("agent", "customer", 2.8, False)]
        assert teo == []
        first = next(e for e in evs if e.kind == "interruption")
        assert first.decided_s == pytest.approx(
            max(2.8 + C.min_overlap_s, resume_s + C.speech_onset_s), abs=0.011)
    else:
        assert [(e.by, e.start_s, e.end_s) for e in teo] == [("agent", 2.8, 3.0)]
        assert all(i.by == "customer" for i in its)  # the customer's comeback, if any


@pytest.mark.parametrize(("pause_s", "joined"), [(0.3, True), (0.4, True), (0.6, False)])
def test_customer_pause_after_first_words_is_one_interruption(pause_s, joined):
    # the agent talks 0-6 s; the customer says a word at 2.0-2.25 s, pauses, then talks over
    # the agent to 7 s. A pause shorter than far_intrusion_join_s keeps it one intrusion: an
    # interruption from the first word, decided when the customer speaks again; a longer
    # pause makes the first word a backchannel and the rest a second intrusion
    resume_s = 2.25 + pause_s
    _, evs = run([(0.0, 6.0)], [(2.0, 2.25), (resume_s, 7.0)], 8.0)
    its = [(i.by, i.start_s, i.retracted) for i in kinds(evs, "interruption")]
    bcs = [(b.by, b.start_s) for b in kinds(evs, "backchannel")]
    assert (pause_s < C.far_intrusion_join_s) == joined
    if joined:
        assert its == [("customer", 2.0, False)]
        assert bcs == []
        first = next(e for e in evs if e.kind == "interruption")
        assert first.decided_s == pytest.approx(resume_s + C.speech_onset_s, abs=0.011)
    else:
        assert its == [("customer", resume_s, False)]
        assert bcs == [("customer", 2.0)]


def test_customer_backchannel_is_recorded_after_the_join_wait():
    # a lone 0.3 s backchannel: recorded once the customer stayed silent far_intrusion_join_s
    _, evs = run([(0.0, 6.0)], [(2.0, 2.3)], 7.0)
    bc = [e for e in evs if e.kind == "backchannel"]
    assert [(b.by, b.start_s, b.end_s) for b in bc] == [("customer", 2.0, 2.3)]
    assert bc[0].decided_s == pytest.approx(2.3 + C.far_intrusion_join_s, abs=0.011)
    assert kinds(evs, "interruption") == []


def test_agent_pause_is_not_joined():
    # the agent's microphone fragments (bleed, residual echo) are not welded: a 0.25 s agent
    # word and a pause of 0.3 s before it talks over the customer are a backchannel and an
    # interruption from the second onset
    _, evs = run([(2.0, 2.25), (2.55, 5.5)], [(0.0, 6.0)], 7.0)
    assert [(i.by, i.start_s) for i in kinds(evs, "interruption")] == [("agent", 2.55)]
    assert [(b.by, b.start_s) for b in kinds(evs, "backchannel")] == [("agent", 2.0)]


def test_customer_join_is_block_invariant(rng):
    a = party_rows([(0.0, 6.0)], 8.0, 120.0)
    c = party_rows([(1.0, 1.3), (2.0, 2.25), (2.6, 7.0)], 8.0, 210.0)
    whole = ConversationTracker(CFG).process(a, c)
    assert [(i.by, i.start_s) for i in kinds(whole, "interruption")] == [("customer", 2.0)]
    for _ in range(3):
        tr = ConversationTracker(CFG)
        evs, i = [], 0
        while i < len(a):
            n = int(rng.integers(1, 40))
            evs += tr.process(a[i : i + n], c[i : i + n])
            i += n
        assert evs == whole


@pytest.mark.parametrize("retract", [True, False])
def test_backchannel_then_a_turn_after_the_other_finished(retract):
    # the agent says "d'accord, oui" (0.7 s) over the customer, who finishes 0.3 s later; the
    # agent then answers 0.35 s after the customer's end (within retract_gap_s of its own
    # stop). The customer spoke to its end: a backchannel, then the agent's turn
    # (retract_if_other_stopped); without the rule, the answer made the interruption stand
    cfg = CFG.replace(conversation={"retract_if_other_stopped": retract})
    a = party_rows([(2.0, 2.7), (3.35, 6.0)], 7.0, 120.0)
    c = party_rows([(0.0, 3.0)], 7.0, 210.0)
    evs = ConversationTracker(cfg).process(a, c)
    fin = final_events(evs)
    (it,) = kinds(fin, "interruption")
    assert it.retracted == retract
    assert it.end_s == 2.7  # its first words: the answer is a turn of its own, not joined
    if not retract:  # it stands once the agent answers (its onset), not 0.3 s of speech later
        first = next(e for e in evs if e.kind == "interruption" and e.confirmed)
        assert first.decided_s == pytest.approx(3.35 + C.speech_onset_s, abs=0.011)
    bcs = [(b.by, b.start_s, b.end_s) for b in kinds(fin, "backchannel")]
    assert bcs == ([("agent", 2.0, 2.7)] if retract else [])
    turns = [(t.party, t.start_s) for t in kinds(fin, "turn")]
    assert ("agent", 3.35 if retract else 2.0) in turns


def test_interrupter_resuming_over_the_other_still_stands():
    # the same words, but the customer is still speaking when the agent goes on: it stands
    _, evs = run([(2.0, 2.7), (3.0, 6.0)], [(0.0, 4.0)], 7.0)
    (it,) = kinds(final_events(evs), "interruption")
    assert not it.retracted and it.by == "agent" and it.start_s == 2.0


def _agent_mixed_rows(duration_s, pattern, start_s=2.0, end_s=3.0):
    """Agent rows: alone at 0.0-0.8 s (-20 dBFS, 120 Hz), then from start_s to end_s raw hops
    cycling through ``pattern``: "o" the agent's own voice, "b" a quiet copy of the customer
    (210 Hz, -30 dBFS: 6 dB under the agent and 10 dB under the far end, the far end's F0)."""
    a = party_rows([(0.0, 0.8), (start_s, end_s)], duration_s, 120.0)
    i0, i1 = round(start_s / HOP_S), round(end_s / HOP_S)
    for j, i in enumerate(range(i0, i1)):
        if pattern[j % len(pattern)] == "b":
            a.f0_hz[i] = 210.0
            a.loudness_db[i] = -30.0
    return a


@pytest.mark.parametrize(("pattern", "interrupts"), [
    ("obbob", False),  # 60 % of the agent's raw hops are the far end's copy
    ("obooo", True),  # 20 %: the agent's own speech over the customer
])
def test_agent_speech_mostly_far_end_copy_is_no_interruption(pattern, interrupts):
    duration_s = 5.0
    a = _agent_mixed_rows(duration_s, pattern)
    c = party_rows([(1.0, 4.5)], duration_s, 210.0)
    tr = ConversationTracker(CFG)
    evs = tr.process(a, c)
    found = [e for e in kinds(evs, "interruption") if e.by == "agent"]
    assert bool(found) == interrupts, found
    # the rule off: the same rows are an interruption either way
    off = load_config(overrides={"conversation": {"intrusion_max_bleed_fraction": 1.0}})
    evs = ConversationTracker(off).process(a, c)
    assert [e for e in kinds(evs, "interruption") if e.by == "agent"]


@pytest.mark.parametrize(
    ("holder", "resume_s", "hold", "retracted"),
    [
        ("customer", 3.05, True, True),  # the holder resumes 0.45 s after its pause began
        ("agent", 3.05, True, True),
        ("customer", 3.05, False, False),  # without the rule its pause gave the floor away
        ("customer", 3.4, True, False),  # a 0.8 s pause: it did give way
        ("agent", 3.4, True, False),
    ],
)
def test_holder_pausing_after_a_decided_interruption(holder, resume_s, hold, retracted):
    # B says a 0.7 s backchannel (2.0-2.7 s) over A's turn; A pauses at 2.6 s, just before B
    # stops, and goes on at resume_s. The interruption was decided at 2.5 s; a pause shorter
    # than turn_gap_s keeps A's turn (hold_decided_interruptions): B said a long backchannel
    cfg = CFG.replace(conversation={"hold_decided_interruptions": hold})
    holder_spans = [(0.0, 2.6), (resume_s, 6.0)]
    b_spans = [(2.0, 2.7)]
    agent, cust = (holder_spans, b_spans) if holder == "agent" else (b_spans, holder_spans)
    _, evs = run(agent, cust, 7.0, config=cfg)
    fin = final_events(evs)
    (it,) = kinds(fin, "interruption")
    by = "customer" if holder == "agent" else "agent"
    assert it.by == by and it.start_s == 2.0
    assert bool(it.retracted) == retracted
    assert bool(it.confirmed) == (not retracted)
    assert [(b.by, b.start_s, b.end_s) for b in kinds(fin, "backchannel")] == (
        [(by, 2.0, 2.7)] if retracted else [])
    turns = [t.party for t in kinds(fin, "turn")]
    assert (by in turns) == (not retracted)
    for block in (1, 7, 100):  # block-size invariance
        assert run(agent, cust, 7.0, config=cfg, block=block)[1] == evs


def _echo_then_backchannel_rows(echo_db):
    """The customer's turn 1.0-6.0 s (210 Hz, -20 dBFS); the agent alone at 0.0-0.8 s (120 Hz,
    -20 dBFS), then 0.3 s of residual echo (the far end's 210 Hz, ``echo_db``) at 2.0 s and,
    0.06 s later (inside the hangover), its own 0.84 s backchannel (120 Hz, -14 dBFS)."""
    duration_s = 7.0
    a = party_rows([(0.0, 0.8), (2.0, 2.3), (2.36, 3.2)], duration_s, 120.0)
    i0, i1 = round(2.0 / HOP_S), round(2.3 / HOP_S)
    a.f0_hz[i0:i1] = 210.0
    a.loudness_db[i0:i1] = echo_db
    i2, i3 = round(2.36 / HOP_S), round(3.2 / HOP_S)
    a.loudness_db[i2:i3] = -14.0
    c = party_rows([(1.0, 6.0)], duration_s, 210.0)
    return a, c


@pytest.mark.parametrize(("echo_db", "suspect_db", "backchannel"), [
    (-22.0, 0.0, True),  # echo 2 dB under the far end: its hops do not lengthen the backchannel
    (-22.0, -120.0, False),  # the rule off: 1.2 s from the echo's onset, an interruption
    (-16.0, 0.0, False),  # 4 dB over the far end: not echo-suspect, the agent's own speech
])
def test_echo_suspect_hops_do_not_lengthen_a_backchannel(echo_db, suspect_db, backchannel):
    # the copy rule off: it would take the echo's hops for bleed outright (next test)
    cfg = CFG.replace(conversation={"echo_suspect_max_ratio_db": suspect_db,
                                    "bleed_copy_hops": 0})
    a, c = _echo_then_backchannel_rows(echo_db)
    evs = ConversationTracker(cfg).process(a, c)
    fin = final_events(evs)
    its = [e for e in kinds(fin, "interruption") if e.by == "agent"]
    assert len(its) == 1 and its[0].start_s == 2.0  # the onset is not moved
    assert bool(its[0].retracted) == backchannel
    bcs = [(b.start_s, b.end_s) for b in kinds(fin, "backchannel") if b.by == "agent"]
    assert bcs == ([(2.0, 3.2)] if backchannel else [])
    for block in (1, 7, 100):  # block-size invariance
        tr = ConversationTracker(cfg)
        got = []
        for i in range(0, len(a), block):
            got += tr.process(a[i : i + block], c[i : i + block])
        assert got == evs


def test_the_copy_rule_takes_the_echo_at_the_far_ends_pitch_for_bleed():
    """With the copy rule (the default), the 0.3 s of echo at the far end's F0 and 2 dB under
    it are bleed: the agent's only event is its own 0.84 s backchannel from 2.36 s."""
    assert CFG.conversation.bleed_copy_hops > 0
    a, c = _echo_then_backchannel_rows(-22.0)
    fin = final_events(ConversationTracker(CFG).process(a, c))
    its = [e for e in kinds(fin, "interruption") if e.by == "agent"]
    assert [(e.start_s, bool(e.retracted)) for e in its] == [(2.36, True)]
    assert [(b.start_s, b.end_s) for b in kinds(fin, "backchannel") if b.by == "agent"] == [
        (2.36, 3.2)]


def test_echo_suspect_is_ignored_once_the_canceller_took_over():
    a, c = _echo_then_backchannel_rows(-22.0)
    evs = ConversationTracker(CFG).process(a, c, cancelled=np.ones(len(a), bool))
    its = [e for e in kinds(final_events(evs), "interruption") if e.by == "agent"]
    assert len(its) == 1 and not its[0].retracted


def _backchannel_then_residual_rows(tail_db):
    """The customer's turn 1.0-6.0 s (210 Hz, -20 dBFS); the agent alone at 0.0-0.8 s, then a
    0.3 s backchannel at 2.0 s (120 Hz, -14 dBFS) whose raw VAD goes on for 0.9 s over hops at
    ``tail_db`` (the floor is -70 dBFS; at 150 Hz, a pitch the far end does not have, so that
    the bleed gate keeps them): residual echo held as speech, or babble."""
    duration_s = 7.0
    a = party_rows([(0.0, 0.8), (2.0, 3.2)], duration_s, 120.0)
    i0, i1, i2 = round(2.0 / HOP_S), round(2.3 / HOP_S), round(3.2 / HOP_S)
    a.loudness_db[i0:i1] = -14.0
    a.loudness_db[i1:i2] = tail_db
    a.f0_hz[i1:i2] = 150.0
    c = party_rows([(1.0, 6.0)], duration_s, 210.0)
    return a, c


@pytest.mark.parametrize(("tail_db", "overrides", "cancelled", "backchannel"), [
    (-67.0, {}, False, True),  # 3 dB over the floor: no speech going on
    (-67.0, {}, True, True),  # ... also where the canceller has taken over
    (-67.0, {"intrusion_min_snr_db": 0.0, "intrusion_max_drop_db": 0.0}, False, False),
    (-40.0, {}, False, True),  # 26 dB under the backchannel, canceller not taken over
    (-40.0, {}, True, False),  # ... taken over: the drop is not judged (a quiet word tail)
    (-40.0, {}, "tail", False),  # ... taken over on the tail only: its hops are not judged
    (-40.0, {"intrusion_max_drop_db": 0.0}, False, False),
    (-24.0, {}, False, False),  # 10 dB under it: the agent's own speech going on
])
def test_residual_after_a_backchannel_is_no_speech_going_on(tail_db, overrides, cancelled,
                                                            backchannel):
    # before: the raw VAD's 1.2 s made a decided (at 2.5 s) and long interruption; the hops
    # after the backchannel that are at the floor (intrusion_min_snr_db) or far under it
    # (intrusion_max_drop_db) neither lengthen it nor decide it: a 1.2 s backchannel event
    cfg = CFG.replace(conversation=overrides) if overrides else CFG
    a, c = _backchannel_then_residual_rows(tail_db)
    canc = np.full(len(a), cancelled is True)
    if cancelled == "tail":
        canc[round(2.3 / HOP_S) :] = True
    evs = ConversationTracker(cfg).process(a, c, cancelled=canc)
    fin = final_events(evs)
    its = [e for e in kinds(fin, "interruption") if e.by == "agent"]
    bcs = [(b.start_s, b.end_s) for b in kinds(fin, "backchannel") if b.by == "agent"]
    if backchannel:
        assert its == [] and bcs == [(2.0, 3.2)]
        assert "agent" not in [t.party for t in kinds(fin, "turn") if t.start_s > 1.0]
    else:
        assert len(its) == 1 and its[0].start_s == 2.0 and not its[0].retracted
        assert bcs == []
    for block in (1, 7, 100):  # block-size invariance
        tr = ConversationTracker(cfg)
        got = []
        for i in range(0, len(a), block):
            got += tr.process(a[i : i + block], c[i : i + block], cancelled=canc[i : i + block])
        assert got == evs


def test_the_echo_cancellers_linear_check_rejects_agent_hops_it_explains():
    """Agent hops that the canceller's linear check lowered by [echo] linear_check_db or more
    (the far end's copy, before the canceller took over) are not the agent's; on cancelled
    hops, or lowered less, they stay the agent's speech."""
    a, c = call_rows([(1.0, 1.8)], [(0.5, 3.0)], 4.0)
    n = len(a)
    drop = np.full(n, np.nan)
    drop[100:180] = CFG.echo.linear_check_db  # lowered by exactly linear_check_db
    tr = ConversationTracker(CFG)
    evs = tr.process(a, c, cancelled=np.zeros(n, bool), echo_drop=drop)
    assert not [e for e in final_events(evs) if getattr(e, "party", None) == "agent"
                or getattr(e, "by", None) == "agent"]
    for cancelled, d in ((np.ones(n, bool), drop), (np.zeros(n, bool), drop - 0.5)):
        tr = ConversationTracker(CFG)
        evs = tr.process(a, c, cancelled=cancelled, echo_drop=d)
        assert kinds(evs, "interruption") or kinds(evs, "backchannel")


def test_the_agents_onset_is_stricter_for_copy_like_hops_in_the_echos_early_window():
    """In the far end's first bleed_copy_far_s of speech, before the canceller has taken over,
    an agent segment made of copy-like hops (unvoiced, or at the far end's F0) needs
    speech_onset_echo_s of raw hops (a loudspeaker copy's 60-90 ms fragments are not speech);
    on cancelled hops, or in the agent's own voice, speech_onset_s."""
    frag = (1.00, 1.08)  # 80 ms of agent raw VAD while the customer speaks
    assert C.speech_onset_s < 0.08 < C.speech_onset_echo_s
    a, c = call_rows([frag], [(0.5, 2.5)], 3.0)
    n = len(a)
    # the agent's own voice (120 Hz against the customer's 210 Hz): a segment either way
    for cancelled in (np.zeros(n, bool), np.ones(n, bool)):
        evs = ConversationTracker(CFG).process(a, c, cancelled=cancelled)
        assert [e for e in final_events(evs) if e.kind == "speech" and e.party == "agent"]
    a.f0_hz[:] = np.nan  # unvoiced: copy-like (and no pitch for the bleed rules to judge)
    for cancelled, expect in ((np.zeros(n, bool), 0), (np.ones(n, bool), 1)):
        evs = ConversationTracker(CFG).process(a, c, cancelled=cancelled)
        segs = [e for e in final_events(evs) if e.kind == "speech" and e.party == "agent"]
        assert len(segs) == expect, (cancelled[0], segs)



def test_a_microphone_incoherent_with_the_far_end_has_no_copy_rule_nor_early_window():
    """The agent's 80 ms of unvoiced, copy-like hops in the echo's early window: no segment
    (speech_onset_echo_s) while the microphone's coherence with the far end is unknown (NaN)
    or a copy's (0.5); a segment (speech_onset_s) once it is known and under
    bleed_copy_coherence_min (no copy in the microphone). And an agent at the customer's very
    pitch, in the far end's first seconds, is taken for a copy only while coherence allows."""
    assert 0.02 < C.bleed_copy_coherence_min < 0.5
    a, c = call_rows([(1.00, 1.08)], [(0.5, 2.5)], 3.0)
    n = len(a)
    a.f0_hz[:] = np.nan
    for coh, expect in ((np.nan, 0), (0.5, 0), (0.02, 1)):
        evs = ConversationTracker(CFG).process(a, c, cancelled=np.zeros(n, bool),
                                               coherence=np.full(n, coh))
        segs = [e for e in final_events(evs) if e.kind == "speech" and e.party == "agent"]
        assert len(segs) == expect, (coh, segs)
    # the copy rule: the agent cuts in at the customer's F0 (a same-pitch voice)
    a, c = call_rows([(1.0, 2.2)], [(0.5, 3.0)], 3.5)
    n = len(a)
    a.f0_hz[:] = c.f0_hz[:]
    found = {}
    for coh in (np.nan, 0.02):
        evs = ConversationTracker(CFG).process(a, c, cancelled=np.zeros(n, bool),
                                               coherence=np.full(n, coh))
        found[coh != coh] = [e for e in kinds(final_events(evs), "interruption")
                             if e.by == "agent"]
    assert found[True] == []  # unknown: the copy rule takes it for the far end's copy
    assert len(found[False]) == 1 and found[False][0].start_s == pytest.approx(1.0, abs=0.1)
    with pytest.raises(ParameterError, match="coherence has 3 values"):
        ConversationTracker(CFG).process(a, c, coherence=np.zeros(3))



def _dt_config(hangover_s, after_s, mic_db=6.0):
    return CFG.replace(conversation={"double_talk_hangover_s": hangover_s,
                                     "double_talk_hangover_after_s": after_s,
                                     "double_talk_hangover_mic_db": mic_db})


def _run_mic(agent, cust, duration_s, config, mic):
    """As run(), with the microphone's level before the canceller: ``mic`` is a list of
    (start_s, end_s, dBFS) spans over a -70 dBFS floor."""
    a, c = call_rows(agent, cust, duration_s)
    level = np.full(len(a), -70.0)
    for x, y, db in mic:
        level[round(x / HOP_S) : round(y / HOP_S)] = db
    return ConversationTracker(config).process(a, c, mic_db=level)


def _classified(evs):
    return sorted(s for k in CLASSES for s in spans(evs, k))


def test_double_talk_hangover_bridges_the_agent_run_over_the_customer():
    # the agent talks over the customer (-20 dBFS, its echo -40 dBFS in the microphone); the
    # canceller's suppressor sank 0.4 s of the agent's voice, which the microphone still holds
    agent, cust = [(2.0, 3.5), (3.9, 5.0)], [(0.0, 6.0)]
    mic = [(0.0, 6.0, -40.0), (2.0, 5.0, -20.0)]
    evs = _run_mic(agent, cust, 7.0, CFG, mic)
    assert [s[1:3] for s in spans(evs, "speech") if s[1] >= 2.0] == [(2.0, 3.5), (3.9, 5.0)]
    evs = _run_mic(agent, cust, 7.0, _dt_config(0.6, 0.5), mic)
    assert [s[1:3] for s in spans(evs, "speech") if s[1] >= 2.0] == [(2.0, 5.0)]
    assert spans(evs, "interruption") == [("interruption", 2.0, 5.0, "agent", "customer")]
    # no microphone level (no canceller): no evidence, the 0.25 s hangover
    _, evs = run(agent, cust, 7.0, config=_dt_config(0.6, 0.5))
    assert [s[1:3] for s in spans(evs, "speech") if s[1] >= 2.0] == [(2.0, 3.5), (3.9, 5.0)]


def test_double_talk_hangover_keeps_a_backchannels_pieces_apart():
    # two short pieces of an agent's "mm-hmm ... yes" 0.35 s apart inside the customer's turn
    agent, cust = [(2.0, 2.4), (2.75, 3.1)], [(0.0, 6.0)]
    mic = [(0.0, 6.0, -40.0), (2.0, 3.1, -20.0)]
    base = _classified(_run_mic(agent, cust, 7.0, CFG, mic))
    assert {s[0] for s in base} == {"backchannel"}
    assert _classified(_run_mic(agent, cust, 7.0, _dt_config(0.6, 0.5), mic)) == base
    # without the guard they would be welded into one 1.1 s interruption
    welded = _classified(_run_mic(agent, cust, 7.0, _dt_config(0.6, 0.0), mic))
    assert [s[0] for s in welded] == ["interruption"]


def test_double_talk_hangover_only_while_the_customer_speaks():
    agent, cust = [(0.0, 2.0), (2.4, 3.0)], [(4.0, 5.0)]
    evs = _run_mic(agent, cust, 6.0, _dt_config(0.6, 0.5), [(0.0, 3.0, -20.0)])
    assert [s[1:3] for s in spans(evs, "speech") if s[1] < 4.0] == [(0.0, 2.0), (2.4, 3.0)]
    # the agent pausing 0.2 s after the customer stopped at 3.0 s (its level still within the
    # echo model's reach, the microphone holding the agent's voice): not bridged; the same
    # pause while the customer still speaks is
    mic = [(0.0, 1.0, -40.0), (1.0, 4.0, -20.0)]
    for cust, want in (([(0.0, 3.0)], [(1.0, 3.2), (3.5, 4.0)]), ([(0.0, 4.5)], [(1.0, 4.0)])):
        evs = _run_mic([(1.0, 3.2), (3.5, 4.0)], cust, 5.0, _dt_config(0.6, 0.5), mic)
        got = [(e.start_s, e.end_s) for e in kinds(evs, "speech") if e.party == "agent"]
        assert got == want, cust


def test_double_talk_hangover_does_not_bridge_a_yield():
    # the customer cuts in at 2.4, the agent yields at 3.0 and cuts back in at 3.5: in its
    # pause the microphone holds the customer's echo alone
    agent, cust = [(1.0, 3.0), (3.5, 6.0)], [(0.0, 0.8), (2.4, 5.0)]
    yield_mic = [(0.0, 0.8, -40.0), (1.0, 3.0, -20.0), (3.0, 3.5, -40.0), (3.5, 6.0, -20.0)]
    base = _classified(_run_mic(agent, cust, 7.0, CFG, yield_mic))
    assert ("interruption", 3.5, 5.0, "agent", "customer") in base
    assert _classified(_run_mic(agent, cust, 7.0, _dt_config(0.6, 0.5), yield_mic)) == base
    # the same pause with the agent's voice still in the microphone is bridged
    sunk_mic = [(0.0, 0.8, -40.0), (1.0, 6.0, -20.0)]
    evs = _run_mic(agent, cust, 7.0, _dt_config(0.6, 0.5), sunk_mic)
    assert ("interruption", 3.5, 5.0, "agent", "customer") not in _classified(evs)


@pytest.mark.parametrize("block", [1, 7, 100])
def test_double_talk_hangover_block_invariant(block):
    agent, cust = [(2.0, 3.5), (3.9, 5.0), (5.3, 5.5)], [(0.0, 6.0)]
    a, c = call_rows(agent, cust, 7.0)
    level = np.full(len(a), -40.0)
    level[200:500] = -20.0
    cfg = _dt_config(0.6, 0.5)
    whole = ConversationTracker(cfg).process(a, c, mic_db=level)
    tr = ConversationTracker(cfg)
    parts = []
    for i in range(0, len(a), block):
        parts += tr.process(a[i : i + block], c[i : i + block], mic_db=level[i : i + block])
    assert parts == whole
    assert [s[1:3] for s in spans(whole, "speech") if s[1] >= 2.0] == [(2.0, 5.0), (5.3, 5.5)]
