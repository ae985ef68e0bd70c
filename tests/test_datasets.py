"""Tests for benchmarks.datasets: offline only (no downloads)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmarks import datasets as ds
from benchmarks.datasets import builders, download

# English: counts as in CMUdict (first pronunciation).
EN_WORDS = {
    "the": 1,
    "a": 1,
    "are": 1,
    "where": 1,
    "there": 1,
    "come": 1,
    "one": 1,
    "two": 1,
    "three": 1,
    "seven": 2,
    "eleven": 3,
    "please": 1,
    "hold": 1,
    "key": 1,
    "pound": 1,
    "agent": 2,
    "number": 2,
    "followed": 2,
    "turned": 1,
    "faced": 1,
    "wanted": 2,
    "needed": 2,
    "makes": 1,
    "boxes": 2,
    "places": 2,
    "changes": 2,
    "tables": 2,
    "table": 2,
    "simple": 2,
    "people": 2,
    "little": 2,
    "lovely": 2,
    "immediately": 5,
    "completely": 3,
    "statement": 2,
    "careful": 2,
    "player": 2,
    "beyond": 2,
    "saying": 2,
    "trying": 2,
    "being": 2,
    "going": 2,
    "stadium": 3,
    "video": 3,
    "usual": 3,
    "actual": 3,
    "quality": 3,
    "language": 2,
    "extension": 3,
    "conference": 3,
    "currently": 3,
    "participant": 4,
    "identification": 6,
    "personal": 3,
    "invalid": 3,
    "entered": 2,
    "unidentified": 5,
    "dialed": 2,
    "service": 2,
    "mailbox": 2,
    "because": 2,
    "response": 2,
    "otherwise": 3,
    "compatible": 4,
    "entries": 2,
    "directory": 4,
    "representatives": 5,
    "available": 4,
    "telemarketers": 5,
    "received": 2,
    "household": 2,
    "debugging": 3,
    "information": 4,
    "console": 2,
    "afraid": 2,
    "unable": 3,
    "connection": 3,
    "demonstration": 4,
    "goodbye": 2,
    "locate": 2,
    "busy": 2,
    "really": 2,
    "anyone": 3,
    "superlative": 4,
    "degree": 2,
    "sharply": 2,
    "across": 2,
    "always": 2,
    "queue": 1,
    "continue": 3,
    "fuel": 2,
    "area": 3,
    "idea": 3,
    "quiet": 2,
    "business": 2,
    "whole": 1,
    "answered": 2,
    "roles": 1,
    "minutes": 2,
    "messages": 3,
    "timed": 1,
    "created": 3,
    "radio": 3,
    "social": 2,
    "region": 2,
    "precious": 2,
    "station": 2,
    "create": 2,
    "yes": 1,
    "you": 1,
    "lawyer": 2,
    "maybe": 2,
    "someone": 2,
    "voicemail": 2,
    "asterisk": 3,
    "digium": 3,
}

# French: spoken syllables, final schwa silent, word-internal schwa counted.
FR_WORDS = {
    "le": 1,
    "de": 1,
    "que": 1,
    "les": 1,
    "des": 1,
    "une": 1,
    "table": 1,
    "tables": 1,
    "comme": 1,
    "quelque": 1,
    "quatre": 1,
    "quinze": 1,
    "quatorze": 2,
    "soixante": 2,
    "cinquante": 2,
    "trente": 1,
    "zéro": 2,
    "deux": 1,
    "trois": 1,
    "huit": 1,
    "mille": 1,
    "cent": 1,
    "eau": 1,
    "oiseau": 2,
    "bateau": 2,
    "beaucoup": 2,
    "toujours": 2,
    "maison": 2,
    "fait": 1,
    "aujourd'hui": 3,
    "moment": 2,
    "souvent": 2,
    "client": 2,
    "étaient": 2,
    "avaient": 2,
    "numéro": 3,
    "agent": 2,
    "suivi": 2,
    "dièse": 1,
    "session": 2,
    "ouverture": 3,
    "entrez": 2,
    "votre": 1,
    "veuillez": 2,
    "composer": 3,
    "conférence": 3,
    "participant": 4,
    "présentement": 4,
    "réel": 2,
    "créer": 2,
    "réussir": 3,
    "idée": 2,
    "journée": 2,
    "aéroport": 4,
    "poème": 2,
    "noël": 2,
    "naïf": 2,
    "maïs": 2,
    "payer": 2,
    "voyage": 2,
    "essayer": 3,
    "crayon": 2,
    "pays": 2,
    "nation": 2,
    "information": 4,
    "social": 2,
    "pitié": 2,
    "premier": 2,
    "oublier": 3,
    "février": 3,
    "jouer": 1,
    "nuit": 1,
    "guerre": 1,
    "guide": 1,
    "qui": 1,
    "quoi": 1,
    "question": 2,
    "désolé": 3,
    "personne": 2,
    "joindre": 1,
    "localiser": 4,
    "désirez": 3,
    "téléphone": 3,
    "régional": 3,
    "inconnus": 3,
    "occupés": 3,
    "répondra": 3,
    "disponible": 3,
    "boîte": 1,
    "vocale": 2,
    "message": 2,
    "expéditeur": 4,
    "réinitialiser": 6,
    "appuyez": 3,
    "étoile": 2,
    "heure": 1,
    "monsieur": 2,
    "femme": 1,
    "oignon": 2,
    "peut": 1,
    "être": 1,
    "établie": 3,
}

# Words not used while writing the rules (checked once as a held-out set).
EN_HELD_OUT = dict.fromkeys(["account", "payment", "balance", "transfer", "problem"], 2)
EN_HELD_OUT |= {"computer": 3, "customer": 3, "tomorrow": 3, "afternoon": 3, "closed": 1}
EN_HELD_OUT |= {"operator": 4, "estimated": 4, "approximately": 5, "through": 1, "hundred": 2}
EN_HELD_OUT |= {"beautiful": 3, "several": 3, "purposes": 3, "patience": 2, "recorded": 3}
FR_HELD_OUT = dict.fromkeys(["bonjour", "merci", "attendre", "demain", "bureau", "fermé"], 2)
FR_HELD_OUT |= {"téléphoner": 4, "compte": 1, "paiement": 2, "rendez-vous": 3, "fille": 1}
FR_HELD_OUT |= {"après-midi": 4, "opérateur": 4, "patienter": 3, "important": 3, "oui": 1}
FR_HELD_OUT |= {"juillet": 2, "ensuite": 2, "écouter": 3, "océan": 3, "théâtre": 2, "ciel": 1}

EN_SENTENCES = [
    ("Agent login.  Please enter your agent number followed by the pound key.", 18),
    ("He turned sharply, and faced Gregson across the table.", 13),
    ("And you always want to see it in the superlative degree.", 16),
    ("The number you have dialed is not in service. Please check the number and try again.", 21),
    ("If this is the person you are looking for press 1 now, otherwise please press star now.", 21),
    ("I'm sorry I did not understand your response.", 12),
    ("Press 2 for 28.8 kilobits", 11),
]
FR_SENTENCES = [
    ("Ouverture de session. Entrez votre numéro d'agent suivi du dièse.", 18),
    ("Veuillez composer votre numéro de canal suivi du dièse.", 16),
    ("Désolé, je n'ai pas bien compris votre réponse.", 12),
    (
        "Le numéro composé n'est pas en service. Veuillez vérifier le numéro et essayer de "
        "nouveau.",
        28,
    ),
    ("Ils parlent et elles chantent.", 5),
    ("Appuyez sur 1, sur 71 ou sur *", 14),
]


def _accuracy(table: dict[str, int], language: str) -> tuple[float, list[str]]:
    wrong = [
        f"{w}: got {ds.count_syllables(w, language)}, want {n}"
        for w, n in table.items()
        if ds.count_syllables(w, language) != n
    ]
    return 1 - len(wrong) / len(table), wrong


@pytest.mark.parametrize(
    ("table", "language"),
    [(EN_WORDS, "en"), (FR_WORDS, "fr"), (EN_HELD_OUT, "en"), (FR_HELD_OUT, "fr")],
)
def test_word_accuracy(table: dict[str, int], language: str) -> None:
    acc, wrong = _accuracy(table, language)
    assert acc >= 0.9, wrong
    assert all(abs(ds.count_syllables(w, language) - n) <= 1 for w, n in table.items())


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [(t, "en", n) for t, n in EN_SENTENCES] + [(t, "fr", n) for t, n in FR_SENTENCES],
)
def test_sentence_counts(text: str, language: str, expected: int) -> None:
    got = ds.count_syllables(text, language)
    assert abs(got - expected) <= max(1, round(0.05 * expected)), (text, got, expected)


def test_sentences_mostly_exact() -> None:
    pairs = [(t, "en", n) for t, n in EN_SENTENCES] + [(t, "fr", n) for t, n in FR_SENTENCES]
    exact = sum(ds.count_syllables(t, lang) == n for t, lang, n in pairs)
    assert exact >= len(pairs) - 2


def test_count_syllables_edge_cases() -> None:
    assert ds.count_syllables("", "en") == 0
    assert ds.count_syllables("...", "fr") == 0
    assert ds.count_syllables("PBX", "en") == 3
    assert ds.count_syllables("IP", "fr") == 2
    assert ds.count_syllables("21", "fr") == 3  # vingt et un
    assert ds.count_syllables("80", "fr") == 2  # quatre-vingts
    assert ds.count_syllables("1234", "en") == ds.count_syllables(
        "one thousand two hundred thirty four", "en"
    )
    with pytest.raises(ValueError):
        ds.count_syllables("hola", "es")


# ----------------------------------------------------------------- parsers --

SEGMENTS = """0.0,0.13,silence
0.13,0.51,speech
0.51,0.68,silence

