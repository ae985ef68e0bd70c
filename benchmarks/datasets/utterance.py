"""What a benchmark dataset yields (:class:`Utterance`) and how fetching one fails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class DatasetError(RuntimeError):
    """A dataset could not be obtained or is not valid."""


class ChecksumError(DatasetError):
    """A cached or freshly extracted file does not match its recorded checksum."""


@dataclass(frozen=True)
class Utterance:
    """One recording of a benchmark dataset.

    Attributes
    ----------
    id : str
        Unique identifier, ``"<dataset>/<name>"``.
    path : Path
        The audio file (WAV) in the cache.
    dataset : str
        Name of the dataset (see :func:`available`).
    language : str
        ISO 639-1 language code (``"en"``, ``"fr"``), or ``""`` for non-speech.
    speaker : str
        Speaker name or code as given by the source, ``""`` if unknown.
    sex : str or None
        ``"m"`` or ``"f"`` when known.
    text : str or None
        Transcript, if known.
    syllables : int or None
        Syllable count of `text` from :func:`count_syllables` (or from the
        source's own annotation when it has one, as for CMU ARCTIC slt).
    segments : tuple of (float, float) or None
        Speech segments ``(start, end)`` in seconds, if annotated.
    licence : Path
        Licence or copyright file of the package the recording comes from.
    """

    id: str
    path: Path
    dataset: str
    language: str
    speaker: str
    sex: str | None
    text: str | None
    syllables: int | None
    segments: tuple[tuple[float, float], ...] | None
    licence: Path
