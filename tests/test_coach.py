"""The coach: table-driven rule tests on measure rows, then generated and real speech.

Table-driven tests feed :class:`RelativeMeasures` rows directly, so that the expected
times are exact hop arithmetic: a condition that turns on at hop ``a`` is sustained at hop
``a + sustain_s / hop_s - 1`` and the nudge shows at the end of that hop. They pin the
sustains to 3 s (pitch, loudness) and 4 s (rate), the floors to 2 st, 15 % and 6 dB, the
margins and caps of the personal thresholds, and the customer agitation to +3 st or +6 dB
held 1 s, whatever the shipped defaults.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess

import numpy as np
import pytest

from voicecoach.analysis import ChannelAnalyzer
from voicecoach.baseline import BaselineTracker, Profile, RelativeMeasures, calibrate_array
from voicecoach.coach import RULE_ORDER, Coach
from voicecoach.config import load_config
from voicecoach.errors import ConfigError, ParameterError
from voicecoach.events import (
    Interruption,
    Nudge,
    ResponseGap,
    Turn,
    event_to_dict,
    final_events,
)
from voicecoach.sources.synthetic import synth_speech

HOP = 0.01
SR = 16000


TABLE_RULES = {
    "pitch_high": {"sustain_s": 3.0, "threshold": 2.0, "hysteresis": 0.5},
    "rate_high": {"sustain_s": 4.0, "threshold": 15.0, "hysteresis": 5.0},
    "loudness_high": {"sustain_s": 3.0, "threshold": 6.0, "hysteresis": 2.0},
}
#: Personal-threshold margins and caps pinned for the table tests.
TABLE_PERSONAL = {
    "pitch_calm_margin_st": 1.0, "pitch_threshold_max_st": 3.0,
    "pitch_calm_prior_st": 2.0, "pitch_calm_prior_weight": 0.0,
    "rate_calm_margin_pct": 6.0, "rate_threshold_max_pct": 22.0,
    "loudness_calm_margin_db": 2.0, "loudness_threshold_max_db": 5.0,
}


def cfg(**coach):
    # repeat only if worse off: the table tests pin the cooldown alone (its own test turns it on)
    over = {"coach": {"agitation_pitch_st": 3.0, "agitation_loudness_db": 6.0,
                      "agitation_rule": "either", "agitation_sustain_s": 1.0,
                      "repeat_window_s": 0.0,
                      **TABLE_PERSONAL, "rules": TABLE_RULES, **coach}}
    return load_config(overrides=over)


def rows(duration_s: float, **fields) -> RelativeMeasures:
    """Measures over ``duration_s``; each field is a list of (start_s, end_s, value)."""
    t = np.arange(round(duration_s / HOP)) * HOP
    arrays = {}
    for name, segs in fields.items():
        a = np.full(t.shape, np.nan)
        for a0, a1, v in segs:
            a[(t >= a0 - 1e-9) & (t < a1 - 1e-9)] = v
        arrays[name] = a
    return RelativeMeasures.from_arrays(t, **arrays)


def brief(nudges: list[Nudge]) -> list[tuple]:
    """(rule, start_s, end_s) of the final version of each nudge, rounded to the hop."""
    out = []
    for n in final_events(nudges):
        end = None if n.end_s is None else round(n.end_s, 2)
        out.append((n.rule, round(n.start_s, 2), end))
    return out


def run(coach: Coach, agent: RelativeMeasures, customer=None, events=(), finish=False):
    out = coach.process_measures(agent, customer, events)
    return out + (coach.finish() if finish else [])


# --------------------------------------------------------------------------- measured rules

# (values of pitch_delta_st as segments, expected final nudges)
PITCH_CASES = {
    "sustained 3 s fires at the end of the 300th hop": (
        [(1.0, 10.0, 3.0)], [("pitch_high", 4.0, None)]),
    "below threshold never fires": ([(1.0, 30.0, 1.9)], []),
    "exactly the threshold turns it on": ([(1.0, 10.0, 2.0)], [("pitch_high", 4.0, None)]),
    "one hop short of the sustain": ([(1.0, 3.99, 3.0), (3.99, 10.0, 0.0)], []),
    "hysteresis keeps it on between 1.5 and 2": (
        [(1.0, 2.0, 3.0), (2.0, 10.0, 1.6)], [("pitch_high", 4.0, None)]),
    "exactly the release level keeps it on": (
        [(1.0, 6.0, 3.0), (6.0, 10.0, 1.5)], [("pitch_high", 4.0, None)]),
    "dropping under threshold - hysteresis resets": (
        [(1.0, 2.0, 3.0), (2.0, 2.01, 1.4), (2.01, 4.5, 3.0), (4.5, 10.0, 0.0)], []),
    "closes when it falls under the release level": (
        [(1.0, 6.0, 3.0), (6.0, 10.0, 1.49)], [("pitch_high", 4.0, 6.01)]),
    "NaN shorter than episode_gap_s neither breaks nor counts": (
        [(1.0, 2.0, 3.0), (2.0, 3.5, math.nan), (3.5, 10.0, 3.0)],
        [("pitch_high", 5.5, None)]),
    "a longer NaN stretch (a turn change) ends an episode not nudged yet": (
        [(1.0, 2.0, 3.0), (2.0, 7.0, math.nan), (7.0, 12.0, 3.0)],
        [("pitch_high", 10.0, None)]),
    "a NaN stretch does not close a nudge already shown": (  # nor end its episode: no
        [(1.0, 5.0, 3.0), (5.0, 10.0, math.nan), (10.0, 30.0, 3.0)],  # second one at 24 s
        [("pitch_high", 4.0, None)]),
    "one nudge per episode however long": ([(1.0, 60.0, 3.0)], [("pitch_high", 4.0, None)]),
    "cooldown delays the second episode": (
        [(1.0, 6.0, 3.0), (6.0, 10.0, 0.0), (10.0, 40.0, 3.0)],
        [("pitch_high", 4.0, 6.01), ("pitch_high", 24.0, None)]),
    "an episode that ends inside the cooldown is dropped": (
        [(1.0, 6.0, 3.0), (6.0, 10.0, 0.0), (10.0, 20.0, 3.0), (20.0, 40.0, 0.0)],
        [("pitch_high", 4.0, 6.01)]),
}


@pytest.mark.parametrize("case", list(PITCH_CASES))
def test_pitch_rule_table(case: str) -> None:
    segs, expect = PITCH_CASES[case]
    coach = Coach(cfg(), lang="fr")
    duration = max(b for _, b, _ in segs)
    out = run(coach, rows(duration, pitch_delta_st=segs))
    assert brief(out) == expect
    for n in out:
        assert n.message == "Baissez le ton" and n.party == "agent" and n.threshold == 2.0
        # the value shown is the episode's peak, never one sunk into the hysteresis band
        assert n.value >= n.threshold and n.value == max(v for _, _, v in segs)


@pytest.mark.parametrize(
    ("rule", "field", "high", "low", "sustain", "message"),
    [
        ("rate_high", "rate_delta_pct", 20.0, 9.0, 4.0, "Ralentissez"),
        ("loudness_high", "loudness_delta_db", 7.0, 3.0, 3.0, "Parlez moins fort"),
    ],
)
def test_rate_and_loudness_rules(rule, field, high, low, sustain, message) -> None:
    coach = Coach(cfg())
    r = coach.config.coach.rules[rule]
    just_over_release = r.threshold - r.hysteresis + 0.01
    segs = [(1.0, 2.0, high), (2.0, 1.0 + sustain, just_over_release), (1.0 + sustain, 9.0, high),
            (9.0, 12.0, low)]
    out = run(coach, rows(12.0, **{field: segs}))
    assert brief(out) == [(rule, 1.0 + sustain, 9.01)]
    assert out[0].message == message
    # the episode's peak (the value when it fired sits in the hysteresis band, under the
    # threshold shown beside it: "10.0 >= 15" read as a contradiction in the report)
    assert out[0].value == pytest.approx(high)
    assert out[-1].recovered_after_s == pytest.approx(9.01 - (1.0 + sustain))


def test_global_gap_and_priority() -> None:
    coach = Coach(cfg())
    # pitch due at 4.0; loudness due at 5.0 waits for the 8 s global gap: 12.0
    out = run(coach, rows(
        20.0,
        pitch_delta_st=[(1.0, 20.0, 3.0)],
        loudness_delta_db=[(2.0, 20.0, 8.0)],
    ))
    assert brief(out) == [("pitch_high", 4.0, None), ("loudness_high", 12.0, None)]
    # both due on the same hop: loudness_high ranks first
    coach = Coach(cfg())
    out = run(coach, rows(
        20.0, pitch_delta_st=[(1.0, 20.0, 3.0)], loudness_delta_db=[(1.0, 20.0, 8.0)]
    ))
    assert brief(out) == [("loudness_high", 4.0, None), ("pitch_high", 12.0, None)]
    # the gap is max(global_gap_s, display_s): a longer display holds the next nudge back
    coach = Coach(cfg(global_gap_s=8.0, display_s=10.0))
    out = run(coach, rows(
        20.0, pitch_delta_st=[(1.0, 20.0, 3.0)], loudness_delta_db=[(2.0, 20.0, 8.0)]
    ))
    assert brief(out) == [("pitch_high", 4.0, None), ("loudness_high", 14.0, None)]


def test_a_nudge_shown_in_a_pause_carries_the_last_measured_value() -> None:
    """A due nudge held back by the gates may be shown on a pause hop (measure NaN): its
    value is the rule's last measured value, never NaN."""
    coach = Coach(cfg())
    out = run(coach, rows(
        20.0,
        pitch_delta_st=[(1.0, 20.0, 3.0)],
        loudness_delta_db=[(2.0, 11.5, 8.0), (13.0, 20.0, 8.0)],  # a pause at 11.5-13 s
    ))
    assert brief(out) == [("pitch_high", 4.0, None), ("loudness_high", 12.0, None)]
    assert out[1].value == pytest.approx(8.0)


