"""`voicecoach setup`: step logic with fake devices and scripted answers.

The wizard speaks the session's language: French by default (the shipped ``[coach] lang``),
English with ``--lang en`` (or a configuration saying ``en``). The tests that check English
wording say so; the French ones check each step's key lines in the default language.

The audio layer is a fake (:class:`FakeAudio`: named inputs whose signals are arrays), the
answers come from a text stream, and ``live`` is a recorded callable, so every step and the
second-run skipping run without a sound server. The real devices path is tested in
tests/live/test_setup_live.py.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import stat
import tomllib
from pathlib import Path

import numpy as np
import pytest

from voicecoach.baseline import calibrate_array
from voicecoach.cli import _config, build_parser
from voicecoach.config import load_config, save_user_config
from voicecoach.errors import ConfigError, DeviceError, ParameterError, UsageError
from voicecoach.profiles import ProfileStore
from voicecoach.setup_wizard import Block, meter_bar, run_setup
from voicecoach.sources.devices import InputDevice, is_monitor_name
from voicecoach.sources.synthetic import synth_speech

SR = 16000


def _dev(i: int, name: str) -> InputDevice:
    return InputDevice(i, name, "ALSA", 2, 48000.0, is_monitor_name(name))


class FakeAudio:
    """Inputs by name; ``signals[name]`` is what the input delivers each time it is opened
    (a list: one array per opening of that input, the last one repeated, then silence;
    absent: digital silence)."""

    def __init__(self, names: list[str], signals: dict[str, list[np.ndarray]] | None = None,
                 stalled: tuple[bool, bool] = (False, False)):
        self.devices = [_dev(i, n) for i, n in enumerate(names)]
        self.signals = signals or {}
        self.stalled = stalled  # columns the capture fills with silence
        self.opened: list[tuple[str | None, str | None]] = []
        self.rescans = 0
        self.count: dict[str, int] = {}

    def inputs(self) -> list[InputDevice]:
        return list(self.devices)

    def far_inputs(self) -> list[InputDevice]:
        return list(self.devices)

    def find(self, spec: str) -> InputDevice:
        text = str(spec).strip()
        if text.isdigit():
            for d in self.devices:
                if d.index == int(text):
                    return d
            raise DeviceError(f"no input device with index {text}")
        exact = [d for d in self.devices if d.name.lower() == text.lower()]
        found = exact or [d for d in self.devices if text and text.lower() in d.name.lower()]
        if len(found) != 1:
            raise DeviceError(f"no input device matches {text!r}" if not found
                              else f"{text!r} matches {len(found)} input devices")
        return found[0]

    def default(self) -> InputDevice | None:
        return self.devices[0]

    def rescan(self) -> None:
        self.rescans += 1

    def _signal(self, spec: str | None) -> np.ndarray:
        name = self.find(spec).name if spec else self.devices[0].name
        n_open = self.count.get(name, 0)
        self.count[name] = n_open + 1
        seq = self.signals.get(name)
        if not seq:
            return np.zeros(0, np.float32)
        return seq[min(n_open, len(seq) - 1)]

    @contextlib.contextmanager
    def stream(self, mic, far):
        self.opened.append((mic, far))
        a = self._signal(mic)
        b = self._signal(far) if far is not None else np.zeros(0, np.float32)

        def blocks():
            i = 0
            while True:
                blk = np.zeros((320, 2), np.float32)
                seg_a, seg_b = a[i:i + 320], b[i:i + 320]
                blk[: seg_a.size, 0] = seg_a
                blk[: seg_b.size, 1] = seg_b
                i += 320
                for c in (0, 1):
                    if self.stalled[c]:
                        blk[:, c] = 0
                yield Block(blk, self.stalled)

        yield blocks()


NAMES = ["HDA Intel mic", "vc_mic", "vc_far", "pulse.monitor other"]


@pytest.fixture(scope="module")
def calm() -> np.ndarray:
    x, _ = synth_speech(duration_s=40, f0_hz=120, snr_db=30, seed=3)
    return x


@pytest.fixture(scope="module")
def profile(calm):
    return calibrate_array(calm, SR, name="stored")


@pytest.fixture
def env(tmp_path: Path, monkeypatch):
    """User config and profiles in tmp_path; returns (user config path, profiles dir)."""
    user = tmp_path / "conf" / "config.toml"
    profiles = tmp_path / "profiles"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(user))
    monkeypatch.setenv("VOICECOACH_PROFILES", str(profiles))
    return user, profiles


def _run(argv: list[str], answers: str, audio: FakeAudio, live_status: int = 0):
    """Run setup; returns (status, output, live argument lists)."""
    args = build_parser().parse_args(["setup", *argv])
    cfg = _config(args)
    calls: list[list[str]] = []

    def live(a: list[str]) -> int:
        calls.append(a)
        return live_status

    out = io.StringIO()
    status = run_setup(args, cfg, stdin=io.StringIO(answers), stdout=out, audio=audio,
                       run_live=live)
    return status, out.getvalue(), calls


def _plain(text: str) -> str:
    """``text`` with French typography's non-breaking spaces as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _user(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def _tone(seconds: float, db: float = -20.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (10 ** (db / 20) * math.sqrt(2) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


# ---------------------------------------------------------------------------- meter --
def test_meter_bar_spans_floor_to_full_scale() -> None:
    assert meter_bar(-math.inf, -60, width=10, fancy=False) == "|" + "-" * 10 + "|"
    assert meter_bar(-60, -60, width=10, fancy=False) == "|" + "-" * 10 + "|"
    assert meter_bar(-30, -60, width=10, fancy=False) == "|" + "#" * 5 + "-" * 5 + "|"
    assert meter_bar(3.0, -60, width=10, fancy=False) == "|" + "#" * 10 + "|"
    assert meter_bar(-30, -60, width=4) == "▕██░░▏"


