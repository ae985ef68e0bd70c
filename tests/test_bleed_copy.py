"""The bleed gate's copy rule (issue #10): before the echo delay is known, a loudspeaker copy
that follows the far end's pitch contour is bleed even at the far end's level and before
the far end's VAD fires; the agent's own voice at another pitch never is."""

from __future__ import annotations

import dataclasses

import numpy as np

from voicecoach.config import load_config
from voicecoach.conversation.bleed import BleedGate


def _run(copy_hops: int, agent_f0: np.ndarray, far_f0: np.ndarray, agent_db: float,
         far_raw: bool) -> list[bool]:
    cfg = load_config()
    c = dataclasses.replace(cfg.conversation, bleed_copy_hops=copy_hops)
    gate = BleedGate(c, cfg.analysis.hop_s)
    out = []
    for a, f in zip(agent_f0, far_f0, strict=True):
        voice = a == a  # NaN: the agent microphone is silent
        out.append(gate.step(agent_db if voice else -70.0, -70.0, voice, float(a), -20.0,
                             -70.0, far_raw, float(f)))
        assert gate.status == "searching"
    return out


def test_a_copy_of_the_far_end_contour_is_bleed_with_the_rule_only() -> None:
    n, lag = 40, 5
    far = 180.0 * 2 ** (np.sin(np.arange(n) / 6.0) * 4 / 12)  # a gliding contour, +-4 st
    copy = np.r_[np.full(lag, np.nan), far[:-lag]]  # the far end's F0 five hops later
    on = _run(3, copy, far, agent_db=-20.0, far_raw=False)
    off = _run(0, copy, far, agent_db=-20.0, far_raw=False)
    # the copy's third hop and every one after
    assert not any(on[: lag + 2]) and all(on[lag + 2 :])
    assert not any(off)  # at the far end's level and with its VAD silent: kept before
    # louder than the far end by more than bleed_copy_max_ratio_db: not a copy
    assert not any(_run(3, copy, far, agent_db=-16.0, far_raw=False))


def test_the_agents_own_voice_over_the_far_end_is_kept() -> None:
    n = 40
    far = 200.0 * 2 ** (np.sin(np.arange(n) / 6.0) * 2 / 12)
    own = np.full(n, 118.0)  # 9-11 st below the far end: no octave, no same pitch
    assert not any(_run(3, own, far, agent_db=-20.0, far_raw=True))
    # a single hop crossing the far end's pitch does not make a run
    own[20] = far[20]
    assert not any(_run(3, own, far, agent_db=-20.0, far_raw=True))


def _run_levels(agent_f0: np.ndarray, agent_db: np.ndarray, far_f0: np.ndarray,
                unvoiced_db: float | None = None) -> list[bool]:
    cfg = load_config()
    c = cfg.conversation
    if unvoiced_db is not None:
        c = dataclasses.replace(c, bleed_copy_unvoiced_db=unvoiced_db)
    gate = BleedGate(c, cfg.analysis.hop_s)
    return [gate.step(float(d), -70.0, True, float(a), -20.0, -70.0, False, float(f))
            for a, d, f in zip(agent_f0, agent_db, far_f0, strict=True)]


def test_the_copys_unvoiced_hops_keep_the_run() -> None:
    """A copy's consonants (unvoiced hops inside a run of copied pitch) stay bleed while they
    are no louder against the far end than the copy's vowels; louder (the agent's own
    consonant over a quiet copy), they end the run; with the rule off, they always do."""
    n = 30
    far = np.full(n, 180.0)
    f0 = np.full(n, 180.0)
    f0[10:16] = np.nan  # a consonant of the copied words
    quiet = np.full(n, -26.0)  # the copy, 6 dB under the far end
    on = _run_levels(f0, quiet, far)
    assert all(on[2:]), "the copy's consonant left the run"
    off = _run_levels(f0, quiet, far, unvoiced_db=-120.0)
    assert not any(off[10:18])  # the run ends at the consonant and restarts 3 voiced hops on
    loud = quiet.copy()
    loud[10:16] = -20.0  # 6 dB louder than the copy's vowels: the agent's own consonant
    assert not any(_run_levels(f0, loud, far)[10:16])
