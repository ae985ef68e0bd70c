"""Cross-call index: ``DIR/index.html`` over every ``DIR/*/report.json``.

For each agent (from the report's ``call.agent``: the ``--name-pattern`` or the
``--manifest``; "(unknown)" otherwise) the page has

* one row per call: date, duration, interruptions made per 10 min, time above the pitch
  band (s and % of measured time), median speaking rate (syllables per second of speech)
  and its change against the calm baseline, talk ratio, median response gap, nudges, with a
  link to the call's ``report.html``;
* a totals row (interruptions per 10 min over all the agent's minutes, time-weighted
  ratios, medians of the per-call medians);
* trends over dates: the same measures per date, drawn as small inline SVG line charts
  (no scripts, no network: the page works from disk).

:func:`call_metrics` computes the per-call numbers from a report dict; it is the one place
where they are defined.
"""

from __future__ import annotations

import contextvars
import html
import math
import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..i18n import number, resolve_lang, texts
from ..review.document import read_report

__all__ = ["METRICS", "call_metrics", "collect", "write_index"]

UNKNOWN_AGENT = "(unknown)"

#: Index columns: key, format, higher-is-worse (headings: ``INDEX_METRICS`` of
#: :mod:`voicecoach.locale`).
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("interruptions_per_10min", "{:.1f}", True),
    ("above_pitch_band_pct", "{:.0f}", True),
    ("rate_syl_s", "{:.2f}", True),
    ("talk_ratio_pct", "{:.0f}", True),
    ("response_gap_s", "{:.2f}", False),
    ("nudges", "{:.0f}", True),
)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def call_metrics(report: dict[str, Any]) -> dict[str, Any]:
    """Index numbers of one call.

    Parameters
    ----------
    report : dict
        A ``voicecoach.report/1`` document.

    Returns
    -------
    dict
        ``duration_s``; ``interruptions_per_10min`` (interruptions made by the agent per
        600 s of call); ``above_pitch_band_s`` and ``above_pitch_band_pct`` (of the time the
        agent's pitch was measured); ``rate_syl_s`` (median articulation rate over the
        agent's speech) and ``rate_vs_baseline_pct``; ``talk_ratio_pct``;
        ``response_gap_s`` (the agent's median response gap); ``nudges``. None where a
        number is not available (e.g. conversation numbers of a mono recording).
    """
    s = report.get("summary") or {}
    ag = s.get("agent") or {}
    co = s.get("coach") or {}
    dur = _num((report.get("audio") or {}).get("duration_s")) or 0.0
    above = _num((co.get("above_threshold_s") or {}).get("pitch_high"))
    measured = _num((co.get("measured_s") or {}).get("pitch_high"))
    rate = _num((((report.get("stats") or {}).get("agent")) or {}).get("articulation_rate_median"))
    base = _num(((co.get("baseline") or {}).get("agent") or {}).get("articulation_rate_median"))
    made = _num(ag.get("interruptions_made"))
    ratio = _num(ag.get("talk_ratio"))
    return {
        "duration_s": dur,
        "interruptions": made,
        "interruptions_per_10min": None if made is None or dur <= 0 else made * 600.0 / dur,
        "above_pitch_band_s": above,
        "measured_pitch_s": measured,
        "above_pitch_band_pct": None if above is None or not measured else 100.0 * above / measured,
        "rate_syl_s": rate,
        "rate_vs_baseline_pct": None if rate is None or not base else 100.0 * (rate / base - 1),
        "talk_ratio_pct": None if ratio is None else 100.0 * ratio,
        "response_gap_s": _num(ag.get("response_gap_median_s")),
        "nudges": sum(1 for e in report.get("events", []) if e.get("kind") == "nudge"),
    }