def test_terminal_overwrites_status_lines_in_place() -> None:
    from voicecoach.setup_wizard import Terminal

    out = io.StringIO()
    t = Terminal(io.StringIO("typed\n"), out, tty=True)
    t.status("level 12345")
    t.status("level 1")
    assert t.ask("Name", "x") == "typed"  # ends the status line first
    assert out.getvalue() == "\rlevel 12345\rlevel 1    \nName [x]: typed\n"
    assert not t.enter_pressed()  # stdin is no terminal: never polled


@pytest.mark.skipif(os.name == "nt", reason="POSIX pseudo-terminal")
def test_enter_on_a_terminal_stops_a_meter_without_waiting() -> None:
    from voicecoach.setup_wizard import Terminal

    master, slave = os.openpty()
    with os.fdopen(slave, "r") as stdin:
        t = Terminal(stdin, io.StringIO(), tty=True)
        assert not t.echo
        assert not t.enter_pressed()  # nothing typed: returns at once
        os.write(master, b"\n")
        assert t.enter_pressed()
        assert not t.enter_pressed()  # the line was consumed
    os.close(master)


@pytest.mark.parametrize(("lang", "meters"), [(None, "\r  micro ▕"), ("en", "\r  mic ▕")])
def test_enter_ends_the_level_check(calm, lang: str | None, meters: str) -> None:
    import argparse

    from voicecoach.setup_wizard import Terminal, Wizard

    class Keys(Terminal):
        polls = 0

        def enter_pressed(self) -> bool:
            self.polls += 1
            return self.polls > 50  # Enter after 50 blocks of 20 ms

    out = io.StringIO()
    args = argparse.Namespace(levels_s=1000.0, yes=False, redo=None, lang=lang)
    audio = FakeAudio(NAMES, {"vc_mic": [calm]})
    wiz = Wizard(args, load_config(), Keys(io.StringIO(), out, tty=True), audio)
    check = wiz.check_levels("vc_mic", "vc_far")
    assert check.seconds == pytest.approx(51 * 0.02)
    assert check.heard_s[0] > 0.3 and check.heard_s[1] == 0
    assert meters in out.getvalue()  # meters redrawn in place, in the wizard's language


def test_a_recording_is_cut_to_the_seconds_asked(calm) -> None:
    import argparse

    from voicecoach.setup_wizard import Terminal, Wizard

    args = argparse.Namespace(levels_s=None, yes=False, redo=None, lang="en")
    audio = FakeAudio(NAMES, {"vc_mic": [calm]})
    wiz = Wizard(args, load_config(), Terminal(io.StringIO(), io.StringIO()), audio)
    x = wiz.record("vc_mic", 1.01)  # 16160 samples: not a whole number of 320-sample blocks
    assert np.array_equal(x, calm[:16160])


# ------------------------------------------------------------------------ first run --
def test_first_run_picks_checks_calibrates_saves_and_starts_live(env, calm) -> None:
    user, profiles = env
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(10)]})
    # mic: number 2 of the microphone list (vc_mic); far end: Enter (the suggested vc_far);
    # levels: Enter keeps; profile name alice; calibration: Enter starts; --lang en answers
    # the language (and makes the wizard speak English)
    answers = "2\n\n\nalice\n\n"
    status, out, calls = _run(["--seconds", "40", "--levels-s", "2", "--lang", "en"], answers,
                              audio, 7)
    assert status == 7  # live's status is setup's
    assert calls == [["live"]]  # live takes everything from the user configuration
    assert "microphone heard: yes" in out and "customer heard: yes" in out
    assert "<- suggested" in out
    conf = _user(user)
    assert conf["live"] == {"mic": "vc_mic", "far": "vc_far", "profile": "alice"}
    assert conf["coach"] == {"lang": "en"}
    assert stat.S_IMODE(os.stat(user).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(user.parent).st_mode) == 0o700
    prof = ProfileStore(profiles).load("alice")
    assert prof.voiced_s > 10 and not prof.provisional
    assert stat.S_IMODE(os.stat(ProfileStore(profiles).path("alice")).st_mode) == 0o600
    # the microphone alone was recorded for the calibration (40 s asked, 40 s taken)
    assert audio.opened == [("vc_mic", "vc_far"), ("vc_mic", None)]
    # `voicecoach live` now resolves the chosen devices, profile and language
    args = build_parser().parse_args(["live"])
    _config(args)
    assert (args.mic, args.far, args.profile, args.lang) == ("vc_mic", "vc_far", "alice", "en")


def test_a_device_its_name_does_not_find_again_is_saved_by_index(env, calm) -> None:
    user, _ = env
    audio = FakeAudio(["USB mic", "USB mic", "vc_far"], {"USB mic": [calm],
                                                         "vc_far": [_tone(3)]})
    # two identical headsets: the second one chosen; far end suggested; keep; skip calibration
    status, _, _ = _run(["--levels-s", "1", "--no-live", "--lang", "en", "--profile", "x"],
                        "2\n\n\ns\n", audio)
    assert status == 0
    assert _user(user)["live"]["mic"] == "1" and _user(user)["live"]["far"] == "vc_far"


