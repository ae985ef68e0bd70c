"""All user-facing text in one place (voicecoach/locale), with one language rule (i18n)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from voicecoach.config import load_config
from voicecoach.errors import ParameterError
from voicecoach.i18n import LANGS, message, resolve_lang, texts
from voicecoach.locale import en, fr

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("NUDGES", "DISPLAY", "TERMINAL", "REPORT", "EVENT_KINDS", "PARTIES", "DEFINITIONS",
          "INDEX", "INDEX_METRICS", "VERDICTS", "RULES", "SUMMARY", "CAPTURE", "NOTES",
          "REVIEW_LINE", "SETUP", "PROFILE")  # fmt: skip


def _public(mod) -> set[str]:
    return {n for n in vars(mod) if n.isupper()}


def test_every_language_has_the_same_tables_and_keys() -> None:
    assert set(LANGS) == {"fr", "en"}
    assert _public(fr) == _public(en) == set(TABLES)
    for name in TABLES:
        a, b = getattr(fr, name), getattr(en, name)
        if isinstance(a, dict):
            assert a.keys() == b.keys(), name
            assert all(isinstance(v, str) for v in [*a.values(), *b.values()]), name
        else:  # DEFINITIONS: (term, definition) pairs, one per metric
            assert len(a) == len(b) and all(len(p) == 2 for p in [*a, *b])
    # placeholders agree (the same field names), so a format call works in every language
    from string import Formatter

    def fields(text: str) -> list[str]:
        return sorted(f for _, f, _, _ in Formatter().parse(text) if f is not None)

    for name in TABLES:
        if name == "DEFINITIONS":
            continue
        for key, text in getattr(fr, name).items():
            if (name, key) == ("SETUP", "no_monitor"):  # printed as is, braces and all
                assert text.count("{") == en.SETUP[key].count("{")
                continue
            assert fields(text) == fields(getattr(en, name)[key]), (name, key)


def test_every_rule_has_a_nudge() -> None:
    rules = set(load_config().coach.rules)
    assert set(fr.NUDGES) == set(fr.RULES) == rules
    assert message("pitch_high", "fr") == "Baissez le ton"
    assert message("rate_high", "en") == "Slow down"
    with pytest.raises(ParameterError, match=r"no message for rule 'shouting'; known rules are "
                                             r"interrupting, jump_in, loudness_high"):
        message("shouting", "en")


def test_the_language_rule() -> None:
    cfg = load_config(overrides={"coach": {"lang": "en"}})
    assert resolve_lang(None, cfg) == "en"  # none given: [coach] lang
    assert resolve_lang(None) == load_config().coach.lang
    assert resolve_lang("fr", cfg) == "fr"  # given: used
    with pytest.raises(ParameterError, match=r"language 'de' is not supported; choose one of"):
        resolve_lang("de", cfg)  # unknown: an error, never a silent fallback
    with pytest.raises(ParameterError, match="language 'it' is not supported"):
        texts("it")
    assert message("monologue") == message("monologue", load_config().coach.lang)


def _language_branches(path: Path) -> list[tuple[int, str]]:
    """Code choosing by a language code ("en"/"fr"): comparisons (``lang == "en"``,
    ``lang in ("en",)``), ``startswith("en")`` and dicts keyed by a language; (line, code)."""
    def is_lang(n: ast.AST) -> bool:
        if isinstance(n, ast.Constant):
            return n.value in LANGS
        return isinstance(n, ast.Tuple | ast.List | ast.Set) and any(map(is_lang, n.elts))

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            hit = any(map(is_lang, [node.left, *node.comparators]))
        elif isinstance(node, ast.Dict):
            hit = any(k is not None and is_lang(k) for k in node.keys)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            hit = node.func.attr in ("startswith", "endswith") and any(map(is_lang, node.args))
        else:
            hit = False
        if hit:
            out.append((node.lineno, ast.unparse(node)))
    return sorted(out)


#: The language rule itself: the locale table, and the configuration's check of [coach] lang.
_RULE = {"voicecoach/i18n.py": ["{'fr': fr, 'en': en}"],
         "voicecoach/config.py": ["obj.lang not in ('fr', 'en')"]}


def test_no_text_chosen_by_language_outside_the_locale(tmp_path: Path) -> None:
    found = {}
    for p in sorted((ROOT / "voicecoach").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel.startswith("voicecoach/locale/"):
            continue
        hits = [code for _, code in _language_branches(p)]
        if hits != _RULE.get(rel, []):
            found[rel] = hits
    assert found == {}
    # the scan sees a choice when there is one
    probe = tmp_path / "probe.py"
    probe.write_text('x = "Slow down" if lang == "en" else "Ralentissez"\n'
                     'y = "Slow down" if lang in ("en",) else "Ralentissez"\n'
                     'z = {"fr": "Ralentissez", "en": "Slow down"}[lang]\n'
                     'w = "Slow down" if lang.startswith("en") else "Ralentissez"\n'
                     'v = {lang: "Slow down"} if lang != code else {}\n')
    assert [n for n, _ in _language_branches(probe)] == [1, 2, 3, 4]


def test_the_live_summary_speaks_the_sessions_language() -> None:
    from types import SimpleNamespace

    from voicecoach.cli import _live_summary
    from voicecoach.events import Backchannel, Interruption, Nudge

    ev = [
        Interruption(start_s=12.0, end_s=13.0, decided_s=12.3, by="agent", of="customer"),
        Backchannel(start_s=20.0, end_s=20.4, decided_s=20.4, by="customer"),
        Nudge(start_s=30.0, end_s=34.0, decided_s=34.0, rule="pitch_high",
              message=message("pitch_high", "fr"), value=3.1, threshold=2.0,
              recovered_after_s=None),
    ]
    res = SimpleNamespace(duration_s=61.04, folder=None, capture="", events=ev,
                          summary={"agent": {"talk_s": 30.0}, "customer": {"talk_s": 20.0},
                                   "conversation": {"overlap_s": 1.2},
                                   "coach": {"held_back": {"pitch_high": 0, "rate_high": 0,
                                                           "loudness_high": 2}}},
                          block_latency_ms={"p50": 1.04, "p99": 2.5})
    fr_text = _live_summary(res, "fr").replace("\u00a0", " ")  # French spacing: see below
    assert fr_text.splitlines() == [
        "séance : 61,0 s",  # a decimal comma in French
        "  parole de l'agent 30,0 s, du client 20,0 s, chevauchement 1,2 s",
        "    12,00 s  interruption : l'agent coupe la parole au client",
        "    20,00 s  acquiescement du client",
        "    30,00 s  conseil « Baissez le ton » (hauteur, pas revenu à la normale)",
        "  répétitions retenues (pas au-delà d'un conseil récent) : volume 2",
        "  latence de l'analyse après la capture : p50 1,0 ms, p99 2,5 ms",
    ]
    en_text = _live_summary(res, "en")
    assert "interruption: the agent cut the customer off" in en_text
    assert "(pitch, not recovered)" in en_text and en_text.startswith("session: 61.0 s")
    assert "  repeats held back (no further than a recent nudge): loudness 2" in en_text
    res.summary["coach"]["held_back"]["loudness_high"] = 0  # none: no line
    assert "held back" not in _live_summary(res, "en")


def test_french_punctuation_has_its_non_breaking_spaces() -> None:
    """A colon, a semicolon and guillemets keep their space on the same line (U+00A0 before
    ":" and inside « », U+202F before ";", "?" and "!"), in every French string."""
    def strings(table):
        for v in (table.values() if isinstance(table, dict) else table):
            yield from (v if isinstance(v, tuple) else (v,))

    import re

    checked = 0
    for name in TABLES:
        for text in strings(getattr(fr, name)):
            for bad in (" :", " ;", "« ", " »", " ?", " !"):
                assert bad not in text, (name, text)
            # nor is the space missing: punctuation ending a phrase has its own space
            for m in re.finditer(r"(.?)([:;?!])(?=\s|$)", text, re.S):
                want = "\u00a0" if m.group(2) == ":" else "\u202f"
                assert m.group(1) == want, (name, text[max(0, m.start() - 30):m.end()])
                checked += 1
            assert re.search("«[^\u00a0]|[^\u00a0]»", text) is None, (name, text)
    assert checked > 100
    assert fr.SUMMARY["session"] == "séance\u00a0: {s:.1f} s"


def test_the_capture_status_line_speaks_the_displays_language() -> None:
    import dataclasses

    from voicecoach.sources.capture_stats import (
        LOST,
        OK,
        CaptureStats,
        DeviceStats,
        device_states,
    )
    from voicecoach.sources.replay import ReplayStats

    def dev(parties, status, error=None):
        kw = {f.name: 0 for f in dataclasses.fields(DeviceStats)}
        return DeviceStats(**{**kw, "name": "d", "parties": parties, "backend": "x",
                              "status": status, "error": error, "latency_s": None})

    devs = (dev(("agent",), OK), dev(("customer",), LOST, "device unplugged"))
    kw = {f.name: 0 for f in dataclasses.fields(CaptureStats)}
    st = CaptureStats(**{**kw, "devices": devs, "backlog_s": 0.02, "backlog_max_s": 0.05,
                         "lag_s": 0.01, "overflows": 2, "drift_ppm": None})
    assert st.summary() == ("agent=ok, customer=lost; backlog 20 ms (max 50), lag 10 ms, "
                            "overflows 2, drift n/a")
    assert st.summary("fr").replace("\u202f", " ") == (
        "agent=ok, client=perdu ; attente 20 ms (max 50), retard 10 ms, débordements 2, "
        "dérive n. d.")
    assert device_states(devs, "fr", problems_only=True) == "client=perdu (device unplugged)"
    rs = ReplayStats(hops=1234, delivered_s=12.34, backlog_s=0.0, lag_s=0.0)
    assert rs.summary() == "replay; 12.3 s delivered, backlog 0 ms"
    assert rs.summary("fr").replace("\u202f", " ") == "relecture ; 12,3 s lues, attente 0 ms"


def test_a_lost_device_is_said_in_the_displays_language() -> None:
    import dataclasses
    from types import SimpleNamespace

    from voicecoach.session import LiveSession
    from voicecoach.sources.capture_stats import LOST, OK, DeviceStats

    kw = {f.name: 0 for f in dataclasses.fields(DeviceStats)}
    devs = (DeviceStats(**{**kw, "parties": ("agent",), "status": OK, "error": None}),
            DeviceStats(**{**kw, "parties": ("customer",), "status": LOST, "error": "unplugged"}))
    st = SimpleNamespace(degraded=True, devices=devs)
    assert LiveSession._degraded_message(st, "fr") == (
        "client=perdu (unplugged) — l'autre canal continue d'enregistrer")
    assert LiveSession._degraded_message(st, "en") == (
        "customer=lost (unplugged) — the other channel keeps recording")
    assert LiveSession._degraded_message(SimpleNamespace(degraded=False), "fr") is None


def test_every_call_note_formats_in_every_language() -> None:
    from voicecoach.sinks.report import _call_note

    args = {"pair_lengths": {"agent_s": 60.0, "customer_s": 58.5, "short": "customer"}}
    for lang in LANGS:
        for nid in ("cut_short", "mono_agent_channel", "mono_agent_channel_search",
                    "identical_search", "identical_alone", "pair_lengths"):
            text = _call_note({"note": "x", "note_id": nid, "note_args": args.get(nid)}, lang)
            assert text and "{" not in text, (lang, nid)
    assert "celui du client est complété" in _call_note(
        {"note_id": "pair_lengths", "note_args": args["pair_lengths"]}, "fr")
    assert _call_note({"note": "an older report's note"}, "fr") == "an older report's note"
    assert _call_note({}, "en") == ""


def test_the_setup_wizards_text_has_the_same_fields_in_every_language() -> None:
    """The wizard formats every SETUP (and PROFILE) string with keyword fields: the same
    names in each language (English quotes with ``!r``, French with « »), apart from the one
    help printed as is."""
    from string import Formatter

    def fields(text):
        return sorted((f, c or "") for _, f, _, c in Formatter().parse(text) if f is not None)

    for name in ("SETUP", "PROFILE"):
        for key, text in getattr(fr, name).items():
            if key == "no_monitor":  # printed as is (an ~/.asoundrc example with braces)
                continue
            other = getattr(en, name)[key]
            assert [f for f, _ in fields(text)] == [f for f, _ in fields(other)], (name, key)
    assert fr.SETUP["colon"] == "\u00a0: " and en.SETUP["colon"] == ": "


def test_number_marks_floats_only() -> None:
    from voicecoach.i18n import number

    assert f"{number(2.5, 'fr'):.1f} {number(2.5, 'en'):.1f}" == "2,5 2.5"
    assert f"{number(1234.5, 'fr')}" == "1234,5"
    for v in (3, True, None, "n/a"):  # an int keeps formatting as an int: "3", not "3,0"
        assert number(v, "fr") is v
    assert f"{number(3, 'fr')} {number(3, 'fr'):d}" == "3 3"
