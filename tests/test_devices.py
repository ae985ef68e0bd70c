"""Device listing and lookup against a fake sounddevice module (no audio hardware)."""

from __future__ import annotations

import sys
import types

import pytest

from voicecoach.errors import DeviceError
from voicecoach.sources import devices

HOSTAPIS = [{"name": "ALSA", "default_input_device": 2}, {"name": "JACK Audio",
                                                          "default_input_device": -1}]


def _dev(index, name, inputs, rate=44100.0, hostapi=0):
    return {"index": index, "name": name, "hostapi": hostapi, "max_input_channels": inputs,
            "max_output_channels": 2, "default_samplerate": rate}


DEVICES = [
    _dev(0, "HDA Intel PCH: ALC257 Analog Audio (hw:0,0)", 2),
    _dev(1, "HDMI 0 (hw:0,3)", 0),
    _dev(2, "USB Headset: Audio (hw:1,0)", 1, 48000.0),
    _dev(3, "Monitor of Built-in Audio", 2),
    _dev(4, "vc_far", 32),
    _dev(5, "BlackHole 2ch", 2, 48000.0, hostapi=1),
    _dev(6, "usb", 1, 16000.0),
]


@pytest.fixture
def fake_sd(monkeypatch):
    calls = []
    sd = types.SimpleNamespace(
        query_devices=lambda: [dict(d) for d in DEVICES],
        query_hostapis=lambda: HOSTAPIS,
        default=types.SimpleNamespace(device=[-1, -1]),
        _terminate=lambda: calls.append("terminate"),
        _initialize=lambda: calls.append("initialize"),
        calls=calls,
    )
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


@pytest.mark.parametrize("name", [
    "Monitor of Built-in Audio", "Loopback Audio", "vc_far", "BlackHole 16ch",
    "Soundflower (2ch)", "Stereo Mix (Realtek(R) Audio)", "What U Hear (Sound Blaster)",
    "Wave Out Mix", "CABLE Output (VB-Audio Virtual Cable)", "VoiceMeeter Output"])
def test_every_monitor_hint_marks_a_candidate(name):
    assert devices.is_monitor_name(name) and devices.is_monitor_name(name.upper())


def test_list_inputs_names_an_unknown_host_api_by_its_number(fake_sd, monkeypatch):
    monkeypatch.setattr(fake_sd, "query_devices", lambda: [_dev(0, "a", 1, hostapi=-1),
                                                           _dev(1, "b", 1, hostapi=2)])
    assert [d.hostapi for d in devices.list_inputs()] == ["-1", "2"]


def test_list_inputs_skips_outputs_and_marks_monitors(fake_sd):
    inputs = devices.list_inputs()
    assert [d.index for d in inputs] == [0, 2, 3, 4, 5, 6]
    marked = {d.name for d in inputs if d.is_monitor_candidate}
    assert marked == {"Monitor of Built-in Audio", "vc_far", "BlackHole 2ch"}
    usb = inputs[1]
    assert (usb.hostapi, usb.max_input_channels, usb.default_samplerate) == ("ALSA", 1, 48000)
    assert inputs[4].hostapi == "JACK Audio"


@pytest.mark.parametrize("spec", [4, "4", " 4 "])
def test_find_by_index(fake_sd, spec):
    assert devices.find_input(spec).name == "vc_far"


def test_find_by_case_insensitive_substring(fake_sd):
    assert devices.find_input("headset").index == 2
    assert devices.find_input("BLACKHOLE").index == 5


def test_exact_name_wins_over_substring_matches(fake_sd, monkeypatch):
    assert devices.find_input("USB").index == 6  # "usb" exactly, though "USB Headset" matches
    # two devices of that exact name: ambiguous between those two only
    monkeypatch.setattr(fake_sd, "query_devices",
                        lambda: [dict(d) for d in DEVICES] + [_dev(7, "USB", 2)])
    with pytest.raises(DeviceError, match=r"'USB' matches 2 input devices"):
        devices.find_input("USB")


def test_ambiguous_substring_lists_candidates(fake_sd):
    with pytest.raises(DeviceError) as ei:
        devices.find_input("audio")
    msg = str(ei.value)
    assert "'audio' matches 3 input devices" in msg
    assert "0: HDA Intel" in msg and "2: USB Headset" in msg and "3: Monitor of" in msg
    assert "longer part of the name" in msg
    assert isinstance(ei.value, OSError)


