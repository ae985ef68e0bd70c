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


# The examples named in the rules' own comments (syllables.py), not in the tables above.
EN_RULE_EXAMPLES = {"buyer": 2, "neon": 2, "george": 1, "duo": 2, "cruel": 2, "continues": 3,
                    "continued": 3, "blues": 1, "hundred": 2}
FR_RULE_EXAMPLES = {"tué": 1, "joué": 1, "créa": 2, "crié": 2, "essuyer": 3}


@pytest.mark.parametrize(
    ("table", "language"),
    [(EN_WORDS, "en"), (FR_WORDS, "fr"), (EN_RULE_EXAMPLES, "en"), (FR_RULE_EXAMPLES, "fr")],
)
def test_words_the_rules_were_written_on_are_exact(table: dict[str, int], language: str) -> None:
    """Every word of the tables used while writing the rules gets its dictionary count."""
    assert _accuracy(table, language) == (1.0, [])


@pytest.mark.parametrize(("table", "language"), [(EN_HELD_OUT, "en"), (FR_HELD_OUT, "fr")])
def test_held_out_word_accuracy(table: dict[str, int], language: str) -> None:
    """On words not used while writing the rules: at least 90 % exact, none off by more
    than one (the accuracy the docstring promises, not a regression gate)."""
    acc, wrong = _accuracy(table, language)
    assert acc >= 0.9, wrong
    assert all(abs(ds.count_syllables(w, language) - n) <= 1 for w, n in table.items())


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [(t, "en", n) for t, n in EN_SENTENCES] + [(t, "fr", n) for t, n in FR_SENTENCES],
)
def test_sentence_counts(text: str, language: str, expected: int) -> None:
    """The asterisk, ARCTIC and number/symbol sentences are counted exactly."""
    assert ds.count_syllables(text, language) == expected, text


def test_count_syllables_edge_cases() -> None:
    """Empty text, punctuation, acronyms, numbers spelled out; an unsupported language raises."""
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


@pytest.mark.parametrize(
    ("written", "spoken", "language", "n"),
    [
        ("12345", "one two three four five", "en", 5),  # over 4 digits: digit by digit
        ("007", "zero zero seven", "en", 6),  # a leading zero: digit by digit
        ("3.14", "three point one four", "en", 4),
        ("50%", "fifty percent", "en", 4),
        ("70", "soixante-dix", "fr", 3),
        ("71", "soixante et onze", "fr", 4),
        ("81", "quatre-vingt-un", "fr", 3),
        ("91", "quatre-vingt-onze", "fr", 3),
        ("100", "cent", "fr", 1),
        ("200", "deux cents", "fr", 2),
        ("1000", "mille", "fr", 1),
        ("2000", "deux mille", "fr", 2),
        ("3,5", "trois virgule cinq", "fr", 4),
        ("50 %", "cinquante pour cent", "fr", 4),
        ("WWW", "double u double u double u", "en", 9),  # acronyms spelled out, w is 3
        ("HTTP", "aitch tee tee pee", "en", 4),
        ("XY", "iks i grec", "fr", 3),
        ("I can’t", "I can't", "en", 2),  # a typographic apostrophe is an apostrophe
    ],
)
def test_numbers_symbols_and_acronyms_count_as_spoken(written: str, spoken: str,
                                                      language: str, n: int) -> None:
    """Digits, symbols and acronyms count as the words a speaker says for them."""
    assert ds.count_syllables(written, language) == n
    assert ds.count_syllables(spoken, language) == n


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
    """Speech segments of a pyAudioAnalysis file, touching ones merged, stray commas and blanks
    tolerated; bad lines raise."""
    segs = ds.parse_segments(SEGMENTS)
    assert segs == ((0.13, 0.51), (0.68, 1.0), (1.2, 1.65))
    assert ds.parse_segments(SEGMENTS, label="silence")[0] == (0.0, 0.13)
    with pytest.raises(ValueError):
        ds.parse_segments("0.5,0.2,speech\n")
    with pytest.raises(ValueError):
        ds.parse_segments("zero,1,speech\n")


def test_parse_hts_lab() -> None:
    """Speech runs of HTS labels in seconds (100 ns units), full-context phones read, and the
    syllable count of the /J: field."""
    assert ds.parse_hts_lab(HTS_LAB) == ((0.13, 0.27), (0.3, 0.375))
    assert ds.parse_hts_lab("0 10000000 a\n10000000 20000000 sil\n") == ((0.0, 1.0),)
    assert ds.parse_hts_syllables(HTS_LAB) == 13
    assert ds.parse_hts_syllables("0 1 a\n") is None


