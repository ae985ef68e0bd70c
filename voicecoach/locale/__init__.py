"""All user-facing text, one file per language (:mod:`.fr`, :mod:`.en`).

Each file holds the same tables with the same keys (``tests/test_i18n.py`` checks it):
``NUDGES`` (the coach's messages), ``DISPLAY`` and ``TERMINAL`` (the live displays),
``REPORT``, ``EVENT_KINDS``, ``PARTIES`` and ``DEFINITIONS`` (the HTML report),
``INDEX`` and ``INDEX_METRICS`` (the cross-call index), ``VERDICTS``, ``RULES``,
``SUMMARY``, ``CAPTURE`` and ``NOTES``, ``SETUP`` (the ``voicecoach setup`` wizard) and
``PROFILE`` (a profile's summary, which ``profile show`` prints in English). Read
them through :func:`voicecoach.i18n.texts`, which applies the one language rule. Other
command-line messages and errors are English.
"""
