"""The summary table printed after a run (rich if installed, plain text otherwise)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["print_table", "summary_rows"]

Row = tuple[str, str, str, str, str]  # figure, value, spread, target, verdict


def _get(tree: dict[str, Any], path: str) -> Any:
    cur: Any = tree
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _num(x: Any, fmt: str) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return format(x, fmt)


def _spread(tree: dict[str, Any], path: str, key: str, fmt: str) -> str:
    base, _, leaf = path.rpartition(".")
    sp = _get(tree, f"{base}.spread.{leaf}" if key == "leaf" else f"{path}.spread")
    if not isinstance(sp, dict) or sp.get("min") is None:
        return ""
    return f"{_num(sp['min'], fmt)} – {_num(sp['max'], fmt)}"


def summary_rows(r: dict[str, Any]) -> list[Row]:
    """Headline figures of a result tree, with targets and a verdict where one exists."""
    rows: list[Row] = []

    def add(label: str, path: str, fmt: str, target: str = "",
            ok: Callable[[float], bool] | None = None, spread: str | None = None) -> None:
        v = _get(r, path)
        if isinstance(v, dict) and "median" in v:
            sp = _spread(r, path, "median", fmt)
            v = v["median"]
        elif spread == "leaf":
            sp = _spread(r, path, "leaf", fmt)
        else:
            sp = ""
        if v is None or isinstance(v, dict):  # missing, or a skipped figure (a row of its own)
            return
        verdict = ""
        if ok is not None and isinstance(v, int | float) and math.isfinite(v):
            verdict = "ok" if ok(v) else "MISS"
        rows.append((label, _num(v, fmt), sp, target, verdict))

    inc = _get(r, "live_hop_ms.info.included") or {}
    extra = "+".join(k for k, v in inc.items() if v is True)
    add(f"live hop p50, ms (2 ch, {extra})", "live_hop_ms.p50", ".3f", "<= 0.5",
        lambda v: v <= 0.5, "leaf")
    add("live hop p99, ms", "live_hop_ms.p99", ".3f", "<= 1.5", lambda v: v <= 1.5, "leaf")
    add("live hop max, ms", "live_hop_ms.max", ".3f", "", None, "leaf")
    add("  p50 thread CPU time, ms", "live_hop_cpu_ms.p50", ".3f", "", None, "leaf")
    add("  p99 thread CPU time", "live_hop_cpu_ms.p99", ".3f", "", None, "leaf")
    add("live hop p50, analysis only, ms", "live_hop_analysis_only_ms.p50", ".3f", "",
        None, "leaf")
    add("  p99", "live_hop_analysis_only_ms.p99", ".3f", "", None, "leaf")
    add("live hop p50, analysis only, webrtc backend, ms", "live_hop_webrtc_ms.p50", ".3f", "",
        None, "leaf")
    add("  p99", "live_hop_webrtc_ms.p99", ".3f", "", None, "leaf")
    for k in ("tracker", "coach"):
        v = inc.get(k)
        if isinstance(v, str):
            rows.append((f"  {k} in live loop", "no", "", "", v[:60]))
    add("review RTF per channel (ours)", "review_rtf", ".5f")
    add("Praat to_pitch_ac RTF", "praat_pitch_rtf", ".5f")
    add("review / Praat pitch", "review_ratios.review_over_praat", ".2f", "<= 1",
        lambda v: v <= 1.0)
    add("  fastest run / fastest run", "review_ratios.review_over_praat_best", ".2f", "<= 1",
        lambda v: v <= 1.0)
    add("librosa.yin RTF", "librosa_yin_rtf", ".5f")
    add("librosa.pyin RTF", "librosa_pyin_rtf", ".4f")
    add("review / librosa.yin", "review_ratios.review_over_librosa_yin", ".2f")
    add("review / librosa.pyin", "review_ratios.review_over_librosa_pyin", ".3f")
    add("review from file (decode+resample) RTF/ch", "review_file_rtf", ".5f")
    for key in sorted(k for k in r if k.startswith("peak_rss_mb")):
        if key.endswith("_analyze_file"):  # keeps every row, as the API returns them: it
            # grows with the call by design (about 49 MB per hour of two channels)
            add(f"peak RSS, MB ({key[12:-13]}, analyze_file keeps all rows)", key, ".1f")
        else:
            add(f"peak RSS, MB ({key[12:]})", key, ".1f", "<= 200", lambda v: v <= 200.0)
    add("RSS growth longest - shortest, MB", "rss_growth_mb", ".1f", "flat (< 10)",
        lambda v: v < 10.0)
    ds = _get(r, "pitch_gpe_vs_praat.info.datasets") or ""
    # these clips are in pitch_real's dev split (the tracker was tuned on them): a check, not
    # a held-out result (that is the "real voices (test ...)" row)
    add(f"pitch GPE vs Praat, % ({ds}; tuning clips)", "pitch_gpe_vs_praat.value", ".2f",
        "<= 3", lambda v: v <= 3.0)
    for name, v in (_get(r, "pitch_gpe_vs_praat.per_dataset") or {}).items():
        rows.append((f"  {name}", _num(v, ".2f"), "", "", ""))
    add("voicing agreement vs Praat", "voicing_agreement.value", ".3f")
    add("median |cents| vs Praat", "median_cents_vs_praat.value", ".1f")
    add("librosa.pyin GPE vs Praat, %", "pitch_peers_vs_praat.librosa_pyin.gpe_vs_praat", ".2f")
    add("librosa.pyin voicing agreement", "pitch_peers_vs_praat.librosa_pyin.voicing_agreement",
        ".3f")
    add("librosa.yin GPE vs Praat, %", "pitch_peers_vs_praat.librosa_yin.gpe_vs_praat", ".2f")
    pr = "pitch_real_speech.test.all_conditions.pooled"
    add("real voices (test, wide+tel) GPE vs Praat, %", "pitch_real_speech.gpe_pct", ".2f",
        "<= 2", lambda v: v <= 2.0)
    add("  settled pitch (review, analyze) GPE vs Praat, %", "pitch_real_speech.settled_gpe_pct",
        ".2f", "<= 2", lambda v: v <= 2.0)
    add("  voicing recall vs Praat", "pitch_real_speech.voicing_recall", ".3f", ">= 0.85",
        lambda v: v >= 0.85)
    add("  false voicing vs Praat", "pitch_real_speech.false_voicing", ".3f", "<= 0.10",
        lambda v: v <= 0.10)
    for cond in ("wide", "tel"):
        for m in ("ours", "settled", "librosa_pyin", "librosa_yin", "swiftf0"):
            add(f"  {cond}: {m} GPE, %", f"pitch_real_speech.test.{cond}.pooled.{m}.gpe_pct",
                ".2f")
    for m in ("librosa_pyin", "swiftf0"):
        add(f"  {m} (wide+tel) GPE, %", f"{pr}.{m}.gpe_pct", ".2f")
    for m in ("ours", "settled"):
        add(f"  tel vs Praat on the wideband originals: {m} GPE, %",
            f"pitch_real_speech.tel_vs_wideband_praat.{m}.gpe_pct", ".2f")
    eg = "pitch_egg.all.pooled"
    add("laryngograph (FDA, wide+tel): median |cents|", "pitch_egg.median_abs_cents", ".1f",
        "<= 25", lambda v: v <= 25.0)
    add("  GPE vs laryngograph (live pitch), %", "pitch_egg.gpe_pct", ".2f")
    add("  settled pitch GPE vs laryngograph, %", "pitch_egg.settled_gpe_pct", ".2f")
    add("  voicing recall vs laryngograph", "pitch_egg.voicing_recall", ".3f")
    add("  false voicing vs laryngograph", "pitch_egg.false_voicing", ".3f")
    for m in ("praat", "swiftf0", "librosa_pyin"):
        add(f"  {m}: GPE vs laryngograph, %", f"{eg}.{m}.gpe_pct", ".2f")
        add(f"  {m}: median |cents|", f"{eg}.{m}.median_abs_cents", ".1f")
    for name, d in (_get(r, "rate_error_pct.real") or {}).items():
        rows.append((f"syllable count |error| %, {name} (n={d.get('n_utterances')})",
                     _num(d.get("median_abs_error_pct"), ".1f"),
                     f"bias {_num(d.get('median_bias_pct'), '+.1f')} %", "", ""))
    add("rate |error| %, synthetic 3-7 syl/s", "rate_error_pct.synthetic_median_abs_error_pct",
        ".1f", "<= 10", lambda v: v <= 10.0)
    add("+10 % tempo step, |error| %", "rate_error_pct.rate_change_error_pct", ".1f", "<= 5",
        lambda v: v <= 5.0)
    for be in ("webrtc", "silero", "webrtcvad_alone"):
        for cond in ("clean", "snr10_white", "snr10_pink"):
            add(f"VAD F1 {be}, {cond}", f"vad_f1.{be}.{cond}.f1", ".3f")
    for be in ("webrtc", "silero"):
        add(f"VAD F1 {be}, synthetic 10 dB white", f"vad_f1_synthetic.{be}.snr10_white.f1", ".3f")
    add("synthetic GPE %, 20 dB (worst voice)", "synthetic_accuracy.gpe_pct", ".2f", "<= 2",
        lambda v: v <= 2.0)
    add("synthetic fine error, cents", "synthetic_accuracy.median_fine_error_cents", ".1f",
        "<= 20", lambda v: v <= 20.0)
    add("synthetic speech agreement", "synthetic_accuracy.speech_agreement", ".3f", ">= 0.95",
        lambda v: v >= 0.95)
    add("synthetic rate |error| %", "synthetic_accuracy.rate_error_pct", ".1f", "<= 10",
        lambda v: v <= 10.0)
    il = _get(r, "interruption_decision_latency_ms") or {}
    if "skipped" in il:
        rows.append(("interruption decision latency", "skipped", "", "", il["skipped"][:60]))
    else:
        add("interruption decision latency p50, ms", "interruption_decision_latency_ms.p50", ".0f",
            "<= 150", lambda v: v <= 150.0)
        add("  p90", "interruption_decision_latency_ms.p90", ".0f")
    e2e = _get(r, "e2e_latency_ms") or {}
    if "skipped" in e2e:
        rows.append(("end-to-end latency", "skipped", "", "", e2e["skipped"][:60]))
    else:
        add("end-to-end latency p50, ms (capture to drawn frame)", "e2e_latency_ms.total.p50",
            ".1f")
        add("  p99", "e2e_latency_ms.total.p99", ".1f")
        add("  pitch display lag p50, ms", "e2e_latency_ms.pitch_display_lag.p50", ".1f")
    for run in _get(r, "throughput.runs") or []:
        if isinstance(run, dict) and run.get("calls_per_min") is not None:
            rows.append((f"review batch, --jobs {run.get('jobs')}: calls/min",
                         _num(run["calls_per_min"], ".1f"),
                         f"x{_num(run.get('x_real_time'), '.1f')} real time", "", ""))
    add("what-if re-coaching speed-up vs a fresh review", "whatif.speedup", ".1f")
    rows.extend(_live_cpu_rows(r))
    rows.extend(_realcalls_rows(r))
    pr_rtf = _get(r, "praat_pitch_rtf") or {}
    if isinstance(pr_rtf, dict) and "skipped" in pr_rtf:
        rows.append(("Praat pitch (peer)", "skipped", "", "", str(pr_rtf["skipped"])[:160]))
    prs = _get(r, "pitch_real_speech") or {}
    if isinstance(prs, dict) and "skipped" in prs:
        rows.append(("real voices pitch vs Praat", "skipped", "", "", str(prs["skipped"])[:160]))
    egg = _get(r, "pitch_egg") or {}
    if isinstance(egg, dict) and "skipped" in egg:
        rows.append(("pitch vs laryngograph (FDA)", "skipped", "", "", str(egg["skipped"])[:160]))
    for step, why in (_get(r, "errors.info") or {}).items():
        rows.append((f"step {step}", "FAILED", "", "", str(why)[:80]))
    return rows


def _live_cpu_rows(r: dict[str, Any]) -> list[Row]:
    """Whole live process CPU per display kind, and the loaded run (benchmarks.live_cpu)."""
    res = _get(r, "live_cpu")
    if not isinstance(res, dict):
        return []
    if "skipped" in res:
        return [("live process CPU", "skipped", "", "", str(res["skipped"])[:120])]
    rows: list[Row] = []
    for kind, row in res.items():
        if kind == "info" or not isinstance(row, dict):
            continue
        label = f"live process CPU %, --display {row.get('display', kind)}" + (
            f" + hog, {row.get('duration_s', 0):.0f} s" if kind == "loaded" else "")
        if "skipped" in row:
            rows.append((label, "skipped", "", "", str(row["skipped"])[:60]))
            continue
        c = row.get("cpu_pct_of_one_core") or {}
        v, t = c.get("median"), c.get("target")
        ok = "" if v is None or t is None else ("ok" if v <= t else "MISS")
        rows.append((label, _num(v, ".1f"), f"p90 {_num(c.get('p90'), '.1f')}",
                     f"<= {t:g}" if t else "", ok))
        if kind == "loaded":
            lost = row.get("audio_lost")
            rows.append(("  audio lost under load", "-" if lost is None else str(lost), "",
                         "False", "" if lost is None else ("MISS" if lost else "ok")))
    return rows


def _realcalls_rows(r: dict[str, Any]) -> list[Row]:
    """Interruption recall etc. on calls from real voices (benchmarks.realcalls), per split."""
    rows: list[Row] = []

    def verdict(v: Any, ok: bool) -> str:
        return "" if v is None else ("ok" if ok else "MISS")

    for split, res in (_get(r, "realcalls") or {}).items():
        if "skipped" in res:
            rows.append((f"real-voice calls ({split})", "skipped", "", "", res["skipped"][:60]))
            continue
        for cond, c in res.get("conditions", {}).items():
            if "skipped" in c:
                rows.append((f"real calls {split}, {cond}", "skipped", "", "", c["skipped"][:60]))
            elif "recall" in c:
                t = 0.95 if cond == "clean" else 0.90
                rec = c["recall"]
                rows.append((f"real calls {split}, {cond}: interruption recall", _num(rec, ".2f"),
                             f"prec {_num(c['precision'], '.2f')}, FA bc "
                             f"{_num(c['fa_backchannel'], '.2f')}, attr "
                             f"{_num(c['attribution'], '.2f')}", f">= {t}",
                             verdict(rec, rec is not None and rec >= t)))
                if cond == "clean":
                    lat = c.get("latency_p90_s")
                    rows.append(("  latency from true onset p90, s", _num(lat, ".2f"),
                                 f"p50 {_num(c.get('latency_p50_s'), '.2f')}", "<= 0.65",
                                 verdict(lat, lat is not None and lat <= 0.65)))
            elif cond == "pure_echo":
                v = c["agent_s_per_min"]
                rows.append((f"real calls {split}, pure echo (cold starts): agent speech s/min",
                             _num(v, ".2f"),
                             f"agent events {c['agent_events_total']} in "
                             f"{c.get('calls_with_agent_event', '?')} of {c.get('calls', '?')} "
                             f"calls", "<= 1, no event",
                             verdict(v, v <= 1.0 and c["agent_events_total"] == 0)))
            elif "recall_double_talk" in c:
                v = c["recall_double_talk"]
                rows.append((f"real calls {split}, {cond}: agent recall", _num(v, ".2f"), "",
                             ">= 0.90", verdict(v, v is not None and v >= 0.9)))
    return rows


def print_table(r: dict[str, Any]) -> None:
    """Print the summary table of a result tree."""
    rows = summary_rows(r)
    m = r.get("machine") or {}
    title = (f"voicecoach benchmarks ({'quick' if r.get('quick') else 'full'}, "
             f"{r.get('run_s', '?')} s, {m.get('cpu_model', '?')}, "
             f"{m.get('cores_usable', '?')} cores, load {m.get('load_avg')} -> "
             f"{m.get('load_avg_end')})")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        Console = None  # noqa: N806
    if Console is not None:
        t = Table(title=title, show_lines=False)
        for c, j in (("figure", "left"), ("value", "right"), ("spread (min – max)", "right"),
                     ("target", "right"), ("", "left")):
            t.add_column(c, justify=j)  # type: ignore[arg-type]
        for row in rows:
            style = "bold red" if row[4] == "MISS" else None
            t.add_row(*row, style=style)
        Console(width=140).print(t)
        return
    print(title)
    w = max(len(x[0]) for x in rows)
    for row in rows:
        print(f"{row[0]:<{w}}  {row[1]:>10}  {row[2]:>20}  {row[3]:>10}  {row[4]}")
