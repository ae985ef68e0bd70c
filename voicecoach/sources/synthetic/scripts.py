"""Ready-made call scripts for :func:`~voicecoach.sources.synthetic.synth_call`: the demo call
and seeded random calls."""

from __future__ import annotations

import numpy as np

from .call import Utterance


def demo_script() -> tuple[list[Utterance], dict[str, tuple[float, float]]]:
    """A ~90 s scripted hard customer call exercising every event and coaching cue.

    Contents (script time, s): alternating turns with 0.2 s gaps; customer
    backchannels at 20.0 and 74.0 inside agent turns; an agent interruption of
    the customer at 29.0; an agent stretch at +3 semitones (37.4–45.4); an agent
    stretch 25 % faster (49.2–57.2) which the customer interrupts at 55.5; a
    mutual silence 60.0–63.8; an agent turn-end overlap at 69.3; an agent
    monologue 69.3–84.3.

    Returns
    -------
    script : list of Utterance
        Use with :func:`synth_call` at its default party settings (agent 120 Hz,
        5 syllables/s).
    info : dict of (float, float)
        Intended coaching truth, spans in script time, s: ``"pitch_high"`` (agent
        F0 +3 st), ``"rate_high"`` (agent rate ×1.25), ``"mutual_silence"``,
        ``"monologue"`` (agent).
    """
    ag, cu = "agent", "customer"
    pitch_hz = 120.0 * 2.0 ** (3.0 / 12.0)
    fast = 5.0 * 1.25
    script = [
        Utterance(ag, 0.5, 4.0),
        Utterance(cu, 4.7, 3.5),
        Utterance(ag, 8.4, 4.0),
        Utterance(cu, 12.6, 4.5),
        Utterance(ag, 17.3, 7.5),
        Utterance(cu, 20.0, 0.4, kind="backchannel"),
        Utterance(cu, 25.0, 5.2),
        Utterance(ag, 29.0, 4.5),  # interrupts the customer: overlap 29.0–30.2
        Utterance(cu, 33.7, 3.5),
        Utterance(ag, 37.4, 8.0, f0_hz=pitch_hz),  # +3 semitones
        Utterance(cu, 45.6, 3.4),
        Utterance(ag, 49.2, 8.0, syllable_rate=fast),  # 25 % faster
        Utterance(cu, 55.5, 4.5),  # interrupts the agent: overlap 55.5–57.2
        # mutual silence 60.0–63.8
        Utterance(ag, 63.8, 2.2),
        Utterance(cu, 66.2, 3.3),
        Utterance(ag, 69.3, 15.0),  # turn-end overlap (0.2 s), then a monologue
        Utterance(cu, 74.0, 0.5, kind="backchannel"),
        Utterance(cu, 84.5, 2.5),
        Utterance(ag, 87.2, 1.8),
    ]
    info = {
        "pitch_high": (37.4, 45.4),
        "rate_high": (49.2, 57.2),
        "mutual_silence": (60.0, 63.8),
        "monologue": (69.3, 84.3),
    }
    return script, info


def random_call_script(
    seed: int, n_turns: int = 14, bc_range: tuple[float, float] = (0.25, 0.45)
) -> list[Utterance]:
    """A random two-party script for tests and benchmarks of the conversation tracker.

    Alternating turns of 2.5-6 s with, in turn, interruptions (overlapping 0.8-1.5 s and
    starting at least 1 s into the turn), turn-end overlaps (starting 0.05-0.25 s before the
    end), backchannels (lasting ``bc_range`` s, well inside the turn), short gaps and
    mutual silences of 3.3-4.5 s.

    Parameters
    ----------
    seed : int
        Seed of ``np.random.default_rng``.
    n_turns : int
        Number of turns.
    bc_range : (float, float)
        Range of backchannel durations, s.

    Returns
    -------
    list of Utterance
    """
    rng = np.random.default_rng(seed)
    who, other = "agent", "customer"
    t = 0.5
    script: list[Utterance] = []
    for i in range(n_turns):
        dur = float(rng.uniform(2.5, 6.0))
        script.append(Utterance(who, round(t, 2), round(dur, 2)))
        end = round(t, 2) + round(dur, 2)
        move = ["interrupt", "turn_end", "backchannel", "gap", "silence"][i % 5]
        move = move if rng.random() < 0.8 else str(rng.choice(["interrupt", "gap"]))
        if move == "interrupt":
            nxt = end - float(rng.uniform(0.8, min(1.5, dur - 1.0)))
        elif move == "turn_end":
            nxt = end - float(rng.uniform(0.05, 0.25))
        elif move == "silence":
            nxt = end + float(rng.uniform(3.3, 4.5))
        else:
            nxt = end + float(rng.uniform(0.15, 0.9))
        if move in ("backchannel", "gap") and dur > 2.0 + bc_range[1]:
            bc = float(rng.uniform(0.8, dur - 0.75 - bc_range[1]))
            bc_dur = round(float(rng.uniform(*bc_range)), 2)
            script.append(Utterance(other, round(t + bc, 2), bc_dur, kind="backchannel"))
        t = nxt
        who, other = other, who
    return script
