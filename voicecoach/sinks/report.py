"""Per-call review report: ``timeline.png`` (matplotlib Agg) and ``report.html``.

The HTML page is self-contained and works when the report folder is opened from disk
(``file://``): no scripts or styles are fetched, the timeline is the PNG next to it and the
audio player plays the playback file named in ``report.json`` (``audio.playback``, a copy
of what was analysed, agent left, customer right, or a relative link to the original).

Page contents: the summary against the calm baseline; the timeline (agent pitch against the
calm band, rate and loudness against their thresholds, both speech lanes, overlaps,
interruptions and nudges), with a playhead that follows the audio and a click that seeks;
the events table, where clicking a row plays the audio from the event's start; plain-language
definitions of each metric (English or French, from the report's language).

The timeline is drawn from ``tracks.npy`` read in chunks and averaged into one bin per few
pixels, so memory does not grow with call length. Relative measures are read from the
tracks when they were computed with the same baseline settings (``measures_key``), else
recomputed with :class:`~voicecoach.baseline.BaselineTracker` (cheap).

matplotlib is imported lazily, inside :func:`render_timeline`, and only its object API with
the Agg canvas is used (no pyplot state), so rendering is safe in worker processes.
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..baseline.profile import Profile
from ..baseline.tracker import BaselineTracker
from ..config import Config, load_config
from ..errors import ParameterError
from ..i18n import message, number, resolve_lang, texts
from ..review.tracks import (
    CHUNK_HOPS,
    TRACKS_FILE,
    TrackReader,
    features_of,
    measures_key,
    measures_of,
)

__all__ = ["render_html", "render_report", "render_timeline", "timeline_series"]

#: Pixels of timeline per second of call, and the width limits.
PX_PER_S = 10.0
MIN_WIDTH_PX = 1000
MAX_WIDTH_PX = 8000
_LEFT_PX = 80
_RIGHT_PX = 20

_MINOR = ("speech", "turn", "response_gap")


def _lang(report: dict[str, Any], cfg: Config | None = None) -> str:
    """The report's own language (the one language rule of :mod:`voicecoach.i18n`)."""
    return resolve_lang((report.get("config") or {}).get("lang"), cfg)


# ----------------------------------------------------------------------------- series


def _width_px(duration_s: float) -> int:
    return int(min(MAX_WIDTH_PX, max(MIN_WIDTH_PX, round(duration_s * PX_PER_S))))


