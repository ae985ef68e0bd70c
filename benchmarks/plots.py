"""PNG plots of a benchmark run (matplotlib with the Agg backend, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_plots"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _hist(store: dict[str, Any], result: dict[str, Any], path: Path) -> bool:
    us = store.get("live_us")
    if us is None or not len(us):
        return False
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    hi = max(float(np.max(us)), 1100.0)
    bins = np.logspace(np.log10(max(float(np.min(us)), 10.0)), np.log10(hi), 80)
    ax.hist(us, bins=bins, color="#4477aa")
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    p50, p99 = np.percentile(us, [50, 99])
    for x, lab, c in ((p50, f"p50 {p50:.0f} µs", "k"), (p99, f"p99 {p99:.0f} µs", "#aa3377"),
                      (300, "target p50 300 µs", "#228833"), (1000, "target p99 1 ms", "#ee6677")):
        ax.axvline(x, color=c, ls="--" if "target" in lab else "-", lw=1.2, label=lab)
    inc = store.get("included", {})
    parts = [k for k, v in inc.items() if v is True]
    ax.set_title(f"Live path: time per 10 ms hop, 2 channels ({' + '.join(parts)}); "
                 f"{len(us)} hops", fontsize=10)
    ax.set_xlabel("µs per hop (log)")
    ax.set_ylabel("hops (log)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _budget(store: dict[str, Any], result: dict[str, Any], path: Path) -> bool:
    stages = store.get("stage_us")
    if not stages:
        return False
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), gridspec_kw={"height_ratios": [1, 1.3]})
    names = list(stages)
    med = [float(np.median(stages[n])) for n in names]
    p99 = [float(np.percentile(stages[n], 99)) for n in names]
    cmap = plt.get_cmap("tab10")
    left = 0.0
    for i, (n, m) in enumerate(zip(names, med, strict=True)):
        ax1.barh(0, m, left=left, color=cmap(i % 10), label=f"{n} {m:.0f} µs")
        left += m
    left99 = 0.0
    for i, (_, m) in enumerate(zip(names, p99, strict=True)):
        ax1.barh(1, m, left=left99, color=cmap(i % 10))
        left99 += m
    ax1.axvline(300, color="#228833", ls="--", lw=1)
    ax1.axvline(1000, color="#ee6677", ls="--", lw=1)
    ax1.set_yticks([0, 1], ["median", "p99"])
    ax1.set_xlabel("compute per 10 ms hop, µs (2 channels); dashed: 300 µs / 1 ms targets")
    ax1.set_title("Latency budget by stage", fontsize=10)
    ax1.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    delays = dict(store.get("feature_delay_ms", {}))
    compute_ms = sum(med) / 1e3
    delays["compute (median)"] = compute_ms
    e2e = result.get("e2e_latency_ms", {})
    if "total" in e2e:
        delays["end to end (measured)"] = e2e["total"]["p50"]
    ax2.barh(list(delays), list(delays.values()), color="#66ccee")
    for y, v in enumerate(delays.values()):
        ax2.text(v, y, f" {v:.0f} ms" if v >= 1 else f" {v:.2f} ms", va="center", fontsize=8)
    ax2.axvline(100, color="#ee6677", ls="--", lw=1)
    ax2.set_xlabel("ms: how late each decision is, by design (dashed: 100 ms display goal)")
    skipped = e2e.get("skipped")
    if skipped:
        ax2.set_title("Algorithmic delays (end-to-end through audio devices: skipped)",
                      fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _snr(store: dict[str, Any], result: dict[str, Any], path: Path) -> bool:
    syn, vad = store.get("synth_sweep"), store.get("vad_sweep")
    if not syn and not vad:
        return False
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))

    def xs(snrs: list[float | None]) -> tuple[list[float], list[str]]:
        top = max([s for s in snrs if s is not None], default=30.0) + 10.0
        return [top if s is None else s for s in snrs], [
            "clean" if s is None else f"{s:g}" for s in snrs]

    if syn:
        x, lab = xs(syn["snr_db"])
        ax1.plot(x, syn["gpe_pct"], "o-", label="GPE % (vs truth)")
        ax1.plot(x, [100 * (1 - v) for v in syn["voicing_recall"]], "s--",
                 label="missed voiced frames %")
        ax1.axhline(2.0, color="#ee6677", ls=":", lw=1, label="GPE goal 2 %")
        ax1.set_xticks(x, lab)
        ax1.set_xlabel("SNR dB (white noise)")
        ax1.set_ylabel("%")
        ax1.set_title("Pitch on synthetic speech (110 Hz)", fontsize=10)
        ax1.legend(fontsize=8)
    if vad:
        x, lab = xs(vad["snr_db"])
        for k, style in (("webrtc", "o-"), ("silero", "s-"), ("webrtcvad_alone", "x--")):
            ax2.plot(x, vad[f"vad_f1_{k}"], style, label=k)
        if syn:
            xx, _ = xs(syn["snr_db"])
            ax2.plot(xx, syn["speech_f1"], "d:", label="webrtc on synthetic")
        ax2.set_xticks(x, lab)
        ax2.set_ylim(0, 1.02)
        ax2.set_xlabel("SNR dB (white noise)")
        ax2.set_ylabel("frame F1")
        ax2.set_title("Speech detection on vad_counting (real speech)", fontsize=10)
        ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_plots(store: dict[str, Any], result: dict[str, Any], out_dir: Path,
                stem: str) -> list[str]:
    """Write the histogram, budget and SNR plots; return the file names written."""
    written = []
    for name, fn in (("live_hop_hist", _hist), ("latency_budget", _budget),
                     ("accuracy_vs_snr", _snr)):
        p = out_dir / f"{stem}_{name}.png"
        if fn(store, result, p):
            written.append(p.name)
    return written
