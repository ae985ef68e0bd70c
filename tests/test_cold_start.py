"""The cold-start benchmark's pure parts (benchmarks/cold_start.py): the cut's truth and the
summary. The benchmark itself reviews 49 cuts per condition and start (minutes): it is run
by hand, its figures are in the README."""

from __future__ import annotations

import pytest

from benchmarks.cold_start import cut_truth, summary


def test_cut_truth_moves_the_events_onto_the_cuts_clock_and_keeps_those_inside() -> None:
    truth = [
        {"kind": "interruption", "start_s": 9.0, "end_s": 10.0, "by": "agent"},  # 0.5 s before
        {"kind": "interruption", "start_s": 9.6, "end_s": 11.0, "by": "agent"},  # just before
        {"kind": "backchannel", "start_s": 12.5, "end_s": 12.9, "by": "customer"},
        {"kind": "interruption", "start_s": 17.0, "end_s": 18.0, "by": "customer"},  # after
    ]
    got = cut_truth(truth, 10.0, 7.0)
    assert [e["kind"] for e in got] == ["interruption", "backchannel"]
    assert [(e["start_s"], e["end_s"]) for e in got] == [
        (pytest.approx(-0.4), pytest.approx(1.0)), (pytest.approx(2.5), pytest.approx(2.9))]
    assert got[0]["by"] == "agent" and truth[1]["start_s"] == 9.6  # a copy, not the original


def test_summary_counts_per_start() -> None:
    rows = [{"before_s": 1.0, "found": 1, "attributed": 1, "false": 0},
            {"before_s": 1.0, "found": 0, "attributed": 0, "false": 2},
            {"before_s": 5.0, "found": 1, "attributed": 0, "false": 1}]
    assert summary(rows, [1.0, 5.0, 10.0]) == {
        "1.0": {"n": 2, "found": 1, "attributed": 1, "false": 2},
        "5.0": {"n": 1, "found": 1, "attributed": 0, "false": 1},
        "10.0": {"n": 0, "found": 0, "attributed": 0, "false": 0}}
