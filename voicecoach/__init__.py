"""voicecoach: a live speech pacing and pitch monitor for people who talk to customers."""

from .analysis import Analyzer, ChannelAnalyzer, Features
from .config import Config, load_config
from .errors import (
    AudioFormatError,
    ConfigError,
    DeviceError,
    ParameterError,
    SourceError,
    UsageError,
    VoiceCoachError,
)
from .io import analyze_file

__version__ = "0.1.0"

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
