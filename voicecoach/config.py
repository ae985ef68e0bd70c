"""Configuration: typed, frozen sections loaded from ``config/voicecoach.toml``.

The TOML file shipped with voicecoach is the **one source of defaults**: the dataclasses
below declare names and types only, never default values. A user file passed with
``--config`` (or :func:`load_config`) overrides any subset of keys. Unknown keys are
errors that suggest the closest known key.

Examples
--------
>>> from voicecoach.config import load_config
>>> cfg = load_config()
>>> cfg.pitch.fmin_hz
60.0
>>> cfg = load_config(overrides={"pitch": {"fmin_hz": 75.0}})
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = [
    "AnalysisConfig",
    "AnalyzeConfig",
    "BaselineConfig",
    "CoachConfig",
    "Config",
    "ConversationConfig",
    "LiveConfig",
    "NoiseFloorConfig",
    "PitchConfig",
    "ReviewConfig",
    "RuleConfig",
    "SyllableConfig",
    "VadConfig",
    "default_config_path",
    "load_config",
]


@dataclass(frozen=True)
class AnalysisConfig:
    """Sampling of the analysis core."""

    sample_rate: int
    hop_s: float
    min_input_rate: int
    max_input_rate: int

    @property
    def hop_size(self) -> int:
        """Samples per hop at :attr:`sample_rate`."""
        return round(self.sample_rate * self.hop_s)


@dataclass(frozen=True)
class PitchConfig:
    """YIN pitch tracker settings (see :mod:`voicecoach.analysis.pitch`)."""

    fmin_hz: float
    fmax_hz: float
    window_s: float
    octave_bias: float
    max_aperiodicity: float
    hold_aperiodicity: float
    max_contrast: float
    min_level_db: float
    min_snr_db: float
    max_below_peak_db: float
    peak_window_s: float
    octave_cost: float
    memory_s: float


@dataclass(frozen=True)
class VadConfig:
    """Voice-activity decision settings (see :mod:`voicecoach.analysis.vad`)."""

    backend: str
    webrtc_mode: int
    silero_threshold: float
    silero_hold_threshold: float
    min_level_db: float
    keep_level_drop_db: float
    own_level_margin_db: float
    own_level_s: float
    own_level_init_db: float
    snr_margin_db: float
    keep_margin_db: float
    require_voicing: bool
    onset_s: float
    hangover_s: float


@dataclass(frozen=True)
class EchoConfig:
    """Echo canceller settings (see :mod:`voicecoach.analysis.echo`)."""

    enabled: bool
    bypass_after_s: float
    far_active_db: float
    erle_smooth_s: float
    converged_erle_db: float
    diverged_db: float
    echo_corr_on: float
    echo_corr_off: float
    detector_update_s: float


@dataclass(frozen=True)
class NoiseFloorConfig:
    """Adaptive noise-floor tracker settings."""

    rise_db_per_s: float
    min_db: float


@dataclass(frozen=True)
class SyllableConfig:
    """Syllable-nucleus detector settings (see :mod:`voicecoach.analysis.syllables`)."""

    window_s: float
    dip_db: float
    lookahead_s: float
    smooth_s: float
    min_prominence_db: float
    min_gap_s: float
    min_speech_s: float


@dataclass(frozen=True)
class ConversationConfig:
    """Two-party conversation tracker settings (see :mod:`voicecoach.conversation`)."""

    min_overlap_s: float
    backchannel_max_s: float
    turn_end_s: float
    simultaneous_start_s: float
    speech_onset_s: float
    speech_hangover_s: float
    speech_onset_gap_s: float
    turn_gap_s: float
    decision_bridge_s: float
    jump_in_s: float
    mutual_silence_s: float
    far_delay_s: float
    bleed_max_ratio_db: float
    bleed_self_margin_db: float
    bleed_max_delay_s: float
    bleed_corr_min: float
    bleed_window_s: float
    bleed_update_s: float
    bleed_min_active_s: float
    bleed_margin_db: float
    bleed_pitch_st: float


@dataclass(frozen=True)
class BaselineConfig:
    """Calm-baseline settings (see :mod:`voicecoach.baseline`)."""

    provisional_s: float
    pitch_window_s: float
    pitch_min_voiced_s: float
    pitch_octave_band_st: float
    loudness_window_s: float
    loudness_min_speech_s: float
    rate_window_s: float
    utterance_gap_s: float
    utterance_min_voiced_s: float
    calm_quantile: float
    min_calibration_voiced_s: float
    clip_fraction_max: float
    clip_level: float
    silence_peak_db: float


@dataclass(frozen=True)
class RuleConfig:
    """One coaching rule: a threshold held for ``sustain_s``, released below
    ``threshold - hysteresis``, then silent for ``cooldown_s``."""

    threshold: float
    sustain_s: float
    hysteresis: float
    cooldown_s: float
    enabled: bool
    deescalate: bool


@dataclass(frozen=True)
class CoachConfig:
    """Coach settings and its rules, keyed by rule name."""

    lang: str
    global_gap_s: float
    display_s: float
    deescalation_factor: float
    agitation_pitch_st: float
    agitation_loudness_db: float
    agitation_sustain_s: float
    agitation_hold_s: float
    jump_in_window_s: float
    monotony_spread_st: float
    monotony_window_s: float
    monotony_min_voiced_s: float
    pitch_calm_margin_st: float
    pitch_threshold_max_st: float
    rate_calm_margin_pct: float
    rate_threshold_max_pct: float
    loudness_calm_margin_db: float
    loudness_threshold_max_db: float
    min_baseline_s: float
    max_baseline_drift: float
    rules: dict[str, RuleConfig]


@dataclass(frozen=True)
class LiveConfig:
    """Live-mode settings."""

    blocksize_hops: int
    queue_max_s: float
    display: str
    fps: float
    history_s: float
    record_format: str
    terminal_fps_max: float
    calibrate_s: float
    replay_speed: float
    record_dir: str
    far_backend: str
    latency: str
    prefer_rate: int
    min_channels: int
    stall_timeout_s: float
    start_timeout_s: float
    drift_correction: bool
    drift_min_window_s: float
    drift_min_ppm: float
    realign_ms: float


@dataclass(frozen=True)
class ReviewConfig:
    """``voicecoach review`` settings."""

    agent_channel: int
    jobs: int
    audio_copy: str
    name_pattern: str
    identical_check_s: float
    identical_below_db: float
    full_paths: bool


@dataclass(frozen=True)
class AnalyzeConfig:
    """``voicecoach analyze`` output settings."""

    channel: str
    format: str


@dataclass(frozen=True)
class Config:
    """The whole configuration. Build it with :func:`load_config`."""

    analysis: AnalysisConfig
    pitch: PitchConfig
    vad: VadConfig
    echo: EchoConfig
    noise_floor: NoiseFloorConfig
    syllables: SyllableConfig
    conversation: ConversationConfig
    baseline: BaselineConfig
    coach: CoachConfig
    live: LiveConfig
    review: ReviewConfig
    analyze: AnalyzeConfig

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as nested plain dicts (TOML-shaped)."""
        return dataclasses.asdict(self)

    def replace(self, **sections: dict[str, Any]) -> Config:
        """Return a copy with some keys overridden, e.g. ``cfg.replace(pitch={"fmin_hz": 75})``."""
        return _build(Config, _merge(self.to_dict(), sections), "")