def test_customer_not_heard_then_another_far_end(env, calm) -> None:
    user, _ = env
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "pulse.monitor other": [_tone(10)]})
    # far end 1 (vc_far, silent) -> "no"; d: choose again; mic 2, far end 2 -> "yes"
    answers = "2\n1\nd\n2\n2\n\n"
    status, out, _ = _run(["--levels-s", "1", "--no-live", "--lang", "fr", "--profile", "x"],
                          answers + "s\n", audio)
    assert status == 0
    out = _plain(out)  # --lang fr: the French lines
    assert "client entendu : non" in out
    assert "faites jouer quelque chose dans l'appel" in out
    assert out.index("client entendu : non") < out.index("client entendu : oui")
    assert _user(user)["live"]["far"] == "pulse.monitor other"
    assert "Calibrage sauté ; relancez voicecoach setup pour le faire." in out
    assert "profile" not in _user(user)["live"]


def test_check_again_reopens_the_same_devices(env, calm) -> None:
    # vc_far silent at the first check, playing at the second
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [np.zeros(0, np.float32), _tone(5)]})
    status, out, _ = _run(["--levels-s", "1", "--no-live", "--lang", "en", "--profile", "x"],
                          "2\n1\nc\n\ns\n", audio)
    assert status == 0
    assert [o for o in audio.opened] == [("vc_mic", "vc_far")] * 2
    assert out.count("customer heard: no") == 1 and out.count("customer heard: yes") == 1


BAD_ANSWERS = "9\nnothing-like-this\n2\nvc_mic\nvc_far\nmaybe\n\nno way!\nbob\n\nde\n"


def test_bad_answers_are_explained_and_asked_again(env, calm, tmp_path: Path) -> None:
    user, _ = env
    english = tmp_path / "en.toml"  # the wizard speaks English, and still asks the language
    english.write_text('[coach]\nlang = "en"\n')
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(5)]})
    status, out, _ = _run(["--levels-s", "1", "--no-live", "--seconds", "40", "--config",
                           str(english)], BAD_ANSWERS + "en\n", audio)
    assert status == 0
    assert "There is no number 9 here: type a number from 1 to 2" in out
    assert "no input device matches 'nothing-like-this'" in out
    assert "'vc_mic' is already the microphone" in out
    assert "'maybe' is not an answer here" in out
    assert "profile name 'no way!' is not valid" in out
    assert "'de' is not a language voicecoach speaks" in out
    assert _user(user)["coach"]["lang"] == "en"
    assert _user(user)["live"]["profile"] == "bob"


def test_bad_answers_in_french_by_default_then_english_once_chosen(env, calm) -> None:
    user, _ = env
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(5)]})
    status, raw, _ = _run(["--levels-s", "1", "--no-live", "--seconds", "40"],
                          BAD_ANSWERS + "en\n", audio)
    assert status == 0
    # French typography: a non-breaking space before ":", a narrow one before ";" and "?"
    assert "Numéro du micro (ou une partie de son nom\u202f; r\u00a0: relancer la " \
        "recherche) [1]\u00a0: " in raw
    out = _plain(raw)
    assert "Il n'y a pas de numéro 9 ici : tapez un numéro de 1 à 2." in out
    assert "Cette réponse ne désigne pas une entrée et une seule (no input device matches " \
        "'nothing-like-this')." in out
    assert "« vc_mic » est déjà le micro : choisissez une autre entrée." in out
    assert ("« maybe » n'est pas une réponse possible ici : répondez par l'une de ces touches : "
            "Entrée, « c », « d ».") in out
    assert "Ce nom ne convient pas (profile name 'no way!' is not valid" in out
    assert "Langue des conseils (fr ou en) [fr] : " in out
    assert "« de » n'est pas une langue de voicecoach : tapez fr ou en." in out
    # "en" chosen at step 4: what follows is English
    assert out.index("Setup goes on in English.") < out.index("Step 4 (saving): microphone")
    assert "Setup done. Start coaching with: voicecoach live" in out
    assert "Step 1" not in out and "Étape 4" not in out
    assert _user(user)["coach"]["lang"] == "en"


def test_every_step_speaks_french_by_default(env, calm) -> None:
    user, _ = env
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(10)]})
    answers = "2\n\n\nalice\n\n\n"  # mic 2, far suggested, keep, alice, start, fr
    status, raw, calls = _run(["--seconds", "40", "--levels-s", "2.5"], answers, audio, 3)
    assert status == 3 and calls == [["live"]]
    out = _plain(raw)
    lines = [
        "voicecoach setup : micro, son de l'appel, profil calme, puis conseils en direct.",
        f"Vos choix sont enregistrés dans {user}.",
        "Étape 1 (appareils) : quelle entrée est votre micro, laquelle le son de l'appel ?",
        "Micros (votre voix) :",
        "<- suggéré",
        "Sources du son de l'appel (ce que joue l'ordinateur : le client) :",
        "Numéro du son de l'appel (ou une partie de son nom ; r : relancer la recherche) [1] : ",
        "Étape 2 (niveaux) : parlez dans votre micro et faites entendre le client",
        "Écoute des deux entrées pendant 2,5 s…",  # a decimal comma
        "  micro ▕",  # the meters (a StringIO is no terminal: one line a second)
        "client ▕",
        "micro entendu : oui (au plus fort",
        "client entendu : oui (au plus fort",
        "Entrée : garder ces appareils, c : vérifier à nouveau, d : choisir d'autres appareils",
        "Micro « vc_mic » et son de l'appel « vc_far » enregistrés dans",
        "Étape 3 (calibrage) : 40 s de votre parole calme forment votre profil",
        "Nom du profil (lettres, chiffres, « _ », « - », « . ») [",
        "Entrée : commencer l'enregistrement, s : sauter cette étape",
        "Enregistrement de 40 s : parlez calmement, comme en appel",
        "enr. ▕",  # the countdown
        "dB   encore 35 s",
        "  profil       alice — calibré",  # the profile's summary
        "  F0 médiane   ",
        "Profil « alice » enregistré dans",
        "Parole de calibrage conservée dans",
        "Langue des conseils (fr ou en) [fr] : ",
        "Étape 4 (sauvegarde) : micro « vc_mic », son de l'appel « vc_far », profil « alice », "
        "langue « fr » enregistrés dans",
        "Lancement : voicecoach live",
    ]
    for line in lines:
        assert line in out, line
    assert re.search(r"au-dessus de -40 dB\)", out) and re.search(r"\d,\d s au-dessus", out)
    for english in ("Step ", "heard", "Saved", "Recording", "Enter", "Language", "Starting",
                    "median F0", "syllables/s"):
        assert english not in out, english
    assert _user(user)["coach"] == {"lang": "fr"}