def collect(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """One entry per ``out_dir/*/report.json``: folder, agent, date, stem and metrics.

    Parameters
    ----------
    out_dir : path-like
        A review output folder; unreadable reports are skipped.

    Returns
    -------
    list of dict
        Sorted by folder: ``folder``, ``has_html``, ``agent`` (:data:`UNKNOWN_AGENT` when
        not known), ``date``, ``stem``, ``whatif`` and :func:`call_metrics`.
    """
    rows = []
    for p in sorted(Path(out_dir).glob("*/report.json")):
        try:
            rep = read_report(p.parent)
        except SourceError:
            continue
        call = rep.get("call") or {}
        rows.append(
            {
                "folder": p.parent.name,
                "has_html": (p.parent / "report.html").is_file(),
                "agent": call.get("agent") or UNKNOWN_AGENT,
                "date": call.get("date") or "",
                "stem": call.get("stem") or p.parent.name,
                "whatif": bool(rep.get("whatif")),
                **call_metrics(rep),
            }
        )
    return rows


def _agg(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals over calls: rates over total time, medians of per-call medians."""
    dur = sum(r["duration_s"] for r in rows)
    inter = [r["interruptions"] for r in rows if r["interruptions"] is not None]
    inter_dur = sum(r["duration_s"] for r in rows if r["interruptions"] is not None)
    above = sum(r["above_pitch_band_s"] or 0.0 for r in rows)
    meas = sum(r["measured_pitch_s"] or 0.0 for r in rows)

    def med(k: str) -> float | None:
        v = [r[k] for r in rows if r[k] is not None]
        return statistics.median(v) if v else None

    talk = [(r["talk_ratio_pct"], r["duration_s"]) for r in rows if r["talk_ratio_pct"] is not None]
    tw = sum(d for _, d in talk)
    return {
        "duration_s": dur,
        "calls": len(rows),
        "interruptions_per_10min": sum(inter) * 600.0 / inter_dur if inter and inter_dur else None,
        "above_pitch_band_pct": 100.0 * above / meas if meas else None,
        "rate_syl_s": med("rate_syl_s"),
        "talk_ratio_pct": sum(v * d for v, d in talk) / tw if tw else None,
        "response_gap_s": med("response_gap_s"),
        "nudges": sum(r["nudges"] for r in rows),
    }


#: The language whose decimal mark the page's figures use, set by :func:`write_index`.
_NUMBERS_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("numbers", default="en")


def _n(fmt: str, v: Any) -> str:
    """``fmt.format(v)`` with the page's decimal mark."""
    return fmt.format(number(v, _NUMBERS_LANG.get()))


def _fmt(v: Any, fmt: str) -> str:
    return "–" if v is None else _n(fmt, v)


def _sparkline(points: Sequence[tuple[str, float | None]], fmt: str) -> str:
    """A small inline SVG line chart over dates (labels in the title tooltips)."""
    pts = [(d, v) for d, v in points if v is not None]
    w, h, pad = 160, 40, 4
    if not pts:
        return "–"
    vals = [v for _, v in pts]
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    n = len(pts)
    xy = [
        (
            pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5),
            h - pad - (h - 2 * pad) * ((v - lo) / span if hi > lo else 0.5),
        )
        for i, (_, v) in enumerate(pts)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"><title>{html.escape(d)}: '
        f"{html.escape(_n(fmt, v))}</title></circle>"
        for (x, y), (d, v) in zip(xy, pts, strict=True)
    )
    return (
        f'<svg class="spark" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">'
        f'<polyline fill="none" stroke="#1f4e9c" stroke-width="1.5" points="{line}"/>'
        f'<g fill="#1f4e9c">{dots}</g></svg>'
        f'<div class="range">{html.escape(_n(fmt, lo))} – {html.escape(_n(fmt, hi))}</div>'
    )


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin-bottom:.8em}
td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
tr.total td{font-weight:600;border-top:2px solid #999}.meta{color:#666}
.range{font-size:.75em;color:#777}svg.spark{display:block}
"""


def write_index(out_dir: str | os.PathLike[str], lang: str | None = None) -> Path:
    """Write ``out_dir/index.html`` from the reports in ``out_dir``; returns its path.

    ``lang``: default ``[coach] lang`` (the language rule of :mod:`voicecoach.i18n`).

    Parameters
    ----------
    out_dir : path-like
    lang : str, optional

    Returns
    -------
    Path
        ``out_dir/index.html``.

    Raises
    ------
    ParameterError
        For an unsupported language.
    """
    lang = resolve_lang(lang)
    token = _NUMBERS_LANG.set(lang)  # the page's figures with its decimal mark
    try:
        return _write_index(out_dir, lang)
    finally:
        _NUMBERS_LANG.reset(token)


def _write_index(out_dir: str | os.PathLike[str], lang: str) -> Path:
    tx = texts(lang).INDEX
    headings = texts(lang).INDEX_METRICS
    esc = html.escape
    rows = collect(out_dir)
    agents: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        agents.setdefault(r["agent"], []).append(r)
    heads = [headings[m[0]] for m in METRICS]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,">',
        f"<title>{tx['title']}</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{tx['heading']}</h1>",
        f'<p class="meta">{len(rows)} {tx["calls"]}, '
        f'{sum(a != UNKNOWN_AGENT for a in agents)} {tx["agents"]}. '
        + tx["intro"]
        + "</p>",
    ]
    for agent in sorted(agents):
        calls = sorted(agents[agent], key=lambda r: (r["date"], r["stem"]))
        shown = tx["unknown_agent"] if agent == UNKNOWN_AGENT else agent
        parts.append(f'<h2 class="agent">{esc(shown)}</h2>')
        parts.append(
            f'<table class="agent-table" data-agent="{esc(agent, quote=True)}"><tr>'
            f"<th>{tx['call']}</th><th>Date</th>"
            f"<th>{tx['duration']}</th>"
            + "".join(f"<th>{esc(h)}</th>" for h in heads)
            + "</tr>"
        )
        for r in calls:
            name = esc(r["stem"]) + (tx["whatif"] if r["whatif"] else "")
            link = (
                f'<a href="{esc(r["folder"], quote=True)}/report.html">{name}</a>'
                if r["has_html"]
                else name
            )
            parts.append(
                f"<tr><td>{link}</td><td>{esc(r['date'])}</td>"
                f"<td>{_n('{:.1f}', r['duration_s'] / 60)} min</td>"
                + "".join(f"<td>{_fmt(r[k], f)}</td>" for k, f, _ in METRICS)
                + "</tr>"
            )
        tot = _agg(calls)
        parts.append(
            f'<tr class="total"><td>{tx["all"]} ({tot["calls"]})</td><td></td>'
            f"<td>{_n('{:.1f}', tot['duration_s'] / 60)} min</td>"
            + "".join(f"<td>{_fmt(tot[k], f)}</td>" for k, f, _ in METRICS)
            + "</tr></table>"
        )
        dates = sorted({r["date"] for r in calls if r["date"]})
        if dates:
            per_date = {d: _agg([r for r in calls if r["date"] == d]) for d in dates}
            parts.append(
                f'<table class="trends"><tr><th>{tx["trend"]}'
                f" ({dates[0]} → {dates[-1]}, {len(dates)})</th>"
                + "".join(f"<th>{esc(h)}</th>" for h in heads)
                + "</tr><tr><td></td>"
                + "".join(
                    f"<td>{_sparkline([(d, per_date[d][k]) for d in dates], f)}</td>"
                    for k, f, _ in METRICS
                )
                + "</tr></table>"
            )
    parts.append("</body></html>")
    path = Path(out_dir) / "index.html"
    tmp = path.with_name("index.html.tmp")
    from ..privacy import open_private

    with open_private(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    os.replace(tmp, path)
    return path