def test_parse_segments_sorts_merges_and_reads_labels_in_any_case() -> None:
    """Segments come back sorted, overlapping or contained ones merged; the label is read
    in any case; ``#`` lines are comments; a zero-length segment is valid."""
    text = "# start,end,label\n2.0,3.0,Speech\n0.0,1.5,speech\n0.5,1.0,SPEECH\n4,4,speech\n"
    assert ds.parse_segments(text) == ((0.0, 1.5), (2.0, 3.0), (4.0, 4.0))


def test_parse_hts_lab_silences_and_bad_lines() -> None:
    """``h#`` and ``sp`` are silences like ``sil`` and ``pau``; a line without a label is
    an error."""
    lab = "0 1000000 h#\n1000000 2000000 a\n2000000 3000000 sp\n3000000 4000000 b\n"
    assert ds.parse_hts_lab(lab) == ((0.1, 0.2), (0.3, 0.4))
    with pytest.raises(ValueError, match="line 2"):
        ds.parse_hts_lab("0 1 a\n1 2\n")


def test_parse_transcripts() -> None:
    """Prompt ids to transcripts: comments skipped, whitespace normalised, the first of a duplicate
    kept, colons in the text kept."""
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
    """An intact cache has no problem."""
    sums = _fake_noise_cache(tmp_path)
    assert ds.verify("noise", tmp_path, sums) == []


def test_verify_a_bundle_checks_every_file_of_its_manifest(tmp_path: Path) -> None:
    """A bundle is intact when its members and manifest match the recorded sums and every
    file the manifest lists is there with its bytes; a key without a recorded sum is a
    problem too."""
    d = tmp_path / "armelle_fr"
    d.mkdir()
    (d / "copyright").write_bytes(b"GPL-2")
    files = {"a.gsm": b"one", "b.gsm": b"two"}
    for n, b in files.items():
        (d / n).write_bytes(b)
    manifest = "".join(f"{_sha(b)}  {n}\n" for n, b in files.items()).encode()
    (d / ds.MANIFEST).write_bytes(manifest)
    sums = {"armelle_fr/copyright": _sha(b"GPL-2"), f"armelle_fr/{ds.MANIFEST}": _sha(manifest)}
    assert ds.verify("armelle_fr", tmp_path, sums) == []
    (d / "a.gsm").write_bytes(b"tampered")
    (d / "b.gsm").unlink()
    assert ds.verify("armelle_fr", tmp_path, sums) == [
        "armelle_fr/a.gsm: checksum mismatch", "armelle_fr/b.gsm: missing"]
    del sums["armelle_fr/copyright"]
    assert ds.verify("armelle_fr", tmp_path, sums) == ["armelle_fr/copyright: no recorded checksum"]


def test_install_rejects_a_fetch_that_does_not_match_and_keeps_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A freshly extracted file whose sum differs raises ChecksumError, leaves the cached
    copy as it was and no staging folder behind; a matching one replaces it."""
    sums = _fake_noise_cache(tmp_path)
    payload = {"Noise.wav": b"RIFF-upstream-changed", "copyright": b"GPL-2"}

    def extract(spec, dl, staging: Path) -> None:
        for name, data in payload.items():
            (staging / name).write_bytes(data)

    monkeypatch.setattr(download, "_extract", extract)
    with pytest.raises(ds.ChecksumError, match=r"Noise\.wav"):
        download._install("noise", tmp_path, None, sums)
    assert (tmp_path / "noise" / "Noise.wav").read_bytes() == b"RIFF-fake-noise"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise"]
    payload["Noise.wav"] = b"RIFF-fake-noise"
    (tmp_path / "noise" / "Noise.wav").unlink()
    download._install("noise", tmp_path, None, sums)
    assert ds.verify("noise", tmp_path, sums) == []


def test_bundle_files_leave_out_excluded_names_and_strip_the_path(tmp_path: Path) -> None:
    """The expressive_cs bundle never extracts a held-out line, and caches each line as
    ``<room>/<file>`` (the ``/cs/`` folder stripped)."""
    from benchmarks.datasets.sources import _Bundle

    b = ds._SPECS["expressive_cs"].bundle
    assert b.exclude == ds.EXPRESSIVE_HELD_OUT and b.strip == "/cs/"
    held = sorted(ds.EXPRESSIVE_HELD_OUT)[0]
    base = tmp_path / b.root.lstrip("/")
    for rel in ("room/cs/kos-v-a.ogg", f"room/cs/{held}", "share/x/cs/ob-m-b.ogg",
                "room/en/kos-v-c.ogg"):
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_bytes(b"x")
    got = [rel for _, rel in download._bundle_files(b, tmp_path)]
    assert got == ["room/kos-v-a.ogg", "share/x/ob-m-b.ogg"]
    plain = _Bundle(b.source, b.root, "**/*.ogg")
    assert len(download._bundle_files(plain, tmp_path)) == 4


def test_cached_expressive_cs_holds_no_held_out_line() -> None:
    """The fetched expressive_cs bundle on this machine lists none of the held-out lines."""
    manifest = ds.cache_root() / "expressive_cs" / ds.MANIFEST
    if not manifest.is_file():
        pytest.skip("expressive_cs is not fetched")
    rels = [ln.split("  ", 1)[1] for ln in manifest.read_text(encoding="utf-8").splitlines()]
    assert len(rels) > 1000
    assert not {r.rsplit("/", 1)[-1] for r in rels} & ds.EXPRESSIVE_HELD_OUT


def test_verify_detects_corruption_and_missing(tmp_path: Path) -> None:
    """A tampered file is a checksum mismatch, a deleted one is missing."""
    sums = _fake_noise_cache(tmp_path)
    (tmp_path / "noise" / "Noise.wav").write_bytes(b"RIFF-tampered")
    (tmp_path / "noise" / "copyright").unlink()
    problems = ds.verify("noise", tmp_path, sums)
    assert any("Noise.wav: checksum mismatch" in p for p in problems)
    assert any("copyright: missing" in p for p in problems)


def test_fetch_refetches_corrupted_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An intact cache is read without a download; a corrupted file makes fetch install the dataset
    again."""
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
    """A re-fetch that is still corrupted raises ChecksumError."""
    sums = _fake_noise_cache(tmp_path)
    monkeypatch.setattr(download, "CHECKSUMS", sums)
    monkeypatch.setattr(download, "_install", lambda *a: None)
    (tmp_path / "noise" / "Noise.wav").write_bytes(b"corrupted")
    with pytest.raises(ds.ChecksumError):
        ds.fetch("noise", tmp_path)