def default_config_path() -> Path:
    """Path of the default ``voicecoach.toml`` (the repository's ``config/`` in a
    source checkout, the copy inside the installed wheel otherwise)."""
    repo = Path(__file__).resolve().parents[1] / "config" / "voicecoach.toml"
    if repo.is_file():
        return repo
    return Path(str(resources.files("voicecoach") / "_defaults" / "voicecoach.toml"))


_DEFAULTS: dict[str, Any] | None = None


def _defaults() -> dict[str, Any]:
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = _read_toml(default_config_path())
    return copy.deepcopy(_DEFAULTS)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file {str(path)!r} does not exist; give an existing .toml file "
            f"(see config/voicecoach.toml for every key)"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"configuration file {str(path)!r} is not valid TOML: {e}") from None


def _merge(base: dict[str, Any], over: dict[str, Any], where: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key not in base:
            _unknown(key, base.keys(), where)
        if isinstance(value, dict) and isinstance(base[key], dict):
            out[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


def _unknown(key: str, known: typing.Iterable[str], where: str) -> typing.NoReturn:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {where}{close[0]!r}?" if close else ""
    raise ConfigError(
        f"unknown configuration key {where}{key!r}{hint} "
        f"Known keys here: {', '.join(sorted(known))}"
    )


def _coerce(value: Any, tp: Any, name: str) -> Any:
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"configuration section {name!r} must be a table, got {value!r}")
        return _build(tp, value, name + ".")
    origin = typing.get_origin(tp)
    if origin is dict:
        _, vtp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"configuration key {name!r} must be a table, got {value!r}")
        return {k: _coerce(v, vtp, f"{name}.{k}") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"configuration key {name!r} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"configuration key {name!r} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"configuration key {name!r} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"configuration key {name!r} must be a string, got {value!r}")
        return value
    if isinstance(tp, types.UnionType):  # pragma: no cover - not used yet
        return value
    raise ConfigError(f"unsupported type {tp!r} for {name!r}")  # pragma: no cover


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            _unknown(key, fields, where)
    missing = fields - data.keys()
    if missing:
        raise ConfigError(
            f"configuration section {where.rstrip('.') or 'top level'!r} lacks "
            f"{', '.join(sorted(missing))}; add them (see config/voicecoach.toml)"
        )
    kwargs = {name: _coerce(data[name], hints[name], f"{where}{name}") for name in fields}
    obj = cls(**kwargs)
    _validate(obj, where)
    return obj


def _validate(obj: Any, where: str) -> None:
    def bad(msg: str) -> typing.NoReturn:
        raise ConfigError(f"{where.rstrip('.')}: {msg}")

    if isinstance(obj, AnalysisConfig):
        if obj.sample_rate != 16000 or abs(obj.hop_s - 0.01) > 1e-12:
            bad(
                f"the analysis core runs at sample_rate=16000 and hop_s=0.01, got "
                f"{obj.sample_rate} and {obj.hop_s}; inputs at other rates are resampled"
            )
    elif isinstance(obj, PitchConfig):
        if not 30.0 <= obj.fmin_hz < obj.fmax_hz <= 1000.0:
            bad(
                f"need 30 <= fmin_hz < fmax_hz <= 1000, got fmin_hz={obj.fmin_hz}, "
                f"fmax_hz={obj.fmax_hz}"
            )
        if not 0.0 <= obj.octave_bias < 1.0:
            bad(f"octave_bias must be in [0, 1), got {obj.octave_bias}")
        if not 0.0 < obj.max_aperiodicity <= obj.hold_aperiodicity < 2.0:
            bad(
                f"need 0 < max_aperiodicity <= hold_aperiodicity < 2, got "
                f"{obj.max_aperiodicity} and {obj.hold_aperiodicity}"
            )
        if not 0.005 <= obj.window_s <= 0.1:
            bad(f"window_s must be in [0.005, 0.1] s, got {obj.window_s}")
    elif isinstance(obj, VadConfig):
        if obj.backend not in ("webrtc", "silero"):
            bad(f"backend must be 'webrtc' or 'silero', got {obj.backend!r}")
        if not 0.0 < obj.silero_hold_threshold <= obj.silero_threshold < 1.0:
            bad(
                f"need 0 < silero_hold_threshold <= silero_threshold < 1, got "
                f"{obj.silero_hold_threshold} and {obj.silero_threshold}"
            )
        if obj.webrtc_mode not in (0, 1, 2, 3):
            bad(f"webrtc_mode must be 0, 1, 2 or 3, got {obj.webrtc_mode}")
        if obj.onset_s < 0 or obj.hangover_s < 0:
            bad("onset_s and hangover_s must be >= 0")
    elif isinstance(obj, EchoConfig):
        if not 0.0 < obj.echo_corr_off <= obj.echo_corr_on <= 1.0:
            bad(
                f"need 0 < echo_corr_off <= echo_corr_on <= 1, got {obj.echo_corr_off} and "
                f"{obj.echo_corr_on}"
            )
        if obj.bypass_after_s <= 0 or obj.erle_smooth_s <= 0:
            bad("bypass_after_s and erle_smooth_s must be > 0 s")
    elif isinstance(obj, SyllableConfig):
        if not 0.5 <= obj.window_s <= 30.0:
            bad(f"window_s must be in [0.5, 30] s, got {obj.window_s}")
        if not 0.0 <= obj.lookahead_s <= 0.1:
            bad(f"lookahead_s must be in [0, 0.1] s (the stated lookahead), got {obj.lookahead_s}")
    elif isinstance(obj, ConversationConfig):
        for name in ("min_overlap_s", "turn_gap_s", "bleed_window_s", "bleed_update_s",
                     "speech_onset_s", "speech_hangover_s"):
            if getattr(obj, name) <= 0:
                bad(f"{name} must be > 0 s, got {getattr(obj, name)}")
        for name in ("backchannel_max_s", "turn_end_s", "simultaneous_start_s",
                     "decision_bridge_s", "jump_in_s", "mutual_silence_s", "far_delay_s",
                     "bleed_max_delay_s", "bleed_min_active_s"):
            if getattr(obj, name) < 0:
                bad(f"{name} must be >= 0 s, got {getattr(obj, name)}")
        if obj.bleed_window_s < 2 * obj.bleed_max_delay_s:
            bad(f"bleed_window_s ({obj.bleed_window_s} s) must be at least twice "
                f"bleed_max_delay_s ({obj.bleed_max_delay_s} s); lengthen the window")
    elif isinstance(obj, CoachConfig) and obj.lang not in ("fr", "en"):
        bad(f"lang must be 'fr' or 'en', got {obj.lang!r}")
    elif isinstance(obj, LiveConfig):
        if obj.display not in ("auto", "window", "terminal", "none"):
            bad(f"display must be auto, window, terminal or none, got {obj.display!r}")
        if obj.far_backend not in ("auto", "sounddevice", "soundcard"):
            bad(f"far_backend must be 'auto', 'sounddevice' or 'soundcard', "
                f"got {obj.far_backend!r}")
        if not obj.replay_speed > 0:
            bad(f"replay_speed must be > 0 (inf: as fast as possible), got {obj.replay_speed}")
    elif isinstance(obj, ReviewConfig):
        if obj.agent_channel not in (0, 1):
            bad(f"agent_channel must be 0 or 1, got {obj.agent_channel}")
        if obj.jobs < 1:
            bad(f"jobs must be >= 1, got {obj.jobs}")
        if obj.audio_copy not in ("ogg", "flac", "link", "none"):
            bad(f"audio_copy must be ogg, flac, link or none, got {obj.audio_copy!r}")
    elif isinstance(obj, AnalyzeConfig) and obj.format not in ("csv", "json"):
        bad(f"format must be 'csv' or 'json', got {obj.format!r}")


def load_config(
    path: str | os.PathLike[str] | None = None, overrides: dict[str, Any] | None = None
) -> Config:
    """Load the configuration.

    Parameters
    ----------
    path : path-like, optional
        A user TOML file whose keys override the defaults. Any subset of keys may be given.
    overrides : dict, optional
        Nested dict of further overrides, applied after ``path``.

    Returns
    -------
    Config
        The frozen configuration.

    Raises
    ------
    ConfigError
        For a missing or invalid file, an unknown key (with a suggestion) or a bad value.
    """
    data = _defaults()
    if path is not None:
        data = _merge(data, _read_toml(Path(path)))
    if overrides:
        data = _merge(data, overrides)
    return _build(Config, data, "")
