"""Tests of the benchmark suite's own logic: metrics, comparison, machine description.

No timing is asserted here; the suite itself (``python -m benchmarks``) measures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks.__main__ import main as bench_main
from benchmarks.compare import compare_results, direction, flatten, format_changes
from benchmarks.machine import REQUIRED_KEYS, describe_machine
from benchmarks.metrics import align_track, binary_scores, pitch_scores, summarize

NAN = float("nan")


def _result(p50_ms: float, f1: float, gpe: float = 1.0) -> dict:
    return {
        "schema": "voicecoach.bench/1",
        "created": "x",
        "machine": {"cores_usable": 2},
        "live_hop_ms": {"p50": p50_ms, "p99": 0.8, "spread": {"p50": {"min": 0.0}}},
        "review_rtf": {"median": 0.002, "spread": {"min": 0.001, "max": 0.003}, "n": 5},
        "vad_f1": {"silero": {"snr10_white": {"f1": f1, "positive_rate": 0.5}}},
        "pitch_gpe_vs_praat": {"value": gpe, "info": {"datasets": "arctic"}},
    }


def _flags(changes) -> dict[str, bool]:
    return {c.path: c.flagged for c in changes}


# ----------------------------------------------------------------------------- compare


@pytest.mark.parametrize(
    ("path", "better"),
    [
        ("live_hop_ms.p50", "lower"),
        ("live_hop_ms.max", "lower"),
        ("review_rtf.median", "lower"),
        ("review_ratios.review_over_praat", "lower"),
        ("peak_rss_mb_1h", "lower"),
        ("pitch_gpe_vs_praat.value", "lower"),
        ("median_cents_vs_praat.value", "lower"),
        ("rate_error_pct.real.asterisk_fr.median_abs_error_pct", "lower"),
        ("interruption_decision_latency_ms.p90", "lower"),
        ("vad_f1.webrtc.clean.f1", "higher"),
        ("vad_f1.webrtc.clean.raw_f1", "higher"),
        ("voicing_agreement.value", "higher"),
        ("synthetic_accuracy.speech_agreement", "higher"),
        ("vad_f1.webrtc.clean.positive_rate", None),  # informational: no better direction
        ("live_hop_ms.info.hops_per_repeat", None),
    ],
)
def test_direction_follows_the_names(path: str, better: str | None) -> None:
    """Times, RTFs, memory, errors and ratios to a peer are lower-is-better; F1, agreement,
    precision and recall higher; rates and info fields have no direction."""
    assert direction(path) == better


def test_compare_flags_a_time_worse_by_more_than_10_percent_but_not_5() -> None:
    """A time 11.5 % slower is flagged, 5 % slower is not, faster never is."""
    old = _result(0.200, 0.90)
    assert _flags(compare_results(old, _result(0.223, 0.90)))["live_hop_ms.p50"] is True
    assert _flags(compare_results(old, _result(0.210, 0.90)))["live_hop_ms.p50"] is False
    # faster is never flagged, however large the change
    assert _flags(compare_results(old, _result(0.100, 0.90)))["live_hop_ms.p50"] is False


def test_compare_flags_an_f1_lower_by_more_than_10_percent_but_not_5() -> None:
    """An F1 12.5 % lower is flagged, 5 % lower is not, higher never is."""
    old = _result(0.2, 0.80)
    key = "vad_f1.silero.snr10_white.f1"
    assert _flags(compare_results(old, _result(0.2, 0.70)))[key] is True  # -12.5 %
    assert _flags(compare_results(old, _result(0.2, 0.76)))[key] is False  # -5 %
    assert _flags(compare_results(old, _result(0.2, 0.95)))[key] is False  # better


def test_compare_reports_ratio_and_worse_percent() -> None:
    """A change carries B/A, how much worse in %, its direction, and prints as WORSE."""
    (c,) = [c for c in compare_results(_result(0.2, 0.9), _result(0.25, 0.9))
            if c.path == "live_hop_ms.p50"]
    assert c.ratio == pytest.approx(1.25)
    assert c.worse_pct == pytest.approx(25.0)
    assert c.better == "lower"
    text = format_changes([c])
    assert "WORSE" in text and "live_hop_ms.p50" in text


def test_compare_ignores_tiny_absolute_changes_of_small_error_percentages() -> None:
    """A GPE from 0.10 to 0.15 % (+50 %) is under the 0.2-point floor; 1 to 2 % is flagged."""
    changes = compare_results(_result(0.2, 0.9, gpe=0.10), _result(0.2, 0.9, gpe=0.15))
    assert _flags(changes)["pitch_gpe_vs_praat.value"] is False
    changes = compare_results(_result(0.2, 0.9, gpe=1.0), _result(0.2, 0.9, gpe=2.0))
    assert _flags(changes)["pitch_gpe_vs_praat.value"] is True


def test_flatten_skips_spreads_info_and_machine() -> None:
    """Spreads, info, the machine description and counts are not figures."""
    flat = flatten(_result(0.2, 0.9))
    assert "live_hop_ms.p50" in flat and "review_rtf.median" in flat
    assert not any(".spread" in k or ".info" in k or k.startswith("machine") for k in flat)
    assert "review_rtf.n" not in flat


def test_compare_cli_exit_status(tmp_path, capsys) -> None:
    """--compare exits 1 when a figure is worse or missing in B, 0 when none is, 2 on an unreadable
    or foreign file."""
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    a.write_text(json.dumps(_result(0.20, 0.9)))
    b.write_text(json.dumps(_result(0.30, 0.9)))  # 50 % slower
    c.write_text(json.dumps(_result(0.19, 0.9)))
    assert bench_main(["--compare", str(a), str(b)]) == 1
    assert "WORSE" in capsys.readouterr().out
    assert bench_main(["--compare", str(a), str(c)]) == 0
    assert bench_main(["--compare", str(a), str(tmp_path / "missing.json")]) == 2
    lost = _result(0.20, 0.9)
    del lost["pitch_gpe_vs_praat"]  # a step that failed or was skipped in B
    d = tmp_path / "d.json"
    d.write_text(json.dumps(lost))
    capsys.readouterr()
    assert bench_main(["--compare", str(a), str(d)]) == 1
    out = capsys.readouterr().out
    assert "pitch_gpe_vs_praat.value" in out and "MISSING in B" in out
    (tmp_path / "x.json").write_text('{"x": 1}')
    assert bench_main(["--compare", str(a), str(tmp_path / "x.json")]) == 2
    assert "is not a benchmark result" in capsys.readouterr().err


def _one(path: str, old: float, new: float):
    """The Change of one figure: ``path`` is ``old`` in A and ``new`` in B."""
    def tree(v: float) -> dict:
        d: dict = {}
        cur = d
        *heads, leaf = path.split(".")
        for h in heads:
            cur = cur.setdefault(h, {})
        cur[leaf] = v
        return d

    (c,) = compare_results(tree(old), tree(new))
    assert c.path == path
    return c


def test_compare_flags_strictly_more_than_the_threshold() -> None:
    """Exactly 10 % worse is not flagged (the rule is ``new > old * 1.10``); a hair more is."""
    assert _one("live_hop_ms.p50", 10.0, 11.0).flagged is False
    assert _one("live_hop_ms.p50", 10.0, 11.0).worse_pct == 10.0
    assert _one("live_hop_ms.p50", 10.0, 11.01).flagged is True
    assert _one("vad_f1.webrtc.clean.f1", 0.5, 0.4).flagged is True  # -20 % of a higher-better
    assert _one("vad_f1.webrtc.clean.f1", 0.5, 0.4).worse_pct == pytest.approx(20.0)
    # a custom threshold
    (c,) = compare_results({"x_ms": 10.0}, {"x_ms": 10.6}, threshold=0.05)
    assert c.flagged is True


@pytest.mark.parametrize(
    ("path", "floor"),
    [
        ("pitch_gpe_vs_praat.value", 0.2),
        ("rate_error_pct.real.arctic.median_abs_error_pct", 1.0),
        ("median_cents_vs_praat.value", 1.0),
        ("vad_f1.webrtc.clean.f1", 0.005),
        ("voicing_agreement.value", 0.005),
        ("rss_growth_mb", 2.0),
        ("interruption_decision_latency_ms.p90", 10.0),
    ],
)
def test_compare_absolute_floors_of_noisy_figures(path: str, floor: float) -> None:
    """Each figure named in MIN_ABS is flagged only when its change is larger than the
    floor, however large the relative change: a change of exactly the floor (from or to 0,
    so that the difference is exact) is not flagged, 1.5 times the floor is."""
    def worse_by(d: float):
        return _one(path, 0.0, d) if direction(path) == "lower" else _one(path, d, 0.0)

    at, over = worse_by(floor), worse_by(1.5 * floor)
    assert at.worse_pct > 10.0 and over.worse_pct > 10.0  # relative: far over the threshold
    assert at.flagged is False, path
    assert over.flagged is True, path


def test_compare_a_figure_that_was_zero() -> None:
    """From 0, a lower-is-better figure that rises is infinitely worse (flagged), one that
    stays is not; a higher-is-better one that rises is infinitely better. The ratio is NaN."""
    up = _one("live_hop_ms.p50", 0.0, 0.5)
    assert up.worse_pct == math.inf and up.flagged is True and math.isnan(up.ratio)
    same = _one("live_hop_ms.p50", 0.0, 0.0)
    assert same.worse_pct == 0.0 and same.flagged is False
    better = _one("vad_f1.webrtc.clean.f1", 0.0, 0.5)
    assert better.worse_pct == -math.inf and better.flagged is False
    worse = _one("vad_f1.webrtc.clean.f1", 0.5, 0.0)
    assert worse.worse_pct == pytest.approx(100.0) and worse.flagged is True
    assert _one("vad_f1.webrtc.clean.positive_rate", 0.0, 0.5).flagged is False  # not judged


def test_flatten_keeps_numbers_only_and_no_bookkeeping() -> None:
    """Booleans, None and text are no figures; run times, arguments, sizes, targets,
    counts, inclusion flags and skip notes are not compared."""
    tree = {
        "run_s": 120.0, "timings_s": {"live": 3.0}, "args": {"repeats": 5},
        "sizes": {"synth_s": 10}, "targets": {"p50": 0.5}, "quick": True,
        "live_hop_ms": {"p50": 0.2, "target": 0.5, "repeats": 3, "included": {"echo": 1},
                        "ok": False, "note": "x", "none": None},
        "praat_pitch_rtf": {"skipped": {"code": 2}},
        "review_rtf": {"median": 0.002, "n": 5},
    }
    assert flatten(tree) == {"live_hop_ms.p50": 0.2, "review_rtf.median": 0.002}


@pytest.mark.parametrize(
    ("path", "better"),
    [
        ("live_cpu.loaded.cpu_pct_of_one_core.median", "lower"),
        ("compact_display.process_cpu_pct", "lower"),
        ("pitch_real_speech.false_voicing", "lower"),
        ("pitch_real_speech.test.wide.pooled.ours.octave_up_pct", "lower"),
        ("pitch_real_speech.test.wide.pooled.ours.octave_down_pct", "lower"),
        ("pitch_gpe_vs_praat.pooled", "lower"),  # a generic leaf
        ("rate_error_pct.pooled.arctic", "lower"),  # a key inside a generic container
        ("voicing_agreement.median.codec2", "higher"),
        ("live_cpu.loaded.cpu_pct_of_one_core.audio_lost", None),
    ],
)
def test_direction_of_cpu_voicing_octave_and_generic_containers(path: str, better) -> None:
    """CPU %, false voicing and octave errors are lower-is-better; a generic leaf (pooled, median)
    and the keys inside a generic container take their parent's direction; a boolean-like
    leaf has none."""
    assert direction(path) == better


def test_format_changes_counts_worse_and_missing_apart() -> None:
    """The last line counts worse and missing figures apart; ``only_judged`` leaves out the
    figures that have no better direction."""
    old = _result(0.20, 0.9)
    new = _result(0.30, 0.9)
    del new["pitch_gpe_vs_praat"]
    changes = compare_results(old, new)
    text = format_changes(changes)
    assert text.splitlines()[-1] == "1 figure(s) worse by more than 10 %, 1 missing in B"
    assert "positive_rate" in text
    judged = format_changes(changes, only_judged=True)
    assert "positive_rate" not in judged and "live_hop_ms.p50" in judged
    same = format_changes(compare_results(old, old))
    assert same.splitlines()[-1] == "no figure worse by >10 %, none missing"


def test_compare_cli_checks_both_files_and_lists_unjudged_figures_on_request(
    tmp_path, capsys
) -> None:
    """A first file that is not a result is refused as well as a second; unjudged figures
    are listed only with --all-figures; a quick run against a full one is warned about."""
    a, q, x = tmp_path / "a.json", tmp_path / "q.json", tmp_path / "x.json"
    a.write_text(json.dumps(_result(0.20, 0.9)))
    q.write_text(json.dumps({**_result(0.20, 0.9), "quick": True}))
    x.write_text('{"x": 1}')
    assert bench_main(["--compare", str(x), str(a)]) == 2
    assert "'" + str(x) + "' is not a benchmark result" in capsys.readouterr().err
    assert bench_main(["--compare", str(a), str(a)]) == 0
    assert "positive_rate" not in capsys.readouterr().out
    assert bench_main(["--compare", str(a), str(q), "--all-figures"]) == 0
    out = capsys.readouterr().out
    assert "positive_rate" in out and "warning: comparing a quick run with a full run" in out


def test_results_are_strict_json() -> None:
    """NaN and infinities are written as null, keys as text, tuples as lists."""
    from benchmarks.__main__ import _jsonable

    got = _jsonable({"a": NAN, 1: (math.inf, -math.inf, 2.5), "b": {"c": [NAN, 1]}})
    assert got == {"a": None, "1": [None, None, 2.5], "b": {"c": [None, 1]}}
    json.dumps(got, allow_nan=False)


def test_suite_runs_the_chosen_steps_and_keeps_going_past_a_failure(tmp_path, monkeypatch,
                                                                     capsys) -> None:
    """run_suite runs the steps asked for (all by default), records a failing step's error
    and keeps the other steps' figures, rounded to 4 significant digits, with a time per
    step; the command line writes the result twice (dated and latest.json) as strict JSON
    and exits 1 when a step failed, 0 when none did, 2 when --out cannot be written."""
    from benchmarks import suite

    ran: list[str] = []

    def good(sizes, store):
        ran.append("live")
        return {"live_hop_ms": {"p50": np.float64(0.123456), "n": np.int64(3),
                                "ok": np.bool_(True), "spread": [1.234567, NAN]}}

    def bad(sizes, store):
        ran.append("review")
        raise RuntimeError("no audio")

    monkeypatch.setattr(suite, "STEPS", (("live", good), ("review", bad)))
    result, _ = suite.run_suite(suite.QUICK)
    assert ran == ["live", "review"]
    assert result["live_hop_ms"]["p50"] == 0.1235 and result["live_hop_ms"]["n"] == 3
    assert result["live_hop_ms"]["ok"] is True and result["live_hop_ms"]["spread"][0] == 1.235
    assert result["errors"] == {"info": {"review": "RuntimeError: no audio"}}
    assert set(result["timings_s"]) == {"live", "review"} and result["quick"] is True
    assert result["schema"] == "voicecoach.bench/1" and "cores_usable" in result["machine"]
    ran.clear()
    result, _ = suite.run_suite(suite.FULL, ("live",))
    assert ran == ["live"] and "errors" not in result and result["quick"] is False

    out = tmp_path / "res"
    assert bench_main(["--only", "live", "--no-plots", "--out", str(out)]) == 0
    latest = json.loads((out / "latest.json").read_text())
    assert latest["live_hop_ms"]["spread"] == [1.235, None]
    dated = [p for p in out.glob("*.json") if p.name != "latest.json"]
    assert len(dated) == 1 and json.loads(dated[0].read_text()) == latest
    assert bench_main(["--only", "live", "review", "--no-plots", "--out", str(out)]) == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert bench_main(["--no-plots", "--out", str(blocker / "sub")]) == 2
    assert "is not a writable folder" in capsys.readouterr().err


# ----------------------------------------------------------------------------- metrics


def test_pitch_scores_on_a_hand_made_track() -> None:
    """GPE, fine error in cents and voicing figures of a six-frame track, counted by hand."""
    ref = np.array([100.0, 100.0, 100.0, 100.0, NAN, NAN])
    est = np.array([100.0, 150.0, 101.0, NAN, 200.0, NAN])
    s = pitch_scores(est, ref)
    assert s["n_both_voiced"] == 3
    assert s["n_gross"] == 1  # 150 Hz is 50 % off
    assert s["gpe_pct"] == pytest.approx(100.0 / 3.0)
    # fine error over the two good frames: 0 and 1200*log2(1.01) = 17.2 cents
    assert s["median_abs_cents"] == pytest.approx(0.5 * 1200 * math.log2(1.01))
    # voicing agrees on frames 0, 1, 2 and 5 out of 6
    assert s["voicing_agreement"] == pytest.approx(4 / 6)
    assert s["voicing_recall"] == pytest.approx(3 / 4)
    assert s["voicing_precision"] == pytest.approx(3 / 4)


def test_pitch_scores_gross_threshold_is_20_percent() -> None:
    """19.5 % off is fine, 20.5 % off is gross, either way; no both-voiced frame gives a NaN GPE."""
    ref = np.full(4, 200.0)
    est = np.array([239.0, 241.0, 161.0, 159.0])  # +19.5 %, +20.5 %, -19.5 %, -20.5 %
    assert pitch_scores(est, ref)["n_gross"] == 2
    assert pitch_scores(np.zeros(4), ref)["gpe_pct"] != pitch_scores(np.zeros(4), ref)["gpe_pct"]


def test_binary_scores_on_a_hand_made_decision() -> None:
    """F1, precision, recall and agreement of hand-made decisions; all-negative on both sides is F1
    1; shapes must agree."""
    s = binary_scores(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    assert s["f1"] == pytest.approx(0.5)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(0.5)
    assert s["agreement"] == pytest.approx(0.5)
    assert binary_scores(np.ones(5, bool), np.ones(5, bool))["f1"] == 1.0
    assert binary_scores(np.zeros(5, bool), np.zeros(5, bool))["f1"] == 1.0
    all_speech = binary_scores(np.ones(10, bool), np.arange(10) < 5)
    assert all_speech["recall"] == 1.0 and all_speech["precision"] == 0.5
    with pytest.raises(ValueError, match="shape"):
        binary_scores(np.ones(3, bool), np.ones(4, bool))


def test_align_track_interpolates_in_log_frequency_and_keeps_voicing() -> None:
    """Between two voiced frames F0 is the geometric mean; the nearest frame decides voicing;
    outside the span is NaN."""
    t_src = np.array([0.0, 0.01, 0.02, 0.03])
    f_src = np.array([100.0, 200.0, NAN, 150.0])
    out = align_track(t_src, f_src, np.array([0.005, 0.014, 0.017, 0.05, -0.02]))
    assert out[0] == pytest.approx(math.sqrt(100.0 * 200.0))  # geometric midpoint
    assert out[1] == pytest.approx(200.0)  # nearest is voiced, its neighbour is not
    assert math.isnan(out[2])  # nearest frame (0.02) is unvoiced
    assert math.isnan(out[3]) and math.isnan(out[4])  # outside the source's span


def test_align_track_is_identity_on_the_same_times() -> None:
    """Resampling a track onto its own times gives it back, NaNs included."""
    t = np.arange(50) * 0.01
    f = np.where(np.arange(50) % 7 == 0, NAN, 100.0 + np.arange(50))
    np.testing.assert_allclose(align_track(t, f, t), f)


def test_summarize_gives_median_and_spread() -> None:
    """The median, count, min, quartiles and max of repeats."""
    s = summarize([3.0, 1.0, 2.0, 10.0, 4.0])
    assert s["median"] == 3.0
    assert s["n"] == 5
    assert s["spread"]["min"] == 1.0 and s["spread"]["max"] == 10.0
    assert s["spread"]["q1"] == 2.0 and s["spread"]["q3"] == 4.0


def test_pitch_scores_counts_bias_and_one_sided_voicing() -> None:
    """Recall is over the reference's voiced frames, precision over ours; the signed fine
    error keeps its sign; a ratio of exactly the gross threshold is not gross; 0 Hz is
    unvoiced."""
    ref = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 0.0, NAN])
    est = np.array([98.0, 97.0, 99.0, 125.0, NAN, NAN, NAN, 0.0])
    s = pitch_scores(est, ref, gross_ratio=0.25)
    assert s["n_frames"] == 8 and s["n_both_voiced"] == 4
    assert s["n_gross"] == 0 and s["gpe_pct"] == 0.0  # 125 / 100 - 1 == 0.25: not gross
    assert pitch_scores(est, ref, gross_ratio=0.24)["n_gross"] == 1
    cents = 1200 * np.log2(np.array([0.98, 0.97, 0.99, 1.25]))
    assert s["median_cents"] == pytest.approx(float(np.median(cents)))
    assert s["median_cents"] < 0
    assert s["median_abs_cents"] == pytest.approx(float(np.median(np.abs(cents))))
    assert s["voicing_recall"] == pytest.approx(4 / 6)
    assert s["voicing_precision"] == 1.0
    assert s["voicing_agreement"] == pytest.approx(6 / 8)


def test_binary_scores_rates_and_undefined_ratios() -> None:
    """``positive_rate`` is the share of frames *predicted* positive; precision is NaN
    when nothing is predicted, recall NaN when nothing is true."""
    s = binary_scores(np.array([1, 0, 0, 0, 0], bool), np.array([1, 1, 1, 0, 0], bool))
    assert s["positive_rate"] == pytest.approx(0.2) and s["n_frames"] == 5
    assert s["precision"] == 1.0 and s["recall"] == pytest.approx(1 / 3)
    assert s["f1"] == pytest.approx(0.5)
    none = binary_scores(np.zeros(4, bool), np.array([1, 0, 0, 0], bool))
    assert math.isnan(none["precision"]) and none["recall"] == 0.0 and none["f1"] == 0.0
    assert math.isnan(binary_scores(np.ones(4, bool), np.zeros(4, bool))["recall"])


def test_align_track_is_nan_beyond_half_a_frame_outside() -> None:
    """Within half a frame of either end the end frame's F0 is kept, beyond it NaN."""
    t = np.array([0.0, 0.01, 0.02, 0.03])
    f = np.array([100.0, 110.0, 120.0, 130.0])
    out = align_track(t, f, np.array([-0.004, -0.007, 0.034, 0.037]))
    assert out[0] == pytest.approx(100.0) and out[2] == pytest.approx(130.0)
    assert math.isnan(out[1]) and math.isnan(out[3])


