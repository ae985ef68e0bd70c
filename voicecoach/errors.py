"""Exception hierarchy.

Every error raised on purpose by voicecoach derives from :class:`VoiceCoachError`.
Each subclass also derives from the builtin error a caller would expect
(``ValueError`` for bad parameters or data, ``OSError`` for files and devices), so
generic handlers keep working.

Messages name what was given, what is allowed and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AudioFormatError",
    "ConfigError",
    "DeviceError",
    "EchoCancellerUnavailable",
    "EchoCancellerUnavailableError",
    "ParameterError",
    "SourceError",
    "VadBackendUnavailable",
    "VoiceCoachError",
]


class VoiceCoachError(Exception):
    """Root of all voicecoach errors."""


class ParameterError(VoiceCoachError, ValueError):
    """A parameter or an input array is not acceptable (value, dtype, shape, NaN)."""


class ConfigError(ParameterError):
    """A configuration file or key is invalid (unknown key, wrong type, bad value)."""


class AudioFormatError(ParameterError):
    """Audio data has a rate, dtype, shape or content that cannot be analysed."""


class SourceError(VoiceCoachError, OSError):
    """An audio source (file, session folder) is missing, unreadable or corrupt."""


class DeviceError(VoiceCoachError, OSError):
    """An audio device or the PortAudio library is missing or failed."""


class EchoCancellerUnavailableError(VoiceCoachError, ImportError):
    """The echo canceller's library (livekit, WebRTC AEC3) is not installed."""


class EchoCancellerUnavailable(UserWarning):
    """Warned when ``[echo] enabled`` but the canceller cannot be loaded: the call is analysed
    without it (the bleed gate alone), which credits loudspeaker echo to the agent."""


class VadBackendUnavailable(UserWarning):
    """Warned when ``[vad] backend = "silero"`` but onnxruntime or the silero-vad model is
    missing: the webrtc backend is used instead."""
