"""One source of defaults: every CLI option resolves from the loaded configuration.

The parser declares no default of its own (None, or False for a flag); options left unset
take their configuration key, from ``--config`` when given, else from
``config/voicecoach.toml``, and ``--help`` shows the shipped values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from voicecoach.cli import CONFIG_OPTIONS, _config, build_parser
from voicecoach.config import load_config

#: Minimal command lines of each subcommand (required arguments only).
ARGV = {
    "analyze": ["analyze", "x.wav"],
    "calibrate": ["calibrate", "--profile", "p", "--input", "x.wav"],
    "profile": ["profile", "list"],
    "review": ["review", "x.wav", "--out", "o"],
    "live": ["live"],
    "demo": ["demo"],
    "recordings": ["recordings", "prune", "--older-than", "30"],
    "setup": ["setup"],
}

#: A user file that changes every key the CLI takes a default from.
OTHER = """
[coach]
lang = "en"
[live]
display = "none"
replay_speed = 3.0
far_backend = "soundcard"
record_dir = "elsewhere"
calibrate_s = 12.0
mic = "USB"
far = "monitor"
profile = "alice"
[setup]
levels_s = 2.5
keep_audio = false
[review]
agent_channel = 1
jobs = 3
audio_copy = "flac"
full_paths = true
name_pattern = '(?P<agent>\\w+)-'
[analyze]
channel = "1"
format = "json"
[mono]
agent = "second"
voices = "detect"
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return dict(a.choices)
    raise AssertionError("no subcommands")


def _key(cfg, section: str, key: str):
    return getattr(getattr(cfg, section), key)


def _assert_acceptable(command: str, args: argparse.Namespace) -> None:
    """Each value taken from the configuration is one its option accepts (its choices, its
    type): a table entry naming the wrong key (``lang`` from ``[live] display``) fails here,
    where comparing with the table's own key cannot."""
    actions = {a.dest: a for a in _subparsers(build_parser())[command]._actions}
    for dest in CONFIG_OPTIONS.get(command, {}):
        a, value = actions[dest], getattr(args, dest)
        if value is None:
            continue
        if a.choices is not None:
            assert value in a.choices, (dest, value)
        if a.type in (int, float):
            assert isinstance(value, a.type) and not isinstance(value, bool), (dest, value)
        if isinstance(a, argparse.BooleanOptionalAction) or a.const is True:
            assert isinstance(value, bool), (dest, value)


def test_no_default_is_declared_in_the_parser() -> None:
    """Every option's default is None (or False for a flag): values come from the config."""
    declared = {}
    for name, sp in _subparsers(build_parser()).items():
        for a in sp._actions:
            if isinstance(a, argparse._HelpAction) or a.default is argparse.SUPPRESS:
                continue
            if a.default not in (None, False):
                declared[f"{name} {'/'.join(a.option_strings) or a.dest}"] = a.default
    assert declared == {}


def test_every_config_option_is_an_option_and_a_key() -> None:
    cfg = load_config()
    subs = _subparsers(build_parser())
    assert set(CONFIG_OPTIONS) <= set(subs)
    # the parametrised tests below reach every command that takes a configuration default
    assert set(CONFIG_OPTIONS) <= set(ARGV)
    for command, table in CONFIG_OPTIONS.items():
        dests = {a.dest for a in subs[command]._actions}
        for dest, (section, key) in table.items():
            assert dest in dests, f"{command}: no option for {dest}"
            _key(cfg, section, key)  # raises if the key does not exist


@pytest.mark.parametrize("command", sorted(ARGV))
def test_defaults_are_the_shipped_configuration(command: str) -> None:
    cfg = load_config()
    args = build_parser().parse_args(ARGV[command])
    _config(args)
    for dest, (section, key) in CONFIG_OPTIONS.get(command, {}).items():
        if dest == "record":
            assert args.record is None  # not recording unless asked
            continue
        assert getattr(args, dest) == _key(cfg, section, key), dest
    _assert_acceptable(command, args)


@pytest.mark.parametrize("command", sorted(ARGV))
def test_defaults_follow_a_config_file(command: str, tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text(OTHER)
    cfg = load_config(user)
    argv = [*ARGV[command], "--config", str(user)]
    if "record" in CONFIG_OPTIONS.get(command, {}):
        argv.append("--record")
    args = build_parser().parse_args(argv)
    got = _config(args)
    assert got == cfg
    table = CONFIG_OPTIONS.get(command, {})
    for dest, (section, key) in table.items():
        want = _key(cfg, section, key)
        assert want != _key(load_config(), section, key), f"OTHER must change {section}.{key}"
        assert getattr(args, dest) == want, dest
    _assert_acceptable(command, args)


def test_command_line_wins_over_the_config(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text(OTHER)
    args = build_parser().parse_args(
        ["review", "x.wav", "--out", "o", "--config", str(user), "--lang", "fr", "--jobs", "2"]
    )
    _config(args)
    assert (args.lang, args.jobs, args.audio_copy) == ("fr", 2, "flac")
    args = build_parser().parse_args(["live", "--record", "mine", "--config", str(user)])
    _config(args)
    assert args.record == "mine"


def test_help_shows_the_shipped_defaults(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["review", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: [coach] lang = 'fr')" in out
    assert "(default: [review] jobs = 1)" in out
    assert "(default: None)" not in out