def test_no_zero_length_nudge() -> None:
    """A nudge's condition held sustain_s of measured hops; it ends after it started."""
    coach = Coach(cfg())
    # on for exactly the sustain, then off at once: fires at 4.0, closes one hop later
    out = run(coach, rows(10.0, pitch_delta_st=[(1.0, 4.0, 3.0), (4.0, 10.0, 0.0)]))
    assert brief(out) == [("pitch_high", 4.0, 4.01)]
    # NaN hops (a pause under episode_gap_s) do not count towards the sustain
    coach = Coach(cfg())
    out = run(coach, rows(14.0, pitch_delta_st=[(1.0, 3.0, 3.0), (4.5, 6.5, 3.0),
                                                (6.5, 14.0, 0.0)]))
    assert brief(out) == [("pitch_high", 5.5, 6.51)]
    for n in final_events(out):
        assert n.end_s is None or n.end_s > n.start_s


def test_sustain_is_measured_time_on_noisy_measures() -> None:
    """Random measures around the threshold: every nudge's condition held sustain_s."""
    rng = np.random.default_rng(3)
    t = np.arange(60_000) * HOP
    x = 2.0 + np.cumsum(rng.normal(0, 0.05, t.size)).clip(-3, 3)
    x[rng.random(t.size) < 0.2] = np.nan
    coach = Coach(cfg())
    out = run(coach, RelativeMeasures.from_arrays(t, pitch_delta_st=x), finish=True)
    assert out
    for n in final_events(out):
        assert n.end_s is None or n.end_s > n.start_s
        k = round(n.start_s / HOP) - 1  # the hop that decided it
        seen = x[: k + 1][np.isfinite(x[: k + 1])]
        assert (seen[-300:] >= 1.5).all()  # not released (under 2 - 0.5) within 3 s
        assert seen[-300:][0] >= 1.5 and np.isfinite(x[k])


def _profile(**kw) -> Profile:
    base = dict(name="p", f0_median_hz=120.0, f0_median_st=13.6, f0_p10_st=12.0,
                f0_p90_st=15.0, f0_spread_st=3.0, syllable_rate_median=4.0,
                syllable_rate_spread=1.0, articulation_rate_median=5.0,
                articulation_rate_spread=1.5, loudness_db=-25.0,
                pitch_level_st=13.6, pitch_calm_st=1.4, pitch_drift_st=0.2,
                pitch_measured_s=25.0, rate_level_sps=5.0, rate_calm_pct=12.0,
                rate_drift_pct=2.0, rate_measured_s=25.0, loudness_level_db=-25.0,
                loudness_calm_db=2.0, loudness_drift_db=0.5, loudness_measured_s=28.0,
                speech_s=30.0, voiced_s=20.0, provisional=False, source="test", created_utc="")
    base.update(kw)
    return Profile(**base)


# (profile changes, expected pitch_high, rate_high, loudness_high thresholds); defaults:
# margins 1 st, 6 %, 2 dB; floors 2 st, 15 %, 6 dB (pinned by cfg()); caps 3 st, 22 %, 5 dB
PERSONAL_CASES = {
    "calm excursion + margin": ({}, 2.4, 18.0, 6.0),
    "narrow calm spreads keep the floors": (
        {"pitch_calm_st": 0.5, "rate_calm_pct": 4.0, "loudness_calm_db": 1.0}, 2.0, 15.0, 6.0),
    "wide calm spreads are capped": (
        {"pitch_calm_st": 3.0, "rate_calm_pct": 30.0}, 3.0, 22.0, 6.0),
    "NaN calm spreads keep the floors": (
        {"pitch_calm_st": math.nan, "rate_calm_pct": math.nan}, 2.0, 15.0, 6.0),
}


@pytest.mark.parametrize("case", list(PERSONAL_CASES))
def test_personal_thresholds(case: str) -> None:
    changes, pitch, rate, loud = PERSONAL_CASES[case]
    coach = Coach(cfg(), profile=_profile(**changes))
    assert coach.personal_threshold("pitch_high") == pytest.approx(pitch)
    assert coach.personal_threshold("rate_high") == pytest.approx(rate)
    assert coach.personal_threshold("loudness_high") == pytest.approx(loud)
    # the shipped defaults: loudness floor 3.5 dB, margin 1 dB, cap 4.5 dB
    coach = Coach(load_config(), profile=_profile(loudness_calm_db=3.2))
    assert coach.personal_threshold("loudness_high") == pytest.approx(4.2)


# (profile changes, rule, expected verdict start or None)
VERDICT_CASES = {
    "a sound profile judges": ({}, "pitch_high", None),
    "too little measured speech": ({"pitch_measured_s": 8.0}, "pitch_high",
                                   "baseline too thin to judge: 8.0 s"),
    "halves disagree": ({"rate_drift_pct": 15.0}, "rate_high", "baseline unstable"),
    # the limit is 0.75 of the personal threshold (18 %: 13.5), not of the floor (15 %: 11.25)
    "halves within the personal threshold's share": ({"rate_drift_pct": 12.5}, "rate_high",
                                                     None),
    "calm too variable for the cap": ({"pitch_calm_st": 2.5}, "pitch_high",
                                      "calm speech too variable to judge"),
}


@pytest.mark.parametrize("case", list(VERDICT_CASES))
def test_baseline_verdicts_silence_the_rule(case: str) -> None:
    changes, rule, verdict = VERDICT_CASES[case]
    coach = Coach(cfg(), profile=_profile(**changes), lang="en")
    got = coach.baseline_verdict(rule)
    assert (got is None) if verdict is None else got.startswith(verdict)
    field = {"pitch_high": "pitch_delta_st", "rate_high": "rate_delta_pct"}[rule]
    out = run(coach, rows(20.0, **{field: [(1.0, 20.0, 40.0)]}))
    assert [n.rule for n in out] == ([] if verdict else [rule])
    assert coach.summary()["baseline"]["verdicts"][rule] == got


def test_personal_threshold_drives_the_rule() -> None:
    # calm excursion 1.4 st + 1 st margin: threshold 2.4 st, release at 1.9 st
    coach = Coach(cfg(), profile=_profile())
    assert run(coach, rows(10.0, pitch_delta_st=[(1.0, 10.0, 2.3)])) == []
    coach = Coach(cfg(), profile=_profile())
    out = run(coach, rows(10.0, pitch_delta_st=[(1.0, 6.0, 2.5), (6.0, 10.0, 1.95)]))
    assert brief(out) == [("pitch_high", 4.0, None)] and out[0].threshold == pytest.approx(2.4)
    assert coach.summary()["above_threshold_s"]["pitch_high"] == pytest.approx(5.0)
    # without a profile (process_measures only), set_threshold_profile supplies one
    coach = Coach(cfg())
    assert coach.threshold_profile is None and coach.personal_threshold("pitch_high") == 2.0
    coach.set_threshold_profile(_profile())
    assert coach.personal_threshold("pitch_high") == pytest.approx(2.4)
    # de-escalation halves the personal threshold
    assert coach.effective_threshold("pitch_high", deescalating=True) == pytest.approx(1.2)
    with pytest.raises(ParameterError, match=r"must be a voicecoach\.baseline\.Profile"):
        coach.set_threshold_profile({"pitch_calm_st": 3.0})  # type: ignore[arg-type]