0.68,1.0,speech
1.0,1.2,silence,
1.2,1.6,speech
1.6,1.65,speech
"""

HTS_LAB = (
    "0 1300000 x^x-sil+hh=iy@x_x/A:0_0_0/J:13+9-2\n"
    "1300000 2050000 x^sil-hh+iy=t@1_2/A:0_0_0/J:13+9-2\n"
    "2050000 2700000 sil^hh-iy+t=er@2_1/A:0_0_0/J:13+9-2\n"
    "2700000 3000000 hh^iy-pau+er=n@1_4/A:1_1_2/J:13+9-2\n"
    "3000000 3750000 iy^pau-t+er=n@1_4/A:1_1_2/J:13+9-2\n"
    "3750000 4900000 iy^t-sil+x=x@x_x/A:1_1_2/J:13+9-2\n"
)


def test_parse_segments() -> None:
    segs = ds.parse_segments(SEGMENTS)
    assert segs == ((0.13, 0.51), (0.68, 1.0), (1.2, 1.65))
    assert ds.parse_segments(SEGMENTS, label="silence")[0] == (0.0, 0.13)
    with pytest.raises(ValueError):
        ds.parse_segments("0.5,0.2,speech\n")
    with pytest.raises(ValueError):
        ds.parse_segments("zero,1,speech\n")


def test_parse_hts_lab() -> None:
    assert ds.parse_hts_lab(HTS_LAB) == ((0.13, 0.27), (0.3, 0.375))
    assert ds.parse_hts_lab("0 10000000 a\n10000000 20000000 sil\n") == ((0.0, 1.0),)
    assert ds.parse_hts_syllables(HTS_LAB) == 13
    assert ds.parse_hts_syllables("0 1 a\n") is None


def test_parse_transcripts() -> None:
    text = (
        "; Core Asterisk Sounds in French\n\n"
        "activated: activé\n"
        "followme/sorry: Désolé, je n'ai pas   réussi.\n"
        "empty:\n"
        "activated: duplicate ignored\n"
        "with-colon: Vous avez ces options: une, deux.\n"
    )
    t = ds.parse_transcripts(text)
    assert t == {
        "activated": "activé",
        "followme/sorry": "Désolé, je n'ai pas réussi.",
        "empty": "",
        "with-colon": "Vous avez ces options: une, deux.",
    }


# ----------------------------------------------------- cache and checksums --


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fake_noise_cache(root: Path) -> dict[str, str]:
    """A fake, valid cache for the 'noise' dataset and its checksums."""
    d = root / "noise"
    d.mkdir(parents=True)
    files = {"Noise.wav": b"RIFF-fake-noise", "copyright": b"GPL-2"}
    for name, data in files.items():
        (d / name).write_bytes(data)
    return {f"noise/{k}": _sha(v) for k, v in files.items()}


def test_verify_accepts_intact_cache(tmp_path: Path) -> None:
    sums = _fake_noise_cache(tmp_path)
    assert ds.verify("noise", tmp_path, sums) == []


def test_verify_detects_corruption_and_missing(tmp_path: Path) -> None:
    sums = _fake_noise_cache(tmp_path)
    (tmp_path / "noise" / "Noise.wav").write_bytes(b"RIFF-tampered")
    (tmp_path / "noise" / "copyright").unlink()
    problems = ds.verify("noise", tmp_path, sums)
    assert any("Noise.wav: checksum mismatch" in p for p in problems)
    assert any("copyright: missing" in p for p in problems)


def test_fetch_refetches_corrupted_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sums = _fake_noise_cache(tmp_path)
    monkeypatch.setattr(download, "CHECKSUMS", sums)
    calls: list[str] = []

    def fake_install(name: str, root: Path, dl: object, checksums: object) -> None:
        calls.append(name)
        (root / name / "Noise.wav").write_bytes(b"RIFF-fake-noise")

    monkeypatch.setattr(download, "_install", fake_install)

    utts = ds.fetch("noise", tmp_path)  # intact: no download
    assert calls == []
    assert utts[0].path == tmp_path / "noise" / "Noise.wav"
    assert utts[0].segments == () and utts[0].syllables == 0
    assert utts[0].licence == tmp_path / "noise" / "copyright"

    (tmp_path / "noise" / "Noise.wav").write_bytes(b"corrupted")
    ds.fetch("noise", tmp_path)
    assert calls == ["noise"]
    assert ds.verify("noise", tmp_path, sums) == []


def test_fetch_raises_when_refetch_still_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sums = _fake_noise_cache(tmp_path)
    monkeypatch.setattr(download, "CHECKSUMS", sums)
    monkeypatch.setattr(download, "_install", lambda *a: None)
    (tmp_path / "noise" / "Noise.wav").write_bytes(b"corrupted")
    with pytest.raises(ds.ChecksumError):
        ds.fetch("noise", tmp_path)


def test_checksums_cover_every_member() -> None:
    for name in ds.available():
        for m in ds._SPECS[name].members:
            key = f"{name}/{m.dest}"
            assert len(ds.CHECKSUMS.get(key, "")) == 64, key


def test_available_and_unknown() -> None:
    assert set(ds.available()) >= {
        "arctic",
        "codec2",
        "asterisk_fr",
        "asterisk_en",
        "vad_counting",
        "noise",
    }
    with pytest.raises(ds.DatasetError):
        ds.fetch("nope")


def test_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICECOACH_DATA", str(tmp_path / "env"))
    assert ds.cache_root() == tmp_path / "env"
    assert ds.cache_root(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("VOICECOACH_DATA")
    assert ds.cache_root().parts[-3:] == (".cache", "voicecoach", "datasets")


def test_build_from_fake_cache(tmp_path: Path) -> None:
    d = tmp_path / "asterisk_fr"
    d.mkdir()
    (d / "core-sounds-fr.txt").write_text(
        "; x\nagent-user: Ouverture de session. Entrez votre numéro d'agent suivi du dièse.\n",
        encoding="utf-8",
    )
    utts = {u.id: u for u in builders._build_asterisk(d, "asterisk_fr")}
    u = utts["asterisk_fr/agent-user"]
    assert u.language == "fr" and u.sex == "f" and u.syllables == 18
    assert utts["asterisk_fr/vm-sorry"].text is None
    v = tmp_path / "vad_counting"
    v.mkdir()
    (v / "count.segments").write_text(SEGMENTS)
    (v / "count2.segments").write_text("0,1,speech\n")
    c = builders._build_counting(v, "vad_counting")
    assert c[0].segments == ((0.13, 0.51), (0.68, 1.0), (1.2, 1.65))
    assert c[0].syllables == 11
