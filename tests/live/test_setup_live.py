"""`voicecoach setup` in a terminal (pexpect, a real pty) through the PulseAudio rig.

The agent's answers are typed at the prompts; speech is played into the rig's virtual
microphone (``vc_mic``) and far end (``vc_far``) while the wizard listens through the real
sounddevice/PortAudio path. The first run picks both devices by number, sees the customer
unheard then heard, calibrates on calm speech, writes the user configuration and starts
``live``; the second run asks nothing and skips both steps. The wizard speaks the session's
language (French by default): the first run passes ``--lang en`` (which also answers the
language question), the second speaks English because the first saved ``lang = "en"``.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from voicecoach.profiles import ProfileStore
from voicecoach.sources.synthetic import synth_speech

pytestmark = pytest.mark.live

SR = 16000
CALIBRATE_S = 25
LEVELS_S = 4


def _pexpect():
    try:
        import pexpect
    except ImportError:
        truthy = ("1", "true", "yes")
        if (os.environ.get("CI", "").lower() in truthy
                or os.environ.get("VOICECOACH_REQUIRE_LIVE", "").lower() in truthy):
            pytest.fail("pexpect is not installed (pip install -e '.[test]')")
        pytest.skip("pexpect is not installed")
    return pexpect


def _number(listing: str, name: str) -> str:
    """The wizard's list number of device ``name`` in the text before a prompt."""
    m = re.search(rf"^\s*(\d+)\. {re.escape(name)} \(", listing, re.M)
    assert m, f"{name} is not listed:\n{listing}"
    return m.group(1)


def _spawn(pexpect, rig, env: dict[str, str], *args: str):
    return pexpect.spawn(
        sys.executable, ["-m", "voicecoach", "setup", *args],
        env={**rig.client_env(), **env}, encoding="utf-8", timeout=60,
        dimensions=(50, 200),
    )  # fmt: skip


def test_setup_in_a_terminal_through_pulseaudio(pulse_rig, tmp_path: Path) -> None:
    pexpect = _pexpect()
    user = tmp_path / "conf" / "config.toml"
    profiles = tmp_path / "profiles"
    env = {"VOICECOACH_CONFIG": str(user), "VOICECOACH_PROFILES": str(profiles)}
    speech, _ = synth_speech(duration_s=CALIBRATE_S + 6, f0_hz=120, snr_db=30, seed=3)
    players = []
    child = _spawn(
        pexpect, pulse_rig, env,
        "--seconds", str(CALIBRATE_S), "--levels-s", str(LEVELS_S),
        "--duration", "3", "--display", "none", "--lang", "en",
    )  # fmt: skip
    log = []
    child.logfile_read = _Log(log)
    try:
        child.expect(r"Microphone number .*\[\d+\]: ")
        child.sendline(_number(child.before, "vc_mic"))
        child.expect(r"Far-end number .*\[(\d+)\]: ")
        far = _number(child.before, "vc_far")
        assert child.match.group(1) == far  # vc_far, a monitor candidate, is suggested
        child.sendline(far)

        # the far end plays nothing: the microphone is heard, the customer is not (each
        # meter reads its own input: 2.5 s of the 4 s are heard, 0.3 s are needed)
        child.expect("Listening to both")
        players.append(pulse_rig.play("vc_mic", speech[: (LEVELS_S + 4) * SR]))
        child.expect("microphone heard: (yes|no)")
        assert child.match.group(1) == "yes", "".join(log)
        child.expect("customer heard: (yes|no)")
        assert child.match.group(1) == "no", "".join(log)
        child.expect("d: choose other devices: ")
        # check again with both parties playing; a loaded machine may stall a stream for
        # a moment (the wizard says so), hence up to three checks
        for _ in range(3):
            child.sendline("c")
            child.expect("Listening to both")
            players.append(pulse_rig.play("vc_mic", speech[: (LEVELS_S + 4) * SR]))
            players.append(pulse_rig.play("vc_far", speech[: (LEVELS_S + 4) * SR]))
            child.expect("microphone heard: (yes|no)")
            mic_heard = child.match.group(1)
            child.expect("customer heard: (yes|no)")
            far_heard = child.match.group(1)
            child.expect("d: choose other devices: ")
            if mic_heard == far_heard == "yes":
                break
        else:
            pytest.fail("both parties played, never both heard:\n" + "".join(log))
        child.sendline("")
        child.expect("Saved microphone 'vc_mic' and far end 'vc_far'")

        child.expect(r"Profile name .*: ")
        child.sendline("agent")
        for _ in range(2):
            child.expect("Enter: start recording")
            child.sendline("")
            child.expect("Recording")
            players.append(pulse_rig.play("vc_mic", speech))
            # a refusal or a weak baseline is a question; a usable take is saved at once
            i = child.expect(["cannot be used", "would stay silent", "Saved profile 'agent'"],
                             timeout=CALIBRATE_S + 60)
            if i == 2:
                break
            child.expect(r"Record again\? \(Y/n\)")
            if i == 1:  # usable, if weak: keep it
                child.sendline("n")
                child.expect("Saved profile 'agent'")
                break
            child.sendline("y")
        else:
            pytest.fail("two calibration takes refused:\n" + "".join(log))
        child.expect(r"Step 4 \(saving\): .* language 'en'")  # --lang en: no question
        child.expect("Starting: voicecoach live")
        child.expect("voicecoach live: listening")
        child.expect("session: ", timeout=60)
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
        for p in players:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
    out = "".join(log)
    assert child.exitstatus == 0, out[-3000:]
    assert "Traceback" not in out
    if os.environ.get("VOICECOACH_SHOW_SETUP"):
        print(out)

    conf = tomllib.loads(user.read_text())
    assert conf["live"] == {"mic": "vc_mic", "far": "vc_far", "profile": "agent"}
    assert conf["coach"] == {"lang": "en"}
    assert stat.S_IMODE(os.stat(user).st_mode) == 0o600
    prof = ProfileStore(profiles).load("agent")
    assert not prof.provisional and prof.voiced_s >= 10
    assert 100 < prof.f0_median_hz < 145  # the 120 Hz voice played into vc_mic

    # second run: nothing to ask, both steps skipped, in English ([coach] lang = "en" saved)
    child = _spawn(pexpect, pulse_rig, env, "--no-live")
    out2 = child.read()
    child.close()
    assert child.exitstatus == 0, out2
    assert "Step 1-2 (devices, levels): done" in out2
    assert "Step 3 (calibration): done" in out2
    assert "Setup done" in out2


class _Log:
    """A file-like sink for pexpect's log, kept for the failure message."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def write(self, s: str) -> None:
        self.parts.append(s)

    def flush(self) -> None:
        pass