def test_deescalation_tightens_agent_thresholds() -> None:
    agent = rows(30.0, pitch_delta_st=[(0.0, 30.0, 1.2)])
    calm_customer = rows(30.0, utterance_pitch_delta_st=[(0.0, 30.0, 0.5)])
    assert run(Coach(cfg()), agent, calm_customer) == []
    angry = rows(30.0, utterance_pitch_delta_st=[(0.0, 30.0, 4.0)])  # above 3 st
    coach = Coach(cfg())
    out = run(coach, agent, angry)
    # agitated after 1 s (100 hops) of measured agitation: hop 99; the threshold halves
    # to 1 st and the agent's 1.2 st is on from hop 99: due at hop 398
    assert brief(out) == [("pitch_high", 3.99, None)]
    assert out[0].threshold == 1.0 and coach.deescalating
    s = coach.summary()
    assert s["deescalation_s"] == pytest.approx(29.01) and s["customer_agitated_s"] > 28.9
    # above_threshold_s counts against the effective (halved) threshold: from hop 99 on
    assert s["above_threshold_s"]["pitch_high"] == pytest.approx(29.01)
    # a rule with deescalate = false keeps its threshold
    fixed = cfg(rules={**TABLE_RULES, "pitch_high": {**TABLE_RULES["pitch_high"],
                                                     "deescalate": False}})
    coach = Coach(fixed)
    assert run(coach, agent, angry) == [] and coach.deescalating


def test_deescalation_holds_then_lapses() -> None:
    c = cfg()
    hold = c.coach.agitation_hold_s
    angry = rows(40.0, utterance_loudness_delta_db=[(0.0, 2.0, 8.0), (2.0, 40.0, 0.0)])
    coach = Coach(c)
    run(coach, rows(40.0), angry)
    # agitated from hop 99 to hop 199 (t + hop = 2.0): de-escalation until 2.0 + hold
    assert coach.summary()["deescalation_s"] == pytest.approx(2.0 + hold - 0.99, abs=0.011)
    assert not coach.deescalating


def test_agitation_flag_follows_the_customer_utterance() -> None:
    """On after agitation_sustain_s of an agitated utterance; off once a pause of
    [coach] agitation_carry_gap_s (longer than [baseline] utterance_gap_s) ends it; never
    on the calm utterance that follows."""
    c = cfg()  # agitation at +3 st held 1 s
    gap = round(c.coach.agitation_carry_gap_s / HOP)
    assert gap > round(c.baseline.utterance_gap_s / HOP)
    customer = rows(6.0, utterance_pitch_delta_st=[(0.0, 2.0, 5.0), (3.0, 6.0, 0.5)])
    coach = Coach(c)
    run(coach, rows(6.0), customer)
    flag = coach.last_agitated
    assert not flag[:99].any() and flag[99:200].all()  # on at the 100th measured hop
    assert flag[200 : 200 + gap - 1].all() and not flag[200 + gap - 1 :].any()
    assert coach.summary()["customer_agitated_s"] == pytest.approx((101 + gap - 1) * HOP)


def test_agitation_flag_is_carried_through_a_short_pause() -> None:
    """A pause longer than utterance_gap_s but shorter than agitation_carry_gap_s starts a
    new utterance (its measures restart, pitch NaN until utterance_min_voiced_s) but keeps
    the flag on until the new utterance's pitch is measured; then the release levels
    decide. Without the carry (agitation_carry_gap_s = 0) the flag drops at the pause."""
    c = load_config()
    cc = c.coach
    pause = (c.baseline.utterance_gap_s + cc.agitation_carry_gap_s) / 2
    assert c.baseline.utterance_gap_s < pause < cc.agitation_carry_gap_s
    p_hi, q_hi = cc.agitation_pitch_st + 2.0, cc.agitation_loudness_db + 2.0
    b0 = 1.0 + pause  # the second utterance starts; its pitch is measured from b0 + 0.5
    b1 = b0 + 0.5

    def customer(p2: float) -> RelativeMeasures:
        return rows(
            4.0,
            utterance_pitch_delta_st=[(0.0, 1.0, p_hi), (b1, 4.0, p2)],
            utterance_loudness_delta_db=[(0.0, 1.0, q_hi), (b0, 4.0, q_hi)],
        )

    k0, k1 = round(b0 / HOP), round(b1 / HOP)
    coach = Coach(c)
    run(coach, rows(4.0), customer(p_hi))  # still agitated after the pause
    assert coach.last_agitated[50:].all()
    coach = Coach(c)
    run(coach, rows(4.0), customer(0.0))  # calm once measured: off at that hop
    flag = coach.last_agitated
    assert flag[50:k1].all() and not flag[k1:].any()
    c0 = load_config(overrides={"coach": {"agitation_carry_gap_s": 0.0}})
    coach = Coach(c0)
    run(coach, rows(4.0), customer(p_hi))
    flag = coach.last_agitated
    gap = round(c.baseline.utterance_gap_s / HOP)
    assert flag[50 : 100 + gap - 1].all() and not flag[100 + gap - 1 : k1].any()
    assert not flag[k0 : k1 + round(cc.agitation_sustain_s / HOP) - 1].any()
    bad = load_config(overrides={"coach": {"agitation_carry_gap_s": -1.0}})
    with pytest.raises(ParameterError, match=r"agitation_carry_gap_s must be in \[0, 10\] s"):
        Coach(bad)


def test_agitation_needs_pitch_and_loudness_together() -> None:
    """agitation_rule = "both" (the default): +5 st alone or +8 dB alone is not agitation
    (a question, an emphasis, a start close to the microphone); both together are, after
    agitation_sustain_s of measured hops; "either" takes one cue."""
    c = load_config()
    assert c.coach.agitation_rule == "both"
    p, q = c.coach.agitation_pitch_st + 2.0, c.coach.agitation_loudness_db + 2.0
    need = round(c.coach.agitation_sustain_s / HOP)
    cases = {
        "pitch alone": rows(3.0, utterance_pitch_delta_st=[(0.0, 3.0, p)],
                            utterance_loudness_delta_db=[(0.0, 3.0, 0.0)]),
        "loudness alone": rows(3.0, utterance_pitch_delta_st=[(0.0, 3.0, 0.0)],
                               utterance_loudness_delta_db=[(0.0, 3.0, q)]),
        "both": rows(3.0, utterance_pitch_delta_st=[(0.0, 3.0, p)],
                     utterance_loudness_delta_db=[(0.0, 3.0, q)]),
        "both, loudness just under": rows(
            3.0, utterance_pitch_delta_st=[(0.0, 3.0, p)],
            utterance_loudness_delta_db=[(0.0, 3.0, c.coach.agitation_loudness_db - 0.01)]),
    }
    flags = {}
    for name, customer in cases.items():
        coach = Coach(c)
        run(coach, rows(3.0), customer)
        flags[name] = coach.last_agitated.copy()
    assert not flags["pitch alone"].any() and not flags["loudness alone"].any()
    assert not flags["both, loudness just under"].any()
    assert not flags["both"][: need - 1].any() and flags["both"][need - 1 :].all()
    # the sustain is held, not summed: two stretches of need - 5 hops split by 5 calm hops
    a, b = (need - 5) * HOP, (need - 5 + 5) * HOP
    split = rows(3.0, utterance_pitch_delta_st=[(0.0, 3.0, p)],
                 utterance_loudness_delta_db=[(0.0, a, q), (a, b, 0.0), (b, b + a, q),
                                              (b + a, 3.0, 0.0)])
    coach = Coach(c)
    run(coach, rows(3.0), split)
    assert not coach.last_agitated.any()
    either = load_config(overrides={"coach": {"agitation_rule": "either"}})
    coach = Coach(either)
    run(coach, rows(3.0), cases["pitch alone"])
    assert coach.last_agitated[need - 1 :].all()
    bad = load_config(overrides={"coach": {"agitation_rule": "any"}})
    with pytest.raises(ParameterError, match=r"agitation_rule must be 'both' .* got 'any'"):
        Coach(bad)


