"""The live loop of the benchmark: analysis, baseline, conversation tracker and coach per hop.

:class:`LiveLoop` runs what the live mode runs for each 10 ms block of a two-channel call
(agent microphone, far end): the product's pipeline, :class:`voicecoach.pipeline.CallAnalyzer`
(the same object as live, review and what-if). :meth:`LiveLoop.step` is what is timed.

:func:`profile_stages` runs the same analysis with a timer around each stage of
:meth:`Analyzer.process` (noise floor, pitch frames, the batched YIN kernel, pitch
decision, VAD, syllables, the rest) by wrapping the core's sub-objects with timers, so the
core runs its own code.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from voicecoach.analysis import Analyzer
from voicecoach.config import Config

__all__ = [
    "LiveLoop",
    "PipelineLoop",
    "make_live_loop",
    "optional_components",
    "profile_stages",
    "time_live",
]


def optional_components() -> dict[str, Any]:
    """The live components: ``{"tracker": cls, "coach": cls}`` (kept for the suite's checks)."""
    from voicecoach.coach import Coach
    from voicecoach.conversation import ConversationTracker

    return {"tracker": ConversationTracker, "coach": Coach}


class LiveLoop:
    """Everything the live mode runs per block, for two channels (agent, far end).

    The product's own pipeline, :class:`voicecoach.pipeline.CallAnalyzer`: the full loop is
    its :meth:`~voicecoach.pipeline.CallAnalyzer.process`; a loop without the tracker or the
    coach runs the analysis and the pipeline's baselines, then what is kept, through
    :meth:`~voicecoach.pipeline.CallAnalyzer.process_rows` (the same path as what-if).

    Parameters
    ----------
    config : Config
    with_tracker, with_coach : bool
        Include the conversation tracker / coach.

    Attributes
    ----------
    included : dict
        ``{"analysis": True, "baseline": True, "tracker": bool|str, "coach": bool|str}``
        (a string says why a component is missing).
    """

    def __init__(self, config: Config, with_tracker: bool = True, with_coach: bool = True) -> None:
        from voicecoach.pipeline import CallAnalyzer

        self.config = config
        self.pipe = CallAnalyzer(config)
        self.analyzer = self.pipe.analyzer
        self.tracker = self.pipe.tracker if with_tracker else None
        self.coach = self.pipe.coach if with_coach else None
        self.baselines = (self.pipe.coach.agent_baseline, self.pipe.coach.customer_baseline)
        self.included: dict[str, Any] = {
            "analysis": True,
            "baseline": True,
            "tracker": True if with_tracker else "disabled",
            "coach": True if with_coach else "disabled",
            "via": "voicecoach.pipeline.CallAnalyzer",
        }
        self.events: list[Any] = []

    def reset(self) -> None:
        """Return every component to its just-constructed state."""
        self.pipe.reset()
        self.events = []

    def step(self, block: np.ndarray) -> list[Any]:
        """Process one block of shape (n_hops * 160, 2); returns the events emitted."""
        if self.tracker is not None and self.coach is not None:
            return self.pipe.process(block).events
        rows = self.analyzer.process(block)
        rel = tuple(b.process(r) for b, r in zip(self.baselines, rows, strict=False))
        events: list[Any] = []
        if self.tracker is not None:
            events = list(self.tracker.process(rows[0], rows[1]))
        if self.coach is not None:
            events = self.pipe.process_rows(rows[0], rows[1], events=events, measures=rel).events
        return events


#: The full live loop (kept for the suite): the pipeline itself.
PipelineLoop = LiveLoop


def make_live_loop(config: Config) -> LiveLoop:
    """The full live loop: :class:`voicecoach.pipeline.CallAnalyzer` per block."""
    return LiveLoop(config)


def time_live(
    loop: LiveLoop | PipelineLoop, audio: np.ndarray, hops_per_block: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``loop`` over ``audio`` one block at a time.

    Returns
    -------
    wall_us, cpu_us : np.ndarray, shape (n_blocks,)
        Wall-clock time and this thread's CPU time per block, µs. On a shared machine the
        difference is time the thread spent descheduled.
    """
    hop = loop.analyzer.hop_size * hops_per_block
    n = audio.shape[0] // hop
    wall = np.empty(n)
    cpu = np.empty(n)
    clock = time.perf_counter_ns
    tclock = time.thread_time_ns
    step = loop.step
    events = loop.events
    for i in range(n):
        block = audio[i * hop : (i + 1) * hop]
        c0 = tclock()
        t0 = clock()
        ev = step(block)
        t1 = clock()
        c1 = tclock()
        wall[i] = (t1 - t0) / 1000.0
        cpu[i] = (c1 - c0) / 1000.0
        if ev:
            events.extend(ev)
    return wall, cpu


#: Methods of each channel's sub-objects timed by :func:`profile_stages` (stage, attr path).
STAGE_HOOKS = (
    ("noise_floor", "_floor", "process"),
    ("pitch_frames", "_pitch", "frames"),
    ("pitch_kernel", "_pitch", "kernel"),
    ("pitch_decide", "_pitch", "decide"),
    ("vad", "_vad", "process"),
    ("syllables", "_syl", "process"),
)


def _hook(analyzer: Analyzer, acc: dict[str, int]) -> list[str]:
    """Wrap the sub-objects' methods of ``analyzer`` with timers adding into ``acc`` (ns)."""
    clock = time.perf_counter_ns
    missing = []
    for stage, part, meth in STAGE_HOOKS:
        acc[stage] = 0
        for a in analyzer.analyzers:
            obj = getattr(a, part, None)
            fn = getattr(obj, meth, None) if obj is not None else None
            if fn is None:
                missing.append(f"{part}.{meth}")
                continue

            def timed(*args: Any, _fn: Any = fn, _st: str = stage, **kw: Any) -> Any:
                t0 = clock()
                r = _fn(*args, **kw)
                acc[_st] += clock() - t0
                return r

            setattr(obj, meth, timed)
    return sorted(set(missing))


def profile_stages(config: Config, audio: np.ndarray) -> dict[str, Any]:
    """Per-stage cost of the live loop, one hop at a time.

    The core's sub-objects (noise floor, pitch frames/kernel/decision, VAD, syllables) of a
    fresh loop are wrapped with timers, so ``Analyzer.process`` runs its own code; the rest
    of the analysis (input checks, levels, row assembly) is ``analysis_other``. The
    baseline trackers, conversation tracker and coach are timed around their calls.

    Returns
    -------
    dict
        ``{"stages_us": {stage: per-hop µs array}, "note": str}``.
    """
    loop = LiveLoop(config)
    hop = loop.analyzer.hop_size
    n = audio.shape[0] // hop
    inner: dict[str, int] = {}
    missing = _hook(loop.analyzer, inner)
    note = "core sub-objects wrapped with timers"
    if missing:
        note += f"; not found (counted in analysis_other): {', '.join(missing)}"
    stages = [st for st, _, _ in STAGE_HOOKS]
    acc: dict[str, list[float]] = {s: [] for s in (*stages, "analysis_other", "baseline",
                                                   "tracker", "coach")}
    clock = time.perf_counter_ns
    pipe = loop.pipe
    for i in range(n):
        b = audio[i * hop : (i + 1) * hop]
        for k in inner:
            inner[k] = 0
        t0 = clock()
        rows = loop.analyzer.process(b)
        t1 = clock()
        rel = tuple(bt.process(r) for bt, r in zip(loop.baselines, rows, strict=False))
        t2 = clock()
        events = list(pipe.tracker.process(rows[0], rows[1])) if pipe.tracker else []
        t3 = clock()
        pipe.process_rows(rows[0], rows[1], events=events, measures=rel)  # the coach
        t4 = clock()
        for st in stages:
            acc[st].append(inner[st] / 1e3)
        acc["analysis_other"].append((t1 - t0 - sum(inner.values())) / 1e3)
        acc["baseline"].append((t2 - t1) / 1e3)
        acc["tracker"].append((t3 - t2) / 1e3)
        acc["coach"].append((t4 - t3) / 1e3)
    return {"stages_us": {k: np.asarray(v) for k, v in acc.items() if v}, "note": note,
            "included": loop.included}