def test_a_second_run_says_what_is_done_in_french(env, profile) -> None:
    user, profiles = env
    ProfileStore(profiles).save(profile, "alice")
    save_user_config({"live": {"mic": "vc_mic", "far": "vc_far", "profile": "alice"},
                      "coach": {"lang": "fr"}}, user)
    status, out, _ = _run(["--no-live"], "", FakeAudio(NAMES))
    assert status == 0
    out = _plain(out)
    assert ("Étapes 1-2 (appareils, niveaux) : faites, le micro « vc_mic » et le son de "
            "l'appel « vc_far » sont configurés et présents (--redo devices pour les choisir "
            "à nouveau).") in out
    assert ("Étape 3 (calibrage) : faite, le profil « alice » est calibré (--redo calibration "
            "pour l'enregistrer à nouveau ou le compléter).") in out
    assert "Installation terminée. Pour lancer les conseils en direct : voicecoach live" in out
    # --lang en: the same run in English
    status, out, _ = _run(["--no-live", "--lang", "en"], "", FakeAudio(NAMES))
    assert "Step 1-2 (devices, levels): done" in out and "Setup done." in out
    assert "Étape" not in out


def test_refusal_and_weak_baseline_in_french(env, calm, profile, monkeypatch) -> None:
    _, profiles = env
    audio = FakeAudio(NAMES, {"vc_mic": [calm, np.zeros(0, np.float32), calm]})
    base = ["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live", "--lang", "fr"]
    # a silent take: refused, "o" (oui) records again
    status, out, _ = _run([*base, "--profile", "carol", "--seconds", "40"], "\n\no\n\n", audio)
    assert status == 0
    out = _plain(out)
    assert "Le micro n'a rien transmis" not in out
    assert ("L'enregistrement est inutilisable : presque rien n'a été entendu dans le micro. "
            "Vérifiez que c'est le bon") in out
    assert "  (message du calibrage : the mic vc_mic recording is silent" in out
    assert "Enregistrer à nouveau ? (O/n)" in out
    assert ProfileStore(profiles).exists("carol")
    # a weak baseline: the coach's own verdict, in French, then "non" keeps it
    monkeypatch.setattr("voicecoach.baseline.calibration.calibrate_array",
                        lambda *a, **k: profile.replace(pitch_drift_st=2.5))
    status, out, _ = _run([*base, "--profile", "dan", "--seconds", "2"], "\n\nnon\n", audio)
    assert status == 0
    out = _plain(out)
    assert ("L'enregistrement est utilisable, mais certains conseils resteraient muets pendant "
            "les appels :") in out
    # (the verdict's figures are the coach's: voicecoach.coach formats them, as in reports)
    assert "  hauteur : référence instable : ses deux moitiés diffèrent de 2" in out
    assert ProfileStore(profiles).exists("dan")


def test_devices_problems_in_french(env, calm) -> None:
    audio = FakeAudio(["USB headset", "Laptop mic"], {"USB headset": [calm]},
                      stalled=(False, True))
    status, out, _ = _run(["--levels-s", "2", "--no-live", "--profile", "x"], "1\n1\n\ns\n\n",
                          audio)
    assert status == 0
    out = _plain(out)
    assert "Aucune entrée ne ressemble à la sortie de l'ordinateur" in out and "asoundrc" in out
    assert ("client entendu : non (au plus fort -inf dB, 0,0 s au-dessus de -40 dB) — faites "
            "jouer quelque chose") in out
    assert "le son de l'appel n'a rien transmis pendant 2,0 s sur 2,0 s (l'appareil" in out
    assert "« x » existe déjà" not in out and "Calibrage sauté" in out


def test_input_ending_is_a_clear_error(env) -> None:
    with pytest.raises(UsageError, match=r"input ended.*--yes"):
        _run(["--no-live"], "", FakeAudio(NAMES))


def test_a_stalled_device_is_said_so(env, calm) -> None:
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(5)]}, stalled=(False, True))
    status, out, _ = _run(["--levels-s", "2", "--no-live", "--lang", "en", "--profile", "x"],
                          "2\n\n\ns\n", audio)
    assert status == 0
    assert "customer heard: no" in out
    assert "far end delivered no audio for 2.0 of 2.0 s (the device stalled" in out
    assert "microphone delivered no audio" not in out


def test_a_clipped_input_is_said_so(env, calm) -> None:
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3, db=3.0)]})  # peak 1.41
    status, out, _ = _run(["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live",
                           "--lang", "en", "--profile", "x"], "\ns\n", audio)
    assert status == 0
    assert "far end clipped: its level reaches full scale; lower its volume or gain" in out
    assert "microphone clipped" not in out


def test_an_input_not_heard_at_all_is_never_heard() -> None:
    from voicecoach.setup_wizard import LevelCheck

    check = LevelCheck(peak_db=(-math.inf, -30.0), heard_s=(0.0, 0.5), clipped=(False, False),
                       missing_s=(0.0, 0.0), seconds=1.0)
    assert not check.heard(0, 0.0)  # even when no time at all is asked
    assert check.heard(1, 0.0) and check.heard(1, 0.5) and not check.heard(1, 0.6)


