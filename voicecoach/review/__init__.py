"""Trainer review: recorded calls through the same pipeline as live mode.

One module per question:

=============================  ==========================================================
:mod:`.calls`                  where calls come from: files, agent/customer pairs, live
                               session folders, a report's call; reading them in blocks
:mod:`.tracks`                 the track cache: ``tracks.npy``, the tracker's event
                               stream, and the keys saying what each cached part depends on
:mod:`.document`               the report document ``report.json``: schema, build, read
:mod:`.one_call`               reviewing one call into its report folder
:mod:`.whatif`                 re-coaching a reviewed call from its cached tracks
:mod:`.batch`                  many calls: here, in local processes or on a Dask cluster
:mod:`.progress`               the batch's progress bars and closing lines
=============================  ==========================================================

The HTML page and the timeline are drawn by :mod:`voicecoach.sinks.report`, the cross-call
index by :mod:`voicecoach.sinks.index`.

The names below are importable from ``voicecoach.review`` directly; each is loaded from its
module on first use, so that importing one module of the package (the live path needs
:mod:`.calls` and :mod:`.document`) does not load the batch and cluster code.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "AUDIO_EXTENSIONS": "calls",
    "Call": "calls",
    "assign_meta": "calls",
    "discover_calls": "calls",
    "iter_call_blocks": "calls",
    "REL_FIELDS": "tracks",
    "TrackReader": "tracks",
    "analysis_key": "tracks",
    "REPORT_SCHEMA": "document",
    "build_report": "document",
    "discover_reports": "document",
    "read_report": "document",
    "summary_line": "document",
    "review_call": "one_call",
    "recoach_call": "whatif",
    "ReviewOptions": "batch",
    "Task": "batch",
    "TaskResult": "batch",
    "review_task": "batch",
    "run_batch": "batch",
    "BatchProgress": "progress",
    "failure_summary": "progress",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{mod}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