def test_summarize_rounds_to_six_significant_digits_and_ignores_nan() -> None:
    """The median and spread of repeats, NaNs left out, rounded to 6 significant digits."""
    s = summarize([1.23456789, NAN, 3.0])
    assert s["median"] == 2.11728  # (1.23456789 + 3) / 2 = 2.117283945
    assert s["n"] == 3
    assert s["spread"]["min"] == 1.23457 and s["spread"]["max"] == 3.0
    assert summarize([123456.789])["median"] == 123457.0


# ----------------------------------------------------------------------------- report table

#: The headline figures that carry a target in the summary table.
_TARGETED = (
    "live_hop_ms.p50", "live_hop_ms.p99", "review_ratios.review_over_praat",
    "review_ratios.review_over_praat_best", "peak_rss_mb_1h", "rss_growth_mb",
    "pitch_gpe_vs_praat.value", "pitch_real_speech.gpe_pct", "pitch_real_speech.settled_gpe_pct",
    "pitch_real_speech.voicing_recall", "pitch_real_speech.false_voicing",
    "pitch_egg.median_abs_cents", "rate_error_pct.synthetic_median_abs_error_pct",
    "rate_error_pct.rate_change_error_pct", "synthetic_accuracy.gpe_pct",
    "synthetic_accuracy.median_fine_error_cents", "synthetic_accuracy.speech_agreement",
    "synthetic_accuracy.rate_error_pct", "interruption_decision_latency_ms.p50",
)


