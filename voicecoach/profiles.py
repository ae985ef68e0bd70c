"""Calm-speech profiles on disk: one small, readable TOML file per profile.

Location: ``ProfileStore(directory)``; without a directory, the ``VOICECOACH_PROFILES``
environment variable, else the user configuration directory
(``platformdirs.user_config_dir("voicecoach")/profiles`` when platformdirs is installed,
else ``$XDG_CONFIG_HOME/voicecoach/profiles``, i.e. ``~/.config/voicecoach/profiles``).

A profile named ``alice`` is ``<directory>/alice.toml``. Names are 1–64 letters, digits,
``_``, ``-`` or ``.``, starting with a letter or digit. The file holds the fields of
:class:`~voicecoach.baseline.Profile` with their units as comments; ``nan`` marks a value
that could not be measured.

Examples
--------
>>> import tempfile
>>> from voicecoach.profiles import ProfileStore
>>> store = ProfileStore(tempfile.mkdtemp())
>>> store.list()
[]
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tomllib
from pathlib import Path

import numpy as np

from .baseline.profile import PROFILE_SCHEMA, Profile
from .config import TELEPHONE_RATE_HZ
from .errors import (
    ParameterError,
    ProfileExistsError,
    ProfileFormatError,
    ProfileNotFoundError,
    SourceError,
    not_utf8,
)
from .privacy import open_private, private_dir

__all__ = [
    "ENV_VAR",
    "ProfileExistsError",
    "ProfileFormatError",
    "ProfileNotFoundError",
    "ProfileStore",
    "default_profiles_dir",
    "format_profile",
    "load_profile",
    "profile_from_toml",
    "profile_to_toml",
]

#: Environment variable that overrides the default profile directory.
ENV_VAR = "VOICECOACH_PROFILES"
_NAME = re.compile(r"^[^\W_][\w.-]{0,63}$")
_SUFFIX = ".toml"
#: The last line of a profile file. Its header announces it (:data:`_ANNOUNCE`), so a file
#: cut short (an interrupted write, a partial copy) is told from a whole one; files written
#: before the announcement existed are read as before.
_END = "# end of profile"
_ANNOUNCE = f"# A whole file ends with the line '{_END}'."
#: Keys of the ``[voice]`` table (``pitch_st`` is optional) and of ``[voice.gmm]``.
_VOICE_KEYS = ("schema", "n_ceps", "fmin_hz", "fmax_hz", "gmm")
_GMM_KEYS = ("weights", "means", "variances")
#: Calibration recordings kept beside a profile (``NAME.wav``, or ``NAME.flac`` as
#: ``voicecoach calibrate --keep-audio`` writes it); deleted with it.
CALIBRATION_AUDIO = (".wav", ".flac")

_DOC = {
    "name": "profile name",
    "f0_median_hz": "median F0 of voiced speech (Hz)",
    "f0_median_st": "the same in semitones above 55 Hz: 12*log2(f0/55)",
    "f0_p10_st": "10th percentile of voiced F0 (st above 55 Hz)",
    "f0_p90_st": "90th percentile of voiced F0 (st above 55 Hz)",
    "f0_spread_st": "p90 - p10 (semitones)",
    "syllable_rate_median": "median rolling syllable rate (syllables/s, pauses included)",
    "syllable_rate_spread": "p90 - p10 of it (syllables/s)",
    "articulation_rate_median": "median rolling articulation rate (syllables/s of speech)",
    "articulation_rate_spread": "p90 - p10 of it (syllables/s)",
    "loudness_db": "speech level: power mean of speech hops (dBFS)",
    "pitch_level_st": "reference of the pitch measure: median on calm speech (st above 55 Hz)",
    "pitch_calm_st": "calm excursion of the pitch delta (calm_quantile, st)",
    "pitch_drift_st": "first half vs second half of the calibration (st): stability",
    "pitch_measured_s": "seconds of speech where the pitch measure was defined",
    "rate_level_sps": "reference of the pace measure: median on calm speech (syllables/s)",
    "rate_calm_pct": "calm excursion of the pace delta (calm_quantile, %)",
    "rate_drift_pct": "first half vs second half of the calibration (%): stability",
    "rate_measured_s": "seconds of speech where the pace measure was defined",
    "loudness_level_db": "reference of the loudness measure: median on calm speech (dBFS)",
    "loudness_calm_db": "calm excursion of the loudness delta (calm_quantile, dB)",
    "loudness_drift_db": "first half vs second half of the calibration (dB): stability",
    "loudness_measured_s": "seconds of speech where the loudness measure was defined",
    "speech_s": "seconds of speech used",
    "voiced_s": "seconds of voiced speech used",
    "provisional": "true for a baseline taken from a call's first seconds",
    "source": "recording it was computed from",
    "created_utc": "creation time (ISO 8601, UTC)",
    "calibration_rate_hz": "lowest sample rate of the calibration recordings (Hz; 8000 or "
    "less: telephone audio; left out: unknown)",
}


def default_profiles_dir() -> Path:
    """The profile directory when none is given (see the module notes).

    Returns
    -------
    Path
        ``$VOICECOACH_PROFILES`` if set, else ``profiles`` in the user config directory
        (not created).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base).expanduser() / "voicecoach" / "profiles"
    return Path(platformdirs.user_config_dir("voicecoach")) / "profiles"


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(round(v, 4))
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a valid TOML basic string