def test_no_match_lists_inputs(fake_sd):
    pattern = r"(?s)no input device matches 'zoom'; inputs are:.*5: BlackHole"
    with pytest.raises(devices.NoMatchingDeviceError, match=pattern) as ei:
        devices.find_input("zoom")
    assert [d.index for d in ei.value.inputs] == [0, 2, 3, 4, 5, 6]  # for the loopback lookup


def test_negative_index_and_blank_name(fake_sd):
    with pytest.raises(DeviceError, match=r"^no input device with index -1; inputs are"):
        devices.find_input("-1")
    with pytest.raises(DeviceError, match=r"^empty device name; inputs are"):
        devices.find_input("  ")


def test_output_only_index_is_rejected(fake_sd):
    with pytest.raises(DeviceError, match="no input device with index 1; inputs are"):
        devices.find_input(1)


def test_bad_spec_type(fake_sd):
    with pytest.raises(DeviceError, match=r"index or a name substring, got 2\.5"):
        devices.find_input(2.5)
    with pytest.raises(DeviceError, match=r"index or a name substring, got True"):
        devices.find_input(True)  # not index 1


def test_default_input_from_hostapi(fake_sd):
    assert devices.find_input(None).index == 2
    fake_sd.default.device = [4, -1]
    assert devices.find_input(None).index == 4
    fake_sd.default.device = None  # no default at all: the host APIs' default input
    assert devices.find_input(None).index == 2
    fake_sd.default.device = [1, -1]  # an output: the first input
    assert devices.find_input(None).index == 0


def test_default_input_from_the_first_host_api_that_has_one(fake_sd, monkeypatch):
    monkeypatch.setattr(fake_sd, "query_hostapis", lambda: [
        {"name": "ALSA", "default_input_device": -1},
        {"name": "JACK Audio", "default_input_device": 5}])
    assert devices.find_input(None).index == 5


def test_no_input_devices(fake_sd, monkeypatch):
    monkeypatch.setattr(fake_sd, "query_devices", lambda: [_dev(1, "HDMI", 0)])
    with pytest.raises(DeviceError, match=r"^no audio input devices: is a sound server running"):
        devices.list_inputs()
    # the device asked for is named, and the hint fits both commands that take a microphone
    with pytest.raises(DeviceError, match=r"^input device 'usb-xyz' not found: no audio input "
                       r"devices: .*voicecoach live --replay CALL.wav, voicecoach calibrate "
                       r"--input CALM.wav$"):
        devices.find_input("usb-xyz")
    with pytest.raises(DeviceError, match=r"^no audio input devices: is a sound server"):
        devices.find_input(None)  # no device asked for: the message as it is


def test_portaudio_error_while_listing(fake_sd, monkeypatch):
    def boom():
        raise RuntimeError("Error querying device -1")

    monkeypatch.setattr(fake_sd, "query_devices", boom)
    with pytest.raises(DeviceError, match="PortAudio could not list devices: Error querying"):
        devices.list_inputs()


def test_missing_portaudio_message(monkeypatch):
    class NoPortAudio:
        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with pytest.raises(DeviceError) as ei:
        devices.list_inputs()
    msg = str(ei.value)
    assert msg.startswith("PortAudio library not found: install libportaudio2 "
                          "(Debian/Ubuntu: sudo apt-get install libportaudio2")
    assert isinstance(ei.value, OSError)


def test_missing_sounddevice_package_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(DeviceError, match=r"^the sounddevice package is not installed \(.*\); "
                       r"pip install sounddevice$"):
        devices.list_inputs()


def test_rescan_reinitialises_portaudio(fake_sd):
    devices.rescan()
    assert fake_sd.calls == ["terminate", "initialize"]


def test_format_inputs_marks_candidates(fake_sd):
    text = devices.format_inputs()
    assert "  * 4: vc_far (ALSA, 32 ch, 44100 Hz)" in text.splitlines()
    assert "    2: USB Headset: Audio (hw:1,0) (ALSA, 1 ch, 48000 Hz)" in text.splitlines()
