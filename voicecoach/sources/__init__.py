"""Audio sources: where samples come from (synthetic test signals, files, devices)."""

from __future__ import annotations

from voicecoach.sources.synthetic import (
    CallTruth,
    SpeechTruth,
    Syllable,
    Utterance,
    demo_script,
    derive_events,
    synth_call,
    synth_speech,
)

__all__ = [
    "CallTruth",
    "SpeechTruth",
    "Syllable",
    "Utterance",
    "demo_script",
    "derive_events",
    "synth_call",
    "synth_speech",
]
