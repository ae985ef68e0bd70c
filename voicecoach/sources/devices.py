"""Audio input devices through sounddevice/PortAudio: listing, lookup by index or name, rescan.

sounddevice is imported lazily, on first use, so that analysis, review and the test suite
run on machines without PortAudio or without any audio device. Every failure of the
PortAudio layer that a user can meet (library missing, no sound server, wrong name) is
turned into a :class:`~voicecoach.errors.DeviceError` that says how to fix it.

Monitor / loopback candidates
-----------------------------
The far end of a call is usually not a microphone but what the computer plays: a
PulseAudio/PipeWire *monitor* source (Linux), a virtual device such as BlackHole (macOS) or
"Stereo Mix"/a virtual cable (Windows). :func:`list_inputs` marks devices whose name looks
like one (:data:`MONITOR_HINTS`). PortAudio does not list PulseAudio monitor sources by
themselves, nor WASAPI loopbacks: :mod:`voicecoach.sources.loopback` reads those through
the optional `soundcard` package (``--far "<sink> monitor"``, no ``~/.asoundrc`` needed).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ..errors import DeviceError, NoMatchingDeviceError

__all__ = [
    "MONITOR_HINTS",
    "InputDevice",
    "NoMatchingDeviceError",
    "find_input",
    "format_inputs",
    "import_sounddevice",
    "list_inputs",
    "rescan",
]

#: Lower-case name fragments that mark a monitor / loopback / virtual-cable candidate.
MONITOR_HINTS = (
    "monitor",
    "loopback",
    "vc_far",
    "blackhole",
    "soundflower",
    "stereo mix",
    "what u hear",
    "wave out",
    "cable output",
    "voicemeeter",
)

_PORTAUDIO_HELP = (
    "install libportaudio2 (Debian/Ubuntu: sudo apt-get install libportaudio2; "
    "Fedora: sudo dnf install portaudio); on Windows and macOS the sounddevice wheel "
    "bundles PortAudio, so reinstall it: pip install --force-reinstall sounddevice"
)


@dataclass(frozen=True)
class InputDevice:
    """One PortAudio input device.

    Attributes
    ----------
    index : int
        PortAudio device index (valid until the next :func:`rescan`).
    name : str
        Device name as PortAudio reports it.
    hostapi : str
        Host API name (ALSA, Core Audio, Windows WASAPI, ...).
    max_input_channels : int
    default_samplerate : float
        Hz.
    is_monitor_candidate : bool
        The name looks like a monitor, loopback or virtual cable (see :data:`MONITOR_HINTS`).
    """

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    default_samplerate: float
    is_monitor_candidate: bool

    def describe(self) -> str:
        """``"3: vc_far (ALSA, 32 ch, 44100 Hz)"``.

        Returns
        -------
        str
            Index, name, host API, input channels and default rate (Hz).
        """
        return (f"{self.index}: {self.name} ({self.hostapi}, {self.max_input_channels} ch, "
                f"{self.default_samplerate:.0f} Hz)")


def import_sounddevice() -> ModuleType:
    """Import sounddevice, or raise :class:`DeviceError` saying how to install PortAudio.

    Returns
    -------
    module
        ``sounddevice``.

    Raises
    ------
    DeviceError
        If PortAudio or the sounddevice package is missing.
    """
    try:
        return importlib.import_module("sounddevice")
    except OSError as exc:  # sounddevice raises OSError('PortAudio library not found')
        raise DeviceError(f"PortAudio library not found: {_PORTAUDIO_HELP} ({exc})") from exc
    except ImportError as exc:
        raise DeviceError(
            f"the sounddevice package is not installed ({exc}); pip install sounddevice"
        ) from exc


def is_monitor_name(name: str) -> bool:
    """True when ``name`` looks like a monitor / loopback / virtual-cable device.

    Parameters
    ----------
    name : str
        A device name (case-insensitive; compared with :data:`MONITOR_HINTS`).

    Returns
    -------
    bool
    """
    low = name.lower()
    return any(h in low for h in MONITOR_HINTS)


def list_inputs() -> list[InputDevice]:
    """All devices with at least one input channel, in PortAudio order.

    Returns
    -------
    list of InputDevice
        Never empty.

    Raises
    ------
    DeviceError
        When PortAudio is missing or lists no input device at all.
    """
    sd = import_sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
    except Exception as exc:  # PortAudioError is not part of our hierarchy
        raise DeviceError(f"PortAudio could not list devices: {exc}; {_NO_DEVICE_HELP}") from exc
    out = []
    for d in devices:
        if int(d.get("max_input_channels", 0)) < 1:
            continue
        api = d.get("hostapi", 0)
        api_name = hostapis[api]["name"] if 0 <= api < len(hostapis) else str(api)
        out.append(InputDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            hostapi=str(api_name),
            max_input_channels=int(d["max_input_channels"]),
            default_samplerate=float(d["default_samplerate"]),
            is_monitor_candidate=is_monitor_name(str(d["name"])),
        ))
    if not out:
        raise DeviceError(f"no audio input devices: {_NO_DEVICE_HELP}")
    return out


_NO_DEVICE_HELP = (
    "is a sound server running? On Linux start PulseAudio/PipeWire (pactl info must answer) "
    "and install libasound2-plugins so ALSA reaches it; check that a microphone is plugged "
    "in and allowed (OS privacy settings); if the device appeared after voicecoach started, "
    "rescan. Or use a recording instead: voicecoach live --replay CALL.wav, voicecoach "
    "calibrate --input CALM.wav"
)


def find_input(spec: int | str | None) -> InputDevice:
    """Find an input device by index, by case-insensitive name substring, or the default.

    Parameters
    ----------
    spec : int, str or None
        A PortAudio index (``3`` or ``"3"``), a substring of the name (``"usb"``), or
        None for the system's default input device. An exact (case-insensitive) name
        match wins over substring matches.

    Returns
    -------
    InputDevice
        For None, the default input, or the first input when there is no default.

    Raises
    ------
    DeviceError
        No device matches, the index is not an input, or the substring is ambiguous; the
        message lists the candidates.
    """
    try:
        inputs = list_inputs()
    except DeviceError as e:
        if spec is None:
            raise
        raise DeviceError(f"input device {str(spec)!r} not found: {e}") from None
    if spec is None:
        sd = import_sounddevice()
        try:
            idx = int(sd.default.device[0])
        except (TypeError, ValueError, IndexError):
            idx = -1
        if idx < 0:
            hostapis = sd.query_hostapis()
            idx = next((int(a["default_input_device"]) for a in hostapis
                        if int(a.get("default_input_device", -1)) >= 0), -1)
        for d in inputs:
            if d.index == idx:
                return d
        return inputs[0]
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise DeviceError(f"device must be an index or a name substring, got {spec!r}")
    text = str(spec).strip()
    if isinstance(spec, int) or text.lstrip("-").isdigit():
        idx = int(text)
        for d in inputs:
            if d.index == idx:
                return d
        raise DeviceError(f"no input device with index {idx}; inputs are:\n{format_inputs(inputs)}")
    if not text:
        raise DeviceError(f"empty device name; inputs are:\n{format_inputs(inputs)}")
    low = text.lower()
    exact = [d for d in inputs if d.name.lower() == low]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in inputs if low in d.name.lower()]
    if not matches:
        raise NoMatchingDeviceError(
            f"no input device matches {text!r}; inputs are:\n{format_inputs(inputs)}\n"
            f"Give an index or a part of one of these names (voicecoach devices lists them)",
            inputs,
        )
    if len(matches) > 1:
        raise DeviceError(
            f"{text!r} matches {len(matches)} input devices:\n{format_inputs(matches)}\n"
            f"Give the index or a longer part of the name"
        )
    return matches[0]


def format_inputs(devices: list[InputDevice] | None = None) -> str:
    """One line per input; ``*`` marks monitor/loopback candidates (``voicecoach devices``).

    Parameters
    ----------
    devices : list of InputDevice, optional
        Default: :func:`list_inputs`.

    Returns
    -------
    str
        Indented lines, without a final newline.

    Raises
    ------
    DeviceError
        As :func:`list_inputs`, when ``devices`` is not given.
    """
    devices = list_inputs() if devices is None else devices
    return "\n".join(
        f"  {'*' if d.is_monitor_candidate else ' '} {d.describe()}" for d in devices
    )


def rescan() -> None:
    """Make PortAudio list devices again (it lists them once, when initialised).

    Call it after a device was plugged in, or after the sound-server environment
    (``PULSE_SERVER``, the ALSA configuration) changed. Streams must be closed first.
    """
    sd = import_sounddevice()
    sd._terminate()
    sd._initialize()
