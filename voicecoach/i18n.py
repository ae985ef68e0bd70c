"""Coaching messages in French (the default) and English.

Every nudge is a short imperative (two or three words) that can be read at a glance
during a call. Keys are the coach's rule names (``[coach.rules.*]`` in
``config/voicecoach.toml``).

Examples
--------
>>> from voicecoach.i18n import message
>>> message("pitch_high")
'Baissez le ton'
>>> message("rate_high", "en")
'Slow down'
"""

from __future__ import annotations

from .errors import ParameterError

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "check_lang", "message"]

DEFAULT_LANG = "fr"

#: Nudge text per language and rule.
MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "pitch_high": "Baissez le ton",
        "rate_high": "Ralentissez",
        "loudness_high": "Parlez moins fort",
        "interrupting": "Laissez-le finir",
        "monologue": "Laissez-le parler",
        "jump_in": "Marquez une pause",
        "monotony": "Variez le ton",
    },
    "en": {
        "pitch_high": "Lower your tone",
        "rate_high": "Slow down",
        "loudness_high": "Speak softer",
        "interrupting": "Let them finish",
        "monologue": "Let them talk",
        "jump_in": "Take a pause",
        "monotony": "Vary your tone",
    },
}

#: Supported languages.
LANGS: tuple[str, ...] = tuple(MESSAGES)


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`~voicecoach.errors.ParameterError`."""
    if lang not in MESSAGES:
        raise ParameterError(
            f"language {lang!r} is not supported; choose one of {', '.join(LANGS)} "
            f"(--lang or [coach] lang in the configuration)"
        )
    return lang


def message(rule: str, lang: str = DEFAULT_LANG) -> str:
    """The nudge text of ``rule`` in ``lang``.

    Parameters
    ----------
    rule : str
        A rule name, e.g. ``"pitch_high"``.
    lang : {"fr", "en"}

    Raises
    ------
    ParameterError
        For an unknown language or rule.
    """
    table = MESSAGES[check_lang(lang)]
    try:
        return table[rule]
    except KeyError:
        raise ParameterError(
            f"no message for rule {rule!r}; known rules are {', '.join(sorted(table))}"
        ) from None
