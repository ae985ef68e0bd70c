"""Far-end backend choice, monitor/loopback listing and the soundcard stream, with fakes.

No audio server: `soundcard` and `sounddevice` are replaced by small fakes. The real
soundcard backend runs against the PulseAudio rig in ``tests/live/test_loopback_live.py``.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import types

import numpy as np
import pytest

from voicecoach import cli
from voicecoach.errors import DeviceError
from voicecoach.sources import loopback
from voicecoach.sources.devices import InputDevice, NoMatchingDeviceError
from voicecoach.sources.loopback import (
    LoopbackDevice,
    SoundcardStream,
    find_loopback,
    format_far_candidates,
    list_loopbacks,
    resolve_far,
)


class FakeMic:
    def __init__(self, id, name, channels, isloopback, chunks=(), fail_open=None,
                 fail_after=None):
        self.id, self.name, self.channels, self.isloopback = id, name, channels, isloopback
        self.chunks = list(chunks)
        self.fail_open = fail_open
        self.fail_after = fail_after
        self.opened = []
        self.rec = None

    def recorder(self, samplerate, channels, blocksize):
        self.opened.append((samplerate, channels, blocksize))
        if self.fail_open:
            raise RuntimeError(self.fail_open)
        self.rec = FakeRecorder(self)
        return self.rec


class FakeRecorder:
    latency = 0.02

    def __init__(self, mic):
        self.mic = mic
        self.closed = False
        self.n = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def record(self, numframes=None):
        assert numframes is None  # whatever the server has, never a fixed count
        time.sleep(0.002)
        if self.mic.fail_after is not None and self.n >= self.mic.fail_after:
            raise RuntimeError("Recording failed, stream is in status FAILED")
        self.n += 1
        if self.mic.chunks:
            return self.mic.chunks.pop(0)
        return np.zeros((0, 1), np.float32)


MICS = [
    FakeMic("alsa_input.usb-headset", "USB Headset", 1, False),
    FakeMic("vc_far.monitor", "Monitor of Remapped Null Output", 1, True),
    FakeMic("vc_mic.monitor", "Monitor of Remapped Null Output", 1, True),
    FakeMic("alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
            "Monitor of Built-in Audio Analog Stereo", 2, True),
]


def fake_sc(mics=MICS):
    return types.SimpleNamespace(
        all_microphones=lambda include_loopback=False: [
            m for m in mics if include_loopback or not m.isloopback],
        get_microphone=lambda id, include_loopback=False: next(m for m in mics if m.id == id),
    )


LOOPS = list_loopbacks(sc=fake_sc(), platform="linux")
PA = [InputDevice(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", "ALSA", 2, 44100.0, False),
      InputDevice(4, "vc_far", "ALSA", 32, 44100.0, True),
      InputDevice(5, "BlackHole 2ch", "Core Audio", 2, 48000.0, True)]


def pa_find(spec):
    text = str(spec).strip().lower()
    if text.isdigit():
        return next(d for d in PA if d.index == int(text))
    hits = [d for d in PA if text in d.name.lower()]
    if not hits:
        raise NoMatchingDeviceError(f"no input device matches {spec!r}; inputs are: ...", PA)
    return hits[0]


# ------------------------------------------------------------------ listing and matching
def test_list_loopbacks_keeps_monitors_with_their_far_strings():
    assert [(d.id, d.far, d.channels) for d in LOOPS] == [
        ("vc_far.monitor", "vc_far monitor", 1),
        ("vc_mic.monitor", "vc_mic monitor", 1),
        ("alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
         "alsa_output.pci-0000_00_1f.3.analog-stereo monitor", 2),
    ]


def test_windows_loopback_far_string_is_the_speaker_name():
    spk = FakeMic("{0.0.0.00000000}.{b3f8fa53}", "Speakers (Realtek(R) Audio)", 2, True)
    (d,) = list_loopbacks(sc=fake_sc([spk]), platform="win32")
    assert d.far == "Speakers (Realtek(R) Audio) loopback"


def test_macos_lists_no_soundcard_loopbacks():
    assert list_loopbacks(sc=None, platform="darwin") == []


@pytest.mark.parametrize("spec", ["vc_far monitor", "VC_FAR.monitor", "vc_far.monitor",
                                  " vc_far  monitor ", "vc_far"])
def test_find_loopback_by_far_string_id_or_sink(spec):
    assert find_loopback(spec, LOOPS).id == "vc_far.monitor"


def test_find_loopback_by_part_of_a_name():
    assert find_loopback("built-in audio", LOOPS).far.startswith("alsa_output.pci")
    # a part of a name followed by "monitor" / "loopback": the word is dropped to match
    assert find_loopback("Built-in Audio monitor", LOOPS).far.startswith("alsa_output.pci")
    spk = LoopbackDevice("{guid}", "Speakers (Realtek(R) Audio)",
                         "Speakers (Realtek(R) Audio) loopback", 2)
    assert find_loopback("Speakers loopback", [spk]) is spk


def test_an_exact_match_wins_over_a_partial_one():
    far2 = LoopbackDevice("vc_far2.monitor", "Monitor of Far 2", "vc_far2 monitor", 1)
    loops = [*LOOPS, far2]
    assert find_loopback("vc_far monitor", loops).id == "vc_far.monitor"  # also a part of far2's
    assert find_loopback("vc_far2.monitor", loops) is far2
    with pytest.raises(DeviceError, match="matches 2 monitors/loopbacks"):
        find_loopback("vc_fa", loops)  # a part of both, exact for neither


def test_find_loopback_ambiguous_lists_the_far_strings():
    with pytest.raises(DeviceError) as ei:
        find_loopback("Monitor of Remapped Null Output", LOOPS)
    msg = str(ei.value)
    assert "matches 2 monitors/loopbacks" in msg
    assert '"vc_far monitor"' in msg and '"vc_mic monitor"' in msg
    assert "exact --far string" in msg


def test_find_loopback_no_match_is_none():
    assert find_loopback("zoom monitor", LOOPS) is None
    assert find_loopback("  ", LOOPS) is None


# ------------------------------------------------------------------ backend choice
def _resolve(far, backend="auto", platform="linux", loops=LOOPS):
    return resolve_far(far, backend, platform=platform, find=pa_find, loopbacks=lambda: loops)


def test_linux_portaudio_name_stays_on_sounddevice():
    c = _resolve("vc_far")
    assert (c.backend, c.device.index) == ("sounddevice", 4)


def test_linux_monitor_not_listed_by_portaudio_goes_through_soundcard():
    c = _resolve("vc_mic monitor")
    assert (c.backend, c.device.id) == ("soundcard", "vc_mic.monitor")


def test_index_is_always_portaudio():
    assert _resolve("4").backend == "sounddevice"
    assert _resolve(0).device.index == 0
    # on Windows too, where names go to soundcard first: "4" is PortAudio's input 4, not a
    # part of a speaker's name (on Linux PortAudio is asked first, so that case cannot tell)
    spk = LoopbackDevice("{guid}", "Speakers (4- USB Audio)", "Speakers (4- USB Audio) loopback", 2)
    c = _resolve("4", platform="win32", loops=[spk])
    assert (c.backend, c.device.index) == ("sounddevice", 4)


def test_windows_loopback_name_goes_through_soundcard_first():
    spk = LoopbackDevice("{guid}", "HDA Intel PCH speakers", "HDA Intel PCH speakers loopback", 2)
    c = _resolve("HDA Intel PCH speakers loopback", platform="win32", loops=[spk])
    assert c.backend == "soundcard"
    # first: a name PortAudio matches too (its "HDA Intel PCH: ALC257" input) is the
    # loopback on Windows, the PortAudio input on Linux (the name above matches no
    # PortAudio input, so it reached soundcard either way)
    c = _resolve("HDA Intel PCH", platform="win32", loops=[spk])
    assert (c.backend, c.device.id) == ("soundcard", "{guid}")
    c = _resolve("HDA Intel PCH", platform="linux", loops=[spk])
    assert (c.backend, c.device.index) == ("sounddevice", 0)
    # a PortAudio input that matches no loopback stays on sounddevice
    assert _resolve("ALC257", platform="win32", loops=[spk]).backend == "sounddevice"


def test_macos_blackhole_by_name_and_no_soundcard():
    def no_loopbacks():
        raise AssertionError("soundcard is not consulted on macOS")

    c = resolve_far("BlackHole", "auto", platform="darwin", find=pa_find, loopbacks=no_loopbacks)
    assert (c.backend, c.device.name) == ("sounddevice", "BlackHole 2ch")
    with pytest.raises(NoMatchingDeviceError):
        resolve_far("zoom", "auto", platform="darwin", find=pa_find, loopbacks=no_loopbacks)


def test_forced_backends():
    assert _resolve("vc_far", backend="soundcard").device.id == "vc_far.monitor"
    assert _resolve("vc_far", backend="sounddevice").device.index == 4
    with pytest.raises(NoMatchingDeviceError):
        _resolve("vc_mic monitor", backend="sounddevice")


def test_unknown_monitor_names_what_was_given_what_exists_and_how_to_fix():
    with pytest.raises(DeviceError) as ei:
        _resolve("zoom monitor")
    msg = str(ei.value)
    assert msg.startswith("no input device, monitor or loopback matches --far 'zoom monitor'")
    assert "vc_far" in msg and '"vc_mic monitor"' in msg  # both kinds are listed
    assert "voicecoach devices" in msg


def test_unknown_backend_is_refused():
    with pytest.raises(DeviceError, match="far backend 'pulse' is unknown; use one of auto, "
                                          "sounddevice, soundcard"):
        _resolve("vc_far", backend="pulse")


def test_unknown_monitor_with_forced_soundcard():
    with pytest.raises(DeviceError, match=r"(?s)no monitor or loopback matches --far 'x'.*"
                                          r'"vc_far monitor".*voicecoach devices'):
        _resolve("x", backend="soundcard")


def _no_soundcard():
    raise DeviceError(f"the soundcard package is not installed (x); {loopback.LOOPBACK_INSTALL}")


def test_missing_soundcard_says_how_to_install():
    with pytest.raises(DeviceError) as ei:
        resolve_far("vc_mic monitor", "auto", platform="linux", find=pa_find,
                    loopbacks=_no_soundcard)
    msg = str(ei.value)
    assert msg.startswith("no input device matches 'vc_mic monitor'")
    assert "pip install 'voicecoach[loopback]'" in msg


def test_import_soundcard_missing_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "soundcard", None)  # import raises ImportError
    with pytest.raises(DeviceError) as ei:
        loopback.import_soundcard()
    assert "soundcard package is not installed" in str(ei.value)
    assert "pip install 'voicecoach[loopback]'" in str(ei.value)


def test_import_soundcard_without_a_server(monkeypatch):
    class NoServer:
        def find_spec(self, name, path=None, target=None):
            if name == "soundcard":
                raise AssertionError("context not ready")  # what soundcard raises on import
            return None

    monkeypatch.delitem(sys.modules, "soundcard", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoServer(), *sys.meta_path])
    with pytest.raises(DeviceError, match=r"could not reach the sound server.*pactl info"):
        loopback.import_soundcard()


# ------------------------------------------------------------------ voicecoach devices
def test_devices_section_lists_far_strings():
    text = format_far_candidates(platform="linux", sc=fake_sc())
    lines = text.splitlines()
    assert lines[0].startswith("Monitors and loopbacks (far-end candidates")
    assert any('--far "vc_far monitor"' in s for s in lines)
    assert not any("USB Headset" in s for s in lines)  # microphones are not far candidates


def test_devices_section_without_soundcard(monkeypatch):
    monkeypatch.setitem(sys.modules, "soundcard", None)
    text = format_far_candidates(platform="linux")
    assert "not available" in text and "pip install 'voicecoach[loopback]'" in text


def test_devices_section_on_macos_points_to_blackhole():
    assert "--far BlackHole" in format_far_candidates(platform="darwin")


def test_devices_command_prints_both_sections(monkeypatch, capsys):
    from voicecoach.sources import devices

    monkeypatch.setattr(devices, "format_inputs", lambda: "    4: vc_far (ALSA)")
    monkeypatch.setattr(loopback, "format_far_candidates", lambda: "Monitors ...\n  > x")
    assert cli.main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "4: vc_far" in out and "Monitors ..." in out


# ------------------------------------------------------------------ the stream class
def _stream(mic, channels=1):
    q: queue.SimpleQueue = queue.SimpleQueue()
    wake = threading.Event()
    done = object()
    return SoundcardStream(mic, 16000, channels, 320, q.put, wake, done, open_timeout_s=2), q, done


def _drain(q, done, timeout=2.0):
    items, t0 = [], time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            it = q.get(timeout=0.1)
        except queue.Empty:
            continue
        items.append(it)
        if it is done:
            break
    return items


def test_stream_copies_chunks_and_ends_with_the_sentinel():
    chunks = [np.full((160, 2), k, np.float32) for k in range(5)]
    mic = FakeMic("x.monitor", "x", 2, True, chunks=chunks, fail_after=5)
    st, q, done = _stream(mic, channels=2)
    st.start()
    # the recorder says 20 ms, which counts unread audio: not a capture delay
    assert st.latency == 0.0 and mic.opened == [(16000, 2, 320)]
    items = _drain(q, done)
    st.close()
    assert items[-1] is done
    data = [it for it in items if it is not done]
    assert [int(d[0][0, 0]) for d in data] == [0, 1, 2, 3, 4]
    assert all(d[0].shape == (160, 2) and d[0].dtype == np.float32 for d in data)
    assert all(d[2] == -1.0 and d[3] is None for d in data)  # no ADC time, no flags
    assert "FAILED" in st.error  # the loss reason reaches the capture's stats


def test_stream_queues_each_chunk_with_a_wake_and_never_an_empty_read():
    mic = FakeMic("x.monitor", "x", 1, True, chunks=[np.full((160, 1), 7, np.float32)])
    q: queue.SimpleQueue = queue.SimpleQueue()
    wake = threading.Event()
    done = object()
    st = SoundcardStream(mic, 16000, 1, 320, q.put, wake, done, open_timeout_s=2)
    st.start()
    try:
        assert wake.wait(2.0)  # set by the chunk's put, not only when the stream ends
        first = q.get_nowait()
        assert first is not done and int(first[0][0, 0]) == 7
        t0 = time.monotonic()
        while mic.rec.n < 10 and time.monotonic() - t0 < 2.0:
            time.sleep(0.005)  # then the fake has nothing: empty reads
        assert mic.rec.n >= 10
    finally:
        st.stop()
    items = _drain(q, done)
    assert len(items) == 1 and items[0] is done, f"{len(items) - 1} empty reads were queued"


def test_stream_open_failure_is_a_device_error():
    mic = FakeMic("x.monitor", "x", 1, True, fail_open="invalid sample spec")
    st, _, _ = _stream(mic)
    with pytest.raises(DeviceError, match=r"cannot open the loopback 'x' at 16000 Hz.*invalid"):
        st.start()


def test_stream_open_timeout_is_a_device_error():
    class SlowMic(FakeMic):
        def recorder(self, samplerate, channels, blocksize):
            time.sleep(0.5)  # the sound server does not answer in time
            return super().recorder(samplerate, channels, blocksize)

    q: queue.SimpleQueue = queue.SimpleQueue()
    st = SoundcardStream(SlowMic("x.monitor", "x", 1, True), 16000, 1, 320, q.put,
                         threading.Event(), object(), open_timeout_s=0.1)
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match="the loopback 'x' did not open within"):
        st.start()
    assert time.monotonic() - t0 < 0.45
    st.stop()


def test_stream_stop_joins_the_thread():
    mic = FakeMic("x.monitor", "x", 1, True)
    st, q, done = _stream(mic)
    st.start()
    st.stop()
    assert not st._thread.is_alive()
    assert _drain(q, done)[-1] is done


@pytest.mark.skipif(sys.platform != "linux", reason="soundcard reads argv on Linux (PulseAudio)")
def test_soundcard_imports_under_python_c_and_says_the_server_is_missing(tmp_path):
    """soundcard 0.4.6 names its PulseAudio client after ``sys.argv`` and raised IndexError
    under ``python -c`` (argv ``["-c"]``; pytest-xdist's workers run that way), which
    ``import_soundcard`` reported as a sound server it could not reach with "IndexError:
    list index out of range". It now lends the import a name: with no server, the error is
    the server's (soundcard's failed connection), and ``sys.argv`` is given back."""
    import importlib.util
    import os
    import subprocess

    if importlib.util.find_spec("soundcard") is None:
        pytest.skip("the [loopback] extra (soundcard) is not installed")
    code = (
        "import sys\n"
        "from voicecoach.sources.loopback import import_soundcard\n"
        "try:\n"
        "    import_soundcard()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "print(sys.argv)\n"
    )
    env = {**os.environ, "PULSE_SERVER": f"unix:{tmp_path}/no-server.sock"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60, check=True).stdout
    assert out.startswith("DeviceError soundcard could not reach the sound server"), out
    assert "IndexError" not in out, out
    assert out.rstrip().endswith("['-c']"), out
