"""Sinks: where analysis results go (display, event log, recorder, reports)."""