def _tree(values: dict[str, object]) -> dict:
    out: dict = {}
    for path, v in values.items():
        cur = out
        *heads, leaf = path.split(".")
        for h in heads:
            cur = cur.setdefault(h, {})
        cur[leaf] = v
    return out


@pytest.mark.parametrize("x", [0.05, 0.1, 0.5, 0.85, 0.95, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0,
                               25.0, 150.0, 200.0, 250.0])
def test_report_verdicts_agree_with_the_targets_they_print(x: float) -> None:
    """Every row with a target says ok exactly when its value meets the target written in
    its own target column (``<= T``, ``>= T``, ``flat (< T)``), at and around each target."""
    from benchmarks.report import summary_rows

    rows = [r for r in summary_rows(_tree(dict.fromkeys(_TARGETED, x))) if r[3]]
    assert len(rows) == len(_TARGETED)
    for label, _value, _, target, verdict in rows:
        op, bound = target.replace("flat (", "").rstrip(")").split()
        want = {"<=": x <= float(bound), ">=": x >= float(bound), "<": x < float(bound)}[op]
        assert verdict == ("ok" if want else "MISS"), (label, x, target)


def test_report_rows_show_their_own_figure_spread_and_notes() -> None:
    """Each row shows its own figure (p50 vs p90, bias vs error), the spread as min – max,
    NaN as ``-``; figures a run lacks have no row; skipped peers and failed steps say so."""
    from benchmarks.report import summary_rows

    tree = _tree({
        "live_hop_ms.p50": 0.25, "live_hop_ms.p99": 0.75,
        "live_hop_ms.spread.p50": {"min": 0.125, "max": 0.375},
        "live_hop_ms.info.included": {"echo canceller": True, "coach": "off: no profile"},
        "review_rtf": {"median": 0.002, "spread": {"min": 0.001, "max": 0.003}, "n": 5},
        "praat_pitch_rtf": {"skipped": "parselmouth is not installed"},
        "interruption_decision_latency_ms.p50": 40.0,
        "interruption_decision_latency_ms.p90": 90.0,
        "rate_error_pct.real.arctic": {"n_utterances": 2, "median_abs_error_pct": 4.0,
                                       "median_bias_pct": -3.0},
        "voicing_agreement.value": NAN,
        "errors.info": {"vad": "RuntimeError: boom"},
    })
    rows = {r[0]: r for r in summary_rows(tree)}
    assert rows["live hop p50, ms (2 ch, echo canceller)"][1:] == (
        "0.250", "0.125 – 0.375", "<= 0.5", "ok")
    assert rows["  coach in live loop"][1:] == ("no", "", "", "off: no profile")
    assert rows["review RTF per channel (ours)"][1:3] == ("0.00200", "0.00100 – 0.00300")
    assert rows["interruption decision latency p50, ms"][1] == "40"
    assert rows["  p90"][1] == "90"
    assert rows["syllable count |error| %, arctic (n=2)"][1:3] == ("4.0", "bias -3.0 %")
    assert rows["voicing agreement vs Praat"][1] == "-"
    assert rows["Praat pitch (peer)"][1] == "skipped"
    assert rows["step vad"][1:] == ("FAILED", "", "", "RuntimeError: boom")
    assert "review / Praat pitch" not in rows and "Praat to_pitch_ac RTF" not in rows


