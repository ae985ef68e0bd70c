"""Profile files: storage, listing, deletion, location and error messages."""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

import pytest

from voicecoach.baseline import Profile
from voicecoach.errors import ParameterError, SourceError
from voicecoach.profiles import (
    ENV_VAR,
    ProfileExistsError,
    ProfileFormatError,
    ProfileNotFoundError,
    ProfileStore,
    default_profiles_dir,
    format_profile,
    load_profile,
    profile_to_toml,
)


def make(name: str = "alice", **kw) -> Profile:
    base = dict(
        name=name, f0_median_hz=121.5, f0_median_st=13.6, f0_p10_st=11.9, f0_p90_st=15.2,
        f0_spread_st=3.3, syllable_rate_median=4.1, syllable_rate_spread=1.2,
        articulation_rate_median=5.3, articulation_rate_spread=1.0, loudness_db=-23.4,
        pitch_level_st=13.5, pitch_calm_st=1.2, pitch_drift_st=0.3, pitch_measured_s=28.1,
        rate_level_sps=5.2, rate_calm_pct=11.5, rate_drift_pct=3.0, rate_measured_s=26.0,
        loudness_level_db=-23.6, loudness_calm_db=2.1, loudness_drift_db=0.4,
        loudness_measured_s=30.0, speech_s=31.2, voiced_s=19.8, provisional=False,
        source='calm "take" 1.wav (channel 0)',
        created_utc="2025-01-02T03:04:05Z",
    )
    base.update(kw)
    return Profile(**base)


def test_save_load_round_trip(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "p")
    # values to the 4 decimals a profile file keeps (make's own have one)
    p = make(syllable_rate_spread=math.nan, f0_median_st=13.6127, pitch_calm_st=1.2345,
             rate_calm_pct=11.5031, loudness_drift_db=0.0004)
    path = store.save(p)
    assert path == tmp_path / "p" / "alice.toml"
    back = store.load("alice")
    assert math.isnan(back.syllable_rate_spread)
    assert back.replace(syllable_rate_spread=0.0) == p.replace(syllable_rate_spread=0.0)
    # a small, readable TOML file with units
    text = path.read_text(encoding="utf-8")
    assert len(text) < 3500 and "f0_median_hz = 121.5" in text and "(Hz)" in text
    assert tomllib.loads(text)["schema"] == "voicecoach.profile/3"
    assert not list(path.parent.glob(".*tmp"))  # written atomically, no leftovers


def test_save_under_another_name(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.save(make("x"), "élodie.team-b")
    assert store.load("élodie.team-b").name == "élodie.team-b"


def test_list_and_delete(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "none-yet")
    assert store.list() == []
    for n in ("zoe", "alice", "bob"):
        store.save(make(n))
    (store.directory / "notes.txt").write_text("not a profile")
    assert store.list() == ["alice", "bob", "zoe"]
    assert store.delete("bob") == store.directory / "bob.toml"
    assert store.list() == ["alice", "zoe"] and not store.exists("bob")


def test_missing_profile_message(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.save(make("alice"))
    with pytest.raises(ProfileNotFoundError) as e:
        store.load("bob")
    assert isinstance(e.value, SourceError) and isinstance(e.value, OSError)
    assert str(e.value) == (
        f"profile 'bob' not found in {str(tmp_path)!r} (stored profiles: alice); create it "
        f"with `voicecoach calibrate --profile bob --input FILE`"
    )
    with pytest.raises(ProfileNotFoundError, match="no profiles are stored there"):
        ProfileStore(tmp_path / "empty").delete("bob")


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b", ".hidden", "x.toml", "a b", "_x",
                                  "n" * 65])
def test_invalid_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ParameterError, match=r"profile name .* is not valid; use 1-64 letters"):
        ProfileStore(tmp_path).save(make(), name)


