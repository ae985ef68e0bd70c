"""Tests for benchmarks.realcalls_compare: the candidate rule on paired realcalls results.

The results are built by hand (per-call counts as :func:`benchmarks.realcalls.score_call`
and :func:`~benchmarks.realcalls.speech_scores` write them), so each verdict is known.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import realcalls_compare as rcc


def _call(name: str, *, tp: int = 9, n_truth: int = 10, false: int = 0, bc: int = 10,
          bc_fa: int = 0, false_hops: int = 0) -> dict[str, Any]:
    return {
        "call": name, "n_truth": n_truth, "n_detected": tp + false, "tp": tp,
        "attributed": tp, "n_backchannel": bc, "n_backchannel_fa": bc_fa,
        "n_backchannel_fa_live": bc_fa, "n_backchannel_long": 0, "n_backchannel_long_fa": 0,
        "n_turn_end": 2, "n_turn_end_fa": 0, "latency_s": [0.5 + 0.01 * i for i in range(tp)],
        "missed": [float(i) for i in range(n_truth - tp)],
        "false": [100.0 + i for i in range(false)],
        "hops": 6000, "agent_alone_hops": 3000, "agent_alone_hit": 2900,
        "agent_overlap_hops": 500, "agent_overlap_hit": 450, "agent_false_hops": false_hops,
        "customer_alone_hops": 2000, "customer_alone_hit": 1950, "customer_overlap_hops": 500,
        "customer_overlap_hit": 450, "customer_false_hops": 0, "seconds": 60.0,
    }


def _result(n_calls: int = 10, telephone: bool = False) -> dict[str, Any]:
    conds = {c: {"per_call": [_call(f"call-{i}") for i in range(n_calls)]}
             for c in ("clean", "babble20", "bleed20_200ms")}
    conds["pure_echo"] = {"agent_speech_s_per_min": 0.0}  # not a call condition: ignored
    return {"split": "dev", "telephone": telephone, "conditions": conds}


def test_identical_results_change_nothing_and_do_not_pass():
    base = _result()
    res = rcc.compare(base, copy.deepcopy(base), n_boot=200)
    assert set(res["conditions"]) == {"clean", "babble20", "bleed20_200ms"}
    for r in res["conditions"].values():
        assert all(v == 0 for v in r["change"].values())
        assert r["interval_90"]["recall"] == [0.0, 0.0]
        assert r["changed_events"] == []
    assert not res["passed"]  # the rule asks for a higher mean recall
    assert res["failures"] == ["mean recall 0.9 -> 0.9 (not higher)"]


def test_a_found_interruption_passes_and_is_listed():
    base = _result()
    cand = copy.deepcopy(base)
    cand["conditions"]["clean"]["per_call"][3] = _call("call-3", tp=10)
    res = rcc.compare(base, cand, n_boot=300)
    assert res["passed"], res["failures"]
    clean = res["conditions"]["clean"]
    assert clean["change"]["recall"] == pytest.approx(0.01)
    lo, hi = clean["interval_90"]["recall"]
    assert lo <= 0.01 <= hi and lo >= 0.0
    assert clean["changed_events"] == [{"call": "call-3", "false": [[], []],
                                        "missed": [[0.0], []]}]
    assert res["mean_recall"][1] > res["mean_recall"][0]


def test_each_clause_of_the_rule_fails_on_its_own():
    base = _result()
    up = copy.deepcopy(base)
    up["conditions"]["clean"]["per_call"][0] = _call("call-0", tp=10)  # mean recall up
    # two false interruptions in 92 detections: precision 1.0 -> 0.978
    prec = copy.deepcopy(up)
    prec["conditions"]["bleed20_200ms"]["per_call"][1] = _call("call-1", false=2)
    res = rcc.compare(base, prec, n_boot=0)
    assert not res["passed"]
    assert res["failures"] == [
        "bleed20_200ms: precision 1.0 -> 0.9783 (more than 0.01 lower)"]
    assert res["conditions"]["bleed20_200ms"]["interval_90"] is None
    # the same drop passes a laxer rule
    assert rcc.compare(base, prec, n_boot=0, max_precision_drop=0.03)["passed"]
    # backchannels: 6 of 100 called interruptions
    bc = copy.deepcopy(up)
    bc["conditions"]["babble20"]["per_call"][2] = _call("call-2", bc_fa=6)
    assert rcc.compare(base, bc, n_boot=0)["failures"] == [
        "babble20: backchannels called interruptions 0.06 (over 0.05)"]
    # false agent speech: 1 s/min more in a bleed condition fails, in babble it is not judged
    fs = copy.deepcopy(up)
    for c in ("bleed20_200ms", "babble20"):
        fs["conditions"][c]["per_call"] = [_call(f"call-{i}", false_hops=100)
                                           for i in range(10)]
    assert rcc.compare(base, fs, n_boot=0)["failures"] == [
        "bleed20_200ms: agent false speech +1.0 s/min (over +0.5)"]


def test_results_of_other_calls_or_paths_are_refused():
    base = _result()
    other = copy.deepcopy(base)
    other["conditions"]["clean"]["per_call"][4]["call"] = "call-99"
    with pytest.raises(ValueError, match="'clean': the two results hold different calls"):
        rcc.compare(base, other)
    with pytest.raises(ValueError, match="differ in 'telephone'"):
        rcc.compare(base, _result(telephone=True))
    fewer = _result(n_calls=4)
    with pytest.raises(ValueError, match="10 against 4"):
        rcc.compare(base, fewer)


def test_the_bootstrap_is_paired_and_reproducible():
    base = _result(n_calls=20)
    cand = copy.deepcopy(base)
    cand["conditions"]["clean"]["per_call"][0] = _call("call-0", tp=10)
    cand["conditions"]["clean"]["per_call"][7] = _call("call-7", tp=10, false=1)
    a = rcc.compare(base, cand, n_boot=400, seed=3)
    b = rcc.compare(base, cand, n_boot=400, seed=3)
    assert a["conditions"]["clean"]["interval_90"] == b["conditions"]["clean"]["interval_90"]
    # unchanged conditions have a zero-width interval: the same calls are drawn for both
    assert a["conditions"]["babble20"]["interval_90"]["precision"] == [0.0, 0.0]
    lo, hi = a["conditions"]["clean"]["interval_90"]["precision"]
    assert lo < 0.0 <= hi


def test_command_line_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture):
    base = _result()
    cand = copy.deepcopy(base)
    cand["conditions"]["clean"]["per_call"][3] = _call("call-3", tp=10)
    pb, pc, out = tmp_path / "base.json", tmp_path / "cand.json", tmp_path / "cmp.json"
    pb.write_text(json.dumps(base))
    pc.write_text(json.dumps(cand))
    assert rcc.main([str(pb), str(pc), "--boot", "50", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "verdict: PASS" in text and "clean call-3" in text
    assert json.loads(out.read_text())["passed"] is True
    assert rcc.main([str(pb), str(pb), "--boot", "0"]) == 1
    assert "verdict: FAIL" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rows": []}))
    assert rcc.main([str(pb), str(bad)]) == 2
    assert "not a benchmarks.realcalls result" in capsys.readouterr().err