def test_report_analyze_file_memory_has_no_streaming_target() -> None:
    """analyze_file keeps every row (memory grows with the call by design): its peak RSS is
    shown without the streaming path's 200 MB target, which the streaming rows keep."""
    from benchmarks.report import summary_rows

    tree = _tree({"peak_rss_mb_1h": 170.0, "peak_rss_mb_1h_analyze_file": 220.0})
    rows = {r[0]: r for r in summary_rows(tree)}
    assert rows["peak RSS, MB (1h)"][1:] == ("170.0", "", "<= 200", "ok")
    assert rows["peak RSS, MB (1h, analyze_file keeps all rows)"][1:] == ("220.0", "", "", "")


def test_review_peer_ratios_pair_each_repeat(monkeypatch) -> None:
    """The review/peer ratios are ours over the peer's time (lower = we are faster), taken
    per interleaved repeat and then the median; ``best`` is fastest over fastest; real-time
    factors are seconds per second of audio (the pyin one per second of its excerpt)."""
    import dataclasses
    import sys
    from types import SimpleNamespace

    from benchmarks import suite

    pytest.importorskip("parselmouth")
    times = {"ours": iter([0.010, 0.030, 0.020]), "praat": iter([0.050, 0.040, 0.100]),
             "yin": iter([0.020, 0.020, 0.020]), "pyin": iter([0.5, 0.5, 0.5])}
    monkeypatch.setattr(suite, "_timed", lambda fn: next(times[fn.__name__]))
    monkeypatch.setattr(suite, "_real_speech",
                        lambda names: [(None, np.zeros(suite.SR, np.float32))])
    monkeypatch.setitem(sys.modules, "librosa", SimpleNamespace(yin=lambda *a, **k: None,
                                                                pyin=lambda *a, **k: None))
    sizes = dataclasses.replace(suite.QUICK, review_s=4.0, pyin_s=2.0, repeats=3)
    res = suite.bench_review(sizes, {})
    assert res["review_rtf"]["info"]["audio_s"] == 4.0
    assert res["review_rtf"]["median"] == pytest.approx(0.020 / 4.0)
    assert res["praat_pitch_rtf"]["median"] == pytest.approx(0.050 / 4.0)
    assert res["librosa_pyin_rtf"]["median"] == pytest.approx(0.5 / 2.0)
    ratios = res["review_ratios"]
    assert ratios["review_over_praat"]["median"] == pytest.approx(0.2)  # of 0.2, 0.75, 0.2
    assert ratios["review_over_praat_best"] == pytest.approx(0.25)  # 0.010 / 0.040
    assert ratios["review_over_librosa_yin"]["median"] == pytest.approx(1.0)
    assert ratios["review_over_librosa_pyin"]["median"] == pytest.approx(0.005 / 0.25)


# ----------------------------------------------------------------------------- machine


def test_machine_description_has_the_keys() -> None:
    """The description has every required key, numpy's version, the BLAS pools, and is JSON-able."""
    m = describe_machine()
    for k in REQUIRED_KEYS:
        assert k in m, k
    assert m["cores_logical"] >= 1
    assert m["numpy"] == np.__version__
    assert "threadpools" in m["blas"]
    json.dumps(m)  # JSON-able


def test_machine_description_is_this_machine() -> None:
    """The usable cores are this process' CPU affinity, the versions are the installed
    ones, the git revision is the checkout's HEAD and its dirty flag is git's."""
    import os
    import platform
    import subprocess
    from importlib import metadata

    m = describe_machine()
    assert m["cores_usable"] == len(os.sched_getaffinity(0)) <= m["cores_logical"]
    cpus = os.sched_getaffinity(0)
    if len(cpus) > 1:  # pinned to one core, the process can use one core
        os.sched_setaffinity(0, {min(cpus)})
        try:
            assert describe_machine()["cores_usable"] == 1
        finally:
            os.sched_setaffinity(0, cpus)
    assert m["python"] == platform.python_version()
    assert m["packages"]["numpy"] == metadata.version("numpy")
    assert m["packages"]["scipy"] == metadata.version("scipy")
    root = Path(__file__).resolve().parents[1]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                           text=True).stdout.strip()
    assert m["git"] == {"commit": head, "dirty": bool(dirty)}
    assert len(m["load_avg"]) == 3 and all(x >= 0 for x in m["load_avg"])
    page, pages = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_PHYS_PAGES")
    assert m["memory_gb"] == round(page * pages / 2**30, 1)


@pytest.mark.parametrize(
    ("path", "better"),
    [
        ("live_stage_us.per_stage_median.pitch_kernel", "lower"),
        ("pitch_gpe_vs_praat.per_dataset.arctic", "lower"),
        ("voicing_agreement.per_dataset.codec2", "higher"),
        ("synthetic_accuracy.per_voice.95_hz.voicing_recall", "higher"),
        ("median_cents_vs_praat.signed_bias_cents", None),
        ("rate_error_pct.real.arctic.median_bias_pct", None),
        ("rate_error_pct.real.arctic.n_utterances", None),
    ],
)
def test_direction_through_per_containers_and_biases(path: str, better: str | None) -> None:
    """Keys inside per_* containers take the container's direction; biases and counts have none."""
    assert direction(path) == better


def test_real_voice_scores_split_octave_errors_and_voicing() -> None:
    """Gross errors split into octave up, octave down and other; recall, false voicing and
    precision over a hand-made track."""
    from benchmarks.pitch_real import score

    ref = np.array([100.0, 100.0, 100.0, 100.0, 100.0, NAN, NAN, NAN, NAN, 200.0])
    est = np.array([101.0, 200.0, 50.0, 150.0, NAN, 120.0, NAN, NAN, NAN, 200.0])
    s = score([est], [ref])
    # both voiced: frames 0-3 and 9 (5); gross: 200 (up), 50 (down), 150 (other)
    assert s["n_both_voiced"] == 5
    assert s["octave_up_pct"] == pytest.approx(20.0)
    assert s["octave_down_pct"] == pytest.approx(20.0)
    assert s["other_gross_pct"] == pytest.approx(20.0)
    assert s["gpe_pct"] == pytest.approx(60.0)
    assert s["voicing_recall"] == pytest.approx(5 / 6)
    assert s["false_voicing"] == pytest.approx(1 / 4)  # one of four Praat-unvoiced frames
    assert s["voicing_precision"] == pytest.approx(5 / 6)