def test_command_line_fetch_force_list_and_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``fetch`` verifies without downloading and lists the utterances; ``--force``
    re-installs an intact cache; an unknown name exits 1; ``list`` names every dataset;
    ``record-checksums`` installs unverified and prints the files' sums."""
    sums = _fake_noise_cache(tmp_path)
    monkeypatch.setattr(download, "CHECKSUMS", sums)
    calls: list[tuple[str, object]] = []

    def fake_install(name: str, root: Path, dl: object, checksums: object) -> None:
        calls.append((name, checksums))

    monkeypatch.setattr(download, "_install", fake_install)
    main = ds.main
    assert main(["--cache-dir", str(tmp_path), "fetch", "noise"]) == 0
    out = capsys.readouterr().out
    assert calls == [] and "noise: 1 utterances" in out and "noise/Noise" in out
    assert main(["--cache-dir", str(tmp_path), "fetch", "--force", "noise"]) == 0
    assert calls == [("noise", sums)]
    assert main(["--cache-dir", str(tmp_path), "fetch", "nope"]) == 1
    assert "error:" in capsys.readouterr().err
    assert main(["list"]) == 0
    listed = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    assert listed == ds.available()
    calls.clear()
    assert main(["--cache-dir", str(tmp_path), "record-checksums", "noise"]) == 0
    assert calls == [("noise", None)]
    printed = capsys.readouterr().out
    for key, digest in sums.items():
        assert f'    "{key}": "{digest}",' in printed


def test_checksums_cover_every_member() -> None:
    """Every member of every dataset has a recorded SHA-256."""
    for name in ds.available():
        for m in ds._SPECS[name].members:
            key = f"{name}/{m.dest}"
            assert len(ds.CHECKSUMS.get(key, "")) == 64, key


