"""Syllable counting of transcripts (English and French), numbers spelled out in words."""

from __future__ import annotations

import re

_EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_FR_ONES = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
]
_FR_TENS = [
    "_",
    "_",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
    "soixante",
    "quatre-vingt",
    "quatre-vingt",
]


def _number_words(n: int, language: str) -> str:
    """Cardinal number words for 0 <= n < 10000."""
    if language == "fr":
        return _fr_number(n)
    return _en_number(n)


def _en_number(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        t, u = divmod(n, 10)
        return _EN_TENS[t] + ("" if u == 0 else " " + _EN_ONES[u])
    if n < 1000:
        h, r = divmod(n, 100)
        return _EN_ONES[h] + " hundred" + ("" if r == 0 else " " + _en_number(r))
    k, r = divmod(n, 1000)
    return _en_number(k) + " thousand" + ("" if r == 0 else " " + _en_number(r))


def _fr_number(n: int) -> str:
    if n < 20:
        return _FR_ONES[n]
    if n < 100:
        t, u = divmod(n, 10)
        if t in (7, 9):  # soixante-dix..., quatre-vingt-dix...
            u += 10
        if u == 0:
            return _FR_TENS[t] + ("s" if t == 8 else "")
        if u in (1, 11) and t < 8:
            return _FR_TENS[t] + " et " + _FR_ONES[u]
        return _FR_TENS[t] + " " + _FR_ONES[u]
    if n < 1000:
        h, r = divmod(n, 100)
        head = "cent" if h == 1 else _FR_ONES[h] + " cent"
        return head + ("" if r == 0 else " " + _fr_number(r))
    k, r = divmod(n, 1000)
    head = "mille" if k == 1 else _fr_number(k) + " mille"
    return head + ("" if r == 0 else " " + _fr_number(r))


def _expand_numbers(text: str, language: str) -> str:
    point = " virgule " if language == "fr" else " point "

    def digits(s: str) -> str:
        n = int(s)
        if len(s) > 4 or (len(s) > 1 and s.startswith("0")):
            return " ".join(_number_words(int(c), language) for c in s)
        return _number_words(n, language)

    def repl(m: re.Match[str]) -> str:
        whole, frac = m.group(1), m.group(2)
        out = digits(whole)
        if frac:
            out += point + " ".join(_number_words(int(c), language) for c in frac)
        return f" {out} "

    return re.sub(r"(\d+)(?:[.,](\d+))?", repl, text)


_SYMBOLS = {
    "en": {"*": " star ", "#": " pound ", "%": " percent ", "&": " and ", "+": " plus "},
    "fr": {"*": " étoile ", "#": " dièse ", "%": " pour cent ", "&": " et ", "+": " plus "},
}

# Letter names when an acronym is spelled out ("PBX", "IP").
_LETTER_SYLLABLES = {"en": {"w": 3}, "fr": {"w": 3, "y": 2}}

_EN_EXCEPTIONS = {
    "anyone": 3,
    "everyone": 3,
    "area": 3,
    "idea": 3,
    "ideas": 3,
    "people": 2,
    "maybe": 2,
    "recipe": 3,
    "every": 2,
    "everything": 3,
    "everybody": 4,
    "business": 2,
    "quiet": 2,
    "science": 2,
    "client": 2,
    "clients": 2,
    "diet": 2,
    "create": 2,
    "created": 3,
    "poem": 2,
    "poet": 2,
    "naive": 2,
    "voicemail": 2,
    "iron": 2,
    "fire": 1,
    "hour": 1,
    "hours": 1,
    "our": 1,
    "evening": 2,
    "different": 3,
    "interesting": 3,
    "australia": 4,
    "february": 4,
    "wednesday": 2,
    "someone": 2,
    "something": 2,
    "sometimes": 2,
    "whereas": 2,
    "therefore": 2,
    "themselves": 2,
    "ourselves": 2,
    "more": 1,
    "are": 1,
    "cafe": 2,
    "reenter": 3,
    "real": 1,
    "really": 2,
    "being": 2,
    "doing": 2,
    "going": 2,
    "seeing": 2,
    "lion": 2,
    "giant": 2,
    "violet": 3,
    "via": 2,
    "piano": 3,
    "radio": 3,
    "video": 3,
    "audio": 3,
    "period": 3,
    "serious": 3,
    "various": 3,
    "experience": 4,
    "household": 2,
    "digium": 3,
}

_FR_EXCEPTIONS = {
    "pays": 2,
    "paysage": 3,
    "abbaye": 3,
    "monsieur": 2,
    "messieurs": 2,
    "asterisk": 3,
    "digium": 3,
    "ok": 2,
}

_EN_SUFFIX_E = re.compile(r"e(ly|ment|ments|ful|ness|less)$")


def _en_word(word: str) -> int:
    w = word.lower().strip("'")
    if w in _EN_EXCEPTIONS:
        return _EN_EXCEPTIONS[w]
    w = w.replace("'", "")  # you'd, that's, can't
    if not re.search(r"[aeiouy]", w):
        return 1 if w else 0  # "hmm", "nth", lone consonants
    w = _EN_SUFFIX_E.sub(r"\1", w) if len(w) >= 6 else w  # lovely, statement
    groups = list(re.finditer(r"[aeiouy]+", w))
    n = len(groups)
    for g in groups:
        s = g.group()
        start = g.start()
        prev = w[start - 1] if start > 0 else ""
        # y between vowels inside a group: player, beyond, buyer, saying
        if re.search(r"(?<=.)y[aeiou]", s):
            n += 1
        # vowel hiatus that spelling writes as one group
        if re.search(r"i[aou]", s) and not re.search(r"[cstgx]i[aou]", prev + s):
            n += 1  # stadium, dialed, ... but not -tion, -cial, -sion, -gion
        if "eo" in s and not (s.startswith("eo") and prev in ("p", "g")):
            n += 1  # video, neon; not people, george
        if re.search(r"u[ao]", s) and prev not in ("q", "g"):
            n += 1  # usual, actual, duo; not quality, language
        if "ue" in s and prev not in ("q", "g") and w[g.end() :] not in ("", "s", "d"):
            n += 1  # fuel, cruel; not continue(s/d), blues, queue
    last = groups[-1]
    tail = w[last.end() :]
    if w.endswith("ing") and len(w) > 4:
        before = w[-4]
        if before in "aeiou" or (before == "y" and len(w) > 4 and w[-5] not in "aeiouy"):
            n += 1  # being, doing, trying
    if n > 1 and last.group() == "e":
        pre = w[: last.start()]
        if tail == "":
            # silent final e, except consonant + le (table), -ee, -ie, -ye, -oe
            if not re.search(r"[^aeiouy]l$", pre):
                n -= 1
        elif tail == "s":
            if not re.search(r"([sxz]|ch|sh|[cg]|[^aeiouy]l)$", pre):
                n -= 1  # makes, roles; not boxes, places, changes, tables
        elif tail == "d" and not re.search(r"([td]|[^aeiouy]r)$", pre):
            n -= 1  # turned, faced; not wanted, needed, hundred
    return max(n, 1)


_FR_VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"
_FR_V = f"[{_FR_VOWELS}]"


def _fr_word(word: str, prev: str) -> int:
    w = word.lower()
    if w in _FR_EXCEPTIONS:
        return _FR_EXCEPTIONS[w]
    if not re.search(_FR_V, w):
        return 0  # elided l', d', qu', n' and lone consonants
    # silent u after q, and after g before e/i/y
    w = w.replace("qu", "q")
    w = re.sub(r"gu(?=[eiyéèêë])", "g", w)
    # silent verb ending -ent (imperfect -aient/-oient always; others after ils/elles)
    silent_ent = re.search(r"[ao]ient$", w) or (w.endswith("ent") and prev in ("ils", "elles"))
    if silent_ent and re.search(_FR_V, w[:-3]):
        w = w[:-3]
    # silent final e / es (not é), when another vowel precedes
    m = re.search(r"es?$", w)
    if m and re.search(_FR_V, w[: m.start()]):
        w = w[: m.start()]
    n = 0
    for i, c in enumerate(w):
        if c in _FR_VOWELS and (i == 0 or w[i - 1] not in _FR_VOWELS or _fr_hiatus(w, i)):
            n += 1  # start of a vowel group, or hiatus inside one
    return max(n, 1)


def _fr_hiatus(w: str, i: int) -> bool:
    """Whether vowel ``w[i]`` starts a new syllable after vowel ``w[i-1]``."""
    a, b = w[i - 1], w[i]
    if b in "ëï":
        return True  # Noël, naïf, maïs
    if a in "éèê":
        return True  # réel, réussir, créa
    if b in "éèê":
        if a in "iuy" or w[max(0, i - 2) : i] == "ou":
            # glide (pitié, tué, joué) unless after consonant + l/r (crié)
            return a == "i" and i >= 3 and re.match(r"[^aeiouy][lr]", w[i - 3 : i - 1]) is not None
        return True  # aéroport, poème
    if a == "y" and i >= 2 and w[i - 2] in "aou":
        return True  # payer, voyage, essuyer
    # client, oublier, février
    return a == "i" and i >= 3 and re.match(r"[^aeiouyé][lr]", w[i - 3 : i - 1]) is not None


def count_syllables(text: str, language: str) -> int:
    """Estimate the number of spoken syllables in a text.

    Parameters
    ----------
    text : str
        Plain text (punctuation, digits and ``*``/``#`` are handled: numbers
        are expanded to words, below 10 000 as cardinals, longer digit strings
        digit by digit; all-capital tokens of up to 4 letters are spelled out
        as acronyms).
    language : {"en", "fr"}
        Language of the text.

    Returns
    -------
    int
        Estimated syllable count.

    Notes
    -----
    English uses vowel groups with corrections for silent final ``-e``,
    ``-es`` and ``-ed``, consonant + ``-le``, hiatus spellings (``ia``, ``io``,
    ``iu``, ``eo``, ``ua``, ``ue``) except after ``c/s/t/g``/``q``,
    intervocalic ``y``, vowel + ``-ing``, and ~60 exceptions.  Expected
    accuracy: about 90-95 % of common words exact (a held-out list of 46
    IVR/everyday words not used while writing the rules: 91 % exact, every
    error off by one); errors partly cancel in sentences, which are
    typically within ±5 % (the asterisk and ARCTIC sentences in the tests are
    exact).  Compounds with an inner silent *e* (*household*) and rare
    hiatus spellings are the usual misses.

    French counts spoken (not poetic) syllables: vowel groups with ``qu``/
    ``gu`` handled, silent final ``-e``/``-es``, ``-ent`` silent for
    ``-aient``/``-oient`` and after *ils*/*elles*, digraphs and trigraphs
    (``eau``, ``ou``, ``oi``, ``ai``, ``ei``, ``eu``, ``au``, ``œu``) as one
    vowel, glides (``ion``, ``ié``, ``oué``, ``ui``) as one syllable except
    after consonant + ``l``/``r``, and hiatus for diaeresis, ``é`` next to a
    vowel and intervocalic ``y``.  Word-internal schwas are counted (*maintenant*
    = 3), so relaxed Canadian/European speech can have a few percent fewer
    syllables than counted.  Expected accuracy: about 95 % of words exact (a
    held-out list of 46 words: 100 %), sentences within ±5 %; the usual
    misses are *-ent* verb endings without *ils*/*elles*, English loanwords
    and ambiguous glides (*hier*, *lier*).
    """
    if language not in ("en", "fr"):
        raise ValueError(f"unsupported language {language!r} (use 'en' or 'fr')")
    for sym, repl in _SYMBOLS[language].items():
        text = text.replace(sym, repl)
    text = _expand_numbers(text, language)
    total = 0
    prev = ""
    letters = _LETTER_SYLLABLES[language]
    for m in re.finditer(r"[^\W\d_]+(?:'[^\W\d_]+)*", text.replace("’", "'")):
        tok = m.group()
        parts = [p for p in tok.split("'") if p] if language == "fr" else [tok]
        for part in parts:
            if (part.isupper() and 2 <= len(part) <= 4) or (len(part) == 1 and part.isupper()):
                if (language == "en" and part in ("I", "A")) or (
                    language == "fr" and part in ("À", "A", "Y")
                ):
                    total += 1
                else:
                    total += sum(letters.get(c, 1) for c in part.lower())
            elif language == "fr":
                total += _fr_word(part, prev)
            else:
                total += _en_word(part)
            prev = part.lower()
    return total
