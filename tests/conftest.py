"""Shared fixtures. Tests run with no audio device and no display."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# a developer's own user configuration (written by `voicecoach setup`) must not change the
# results: the commands read the user file named here, which does not exist
os.environ["VOICECOACH_CONFIG"] = os.path.join(
    tempfile.gettempdir(), f"voicecoach-tests-{os.getpid()}", "no-user-config.toml"
)

SR = 16000
HOP = 160


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every test is reproducible."""
    return np.random.default_rng(12345)


def vowelish(duration_s: float, f0_hz: float, rng: np.random.Generator, snr_db: float = 20.0):
    """Bursts of a harmonic tone with pauses, plus white noise: cheap test audio."""
    n = int(duration_s * SR)
    t = np.arange(n) / SR
    phase = 2 * np.pi * f0_hz * t * (1 + 0.05 * np.sin(2 * np.pi * 0.7 * t))
    tone = sum(np.sin(k * phase) / k for k in range(1, 8))
    env = (np.sin(2 * np.pi * 4.0 * t) > -0.2) * (np.sin(2 * np.pi * 0.4 * t) > -0.5)
    x = 0.1 * tone * env
    speech_rms = np.sqrt(np.mean(x[env] ** 2))
    noise = rng.normal(0, speech_rms * 10 ** (-snr_db / 20), n)
    return (x + noise).astype(np.float32)


def espeak(text: str, voice: str = "fr", tmp_dir=None) -> np.ndarray:
    """``text`` spoken by espeak-ng (installed by scripts/setup.sh), 16 kHz float32.

    Skips the test when espeak-ng is missing, except under CI or VOICECOACH_REQUIRE_LIVE=1,
    where it fails: the suite must exercise speech a neural VAD recognises.
    """
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    import soundfile as sf
    import soxr

    exe = shutil.which("espeak-ng")
    if exe is None:
        if os.environ.get("CI") or os.environ.get("VOICECOACH_REQUIRE_LIVE"):
            pytest.fail("espeak-ng is not installed (bash scripts/setup.sh installs it)")
        pytest.skip("espeak-ng is not installed")
    with tempfile.TemporaryDirectory(dir=tmp_dir) as d:
        path = Path(d) / "speech.wav"
        subprocess.run([exe, "-v", voice, "-w", str(path), text], check=True, timeout=60)
        y, sr = sf.read(path, dtype="float32")
    return soxr.resample(y, sr, SR).astype(np.float32)