def test_no_overwrite(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.save(make())
    with pytest.raises(ProfileExistsError, match=r"profile 'alice' already exists .*delete it"):
        store.save(make(), overwrite=False)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("this is = = not toml", r"is not valid TOML"),
        ('schema = "voicecoach.profile/3"\nname = "alice"\n', r"profile lacks .*calibrate again"),
        # /2 references were taken on the previous pitch and pace measures
        ('schema = "voicecoach.profile/2"\nname = "alice"\n',
         r"schema 'voicecoach.profile/2' is not supported .*calibrate again"),
    ],
)
def test_corrupt_file(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "alice.toml").write_text(text)
    with pytest.raises(ProfileFormatError, match=r"profile file '.*alice\.toml'.*" + match):
        ProfileStore(tmp_path).load("alice")


def test_a_profile_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    (tmp_path / "alice.toml").write_text('schema = "voicecoach.profile/3"\n', encoding="utf-16")
    with pytest.raises(ProfileFormatError, match=r"alice\.toml' is not UTF-8 text \(byte 0: "
                       r"b'\\xff'\): not a voicecoach profile, or damaged; .*calibrate again"):
        ProfileStore(tmp_path).load("alice")


def test_default_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert default_profiles_dir() == tmp_path / "env"
    assert ProfileStore().directory == tmp_path / "env"


def test_default_dir_xdg_without_platformdirs(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # import fails
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_profiles_dir() == tmp_path / "xdg" / "voicecoach" / "profiles"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_profiles_dir() == tmp_path / "home" / ".config" / "voicecoach" / "profiles"


def test_default_dir_with_platformdirs(monkeypatch, tmp_path: Path) -> None:
    import types

    monkeypatch.delenv(ENV_VAR, raising=False)
    # on Linux platformdirs gives $XDG_CONFIG_HOME/<app> too: a stand-in that answers
    # elsewhere tells its use from the fallback's
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    fake = types.ModuleType("platformdirs")
    fake.user_config_dir = lambda app: str(tmp_path / "platform" / app)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "platformdirs", fake)
    assert default_profiles_dir() == tmp_path / "platform" / "voicecoach" / "profiles"


