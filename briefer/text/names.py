"""Names: which names a question asks about, and whether a text names them — by any of their
names (``prompts/aliases.yaml``: "U.S." is there when "the United States" is; a capital stands
for its country)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from briefer.text.dates import MONTH_ABBREVIATIONS, MONTH_PATTERN, MONTHS, WEEKDAYS
from briefer.text.places import other_names
from briefer.text.words import terms, word_list

_NOT_NAMES = frozenset(("i", "a", "an", "the", "what", "which", "who", "whom", "whose", "when",
                        "where", "why", "how", "did", "does", "do", "is", "are", "was", "were",
                        "has", "have", "according", "in", "on", "if", "and", "or", *MONTHS,
                        *MONTH_ABBREVIATIONS, *WEEKDAYS))
# a word of a name: a dotted acronym ("U.S.", "U.K.") is one word
NAME_WORD = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z][\w'-]*")


def names(question: str) -> list[str]:
    """The names the question asks about: runs of capitalised words or acronyms ("Sava
    Institute", "Ministry of Health", "GRAINSTORM"), without question words, months or days,
    and without a sentence's first word unless it is an acronym ("Will they ..."); a title
    alone ("the President") names a role, not someone."""
    out: list[str] = []
    run: list[str] = []
    starts = {0} | {m.end() for m in re.finditer(r"[.?!:]\s+", question)}
    for m in [*NAME_WORD.finditer(question), None]:
        word = m.group(0) if m else "."
        bare = re.sub(r"'s$", "", word)
        opening = m is not None and m.start() in starts and not (bare.isupper() and len(bare) > 1)
        if bare[:1].isupper() and bare.lower() not in _NOT_NAMES and not opening:
            run.append(bare)
        elif run and bare == "of":
            run.append(bare)
        else:
            while run and run[-1] == "of":
                run.pop()
            if run and " ".join(run).lower() not in _TITLES:
                out.append(" ".join(run))
            run = []
    return list(dict.fromkeys(out))


_TITLES = frozenset(word_list("words.yaml", "titles"))

# a dated noun phrase: "the March 2025 Black Sea talks in Riyadh", "the April 4, 2024
# Biden-Netanyahu call": the date premodifies the occasion, up to the phrase's end
_OCCASION = re.compile(r"\bthe\s+(?:(?:" + MONTH_PATTERN + r")\s+(?:\d{1,2},?\s+)?)?"
                       r"(?:19|20)\d\d\s+([^?,;]+)", re.I)


def occasion_names(question: str) -> list[str]:
    """The names of the dated occasion a question asks about ("Riyadh" and "Black Sea" in
    "... agree in the March 2025 Black Sea expert-group talks in Riyadh?"): they say which
    event it means, and a report says that once, in its opening (title, dateline, first
    paragraph), not in every sentence it quotes. A name the question asks about otherwise
    ("Valdoria's own electricity in 2025") is not one."""
    found = [n for m in _OCCASION.finditer(question) for n in names("x " + m.group(1))]
    return [n for n in names(question) if n in found]


def _written(form: str, text: str) -> bool:
    """A name too short for terms ("U.S.", "UN") as written, its dots optional, case kept
    ("US" is not "us")."""
    letters = re.sub(r"[.\s]", "", form)
    return bool(letters) and re.search(
        r"(?<![\w.])" + r"\.?".join(map(re.escape, letters)) + r"\.?(?!\w)", text) is not None


def name_in(name: str, text: str, every_word: bool = False) -> bool:
    """Whether ``text`` names ``name`` or one of its other names (``prompts/aliases.yaml``, a
    capital's country: "U.S." is there when "the United States" is): by stem, any of a form's
    words ("Ministry of Health" is there when "Ministry" is) or, with ``every_word``, all of
    them ("Hallsund Shipping" is not there when only "Hallsund" is); a form of short words
    only ("U.S.") as written."""
    have = terms(text)
    if _spelled_out(name, text):
        return True
    for form in (name, *other_names(name)):
        words = [terms(w) for w in form.split() if terms(w)]
        if not words:
            if _written(form, text):
                return True
        elif (all if every_word else any)(w <= have for w in words):
            return True
    return False


def inside_a_longer_name(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` only as the first words of a longer name ("the
    United States Trade Representative", "the Ukraine Defense Contact Group"): the name of
    something else, not of ``name``. False when ``text`` does not write it as it is."""
    found = list(re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text))
    return bool(found) and all(re.match(r"[ \t]+[A-Z]", text[m.end():]) for m in found)


_MINOR = frozenset("of and the for on in to".split())


def _spelled_out(name: str, text: str) -> bool:
    """An acronym ("WMD", "CRS") is named by the words it stands for, as capitalised words
    whose initials spell it ("Weapon of Mass Destruction", "Congressional Research Service";
    "of", "and", "the", "for", "on", "in", "to" between them)."""
    if not (2 <= len(name) <= 6 and name.isalpha() and name.isupper()):
        return False
    words = NAME_WORD.findall(text)
    for i, word in enumerate(words):
        if word[:1] != name[0]:
            continue
        initials, j = "", i
        while j < len(words) and len(initials) < len(name):
            w = words[j]
            if w[:1].isupper():
                initials += w[0]
            elif w.lower() not in _MINOR or not initials:
                break
            j += 1
        if initials == name:
            return True
    return False


def names_missing(names: Iterable[str], text: str) -> list[str]:
    """The ``names`` that ``text`` does not name (:func:`name_in`)."""
    return [n for n in names if not name_in(n, text)]


__all__ = ["NAME_WORD", "name_in", "names", "names_missing", "occasion_names"]
