"""voicecoach: a live speech pacing and pitch monitor for people who talk to customers.

The public names below are imported on first use (PEP 562), so ``import voicecoach.cli``
stays light: the command line's heavy imports (numpy, scipy, onnxruntime) run inside
:func:`voicecoach.cli.main`, where a Ctrl-C during startup ends with one line, not a
traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    AudioFormatError,
    ConfigError,
    DeviceError,
    ParameterError,
    SourceError,
    UsageError,
    VoiceCoachError,
)

if TYPE_CHECKING:
    from .analysis import Analyzer, ChannelAnalyzer, Features
    from .config import Config, load_config
    from .io import analyze_file

__version__ = "0.1.0"

#: Public names imported on first use, and their modules.
_LAZY = {
    "Analyzer": ".analysis",
    "ChannelAnalyzer": ".analysis",
    "Features": ".analysis",
    "Config": ".config",
    "load_config": ".config",
    "analyze_file": ".io",
}

__all__ = [
    "Analyzer",
    "AudioFormatError",
    "ChannelAnalyzer",
    "Config",
    "ConfigError",
    "DeviceError",
    "Features",
    "ParameterError",
    "SourceError",
    "UsageError",
    "VoiceCoachError",
    "analyze_file",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