def test_agitation_flag_has_hysteresis() -> None:
    """Once on, the flag holds while both cues stay above threshold - release (an utterance
    measure that dips a little), and drops when one falls below it."""
    c = load_config()
    cc = c.coach
    need = round(cc.agitation_sustain_s / HOP)
    p_hi, q_hi = cc.agitation_pitch_st + 1.0, cc.agitation_loudness_db + 1.0
    p_dip = cc.agitation_pitch_st - cc.agitation_release_st / 2  # under on, over release
    p_low = cc.agitation_pitch_st - cc.agitation_release_st - 0.1  # under release
    customer = rows(
        4.0, utterance_pitch_delta_st=[(0.0, 1.0, p_hi), (1.0, 2.0, p_dip), (2.0, 4.0, p_low)],
        utterance_loudness_delta_db=[(0.0, 4.0, q_hi)],
    )
    coach = Coach(c)
    run(coach, rows(4.0), customer)
    flag = coach.last_agitated
    assert not flag[: need - 1].any() and flag[need - 1 : 200].all() and not flag[200:].any()
    # without the hysteresis the dip ends it
    c0 = load_config(overrides={"coach": {"agitation_release_st": 0.0}})
    coach = Coach(c0)
    run(coach, rows(4.0), customer)
    assert coach.last_agitated[need - 1 : 100].all() and not coach.last_agitated[100:].any()
    # the loudness cue has its own release level (agitation_release_db)
    q_dip = cc.agitation_loudness_db - cc.agitation_release_db / 2
    q_low = cc.agitation_loudness_db - cc.agitation_release_db - 0.1
    customer = rows(
        4.0, utterance_pitch_delta_st=[(0.0, 4.0, p_hi)],
        utterance_loudness_delta_db=[(0.0, 1.0, q_hi), (1.0, 2.0, q_dip), (2.0, 4.0, q_low)],
    )
    coach = Coach(c)
    run(coach, rows(4.0), customer)
    flag = coach.last_agitated
    assert not flag[: need - 1].any() and flag[need - 1 : 200].all() and not flag[200:].any()


def test_monotony_is_a_metric_not_a_nudge() -> None:
    # just under and just over monotony_spread_st (1.2 st)
    spread = [(0.0, 10.0, 1.15), (10.0, 20.0, 1.25)]
    coach = Coach(cfg())
    assert run(coach, rows(20.0, pitch_spread_st=spread)) == []
    mono = coach.summary()["monotony"]
    assert mono["fraction"] == 0.5 and mono["monotonous_s"] == 10.0
    on = load_config(overrides={"coach": {"rules": {"monotony": {"enabled": True}}}})
    # on under 1.2 st; held by the 0.3 st hysteresis at 1.4 st, off at 3 st
    spread = [(0.0, 10.0, 0.8), (10.0, 13.0, 1.4), (13.0, 20.0, 3.0)]
    out = run(Coach(on, lang="en"), rows(20.0, pitch_spread_st=spread))
    assert brief(out) == [("monotony", 7.0, 13.01)] and out[0].message == "Vary your tone"


# --------------------------------------------------------------------------- event rules


def interruption(start, decided, end=None, by="agent", id=7, confirmed=True):
    of = "customer" if by == "agent" else "agent"
    return Interruption(start_s=start, end_s=end, decided_s=decided, id=id, by=by, of=of,
                        confirmed=confirmed)


def test_interrupting_fires_when_confirmed_and_closes_with_the_overlap() -> None:
    coach = Coach(cfg(), lang="fr")
    evs = [
        interruption(5.0, 5.5, confirmed=False),  # decided: may still be a backchannel
        interruption(5.0, 6.0),  # the agent outlasted backchannel_max_s: confirmed
        interruption(5.0, 6.2, end=6.2),
        interruption(9.0, 9.5, by="customer", id=8),  # the customer's: no nudge
        interruption(20.0, 20.5, id=9),  # within the 20 s cooldown: suppressed
    ]
    out = run(coach, rows(40.0), events=evs)
    assert brief(out) == [("interrupting", 6.01, 6.2)]
    assert out[0].message == "Laissez-le finir" and out[0].end_s is None
    assert out[1].recovered_after_s == pytest.approx(6.2 - 6.01)
    s = coach.summary()
    assert s["nudges"]["interrupting"] == 1 and s["suppressed"]["interrupting"] == 1


def test_a_retracted_interruption_draws_no_nudge() -> None:
    # a long backchannel: decided live, closed unconfirmed, then retracted
    evs = [
        interruption(5.0, 5.5, confirmed=False),
        interruption(5.0, 5.95, end=5.7, confirmed=False),
        Interruption(start_s=5.0, end_s=5.7, decided_s=6.5, id=7, by="agent", of="customer",
                     retracted=True),
    ]
    coach = Coach(cfg())
    assert run(coach, rows(10.0), events=evs) == []
    assert coach.summary()["nudges"].get("interrupting", 0) == 0


def test_interruption_known_only_when_closed() -> None:
    out = run(Coach(cfg()), rows(10.0), events=[interruption(5.0, 6.0, end=6.0)])
    assert len(out) == 1 and brief(out) == [("interrupting", 6.01, 6.01)]


def test_monologue_fires_at_threshold_and_closes_with_the_turn() -> None:
    coach = Coach(cfg(), lang="fr")
    evs = [
        Turn(start_s=1.0, end_s=None, decided_s=1.2, id=3, party="agent"),
        Turn(start_s=1.0, end_s=50.0, decided_s=50.5, id=3, party="agent"),
        Turn(start_s=51.0, end_s=None, decided_s=51.2, id=4, party="agent"),
    ]
    out = run(coach, rows(80.0), events=evs)
    assert brief(out) == [("monologue", 41.0, 50.0)]  # the second turn is only 29 s old
    assert out[0].message == "Laissez-le parler" and out[0].value == pytest.approx(40.0)
    # a customer turn does not count
    out = run(Coach(cfg()), rows(60.0),
              events=[Turn(start_s=1.0, end_s=None, decided_s=1.2, id=3, party="customer")])
    assert out == []
    # once per turn: a 99 s turn draws no second nudge after the 20 s cooldown
    opened = [Turn(start_s=1.0, end_s=None, decided_s=1.2, id=3, party="agent")]
    assert brief(run(Coach(cfg()), rows(100.0), events=opened)) == [("monologue", 41.0, None)]
    # an agitated customer (from 1.0 s) halves the 40 s: 20 s into the turn
    angry = rows(30.0, utterance_pitch_delta_st=[(0.0, 30.0, 4.0)])
    out = run(Coach(cfg()), rows(30.0), angry, events=opened)
    assert brief(out) == [("monologue", 21.0, None)] and out[0].threshold == 20.0


def gap(start, length, id, party="agent"):
    """A response gap as the tracker emits it (negative ``length``: a turn-end overlap)."""
    after = "customer" if party == "agent" else "agent"
    a, b = sorted((start, start + length))
    return ResponseGap(start_s=a, end_s=b, decided_s=start + max(length, 0.0), id=id,
                       party=party, after=after, gap_s=length)


JUMP_CASES = {
    "three within 60 s": ([10.0, 20.0, 30.0], 0.15, [("jump_in", 30.16, 40.4)]),
    "negative gaps (turn-end overlaps) count": (
        [10.0, 20.0, 30.0], -0.1, [("jump_in", 30.01, 40.4)]),
    "gaps of jump_in_s do not count": ([10.0, 20.0, 30.0], 0.2, []),
    "the first has expired": ([10.0, 20.0, 75.0], 0.15, []),
    "customer gaps do not count": ([], 0.15, []),
}


@pytest.mark.parametrize("case", list(JUMP_CASES))
def test_jump_in_table(case: str) -> None:
    starts, length, expect = JUMP_CASES[case]
    evs = [gap(s, length, i + 1) for i, s in enumerate(starts)]
    evs += [gap(40.0, 0.4, 90), gap(45.0, 0.1, 91, party="customer")]
    evs.sort(key=lambda e: e.decided_s)
    coach = Coach(cfg(), lang="en")
    out = run(coach, rows(90.0), events=evs)
    assert brief(out) == expect
    if expect:
        assert out[0].message == "Take a pause" and out[0].value == 3.0


def test_finish_closes_open_nudges_unrecovered() -> None:
    coach = Coach(cfg())
    out = run(coach, rows(10.0, pitch_delta_st=[(0.0, 10.0, 3.0)]), finish=True)
    assert brief(out) == [("pitch_high", 3.0, 10.0)]
    assert out[-1].recovered_after_s is None
    eff = coach.summary()["efficacy"]["pitch_high"]
    assert eff == {"nudges": 1, "recovered": 0, "not_recovered": 1, "open": 0,
                   "median_recovered_after_s": None, "mean_recovered_after_s": None}