def profile_to_toml(profile: Profile) -> str:
    """The text of a profile file (TOML with unit comments).

    Parameters
    ----------
    profile : Profile

    Returns
    -------
    str
        TOML: ``schema``, every field with its unit in a comment (NaN written as ``nan``),
        then a ``[telephone]`` table of the telephone-band references and a ``[voice]``
        table, when the profile has them.
    """
    lines = [
        "# voicecoach calm-speech profile. Semitones (st) are 12*log2(f0 / 55 Hz).",
        "# Written by `voicecoach calibrate`; nan marks a value that could not be measured.",
        _ANNOUNCE,
        f"schema = {_toml_value(PROFILE_SCHEMA)}",
    ]
    for f in dataclasses.fields(profile):
        if f.name in ("voice", "telephone") or getattr(profile, f.name) is None:  # None: unknown
            continue
        lhs = f"{f.name} = {_toml_value(getattr(profile, f.name))}"
        lines.append(f"{lhs:<40s} # {_DOC[f.name]}" if f.name in _DOC else lhs)
    if profile.telephone is not None:
        lines += ["", "# The same references over a simulated telephone line: an 8 kHz call is "
                  "judged against these.", "[telephone]"]
        for k, v in profile.telephone.items():
            lhs = f"{k} = {_toml_value(v)}"
            lines.append(f"{lhs:<40s} # {_DOC[k]}" if k in _DOC else lhs)
    if profile.voice is not None:
        lines += ["", "# The voice model: tells the agent's speech on a mono call (review).",
                  "[voice]", *_voice_lines(profile.voice)]
    return "\n".join([*lines, "", _END]) + "\n"


def _voice_lines(voice: dict[str, object], table: str = "voice") -> list[str]:
    """TOML lines of the voice model table (scalars and arrays first, then sub-tables)."""
    out: list[str] = []
    subs = []
    for k, v in voice.items():
        if isinstance(v, dict):
            subs.append((k, v))
        elif v is not None:
            out.append(f"{k} = {json.dumps(v)}")
    for k, v in subs:
        out += ["", f"[{table}.{k}]", *_voice_lines(v, f"{table}.{k}")]
    return out