def test_a_stalled_microphone_is_said_so_at_the_check_and_the_recording(env) -> None:
    audio = FakeAudio(NAMES, {"vc_far": [_tone(5)]}, stalled=(True, False))
    status, out, _ = _run(["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live",
                           "--lang", "en", "--profile", "x", "--seconds", "2"], "\n\nn\n",
                          audio)
    assert status == 0
    assert "microphone delivered no audio for 1.0 of 1.0 s (the device stalled" in out
    assert "far end delivered no audio" not in out
    assert ("The microphone delivered no audio for 2.0 s of the recording (stalled: busy, "
            "unplugged, or the sound server is overloaded).") in out
    assert "Calibration not done" in out


def test_no_monitor_explains_how_to_name_one(env, calm) -> None:
    audio = FakeAudio(["USB headset", "Laptop mic"], {"USB headset": [calm]})
    status, out, _ = _run(["--levels-s", "1", "--no-live", "--lang", "en", "--profile", "x"],
                          "1\n1\n\ns\n", audio)
    assert status == 0
    assert "No input looks like the computer's output" in out and "asoundrc" in out
    assert "customer heard: no" in out


def test_bad_lengths_and_a_far_end_that_is_the_microphone_are_refused(env) -> None:
    with pytest.raises(UsageError, match=r"^--seconds must be > 0 seconds, got 0$"):
        _run(["--seconds", "0"], "", FakeAudio(NAMES))
    with pytest.raises(UsageError, match=r"^--levels-s must be > 0 seconds, got -1$"):
        _run(["--levels-s", "-1"], "", FakeAudio(NAMES))
    with pytest.raises(UsageError, match=r"^--far 'vc_mic' is the microphone's device 'vc_mic'"):
        _run(["--mic", "vc_mic", "--far", "vc_mic", "--no-live"], "", FakeAudio(NAMES))


def test_an_invalid_profile_option_is_refused_before_any_device_opens(env, calm) -> None:
    """``--profile 'a/b' --yes`` opened both inputs and ran the level check, then failed at
    step 3."""
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3)]})
    with pytest.raises(ParameterError, match=r"^profile name 'a/b' is not valid; use 1-64"):
        _run(["--yes", "--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live",
              "--profile", "a/b"], "", audio)
    assert audio.opened == []


class BusyOnce(FakeAudio):
    """The first opening fails, as a device another program holds."""

    fails = 1

    def stream(self, mic, far):
        if self.fails:
            self.fails -= 1
            raise DeviceError("device busy")
        return super().stream(mic, far)


def test_devices_that_cannot_be_opened_are_tried_again(env, calm) -> None:
    base = ["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live", "--lang",
            "en", "--profile", "x"]
    audio = BusyOnce(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3)]})
    status, out, _ = _run(base, "\nc\n\ns\n", audio)  # Enter is no answer here: c
    assert status == 0
    assert "These devices cannot be opened: device busy" in out
    assert "c: try again, d: choose other devices" in out
    assert "'' is not an answer here" in out  # "keep" is not offered for devices not opened
    assert "microphone heard: yes" in out and audio.opened == [("vc_mic", "vc_far")]
    with pytest.raises(DeviceError, match="device busy"):  # unattended: the error
        _run([*base, "--yes"], "", BusyOnce(NAMES))


def test_yes_without_a_monitor_asks_for_far(env) -> None:
    with pytest.raises(UsageError, match="give --far DEVICE"):
        _run(["--yes", "--no-live"], "", FakeAudio(["USB headset", "Laptop mic"]))


def test_rescan_lists_the_devices_again(env, calm) -> None:
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3)]})
    status, out, _ = _run(["--levels-s", "1", "--no-live", "--lang", "en", "--profile", "x"],
                          "r\n2\n\n\ns\n", audio)
    assert status == 0 and audio.rescans == 1
    assert out.count("Microphones (your voice):") == 2


# ---------------------------------------------------------------------- calibration --
def test_refusal_is_explained_and_retried(env, calm, monkeypatch) -> None:
    _, profiles = env
    # the first take is silent (the real refusal), the second is calm speech
    audio = FakeAudio(NAMES, {"vc_mic": [calm, np.zeros(0, np.float32), calm]})
    status, out, _ = _run(
        ["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live", "--lang", "en",
         "--profile", "carol", "--seconds", "40"],
        "\n\n\n\n", audio,
    )  # fmt: skip
    assert status == 0
    assert "The recording cannot be used: almost nothing was heard" in out
    assert "(calibration said: the mic vc_mic recording is silent" in out
    assert "Record again? (Y/n)" in out
    assert ProfileStore(profiles).exists("carol")


def test_weak_baseline_is_explained_and_can_be_kept(env, profile, monkeypatch) -> None:
    user, profiles = env
    shaky = profile.replace(pitch_drift_st=2.5)
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array", lambda *a, **k: shaky
    )
    audio = FakeAudio(NAMES)
    status, out, _ = _run(
        ["--mic", "vc_mic", "--far", "vc_far", "--levels-s", "1", "--no-live", "--lang", "en",
         "--profile", "dan", "--seconds", "2"],
        "\n\nn\n", audio,
    )  # fmt: skip
    assert status == 0
    assert "some cues would stay silent" in out
    assert "pitch: baseline unstable: its two halves differ by 2.5 st" in out
    assert ProfileStore(profiles).load("dan").pitch_drift_st == pytest.approx(2.5)
    assert _user(user)["live"]["profile"] == "dan"


