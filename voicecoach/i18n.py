"""User-facing text in French (the shipped default) and English, and the one language rule.

The text itself is in :mod:`voicecoach.locale` (one file per language, same tables and keys
in each). The rule, applied everywhere a language is chosen (nudges, displays, reports,
index):

* a language given (``--lang``, the report's own, an argument) is used if it is one of
  :data:`LANGS`, and is an error otherwise (:class:`~voicecoach.errors.ParameterError`);
* no language given means the configuration's ``[coach] lang``;
* there is no per-string fallback: every string exists in every language (a test checks).

Examples
--------
>>> from voicecoach.i18n import message, texts
>>> message("pitch_high", "fr")
'Baissez le ton'
>>> message("rate_high", "en")
'Slow down'
>>> texts("en").REPORT["title"]
'Call review'
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from .errors import ParameterError
from .locale import en, fr

if TYPE_CHECKING:
    from .config import Config

__all__ = ["LANGS", "MESSAGES", "LocalNumber", "check_lang", "message", "number",
           "resolve_lang", "texts"]

_LOCALES: dict[str, ModuleType] = {"fr": fr, "en": en}

#: Supported languages.
LANGS: tuple[str, ...] = tuple(_LOCALES)

#: Nudge text per language and rule.
MESSAGES: dict[str, dict[str, str]] = {lang: mod.NUDGES for lang, mod in _LOCALES.items()}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`~voicecoach.errors.ParameterError`.

    Parameters
    ----------
    lang : str
        A language code of :data:`LANGS`.

    Returns
    -------
    str
        ``lang`` unchanged.

    Raises
    ------
    ParameterError
        For an unsupported language.
    """
    if lang not in _LOCALES:
        raise ParameterError(
            f"language {lang!r} is not supported; choose one of {', '.join(LANGS)} "
            f"(--lang or [coach] lang in the configuration)"
        )
    return lang


def resolve_lang(lang: str | None, config: Config | None = None) -> str:
    """The language rule: ``lang`` if given (checked), else ``[coach] lang``.

    Parameters
    ----------
    lang : str or None
    config : Config, optional
        Read for ``[coach] lang`` when ``lang`` is None (default: :func:`load_config`).

    Returns
    -------
    str
        A code of :data:`LANGS`.

    Raises
    ------
    ParameterError
        For an unsupported language.
    """
    if lang is None:
        if config is None:
            from .config import load_config

            config = load_config()
        lang = config.coach.lang
    return check_lang(lang)


def texts(lang: str) -> ModuleType:
    """The text tables of ``lang`` (a :mod:`voicecoach.locale` module), checked.

    Parameters
    ----------
    lang : str
        A code of :data:`LANGS`.

    Returns
    -------
    module
        E.g. :mod:`voicecoach.locale.en` (``NUDGES``, ``VERDICTS``, ...).

    Raises
    ------
    ParameterError
        For an unsupported language.
    """
    return _LOCALES[check_lang(lang)]


def message(rule: str, lang: str | None = None) -> str:
    """The nudge text of ``rule`` in ``lang``.

    Parameters
    ----------
    rule : str
        A rule name, e.g. ``"pitch_high"``.
    lang : {"fr", "en"}, optional
        Default ``[coach] lang``.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        For an unknown language or rule.
    """
    table = texts(resolve_lang(lang)).NUDGES
    try:
        return table[rule]
    except KeyError:
        raise ParameterError(
            f"no message for rule {rule!r}; known rules are {', '.join(sorted(table))}"
        ) from None


class LocalNumber(float):
    """A float that formats with the language's decimal mark (``f"{n:.1f}"`` gives
    ``"2,5"`` in French), for numbers put into the locale's templates."""

    decimal = "."

    def __format__(self, spec: str) -> str:
        return format(float(self), spec).replace(".", self.decimal)


def number(value: object, lang: str) -> object:
    """``value`` as a :class:`LocalNumber` of ``lang`` when it is a float, else as is (an
    int, None, "n/a").

    Parameters
    ----------
    value : object
    lang : {"fr", "en"}

    Returns
    -------
    LocalNumber or object
    """
    if isinstance(value, bool | int) or not isinstance(value, float):
        return value  # an int has no decimal mark (and keeps formatting as an int)
    n = LocalNumber(value)
    n.decimal = texts(lang).DISPLAY["decimal"]
    return n
