"""Annotation parsers: pyAudioAnalysis segments, HTS labels, transcripts."""

from __future__ import annotations

import re
from collections.abc import Iterable


def parse_segments(text: str, label: str = "speech") -> tuple[tuple[float, float], ...]:
    """Parse a pyAudioAnalysis ``.segments`` file.

    Parameters
    ----------
    text : str
        File contents: one ``start,end,label`` line per segment (times in
        seconds; stray trailing commas and blank lines are tolerated).
    label : str, optional
        Label of the segments to return (default ``"speech"``).

    Returns
    -------
    tuple of (float, float)
        The ``(start, end)`` of every segment with that label, sorted, with
        touching segments merged.

    Raises
    ------
    ValueError
        If a non-blank line cannot be parsed or has ``end < start``.
    """
    out: list[tuple[float, float]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",") if f.strip()]
        if len(fields) < 3:
            raise ValueError(f"line {n}: expected start,end,label: {raw!r}")
        try:
            start, end = float(fields[0]), float(fields[1])
        except ValueError as exc:
            raise ValueError(f"line {n}: bad time in {raw!r}") from exc
        if end < start:
            raise ValueError(f"line {n}: end before start in {raw!r}")
        if fields[2].lower() == label:
            out.append((start, end))
    return _merge(out)


def parse_hts_lab(
    text: str, silences: Iterable[str] = ("sil", "pau", "h#", "sp")
) -> tuple[tuple[float, float], ...]:
    """Speech segments from an HTS/HTK label file.

    Parameters
    ----------
    text : str
        Label file: ``start end label`` lines with times in 100 ns units.
        Labels may be plain phones or HTS full-context labels
        (``a^b-PHONE+c=d@...``).
    silences : iterable of str, optional
        Phone names that count as non-speech.

    Returns
    -------
    tuple of (float, float)
        Runs of non-silence phones as ``(start, end)`` in seconds.
    """
    sil = set(silences)
    out: list[tuple[float, float]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        parts = raw.split(maxsplit=2)
        if not parts:
            continue
        if len(parts) < 3:
            raise ValueError(f"line {n}: expected 'start end label': {raw!r}")
        start, end, label = int(parts[0]) * 1e-7, int(parts[1]) * 1e-7, parts[2]
        m = re.match(r"^[^-]*-([^+]+)\+", label)
        phone = m.group(1) if m else label.strip()
        if phone not in sil:
            out.append((start, end))
    return _merge(out)


def _merge(segs: list[tuple[float, float]], gap: float = 1e-6) -> tuple[tuple[float, float], ...]:
    merged: list[tuple[float, float]] = []
    for s, e in sorted(segs):
        if merged and s <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple((round(s, 7), round(e, 7)) for s, e in merged)


def parse_transcripts(text: str) -> dict[str, str]:
    """Parse an asterisk ``core-sounds-LANG.txt`` prompt list.

    Parameters
    ----------
    text : str
        Lines of ``prompt-id: transcript``; lines starting with ``;`` are
        comments.  The first occurrence of an id wins.

    Returns
    -------
    dict
        Prompt id to transcript (whitespace normalised).
    """
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        m = re.match(r"^([^\s:]+)\s*:\s?(.*)$", line)
        if m and m.group(1) not in out:
            out[m.group(1)] = " ".join(m.group(2).split())
    return out


def parse_hts_syllables(text: str) -> int | None:
    """Number of syllables in the utterance from HTS full-context labels.

    Reads the ``/J:syllables+words-phrases`` field of the first label.
    """
    m = re.search(r"/J:(\d+)\+", text)
    return int(m.group(1)) if m else None