def test_yes_runs_unattended(env, profile, monkeypatch) -> None:
    user, _ = env
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array", lambda *a, **k: profile
    )
    audio = FakeAudio(NAMES, {"vc_far": [_tone(3)]})
    status, out, calls = _run(
        ["--yes", "--profile", "erin", "--seconds", "2", "--levels-s", "1", "--duration", "5",
         "--display", "none"],
        "", audio,
    )  # fmt: skip
    assert status == 0
    # suggestions: the default input as the microphone, the first monitor as the far end
    conf = _user(user)
    assert conf["live"] == {"mic": "HDA Intel mic", "far": "vc_far", "profile": "erin"}
    assert conf["coach"]["lang"] == load_config().coach.lang == "fr"
    out = _plain(out)  # the default language: French
    assert "micro entendu : non" in out and "(--yes : ces appareils sont gardés malgré tout)" in out
    assert "Numéro du micro : 1 (--yes)" in out and "Étape 3 (calibrage) : 2 s" in out
    assert "Langue des conseils : fr (--yes)" in out
    assert calls == [["live", "--duration", "5.0", "--display", "none"]]


def test_live_starts_with_the_setups_config_and_profile_folder(env, profile, monkeypatch,
                                                              tmp_path: Path) -> None:
    user, _ = env
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array", lambda *a, **k: profile
    )
    conf_file, folder = tmp_path / "mine.toml", tmp_path / "team"
    conf_file.write_text("[setup]\nlevels_s = 1.0\n")
    audio = FakeAudio(NAMES, {"vc_far": [_tone(3)]})
    status, _, calls = _run(["--yes", "--profile", "erin", "--seconds", "2", "--config",
                             str(conf_file), "--profiles-dir", str(folder)], "", audio)
    assert status == 0
    assert calls == [["live", "--config", str(conf_file), "--profiles-dir", str(folder)]]
    # a profile outside the default folder is saved by its path: live finds it without
    # --profiles-dir too
    ref = _user(user)["live"]["profile"]
    assert ref == str((folder / "erin.toml").resolve())
    args = build_parser().parse_args(["live"])
    _config(args)
    assert args.profile == ref


def test_redoing_the_devices_suggests_the_configured_ones(env, profile) -> None:
    user, profiles = env
    ProfileStore(profiles).save(profile, "alice")
    # neither is the first suggestion otherwise (the default input; the first monitor)
    save_user_config({"live": {"mic": "vc_mic", "far": "pulse.monitor other",
                               "profile": "alice"}, "coach": {"lang": "en"}}, user)
    status, out, _ = _run(["--yes", "--redo", "devices", "--no-live", "--levels-s", "1"], "",
                          FakeAudio(NAMES))
    assert status == 0 and "Step 1-2 (devices, levels): done" not in out
    assert _user(user)["live"]["mic"] == "vc_mic"
    assert _user(user)["live"]["far"] == "pulse.monitor other"


def test_yes_fails_on_a_refusal(env) -> None:
    with pytest.raises(UsageError, match="calibration refused"):
        _run(["--yes", "--profile", "f", "--seconds", "2", "--levels-s", "1", "--no-live"],
             "", FakeAudio(NAMES))


# ----------------------------------------------------------------------- second run --
def _first_run_done(user: Path, profiles: Path, profile) -> None:
    ProfileStore(profiles).save(profile, "alice")
    save_user_config({"live": {"mic": "vc_mic", "far": "vc_far", "profile": "alice"},
                      "coach": {"lang": "en"}}, user)


def test_second_run_skips_what_is_done(env, profile) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    audio = FakeAudio(NAMES)
    # no answers at all: any question would end the input and fail
    status, out, calls = _run([], "", audio)
    assert status == 0 and calls == [["live"]]
    assert "Step 1-2 (devices, levels): done" in out and "--redo devices" in out
    assert "Step 3 (calibration): done" in out and "--redo calibration" in out
    assert audio.opened == []  # no device was opened, nothing recorded


def test_second_run_redoes_devices_that_are_gone(env, profile, calm) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    audio = FakeAudio(["HDA Intel mic", "vc_far", "USB mic"], {"USB mic": [calm],
                                                              "vc_far": [_tone(3)]})
    status, out, _ = _run(["--no-live", "--levels-s", "1"], "2\n\n\n", audio)
    assert status == 0
    assert "Step 1-2 (devices, levels): done" not in out
    assert "Step 3 (calibration): done" in out
    assert _user(user)["live"]["mic"] == "USB mic"


def test_second_run_redoes_a_broken_profile(env, profile, monkeypatch) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    ProfileStore(profiles).path("alice").write_text("not a profile")
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array", lambda *a, **k: profile
    )
    status, out, _ = _run(["--no-live", "--seconds", "1"], "\n\n", FakeAudio(NAMES))
    assert status == 0
    assert "Step 1-2 (devices, levels): done" in out
    assert "Step 3 (calibration): done" not in out
    assert ProfileStore(profiles).load("alice").voiced_s == profile.voiced_s


def test_second_run_redoes_a_provisional_profile(env, profile, monkeypatch) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile.replace(provisional=True))  # learnt from a call
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array", lambda *a, **k: profile
    )
    status, out, _ = _run(["--no-live", "--seconds", "1"], "\n\n", FakeAudio(NAMES))
    assert status == 0
    assert "Step 3 (calibration): done" not in out
    assert not ProfileStore(profiles).load("alice").provisional


def test_second_run_with_mic_given_redoes_the_devices(env, profile) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    status, out, _ = _run(["--yes", "--no-live", "--levels-s", "1", "--mic", "HDA Intel mic"],
                          "", FakeAudio(NAMES))
    assert status == 0
    assert "Step 1-2 (devices, levels): done" not in out and "(--mic)" in out
    assert _user(user)["live"]["mic"] == "HDA Intel mic"
    assert _user(user)["live"]["far"] == "vc_far"


