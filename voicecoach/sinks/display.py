"""Which live display to draw: the compact strip, the chart window, the terminal or none.

:func:`choose_display` picks :class:`~voicecoach.sinks.compact.CompactDisplay` (the default
when a screen is available), :class:`~voicecoach.sinks.window.WindowDisplay` (the full
matplotlib chart), :class:`~voicecoach.sinks.terminal.TerminalDisplay` or nothing. What the
displays share is in :mod:`voicecoach.sinks.view`. Importing this module needs neither
tkinter, matplotlib nor rich.
"""

from __future__ import annotations

from typing import Any

from ..config import Config, load_config
from ..errors import DisplayError, ParameterError
from ..i18n import resolve_lang
from .compact import CompactDisplay
from .model import DisplayModel
from .terminal import TerminalDisplay
from .view import check_fps
from .window import WindowDisplay, gui_backend

__all__ = ["choose_display"]


# ------------------------------------------------------------------------ choice
def choose_display(
    kind: str, model: DisplayModel, lang: str | None = None, config: Config | None = None
) -> Any:
    """The display for ``--display KIND``.

    Parameters
    ----------
    kind : {"auto", "compact", "window", "terminal", "none"}
        ``compact``: the small always-on-top strip; ``window``: the full chart. ``auto``:
        the compact strip if it opens (a screen is set, tkinter imports and Tk opens a
        window), else the terminal dashboard.
    model : DisplayModel
    lang : {"fr", "en"}, optional
        Default ``[coach] lang``.
    config : Config, optional
        ``[live] fps`` is the window's frame rate; the terminal refreshes at
        ``min(fps, terminal_fps_max)``, the compact strip at ``min(fps, compact_fps_max)``.

    Returns
    -------
    CompactDisplay, WindowDisplay, TerminalDisplay or None

    Raises
    ------
    DisplayError
        For ``compact`` or ``window`` when no window can be opened (the message says to
        use ``--display terminal`` or ``none``).
    ParameterError
        For an unknown kind.
    """
    if kind == "none":
        return None
    cfg = config if config is not None else load_config()
    lang = resolve_lang(lang, cfg)
    check_fps(cfg.live.fps)
    if kind == "terminal":
        return TerminalDisplay(model, lang=lang, config=cfg)
    if kind == "window":
        disp: Any = WindowDisplay(model, lang=lang, config=cfg, backend=gui_backend())
        disp.open()
        return disp
    if kind in ("compact", "auto"):
        try:
            disp = CompactDisplay(model, lang=lang, config=cfg)
            disp.open()
            return disp
        except DisplayError:
            if kind == "compact":
                raise
        return TerminalDisplay(model, lang=lang, config=cfg)
    raise ParameterError(f"display must be compact, window, terminal, none or auto, got {kind!r}")
