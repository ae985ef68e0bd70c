"""The compact live coach: a small always-on-top strip (``--display compact``).

:class:`CompactDisplay` is a 480 x 140 px Tk window meant to stay open beside the agent's
CRM. It shows sparse cues rather than a chart: the agent's pitch, pace and loudness as
three small gauges against the calm band, both parties' speaking lights, the
overlap/interruption light (who interrupted whom, colour coded), the current nudge in large
type for ``[coach] display_s`` and a tiny status line (echo canceller, capture trouble).
The full chart stays as ``--display window`` (:mod:`voicecoach.sinks.window`).

What to show is computed by :func:`strip_state`, a pure function of a
:class:`~voicecoach.sinks.model.Snapshot`; the Tk side only moves or recolours the canvas
items whose state changed since the last frame (a gauge marker moves in whole pixels), so
a frame costs a few canvas calls. Like the window, it only reads model snapshots on the
main thread at its own modest rate (``min([live] fps, [live] compact_fps_max)``), so a slow
frame never holds up analysis: it draws fewer frames.

tkinter is imported lazily, inside :meth:`CompactDisplay.open`; importing this module needs
neither tkinter nor a display.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..errors import DisplayError
from ..i18n import resolve_lang, texts
from .model import DisplayModel, Snapshot
from .view import (
    FrameCounter,
    check_fps,
    echo_text,
    interruption_label,
    latest,
    paced_frames,
)

__all__ = ["HEIGHT_PX", "WIDTH_PX", "CompactDisplay", "Gauge", "StripState", "strip_state"]

#: The strip's size, px.
WIDTH_PX = 480
HEIGHT_PX = 140

#: Gauge spans, symmetric around the baseline (0): pitch st, pace %, loudness dB.
PITCH_LIM_ST = 6.0
RATE_LIM_PCT = 50.0
LOUDNESS_LIM_DB = 12.0

#: A party's light is on when it spoke in the last this many seconds (display only), s.
SPEAKING_WINDOW_S = 0.3

# The window's palette (voicecoach.sinks.window), plus "off" and the customer's interruption.
C_TEXT = "#2d3436"
C_MUTED = "#7f8c8d"
C_CALM = "#bfe3cb"
C_TRACK = "#eef0f2"
C_LINE = "#2c3e50"
C_ALERT = "#c0392b"
C_AGENT = "#3b6ea8"
C_CUSTOMER = "#6f9a5b"
C_OVERLAP = "#f0a030"
C_INT_CUSTOMER = "#8e44ad"
C_OFF = "#dfe4e8"
C_NUDGE_BG = "#fdf1e6"
C_BG = "#ffffff"

#: The light's colour per state: off, overlap, interruption by the agent / the customer.
LIGHT_COLOURS = {"off": C_OFF, "overlap": C_OVERLAP, "agent": C_ALERT, "customer": C_INT_CUSTOMER}

# Layout, px: nudge band on top, three gauge rows on the left, lights on the right, footer.
_NUDGE_Y = 25
_ROWS_Y = (66, 88, 110)
_TRACK_X = (72, 246)
_TRACK_H = 10
_MARKER_W = 5
_MARKER_H = 18
_VALUE_X = 252
_LIGHT_R = 7
_LIGHT_X = 336
_FOOTER_Y = 130
_FONT = "Helvetica"
_NUDGE_PX = 30


# ------------------------------------------------------------------------ what to show
@dataclass(frozen=True)
class Gauge:
    """One gauge: a value against the calm band ``[-band, +band]`` on ``[-lim, +lim]``.

    Attributes
    ----------
    value : float
        Current value in the gauge's unit (st, %, dB); NaN hides the marker.
    band : float
        Half-width of the calm band (the rule's current threshold); NaN hides the band.
    lim : float
        Half-span of the gauge.
    text : str
        The value as shown ("+1.2 dt", "–").
    alert : bool
        The value is above the band.
    """

    value: float
    band: float
    lim: float
    text: str
    alert: bool


@dataclass(frozen=True)
class StripState:
    """Everything the strip shows for one snapshot (pure data, no Tk).

    Attributes
    ----------
    pitch, rate, loudness : Gauge
    agent_speaking, customer_speaking : bool
    light : {"off", "overlap", "agent", "customer"}
        The overlap/interruption light: a confirmed interruption by the agent or by the
        customer in the last ``display_s``; else an ongoing overlap, or the newest
        interruption still unconfirmed (it may yet turn out a long backchannel), shown as an
        overlap; else off.
    light_text : str
        Its label ("agent→client", "agent→client ?" while unconfirmed, "chevauchement").
    nudge : str
        The nudge on screen ("" when none).
    hint : str
        Shown in the nudge band when there is no nudge (the baseline still forming).
    footer : str
        Echo canceller state, de-escalation; or the capture's degradation.
    footer_alert : bool
        The footer is a degradation warning.
    """

    pitch: Gauge
    rate: Gauge
    loudness: Gauge
    agent_speaking: bool
    customer_speaking: bool
    light: str
    light_text: str
    nudge: str
    hint: str
    footer: str
    footer_alert: bool


def _gauge(value: float, band: float, lim: float, spec: str, unit: str,
           decimal: str = ".") -> Gauge:
    text = "–" if not math.isfinite(value) else f"{value:{spec}}".replace(".", decimal) + " " + unit
    alert = math.isfinite(value) and math.isfinite(band) and value > band
    return Gauge(value, band, lim, text, alert)


def _spoke(mask: np.ndarray, t_s: np.ndarray, now_s: float) -> bool:
    return bool(mask.size and mask[t_s >= now_s - SPEAKING_WINDOW_S].any())


def strip_state(snap: Snapshot, lang: str, show_s: float) -> StripState:
    """What the strip shows for one snapshot.

    Parameters
    ----------
    snap : Snapshot
    lang : {"fr", "en"}
    show_s : float
        How long an interruption keeps the light on (the model's ``display_s``), s.

    Returns
    -------
    StripState
    """
    lab = texts(lang).DISPLAY
    term = texts(lang).TERMINAL
    thr = snap.thresholds
    now = snap.now_s
    pitch = _gauge(
        latest(snap.pitch_delta_st, snap.t_s, now),
        thr.get("pitch_st", math.nan),
        PITCH_LIM_ST,
        "+z.1f",
        term["pitch_unit"],
        lab["decimal"],
    )
    rate = _gauge(
        latest(snap.rate_delta_pct, snap.t_s, now),
        thr.get("rate_pct", math.nan),
        RATE_LIM_PCT,
        "+z.0f",
        "%",
    )
    loud = _gauge(
        latest(snap.loudness_delta_db, snap.t_s, now),
        thr.get("loudness_db", math.nan),
        LOUDNESS_LIM_DB,
        "+z.0f",
        "dB",
    )
    recent = [x for x in snap.interruptions if now - x[0] <= show_s]
    if recent and recent[-1] in snap.tentative:
        # decided but not confirmed: the overlap's colour, the label with a question mark
        by = "agent" if recent[-1][1] == "agent" else "customer"
        light, light_text = "overlap", interruption_label(by, lang, tentative=True)
    elif recent:
        by = "agent" if recent[-1][1] == "agent" else "customer"
        light, light_text = by, interruption_label(by, lang)
    elif any(end is None for _start, end, _by in snap.overlaps):
        light, light_text = "overlap", lab["overlap"]
    else:
        light, light_text = "off", lab["overlap"]
    nudge = snap.nudge[0] if snap.nudge is not None else ""
    if snap.t_s.size == 0:
        hint = lab["waiting"]
    elif snap.baseline == "forming":
        hint = lab["no_baseline"]
    else:
        hint = ""
    degraded = snap.status.get("degraded")
    if degraded:
        footer, footer_alert = f"⚠ {degraded}", True
    else:
        parts = [echo_text(snap, lang)]
        if snap.deescalating:
            parts.append(lab["deescalating"])
        footer, footer_alert = "  ·  ".join(p for p in parts if p), False
    return StripState(
        pitch=pitch,
        rate=rate,
        loudness=loud,
        agent_speaking=_spoke(snap.agent_speech, snap.t_s, now),
        customer_speaking=_spoke(snap.customer_speech, snap.t_s, now),
        light=light,
        light_text=light_text,
        nudge=nudge,
        hint=hint,
        footer=footer,
        footer_alert=footer_alert,
    )


def gauge_x(value: float, lim: float) -> int:
    """Pixel column of ``value`` on a gauge of half-span ``lim`` (clipped to the track).

    Parameters
    ----------
    value : float
        In the gauge's unit (st, %, dB); 0 is the middle of the track.
    lim : float
        Half-span, > 0, same unit.

    Returns
    -------
    int
        Canvas x, pixels.
    """
    x0, x1 = _TRACK_X
    f = (min(max(value, -lim), lim) + lim) / (2 * lim)
    return round(x0 + f * (x1 - x0))


# ------------------------------------------------------------------------ the strip
class CompactDisplay:
    """A 480 x 140 px always-on-top Tk strip with gauges, lights and the nudge.

    Parameters
    ----------
    model : DisplayModel
        Read with :meth:`DisplayModel.snapshot` once per drawn frame.
    fps : float, optional
        Highest frame rate (frames are drawn only when the model changed). Default
        ``min([live] fps, [live] compact_fps_max)``.
    lang : {"fr", "en"}, optional
        Default ``[coach] lang``.
    config : Config, optional
    topmost : bool
        Keep the strip above other windows.

    Examples
    --------
    >>> disp = CompactDisplay(model)                    # doctest: +SKIP
    >>> disp.run(stop_event)                            # main thread  # doctest: +SKIP
    """

    def __init__(
        self,
        model: DisplayModel,
        *,
        fps: float | None = None,
        lang: str | None = None,
        config: Config | None = None,
        topmost: bool = True,
    ) -> None:
        cfg = config if config is not None else load_config()
        if fps is None:
            fps = min(cfg.live.fps, check_fps(cfg.live.compact_fps_max))
        self.model = model
        self.fps = check_fps(fps)
        self.lang = resolve_lang(lang, cfg)
        self.labels = texts(self.lang).DISPLAY
        self.topmost = topmost
        self.counter = FrameCounter()
        self.root: Any = None
        self.canvas: Any = None
        self.closed = False
        self.state: StripState | None = None
        self._items: dict[str, int] = {}
        self._shown: dict[str, Any] = {}  # item name -> what it shows now
        self._fonts: dict[int, Any] = {}
        self._last_version = -1
        self._tcl_error: type[BaseException] = RuntimeError

    # ------------------------------------------------------------------ set-up
    def open(self) -> None:
        """Create the Tk window and its canvas items (idempotent).

        Raises
        ------
        DisplayError
            Without a screen (``DISPLAY``/``WAYLAND_DISPLAY`` unset on Linux/BSD), without
            tkinter, or when Tk cannot open a window.
        """
        if self.root is not None or self.closed:
            return
        if sys.platform not in ("darwin", "win32") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            from .window import NO_DISPLAY

            raise DisplayError(NO_DISPLAY)
        try:
            import tkinter
        except ImportError:
            raise DisplayError(
                "no display: tkinter is not installed (Debian: apt install python3-tk); "
                "use --display terminal or none"
            ) from None
        self._tcl_error = tkinter.TclError
        try:
            root = tkinter.Tk(className="voicecoach")
        except tkinter.TclError as e:
            where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "?"
            raise DisplayError(
                f"no display: cannot open a Tk window on {where!r} ({e}); "
                "use --display terminal or none"
            ) from None
        self.root = root
        root.title("voicecoach")
        root.resizable(False, False)
        root.configure(background=C_BG)
        x = max(0, root.winfo_screenwidth() - WIDTH_PX - 24)
        root.geometry(f"{WIDTH_PX}x{HEIGHT_PX}+{x}+24")  # top right, out of the CRM's way
        if self.topmost:
            root.attributes("-topmost", True)
        root.protocol("WM_DELETE_WINDOW", self._on_close)
        self.canvas = tkinter.Canvas(
            root, width=WIDTH_PX, height=HEIGHT_PX, background=C_BG, highlightthickness=0, bd=0
        )
        self.canvas.pack()
        self._build()

    def _font(self, px: int, *styles: str) -> tuple[Any, ...]:
        return (_FONT, -px, *styles)  # negative size: pixels, whatever the screen's dpi

    def _build(self) -> None:
        c = self.canvas
        lab = self.labels
        term = texts(self.lang).TERMINAL
        it = self._items
        it["nudge_bg"] = c.create_rectangle(
            2, 2, WIDTH_PX - 2, 48, fill=C_NUDGE_BG, outline="", state="hidden"
        )
        it["nudge"] = c.create_text(
            WIDTH_PX / 2, _NUDGE_Y, text="", fill=C_ALERT, font=self._font(_NUDGE_PX, "bold")
        )
        it["hint"] = c.create_text(
            WIDTH_PX / 2, _NUDGE_Y, text="", fill=C_MUTED, font=self._font(13, "italic")
        )
        c.create_line(8, 52, WIDTH_PX - 8, 52, fill=C_OFF)
        x0, x1 = _TRACK_X
        for key, y in zip(("pitch", "rate", "loudness"), _ROWS_Y, strict=True):
            c.create_text(
                8, y, text=term[key], anchor="w", fill=C_TEXT, font=self._font(12, "bold")
            )
            c.create_rectangle(x0, y - _TRACK_H / 2, x1, y + _TRACK_H / 2, fill=C_TRACK, outline="")
            it[f"{key}_band"] = c.create_rectangle(
                0, 0, 0, 0, fill=C_CALM, outline="", state="hidden"
            )
            xm = gauge_x(0.0, 1.0)
            c.create_line(xm, y - _TRACK_H / 2 - 2, xm, y + _TRACK_H / 2 + 2, fill=C_MUTED)
            it[f"{key}_marker"] = c.create_rectangle(
                0, 0, 0, 0, fill=C_LINE, outline="", state="hidden"
            )
            it[f"{key}_value"] = c.create_text(
                _VALUE_X, y, text="–", anchor="w", fill=C_TEXT, font=self._font(12, "bold")
            )
        # three lights stacked beside the gauges: agent, customer, overlap/interruption
        bold = self._font(12, "bold")
        x = _LIGHT_X
        rows = zip(("agent", "customer", "overlap"), _ROWS_Y, strict=True)
        for name, y in rows:
            r = _LIGHT_R
            it[f"{name}_light"] = c.create_oval(x - r, y - r, x + r, y + r, fill=C_OFF, outline="")
            label = c.create_text(x + r + 6, y, text=lab[name], anchor="w", fill=C_TEXT, font=bold)
            if name == "overlap":
                it["overlap_text"] = label
                c.itemconfigure(label, fill=C_MUTED)
        it["footer"] = c.create_text(
            8, _FOOTER_Y, text="", anchor="w", fill=C_MUTED, font=self._font(10)
        )

    # ------------------------------------------------------------------ per frame
    def _set(self, name: str, coords: tuple[float, ...] | None = None, **options: Any) -> None:
        """Move (``coords``) or reconfigure item ``name`` only when that changes what it shows."""
        shown = (coords, tuple(sorted(options.items())))
        if self._shown.get(name) == shown:
            return
        item = self._items[name]
        if coords is not None:
            self.canvas.coords(item, *coords)
        if options:
            self.canvas.itemconfigure(item, **options)
        self._shown[name] = shown

    def _nudge_font(self, text: str) -> tuple[Any, ...]:
        """The nudge's font, smaller for a message wider than the strip."""
        import tkinter.font

        px = _NUDGE_PX
        while px > 14:
            if px not in self._fonts:
                self._fonts[px] = tkinter.font.Font(
                    root=self.root, family=_FONT, size=-px, weight="bold"
                )
            if self._fonts[px].measure(text) <= WIDTH_PX - 24:
                break
            px -= 2
        return self._font(px, "bold")

    def _apply(self, s: StripState) -> None:
        """Move or recolour the canvas items whose state changed (nothing else)."""
        gauges = (("pitch", s.pitch), ("rate", s.rate), ("loudness", s.loudness))
        for (key, g), y in zip(gauges, _ROWS_Y, strict=True):
            if math.isfinite(g.band):
                x0, x1 = gauge_x(-g.band, g.lim), gauge_x(g.band, g.lim)
                box = (x0, y - _TRACK_H / 2, x1, y + _TRACK_H / 2)
                self._set(f"{key}_band", box, state="normal")
            else:
                self._set(f"{key}_band", state="hidden")
            if math.isfinite(g.value):
                xm = gauge_x(g.value, g.lim)
                box = (xm - _MARKER_W / 2, y - _MARKER_H / 2, xm + _MARKER_W / 2, y + _MARKER_H / 2)
                self._set(f"{key}_marker", box, fill=C_ALERT if g.alert else C_LINE, state="normal")
            else:
                self._set(f"{key}_marker", state="hidden")
            self._set(f"{key}_value", text=g.text, fill=C_ALERT if g.alert else C_TEXT)
        self._set("agent_light", fill=C_AGENT if s.agent_speaking else C_OFF)
        self._set("customer_light", fill=C_CUSTOMER if s.customer_speaking else C_OFF)
        colour = LIGHT_COLOURS[s.light]
        self._set("overlap_light", fill=colour)
        self._set("overlap_text", text=s.light_text, fill=C_MUTED if s.light == "off" else colour)
        if s.nudge:
            self._set("nudge", text=s.nudge, font=self._nudge_font(s.nudge))
        else:
            self._set("nudge", text="")
        self._set("nudge_bg", state="normal" if s.nudge else "hidden")
        self._set("hint", text="" if s.nudge else s.hint)
        self._set("footer", text=s.footer, fill=C_ALERT if s.footer_alert else C_MUTED)

    def render_frame(self) -> None:
        """Draw one frame from the model's latest snapshot (only the items that changed)."""
        self.open()
        if self.closed:
            return
        version = self.model.version
        snap = self.model.snapshot()
        t0 = time.monotonic()
        self.state = strip_state(snap, self.lang, self.model.display_s)
        self._apply(self.state)
        self._flush()
        t1 = time.monotonic()
        self._last_version = version
        self.counter.frame(snap.now_s, t0, t1)

    def _flush(self) -> None:
        """Let Tk repaint what changed and handle window events."""
        try:
            self.root.update()
        except self._tcl_error:
            self.closed = True

    def _on_close(self) -> None:
        self.closed = True

    def nudge_text(self) -> str:
        """The nudge currently drawn ("" if none, or once the strip is closed).

        Returns
        -------
        str
        """
        if self.root is None:
            return ""
        return str(self.canvas.itemcget(self._items["nudge"], "text"))

    def geometry(self) -> tuple[int, int, int, int]:
        """The canvas on screen: ``(x, y, width, height)`` in screen pixels.

        Returns
        -------
        tuple of int

        Raises
        ------
        DisplayError
            Once the strip is closed (:meth:`run` closes it when it returns).
        """
        self.open()
        if self.root is None:
            raise DisplayError("the compact strip is closed; ask for its geometry before close()")
        self.root.update_idletasks()
        c = self.canvas
        return c.winfo_rootx(), c.winfo_rooty(), c.winfo_width(), c.winfo_height()

    def run(self, stop_event: threading.Event, until: float | None = None) -> None:
        """Draw at most ``fps`` frames/s on the calling (main) thread until stopped.

        Parameters
        ----------
        stop_event : threading.Event
            Returns when it is set; set here when the strip is closed.
        until : float, optional
            A ``time.monotonic()`` deadline (tests, screenshots).
        """
        self.open()
        try:
            paced_frames(self.counter, self.fps, stop_event, until,
                         closed=lambda: self.closed,
                         changed=lambda: self.model.version != self._last_version,
                         draw=lambda: self.render_frame(), idle=lambda: self._flush())
        finally:
            if self.closed:
                stop_event.set()
            self.close()

    def close(self) -> None:
        """Close the strip (idempotent)."""
        if self.root is not None:
            root, self.root = self.root, None
            self.closed = True
            with contextlib.suppress(self._tcl_error):
                root.destroy()

    def stats(self) -> dict[str, Any]:
        """Frame accounting (see :meth:`FrameCounter.stats`) plus the backend and fps.

        Returns
        -------
        dict
            :meth:`FrameCounter.stats`, ``backend`` (``"compact-tk"``) and ``max_fps``.
        """
        out = self.counter.stats()
        out["backend"] = "compact-tk"
        out["max_fps"] = self.fps
        return out