def test_nudge_report_schema_and_ids() -> None:
    coach = Coach(cfg(), lang="en", first_id=1000)
    out = run(coach, rows(30.0, pitch_delta_st=[(1.0, 6.0, 3.0), (6.0, 30.0, 0.0)],
                          loudness_delta_db=[(12.0, 18.0, 8.0)]), finish=True)
    assert [n.id for n in out] == [1000, 1000, 1001, 1001]
    d = event_to_dict(final_events(out)[0])
    assert {k: d[k] for k in ("kind", "rule", "party", "message", "threshold")} == {
        "kind": "nudge", "rule": "pitch_high", "party": "agent", "message": "Lower your tone",
        "threshold": 2.0}
    assert d["start_s"] == 4.0 and d["end_s"] == 6.01 and d["recovered_after_s"] == 2.01
    assert final_events(out)[1].recovered_after_s is None  # still high at the end


# --------------------------------------------------------------------------- streaming


def random_session(rng: np.random.Generator, n_s: float = 120.0):
    t = np.arange(round(n_s / HOP)) * HOP

    def walk(scale):
        steps = rng.normal(0, scale, t.size)
        x = np.cumsum(steps)
        x[rng.random(t.size) < 0.05] = np.nan
        return x

    agent_arrays = dict(
        pitch_delta_st=walk(0.08), rate_delta_pct=walk(1.0), loudness_delta_db=walk(0.2),
        pitch_spread_st=1.0 + np.abs(walk(0.05)),
    )
    customer_arrays = dict(
        utterance_pitch_delta_st=walk(0.1), utterance_loudness_delta_db=walk(0.2)
    )
    evs = []
    for i, s in enumerate(np.sort(rng.uniform(0, n_s - 2, 30))):
        k = int(rng.integers(0, 3))
        s = round(float(s), 2)  # decided on hop boundaries too
        if k == 0:
            evs += [interruption(s, s + 0.5, id=100 + i),
                    interruption(s, s + 1.0, end=s + 1.0, id=100 + i)]
        elif k == 1:
            evs.append(gap(s, 0.1, 200 + i))
        else:
            evs += [Turn(start_s=s, end_s=None, decided_s=s, id=300 + i, party="agent"),
                    Turn(start_s=s, end_s=s + 30, decided_s=s + 30.5, id=300 + i, party="agent")]
    evs.sort(key=lambda e: e.decided_s)
    # pauses of 0.2-3 s (drawn last: the walks and events stay as they were): the state
    # carried across blocks (utterance gaps, the agitation carry, episode gaps) sees them
    for arrays in (agent_arrays, customer_arrays):
        for a in rng.integers(0, t.size, 12):
            stop = a + int(rng.integers(20, 300))
            for x in arrays.values():
                x[a:stop] = np.nan
    agent = RelativeMeasures.from_arrays(t, **agent_arrays)
    customer = RelativeMeasures.from_arrays(t, **customer_arrays)
    return agent, customer, evs


def run_blocks(coach: Coach, agent, customer, evs, sizes):
    out, pos, i = [], 0, 0
    n = len(agent)
    while pos < n:
        k = min(sizes[i % len(sizes)], n - pos)
        t_end = agent.t_s[pos + k - 1] + HOP
        cut = sum(e.decided_s <= t_end + 1e-9 for e in evs)  # evs sorted by decided_s
        block_evs, evs = evs[:cut], evs[cut:]
        out += coach.process_measures(agent[pos:pos + k], customer[pos:pos + k], block_evs)
        pos += k
        i += 1
    return out + coach.finish()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coach_block_invariance_triad(seed: int) -> None:
    agent, customer, evs = random_session(np.random.default_rng(seed))
    coach = Coach()
    def ided(nudges):
        return [(n.id, n) for n in nudges]

    whole = ided(run_blocks(coach, agent, customer, evs, [len(agent)]))
    assert len({n.rule for _, n in whole}) >= 3  # the session exercises the rules
    summary = coach.summary()  # de-escalation, suppressed nudges: state the nudges may hide
    assert summary["deescalation_s"] > 0 and sum(summary["suppressed"].values()) > 0
    for sizes in ([1], [3, 250, 1, 77]):
        coach.reset()
        assert ided(run_blocks(coach, agent, customer, evs, sizes)) == whole
        assert coach.summary() == summary
    # the same call again without a reset is not the stream's next block: refused before
    # any state moves on (it used to run on, mixing the two calls' cooldowns and ids)
    with pytest.raises(ParameterError, match=r"t_s=0\.000 s but the coach expected .* feed"):
        run_blocks(coach, agent, customer, evs, [len(agent)])


def test_bad_arguments() -> None:
    msg = "language 'de' is not supported; choose one of fr, en"
    with pytest.raises(ParameterError, match=msg):
        Coach(lang="de")
    bad = load_config(overrides={"coach": {"deescalation_factor": 2.0}})
    with pytest.raises(ParameterError, match=r"deescalation_factor must be in \(0, 1\]"):
        Coach(bad)
    bad = load_config(overrides={"coach": {"rate_calm_margin_pct": -1.0}})
    with pytest.raises(ParameterError, match=r"coach.rate_calm_margin_pct must be in \[0, 100\]"):
        Coach(bad)
    with pytest.raises(ParameterError, match="same hops, got 3 and 2"):
        Coach().process_measures(rows(0.03), rows(0.02))
    later = dataclasses.replace(rows(0.03), t_s=rows(0.03).t_s + 1.0)
    with pytest.raises(ParameterError, match="agent and customer measures have different t_s"):
        Coach().process_measures(rows(0.03), later)
    coach = Coach()
    coach.process_measures(rows(0.03))
    with pytest.raises(ParameterError, match=r"t_s=1\.000 s but the coach expected 0\.030 s"):
        coach.process_measures(later)  # a gap of 0.97 s
    with pytest.raises(ParameterError, match=r"events must be voicecoach\.events\.Event instances"):
        Coach().process_measures(rows(0.03), None, [{"kind": "interruption"}])


def test_every_rule_has_config_and_messages() -> None:
    from voicecoach.i18n import MESSAGES

    c = load_config().coach
    assert set(c.rules) == set(RULE_ORDER)
    for lang in MESSAGES:
        assert set(MESSAGES[lang]) == set(RULE_ORDER)
        assert all(1 <= len(m.split()) <= 3 for m in MESSAGES[lang].values())


# --------------------------------------------------------------------------- generated speech

F0, RATE = 120.0, 5.0


@pytest.fixture(scope="module")
def calm_profile() -> Profile:
    y, _ = synth_speech(duration_s=40.0, f0_hz=F0, syllable_rate=RATE, snr_db=30.0, seed=21)
    return calibrate_array(y, SR, name="synth")


def coach_speech(y: np.ndarray, profile: Profile | None, lang="fr") -> tuple[list[Nudge], Coach]:
    coach = Coach(lang=lang, profile=profile)
    out = coach.process(ChannelAnalyzer().process(y))
    return out + coach.finish(), coach


def window(t, a, b, inside, outside):
    return np.where((t >= a) & (t < b), inside, outside)


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_plus_3_st_for_10_s_gives_one_pitch_nudge(calm_profile: Profile, seed: int) -> None:
    onset, sustain = 10.0, load_config().coach.rules["pitch_high"].sustain_s
    y, truth = synth_speech(duration_s=34.0, syllable_rate=RATE, snr_db=30.0, seed=seed,
                            f0_hz=lambda t: window(t, onset, onset + 10, F0 * 2 ** (3 / 12), F0))
    out, _ = coach_speech(y, calm_profile)
    final = final_events(out)
    assert [n.rule for n in final] == ["pitch_high"]
    # the raised voice starts with the first syllable in the segment (it may open in a pause)
    voice_onset = min(s.start_s for s in truth.syllables if s.start_s >= onset)
    delay = final[0].start_s - voice_onset
    # the 3.5 s of voiced speech (~5 s of this voice) must mostly refill, then the 2 s
    # sustain: 7.3-8.4 s here (6.3-6.5 s with a 1 s sustain), more than the 6 s
    # (the price of a measure and a sustain that calm real speech stays inside; see
    # README, coach on real voices)
    assert sustain <= delay <= 9.0, delay
    assert final[0].message == "Baissez le ton"
    # efficacy: the condition clears within ~1.5 s of the segment's end
    assert 0.0 <= final[0].end_s - (onset + 10) <= 4.0


def test_plus_1_st_gives_none(calm_profile: Profile) -> None:
    y, _ = synth_speech(duration_s=30.0, syllable_rate=RATE, snr_db=30.0, seed=34,
                        f0_hz=lambda t: window(t, 10.0, 16.0, F0 * 2 ** (1 / 12), F0))
    out, _ = coach_speech(y, calm_profile)
    assert out == []


