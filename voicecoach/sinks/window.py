"""The rolling live display: a matplotlib window drawn with blitting.

:class:`WindowDisplay` draws the last ~30 s of a :class:`~voicecoach.sinks.model.DisplayModel`
on the main thread: the agent's pitch against the calm band, rate and loudness against the
baseline, both parties' speech lanes with overlaps and interruptions, the current nudge in
large type and a status line. It only reads model snapshots, so it can never hold up
analysis: a slow display draws fewer frames.

Drawing uses blitting: the static parts (axes, ticks, labels, the baseline lines) are
rendered once into a background, and each frame restores that background, draws the
animated artists (all of them *inside* axes, never figure-level text) and blits. A full
redraw happens only when the window is resized or exposed (``draw_event``), and then the
background is captured again.

matplotlib is imported lazily, inside :meth:`WindowDisplay.open`; importing this module
needs neither matplotlib nor a display.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import DisplayError
from ..i18n import number, resolve_lang, texts
from .model import DisplayModel, Snapshot
from .view import (
    FrameCounter,
    baseline_level_db,
    check_fps,
    interruption_label,
    latest,
    paced_frames,
    runs,
    status_text,
)

__all__ = ["NO_DISPLAY", "WindowDisplay", "gui_backend"]

NO_DISPLAY = "no display: DISPLAY is not set; use --display terminal or none"

#: matplotlib backends that draw to memory or files, never to a window.
NON_GUI_BACKENDS = ("agg", "cairo", "pdf", "pgf", "ps", "svg", "template")

# Fixed y ranges: a rolling display with autoscaling axes cannot be blitted (and jumps).
PITCH_LIM_ST = 6.0
RATE_LIM_PCT = 60.0
LOUDNESS_LIM_DB = (-60.0, 0.0)

# A calm palette: muted lines, one warm accent for what needs attention.
C_TEXT = "#2d3436"
C_MUTED = "#7f8c8d"
C_GRID = "#e6e9ec"
C_CALM = "#d8efe0"
C_LINE = "#2c3e50"
C_ALERT = "#c0392b"
C_AGENT = "#3b6ea8"
C_CUSTOMER = "#6f9a5b"
C_OVERLAP = "#f0a030"
#: Opacity of an interruption not yet confirmed (it may still turn out a long backchannel).
TENTATIVE_ALPHA = 0.45
C_NUDGE_BG = "#fdf1e6"

#: Lines are drawn from every LINE_STEP-th hop (3000 hops: 300 points over ~750 pixels).
LINE_STEP = 10

#: Speech-lane gaps shorter than this are drawn closed (a calmer picture; display only), s.
LANE_MIN_GAP_S = 0.15


# ------------------------------------------------------------------------ GUI discovery
def _interactive_candidates() -> list[str]:
    """GUI backends to try, in order: ``$MPLBACKEND`` if it is one, then the platform's."""
    env = os.environ.get("MPLBACKEND", "").strip()
    out = [env] if env and env.lower() not in NON_GUI_BACKENDS else []
    platform = ["MacOSX", "QtAgg", "TkAgg"] if sys.platform == "darwin" else ["TkAgg", "QtAgg"]
    out += [b for b in platform if b.lower() != env.lower()]
    return out


def _backend_module(name: str) -> Any:
    return importlib.import_module(f"matplotlib.backends.backend_{name.lower()}")


def gui_backend() -> str:
    """The matplotlib GUI backend a window would use.

    Returns
    -------
    str
        E.g. ``"TkAgg"``.

    Raises
    ------
    DisplayError
        With no display (``DISPLAY``/``WAYLAND_DISPLAY`` unset on Linux/BSD), without
        matplotlib, or when no GUI backend imports (neither tkinter nor Qt).
    """
    if sys.platform not in ("darwin", "win32") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise DisplayError(NO_DISPLAY)
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        raise DisplayError(
            "no display: matplotlib is not installed (pip install matplotlib); "
            "use --display terminal or none"
        ) from None
    tried = []
    for name in _interactive_candidates():
        try:
            _backend_module(name)
        except ImportError as e:
            tried.append(f"{name} ({e})")
            continue
        return name
    raise DisplayError(
        "no display: no matplotlib GUI backend imports (tried "
        + "; ".join(tried)
        + "); install tkinter (Debian: python3-tk) or PyQt6, or use --display terminal or none"
    )