def timeline_series(
    folder: str | os.PathLike[str],
    report: dict[str, Any],
    config: Config | None = None,
    profile: Profile | None = None,
    n_bins: int | None = None,
) -> dict[str, np.ndarray]:
    """Binned series for the timeline, read from ``tracks.npy`` in chunks.

    Parameters
    ----------
    folder : path-like
        The report folder.
    report : dict
        Its report (names the tracks file).
    config : Config, optional
    profile : Profile, optional
        The agent's baseline; the relative measures are recomputed when the stored ones
        were made against another.
    n_bins : int, optional
        Default: about one bin per two pixels of the image, at most one per hop.

    Returns
    -------
    dict of np.ndarray, shape (n_bins,)
        ``t_s`` (bin centres), the agent's ``pitch_delta_st``, ``rate_delta_pct`` and
        ``loudness_delta_db`` (mean of the defined hops in the bin, NaN if none), and
        ``agent_speech`` / ``customer_speech`` (fraction of speech hops in the bin).
    """
    cfg = config or load_config()
    tinfo = report.get("tracks") or {}
    reader = TrackReader(Path(folder) / (tinfo.get("path") or TRACKS_FILE))
    n = reader.n_hops
    hop = cfg.analysis.hop_s
    dur = max(n * hop, 1e-9)
    nb = n_bins or max(1, min(n, _width_px(dur) // 2))
    names = ("pitch_delta_st", "rate_delta_pct", "loudness_delta_db")
    sums = {k: np.zeros(nb) for k in names}
    counts = {k: np.zeros(nb) for k in names}
    sp_sum = {p: np.zeros(nb) for p in ("agent", "customer")}
    hop_count = np.zeros(nb)
    cached = reader.has_rel and tinfo.get("measures_key") == measures_key(cfg, profile)
    bt = None if cached else BaselineTracker(cfg, profile, "agent")
    for s, rows in reader.chunks(CHUNK_HOPS):
        k = rows.shape[0]
        idx = (np.arange(s, s + k, dtype=np.int64) * nb) // max(n, 1)
        hop_count += np.bincount(idx, minlength=nb)
        if cached:
            rel = measures_of(rows, "agent")
        else:
            assert bt is not None
            rel = bt.process(features_of(rows, "agent"))
        for nm in names:
            v = np.asarray(getattr(rel, nm), np.float64)
            ok = np.isfinite(v)
            sums[nm] += np.bincount(idx[ok], weights=v[ok], minlength=nb)
            counts[nm] += np.bincount(idx[ok], minlength=nb)
        for p in ("agent", "customer")[: reader.parties]:
            sp = np.asarray(rows[f"{p}.speech"], np.float64)
            sp_sum[p] += np.bincount(idx, weights=sp, minlength=nb)
    out: dict[str, np.ndarray] = {"t_s": (np.arange(nb) + 0.5) * dur / nb}
    with np.errstate(invalid="ignore", divide="ignore"):
        for nm in names:
            out[nm] = np.where(counts[nm] > 0, sums[nm] / counts[nm], np.nan)
        for p in ("agent", "customer"):
            out[f"{p}_speech"] = np.where(hop_count > 0, sp_sum[p] / hop_count, 0.0)
    out["has_customer"] = np.array(reader.parties == 2)
    return out


# ----------------------------------------------------------------------------- PNG


def _mmss(x: float, _pos: Any = None) -> str:
    x = max(0.0, x)
    return f"{int(x // 60)}:{int(x % 60):02d}"


def render_timeline(
    path: str | os.PathLike[str],
    report: dict[str, Any],
    series: dict[str, np.ndarray],
    config: Config | None = None,
) -> dict[str, float]:
    """Draw the timeline PNG.

    Parameters
    ----------
    path : path-like
        The PNG to write (mode 0600).
    report : dict
    series : dict of np.ndarray
        :func:`timeline_series`.
    config : Config, optional

    Returns
    -------
    dict
        The mapping from time to image x for the page's playhead: ``x0``, ``x1`` (fractions
        of the image width of the plot area) and ``t0``, ``t1`` (s) at those edges, plus
        ``width``, ``height`` in pixels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    cfg = config or load_config()
    lang = _lang(report, cfg)
    dur = float(report["audio"]["duration_s"]) or (
        float(series["t_s"][-1]) if len(series["t_s"]) else 1.0
    )
    dur = max(dur, 1e-3)
    width = _width_px(dur)
    height = 560
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    x0 = _LEFT_PX / width
    x1 = 1.0 - _RIGHT_PX / width
    # panels, top to bottom: (bottom, height) in figure fractions
    spec = [(0.68, 0.27), (0.47, 0.18), (0.26, 0.18), (0.07, 0.15)]
    axes = [fig.add_axes((x0, b, x1 - x0, h)) for b, h in spec]
    t = series["t_s"]
    events = report.get("events", [])
    personal = personal_thresholds(report, cfg)
    pitch_thr = personal["pitch_high"]
    rate_thr = personal["rate_high"]
    loud_thr = personal["loudness_high"]
    tx = texts(lang).REPORT
    lab = (tx["axis_pitch"], tx["axis_rate"], tx["axis_loudness"], tx["axis_speech"])

    ax = axes[0]
    ax.axhspan(-pitch_thr, pitch_thr, color="#cfe8cf", zorder=0, lw=0)
    ax.axhline(0, color="#8a8", lw=0.6)
    p = series["pitch_delta_st"]
    ax.plot(t, p, color="#1f4e9c", lw=1.0)
    ax.fill_between(
        t, pitch_thr, p, where=np.nan_to_num(p, nan=-99) > pitch_thr, color="#d33", alpha=0.5, lw=0
    )
    fin = p[np.isfinite(p)]
    lim = max(pitch_thr + 1.5, float(np.max(np.abs(fin))) + 0.5 if fin.size else 0.0)
    ax.set_ylim(-min(lim, 12), min(lim, 12))

    for ax, key, thr in (
        (axes[1], "rate_delta_pct", rate_thr),
        (axes[2], "loudness_delta_db", loud_thr),
    ):
        v = series[key]
        ax.axhspan(-thr, thr, color="#eef5ee", zorder=0, lw=0)
        ax.axhline(thr, color="#d33", lw=0.7, ls="--")
        ax.axhline(0, color="#8a8", lw=0.6)
        ax.plot(t, v, color="#555", lw=0.9)
        ax.fill_between(
            t, thr, v, where=np.nan_to_num(v, nan=-1e9) > thr, color="#d33", alpha=0.45, lw=0
        )
        fin = v[np.isfinite(v)]
        lo = min(-thr, float(np.min(fin)) if fin.size else -thr)
        hi = max(thr * 1.6, float(np.max(fin)) if fin.size else thr)
        ax.set_ylim(max(lo, -4 * thr), min(hi * 1.1, 4 * thr))

    ax = axes[3]
    lanes = [("agent", 1.0, "#1f4e9c")]
    if bool(series.get("has_customer", True)):
        lanes.append(("customer", 0.0, "#b5651d"))
    step = float(t[1] - t[0]) if len(t) > 1 else dur
    for party, y, color in lanes:
        on = series[f"{party}_speech"] >= 0.5
        spans = _runs(on, t - step / 2, step)
        ax.broken_barh(spans, (y - 0.35, 0.7), color=color, alpha=0.85, lw=0)
    for e in events:
        if e["kind"] == "overlap":
            ax.axvspan(e["start_s"], e["end_s"], color="#e33", alpha=0.25, lw=0)
        elif e["kind"] == "interruption" and not e.get("retracted"):
            y = 1.0 if e.get("by") == "agent" else 0.0
            ax.plot([e["start_s"]], [y + 0.45], marker="v", color="#c00", ms=7, clip_on=False)
    ax.set_yticks([y for _, y, _ in lanes])
    ax.set_yticklabels([texts(lang).PARTIES[p] for p, _, _ in lanes])
    ax.set_ylim(-0.6, 1.6)

    ready = ((report["summary"].get("coach") or {}).get("baseline") or {}).get("agent_ready_s")
    forming = dur if ready is None else min(float(ready), dur)
    if forming > 0:
        for a in axes[:3]:
            a.axvspan(0, forming, color="#eee", zorder=0.5, lw=0)
        axes[0].text(
            forming / 2,
            0.5,
            tx["baseline_forming"],
            transform=axes[0].get_xaxis_transform(),
            ha="center",
            va="center",
            fontsize=8,
            color="#888",
        )
    for e in events:
        if e["kind"] != "nudge":
            continue
        for a in axes:
            a.axvline(e["start_s"], color="#e08000", lw=1.2, zorder=5)
        axes[0].annotate(
            e.get("message", ""),
            (e["start_s"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=8,
            color="#a05a00",
            rotation=0,
            va="bottom",
            annotation_clip=False,
        )
    for a, lbl in zip(axes, lab, strict=True):
        a.set_xlim(0, dur)
        a.set_ylabel(lbl, fontsize=8)
        a.tick_params(labelsize=7)
        a.grid(axis="x", color="#ddd", lw=0.5)
        a.xaxis.set_major_formatter(FuncFormatter(_mmss))
        if a is not axes[-1]:
            a.tick_params(labelbottom=False)
    from ..privacy import private_file

    fig.savefig(os.fspath(private_file(path)), dpi=dpi)
    return {"x0": x0, "x1": x1, "t0": 0.0, "t1": dur, "width": width, "height": height}


def _runs(on: np.ndarray, starts: np.ndarray, step: float) -> list[tuple[float, float]]:
    if not on.any():
        return []
    d = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    b = np.flatnonzero(d == 1)
    e = np.flatnonzero(d == -1)
    return [(float(starts[i]), float((j - i) * step)) for i, j in zip(b, e, strict=True)]


# ----------------------------------------------------------------------------- HTML


#: The language whose decimal mark :func:`_f` uses, set by :func:`render_html`.
_NUMBERS_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("numbers", default="en")


def _f(v: Any, fmt: str = "{:.1f}", unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return fmt.format(number(v, _NUMBERS_LANG.get())) + unit


def _pct(fraction: Any) -> float | None:
    """A fraction as a percentage (None stays None)."""
    return None if fraction is None else 100.0 * float(fraction)


def _call_note(call: dict[str, Any], lang: str) -> str:
    """The report's ``call.note`` in ``lang`` (from ``note_id``; the English ``note`` of a
    report written before it had one); "" without a note."""
    t = texts(lang)
    nid = call.get("note_id")
    if nid in t.NOTES:
        args = dict(call.get("note_args") or {})
        if "short" in args:
            args["short"] = t.PARTIES.get(args["short"], args["short"])
        return t.NOTES[nid].format(**args)
    return str(call.get("note") or "")


def _event_details(e: dict[str, Any], lang: str) -> str:
    party = texts(lang).PARTIES
    tx = texts(lang).REPORT
    k = e["kind"]
    if k in ("interruption", "overlap", "backchannel", "turn_end_overlap"):
        by, of = party.get(e.get("by"), e.get("by")), party.get(e.get("of"), e.get("of"))
        return f"{by} → {of}" + (tx["retracted"] if e.get("retracted") else "")
    if k == "nudge":
        rec = e.get("recovered_after_s")
        r = tx["recovered_after"].format(s=rec) if rec is not None else tx["not_recovered"]
        val = e.get("value")
        thr = e.get("threshold")
        rule = texts(lang).RULES.get(e.get("rule"), e.get("rule"))
        quoted = tx["quote"].format(m=e.get("message", ""))
        return f"{quoted} ({rule}{tx['sep']}{_f(val)} ≥ {_f(thr)}; {r})"
    if k == "response_gap":
        return (
            f"{party.get(e.get('party'), '')} {tx['gap_after']} {party.get(e.get('after'), '')}"
            f"{tx['sep']}"
            f"{_f(e.get('gap_s'), '{:.2f}', ' s')}"
        )
    if k in ("turn", "speech"):
        return party.get(e.get("party"), "")
    return ""


def personal_thresholds(report: dict[str, Any], cfg: Config) -> dict[str, float]:
    """The prosody rules' thresholds before de-escalation, as the coach used them: the
    configured floor, raised for a speaker whose calm measure wanders more (from the agent's
    baseline in the report; the floors when it has none).

    Parameters
    ----------
    report : dict
    cfg : Config

    Returns
    -------
    dict of str to float
        ``pitch_high`` (st), ``rate_high`` (%) and ``loudness_high`` (dB).
    """
    from ..pipeline import make_coach

    bl = (((report.get("summary") or {}).get("coach") or {}).get("baseline") or {}).get("agent")
    prof = None
    if bl:
        with contextlib.suppress(ParameterError, TypeError, ValueError):
            prof = Profile.from_dict(bl)
    coach = make_coach(cfg, prof)
    if prof is None:
        return {r: cfg.coach.rules[r].threshold for r in ("pitch_high", "rate_high",
                                                           "loudness_high")}
    return {r: coach.personal_threshold(r) for r in ("pitch_high", "rate_high", "loudness_high")}


def _summary_rows(report: dict[str, Any], cfg: Config, lang: str) -> list[tuple[str, ...]]:
    s = report["summary"]
    ag = s.get("agent") or {}
    cu = s.get("customer") or {}
    conv = s.get("conversation") or {}
    co = s.get("coach") or {}
    bl = (co.get("baseline") or {}).get("agent") or {}
    st = (report.get("stats") or {}).get("agent") or {}
    dur = float(report["audio"]["duration_s"]) or 1.0
    above = co.get("above_threshold_s") or {}
    measured = co.get("measured_s") or {}
    rules = cfg.coach.rules
    tx = texts(lang).REPORT

    def pct(a: Any, b: Any) -> str:
        return f" ({100 * a / b:.0f} %)" if a is not None and b else ""

    thr = personal_thresholds(report, cfg)

    def halved(rule: str) -> str:
        return f" ({tx['halved_when_agitated']})" if rules[rule].deescalate else ""

    rows = [
        (
            tx["median_pitch"],
            _f(st.get("pitch_median_hz"), "{:.0f}", " Hz"),
            _f(bl.get("f0_median_hz"), "{:.0f}", " Hz"),
            "",
        ),
        (
            tx["time_above_pitch"],
            _f(above.get("pitch_high"), "{:.1f}", " s")
            + pct(above.get("pitch_high"), measured.get("pitch_high")),
            f"{tx['threshold']} +{number(thr['pitch_high'], lang):.2g} "
            f"{texts(lang).VERDICTS['st']}",
            halved("pitch_high"),
        ),
        (
            tx["speaking_rate"],
            _f(st.get("articulation_rate_median"), "{:.2f}", " syl/s"),
            _f(bl.get("articulation_rate_median"), "{:.2f}", " syl/s"),
            tx["time_above_plus"]
            + f"{number(thr['rate_high'], lang):.3g} %{tx['sep']}"
            + _f(above.get("rate_high"), "{:.1f}", " s")
            + halved("rate_high"),
        ),
        (
            tx["loudness"],
            _f(st.get("speech_level_db"), "{:.1f}", " dBFS"),
            _f(bl.get("loudness_db"), "{:.1f}", " dBFS"),
            tx["time_above_plus"]
            + f"{number(thr['loudness_high'], lang):.2g} dB{tx['sep']}"
            + _f(above.get("loudness_high"), "{:.1f}", " s")
            + halved("loudness_high"),
        ),
        (tx["talk_ratio"], _f(_pct(ag.get("talk_ratio")), "{:.0f}", " %"), "", ""),
        (
            tx["interruptions_made"],
            _f(ag.get("interruptions_made"), "{}"),
            "",
            _f(
                ag["interruptions_made"] * 600.0 / dur
                if ag.get("interruptions_made") is not None else None,
                "{:.1f}",
                " / 10 min",
            ),
        ),
        (
            tx["interrupted_by_customer"],
            _f(ag.get("interrupted"), "{}"),
            "",
            "",
        ),
        (
            tx["median_response_gap"],
            _f(ag.get("response_gap_median_s"), "{:.2f}", " s"),
            "",
            tx["jump_ins"] + str(ag.get("jump_ins", "–")),
        ),
        (
            tx["longest_turn"],
            _f(ag.get("longest_turn_s"), "{:.1f}", " s"),
            "",
            "",
        ),
    ]
    nudges = co.get("nudges") or {}
    total = sum(nudges.values()) if nudges else 0
    names = texts(lang).RULES
    by_rule = ", ".join(f"{names.get(k, k)} {v}" for k, v in nudges.items() if v)
    held = {k: v for k, v in (co.get("held_back") or {}).items() if v}
    if held:  # the repeat rule kept these quiet: the trainer sees they happened
        by_rule += (tx["semicolon"] if by_rule else "") + tx["held_back"] + ", ".join(
            f"{names.get(k, k)} {v}" for k, v in held.items())
    rows.append((tx["nudges"], str(total), "", by_rule))
    if report.get("whatif"):
        w = report["whatif"]
        rows.append(
            (
                tx["whatif"],
                str(w.get("nudges")),
                "",
                f"{tx['was']}{tx['sep']}{w.get('nudges_before')}",
            )
        )
    if cu:
        rows.append(
            (
                tx["customer_talk_ratio"],
                _f(_pct(cu.get("talk_ratio")), "{:.0f}", " %"),
                "",
                "",
            )
        )
        rows.append(
            (
                tx["customer_agitated"],
                _f(co.get("customer_agitated_s"), "{:.1f}", " s"),
                "",
                tx["deescalation_mode"] + _f(co.get("deescalation_s"), "{:.1f}", " s"),
            )
        )
    if conv.get("available", True) and conv.get("overlap_s") is None and "overlap_s" in conv:
        # a mono call's two voices: each stretch goes to one party, overlaps are not measured
        rows.append((tx["overlap"], "–", "", tx["overlap_mono"]))
    elif conv.get("available", True) and "overlap_s" in conv:
        rows.append(
            (
                tx["overlap"],
                _f(conv.get("overlap_s"), "{:.1f}", " s"),
                "",
                f"{conv.get('overlaps', 0)} ×{tx['semicolon']}"
                + tx["mutual_silences"]
                + str(conv.get("mutual_silences", 0)),
            )
        )
    elif conv:  # one party recorded
        rows.append((tx["conversation"], "–", "", tx["single_party"]))
    echo = conv.get("echo") if conv else None
    if echo:
        if echo.get("enabled"):
            disp = texts(lang).DISPLAY
            parts = []
            if echo.get("delay_s") is not None:
                parts.append(f"{1000 * echo['delay_s']:.0f} ms")
            if echo.get("erle_db") is not None:
                parts.append(f"ERLE {echo['erle_db']:.0f} dB")
            detail = ", ".join(parts)
            rows.append((disp["echo"], disp.get("echo_" + str(echo.get("state")), "–"), "",
                         detail))
        else:
            rows.append((texts(lang).DISPLAY["echo"], texts(lang).DISPLAY["echo_off"], "",
                         str(echo.get("reason") or "")))
    return rows


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.2em;color:#222;
max-width:1400px}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.4em}
table{border-collapse:collapse;font-size:.9em}td,th{border-bottom:1px solid #ddd;
padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}
.meta{color:#666}.tl{position:relative;overflow-x:auto;border:1px solid #ddd}
.tl-inner{position:relative;display:inline-block}
#timeline{display:block;cursor:pointer}
#playhead{position:absolute;top:0;bottom:0;width:2px;background:#e00;left:0;pointer-events:none}
#events tr[data-start]{cursor:pointer}#events tr[data-start]:hover{background:#eef4ff}
#events tr.current{background:#fff2cc}tr.minor{color:#777}tr.hidden{display:none}
.kind-nudge td:first-child{color:#a05a00;font-weight:600}
.kind-interruption td:first-child{color:#c00;font-weight:600}
audio{width:100%;max-width:700px}dl dt{font-weight:600;margin-top:.5em}dl dd{margin-left:1em}
.player{position:sticky;top:0;background:#fff;padding:.3em 0;z-index:2}
"""

_JS = """
(function(){
  var audio = document.getElementById('audio');
  var img = document.getElementById('timeline');
  var head = document.getElementById('playhead');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#events tr[data-start]'));
  var m = JSON.parse(document.getElementById('timeline-map').textContent);
  function seek(t){
    if (!audio) return;
    audio.currentTime = Math.max(0, t);
    var p = audio.play();
    if (p && p.catch) p.catch(function(){});
  }
  function xOf(t){ return (m.x0 + (t - m.t0) / (m.t1 - m.t0) * (m.x1 - m.x0)) * img.clientWidth; }
  function place(){
    if (!audio || !img) return;
    var t = audio.currentTime || 0;
    head.style.left = xOf(t) + 'px';
    var cur = null;
    rows.forEach(function(r){
      var s = parseFloat(r.dataset.start), e = parseFloat(r.dataset.end);
      var on = !r.classList.contains('hidden') && t >= s && t <= e;
      r.classList.toggle('current', on);
    });
  }
  rows.forEach(function(r){
    r.addEventListener('click', function(){ seek(parseFloat(r.dataset.start)); place(); });
  });
  if (img) img.addEventListener('click', function(ev){
    var rect = img.getBoundingClientRect();
    var f = (ev.clientX - rect.left) / rect.width;
    var t = m.t0 + (f - m.x0) / (m.x1 - m.x0) * (m.t1 - m.t0);
    seek(Math.min(m.t1, Math.max(m.t0, t))); place();
  });
  if (audio) {
    audio.addEventListener('timeupdate', place);
    audio.addEventListener('seeked', place);
  }
  var all = document.getElementById('show-all');
  function filt(){
    rows.forEach(function(r){
      r.classList.toggle('hidden', r.classList.contains('minor') && !all.checked);
    });
  }
  if (all) { all.addEventListener('change', filt); filt(); }
  window.voicecoachSeek = seek;
})();
"""


def render_html(
    path: str | os.PathLike[str],
    report: dict[str, Any],
    mapping: dict[str, float] | None,
    config: Config | None = None,
    timeline: str = "timeline.png",
) -> None:
    """Write ``report.html`` for a report dict (see the module notes).

    Parameters
    ----------
    path : path-like
        The page to write.
    report : dict
    mapping : dict or None
        :func:`render_timeline`'s time-to-pixel mapping (None: no playhead).
    config : Config, optional
    timeline : str
        The timeline image's file name, relative to the page.
    """
    cfg = config or load_config()
    lang = _lang(report, cfg)
    token = _NUMBERS_LANG.set(lang)  # the page's numbers with its decimal mark
    try:
        _render_html(path, report, mapping, cfg, timeline, lang)
    finally:
        _NUMBERS_LANG.reset(token)


def _render_html(path: str | os.PathLike[str], report: dict[str, Any],
                 mapping: dict[str, float] | None, cfg: Config, timeline: str,
                 lang: str) -> None:
    tx = texts(lang).REPORT
    esc = html.escape
    call = report.get("call") or {}
    a = report["audio"]
    src = a["path"] if isinstance(a["path"], str) else " + ".join(a["path"])
    name = call.get("stem") or Path(src).stem
    bl = (report["summary"].get("coach") or {}).get("baseline") or {}
    bl_note = (
        tx["provisional"]
        if bl.get("agent_provisional", True)
        else (f"{tx['calibrated']} {((bl.get('agent') or {}).get('name') or '')}")
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{esc(tx['title'] + tx['sep'] + name)}</title><style>{_CSS}</style></head><body>",
        f'<p class="meta"><a href="../index.html">{esc(tx["index"])}</a></p>',
        f"<h1>{esc(tx['title'] + tx['sep'] + name)}</h1>",
        '<p class="meta">'
        + " · ".join(
            esc(x)
            for x in (
                f"{tx['agent']}{tx['sep']}{call.get('agent')}" if call.get("agent") else "",
                str(call.get("date") or ""),
                _mmss(float(a["duration_s"])) + f" ({_f(a['duration_s'], '{:.1f}', ' s')})",
                tx.get("kind_" + str(a.get("kind")), str(a.get("kind") or "")),
                src,
            )
            if x
        )
        + "</p>",
    ]
    pb = a.get("playback")
    parts.append('<div class="player">')
    if pb:
        parts.append(
            f'<audio id="audio" controls preload="auto" src="{esc(pb, quote=True)}"></audio>'
        )
    else:
        parts.append(f"<p>{esc(tx['no_audio'])}</p>")
    parts.append("</div>")

    parts.append(f"<h2>{esc(tx['summary'])}</h2>")
    speech_s = (bl.get("agent") or {}).get("speech_s")
    if speech_s is not None:
        bl_note += f" ({float(speech_s):.0f} {tx['speech_used']})"
    parts.append(f'<p class="meta">{esc(tx["baseline"] + tx["sep"] + bl_note)}</p>')
    call_note = _call_note(call, lang)
    if call_note:  # a session cut short, identical channels, files of different lengths
        parts.append(f'<p class="meta verdict">{esc(call_note)}</p>')
    for extra in (report.get("mono") or {}, report.get("channels") or {},
                  report.get("band") or {}):
        if extra.get("note"):  # two voices on one channel; swapped channels; the bands
            parts.append(f'<p class="meta verdict">{esc(extra["note"])}</p>')
    for rule, why in sorted((bl.get("verdicts") or {}).items()):
        if why:  # the baseline cannot judge this rule: say so (the coach stayed silent)
            parts.append(
                f'<p class="meta verdict">{esc(tx["not_judged"])} '
                f"({esc(message(rule, lang))}){esc(tx['sep'] + why)}</p>"
            )
    in_call = bl.get("in_call_rules") or []
    if in_call:  # [coach] incall_*: these rules also read the call's own earlier level
        names = ", ".join(message(r, lang) for r in in_call)
        parts.append(f'<p class="meta">{esc(tx["in_call"] + tx["sep"] + names)}</p>')
    parts.append(
        f'<table id="summary"><tr><th>{esc(tx["metric"])}</th><th>{esc(tx["this_call"])}</th>'
        f"<th>{esc(tx['baseline'])}</th><th>{esc(tx['note'])}</th></tr>"
    )
    for r in _summary_rows(report, cfg, lang):
        parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
    parts.append("</table>")

    parts.append(f'<h2>{esc(tx["timeline"])}</h2><p class="meta">{esc(tx["timeline_help"])}</p>')
    if mapping is not None:
        parts.append(
            '<div class="tl"><div class="tl-inner">'
            f'<img id="timeline" src="{esc(timeline, quote=True)}" width="{int(mapping["width"])}"'
            f' height="{int(mapping["height"])}" alt="timeline">'
            '<div id="playhead"></div></div></div>'
        )
    map_json = json.dumps(mapping or {"x0": 0, "x1": 1, "t0": 0, "t1": 1, "width": 0})
    parts.append(f'<script type="application/json" id="timeline-map">{map_json}</script>')

    parts.append(f'<h2>{esc(tx["events"])}</h2><p class="meta">{esc(tx["events_help"])}</p>')
    parts.append(f'<label><input type="checkbox" id="show-all"> {esc(tx["show_all"])}</label>')
    parts.append(
        f'<table id="events"><tr><th>{esc(tx["kind"])}</th><th>{esc(tx["start"])}</th>'
        f"<th>{esc(tx['end'])}</th><th>{esc(tx['details'])}</th></tr>"
    )
    labels = texts(lang).EVENT_KINDS
    for e in report.get("events", []):
        k = e["kind"]
        cls = f"kind-{k}" + (" minor" if k in _MINOR else "")
        end = e["end_s"] if e.get("end_s") is not None else e["start_s"]
        parts.append(
            f'<tr class="{cls}" data-kind="{esc(k)}" data-start="{e["start_s"]:.3f}" '
            f'data-end="{end:.3f}"><td>{esc(labels.get(k, k))}</td>'
            f"<td>{_mmss(e['start_s'])} ({_f(e['start_s'], '{:.2f}', ' s')})</td>"
            f"<td>{_mmss(end)}</td>"
            f"<td>{esc(_event_details(e, lang))}</td></tr>"
        )
    parts.append("</table>")

    parts.append(f"<h2>{esc(tx['definitions'])}</h2><dl>")
    for term, d in texts(lang).DEFINITIONS:
        parts.append(f"<dt>{esc(term)}</dt><dd>{esc(d)}</dd>")
    parts.append("</dl>")
    parts.append(f"<script>{_JS}</script></body></html>")
    from ..privacy import open_private

    with open_private(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def render_report(
    folder: str | os.PathLike[str],
    report: dict[str, Any],
    config: Config | None = None,
    profile: Profile | None = None,
) -> Sequence[Path]:
    """Write ``timeline.png`` and ``report.html`` into a report folder.

    Parameters
    ----------
    folder : path-like
    report : dict
        The folder's report.
    config : Config, optional
    profile : Profile, optional
        As :func:`timeline_series`.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    series = timeline_series(folder, report, config, profile)
    png = folder / "timeline.png"
    mapping = render_timeline(png, report, series, config)
    page = folder / "report.html"
    render_html(page, report, mapping, config)
    return [png, page]