@pytest.mark.parametrize("seed", [35, 36])
def test_plus_1_st_held_gives_no_pitch_nudge(calm_profile: Profile, seed: int) -> None:
    # +1 st from 10 s to the end (24 s of it: the pitch measure settles at +1 st) stays
    # under the personal threshold, while the same voice at +3 st is caught (above)
    y, _ = synth_speech(duration_s=34.0, syllable_rate=RATE, snr_db=30.0, seed=seed,
                        f0_hz=lambda t: np.where(t >= 10.0, F0 * 2 ** (1 / 12), F0))
    out, coach = coach_speech(y, calm_profile)
    assert [n.rule for n in final_events(out) if n.rule == "pitch_high"] == []
    # the shift was measured (not a silent rule or a NaN measure): the delta settles at ~+1 st
    assert coach.baseline_verdict("pitch_high") is None
    m = BaselineTracker(profile=calm_profile).process(ChannelAnalyzer().process(y))
    late = m.pitch_delta_st[(m.t_s >= 20.0) & np.isfinite(m.pitch_delta_st)]
    assert late.size and 0.5 <= float(np.median(late)) <= 1.6, np.median(late)


def rate_delay_bound_s(config, fast_sps: float) -> float:
    """Longest expected delay of ``rate_high`` after a step to ``fast_sps``: the whole
    interval window at the new rate, then the sustain, plus 1 s for pauses and the VAD.

    On generated speech at 5 syl/s stepped x1.25 that is 40 / 6.25 + 2 + 1 = 9.4 s: the
    issue's 6 s target for x1.25 is not met by this pace measure (a shorter window lets
    calm real speech cross the threshold; see the README's coach benchmark).
    """
    b, r = config.baseline, config.coach.rules["rate_high"]
    return b.rate_intervals / fast_sps + r.sustain_s + 1.0


def test_25_percent_faster_gives_rate_nudge(calm_profile: Profile) -> None:
    onset, sustain = 10.0, load_config().coach.rules["rate_high"].sustain_s
    y, _ = synth_speech(duration_s=30.0, f0_hz=F0, snr_db=30.0, seed=35,
                        syllable_rate=lambda t: window(t, onset, onset + 12, RATE * 1.25, RATE))
    out, _ = coach_speech(y, calm_profile, lang="en")
    final = final_events(out)
    assert [n.rule for n in final] == ["rate_high"]
    # the interval window must mostly refill, then the sustain
    assert sustain <= final[0].start_s - onset <= rate_delay_bound_s(load_config(), RATE * 1.25)
    assert final[0].message == "Slow down" and final[0].recovered_after_s is not None


def test_five_minutes_of_calm_speech_give_no_nudge() -> None:
    # the harder path: no profile, the provisional baseline of the first 30 s of speech
    y, _ = synth_speech(duration_s=300.0, f0_hz=F0, syllable_rate=RATE, snr_db=25.0, seed=36)
    out, coach = coach_speech(y, None)
    assert out == []
    s = coach.summary()
    assert s["baseline"]["agent_provisional"] and s["baseline"]["agent"]["provisional"]
    assert s["measured_s"]["pitch_high"] > 180.0  # speech hops only
    assert all(v < 1.0 for v in s["above_threshold_s"].values())


def test_agitated_customer_tightens_the_agent(calm_profile: Profile) -> None:
    """An agent at +1.5 st gets no nudge, unless the customer is agitated (+5 st, +6 dB:
    the default agitation rule wants both cues); +5 st alone is not agitation. (+1.5 st:
    over half the 2.5 st threshold for the 2 s sustain; +1.2 st, just under the halved
    1.25 st, no longer held it that long.)"""
    a, _ = synth_speech(duration_s=60.0, syllable_rate=RATE, snr_db=30.0, seed=37,
                        f0_hz=lambda t: window(t, 48.0, 58.0, F0 * 2 ** (1.5 / 12), F0))
    agent = ChannelAnalyzer().process(a)
    results = []
    for pitch_up, gain_db in ((0.0, 0.0), (5.0, 0.0), (5.0, 6.0)):
        y, _ = synth_speech(
            duration_s=60.0, syllable_rate=4.5, snr_db=30.0, seed=38, formant_scale=1.15,
            f0_hz=lambda t, up=pitch_up: window(t, 42.0, 60.0, 200 * 2 ** (up / 12), 200.0),
        )
        y = y.copy()
        y[42 * SR :] *= np.float32(10 ** (gain_db / 20))
        coach = Coach(profile=calm_profile)
        out = coach.process(agent, ChannelAnalyzer().process(y)) + coach.finish()
        assert coach.customer_baseline.ready_s < 42.0
        results.append((final_events(out), coach.summary()["customer_agitated_s"]))
    assert results[0] == ([], 0.0)
    assert results[1] == ([], 0.0)  # a higher voice alone is not agitation
    nudges, agitated_s = results[2]
    assert [n.rule for n in nudges] == ["pitch_high"] and agitated_s > 10.0
    half = coach.personal_threshold("pitch_high") * coach.config.coach.deescalation_factor
    assert nudges[0].threshold == pytest.approx(half) and nudges[0].start_s > 48.0


