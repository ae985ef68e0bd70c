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
    "CalibrationError",
    "ClippedSignalError",
    "ConfigError",
    "DeviceError",
    "DisplayError",
    "EchoCancellerUnavailable",
    "EchoCancellerUnavailableError",
    "NoMatchingDeviceError",
    "ParameterError",
    "ProfileExistsError",
    "ProfileFormatError",
    "ProfileNotFoundError",
    "RigError",
    "SilentSignalError",
    "SourceError",
    "StaleTracksError",
    "TooLittleSpeechError",
    "UsageError",
    "VadBackendUnavailable",
    "VoiceCoachError",
    "error_message",
    "not_utf8",
]


class VoiceCoachError(Exception):
    """Root of all voicecoach errors."""


class ParameterError(VoiceCoachError, ValueError):
    """A parameter or an input array is not acceptable (value, dtype, shape, NaN)."""


class UsageError(ParameterError):
    """Command-line arguments that do not go together or are missing."""


class ConfigError(ParameterError):
    """A configuration file or key is invalid (unknown key, wrong type, bad value)."""


class AudioFormatError(ParameterError):
    """Audio data has a rate, dtype, shape or content that cannot be analysed."""


class SourceError(VoiceCoachError, OSError):
    """An audio source (file, session folder) is missing, unreadable or corrupt."""


class DeviceError(VoiceCoachError, OSError):
    """An audio device or the PortAudio library is missing or failed."""


class NoMatchingDeviceError(DeviceError):
    """No input device matches a name; ``inputs`` holds the devices there are (to list).

    Parameters
    ----------
    message : str
    inputs : list of InputDevice, optional
        The input devices found (copied; default none).
    """

    def __init__(self, message: str, inputs: list | None = None) -> None:
        super().__init__(message)
        self.inputs = list(inputs or [])


class EchoCancellerUnavailableError(VoiceCoachError, ImportError):
    """The echo canceller's library (livekit, WebRTC AEC3) is not installed."""


class EchoCancellerUnavailable(UserWarning):
    """Warned when ``[echo] enabled`` but the canceller cannot be loaded: the call is analysed
    without it (the bleed gate alone), which credits loudspeaker echo to the agent."""


class TruncatedAudio(UserWarning):
    """Warned when a WAV file holds fewer samples than its header declares (a copy or a
    recording cut short): what is there is analysed."""


class VadBackendUnavailable(UserWarning):
    """Warned when ``[vad] backend = "silero"`` but onnxruntime or the silero-vad model is
    missing: the webrtc backend is used instead."""
class DisplayError(VoiceCoachError, RuntimeError):
    """No window can be shown (no display, no GUI backend) or drawing failed."""


class StaleTracksError(SourceError):
    """Cached tracks cannot serve this configuration (analysis settings or audio changed)."""


class ProfileNotFoundError(SourceError):
    """No profile of that name in the directory (also an ``OSError``)."""


class ProfileFormatError(SourceError):
    """A profile file is not valid TOML or not a valid profile (also an ``OSError``)."""


class ProfileExistsError(ParameterError):
    """Saving would overwrite a profile and ``overwrite=False`` (also a ``ValueError``)."""


class RigError(VoiceCoachError, RuntimeError):
    """The test PulseAudio rig could not be started, attached or driven."""


def error_message(e: BaseException) -> str:
    """One line for an error a user can cause or meet.

    voicecoach's own errors say what was given and how to fix it; an ``OSError`` from the
    system (a full disk, a permission, a missing folder) is named with its file.

    Parameters
    ----------
    e : BaseException

    Returns
    -------
    str
        ``str(e)``, or for a system ``OSError`` ``"<strerror>: '<file>'"`` (``-> '<file2>'``
        for a rename).
    """
    if isinstance(e, VoiceCoachError) or not isinstance(e, OSError):
        return str(e)
    what = e.strerror or str(e) or type(e).__name__
    where = " -> ".join(repr(str(f)) for f in (e.filename, e.filename2) if f is not None)
    return f"{what}: {where}" if where else what


class CalibrationError(ParameterError):
    """A calibration recording cannot give a baseline (also a ``ValueError``)."""


class TooLittleSpeechError(CalibrationError):
    """Less voiced speech than ``[baseline] min_calibration_voiced_s``."""


class ClippedSignalError(CalibrationError):
    """More clipped samples than ``[baseline] clip_fraction_max``."""


class SilentSignalError(CalibrationError):
    """The recording is silent (peak under ``silence_peak_db``) or holds no speech."""


def not_utf8(what: str, e: UnicodeDecodeError) -> str:
    """The start of a message for a text file that is not UTF-8: ``"<what> is not UTF-8 text
    (byte N: b'\\xff')"``, naming the first byte that is not.

    Parameters
    ----------
    what : str
        The file as the message names it (e.g. ``"manifest 'calls.csv'"``).
    e : UnicodeDecodeError
        The decoding error.

    Returns
    -------
    str
    """
    return f"{what} is not UTF-8 text (byte {e.start}: {e.object[e.start:e.start + 1]!r})"