# ------------------------------------------------------------------------ the window
class WindowDisplay:
    """A matplotlib window of the last ~30 s, redrawn with blitting.

    Parameters
    ----------
    model : DisplayModel
        Read with :meth:`DisplayModel.snapshot` once per drawn frame.
    fps : float, optional
        Highest frame rate (frames are drawn only when the model changed); default
        ``[live] fps``.
    lang : {"fr", "en"}, optional
        Language of the labels (default ``[coach] lang``).
    config : Config, optional
        Default :func:`load_config`.
    backend : str, optional
        matplotlib backend (``"Agg"``, ``"TkAgg"``, ``"QtAgg"``…). Default: ``$MPLBACKEND``
        if set, else the first GUI backend that imports when a display is available, else
        ``"Agg"`` (no window; :meth:`render_frame` and :meth:`save` still work).
    figsize : (float, float)
        Inches (at ``dpi``).
    dpi : float

    Examples
    --------
    >>> disp = WindowDisplay(model, backend="Agg")        # doctest: +SKIP
    >>> disp.render_frame(); disp.save("frame.png")       # doctest: +SKIP
    >>> disp.run(stop_event)                              # main thread  # doctest: +SKIP
    """

    def __init__(
        self,
        model: DisplayModel,
        *,
        fps: float | None = None,
        lang: str | None = None,
        config: Config | None = None,
        backend: str | None = None,
        figsize: tuple[float, float] = (10.0, 7.0),
        dpi: float = 100.0,
    ) -> None:
        cfg = config if config is not None else load_config()
        self.model = model
        self.fps = check_fps(cfg.live.fps if fps is None else fps)
        #: numbers and status line: redrawn at most this often (per s of call time)
        self.text_fps = check_fps(cfg.live.window_text_fps)
        self.lang = resolve_lang(lang, cfg)
        self.labels = texts(self.lang).DISPLAY
        self.backend = backend
        self.figsize = figsize
        self.dpi = dpi
        self.counter = FrameCounter()
        self.fig: Any = None
        self.canvas: Any = None
        self.manager: Any = None
        self.interactive = False
        self.closed = False
        self._bg: Any = None
        self._animated: list[Any] = []
        #: region name -> axes; each region is restored, redrawn and blitted on its own
        self._region_axes: dict[str, list[Any]] = {}
        self._regions: dict[str, dict[str, Any]] = {}
        self._last_version = -1
        self._gui_errors: tuple[type[BaseException], ...] = ()

    # ------------------------------------------------------------------ set-up
    def _resolve_backend(self) -> str:
        if self.backend:
            return self.backend
        env = os.environ.get("MPLBACKEND", "").strip()
        if env:
            return env
        try:
            return gui_backend()
        except DisplayError:
            return "Agg"

    def open(self) -> None:
        """Create the figure and its canvas (idempotent; the window is shown by :meth:`run`).

        Raises
        ------
        DisplayError
            If the backend does not import or cannot open a window (e.g. an unreachable
            X server).
        """
        if self.fig is not None:
            return
        name = self._resolve_backend()
        try:
            import matplotlib
            from matplotlib.figure import Figure

            mod = _backend_module(name)
        except ImportError as e:
            raise DisplayError(
                f"matplotlib backend {name!r} is not available ({e}); "
                "use --display terminal or none"
            ) from None
        canvas_cls = mod.FigureCanvas
        self.interactive = canvas_cls.required_interactive_framework is not None
        if "tk" in name.lower():
            import tkinter

            self._gui_errors = (tkinter.TclError,)
        fig = Figure(figsize=self.figsize, dpi=self.dpi, facecolor="white")
        try:
            if self.interactive:
                # no navigation toolbar: this is a glanceable coach, not a plot explorer
                with matplotlib.rc_context({"toolbar": "None"}):
                    self.manager = canvas_cls.new_manager(fig, 1)
                self.canvas = self.manager.canvas
                self.manager.set_window_title("voicecoach")
            else:
                self.canvas = canvas_cls(fig)
        except (*self._gui_errors, RuntimeError, OSError) as e:
            where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "?"
            raise DisplayError(
                f"no display: cannot open a {name} window on {where!r} ({e}); "
                "use --display terminal or none"
            ) from None
        self.backend = name
        self.fig = fig
        self._build()
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self.canvas.mpl_connect("close_event", self._on_close)

    def _build(self) -> None:
        """Lay out the axes: static parts once, animated artists kept in a list."""
        from matplotlib.collections import LineCollection, PolyCollection
        from matplotlib.colors import to_rgba
        from matplotlib.font_manager import FontProperties
        from matplotlib.patches import PathPatch, Rectangle
        from matplotlib.textpath import TextPath
        from matplotlib.transforms import Affine2D, ScaledTranslation

        self._affine, self._scaled = Affine2D, ScaledTranslation

        lab = self.labels
        fig = self.fig
        h = self.model.history_s
        left, width, vx, vw = 0.1, 0.75, 0.87, 0.125
        rows = {
            "pitch": (0.595, 0.23),
            "rate": (0.43, 0.125),
            "loudness": (0.265, 0.125),
            "lanes": (0.11, 0.115),
        }
        ax_n = fig.add_axes((left, 0.865, vx + vw - left, 0.13))
        ax_p = fig.add_axes((left, *rows["pitch"][:1], width, rows["pitch"][1]))
        ax_r = fig.add_axes((left, rows["rate"][0], width, rows["rate"][1]), sharex=ax_p)
        ax_l = fig.add_axes((left, rows["loudness"][0], width, rows["loudness"][1]), sharex=ax_p)
        ax_s = fig.add_axes((left, rows["lanes"][0], width, rows["lanes"][1]), sharex=ax_p)
        ax_st = fig.add_axes((left, 0.0, vx + vw - left, 0.06))
        # the current values, large, in a column of their own axes on the right
        vals = {k: fig.add_axes((vx, y, vw, hh)) for k, (y, hh) in rows.items()}
        for ax in (ax_n, ax_st, *vals.values()):
            ax.set_axis_off()
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
        ax_p.set_xlim(-h, 0)
        ticks = np.arange(-h, 0.001, 5.0 if h <= 40 else 10.0)
        for ax in (ax_p, ax_r, ax_l, ax_s):
            ax.set_facecolor("white")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            for side in ("left", "bottom"):
                ax.spines[side].set_color(C_GRID)
            ax.tick_params(colors=C_MUTED, labelsize=8, length=2)
            ax.grid(True, axis="x", color=C_GRID, lw=0.8)
            ax.set_xticks(ticks)
        for ax in (ax_p, ax_r, ax_l):
            ax.tick_params(labelbottom=False)
        ax_s.set_xticklabels([f"{abs(t):.0f} s" for t in ticks])

        def title(ax: Any, text: str) -> None:
            ax.set_title(text, loc="left", fontsize=9, color=C_TEXT, fontweight="bold", pad=3)

        # static: title and baseline lines
        ax_n.text(0.0, 0.97, lab["title"], ha="left", va="top", fontsize=8, color=C_MUTED)
        ax_p.set_ylim(-PITCH_LIM_ST, PITCH_LIM_ST)
        ax_p.set_yticks([-6, -3, 0, 3, 6])
        ax_p.axhline(0, color=C_MUTED, lw=0.8)
        title(ax_p, lab["pitch_title"])
        ax_r.set_ylim(-RATE_LIM_PCT, RATE_LIM_PCT)
        ax_r.set_yticks([-50, 0, 50])
        ax_r.axhline(0, color=C_MUTED, lw=0.8)
        title(ax_r, lab["rate_title"])
        ax_l.set_ylim(*LOUDNESS_LIM_DB)
        ax_l.set_yticks([-60, -40, -20, 0])
        title(ax_l, lab["loudness_title"])
        ax_s.set_ylim(0, 2.7)
        ax_s.set_yticks([1.5, 0.5])
        ax_s.set_yticklabels([lab["agent"], lab["customer"]], fontsize=9, fontweight="bold")
        ax_s.tick_params(axis="y", length=0)
        for lbl, c in zip(ax_s.get_yticklabels(), (C_AGENT, C_CUSTOMER), strict=True):
            lbl.set_color(c)
        ax_s.spines["left"].set_visible(False)
        title(ax_s, lab["lanes"])

        def anim(a: Any) -> Any:
            a.set_animated(True)
            self._animated.append(a)
            return a

        ytr = ax_p.get_yaxis_transform()
        self.a_band = anim(Rectangle((0, -2), 1, 4, transform=ytr, color=C_CALM, lw=0))
        ax_p.add_patch(self.a_band)
        # The "no baseline yet" hint sits on the scrolling pitch plot, so it is redrawn every
        # frame for the first minute or so of a call without a profile: drawn as glyph
        # outlines (a TextPath made once, like the interruption labels), not as Text, which
        # cost ~3 ms a frame (Agg text layout and rendering).
        hint_path = TextPath((0, 0), lab["no_baseline"], prop=FontProperties(size=10,
                                                                            style="italic"))
        ext = hint_path.get_extents()
        pt_to_px = Affine2D().scale(1 / 72) + fig.dpi_scale_trans
        self.a_hint = anim(PathPatch(
            hint_path, facecolor=C_MUTED, lw=0,
            transform=Affine2D().translate(-ext.x0 - ext.width / 2, -ext.y0 - ext.height / 2)
            + pt_to_px + ScaledTranslation(0.5, 0.5, ax_p.transAxes)))
        ax_p.add_patch(self.a_hint)
        self.hint_text = lab["no_baseline"]
        (self.a_pitch,) = ax_p.plot([], [], color=C_LINE, lw=1.6, solid_capstyle="round")
        anim(self.a_pitch)

        def value(key: str, unit: str) -> Any:
            ax = vals[key]
            ax.text(0.04, 0.2, unit, ha="left", va="center", fontsize=8, color=C_MUTED)
            return anim(
                ax.text(
                    0.04,
                    0.55,
                    "",
                    ha="left",
                    va="center",
                    fontsize=17,
                    color=C_TEXT,
                    fontweight="bold",
                )
            )

        self.a_pitch_now = value("pitch", lab["pitch_unit"])
        (self.a_rate_thr,) = ax_r.plot(
            [0, 1],
            [15, 15],
            transform=ax_r.get_yaxis_transform(),
            color=C_ALERT,
            lw=1.0,
            ls=(0, (4, 3)),
            alpha=0.7,
        )
        anim(self.a_rate_thr)
        (self.a_rate,) = ax_r.plot([], [], color=C_LINE, lw=1.4)
        anim(self.a_rate)
        self.a_rate_now = value("rate", lab["rate_unit"])
        (self.a_loud_thr,) = ax_l.plot(
            [0, 1],
            [-14, -14],
            transform=ax_l.get_yaxis_transform(),
            color=C_ALERT,
            lw=1.0,
            ls=(0, (4, 3)),
            alpha=0.7,
        )
        anim(self.a_loud_thr)
        (self.a_loud,) = ax_l.plot([], [], color="#aab4bd", lw=0.7)
        anim(self.a_loud)
        (self.a_level,) = ax_l.plot([], [], color=C_LINE, lw=1.6)
        anim(self.a_level)
        self.a_loud_now = value("loudness", "dBFS")
        self.a_last_int = anim(
            vals["lanes"].text(
                0.04,
                0.5,
                "",
                ha="left",
                va="center",
                fontsize=8.5,
                color=C_ALERT,
                fontweight="bold",
                linespacing=1.3,
            )
        )
        self.a_overlaps = anim(PolyCollection([], facecolors=C_OVERLAP, alpha=0.35, lw=0))
        ax_s.add_collection(self.a_overlaps)
        self.a_agent = anim(PolyCollection([], facecolors=C_AGENT, alpha=0.85, lw=0))
        ax_s.add_collection(self.a_agent)
        self.a_customer = anim(PolyCollection([], facecolors=C_CUSTOMER, alpha=0.85, lw=0))
        ax_s.add_collection(self.a_customer)
        self.a_ints = anim(LineCollection([], colors=C_ALERT, lw=2.0))
        ax_s.add_collection(self.a_ints)
        # Interruption labels scroll, so they are redrawn every frame: they are drawn as
        # glyph outlines (TextPath, made once per label) which costs ~10x less than Text.
        bold = FontProperties(weight="bold", size=8)
        # (by, tentative): a decided interruption not yet confirmed is written "agent→client ?"
        # and drawn fainter (it may still turn out a long backchannel and be retracted)
        self._label_paths = {
            (by, t): TextPath((0, 0), interruption_label(by, self.lang, t), prop=bold)
            for by in ("agent", "customer") for t in (False, True)
        }
        self._label_width_pt = {by: p.get_extents().width for by, p in self._label_paths.items()}
        self._int_rgba = {t: to_rgba(C_ALERT, TENTATIVE_ALPHA if t else 1.0) for t in (False, True)}
        self._pt_to_px = Affine2D().scale(1 / 72) + fig.dpi_scale_trans
        self.a_int_labels = []
        for _ in range(4):
            patch = PathPatch(self._label_paths["agent", False], facecolor=C_ALERT, lw=0)
            ax_s.add_patch(patch)
            self.a_int_labels.append(anim(patch))
        self.int_label_text: list[str] = []
        # the nudge and the status line live in their own axes (never figure-level text)
        self.a_nudge = anim(
            ax_n.text(
                0.5,
                0.45,
                "",
                ha="center",
                va="center",
                fontsize=30,
                fontweight="bold",
                color=C_ALERT,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": C_NUDGE_BG, "edgecolor": "none"},
            )
        )
        self.a_status = anim(
            ax_st.text(
                0.0, 0.72, "", ha="left", va="center", fontsize=8.5, color=C_MUTED, clip_on=True
            )
        )
        self.a_degraded = anim(
            ax_st.text(
                0.0,
                0.2,
                "",
                ha="left",
                va="center",
                fontsize=9.5,
                color=C_ALERT,
                fontweight="bold",
                clip_on=True,
            )
        )
        self.axes = {
            "nudge": ax_n,
            "pitch": ax_p,
            "rate": ax_r,
            "loudness": ax_l,
            "lanes": ax_s,
            "status": ax_st,
        }
        # The plots scroll, so they are redrawn every frame; the text regions (values,
        # nudge, status) only when their text changes: text is the costliest artist.
        self._region_axes = {
            "plots": [ax_p, ax_r, ax_l, ax_s],
            # one region per value: a changed number redraws its own row only
            **{f"values_{k}": [ax] for k, ax in vals.items()},
            "nudge": [ax_n],
            "status": [ax_st],
        }

    # ------------------------------------------------------------------ per frame
    def _update(self, snap: Snapshot) -> None:
        """Set the animated artists' data from one snapshot (no drawing)."""
        lab = self.labels
        h = snap.history_s
        x = snap.t_s - snap.now_s
        n = x.size

        thr = snap.thresholds.get("pitch_st", math.nan)
        if math.isfinite(thr):
            self.a_band.set_visible(True)
            self.a_band.set_y(-thr)
            self.a_band.set_height(2 * thr)
        else:
            self.a_band.set_visible(False)
        lim = PITCH_LIM_ST * 0.98
        # about one point per pixel column is plenty: every LINE_STEP-th hop, at hop
        # indices fixed in stream time so that the scrolling line does not shimmer
        k = LINE_STEP
        off = (-round(snap.t_s[0] / self.model.hop_s)) % k if n else 0
        xs = x[off::k]
        self.a_pitch.set_data(xs, np.clip(snap.pitch_delta_st[off::k], -lim, lim))
        p = latest(snap.pitch_delta_st, snap.t_s, snap.now_s)
        self.a_pitch_now.set_text("–" if math.isnan(p) else f"{number(p, self.lang):+z.1f}")
        self.a_pitch_now.set_color(C_ALERT if math.isfinite(thr) and p > thr else C_TEXT)
        self.a_hint.set_visible(snap.baseline == "forming" or not math.isfinite(thr))

        rthr = snap.thresholds.get("rate_pct", math.nan)
        self.a_rate_thr.set_visible(math.isfinite(rthr))
        if math.isfinite(rthr):
            self.a_rate_thr.set_ydata([rthr, rthr])
        rlim = RATE_LIM_PCT * 0.98
        self.a_rate.set_data(xs, np.clip(snap.rate_delta_pct[off::k], -rlim, rlim))
        r = latest(snap.rate_delta_pct, snap.t_s, snap.now_s)
        self.a_rate_now.set_text("–" if math.isnan(r) else f"{r:+z.0f}")
        self.a_rate_now.set_color(C_ALERT if math.isfinite(rthr) and r > rthr else C_TEXT)

        lthr = snap.thresholds.get("loudness_db", math.nan)
        base = baseline_level_db(snap) if n else math.nan
        show = math.isfinite(lthr) and math.isfinite(base)
        self.a_loud_thr.set_visible(show)
        if show:
            self.a_loud_thr.set_ydata([base + lthr, base + lthr])
        # the hop level is spiky: keep each group's peak rather than every k-th hop
        m = (n - off) // k * k
        xp = x[off : off + m : k]
        peaks = snap.loudness_db[off : off + m].reshape(-1, k).max(axis=1) if m else xp
        self.a_loud.set_data(xp, np.clip(peaks, *LOUDNESS_LIM_DB))
        level = snap.speech_level_db if snap.speech_level_db.size == n else np.full(n, np.nan)
        self.a_level.set_data(xs, np.clip(level[off::k], *LOUDNESS_LIM_DB))
        v = latest(level, snap.t_s, snap.now_s)
        if math.isnan(v):
            v = latest(snap.loudness_db, snap.t_s, snap.now_s)
        self.a_loud_now.set_text("–" if math.isnan(v) else f"{v:.0f}")
        self.a_loud_now.set_color(C_ALERT if show and v > base + lthr else C_TEXT)

        hop = self.model.hop_s
        self.a_agent.set_verts(_lane_rects(snap.agent_speech, x, hop, 1.12, 1.88))
        self.a_customer.set_verts(_lane_rects(snap.customer_speech, x, hop, 0.12, 0.88))
        ovs = []
        for start, end, _by in snap.overlaps:
            x0 = max(start - snap.now_s, -h)
            x1 = (snap.now_s if end is None else end) - snap.now_s
            if x1 > x0:
                ovs.append([(x0, 0.0), (x0, 2.0), (x1, 2.0), (x1, 0.0)])
        self.a_overlaps.set_verts(ovs)
        ints = snap.interruptions[-len(self.a_int_labels) :]
        tentative = set(snap.tentative)
        self.a_ints.set_segments(
            [[(s - snap.now_s, 0.0), (s - snap.now_s, 2.3)] for s, _by, _of in ints]
        )
        self.a_ints.set_color([self._int_rgba[x in tentative] for x in ints] or C_ALERT)
        self.int_label_text = []
        ax_s = self.axes["lanes"]
        for i, art in enumerate(self.a_int_labels):
            if i < len(ints):
                s, by, _of = ints[i]
                xi = s - snap.now_s
                key = ("agent" if by == "agent" else "customer", ints[i] in tentative)
                path = self._label_paths[key]
                # near "now", write the label to the left of the line
                dx = -self._label_width_pt[key] - 3 if xi > -0.2 * h else 3
                art.set_path(path)
                art.set_alpha(TENTATIVE_ALPHA if key[1] else 1.0)
                art.set_transform(
                    self._pt_to_px
                    + self._affine().translate(dx * self.fig.dpi / 72, 0)
                    + self._scaled(xi, 2.05, ax_s.transData)
                )
                art.set_visible(True)
                self.int_label_text.append(interruption_label(by, self.lang, key[1]))
            else:
                art.set_visible(False)

        if snap.interruptions:
            s, by, _of = last = snap.interruptions[-1]
            ago = snap.now_s - s
            when = f"{lab['ago_short']} {ago:.0f} s" if lab["ago_short"] else f"{ago:.0f} s ago"
            label = interruption_label(by, self.lang, last in tentative)
            self.a_last_int.set_text(f"{label}\n{when}")
            self.a_last_int.set_alpha(TENTATIVE_ALPHA if last in tentative else 1.0)
        else:
            self.a_last_int.set_text("")

        if snap.nudge is not None:
            msg, _rule, shown_s = snap.nudge
            age = snap.now_s - shown_s
            fade = round(min(1.0, max(0.25, self.model.display_s - age)), 1)
            self.a_nudge.set_text(msg)
            self.a_nudge.set_alpha(fade)
            self.a_nudge.get_bbox_patch().set_alpha(fade)
            self.a_nudge.set_visible(True)
        else:
            self.a_nudge.set_text("")
            self.a_nudge.set_visible(False)

        self.a_status.set_text(status_text(snap, self.lang) if n else lab["waiting"])
        degraded = snap.status.get("degraded")
        self.a_degraded.set_text(f"⚠ {degraded}" if degraded else "")

    def _draw_animated(self) -> None:
        for a in self._animated:
            self.fig.draw_artist(a)

    def _region_key(self, name: str) -> Any:
        """What a text region shows; the region is redrawn only when this changes."""
        if name == "plots":
            return None
        return tuple(
            (a.get_text(), a.get_color(), a.get_alpha(), a.get_visible())
            for a in self._regions[name]["artists"]
        )

    def _on_draw(self, event: Any) -> None:
        """After a full redraw (first frame, resize, expose): capture the backgrounds."""
        from matplotlib.transforms import Bbox

        fig_box = self.fig.bbox
        regions = {}
        for name, axes in self._region_axes.items():
            box = Bbox.union([ax.bbox for ax in axes]).padded(3)
            x1 = fig_box.x1 if name.startswith("values") else box.x1
            box = Bbox.from_extents(
                max(box.x0, fig_box.x0),
                max(box.y0, fig_box.y0),
                min(x1, fig_box.x1),
                min(box.y1, fig_box.y1),
            )
            regions[name] = {
                "bbox": box,
                "bg": self.canvas.copy_from_bbox(box),
                "artists": [a for a in self._animated if a.axes in axes],
            }
        self._regions = regions
        self._bg = True
        self._draw_animated()
        for name, reg in regions.items():
            reg["key"] = self._region_key(name)
            reg["drawn_s"] = -math.inf

    def _on_close(self, event: Any) -> None:
        self.closed = True

    def nudge_text(self) -> str:
        """The nudge currently drawn ("" if none).

        Returns
        -------
        str
        """
        return str(self.a_nudge.get_text()) if self.fig is not None else ""

    def render_frame(self) -> None:
        """Draw one frame from the model's latest snapshot (blitting after the first)."""
        self.open()
        if self.closed:
            return
        version = self.model.version
        snap = self.model.snapshot()
        t0 = time.monotonic()
        self._update(snap)
        if self._bg is None:
            self.canvas.draw()  # draw_event captures the backgrounds and draws the artists
            self.canvas.blit(self.fig.bbox)
            for reg in self._regions.values():
                reg["drawn_s"] = snap.now_s
        else:
            for name, reg in self._regions.items():
                key = self._region_key(name)
                if name != "plots":
                    if key == reg["key"]:
                        continue
                    # the numbers and the status line change nearly every frame while the
                    # agent speaks: redrawn at text_fps (call time), a nudge at once
                    if (name != "nudge" and reg["drawn_s"] <= snap.now_s
                            < reg["drawn_s"] + 1.0 / self.text_fps):
                        continue
                    reg["drawn_s"] = snap.now_s
                self.canvas.restore_region(reg["bg"])
                for a in reg["artists"]:
                    self.fig.draw_artist(a)
                self.canvas.blit(reg["bbox"])
                reg["key"] = key
        if self.interactive:
            self._flush()
        t1 = time.monotonic()
        self._last_version = version
        self.counter.frame(snap.now_s, t0, t1)

    def _flush(self) -> None:
        try:
            self.canvas.flush_events()
        except self._gui_errors:
            self.closed = True

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the frame on screen (what the last blit showed) as a PNG.

        Parameters
        ----------
        path : path-like

        Returns
        -------
        Path
            ``path``.
        """
        import matplotlib.image

        if self._bg is None:
            self.render_frame()
        rgba = np.asarray(self.canvas.buffer_rgba())
        p = Path(path)
        matplotlib.image.imsave(p, rgba, format="png")
        return p

    def run(self, stop_event: threading.Event, until: float | None = None) -> None:
        """Draw at most ``fps`` frames/s on the calling (main) thread until stopped.

        Parameters
        ----------
        stop_event : threading.Event
            Returns when it is set; set here when the window is closed.
        until : float, optional
            A ``time.monotonic()`` deadline (tests, screenshots).
        """
        self.open()
        if self.manager is not None:
            self.manager.show()
        try:
            paced_frames(self.counter, self.fps, stop_event, until,
                         closed=lambda: self.closed,
                         changed=lambda: self.model.version != self._last_version,
                         draw=lambda: self.render_frame(),
                         idle=lambda: self._flush() if self.interactive else None)
        finally:
            if self.closed:
                stop_event.set()
            self.close()

    def close(self) -> None:
        """Close the window (idempotent)."""
        if self.manager is not None:
            manager, self.manager = self.manager, None
            self.closed = True
            with contextlib.suppress(*self._gui_errors):
                manager.destroy()

    def stats(self) -> dict[str, Any]:
        """Frame accounting (see :meth:`FrameCounter.stats`) plus the backend and fps.

        Returns
        -------
        dict
            :meth:`FrameCounter.stats`, ``backend`` (matplotlib's) and ``max_fps``.
        """
        out = self.counter.stats()
        out["backend"] = self.backend
        out["max_fps"] = self.fps
        return out


def _lane_rects(
    mask: np.ndarray, x: np.ndarray, hop_s: float, y0: float, y1: float
) -> list[list[tuple[float, float]]]:
    """Rectangles of the speech runs; gaps shorter than LANE_MIN_GAP_S are bridged."""
    starts, ends = runs(mask)
    if starts.size > 1:
        keep = (starts[1:] - ends[:-1]) * hop_s >= LANE_MIN_GAP_S
        starts = starts[np.concatenate(([True], keep))]
        ends = ends[np.concatenate((keep, [True]))]
    out = []
    for a, b in zip(starts, ends, strict=True):
        xa = float(x[a])
        xb = float(x[b - 1]) + hop_s
        out.append([(xa, y0), (xa, y1), (xb, y1), (xb, y0)])
    return out