def test_demo_call_through_the_conversation_tracker(calm_profile: Profile) -> None:
    """Features -> ConversationTracker events -> Coach, on the generator's demo call."""
    from voicecoach import conversation
    from voicecoach.analysis import Analyzer
    from voicecoach.sources.synthetic import demo_script, synth_call

    script, info = demo_script()
    x, truth = synth_call(script, seed=3)
    analyzer, tracker = Analyzer(2), conversation.ConversationTracker()
    coach = Coach(profile=calm_profile, first_id=10**6)
    out = []
    for s in range(0, x.shape[0] // 160 * 160, 160 * 50):  # 0.5 s blocks
        agent, customer = analyzer.process(x[s : s + 160 * 50])
        out += coach.process(agent, customer, tracker.process(agent, customer))
    final = final_events(out + coach.finish())
    got = {n.rule: n for n in final}
    assert sorted(got) == ["interrupting", "pitch_high", "rate_high"], final
    onset = next(e["start_s"] for e in truth.events
                 if e["kind"] == "interruption" and e["by"] == "agent")
    # the nudge waits for the interruption to be confirmed (no longer a possible backchannel)
    confirm_s = coach.config.conversation.backchannel_max_s
    assert confirm_s <= got["interrupting"].start_s - onset <= confirm_s + 0.15
    for rule in ("pitch_high", "rate_high"):
        a, _ = info[rule]
        sustain = coach.config.coach.rules[rule].sustain_s
        # pitch: the 6 s; pace: its interval window must refill (see below)
        bound = 6.0 if rule == "pitch_high" else rate_delay_bound_s(coach.config, 5.0 * 1.25)
        assert sustain <= got[rule].start_s - a <= bound, (rule, got[rule])
        assert got[rule].recovered_after_s is not None


# --------------------------------------------------------------------------- real voice

FR_TEXT = (
    "Bonjour madame, je comprends tout à fait votre situation. Je vais regarder votre "
    "dossier avec attention. Votre commande a été expédiée lundi dernier, elle devrait "
    "arriver dans les prochains jours. Si elle n'arrive pas avant vendredi, je vous propose "
    "de me rappeler, et nous ouvrirons une réclamation auprès du transporteur. En attendant, "
    "je vous envoie un courriel avec le numéro de suivi. Vous pourrez ainsi suivre votre "
    "colis en temps réel sur le site. Est-ce que cela vous convient? Très bien. Je note "
    "également votre nouvelle adresse pour les prochaines livraisons. Avez-vous d'autres "
    "questions concernant votre contrat ou votre facture? Je reste à votre disposition."
)


@pytest.fixture(scope="module")
def espeak_voice(tmp_path_factory) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")
    import soundfile as sf
    import soxr

    path = tmp_path_factory.mktemp("espeak") / "fr.wav"
    subprocess.run([exe, "-v", "fr", "-w", str(path), FR_TEXT], check=True, timeout=60)
    y, sr = sf.read(path, dtype="float32")
    return soxr.resample(y, sr, SR).astype(np.float32)


def test_real_voice_shift_and_speed_up(espeak_voice: np.ndarray) -> None:
    """Calibrate on a (synthetic but non-parametric) real-voice recording; review copies.

    ``n_fft=512`` (32 ms) keeps the phase vocoder from smearing the intensity dips between
    syllables; at librosa's default 2048 (128 ms) about 15 % of the nuclei vanish and a
    25 % speed-up measures as +2 %.
    """
    import librosa

    y = espeak_voice
    profile = calibrate_array(y, SR, name="espeak", source="espeak-ng fr")
    shifted = librosa.effects.pitch_shift(y, sr=SR, n_steps=3, n_fft=512).astype(np.float32)
    faster = librosa.effects.time_stretch(y, rate=1.25, n_fft=512).astype(np.float32)
    n = lambda x: x[: x.shape[0] // 160 * 160]  # noqa: E731
    got = {}
    for name, x in (("orig", y), ("shift", shifted), ("fast", faster)):
        out, _ = coach_speech(n(x), profile)
        got[name] = sorted({e.rule for e in final_events(out)})
    assert got == {"orig": [], "shift": ["pitch_high"], "fast": ["rate_high"]}


def test_baseline_tracker_is_what_the_coach_uses(calm_profile: Profile) -> None:
    y, _ = synth_speech(duration_s=10.0, f0_hz=F0, syllable_rate=RATE, seed=40)
    feats = ChannelAnalyzer().process(y)
    coach = Coach(profile=calm_profile)
    coach.process(feats)
    assert coach.last_agent.equals(BaselineTracker(profile=calm_profile).process(feats))


def test_pitch_calm_excursion_is_shrunk_toward_the_prior() -> None:
    # own calm excursion 0.5 st: alone it gives the 2 st floor (0.5 + 1 < 2); halfway to a
    # 2.0 st prior it is 1.25 st, so the threshold is 2.25 st and a calm 2.1 st stays quiet
    low = _profile(pitch_calm_st=0.5)
    shrunk = cfg(pitch_calm_prior_st=2.0, pitch_calm_prior_weight=0.5)
    coach = Coach(shrunk, profile=low)
    assert coach.calm_excursion("pitch_high") == pytest.approx(1.25)
    assert coach.personal_threshold("pitch_high") == pytest.approx(2.25)
    calm = rows(12.0, pitch_delta_st=[(1.0, 12.0, 2.1)])
    assert run(coach, calm) == []
    assert [n.rule for n in run(Coach(cfg(), profile=low), calm)] == ["pitch_high"]
    # a wide own excursion is pulled down (2.2 -> 1.85 st toward a 1.5 st prior): judged
    # (threshold 2.85 st) instead of too variable (3.2 st over the 3 st cap)
    wide = _profile(pitch_calm_st=2.2)
    assert Coach(cfg(), profile=wide, lang="en").baseline_verdict("pitch_high").startswith(
        "calm speech")
    coach = Coach(cfg(pitch_calm_prior_st=1.5, pitch_calm_prior_weight=0.5), profile=wide)
    assert coach.baseline_verdict("pitch_high") is None
    assert coach.personal_threshold("pitch_high") == pytest.approx(2.85)
    # only pitch is shrunk; NaN stays NaN (the floor applies)
    assert coach.calm_excursion("loudness_high") == pytest.approx(2.0)
    nan = Coach(shrunk, profile=_profile(pitch_calm_st=math.nan))
    assert nan.personal_threshold("pitch_high") == pytest.approx(2.0)
    # the shipped defaults: prior 2 st, weight 0 (off: the profile's own excursion)
    c = load_config().coach
    assert (c.pitch_calm_prior_st, c.pitch_calm_prior_weight) == (2.0, 0.0)
    with pytest.raises(ParameterError, match="pitch_calm_prior_weight"):
        Coach(cfg(pitch_calm_prior_weight=1.5))


def _rule_values(coach: Coach, rows, cuts: list[int] | None = None) -> dict[str, np.ndarray]:
    """The values the measured rules read over ``rows``, fed in blocks of ``cuts`` (cycled)."""
    if not cuts:
        coach.process(rows)
        return coach.last_rule_values
    parts: dict[str, list[np.ndarray]] = {}
    i, k = 0, 0
    while i < len(rows):
        b = cuts[k % len(cuts)]
        coach.process(rows[i : i + b])
        for name, v in coach.last_rule_values.items():
            parts.setdefault(name, []).append(v)
        i, k = i + b, k + 1
    return {name: np.concatenate(v) for name, v in parts.items()}


def test_in_call_condition_drops_a_lasting_offset_keeps_a_change() -> None:
    """``[coach] incall_*``: a rule reads ``min(delta vs the profile, delta vs the median of
    the speaker's own measure from incall_s + incall_lag_s to incall_lag_s seconds of speech
    ago + margin)``. A lasting offset (+5 dB from the start: another microphone placement)
    reads +5 dB until 10 s of history exist (after the 10 s lag), then about 0; a +6 dB step
    after a minute of calm speech reads in full through the lag, and fades once the louder
    speech fills the history. The display's deltas stay the profile's. Off, the rule reads
    the profile's delta; on, the values do not depend on the block cutting."""
    import dataclasses

    from tests.test_baseline import feature_rows
    from voicecoach.baseline.calibration import profile_from_features

    n = 12000
    rng = np.random.default_rng(5)
    f0 = 120.0 * 2 ** (rng.normal(0, 0.7, n) / 12)
    base = feature_rows(f0, True, loudness_db=rng.normal(-20, 1.5, n))
    own = profile_from_features(base[:3000], hop_s=0.01)
    over = {"incall_s": 30.0, "incall_lag_s": 10.0, "incall_min_s": 10.0,
            "incall_loudness": True, "incall_loudness_margin_db": 0.0}
    cfg = load_config(overrides={"coach": over})
    off_cfg = load_config(overrides={"coach": {"incall_s": 0.0}})
    up5 = dataclasses.replace(base, loudness_db=(base.loudness_db + 5.0).astype(np.float32))
    d_fix = _rule_values(Coach(off_cfg, profile=own), up5)["loudness_high"]
    co = Coach(cfg, profile=own)
    d_in = _rule_values(co, up5)["loudness_high"]
    assert np.nanmedian(d_fix[-2000:]) == pytest.approx(5.0, abs=0.3)
    assert np.array_equal(d_in[:1990], d_fix[:1990], equal_nan=True)
    assert abs(np.nanmedian(d_in[2100:])) < 0.3
    # the display's delta stays the profile's
    assert np.nanmedian(co.last_agent.loudness_delta_db[-2000:]) == pytest.approx(5.0, abs=0.3)
    step = base.loudness_db.copy()
    step[6000:] += 6.0
    stepped = dataclasses.replace(base, loudness_db=step.astype(np.float32))
    d_fix = _rule_values(Coach(off_cfg, profile=own), stepped)["loudness_high"]
    d_in = _rule_values(Coach(cfg, profile=own), stepped)["loudness_high"]
    assert np.nanmedian(d_fix[6400:7000]) == pytest.approx(6.0, abs=0.4)
    assert np.nanmedian(d_in[6400:7000]) == pytest.approx(6.0, abs=0.4)
    assert np.nanmedian(d_in[-1000:]) < 0.5
    # a margin of 1 dB lifts the in-call bound by 1 dB
    cfg_m = load_config(overrides={"coach": {**over, "incall_loudness_margin_db": 1.0}})
    d_m = _rule_values(Coach(cfg_m, profile=own), up5)["loudness_high"]
    assert np.nanmedian(d_m[-2000:]) == pytest.approx(np.nanmedian(d_in[-2000:]) + 1.0, abs=0.3)
    # pitch only when asked
    d_p = _rule_values(Coach(cfg, profile=own), up5)["pitch_high"]
    d_p_off = _rule_values(Coach(off_cfg, profile=own), up5)["pitch_high"]
    assert np.array_equal(d_p, d_p_off, equal_nan=True)
    # block-cutting invariance, all three rules on, with and without a profile
    both = load_config(overrides={"coach": {**over, "incall_pitch": True, "incall_rate": True}})
    nuc = np.zeros(n, bool)
    nuc[np.cumsum(rng.integers(15, 25, n // 15))[: n // 25]] = True
    rows = dataclasses.replace(stepped, nucleus=nuc)
    for prof in (own, None):
        whole = _rule_values(Coach(both, profile=prof), rows)
        cut = _rule_values(Coach(both, profile=prof), rows, [1, 7, 160, 3, 999])
        two = _rule_values(Coach(both, profile=prof), rows, [2])
        for name in whole:
            assert np.array_equal(whole[name], cut[name], equal_nan=True), name
            assert np.array_equal(whole[name], two[name], equal_nan=True), name
    with pytest.raises(ConfigError, match=r"need incall_s >= 0 \(0 = off\).*got -5.0"):
        load_config(overrides={"coach": {"incall_s": -5.0}})


def test_in_call_condition_on_the_pace_rule() -> None:
    """``incall_rate``: a tempo faster than the profile's from the start (+25 %: the profile
    read other material) reads +25 % until the in-call history exists, then about 0 (with a
    -5 % margin, about -5); a speed-up after a minute at the profile's tempo reads in full
    through the lag. Off, the profile's deltas."""
    from tests.test_baseline import feature_rows
    from voicecoach.baseline.calibration import profile_from_features

    n = 12000
    rng = np.random.default_rng(6)
    f0 = 120.0 * 2 ** (rng.normal(0, 0.7, n) / 12)

    def rows(period_rows: np.ndarray):
        t = np.cumsum(period_rows)
        nuc = np.zeros(n, bool)
        nuc[t[t < n].astype(int)] = True
        return feature_rows(f0, True, nuc, rng.normal(-20, 1.5, n))

    calm = rows(rng.integers(18, 23, n))  # ~5 syllables/s
    own = profile_from_features(calm[:3000], hop_s=0.01)
    over = {"incall_s": 30.0, "incall_rate": True, "incall_rate_margin_pct": 0.0}
    cfg = load_config(overrides={"coach": over})
    off_cfg = load_config(overrides={"coach": {"incall_s": 0.0}})
    fast = rows(np.round(rng.integers(18, 23, n) / 1.25).astype(int))
    d_fix = _rule_values(Coach(off_cfg, profile=own), fast)["rate_high"]
    d_in = _rule_values(Coach(cfg, profile=own), fast)["rate_high"]
    assert np.nanmedian(d_fix[-3000:]) == pytest.approx(25.0, abs=4.0)
    assert np.array_equal(d_in[:1990], d_fix[:1990], equal_nan=True)
    assert abs(np.nanmedian(d_in[-3000:])) < 3.0
    step = rows(np.r_[rng.integers(18, 23, 300), np.round(rng.integers(18, 23, n) / 1.25)])
    d_fix = _rule_values(Coach(off_cfg, profile=own), step)["rate_high"]
    d_in = _rule_values(Coach(cfg, profile=own), step)["rate_high"]
    onset = int(np.flatnonzero(step.nucleus)[300])  # the 300th nucleus: the speed-up
    late = slice(onset + 1000, onset + 1800)  # the window full of fast intervals, within the lag
    assert np.nanmedian(d_fix[late]) == pytest.approx(25.0, abs=5.0)
    assert np.nanmedian(d_in[late]) == pytest.approx(np.nanmedian(d_fix[late]), abs=3.0)
    plain = load_config(overrides={"coach": {"incall_s": 30.0, "incall_rate": False}})
    d_plain = _rule_values(Coach(plain, profile=own), step)["rate_high"]
    assert np.array_equal(d_plain, d_fix, equal_nan=True)
    # a margin of -5 % asks 5 points more over the in-call tempo: the lasting +25 % reads -5
    m5 = load_config(overrides={"coach": {**over, "incall_rate_margin_pct": -5.0}})
    d_m5 = _rule_values(Coach(m5, profile=own), fast)["rate_high"]
    d_fast = _rule_values(Coach(cfg, profile=own), fast)["rate_high"]
    assert np.nanmedian(d_m5[-3000:]) == pytest.approx(np.nanmedian(d_fast[-3000:]) - 5.0, abs=1.0)


def test_verdicts_speak_the_coachs_language_and_name_their_source() -> None:
    thin = _profile(pitch_measured_s=8.0)
    assert Coach(cfg(), profile=thin, lang="fr").baseline_verdict("pitch_high").startswith(
        "référence trop courte pour juger\u00a0: 8,0 s de parole calme")
    wide = _profile(pitch_calm_st=2.5)
    fr = Coach(cfg(), profile=wide, lang="fr").baseline_verdict("pitch_high")
    assert fr.startswith("parole calme trop variable pour juger\u00a0: elle atteint +2,5 dt "
                         "(calibrage, p95)")
    prov = Coach(cfg(), profile=wide.replace(provisional=True), lang="en").baseline_verdict(
        "pitch_high")
    assert "(the call's first minutes, p95)" in prov


def test_repeat_only_if_worse() -> None:
    """``[coach] repeat_window_s``: within the window after a prosody nudge, that rule fires
    again only above its threshold raised by the repeat step (per nudge in the window): the
    same excursion again draws no second nudge, a larger one does, and once the window is
    over the plain threshold is back. Off (0), the cooldown alone spaces the nudges. Other
    rules are not raised; the result does not depend on the block cutting."""
    # loudness: threshold 6 dB, hysteresis 2, sustain 3 s, cooldown 20 s (TABLE_RULES)
    same = [(1.0, 6.0, 7.0), (6.0, 30.0, 0.0), (30.0, 36.0, 7.0), (36.0, 40.0, 0.0)]
    worse = [*same[:2], (30.0, 36.0, 8.5), (36.0, 40.0, 0.0)]
    later = [(1.0, 6.0, 7.0), (6.0, 130.0, 0.0), (130.0, 136.0, 7.0), (136.0, 140.0, 0.0)]
    off = cfg()
    on = cfg(repeat_window_s=120.0, repeat_loudness_db=2.0)
    for c, case, want, held in (
        (off, same, [("loudness_high", 4.0, 6.01), ("loudness_high", 33.0, 36.01)], 0),
        (on, same, [("loudness_high", 4.0, 6.01)], 1),
        (on, worse, [("loudness_high", 4.0, 6.01), ("loudness_high", 33.0, 36.01)], 0),
        (on, later, [("loudness_high", 4.0, 6.01), ("loudness_high", 133.0, 136.01)], 0),
    ):
        agent = rows(case[-1][1], loudness_delta_db=case)
        co = Coach(c, lang="en")
        assert brief(run(co, agent)) == want
        # the summary counts the excursion the raise kept quiet (held for the 3 s sustain)
        assert co.summary()["held_back"] == {"pitch_high": 0, "rate_high": 0,
                                             "loudness_high": held}
    short = [*same[:2], (30.0, 32.9, 7.0), (32.9, 40.0, 0.0)]  # under the sustain: not counted
    co = Coach(on, lang="en")
    run(co, rows(40.0, loudness_delta_db=short))
    assert co.summary()["held_back"]["loudness_high"] == 0
    # the raised nudge reports the raised threshold; the raise stacks per nudge in the window
    agent = rows(40.0, loudness_delta_db=worse)
    second = final_events(run(Coach(on, lang="en"), agent))[1]
    assert second.threshold == pytest.approx(8.0)
    stack = [*same[:2], (30.0, 36.0, 8.5), (36.0, 60.0, 0.0), (60.0, 66.0, 9.5),
             (66.0, 70.0, 0.0)]
    agent = rows(70.0, loudness_delta_db=stack)
    assert [n.start_s for n in final_events(run(Coach(on, lang="en"), agent))] == \
        pytest.approx([4.0, 33.0])
    agent = rows(70.0, loudness_delta_db=[*stack[:4], (60.0, 66.0, 10.5), (66.0, 70.0, 0.0)])
    assert [n.start_s for n in final_events(run(Coach(on, lang="en"), agent))] == \
        pytest.approx([4.0, 33.0, 63.0])
    # the episode that fired keeps its release level (the nudge closes under 6 - 2 dB, not
    # under the raised 8 - 2); the display's threshold shows the raise once it is over
    co = Coach(on, lang="en")
    agent = rows(20.0, loudness_delta_db=[(1.0, 6.0, 7.0), (6.0, 12.0, 4.5), (12.0, 20.0, 0.0)])
    assert brief(run(co, agent)) == [("loudness_high", 4.0, 12.01)]
    assert co.effective_threshold("loudness_high") == pytest.approx(8.0)
    # another rule is not raised by a loudness nudge
    both = rows(40.0, loudness_delta_db=same, pitch_delta_st=[(20.0, 26.0, 3.0)])
    got = brief(run(Coach(on, lang="en"), both))
    assert got == [("loudness_high", 4.0, 6.01), ("pitch_high", 23.0, None)]
    # block cutting
    agent = rows(70.0, loudness_delta_db=stack)
    whole = brief(run(Coach(on, lang="en"), agent))
    co = Coach(on, lang="en")
    cut = []
    for a, b in ((0, 1), (1, 3000), (3000, 3001), (3001, 7000)):
        cut += co.process_measures(agent[a:b])
    assert brief(cut) == whole
    with pytest.raises(ConfigError, match="repeat_window_s"):
        cfg(repeat_window_s=-1.0)
