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