@pytest.mark.parametrize(("answer", "recorded"), [("", False), ("y", True)])
def test_an_existing_profile_is_used_or_recorded_again(env, profile, monkeypatch,
                                                       answer: str, recorded: bool) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    ProfileStore(profiles).save(profile, "carol")  # stored, without its speech kept
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array",
        lambda *a, **k: profile.replace(voiced_s=33.0),
    )
    answers = answer + "\n" + ("\n" if recorded else "")  # then Enter starts recording
    status, out, _ = _run(["--no-live", "--profile", "carol", "--seconds", "1"], answers,
                          FakeAudio(NAMES))
    assert status == 0
    assert "Profile 'carol' already exists. Record it again?" in out
    assert ("Using the stored profile 'carol'." in out) == (not recorded)
    assert (ProfileStore(profiles).load("carol").voiced_s == 33.0) == recorded
    assert _user(user)["live"]["profile"] == "carol"


@pytest.mark.parametrize(("redo", "steps"), [("devices", {"devices"}),
                                             ("calibration", {"calibration"}),
                                             ("all", {"devices", "calibration", "lang"})])
def test_redo(env, profile, calm, monkeypatch, redo: str, steps: set[str]) -> None:
    user, profiles = env
    _first_run_done(user, profiles, profile)
    monkeypatch.setattr(
        "voicecoach.baseline.calibration.calibrate_array",
        lambda *a, **k: profile.replace(voiced_s=33.0),
    )
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3)]})
    answers = ""
    if "devices" in steps:
        answers += "2\n\n\n"  # mic, far (suggested), keep
    if "calibration" in steps:
        answers += "\n\n"  # name (suggested: alice), start
    if "lang" in steps:
        answers += "fr\n"
    status, out, _ = _run(["--no-live", "--redo", redo, "--levels-s", "1", "--seconds", "1"],
                          answers, audio)
    assert status == 0
    assert ("Step 1-2 (devices, levels): done" in out) == ("devices" not in steps)
    assert ("Step 3 (calibration): done" in out) == ("calibration" not in steps)
    assert (ProfileStore(profiles).load("alice").voiced_s == 33.0) == ("calibration" in steps)
    assert _user(user)["coach"]["lang"] == ("fr" if "lang" in steps else "en")


# ---------------------------------------------------------------- user configuration --
def test_user_config_is_layered_under_the_command_line(env, tmp_path: Path) -> None:
    user, _ = env
    save_user_config({"coach": {"lang": "en"}, "live": {"mic": "vc_mic"}}, user)
    assert load_config(user=True).coach.lang == "en"
    assert load_config().coach.lang == "fr"  # the library reads no user file unless asked
    other = tmp_path / "other.toml"
    other.write_text('[coach]\nlang = "fr"\n')
    args = build_parser().parse_args(["live", "--config", str(other)])
    cfg = _config(args)
    assert cfg.coach.lang == "fr" and args.mic == "vc_mic"  # --config wins, key by key
    args = build_parser().parse_args(["live", "--mic", "USB"])
    _config(args)
    assert args.mic == "USB"  # the command line wins


def test_save_user_config_keeps_other_keys_and_refuses_bad_ones(env) -> None:
    user, _ = env
    user.parent.mkdir(parents=True)
    user.write_text("# mine\n[pitch]\nfmin_hz = 75.0\n[coach.rules.monotony]\nenabled = true\n")
    save_user_config({"live": {"far": "vc_far"}}, user)
    conf = _user(user)
    assert conf["pitch"]["fmin_hz"] == 75.0
    assert conf["coach"]["rules"]["monotony"]["enabled"] is True
    assert conf["live"]["far"] == "vc_far"
    before = user.read_text()
    with pytest.raises(ConfigError, match=r"did you mean live\.'mic'"):
        save_user_config({"live": {"mik": "x"}}, user)
    with pytest.raises(ConfigError, match="must be a string"):
        save_user_config({"live": {"mic": 3}}, user)
    assert user.read_text() == before  # nothing written


def test_broken_user_config_names_the_file(env) -> None:
    user, _ = env
    user.parent.mkdir(parents=True)
    user.write_text('[coach]\nlang = "de"\n')
    with pytest.raises(ConfigError, match=r"user configuration .*config\.toml.*lang must be"):
        load_config(user=True)
    build_parser()  # --help still works


# ------------------------------------------------------------ monitors via soundcard --
def test_device_audio_offers_the_loopback_modules_monitors(monkeypatch) -> None:
    """DeviceAudio lists and finds the monitors of voicecoach.sources.loopback (faked
    here: that module reads them through the optional soundcard package)."""
    import sys
    import types
    from dataclasses import dataclass

    from voicecoach.setup_wizard import DeviceAudio

    @dataclass(frozen=True)
    class Lb:
        id: str
        name: str
        far: str
        channels: int

    devs = [Lb("a.monitor", "Monitor of A", "a monitor", 2),
            Lb("vc_far.monitor", "Monitor of vc_far", "vc_far monitor", 1)]
    fake = types.ModuleType("voicecoach.sources.loopback")
    fake.list_loopbacks = lambda: devs
    fake.find_loopback = lambda spec, ds: next((d for d in ds if spec in (d.far, d.id)), None)
    monkeypatch.setitem(sys.modules, "voicecoach.sources.loopback", fake)
    pa = [_dev(0, "HDA Intel mic"), _dev(1, "vc_mic")]

    def find_input(spec):
        for d in pa:
            if str(spec) in (d.name, str(d.index)):
                return d
        raise DeviceError(f"no input device matches {spec!r}")

    monkeypatch.setattr("voicecoach.sources.devices.list_inputs", lambda: pa)
    monkeypatch.setattr("voicecoach.sources.devices.find_input", find_input)
    audio = DeviceAudio(load_config())
    far = audio.far_inputs()
    assert [d.name for d in far] == ["HDA Intel mic", "vc_mic", "a monitor", "vc_far monitor"]
    assert all(d.is_monitor_candidate and d.index < 0 for d in far[2:])
    assert audio.find("vc_far monitor") == far[3]
    assert audio.find("vc_mic") == pa[1]
    with pytest.raises(DeviceError, match="no input device matches 'nothing'"):
        audio.find("nothing")
    with pytest.raises(DeviceError, match="'7'"):
        audio.find("7")  # an index is PortAudio's only


