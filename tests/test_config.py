"""The configuration file is the one source of defaults."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from voicecoach.config import Config, default_config_path, load_config
from voicecoach.errors import ConfigError


def test_defaults_load_and_cover_every_field() -> None:
    cfg = load_config()
    raw = tomllib.loads(default_config_path().read_text())
    # every section and key in the file maps to a field and back (strict in both directions)
    assert set(raw) == {f.name for f in dataclasses.fields(Config)}
    for section in raw:
        obj = getattr(cfg, section)
        names = {f.name for f in dataclasses.fields(obj)}
        assert set(raw[section]) == names, section


def test_config_dataclasses_declare_no_defaults() -> None:
    # defaults live only in config/voicecoach.toml, never in Python: every section's class,
    # and the classes held in a section's tables (coach.rules' RuleConfig), walked by type
    import typing

    from voicecoach.config import RuleConfig

    seen, todo = set(), [Config]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING, f"{cls.__name__}.{f.name}"
            assert f.default_factory is dataclasses.MISSING, f"{cls.__name__}.{f.name}"
            for tp in (hints[f.name], *typing.get_args(hints[f.name])):
                if dataclasses.is_dataclass(tp) and tp not in seen:
                    todo.append(tp)
    assert RuleConfig in seen and len(seen) == 1 + len(dataclasses.fields(Config)) + 1


def test_unknown_key_suggests_the_closest(tmp_path) -> None:
    p = tmp_path / "u.toml"
    p.write_text("[pitch]\nfmin_hx = 70\n")
    with pytest.raises(ConfigError, match=r"pitch\.'fmin_hx'.*did you mean pitch\.'fmin_hz'"):
        load_config(p)


def test_user_file_overrides_a_subset(tmp_path) -> None:
    p = tmp_path / "u.toml"
    p.write_text("[pitch]\nfmin_hz = 75\n[coach.rules.pitch_high]\nthreshold = 3.0\n")
    cfg = load_config(p)
    assert cfg.pitch.fmin_hz == 75.0
    assert cfg.pitch.fmax_hz == load_config().pitch.fmax_hz
    assert cfg.coach.rules["pitch_high"].threshold == 3.0
    assert cfg.coach.rules["rate_high"] == load_config().coach.rules["rate_high"]


@pytest.mark.parametrize(
    ("over", "msg"),
    [
        ({"pitch": {"fmin_hz": "low"}}, "must be a number"),
        ({"pitch": {"fmin_hz": 600.0}}, "fmin_hz < fmax_hz"),
        ({"pitch": {"harmonic_weight": 1.5}}, "harmonic_weight in"),
        ({"pitch": {"harmonic_check": "yes"}}, "harmonic_check must be one of"),
        ({"pitch": {"harmonic_low_hz": 700.0}}, "harmonic_low_hz < harmonic_high_hz"),
        ({"vad": {"backend": "magic"}}, "backend must be"),
        ({"vad": {"webrtc_mode": 7}}, "webrtc_mode must be"),
        ({"vad": {"double_talk_keep_level_margin_db": 40.0}},
         "double_talk_keep_level_margin_db <= double_talk_keep_margin_db"),
        ({"syllables": {"lookahead_s": 0.5}}, "lookahead_s must be in"),
        ({"analysis": {"sample_rate": 8000}}, "resampled"),
        ({"analysis": {"max_input_rate": 1000}}, "min_input_rate <= max_input_rate, got 8000"),
        ({"coach": {"lang": "de"}}, "lang must be"),
        ({"coach": {"rules": {"shouting": {}}}}, "unknown configuration key"),
        # just past each bound
        ({"pitch": {"fmin_hz": 500.0, "fmax_hz": 500.0}}, "fmin_hz < fmax_hz"),
        ({"pitch": {"harmonic_weight": 0.0}}, "harmonic_weight in"),
        ({"vad": {"webrtc_mode": 4}}, "webrtc_mode must be"),
        ({"vad": {"double_talk_keep_margin_db": 30.0, "double_talk_keep_level_margin_db": 30.5}},
         "double_talk_keep_level_margin_db <= double_talk_keep_margin_db"),
        ({"vad": {"double_talk_start_near_margin_db": 14.5}},
         "double_talk_start_near_margin_db <= double_talk_start_margin_db"),
        ({"vad": {"double_talk_start_near_aec_threshold": -0.01}},
         "double_talk_start_near_aec_threshold must be in"),
        ({"syllables": {"lookahead_s": 0.1001}}, "lookahead_s must be in"),
        ({"analysis": {"max_input_rate": 7999}}, "min_input_rate <= max_input_rate"),
    ],
)
def test_bad_values_are_named(over: dict, msg: str) -> None:
    with pytest.raises(ConfigError, match=msg):
        load_config(overrides=over)


@pytest.mark.parametrize(
    "over",
    [
        {"pitch": {"fmin_hz": 30.0, "fmax_hz": 1000.0}},
        {"pitch": {"harmonic_weight": 1.0}},
        {"vad": {"webrtc_mode": 0}},
        {"vad": {"webrtc_mode": 3}},
        {"vad": {"double_talk_keep_margin_db": 30.0, "double_talk_keep_level_margin_db": 30.0}},
        {"syllables": {"lookahead_s": 0.1}},
        {"syllables": {"lookahead_s": 0.0}},
        {"analysis": {"min_input_rate": 16000, "max_input_rate": 16000}},
    ],
)
def test_values_on_a_bound_are_accepted(over: dict) -> None:
    cfg = load_config(overrides=over)
    for section, keys in over.items():
        for key, value in keys.items():
            assert getattr(getattr(cfg, section), key) == value


def test_missing_and_invalid_files(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[pitch\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    # a file saved in another encoding (UTF-16 by a Windows editor) and a folder: one clear
    # error each (a UnicodeDecodeError traceback, an IsADirectoryError before session 21)
    utf16 = tmp_path / "utf16.toml"
    utf16.write_text("[coach]\nlang = 'en'\n", encoding="utf-16")
    with pytest.raises(ConfigError, match=r"utf16.toml' is not UTF-8 text \(byte 0: b'\\xff'\)"):
        load_config(utf16)
    with pytest.raises(ConfigError, match=r"is a folder; give a \.toml file"):
        load_config(tmp_path)


def test_a_user_configuration_that_is_a_folder_is_an_error(tmp_path, monkeypatch) -> None:
    from voicecoach.config import read_user_config

    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path))  # was silently ignored
    with pytest.raises(ConfigError, match=r"user configuration .* is a folder"):
        load_config(user=True)
    with pytest.raises(ConfigError, match="is a folder"):
        read_user_config()
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "none.toml"))
    assert read_user_config() == {} and load_config(user=True) == load_config()


def test_user_file_then_path_then_overrides(tmp_path, monkeypatch) -> None:
    # the user file applies on top of the defaults (only when asked), a path on top of it,
    # the overrides last
    defaults = load_config()
    user = tmp_path / "user.toml"
    user.write_text("[pitch]\nfmin_hz = 75\nfmax_hz = 400\n[vad]\nwebrtc_mode = 1\n")
    monkeypatch.setenv("VOICECOACH_CONFIG", str(user))
    p = tmp_path / "p.toml"
    p.write_text("[pitch]\nfmin_hz = 80\n[vad]\nwebrtc_mode = 3\n")
    assert load_config() == defaults  # the library ignores the user file unless asked
    cfg = load_config(p, {"vad": {"webrtc_mode": 0}}, user=True)
    assert (cfg.pitch.fmin_hz, cfg.pitch.fmax_hz, cfg.vad.webrtc_mode) == (80.0, 400.0, 0)
    user.write_text("[pitch]\nfmin_hz = 600\n")
    with pytest.raises(ConfigError, match=r"user configuration .*user\.toml'.*fmin_hz < fmax_hz"):
        load_config(user=True)


def test_replace_keeps_other_values() -> None:
    # the values kept are this configuration's, not the defaults
    cfg = load_config(overrides={"vad": {"webrtc_mode": 3}, "pitch": {"fmax_hz": 400.0}})
    c2 = cfg.replace(pitch={"fmin_hz": 80.0})
    assert c2.pitch.fmin_hz == 80.0 and c2.pitch.fmax_hz == 400.0
    assert c2.vad == cfg.vad and c2.vad.webrtc_mode == 3
    assert cfg.pitch.fmin_hz == load_config().pitch.fmin_hz  # the original is unchanged


def test_analyzer_takes_its_defaults_from_the_file(tmp_path, monkeypatch) -> None:
    from voicecoach.analysis import ChannelAnalyzer

    cfg = load_config()
    # the file's, not a user configuration's: a library's results do not depend on it
    (tmp_path / "user.toml").write_text("[syllables]\nlookahead_s = 0.05\n")
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "user.toml"))
    an = ChannelAnalyzer()
    assert an.config == cfg
    assert an.hop_size == round(cfg.analysis.sample_rate * cfg.analysis.hop_s)
    assert an.syllable_lookahead_s == pytest.approx(cfg.syllables.lookahead_s)
