"""Deterministic speech-like test signals with exact ground truth.

The signals are built to exercise a pitch tracker (YIN), a voice-activity
detector, a syllable-nucleus detector (intensity peaks with dips on both sides,
after De Jong & Wempe 2009) and a two-party conversation tracker. Everything is
pure numpy/scipy and seeded: the same arguments and ``seed`` give bit-identical
output; speech, noise and bleed use independent random streams spawned from
``np.random.default_rng(seed)``, so switching noise on or off never changes the
speech samples.

Where each part lives: :mod:`~voicecoach.sources.synthetic.speech` (the single-voice
generator :func:`synth_speech`, :class:`SpeechTruth`, :class:`Syllable`),
:mod:`~voicecoach.sources.synthetic.call` (the two-party generator :func:`synth_call`,
:class:`Utterance`, :class:`CallTruth`, the event rules :func:`derive_events`) and
:mod:`~voicecoach.sources.synthetic.scripts` (:func:`demo_script`,
:func:`random_call_script`). Every public name is importable from
``voicecoach.sources.synthetic``.
"""

from __future__ import annotations

from .call import CallTruth, Utterance, derive_events, synth_call
from .scripts import demo_script, random_call_script
from .speech import (
    F0_MAX_HZ,
    F0_MIN_HZ,
    RATE_MAX,
    RATE_MIN,
    VOWEL_FORMANTS,
    SpeechTruth,
    Syllable,
    synth_speech,
)

__all__ = [
    "F0_MAX_HZ",
    "F0_MIN_HZ",
    "RATE_MAX",
    "RATE_MIN",
    "VOWEL_FORMANTS",
    "CallTruth",
    "SpeechTruth",
    "Syllable",
    "Utterance",
    "demo_script",
    "derive_events",
    "random_call_script",
    "synth_call",
    "synth_speech",
]