def test_available_and_unknown() -> None:
    """The base datasets are available; an unknown name raises DatasetError."""
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
    """The cache folder: the argument, else $VOICECOACH_DATA (~ expanded, empty means unset), else
    ~/.cache/voicecoach/datasets."""
    monkeypatch.setenv("VOICECOACH_DATA", str(tmp_path / "env"))
    assert ds.cache_root() == tmp_path / "env"
    assert ds.cache_root(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("VOICECOACH_DATA")
    assert ds.cache_root().parts[-3:] == (".cache", "voicecoach", "datasets")
    monkeypatch.setenv("VOICECOACH_DATA", "")  # set but empty: the default
    assert ds.cache_root() == Path.home() / ".cache" / "voicecoach" / "datasets"
    monkeypatch.setenv("VOICECOACH_DATA", "~/vc")
    assert ds.cache_root() == Path.home() / "vc"
    assert ds.cache_root("~/x") == Path.home() / "x"


def test_build_from_fake_cache(tmp_path: Path) -> None:
    """asterisk_fr reads its transcripts and counts their syllables; vad_counting reads its
    segments."""
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


def test_build_asterisk_en_arctic_and_expressive_from_fake_caches(tmp_path: Path) -> None:
    """asterisk_en reads the English transcripts (an empty one is no text); arctic's slt
    line takes its syllables from the HTS labels; the expressive speakers' sexes."""
    d = tmp_path / "asterisk_en"
    d.mkdir()
    (d / "core-sounds-en.txt").write_text(
        "agent-user: Agent login. Please enter your agent number followed by the pound key.\n"
        "demo-nogo:\n", encoding="utf-8")
    utts = {u.id: u for u in builders._build_asterisk(d, "asterisk_en")}
    u = utts["asterisk_en/agent-user"]
    assert u.language == "en" and u.syllables == 18 and u.path == d / "agent-user.wav"
    assert utts["asterisk_en/demo-nogo"].text is None
    assert utts["asterisk_en/demo-nogo"].syllables is None
    a = tmp_path / "arctic"
    a.mkdir()
    (a / "slt_arctic_a0009_phone.lab").write_text(HTS_LAB.replace("/J:13+", "/J:20+"))
    awb, slt = builders._build_arctic(a, "arctic")
    assert slt.syllables == 20 and slt.segments == ((0.13, 0.27), (0.3, 0.375))
    assert awb.syllables == ds.count_syllables(ds.ARCTIC_TEXTS["arctic_a0007"], "en")
    e = builders._build_expressive(tmp_path / "expressive", "expressive")
    assert len(e) == len(ds.EXPRESSIVE_LINES)
    assert {(u.speaker, u.sex) for u in e} == {("v", "m"), ("m", "f")}
    assert all(u.sex == ("m" if "-v-" in u.path.name else "f") for u in e)


def test_every_cached_dataset_builds_to_files_that_exist() -> None:
    """On the fetched cache (no verification, no download): every utterance of every
    dataset points at a file and a licence that are there, ids are unique and named after
    the dataset (a bundle's after its files), and the fixed lists have their documented
    sizes."""
    root = ds.cache_root()
    present = [n for n in ds.available() if (root / n).is_dir()]
    if not present:
        pytest.skip("no dataset is fetched")
    sizes = {"arctic": 2, "codec2": 4, "asterisk_en": 17, "asterisk_fr": 17, "alsa": 8,
             "vad_counting": 2, "noise": 1, "armelle_fr": 169, "codec2_monologue": 1,
             "expressive": 104, "librivox": 5, "klettres_fr": 28}
    for n in present:
        utts = ds._SPECS[n].build(root / n, n)
        assert utts, n
        assert all(u.path.is_file() and u.licence.is_file() for u in utts), n
        ids = [u.id for u in utts]
        assert len(set(ids)) == len(ids) and all(i.startswith(f"{n}/") for i in ids), n
        assert all(u.dataset == n for u in utts), n
        if n in sizes:
            assert len(utts) == sizes[n], n
        if ds._SPECS[n].bundle is not None:  # a bundle's ids are its files' names
            assert all(u.id == f"{n}/{u.path.relative_to(root / n).with_suffix('').as_posix()}"
                       for u in utts), n


def test_held_out_prompt_voices_build_with_their_speakers(tmp_path: Path) -> None:
    """The coach benchmark's held-out voices (four IVR prompt bundles) build from their
    manifests with the language, speaker and sex of :data:`PROMPT_SPEAKERS`, and each has a
    recorded checksum for its manifest and its copyright file."""
    from benchmarks.datasets.sources import MANIFEST, PROMPT_SPEAKERS

    expected = {"asterisk_it_all": ("it", "m"), "asterisk_ru_all": ("ru", "f"),
                "menardi_it": ("it", "f"), "es_co": ("es", "f")}
    for name, (lang, sex) in expected.items():
        assert name in ds.available()
        assert len(ds.CHECKSUMS.get(f"{name}/{MANIFEST}", "")) == 64, name
        assert len(ds.CHECKSUMS.get(f"{name}/copyright", "")) == 64, name
        d = tmp_path / name
        d.mkdir()
        ext = ".gsm" if name == "es_co" else ".wav"
        (d / MANIFEST).write_text(f"{'0' * 64}  a{ext}\n{'1' * 64}  b{ext}\n", encoding="utf-8")
        utts = builders._build_prompts(d, name)
        assert [u.id for u in utts] == [f"{name}/a", f"{name}/b"]
        assert {(u.language, u.speaker, u.sex) for u in utts} == {
            (lang, PROMPT_SPEAKERS[name][1], sex)}
    # the prompt voices built before keep their speakers
    d = tmp_path / "asterisk_fr_all"
    d.mkdir()
    (d / MANIFEST).write_text(f"{'0' * 64}  a.wav\n", encoding="utf-8")
    (u,) = builders._build_prompts(d, "asterisk_fr_all")
    assert (u.language, u.speaker, u.sex) == ("fr", "fr_CA_f_June", "f")
