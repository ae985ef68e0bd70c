"""Test helpers that need the outside world (an audio server). Not used by voicecoach itself."""