def test_real_voice_scores_high_voices_fine_error_and_two_second_medians() -> None:
    """The >= 300 Hz figures count reference-voiced frames from 300 Hz (gross errors among
    the both-voiced ones); the fine error leaves gross errors out; a 2 s window (200
    frames, at least 50 voiced on each side) is off when its medians differ by > 1 st."""
    from benchmarks.pitch_real import score

    ref = np.array([350.0, 350.0, 350.0, 300.0, 350.0, 250.0, 250.0, 250.0, 250.0, NAN])
    est = np.array([360.0, 525.0, 340.0, 310.0, NAN, 255.0, 260.0, 240.0, 265.0, 100.0])
    s = score([est], [ref])
    assert s["n_ref_voiced_ge_300hz"] == 5  # the 350 Hz frame we call unvoiced counts
    assert s["gpe_ref_ge_300hz_pct"] == pytest.approx(25.0)  # 525 of 360, 525, 340, 310
    ok = [(360, 350), (340, 350), (310, 300), (255, 250), (260, 250), (240, 250), (265, 250)]
    cents = [abs(1200 * math.log2(e / r)) for e, r in ok]
    assert s["median_abs_cents"] == pytest.approx(float(np.median(cents)))
    assert math.isnan(s["median2s_off_pct"])  # no 2 s window

    st = lambda k: 100.0 * 2 ** (k / 12)  # noqa: E731
    a_ref, a_est = np.full(400, 100.0), np.r_[np.full(200, st(0.9)), np.full(200, st(1.1))]
    b_ref = np.where(np.arange(200) < 40, 100.0, NAN)  # 40 voiced frames: no window
    b_est = np.full(200, st(3.0))
    s = score([a_est, b_est], [a_ref, b_ref])
    assert s["median2s_off_pct"] == pytest.approx(50.0)  # of the two windows of A


def test_pitch_real_table_scores_per_corpus_pooled_and_praat_on_the_wideband_reference() -> None:
    """Each method is scored per split, condition and corpus, pooled over a condition's
    corpora and over all conditions of a split; Praat on the telephone copy is scored
    against Praat on the wideband original (``wideref``), the others against ``ref``."""
    from benchmarks.pitch_real import score, table

    def acc(k: float) -> dict[str, list[np.ndarray]]:
        ref = np.array([100.0, 100.0, 100.0, NAN])
        return {"ref": [ref], "wideref": [ref * k], "ours": [np.array([100.0, 150, 101, 100])],
                "praat": [np.array([100.0 * k, 100, 100, NAN])]}

    tracks = {("test", "tel", "a"): acc(1.5), ("test", "tel", "b"): acc(1.0),
              ("test", "wide", "a"): acc(1.25)}
    res = table(tracks)

    def same(x: dict, y: dict) -> bool:  # NaN == NaN
        return json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True)

    tel = res["test"]["tel"]
    for c in ("a", "b"):
        t = tracks[("test", "tel", c)]
        assert same(tel[c], {"ours": score(t["ours"], t["ref"]),
                             "praat": score(t["praat"], t["wideref"])})
    a, b, w = (tracks[("test", "tel", "a")], tracks[("test", "tel", "b")],
               tracks[("test", "wide", "a")])
    assert same(tel["pooled"]["praat"],
                score(a["praat"] + b["praat"], a["wideref"] + b["wideref"]))
    assert same(tel["pooled"]["ours"], score(a["ours"] + b["ours"], a["ref"] + b["ref"]))
    assert same(res["test"]["all_conditions"]["pooled"]["ours"],
                score(a["ours"] + b["ours"] + w["ours"], a["ref"] + b["ref"] + w["ref"]))
    assert set(res["test"]) == {"tel", "wide", "all_conditions"}


def test_mu_law_levels_are_g711s() -> None:
    """The 255 levels of 8-bit mu-law (mu = 255): +-(256^(k/127) - 1) / 255, k = 0..127."""
    from benchmarks.pitch_real import mulaw

    k = np.arange(128)
    pos = (256.0 ** (k / 127) - 1) / 255
    want = np.unique(np.r_[-pos, pos])
    got = np.unique(mulaw(np.linspace(-1, 1, 20001).astype(np.float32)))
    assert got.size == 255
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_telephone_copy_is_8khz_band_limited_mu_law() -> None:
    """The telephone copy is 8 kHz float32, cuts 100 Hz by > 30 dB against 1 kHz, passes 3 kHz, and
    is 8-bit mu-law with fine steps near 0."""
    from benchmarks.pitch_real import mulaw, telephone

    sr = 16000
    t = np.arange(sr) / sr
    low, mid = np.sin(2 * np.pi * 100 * t), np.sin(2 * np.pi * 1000 * t)
    y_low, y_mid = telephone((0.5 * low).astype(np.float32), sr), telephone(
        (0.5 * mid).astype(np.float32), sr
    )
    assert y_low.shape == (8000,) and y_low.dtype == np.float32
    rms = lambda y: float(np.sqrt(np.mean(y[2000:] ** 2)))  # noqa: E731
    assert 20 * np.log10(rms(y_mid) / rms(y_low)) > 30.0  # 100 Hz is cut by the 300 Hz edge
    y_high = telephone((0.5 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32), sr)
    assert abs(20 * np.log10(rms(y_high) / rms(y_mid))) < 3.0  # 3 kHz is in the band
    # 8-bit mu-law: 255 levels at most, and small values keep fine steps
    q = mulaw(np.linspace(-1, 1, 10001).astype(np.float32))
    assert np.unique(q).size <= 255
    assert abs(float(mulaw(np.array([0.001], np.float32))[0]) - 0.001) < 2e-4


def test_pitch_real_scores_telephone_copies_against_either_reference(tmp_path) -> None:
    """``--ref wide``: the telephone copy's tracks are taken on the wideband Praat grid and
    scored against Praat on the wideband original; trackers that take the condition (ours,
    which hears the telephone copy as an 8 kHz source) are told which copy they hear."""
    import soundfile as sf

    from benchmarks.pitch_real import _is_test, run
    from voicecoach.sources.synthetic import synth_speech

    x, _ = synth_speech(duration_s=3, f0_hz=110.0, snr_db=30, seed=3)
    (tmp_path / "dev" / "alsa").mkdir(parents=True)
    sf.write(tmp_path / "dev" / "alsa" / "S1.wav", x, 16000)
    seen: list[str] = []

    def probe(sig: np.ndarray, t: np.ndarray, cond: str = "wide") -> np.ndarray:
        seen.append(cond)
        return np.full(t.shape, 110.0)

    probe.by_condition = True  # type: ignore[attr-defined]
    split = "test" if _is_test("alsa/S1.wav") else "dev"
    same = run(tmp_path, {"ours": probe}, (split,), ("wide", "tel"))
    wide = run(tmp_path, {"ours": probe}, (split,), ("wide", "tel"), ref="wide")
    assert seen == ["wide", "tel", "wide", "tel"]
    tel_same, tel_wide = same[(split, "tel", "alsa")], wide[(split, "tel", "alsa")]
    np.testing.assert_array_equal(tel_wide["ref"][0], tel_wide["wideref"][0])
    assert tel_same["ref"][0].shape != tel_wide["ref"][0].shape or not np.array_equal(
        tel_same["ref"][0], tel_wide["ref"][0], equal_nan=True)
    assert tel_wide["ours"][0].shape == tel_wide["ref"][0].shape


