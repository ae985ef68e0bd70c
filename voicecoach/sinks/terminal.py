"""The live display as text: a rich dashboard, or compact log lines when not on a terminal.

:class:`TerminalDisplay` shows what the window shows (:mod:`voicecoach.sinks.window`):
the agent's pitch, rate and loudness against the baseline with sparklines over the last
30 s, both parties' speaking lanes with overlaps and interruptions, the current nudge in
large coloured type and a status line. On a terminal it redraws a ``rich.live.Live``
panel; when stdout is not a terminal (CI logs, pipes) it prints one compact line at most
once a second instead, so logs stay readable.

Like the window, it only reads :meth:`DisplayModel.snapshot`, on the calling thread.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..i18n import number, resolve_lang, texts
from .model import DisplayModel, Snapshot
from .view import (
    FrameCounter,
    baseline_level_db,
    check_fps,
    echo_text,
    interruption_label,
    latest,
    status_text,
)

__all__ = ["TerminalDisplay", "column_means", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"

#: Seconds between two compact lines when the output is not a terminal.
COMPACT_PERIOD_S = 1.0

#: A column counts as speaking when this fraction of its hops is speech.
LANE_FRACTION = 0.3

def column_means(
    values: np.ndarray, t_s: np.ndarray, now_s: float, history_s: float, width: int
) -> np.ndarray:
    """Mean of the finite values in each of ``width`` equal time columns (NaN if none).

    Column 0 covers ``[now_s - history_s, ...)`` and the last column ends at ``now_s``.

    Parameters
    ----------
    values, t_s : np.ndarray, shape (n,)
        Values and their times, s.
    now_s, history_s : float
        End and span of the window, s.
    width : int
        Columns.

    Returns
    -------
    np.ndarray, shape (width,), float64
    """
    out = np.full(width, np.nan)
    if values.size == 0:
        return out
    col = np.floor((t_s - (now_s - history_s)) / history_s * width).astype(np.int64)
    ok = np.isfinite(values) & (col >= 0) & (col < width)
    if not ok.any():
        return out
    v = values[ok].astype(np.float64)
    sums = np.bincount(col[ok], v, minlength=width)
    counts = np.bincount(col[ok], minlength=width)
    has = counts > 0
    out[has] = sums[has] / counts[has]
    return out


def sparkline(cols: np.ndarray, lo: float, hi: float) -> str:
    """Unicode blocks for column values in ``[lo, hi]`` (a space for NaN).

    Parameters
    ----------
    cols : np.ndarray, shape (width,)
    lo, hi : float
        The values of the lowest and the highest block (others are clipped); ``hi > lo``.

    Returns
    -------
    str
        ``width`` characters of :data:`BLOCKS`.
    """
    chars = []
    for v in cols:
        if not math.isfinite(v):
            chars.append(" ")
            continue
        i = round((min(max(v, lo), hi) - lo) / (hi - lo) * (len(BLOCKS) - 1))
        chars.append(BLOCKS[i])
    return "".join(chars)


def _fmt(v: float, spec: str, unit: str, decimal: str = ".") -> str:
    return "–" if not math.isfinite(v) else f"{v:{spec}}".replace(".", decimal) + " " + unit


class TerminalDisplay:
    """A rich terminal dashboard of the last ~30 s.

    Parameters
    ----------
    model : DisplayModel
    fps : float, optional
        Highest refresh rate of the live panel, frames/s (default: ``[live] fps``, at
        most ``terminal_fps_max``).
    lang : {"fr", "en"}, optional
        Default ``[coach] lang``.
    config : Config, optional
        Default :func:`load_config`.
    console : rich.console.Console, optional
        Default: a new console on stdout.
    compact : bool, optional
        Print compact lines (at most one a second) instead of a live panel. Default:
        when the console is not a terminal.
    """

    def __init__(
        self,
        model: DisplayModel,
        *,
        fps: float | None = None,
        lang: str | None = None,
        config: Config | None = None,
        console: Any = None,
        compact: bool | None = None,
    ) -> None:
        from rich.console import Console

        cfg = config if config is not None else load_config()
        if fps is None:
            fps = min(cfg.live.fps, cfg.live.terminal_fps_max)
        self.model = model
        self.fps = check_fps(fps)
        self.lang = resolve_lang(lang, cfg)
        self.labels = texts(self.lang).DISPLAY
        self.tl = texts(self.lang).TERMINAL
        self.console = console if console is not None else Console()
        self.compact = (not self.console.is_terminal) if compact is None else compact
        self.counter = FrameCounter()
        self._last_version = -1
        self._last_line = -math.inf

    # ------------------------------------------------------------------ rendering
    def _spark_width(self) -> int:
        # panel borders, label, value and threshold columns take about 48 cells
        return max(10, min(90, self.console.width - 48))

    def render(self, snap: Snapshot) -> Any:
        """The dashboard for one snapshot (a rich renderable).

        Parameters
        ----------
        snap : Snapshot

        Returns
        -------
        rich renderable
        """
        from rich.align import Align
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        lab, tl = self.labels, self.tl
        w = self._spark_width()
        h = snap.history_s
        now = snap.now_s

        def cols(v: np.ndarray) -> np.ndarray:
            return column_means(v, snap.t_s, now, h, w)

        def metric_spark(v: np.ndarray, lim: float, thr: float, lo: float | None = None) -> Text:
            c = cols(v)
            lo_ = -lim if lo is None else lo
            text = Text()
            for ch, x in zip(sparkline(c, lo_, lim), c, strict=True):
                hot = math.isfinite(thr) and math.isfinite(x) and x > thr
                text.append(ch, style="bold red" if hot else "steel_blue")
            return text

        thr_p = snap.thresholds.get("pitch_st", math.nan)
        thr_r = snap.thresholds.get("rate_pct", math.nan)
        thr_l = snap.thresholds.get("loudness_db", math.nan)
        base_l = baseline_level_db(snap)
        level = snap.speech_level_db if snap.speech_level_db.size == snap.t_s.size else None
        loud = level if level is not None else snap.loudness_db
        p = latest(snap.pitch_delta_st, snap.t_s, now)
        r = latest(snap.rate_delta_pct, snap.t_s, now)
        lv = latest(loud, snap.t_s, now)
        if math.isnan(lv):
            lv = latest(snap.loudness_db, snap.t_s, now)

        def value(v: float, spec: str, unit: str, thr: float) -> Text:
            hot = math.isfinite(thr) and math.isfinite(v) and v > thr
            return Text(_fmt(v, spec, unit, self.labels["decimal"]),
                        style="bold red" if hot else "bold")

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=10, no_wrap=True)
        grid.add_column(width=9, justify="right", no_wrap=True)
        grid.add_column(width=w, no_wrap=True)
        grid.add_column(no_wrap=True, style="dim")
        thr_txt = tl["threshold"]
        grid.add_row(
            Text(tl["pitch"], style="bold"),
            value(p, "+z.1f", tl["pitch_unit"], thr_p),
            metric_spark(snap.pitch_delta_st, 6.0, thr_p),
            f"{thr_txt} ±{number(thr_p, self.lang):.1f} {tl['pitch_unit']}"
            if math.isfinite(thr_p) else "",
        )
        grid.add_row(
            Text(tl["rate"], style="bold"),
            value(r, "+z.0f", "%", thr_r),
            metric_spark(snap.rate_delta_pct, 60.0, thr_r),
            f"{thr_txt} +{thr_r:.0f} %" if math.isfinite(thr_r) else "",
        )
        loud_thr = base_l + thr_l if math.isfinite(base_l) and math.isfinite(thr_l) else math.nan
        grid.add_row(
            Text(tl["loudness"], style="bold"),
            value(lv, ".0f", "dB", loud_thr),
            metric_spark(loud, -5.0, loud_thr, lo=-50.0),
            f"{thr_txt} {loud_thr:.0f} dBFS" if math.isfinite(loud_thr) else "",
        )
        for name, mask, color in (
            ("agent", snap.agent_speech, "blue"),
            ("customer", snap.customer_speech, "green"),
        ):
            frac = cols(mask.astype(np.float64))
            lane = Text()
            for f in frac:
                if math.isfinite(f) and f >= LANE_FRACTION:
                    lane.append("█", style=color)
                else:
                    lane.append("·", style="grey35")
            speaking = bool(mask[-5:].any()) if mask.size else False
            grid.add_row(
                Text(lab[name], style=f"bold {color}"),
                Text(tl["speaking"] if speaking else "", style=color),
                lane,
                "",
            )
        grid.add_row(Text(tl["overlap"], style="bold"), "", self._event_row(snap, w), "")
        grid.add_row(
            "",
            "",
            Text(tl["axis"])
            + Text(" " * max(1, w - len(tl["axis"]) - len(tl["now"])))
            + Text(tl["now"]),
            "",
        )

        if snap.nudge is not None:
            nudge = Panel(
                Align.center(Text(snap.nudge[0].upper(), style="bold white on dark_orange3")),
                border_style="bold dark_orange3",
                padding=(0, 2),
            )
        else:
            nudge = Panel(
                Align.center(Text("·", style="grey50")), border_style="grey23", padding=(0, 2)
            )
        parts: list[Any] = [nudge, grid]
        if snap.interruptions:
            s, by, _of = last = snap.interruptions[-1]
            tentative = last in snap.tentative  # may still turn out a long backchannel
            parts.append(
                Text.assemble(
                    (f"{lab['last_interruption']}{self.tl['sep']}", "bold"),
                    (interruption_label(by, self.lang, tentative),
                     "dark_orange" if tentative else "bold red"),
                    f"  ({self._ago(now - s)})",
                )
            )
        else:
            sep = self.tl["sep"]
            parts.append(Text(f"{lab['last_interruption']}{sep}{lab['none']}", style="dim"))
        parts.append(
            Text(status_text(snap, self.lang) if snap.t_s.size else lab["waiting"], style="dim")
        )
        degraded = snap.status.get("degraded")
        if degraded:
            parts.append(Text(f"⚠ {degraded}", style="bold red"))
        return Panel(Group(*parts), title=lab["title"], title_align="left", border_style="grey50")

    def _event_row(self, snap: Snapshot, w: int) -> Any:
        """Overlaps as ░ and interruption onsets as ▼ (red), on the time axis."""
        from rich.text import Text

        h, now = snap.history_s, snap.now_s
        row = [" "] * w

        def col(t: float) -> int:
            return math.floor((t - (now - h)) / h * w)

        for start, end, _by in snap.overlaps:
            a = max(col(start), 0)
            b = min(col(now if end is None else end), w - 1)
            for i in range(a, b + 1):
                row[i] = "░"
        marks = set()
        for item in snap.interruptions:
            i = col(item[0])
            if 0 <= i < w:
                row[i] = "▽" if item in snap.tentative else "▼"  # hollow until confirmed
                marks.add(i)
        text = Text()
        for i, ch in enumerate(row):
            text.append(ch, style="bold red" if i in marks else "dark_orange")
        return text

    def _ago(self, s: float) -> str:
        return self.tl["ago"].format(s=s)

    def compact_line(self, snap: Snapshot) -> str:
        """One log line: values, who speaks, nudge, last interruption and status.

        Parameters
        ----------
        snap : Snapshot

        Returns
        -------
        str
            Without a newline.
        """
        lab, tl = self.labels, self.tl
        now = snap.now_s
        p = latest(snap.pitch_delta_st, snap.t_s, now)
        r = latest(snap.rate_delta_pct, snap.t_s, now)
        level = snap.speech_level_db if snap.speech_level_db.size == snap.t_s.size else None
        lv = latest(level, snap.t_s, now) if level is not None else math.nan
        if math.isnan(lv):
            lv = latest(snap.loudness_db, snap.t_s, now)
        a = bool(snap.agent_speech[-5:].any()) if snap.agent_speech.size else False
        c = bool(snap.customer_speech[-5:].any()) if snap.customer_speech.size else False
        who = (
            tl["both"]
            if a and c
            else lab["agent"].lower()
            if a
            else lab["customer"].lower()
            if c
            else tl["nobody"]
        )
        t = max(0, int(now))
        sep = tl["sep"]
        parts = [
            f"{tl['pitch'].lower()} "
            f"{_fmt(p, '+z.1f', tl['pitch_unit'], self.labels['decimal'])}",
            f"{tl['rate'].lower()} {_fmt(r, '+z.0f', '%')}",
            f"{tl['loudness'].lower()} {_fmt(lv, '.0f', 'dBFS')}",
            f"{tl['speaking']}{sep}{who}",
        ]
        if snap.nudge is not None:
            parts.append(f"{tl['nudge']}{sep}{snap.nudge[0].upper()}")
        if snap.interruptions:
            s, by, _of = last = snap.interruptions[-1]
            label = interruption_label(by, self.lang, last in snap.tentative)
            parts.append(
                f"{tl['interruption']}{sep}{label} "
                f"{self._ago(now - s)}"
            )
        parts.append(f"{lab['baseline'].lower()} {lab.get(snap.baseline, snap.baseline)}")
        summary = snap.status.get("summary")
        if summary:
            parts.append(str(summary))
        echo = echo_text(snap, self.lang)
        if echo:
            parts.append(echo)
        degraded = snap.status.get("degraded")
        if degraded:
            parts.append(f"⚠ {degraded}")
        return f"[{t // 60:02d}:{t % 60:02d}] " + " | ".join(parts)

    # ------------------------------------------------------------------ frames
    def render_frame(self) -> None:
        """Print one frame: the dashboard panel, or a compact line in compact mode."""
        version = self.model.version
        snap = self.model.snapshot()
        t0 = time.monotonic()
        if self.compact:
            self.console.print(
                self.compact_line(snap), highlight=False, markup=False, soft_wrap=True
            )
        else:
            self.console.print(self.render(snap))
        t1 = time.monotonic()
        self._last_version = version
        self.counter.frame(snap.now_s, t0, t1)

    def run(self, stop_event: threading.Event, until: float | None = None) -> None:
        """Refresh at most ``fps`` times a second (compact lines: once a second) until stopped.

        Parameters
        ----------
        stop_event : threading.Event
        until : float, optional
            A ``time.monotonic()`` deadline.
        """
        self.counter.start()
        try:
            if self.compact:
                self._run_compact(stop_event, until)
            else:
                self._run_live(stop_event, until)
        finally:
            self.counter.stop()

    def _ticks(self, stop_event: threading.Event, until: float | None, period: float) -> Any:
        next_t = time.monotonic()
        while not stop_event.is_set():
            if until is not None and time.monotonic() >= until:
                return
            yield
            next_t += period
            delay = next_t - time.monotonic()
            if delay < 0:
                self.counter.late += 1
                next_t = time.monotonic()
            elif stop_event.wait(delay):
                return

    def _run_compact(self, stop_event: threading.Event, until: float | None) -> None:
        period = max(COMPACT_PERIOD_S, 1.0 / self.fps)
        for _ in self._ticks(stop_event, until, period):
            if self.model.version == self._last_version:
                self.counter.skipped += 1
                continue
            self.render_frame()

    def _run_live(self, stop_event: threading.Event, until: float | None) -> None:
        from rich.live import Live

        snap = self.model.snapshot()
        with Live(
            self.render(snap), console=self.console, auto_refresh=False, transient=False
        ) as live:
            for _ in self._ticks(stop_event, until, 1.0 / self.fps):
                version = self.model.version
                if version == self._last_version:
                    self.counter.skipped += 1
                    continue
                snap = self.model.snapshot()
                t0 = time.monotonic()
                live.update(self.render(snap), refresh=True)
                t1 = time.monotonic()
                self._last_version = version
                self.counter.frame(snap.now_s, t0, t1)

    def stats(self) -> dict[str, Any]:
        """Frame accounting (see :meth:`voicecoach.sinks.view.FrameCounter.stats`).

        Returns
        -------
        dict
            Plus ``backend`` and ``max_fps``.
        """
        out = self.counter.stats()
        out["backend"] = "terminal-compact" if self.compact else "terminal"
        out["max_fps"] = 1.0 / COMPACT_PERIOD_S if self.compact else self.fps
        return out
