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
    # the copy pauses (the agent microphone silent for 5 hops): a new run, its third hop on
    gap = copy.copy()
    gap[20:25] = np.nan
    on = _run(3, gap, far, agent_db=-20.0, far_raw=False)
    assert all(on[lag + 2 : 20]) and not any(on[20:27]) and all(on[27:])


def test_the_copy_rule_ends_after_bleed_copy_far_s_of_far_end_speech() -> None:
    """Once the far end has spoken bleed_copy_far_s (3 s), the same copy at the far end's
    level is no longer bleed by the rule (the canceller has had its time to take over)."""
    far_s = load_config().conversation.bleed_copy_far_s
    n, lag = 340, 5
    far = 180.0 * 2 ** (np.sin(np.arange(n) / 6.0) * 4 / 12)
    copy = np.r_[np.full(lag, np.nan), far[:-lag]]
    early = copy.copy()
    early[40:] = np.nan  # the copy in the far end's first 0.4 s
    assert all(_run(3, early, far, agent_db=-20.0, far_raw=True)[lag + 2 : 40])
    late = copy.copy()
    late[: round(far_s / 0.01) + 10] = np.nan  # the same copy after 3.1 s of far-end speech
    assert not any(_run(3, late, far, agent_db=-20.0, far_raw=True))


def test_the_agents_own_voice_over_the_far_end_is_kept() -> None:
    n = 40
    far = 200.0 * 2 ** (np.sin(np.arange(n) / 6.0) * 2 / 12)
    own = np.full(n, 118.0)  # 9-11 st below the far end: no octave, no same pitch
    assert not any(_run(3, own, far, agent_db=-20.0, far_raw=True))
    # a single hop crossing the far end's pitch does not make a run, nor do three apart
    own[20] = far[20]
    assert not any(_run(3, own, far, agent_db=-20.0, far_raw=True))
    own[[10, 30]] = far[[10, 30]]
    assert not any(_run(3, own, far, agent_db=-20.0, far_raw=True))
    # a voice 2 semitones off the far end's (outside bleed_pitch_st) at its level
    assert load_config().conversation.bleed_pitch_st < 2.0
    flat = np.full(n, 200.0)
    assert not any(_run(3, flat * 2 ** (2 / 12), flat, agent_db=-20.0, far_raw=True))


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
    # louder by exactly bleed_copy_unvoiced_db (3 dB): still the copy's
    edge = quiet.copy()
    edge[10:16] = -26.0 + load_config().conversation.bleed_copy_unvoiced_db
    assert all(_run_levels(f0, edge, far)[2:])
    # against the run's loudest vowel (-22 dBFS at hop 5), not its first or its last (-28)
    varied = quiet.copy()
    varied[5] = -22.0
    varied[6:10] = -28.0
    varied[10:16] = -21.0  # 1 dB over the loudest vowel: the copy's consonant
    assert all(_run_levels(f0, varied, far)[2:])