# ------------------------------------------------------------- a growing profile --
def test_calibration_speech_is_kept_and_the_profile_grows(env, calm) -> None:
    import soundfile as sf

    _, profiles = env
    store = ProfileStore(profiles)
    audio = FakeAudio(NAMES, {"vc_mic": [calm], "vc_far": [_tone(3)]})
    base = ["--no-live", "--levels-s", "1", "--mic", "vc_mic", "--far", "vc_far", "--lang", "en"]
    status, out, _ = _run([*base, "--profile", "alice", "--seconds", "40"], "\n\n", audio)
    assert status == 0 and "Kept the calibration speech in" in out
    kept = profiles / "alice.flac"
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert sf.info(kept).duration == pytest.approx(40.0, abs=0.01)
    first = store.load("alice")

    # another day: --redo calibration offers to add; "a" grows the profile from both takes
    # (answers: keep the devices, the suggested name, a, start recording)
    status, out, _ = _run([*base, "--redo", "calibration", "--seconds", "40"], "\n\na\n\n", audio)
    assert status == 0
    assert "a: add calm speech to it, Enter: record it again" in out
    grown = store.load("alice")
    assert f"grown to {grown.speech_s:.0f} s of speech" in out
    assert grown.speech_s > 1.8 * first.speech_s
    assert "alice.flac" in grown.source and "mic vc_mic" in grown.source
    assert sf.info(kept).duration == pytest.approx(80.0, abs=0.01)

    # Enter records it again from scratch: the kept speech is the new take alone
    status, out, _ = _run([*base, "--redo", "calibration", "--seconds", "40"], "\n\n\n\n", audio)
    assert status == 0 and "grown to" not in out
    assert store.load("alice").speech_s == pytest.approx(first.speech_s)
    assert sf.info(kept).duration == pytest.approx(40.0, abs=0.01)

    # --no-keep-audio keeps none (and a profile without kept speech is not offered to grow)
    status, out, _ = _run([*base, "--profile", "bob", "--seconds", "40", "--no-keep-audio"],
                          "\n\n", audio)
    assert status == 0 and "Kept the calibration speech" not in out
    assert store.exists("bob") and store.calibration_audio("bob") == []
    status, out, _ = _run([*base, "--redo", "calibration", "--profile", "bob", "--seconds",
                           "40"], "\n\n", audio)
    assert status == 0 and "add calm speech" not in out


def test_setup_takes_every_display_that_live_takes() -> None:
    from voicecoach.config import DISPLAY_KINDS

    for kind in DISPLAY_KINDS:
        assert build_parser().parse_args(["setup", "--display", kind]).display == kind
        assert build_parser().parse_args(["live", "--display", kind]).display == kind
    assert "compact" in DISPLAY_KINDS


#: answers-free options of the band tests: no live start, a 1 s level check, known devices
BAND_ARGS = ["--no-live", "--levels-s", "1", "--mic", "vc_mic", "--far", "vc_far", "--lang", "en"]


def _calibrate_band(mic: np.ndarray, name: str, rates_hz=None, answers: str = "\n\n",
                    extra: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run setup's calibration on ``mic`` (40 s); ``rates_hz``: the audio layer's device
    rates (None: it gives none)."""
    audio = FakeAudio(NAMES, {"vc_mic": [mic], "vc_far": [_tone(3)]})
    if rates_hz is not None:
        audio.rates_hz = rates_hz
    args = [*BAND_ARGS, *(("--profile", name) if name else ()), *extra, "--seconds", "40"]
    status, out, _ = _run(args, answers, audio)
    return status, out


def test_a_grown_telephone_profile_keeps_its_band(env, calm) -> None:
    """The kept speech of an 8 kHz profile is read as 8 kHz audio when the profile grows."""
    store = ProfileStore(env[1])
    assert _calibrate_band(calm, "tel")[0] == 0
    # as if calibrated over a telephone line: its kept 16 kHz speech came from 8 kHz audio
    store.save(store.load("tel").replace(calibration_rate_hz=8000.0), "tel")
    status, out = _calibrate_band(calm, "", answers="\n\na\n\n", extra=("--redo", "calibration"))
    assert status == 0 and "grown to" in out
    assert store.load("tel").calibration_rate_hz == 8000.0


def test_the_profile_takes_the_microphone_device_rate(env, calm) -> None:
    """Calibrated from the microphone, the profile's band is the device's rate, as the live
    session takes it: an 8 kHz device gives a telephone profile; a rate the audio layer does
    not give reads as the analysis rate, even for telephone-band audio (live would not know
    either)."""
    import soxr

    store = ProfileStore(env[1])
    assert _calibrate_band(calm, "bt", rates_hz=[8000.0, 16000.0])[0] == 0
    assert store.load("bt").calibration_rate_hz == 8000.0
    tel = soxr.resample(soxr.resample(calm, 16000, 8000), 8000, 16000).astype(np.float32)
    assert _calibrate_band(tel, "pa")[0] == 0
    assert store.load("pa").calibration_rate_hz == 16000.0