def test_live_section_survives_missing_optional_backends(tmp_path) -> None:
    """Without onnxruntime (Silero) and livekit (the echo canceller), the live rows are still
    written: the pipeline falls back (webrtc VAD, no canceller) with one warning each."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, runpy, dataclasses\n"
        "sys.modules['onnxruntime'] = None\n"
        "sys.modules['livekit'] = None\n"
        # the fallbacks are what is checked, not the figures: a short call, one repeat
        "import benchmarks.suite as s\n"
        "s.QUICK = dataclasses.replace(s.QUICK, repeats=1, live_call_s=12.0, live_silero_s=6.0)\n"
        f"sys.argv = ['benchmarks', '--only', 'live', '--quick', '--no-plots', '--out', "
        f"{str(tmp_path)!r}]\n"
        "runpy.run_module('benchmarks', run_name='__main__')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "voicecoach[aec]" in r.stderr and "onnxruntime" in r.stderr
    res = json.loads((tmp_path / "latest.json").read_text())
    flat = json.dumps(res)
    assert '"live_hop_ms"' in flat and '"live_hop_webrtc_ms"' in flat
    assert '"echo canceller": false' in flat


# ----------------------------------------------------------------------------- pace candidates


def _rows(loudness_db: np.ndarray, speech: np.ndarray, nucleus: np.ndarray):
    from voicecoach.analysis import Features

    n = loudness_db.shape[0]
    f32 = np.zeros(n, np.float32)
    return Features(
        t_s=np.arange(n) * 0.01, f0_hz=f32 + np.nan, voiced=~speech & speech, speech=speech,
        loudness_db=loudness_db.astype(np.float32), syllable_rate=f32, articulation_rate=f32,
        noise_floor_db=f32 - 60, aperiodicity=f32, vad_raw=speech.copy(), nucleus=nucleus,
        f0_settled_hz=f32 + np.nan,
    )


def test_pace_candidates_interval_tempo_is_the_shipped_measure() -> None:
    """The benchmark's interval tempo equals the shipped baseline's tempo measure on a random
    stream."""
    from benchmarks.pace_candidates import interval_tempo
    from voicecoach.baseline.measures import _MeasureCore
    from voicecoach.config import load_config

    rng = np.random.default_rng(3)
    n = 6000
    speech = np.ones(n, bool)
    for a in rng.integers(0, n - 80, 25):  # pauses of 0.3-0.8 s
        speech[a : a + rng.integers(30, 80)] = False
    nucleus = np.zeros(n, bool)
    nucleus[np.cumsum(rng.integers(8, 70, n // 8))[: n // 8 - 1] % n] = True
    rows = _rows(np.full(n, -30.0), speech, nucleus)
    config = load_config()
    shipped = _MeasureCore(config).process(rows)[4]
    ours = interval_tempo(rows, config.baseline.rate_intervals, config.baseline.rate_trim,
                          round(config.baseline.rate_max_interval_s / 0.01))
    assert np.isfinite(shipped).sum() > 1000
    np.testing.assert_allclose(ours, shipped, rtol=1e-6)


def test_pace_candidates_modspec_shift_reads_a_uniform_speed_up() -> None:
    """A uniform time compression of the envelope is a shift of its modulation spectrum."""
    from benchmarks.pace_candidates import modspec_shift

    rng = np.random.default_rng(5)

    def envelope(rate: float, seconds: float) -> np.ndarray:
        # syllable-like bumps at jittered intervals, drawn on a continuous clock sped up by rate
        t = np.arange(round(seconds * 100)) * 0.01 * rate
        env = np.full(t.shape[0], -45.0)
        c = 0.0
        r2 = np.random.default_rng(9)
        while c < t[-1]:
            c += r2.uniform(0.12, 0.3)
            env = np.maximum(env, -20.0 - 300.0 * (t - c) ** 2 + r2.normal(0, 2))
        return env + rng.normal(0, 0.3, t.shape[0])

    cal = envelope(1.0, 60.0)
    ones = np.ones(cal.shape[0], bool)
    measure = modspec_shift(_rows(cal, ones, ~ones))
    ref = np.nanmedian(measure(_rows(cal, ones, ~ones)))
    for rate in (1.0, 1.25):
        x = envelope(rate, 40.0)
        one = np.ones(x.shape[0], bool)
        got = np.nanmedian(measure(_rows(x, one, ~one))) / ref
        assert abs(got / rate - 1) < 0.03, (rate, got)


def test_pace_candidates_split_tempo_counts_merged_nuclei_back() -> None:
    """A third of the nuclei lost (two intervals read as one) leaves the split tempo at the
    true 5 syl/s, while the shipped 40-interval tempo reads the survivors slower."""
    from benchmarks.pace_candidates import interval_tempo, split_tempo

    rng = np.random.default_rng(4)
    iv = rng.integers(18, 23, 400)  # 0.18-0.22 s between true nuclei: 5 syl/s
    at = np.cumsum(iv)
    keep = np.ones(at.shape[0], bool)
    keep[rng.choice(np.arange(1, at.shape[0] - 1), 130, replace=False)] = False
    n = int(at[-1]) + 10
    nucleus = np.zeros(n, bool)
    nucleus[at[keep]] = True
    speech = np.ones(n, bool)
    rows = _rows(np.full(n, -30.0), speech, nucleus)
    split = np.nanmedian(split_tempo(rows, 40, max_hops=60))
    plain = np.nanmedian(interval_tempo(rows, 40, 0.25, 60))
    assert abs(split / 5.0 - 1) < 0.03, split
    assert plain < 4.8, plain


def test_pace_candidates_rule_replay_is_the_coach_on_the_shipped_tempo() -> None:
    """The replay builds the profile's pace statistics as the calibration does: on the
    shipped tempo it gives the same threshold as a coach on the calibration's own profile,
    and a stream whose tempo steps up by 40 % draws rate_high after the step."""
    from benchmarks.pace_candidates import interval_tempo, pool_replay, rule_replay
    from voicecoach.baseline import profile_from_features
    from voicecoach.coach import Coach
    from voicecoach.config import load_config

    rng = np.random.default_rng(8)

    def stream(seconds: float, step_s: float = math.inf, factor: float = 1.0):
        n = round(seconds * 100)
        nucleus = np.zeros(n, bool)
        t = 0.0
        while True:
            t += rng.uniform(0.17, 0.23) / (factor if t >= step_s else 1.0)
            if t * 100 >= n:
                break
            nucleus[int(t * 100)] = True
        speech = np.ones(n, bool)
        for a in range(300, n - 60, 400):  # a 0.4 s pause every 4 s
            speech[a : a + 40] = False
        return _rows(np.full(n, -30.0), speech, nucleus & speech)

    # a low floor, so that the personal threshold is the calm excursion plus the margin
    config = load_config(overrides={"coach": {"rules": {"rate_high": {"threshold": 5.0}}}})
    cal = stream(60.0)
    streams = {"cal": cal, "calm": stream(90.0), "x1.08": (stream(60.0, 20.0, 1.08), 20.0),
               "x1.25": (stream(60.0, 20.0, 1.4), 20.0)}
    measure = lambda r: interval_tempo(r, 40)  # noqa: E731
    got = rule_replay(streams, measure, config)
    coach = Coach(config, profile=profile_from_features(cal, hop_s=0.01, config=config))
    assert got["threshold"] == round(coach.personal_threshold("rate_high"), 2)
    assert got["threshold"] > 5.0 and got["verdict"] is None
    assert got["calm_nudges"] == 0 and got["x125_before"] == 0
    assert got["x125_delay_s"] is not None and 2.0 <= got["x125_delay_s"] <= 12.0, got
    pooled = pool_replay([got, {**got, "x125_delay_s": None}])
    assert pooled["cases"] == 2 and pooled["x125_median_delay_s"] == math.inf
    assert pooled["x125_within_10s"] == int(got["x125_delay_s"] <= 10.0)


def test_pace_candidates_pool_replay_counts() -> None:
    """Pooled replays: a nudge already before the step counts as never detecting it; calm
    nudges per 10 min over all calm minutes; silent cases, quiet +8 % cases."""
    from benchmarks.pace_candidates import pool_replay

    def case(delay, before, calm, calm_s, verdict, x108):
        return {"x125_delay_s": delay, "x125_before": before, "calm_nudges": calm,
                "calm_s": calm_s, "verdict": verdict, "x108_nudges": x108}

    got = pool_replay([case(4.0, 0, 1, 300.0, None, 0), case(8.0, 0, 0, 300.0, "silent", 2),
                       case(3.0, 1, 2, 600.0, None, 0), case(None, 0, 0, 0.0, None, 1)])
    assert got == {"cases": 4, "silent": 1, "calm_nudges": 3, "calm_per_10_min": 1.5,
                   "x108_quiet": 2, "x125_within_6s": 1, "x125_within_10s": 2,
                   "x125_median_delay_s": math.inf}
    assert pool_replay([case(6.0, 0, 0, 60.0, None, 0)])["x125_within_6s"] == 1  # 6 s is within


def test_coach_bench_pools_seeds_per_split() -> None:
    """``coach_bench --seeds``: the figures of several shuffles pooled per split (calm nudges
    per 10 min over all the reviewed minutes, cases meeting each target, the flag)."""
    import argparse

    from benchmarks.coach_bench import CHANGES, _parse_seeds, pool_runs

    def voice(nudges: list[str], ok: bool, flag: float | None = None) -> dict:
        r = {"calm": {"reviewed_s": 300.0, "nudges": len(nudges), "rules": nudges},
             "changes": {c: {"ok": ok} for c in CHANGES}}
        if flag is not None:
            r["agitated"] = {"ok": ok}
            r["customer_flag"] = {"agitated_on_fraction_pooled": flag, "calm_flag_on_s": 0.5}
            r["customer_flag_tel"] = {"agitated_on_fraction_pooled": flag - 0.1,
                                      "calm_flag_on_s": 0.25}
        return r

    runs = [
        {"seed": 11, "voices": {"a/test": voice([], True, 0.9), "b/test": voice([], True),
                                "a/dev": voice(["pitch_high"], False, 0.7)}},
        {"seed": 12, "voices": {"a/test": voice(["loudness_high", "loudness_high"], False, 0.8),
                                "b/test": voice(["rate_high"], True)}},
    ]
    p = pool_runs(runs)
    t = p["test"]
    assert t["seeds"] == [11, 12] and t["cases"] == 4 and t["calm_reviewed_min"] == 20.0
    assert t["voices"] == ["a", "b"] and p["dev"]["voices"] == ["a"]
    assert t["calm_nudges"] == 3 and t["calm_per_10_min_pooled"] == 1.5
    assert t["calm_nudges_by_rule"] == {"loudness_high": 2, "rate_high": 1}
    assert t["cases_with_no_calm_nudge"] == "2/4"
    assert t["changes_ok"]["+3st"] == "3/4" and t["agitated_ok"] == "1/2"
    assert t["flag_on_agitated_mean"] == {"a": pytest.approx(0.85)}
    assert t["flag_on_calm_s"] == 1.0
    # the same stream over a telephone line, pooled apart
    assert t["flag_tel_on_agitated_mean"] == {"a": pytest.approx(0.75)}
    assert t["flag_tel_on_calm_s"] == 0.5
    assert p["dev"]["seeds"] == [11] and p["dev"]["calm_per_10_min_pooled"] == 2.0
    assert "from_start_ok" not in t  # results from before the from-start streams
    # the changes reviewed from the first word: told within the deadline, median delay
    for run, delays in zip(runs, ((4.0, 7.0), (None, 3.0)), strict=True):
        for key, d in zip(("a/test", "b/test"), delays, strict=True):
            run["voices"][key]["from_start"] = {"+3st": {"delay_s": d}, "+6dB": {"delay_s": 1.0}}
    t = pool_runs(runs)["test"]
    assert t["from_start_ok"] == {"+3st": "2/4", "+6dB": "4/4"}
    assert t["from_start_median_s"] == {"+3st": 4.0, "+6dB": 1.0}
    assert _parse_seeds("11-13,20") == [11, 12, 13, 20]
    with pytest.raises(argparse.ArgumentTypeError, match="A-B or a comma-separated"):
        _parse_seeds("eleven")
    with pytest.raises(argparse.ArgumentTypeError, match="names no seed"):
        _parse_seeds("13-11")


def test_coach_bench_fda_voices_are_optional_and_test_only(tmp_path, monkeypatch) -> None:
    """``coach_bench``'s FDA voices: found in ``$VOICECOACH_SPEECH_DIR/fda/`` (``rlNNN.wav``,
    ``sbNNN.wav``, 20 kHz read to 16 kHz, lines under 1.5 s left out), test split only, and
    absent (no voice, nothing in the splits) without the folder."""
    import soundfile as sf

    from benchmarks import coach_bench as cb

    monkeypatch.delenv("VOICECOACH_SPEECH_DIR", raising=False)
    assert cb.fda_utterances() == {} and cb.fda_voices(["dev", "test"]) == []
    monkeypatch.setenv("VOICECOACH_SPEECH_DIR", str(tmp_path))
    assert cb.fda_utterances() == {} and cb.fda_voices(["test"]) == []  # no fda/ folder
    fda = tmp_path / "fda"
    fda.mkdir()
    assert cb.fda_utterances() == {}  # an empty folder: no voice
    rng = np.random.default_rng(0)
    for name, s in (("rl001", 2.0), ("rl002", 1.0), ("rl003", 1.6), ("sb001", 3.0)):
        sf.write(fda / f"{name}.wav", 0.1 * rng.standard_normal(round(s * 20000)), 20000,
                 subtype="PCM_16")
    (fda / "rl001.f0ref").write_text("0 0\n")
    (fda / "orthographic.index").write_text("001 Where can I park my car?\n")
    found = cb.fda_utterances()
    assert list(found) == ["en_fda_rl", "en_fda_sb"]
    assert [u.id for u in found["en_fda_rl"]] == ["fda/rl001", "fda/rl002", "fda/rl003"]
    assert found["en_fda_rl"][0].text == "Where can I park my car?"
    assert cb.fda_voices(["dev"]) == []
    voices = cb.fda_voices(["dev", "test"])
    assert [(v.name, v.language, v.split) for v in voices] == [
        ("en_fda_rl", "en", "test"), ("en_fda_sb", "en", "test")]
    rl, sb = voices
    assert [k for k, _ in rl.calm] == ["fda/rl001", "fda/rl003"]  # rl002 is under 1.5 s
    assert rl.calm[0][1].shape == (2 * cb.SR,) and rl.calm[0][1].dtype == np.float32
    assert sb.agitated == [] and len(sb.calm) == 1
    assert cb.in_split("en_fda_sb", "fda/sb001", "test")
    assert not cb.in_split("en_fda_sb", "fda/sb001", "dev")
    drop = str((fda / "rl001.wav").resolve())
    rl, _ = cb.fda_voices(["test"], kept=lambda u: str(Path(u.path).resolve()) != drop)
    assert [k for k, _ in rl.calm] == ["fda/rl003"]
    sb_only = tmp_path / "other"
    sb_only.mkdir()
    (sb_only / "sb001.wav").write_bytes((fda / "sb001.wav").read_bytes())
    assert list(cb.fda_utterances(sb_only)) == ["en_fda_sb"]
    info = cb._fda_info(["test"])
    assert info["files"] == {"en_fda_rl": 3, "en_fda_sb": 1} and info["test_only"]


def test_coach_bench_longer_calibration_leaves_a_review() -> None:
    """``coach_bench --calibration-s``: the calibration takes that much of the shuffled calm
    lines but leaves 60 s (or half of them) to review; 45 s cuts no voice at 2 min."""
    from benchmarks.coach_bench import REVIEW_MAX_S, REVIEW_MIN_S, SR, _split_lines, main

    lines = [np.zeros(int(5.9 * SR), np.float32) for _ in range(20)]  # 118 s, like ve9qrp
    cal, held, cal_s = _split_lines(lines, 45.0)
    assert cal_s == pytest.approx(47.2) and len(cal) + len(held) == 20
    cal, held, cal_s = _split_lines(lines, 90.0)
    assert 59.0 <= cal_s < 65.0 and sum(y.size for y in held) / SR >= REVIEW_MIN_S - 7.0
    cal, held, cal_s = _split_lines(lines * 3, 90.0)  # plenty of lines: the full 90 s
    assert 90.0 <= cal_s < 96.0 and cal == (lines * 3)[: len(cal)]
    five = [np.zeros(5 * SR, np.float32) for _ in range(200)]  # 1000 s of 5 s lines
    cal, held, cal_s = _split_lines(five, 45.0)
    assert cal_s == 45.0 and len(cal) == 9  # stops when it has 45 s, not one line later
    assert sum(y.size for y in held) / SR == REVIEW_MAX_S  # the review is capped
    with pytest.raises(SystemExit):
        main(["--calibration-s", "0"])
    with pytest.raises(SystemExit):
        main(["--switch-s", "-1"])


def test_coach_bench_customer_flag_over_a_telephone_line() -> None:
    """The agitation flag's stream heard as a G.711 copy: calm lines then raised ones (+5 st,
    +8 dB) still raise the flag, and the telephone copy is really what is analysed."""
    from benchmarks import coach_bench as cb
    from voicecoach.config import load_config
    from voicecoach.sources import synth_speech

    def lines(f0_hz: float, gain: float, seed: int, n: int) -> list[np.ndarray]:
        return [gain * synth_speech(duration_s=3.0, f0_hz=f0_hz, snr_db=40, seed=seed + i)[0]
                for i in range(n)]

    calm, agit = lines(120.0, 0.3, 1, 20), lines(160.0, 0.75, 100, 4)
    cfg = load_config()
    wide = cb._customer_flag(calm, agit, cfg, seed=11)
    tel = cb._customer_flag(calm, agit, cfg, seed=11, telephone=True)
    assert wide["agitated_lines"] == tel["agitated_lines"] == 4
    assert wide["agitated_on_fraction_pooled"] > 0.5
    assert tel["agitated_on_fraction_pooled"] > 0.5
    assert tel != wide  # another signal: the figures are not the wideband ones copied
    # and it is the raised voice that raises it: the same calm voice in their place does not
    flat = cb._customer_flag(calm, lines(120.0, 0.3, 100, 4), cfg, seed=11, telephone=True)
    assert flat["agitated_on_fraction_pooled"] < 0.1


def test_coach_bench_line_mode_hears_the_simulated_line() -> None:
    """coach_bench --line: the streams go through TelephoneLine (the review's telephone-band
    references are computed from the same line); a wrong mode is refused before any audio."""
    from benchmarks import coach_bench as cb
    from voicecoach.analysis.band import TelephoneLine
    from voicecoach.config import load_config

    x = np.random.default_rng(2).standard_normal(4000).astype(np.float32) * 0.1
    assert np.array_equal(cb._line(x), TelephoneLine(16000).process(x))
    assert cb._line_harmonic(load_config()) is True  # an 8 kHz call runs the harmonic check
    with pytest.raises(ValueError, match="line must be None, 'own' or 'line'"):
        cb.run_coach_benchmarks(splits=(), line="pstn")


def test_pitch_real_reads_the_default_fetchs_prompts_unless_asked(tmp_path) -> None:
    """An ASTERISK_ALL=1 fetch adds ~560 prompts per language; the benchmark's sets stay
    those of the default fetch (its 15 prompts) unless ``all_prompts``."""
    from benchmarks.pitch_real import ASTERISK_PROMPTS, items

    folder = tmp_path / "dev" / "asterisk_en"
    folder.mkdir(parents=True)
    for name in ("demo-congrats", "vm-options", "vm-goodbye", "queue-thankyou"):
        (folder / f"{name}.wav").write_bytes(b"")
    assert len(ASTERISK_PROMPTS) == 15
    assert sorted(it.path.stem for it in items(tmp_path)) == ["demo-congrats", "vm-options"]
    assert len(items(tmp_path, all_prompts=True)) == 4


def test_coach_cusum_alarms_when_the_excess_reaches_the_interval() -> None:
    """A step of +3 over a reference k = 2 accumulates 1 unit per measured second: with
    h = 2 the alarm comes 2 measured seconds after the step (unmeasured hops do not count),
    a head start of half the interval halves that, and a series below k never alarms."""
    from benchmarks.coach_cusum import cusum_alarms

    t = np.arange(3000) * 0.01
    x = np.where(t >= 10.0, 3.0, 0.0)
    x[1100:1150] = np.nan  # a pause of 0.5 s after the step
    (a,) = cusum_alarms(t, x, k=2.0, h=2.0)
    assert a == pytest.approx(10.0 + 2.0 + 0.5 - 0.01, abs=1e-9)
    (b, *_) = cusum_alarms(t, np.full(3000, 3.0), k=2.0, h=2.0, head=0.5)
    assert b == pytest.approx(0.99, abs=1e-9)
    assert cusum_alarms(t, np.full(3000, 1.99), k=2.0, h=0.01) == []
    # after an alarm the sum restarts from 0 and the cooldown spaces the next one
    c = cusum_alarms(t, np.full(3000, 3.0), k=2.0, h=2.0, cooldown_s=5.0)
    assert c == pytest.approx([1.99, 6.99, 11.99, 16.99, 21.99, 26.99])


def test_coach_cusum_sustain_alarms_counts_measured_hops_of_one_episode() -> None:
    """The shipped rules' shape: the condition must hold sustain_s of measured hops; a dip
    under the hysteresis ends the episode and restarts the count."""
    from benchmarks.coach_cusum import sustain_alarms

    t = np.arange(1000) * 0.01
    x = np.zeros(1000)
    x[100:250] = 3.0  # 1.5 s over 2.5: no alarm with a 2 s sustain
    x[400:700] = 3.0
    x[450:480] = np.nan  # unmeasured: not counted, the episode goes on
    x[500:510] = 2.2  # within the 0.5 hysteresis: still on
    assert sustain_alarms(t, x, 2.5, 2.0, 0.5) == pytest.approx([4.0 + 2.0 + 0.3 - 0.01])
    x[500:510] = 1.9  # under it: the episode ends, 1.9 s are left after it
    assert sustain_alarms(t, x, 2.5, 2.0, 0.5) == []


def test_coach_cusum_score_pools_the_changes() -> None:
    """score(): calm alarms per 10 min, quiet streams, changes told within the deadline and
    not before, from the first word; a miss is an infinite delay."""
    from benchmarks.coach_cusum import score

    t = np.arange(6000) * 0.01

    def case(switch_s: float) -> dict:
        return {"t_s": t, "switch_s": switch_s}

    def det(s: dict, c: dict) -> list[float]:
        return s["alarms"].get(id(c), [])

    streams = []
    for calm, plus1, plus3, start in (([], [], [25.0], [3.0]), ([10.0], [5.0], [], [9.0])):
        s = {"calm": case(math.inf), "+1st": case(20.0), "+3st": case(20.0),
             "start+3st": case(0.0)}
        s["alarms"] = {id(s["calm"]): calm, id(s["+1st"]): plus1, id(s["+3st"]): plus3,
                       id(s["start+3st"]): start}
        streams.append(s)
    r = score(streams, "pitch", det)
    assert r["calm_per_10_min"] == pytest.approx(1 * 600 / (2 * 59.99), abs=0.01)
    assert (r["quiet"], r["within"], r["from_start"]) == ("1/2", "1/2", "1/2")
    assert r["median_delay_s"] == math.inf
    # --verdicts: a stream whose profile the verdict silences for the rule raises nothing
    from benchmarks.coach_cusum import with_verdicts

    streams[0]["silenced"] = {"pitch_high": False}
    streams[1]["silenced"] = {"pitch_high": True}
    g = score(streams, "pitch", with_verdicts(det, "pitch"))
    assert g["calm_per_10_min"] == 0.0
    assert (g["quiet"], g["within"], g["from_start"]) == ("2/2", "1/2", "1/2")


def test_coach_cusum_syllable_intervals_stay_within_a_run_of_speech() -> None:
    """Intervals between consecutive nuclei count inside one run of speech and up to the
    longest interval; a pause or a long gap starts afresh."""
    from benchmarks.coach_cusum import syllable_intervals

    speech = np.ones(200, bool)
    speech[100:110] = False
    nucleus = np.zeros(200, bool)
    nucleus[[10, 30, 50, 95, 120, 140, 190]] = True
    got = syllable_intervals(speech, nucleus, max_hops=40)
    want = np.full(200, np.nan)
    want[[30, 50, 140]] = [0.2, 0.2, 0.2]  # 50 -> 95 is too long, 95 -> 120 spans the pause
    np.testing.assert_allclose(got, want)


def test_the_coach_holdout_voices_are_read_by_no_other_benchmark() -> None:
    """The held-out split's four voices (``coach_bench --split holdout``) belong to that
    split only, and no other benchmark (but the holdout splits of realcalls and mono_calls,
    session 46), test or the tracker's real-voice data names their datasets: a run on them
    stays a first look at voices nothing was tuned on."""
    from benchmarks import coach_bench as cb

    held = {k: v for k, v in cb.PROMPT_VOICES.items() if "holdout" in v[2]}
    assert set(held) == {"it_carlo", "ru_ivr", "it_menardi", "es_july"}
    for name, (dataset, _, splits) in held.items():
        assert splits == ("holdout",)
        assert cb.in_split(name, f"{dataset}/x", "holdout")
        assert not cb.in_split(name, f"{dataset}/x", "dev")
        assert not cb.in_split(name, f"{dataset}/x", "test")
    root = Path(__file__).resolve().parents[1]
    # realcalls names them for its own holdout split (and mono_calls reads them through it):
    # tests/test_realcalls.py checks that only that split fetches them
    readers = [p for p in (root / "benchmarks").glob("*.py")
               if p.name not in ("coach_bench.py", "coach_cusum.py", "realcalls.py")]
    readers += [p for p in (root / "tests").glob("test_*.py")
                if p.name not in ("test_benchmarks.py", "test_datasets.py")]
    for p in readers:
        text = p.read_text(encoding="utf-8")
        for dataset, _, _ in held.values():
            assert f'"{dataset}"' not in text, f"{p.name} reads the held-out {dataset}"


def test_a_split_fetches_only_its_own_prompt_voices(monkeypatch: pytest.MonkeyPatch) -> None:
    """``split_utterances`` (and so a dev or test run) fetches no held-out voice, and the
    held-out split fetches only its four (a machine without them downloads nothing more)."""
    from benchmarks import coach_bench as cb

    fetched: list[str] = []
    monkeypatch.setattr(cb.datasets, "fetch", lambda name: fetched.append(name) or [])
    monkeypatch.setattr(cb, "fda_utterances", lambda *a, **k: {})
    held = {v[0] for v in cb.PROMPT_VOICES.values() if "holdout" in v[2]}
    for split in ("dev", "test"):
        fetched.clear()
        cb.split_utterances(split)
        assert not held & set(fetched), split
        assert "asterisk_fr_all" in fetched
    fetched.clear()
    cb.split_utterances("holdout")
    assert held <= set(fetched)
    assert not {"asterisk_fr_all", "asterisk_en_all", "armelle_fr"} & set(fetched)
