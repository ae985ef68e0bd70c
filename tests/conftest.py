"""Shared fixtures. Tests run with no audio device and no display."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

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