def profile_from_toml(text: str, what: str = "profile",
                      fix: str = "calibrate again to rebuild it") -> Profile:
    """Parse the text of a profile file.

    Parameters
    ----------
    text : str
        As written by :func:`profile_to_toml`.
    what : str
        What the text is, for messages (``profile file '/…/alice.toml'``).
    fix : str
        How to fix a bad file, for messages.

    Returns
    -------
    Profile

    Raises
    ------
    ProfileFormatError
        Cut short (its header announces a last line it lacks), not TOML, or not a valid
        profile: a missing or wrong field, or a ``[voice]`` table without all its keys
        (the message names ``what``, what is wrong and ``fix``).
    """
    if _ANNOUNCE in text and text.rstrip().rsplit("\n", 1)[-1].strip() != _END:
        raise ProfileFormatError(
            f"{what} is cut short: it lacks its last line {_END!r} (a write was interrupted "
            f"or the copy is partial); {fix}"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileFormatError(f"{what} is not valid TOML ({e}); {fix}") from None
    try:
        profile = Profile.from_dict(data)
    except ParameterError as e:
        raise ProfileFormatError(f"{what}: {e}") from None
    if profile.voice is not None:
        problem = _voice_problem(profile.voice)
        if problem:
            raise ProfileFormatError(f"{what}: its voice model ([voice]) {problem}; {fix}")
    return profile


def _voice_problem(voice: dict[str, object]) -> str | None:
    """What is wrong with a profile's voice model table, or None."""
    from .conversation.diarize import VOICE_SCHEMA, DiagGMM

    missing = [k for k in _VOICE_KEYS if k not in voice]
    gmm = voice.get("gmm")
    if isinstance(gmm, dict):
        missing += [f"gmm.{k}" for k in _GMM_KEYS if k not in gmm]
    if missing:
        return f"lacks {', '.join(missing)}"
    if voice["schema"] != VOICE_SCHEMA:
        return f"has schema {voice['schema']!r}, not {VOICE_SCHEMA!r}"
    if not isinstance(gmm, dict):
        return f"has gmm = {gmm!r}, not a table"
    try:
        g = DiagGMM.from_dict(gmm)
    except ParameterError as e:
        return str(e).removeprefix("voice model ").removesuffix("; calibrate again")
    if voice["n_ceps"] != g.means.shape[1]:
        return f"has n_ceps = {voice['n_ceps']!r} but means of {g.means.shape[1]} cepstra"
    return None


def format_profile(profile: Profile, lang: str = "en") -> str:
    """Human-readable summary of a profile, several lines (for ``voicecoach profile show``).

    Parameters
    ----------
    profile : Profile
    lang : {"en", "fr"}
        The language of the labels and the decimal mark (the ``PROFILE`` table of
        :mod:`voicecoach.locale`). ``profile show`` prints English, like the CLI's other
        output; the setup wizard passes its own language.

    Returns
    -------
    str
        Lines without a final newline (Hz, semitones, syllables/s, dBFS, s; n/a for NaN).

    Raises
    ------
    ParameterError
        For an unsupported language.
    """
    from .i18n import number, texts

    p = profile
    t = texts(lang).PROFILE

    def num(v: float, fmt: str) -> str:
        return t["na"] if not math.isfinite(v) else format(number(float(v), lang), fmt)

    def s0(v: float) -> str:
        return format(number(float(v), lang), ".0f")

    kind = t["provisional"] if p.provisional else t["calibrated"]
    return "\n".join(
        [
            t["profile"].format(name=p.name or t["unnamed"], kind=kind),
            t["f0"].format(hz=num(p.f0_median_hz, ".1f"), st=num(p.f0_median_st, ".2f")),
            t["range"].format(p10=num(p.f0_p10_st, ".2f"), p90=num(p.f0_p90_st, ".2f"),
                              spread=num(p.f0_spread_st, ".2f")),
            t["articulation"].format(rate=num(p.articulation_rate_median, ".2f"),
                                     spread=num(p.articulation_rate_spread, ".2f")),
            t["syllables"].format(rate=num(p.syllable_rate_median, ".2f"),
                                  spread=num(p.syllable_rate_spread, ".2f")),
            t["loudness"].format(db=num(p.loudness_db, ".1f")),
            t["measures"].format(
                pitch=num(p.pitch_level_st, ".2f"), pitch_calm=num(p.pitch_calm_st, ".2f"),
                pitch_drift=num(p.pitch_drift_st, ".2f"), pitch_s=s0(p.pitch_measured_s),
                rate=num(p.rate_level_sps, ".2f"), rate_calm=num(p.rate_calm_pct, ".0f"),
                rate_drift=num(p.rate_drift_pct, ".0f"), rate_s=s0(p.rate_measured_s),
                loud=num(p.loudness_level_db, ".1f"), loud_calm=num(p.loudness_calm_db, ".1f"),
                loud_drift=num(p.loudness_drift_db, ".1f"), loud_s=s0(p.loudness_measured_s),
            ),
            t["measured"].format(speech=format(number(float(p.speech_s), lang), ".1f"),
                                 voiced=format(number(float(p.voiced_s), lang), ".1f")),
            t["source"].format(source=p.source or "-"),
            *([] if p.calibration_rate_hz is None else [t[
                "band" if p.telephone is None else "band_lines"].format(
                khz=format(number(p.calibration_rate_hz / 1000, lang), "g"),
                band=texts(lang).NOTES[
                    "band_tel" if p.calibration_rate_hz <= TELEPHONE_RATE_HZ else "band_wide"])]),
            *([] if p.telephone is None else [t["telephone"].format(
                pitch=num(p.telephone["pitch_level_st"], ".2f"),
                rate=num(p.telephone["rate_level_sps"], ".2f"),
                loud=num(p.telephone["loudness_level_db"], ".1f"))]),
            t["created"].format(created=p.created_utc or "-"),
            t["voice"].format(n=len(p.voice["gmm"]["weights"])) if p.voice else t["no_voice"],
        ]
    )


class ProfileStore:
    """A directory of profile files.

    Parameters
    ----------
    directory : path-like, optional
        Defaults to :func:`default_profiles_dir`. Created on the first :meth:`save`.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_profiles_dir()
        if self.directory.exists() and not self.directory.is_dir():
            raise ParameterError(
                f"profile directory {str(self.directory)!r} is a file; give a folder "
                f"(--profiles-dir or {ENV_VAR})"
            )

    @staticmethod
    def check_name(name: str) -> str:
        """Return ``name`` if valid, else raise :class:`ParameterError`.

        Parameters
        ----------
        name : str
            1-64 letters, digits, ``_``, ``-`` or ``.``, starting with a letter or digit,
            without the ``.toml`` extension.

        Returns
        -------
        str
            ``name`` unchanged.

        Raises
        ------
        ParameterError
            For any other value.
        """
        if not isinstance(name, str) or not _NAME.match(name) or name.endswith(_SUFFIX):
            raise ParameterError(
                f"profile name {name!r} is not valid; use 1-64 letters, digits, '_', '-' or "
                f"'.', starting with a letter or digit, without the .toml extension "
                f"(e.g. 'alice' or 'team-b.alice')"
            )
        return name

    def path(self, name: str) -> Path:
        """The file of profile ``name``.

        Parameters
        ----------
        name : str
            A valid profile name (:meth:`check_name`).

        Returns
        -------
        Path
            ``<directory>/<name>.toml``, whether or not it exists.

        Raises
        ------
        ParameterError
            For an invalid name.
        """
        return self.directory / (self.check_name(name) + _SUFFIX)

    def exists(self, name: str) -> bool:
        """True if profile ``name`` is stored.

        Parameters
        ----------
        name : str
            A valid profile name.

        Returns
        -------
        bool

        Raises
        ------
        ParameterError
            For an invalid name.
        """
        return self.path(name).is_file()

    def list(self) -> list[str]:
        """Names of the stored profiles, sorted.

        Returns
        -------
        list of str
            Empty when the directory does not exist.
        """
        if not self.directory.is_dir():
            return []
        files = self.directory.glob("*" + _SUFFIX)
        return sorted(p.stem for p in files if p.is_file() and _NAME.match(p.stem))

    def _not_found(self, name: str) -> ProfileNotFoundError:
        have = self.list()
        known = f"stored profiles: {', '.join(have)}" if have else "no profiles are stored there"
        return ProfileNotFoundError(
            f"profile {name!r} not found in {str(self.directory)!r} ({known}); create it with "
            f"`voicecoach calibrate --profile {name} --input FILE`"
        )

    def save(self, profile: Profile, name: str | None = None, *, overwrite: bool = True) -> Path:
        """Write a profile (atomically) and return its path.

        Parameters
        ----------
        profile : Profile
        name : str, optional
            Defaults to ``profile.name``; the stored profile carries this name.
        overwrite : bool
            If False, an existing profile raises :class:`ProfileExistsError`.

        Returns
        -------
        Path
            The profile's file.

        Raises
        ------
        ParameterError
            If ``profile`` is not a Profile or the name is invalid.
        ProfileExistsError
            With ``overwrite=False`` and the profile already stored.
        SourceError
            If the directory or file cannot be written.
        """
        if not isinstance(profile, Profile):
            raise ParameterError(f"save takes a Profile, got {type(profile).__name__}")
        name = self.check_name(name if name is not None else profile.name)
        path = self.path(name)
        if not overwrite and path.exists():
            raise ProfileExistsError(
                f"profile {name!r} already exists ({str(path)!r}); choose another name or "
                f"delete it first (`voicecoach profile delete {name}`)"
            )
        try:
            private_dir(self.directory, own=False)  # --profiles-dir may be any folder
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open_private(tmp, "w", encoding="utf-8") as f:
                f.write(profile_to_toml(profile.replace(name=name)))
                f.flush()
                os.fsync(f.fileno())  # on disk before it replaces the old one
            os.replace(tmp, path)
        except OSError as e:
            raise SourceError(
                f"cannot write profile {name!r} to {str(self.directory)!r}: {e.strerror or e}; "
                f"choose a writable folder with --profiles-dir or {ENV_VAR}"
            ) from None
        return path

    def load(self, name: str) -> Profile:
        """Read profile ``name``.

        Parameters
        ----------
        name : str
            A valid profile name.

        Returns
        -------
        Profile

        Raises
        ------
        ParameterError
            For an invalid name.
        ProfileNotFoundError
            If it is not stored (the message lists the stored ones).
        ProfileFormatError
            If the file is corrupt.
        """
        path = self.path(name)
        if not path.is_file():
            raise self._not_found(name)
        return _read(path)

    def calibration_audio(self, name: str) -> list[Path]:
        """The calibration recordings kept beside profile ``name`` (``NAME.wav``/``.flac``).

        Parameters
        ----------
        name : str
            A valid profile name.

        Returns
        -------
        list of Path
            The files that exist (none, or normally one).
        """
        path = self.path(name)
        return [q for ext in CALIBRATION_AUDIO if (q := path.with_suffix(ext)).is_file()]

    def save_calibration_audio(
        self, name: str, samples: np.ndarray, sample_rate: int = 16000
    ) -> Path:
        """Keep a profile's calibration speech beside it, as ``NAME.flac`` (mode 0600).

        Written atomically; an older ``NAME.wav`` is removed, so one recording is kept.
        ``voicecoach calibrate --add`` grows the profile from it, mono review reads the
        voice from it, and :meth:`delete` removes it with the profile.

        Parameters
        ----------
        name : str
            Profile name (the profile need not be saved yet).
        samples : np.ndarray, shape (n_samples,)
            Mono, float (full scale 1.0); clipped to [-1, 1] and stored as 16-bit FLAC.
        sample_rate : int
            Hz.

        Returns
        -------
        Path
            The ``NAME.flac`` written.

        Raises
        ------
        ParameterError
            For an invalid name, or samples that are not 1-D and non-empty.
        SourceError
            If the file cannot be written.
        """
        import soundfile as sf

        name = self.check_name(name)
        x = np.asarray(samples, np.float32)
        if x.ndim != 1 or not x.size:
            raise ParameterError(
                f"calibration audio must be mono samples, shape (n_samples,) with n > 0, "
                f"got shape {x.shape}"
            )
        path = self.path(name).with_suffix(".flac")
        try:
            private_dir(self.directory, own=False)  # --profiles-dir may be any folder
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open_private(tmp, "wb") as f:
                sf.write(f, np.clip(x, -1.0, 1.0), sample_rate, format="FLAC", subtype="PCM_16")
            os.replace(tmp, path)
            for q in self.calibration_audio(name):
                if q != path:
                    q.unlink()
        except OSError as e:
            raise SourceError(
                f"cannot write the calibration audio of profile {name!r} to "
                f"{str(self.directory)!r}: {e.strerror or e}; choose a writable folder with "
                f"--profiles-dir or {ENV_VAR}"
            ) from None
        return path

    def delete(self, name: str) -> Path:
        """Delete profile ``name``, and its calibration audio if kept; return the path it had.

        Parameters
        ----------
        name : str
            A valid profile name.

        Returns
        -------
        Path
            The deleted profile file.

        Raises
        ------
        ParameterError
            For an invalid name.
        ProfileNotFoundError
            If it is not stored.
        """
        path = self.path(name)
        if not path.is_file():
            raise self._not_found(name)
        audio = self.calibration_audio(name)
        path.unlink()
        for q in audio:
            q.unlink()
        return path


def _read(path: Path) -> Profile:
    name = path.stem if _NAME.match(path.stem) else "NAME"
    fix = (f"calibrate again to rebuild it (`voicecoach calibrate --profile {name} --mic ...` "
           f"or `--input FILE`)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ProfileFormatError(
            f"{not_utf8(f'profile file {str(path)!r}', e)}: not a voicecoach profile, or "
            f"damaged; give the profile's .toml file, or {fix}"
        ) from None
    except OSError as e:
        raise ProfileFormatError(f"cannot read profile file {str(path)!r}: {e}") from None
    return profile_from_toml(text, f"profile file {str(path)!r}", fix)


def load_profile(
    name_or_path: str | os.PathLike[str], directory: str | os.PathLike[str] | None = None
) -> Profile:
    """Load a profile given as a stored name or as a path to a ``.toml`` file.

    A value containing a path separator or ending in ``.toml`` is a path; anything else
    is a name in ``ProfileStore(directory)``. This is what ``--profile NAME|PATH`` takes.

    Parameters
    ----------
    name_or_path : str or path-like
        A stored profile name or a profile file.
    directory : path-like, optional
        The store for a name (default: :func:`default_profiles_dir`).

    Returns
    -------
    Profile

    Raises
    ------
    ProfileNotFoundError
        If the file or the stored name does not exist.
    ProfileFormatError
        If the file cannot be read or is not a valid profile.
    ParameterError
        For an invalid name.
    """
    s = os.fspath(name_or_path)
    if s.endswith(_SUFFIX) or os.sep in s or (os.altsep and os.altsep in s):
        p = Path(s).expanduser()
        if not p.is_file():
            raise ProfileNotFoundError(
                f"profile file {s!r} does not exist; give an existing .toml file or a stored "
                f"profile name"
            )
        return _read(p)
    return ProfileStore(directory).load(s)
