"""Progress of a batch review on the terminal, and its closing lines."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from .batch import Task, TaskResult

__all__ = ["BatchProgress", "failure_summary"]


class BatchProgress:
    """A rich progress display (overall + one bar per running file), or plain lines.

    Plain lines (one per finished call) are used when ``stream`` is not a terminal.
    Use it as a context manager; its methods are :func:`~voicecoach.review.batch.run_batch`'s
    ``on_start``, ``on_progress`` and ``on_done``.

    Parameters
    ----------
    total : int
        Calls in the batch.
    stream : file-like, optional
        Where to write (default ``sys.stdout``).
    rich : bool, optional
        Force the rich bars on or off (default: when ``stream`` is a terminal).
    lang : {"fr", "en"}
        Language of a what-if's result line (a review's own line is in its report's).
    """

    def __init__(self, total: int, stream: Any = None, rich: bool | None = None,
                 lang: str = "en") -> None:
        from ..i18n import check_lang

        self.lang = check_lang(lang)
        self.total = total
        self.stream = stream if stream is not None else sys.stdout
        self.count = 0
        use_rich = self.stream.isatty() if rich is None else rich
        self._p: Any = None
        self._bars: dict[str, Any] = {}
        if use_rich:
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                )
            except ImportError:  # pragma: no cover - rich is a dependency
                return
            self._p = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._all = self._p.add_task("all calls", total=total)

    def __enter__(self) -> BatchProgress:
        if self._p is not None:
            self._p.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.stop()

    def start(self, task: Task) -> None:
        """Add a (hidden) bar for a task that was just submitted.

        Parameters
        ----------
        task : Task
            Its ``name`` labels the bar. Nothing is shown in plain-line mode.
        """
        if self._p is not None and task.name not in self._bars:
            self._bars[task.name] = self._p.add_task(f"  {task.name}", total=None, visible=False)

    def update(self, name: str, done_s: float, total_s: float) -> None:
        """Show how far the call ``name`` is (rich bars only; plain lines ignore it).

        Parameters
        ----------
        name : str
            The task's name.
        done_s, total_s : float
            Audio reviewed so far and the call's length, s (the bar shows whole seconds).
        """
        if self._p is None:
            return
        tid = self._bars.get(name)
        if tid is None:
            tid = self._bars[name] = self._p.add_task(f"  {name}", total=None)
        self._p.update(
            tid, total=round(total_s), completed=round(min(done_s, total_s)), visible=True
        )

    def done(self, r: TaskResult) -> None:
        """Remove the task's bar and print its result line (``[i/total] ...`` when plain).

        Parameters
        ----------
        r : TaskResult
            The finished task: its summary, or ``FAILED`` and the error.
        """
        self.count += 1
        line = _result_line(r, self.lang)
        if self._p is not None:
            tid = self._bars.pop(r.name, None)
            if tid is not None:
                self._p.remove_task(tid)
            self._p.advance(self._all)
            self._p.console.print(line, highlight=False, markup=False)
        else:
            print(f"[{self.count}/{self.total}] {line}", file=self.stream, flush=True)


def _result_line(r: TaskResult, lang: str = "en") -> str:
    from ..i18n import texts

    if not r.ok:
        return f"{r.name}: FAILED ({r.error})"  # with the error, in English like all errors
    if r.nudges_before is not None:
        tx = texts(lang).REVIEW_LINE
        msgs = f"{tx['colon']}{', '.join(r.nudge_messages)}" if r.nudge_messages else ""
        return tx["whatif"].format(name=r.name, n=r.nudges, before=r.nudges_before) + msgs
    return r.summary


def failure_summary(results: Sequence[TaskResult], early: Sequence[tuple[str, str]] = ()) -> str:
    """Text listing what failed and why (empty if nothing failed).

    Parameters
    ----------
    results : sequence of TaskResult
        The batch's results; those not ``ok`` are listed.
    early : sequence of (str, str)
        ``(path, why)`` of inputs that failed before a task was made (e.g. discovery).

    Returns
    -------
    str
        A count line and one indented line per failure, without a final newline; ``""``
        when nothing failed.
    """
    lines = [f"  {path}: {why}" for path, why in early]
    lines += [f"  {r.source}: {r.error}" for r in results if not r.ok]
    if not lines:
        return ""
    return f"{len(lines)} input(s) failed:\n" + "\n".join(lines)