def test_load_profile_by_name_or_path(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    path = store.save(make())
    assert load_profile("alice", tmp_path) == load_profile(str(path))
    other = tmp_path / "elsewhere.toml"
    other.write_text(profile_to_toml(make("carol")))
    assert load_profile(other).name == "carol"
    with pytest.raises(ProfileNotFoundError, match=r"profile file 'nope\.toml' does not exist"):
        load_profile("nope.toml")


def test_directory_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("")
    with pytest.raises(ParameterError, match="is a file; give a folder"):
        ProfileStore(f)


def test_format_profile() -> None:
    text = format_profile(make(articulation_rate_spread=math.nan))
    assert "median F0    121.5 Hz (13.60 st above 55 Hz)" in text
    assert "(spread n/a)" in text and "calibrated" in text
    assert "provisional" in format_profile(make(provisional=True))
    # the setup wizard's language: French labels and decimal commas, same columns
    fr = format_profile(make(articulation_rate_spread=math.nan), "fr")
    assert "F0 médiane   121,5 Hz (13,60 dt au-dessus de 55 Hz)" in fr
    assert "(dispersion n. d.)" in fr and "calibré" in fr
    assert all(line[12] == " " != line[13] for line in (*fr.splitlines(), *text.splitlines()))
    assert "provisoire (tiré d'un appel)" in format_profile(make(provisional=True), "fr")


VOICE = {
    "schema": "voicecoach.voice/1", "n_ceps": 2, "fmin_hz": 100.0, "fmax_hz": 3800.0,
    "gmm": {"weights": [0.5, 0.5], "means": [[0.0, 1.0], [1.0, 0.0]],
            "variances": [[1.0, 1.0], [1.0, 1.0]]},
    "pitch_st": [13.0, 1.0],
}


def test_a_profile_file_cut_short_anywhere_is_refused(tmp_path: Path) -> None:
    # a cut just before [voice] used to load silently, without the voice model
    store = ProfileStore(tmp_path)
    path = store.save(make(voice=VOICE))
    assert store.load("alice").voice["gmm"] == VOICE["gmm"]
    text = path.read_text()
    cuts = [i + 1 for i, c in enumerate(text[:-1]) if c == "\n"]  # after each line
    cuts += list(range(200, len(text) - 1, 97))  # and inside lines
    assert text.index("[voice]") in cuts
    announced = 0
    for cut in cuts:
        path.write_text(text[:cut])
        with pytest.raises(ProfileFormatError) as err:
            store.load("alice")
        msg = str(err.value)
        assert msg.startswith(f"profile file {str(path)!r}") and "calibrate again" in msg
        if "# A whole file ends with the line '# end of profile'.\n" in text[:cut]:
            announced += 1
            assert "is cut short" in msg  # else: cut in the header, every field missing
            assert msg.endswith("calibrate again to rebuild it (`voicecoach calibrate "
                                "--profile alice --mic ...` or `--input FILE`)")
    assert announced > len(cuts) // 2  # the checks above ran for most cuts
    path.write_text(text[: text.index("\n[voice]") + 1])
    with pytest.raises(ProfileFormatError, match=r"is cut short: it lacks its last line "
                                                 r"'# end of profile'"):
        store.load("alice")


@pytest.mark.parametrize(
    ("voice_toml", "problem"),
    [
        ('[voice]\nschema = "voicecoach.voice/1"\nn_ceps = 2\nfmin_hz = 100.0\n'
         'fmax_hz = 3800.0\n', "lacks gmm"),
        ('[voice]\nschema = "voicecoach.voice/1"\nn_ceps = 2\nfmin_hz = 100.0\n'
         'fmax_hz = 3800.0\n\n[voice.gmm]\nweights = [0.5, 0.5]\n', "lacks gmm.means, "
         "gmm.variances"),
        ('[voice]\nschema = "voicecoach.voice/1"\nn_ceps = 3\nfmin_hz = 100.0\n'
         'fmax_hz = 3800.0\n\n[voice.gmm]\nweights = [0.5, 0.5]\nmeans = [[0.0, 1.0], '
         '[1.0, 0.0]]\nvariances = [[1.0, 1.0], [1.0, 1.0]]\n',
         "has n_ceps = 3 but means of 2 cepstra"),
    ],
)
def test_a_partial_voice_model_is_a_clear_error(tmp_path: Path, capsys, voice_toml: str,
                                                problem: str) -> None:
    # a file from before the end line (no announcement) with a [voice] cut short: `profile
    # show` raised KeyError: 'gmm' (a traceback)
    from voicecoach.cli import main

    text = "".join(line for line in profile_to_toml(make()).splitlines(keepends=True)
                   if "end of profile" not in line)
    (tmp_path / "alice.toml").write_text(text + "\n" + voice_toml)
    with pytest.raises(ProfileFormatError, match=f"its voice model \\(\\[voice\\]\\) {problem}"):
        ProfileStore(tmp_path).load("alice")
    rc = main(["profile", "show", "alice", "--profiles-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == (f"Error: profile file {str(tmp_path / 'alice.toml')!r}: its voice model "
                   f"([voice]) {problem}; calibrate again to rebuild it (`voicecoach calibrate "
                   f"--profile alice --mic ...` or `--input FILE`)\n")


def test_stale_temporary_files_of_a_killed_write_are_not_profiles(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.save(make("alice"))
    text = profile_to_toml(make("bob"))
    (tmp_path / f".bob.toml.{12345}.tmp").write_text(text[: len(text) // 2])  # killed write
    (tmp_path / f".alice.toml.{12346}.tmp").write_text(text[:10])
    assert store.list() == ["alice"]
    assert store.load("alice").name == "alice"
    assert not store.exists("bob")
    # the temporary a real save leaves when killed before its rename (not only the names above)
    import voicecoach.profiles as profiles

    def killed(*a, **k):
        raise KeyboardInterrupt

    before = set(tmp_path.iterdir())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(profiles.os, "replace", killed)
        with pytest.raises(KeyboardInterrupt):
            store.save(make("carol"))
    assert len(set(tmp_path.iterdir()) - before) == 1  # its temporary is left
    assert store.list() == ["alice"] and not store.exists("carol")
