"""Which live display to draw: the matplotlib window, the terminal dashboard or none.

:func:`choose_display` picks :class:`~voicecoach.sinks.window.WindowDisplay` (when a screen
and a GUI backend are available), :class:`~voicecoach.sinks.terminal.TerminalDisplay` or
nothing. What both displays share is in :mod:`voicecoach.sinks.view`. Importing this module
needs neither matplotlib nor rich.
"""

from __future__ import annotations

from typing import Any

from ..config import Config, load_config
from ..errors import DisplayError, ParameterError
from ..i18n import resolve_lang
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
    kind : {"window", "terminal", "none", "auto"}
        ``auto``: a window if a GUI is available (a display is set and a GUI backend
        imports and opens), else the terminal dashboard.
    model : DisplayModel
    lang : {"fr", "en"}, optional
        Default ``[coach] lang``.
    config : Config, optional
        ``[live] fps`` is the window's frame rate; the terminal refreshes at
        ``min(fps, terminal_fps_max)``.

    Returns
    -------
    WindowDisplay, TerminalDisplay or None

    Raises
    ------
    DisplayError
        For ``window`` when no window can be opened (the message says to use
        ``--display terminal`` or ``none``).
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
    if kind in ("window", "auto"):
        try:
            backend = gui_backend()
            disp = WindowDisplay(model, lang=lang, config=cfg, backend=backend)
            disp.open()
            return disp
        except DisplayError:
            if kind == "window":
                raise
        return TerminalDisplay(model, lang=lang, config=cfg)
    raise ParameterError(f"display must be window, terminal, none or auto, got {kind!r}")
