"""Words: the word lists the rules read, and how a word becomes a term.

The lists are data, read here once: ``prompts/words.yaml`` (stop words, calendar words, arms
categories), ``prompts/roles.yaml`` (what a sentence's place and wording say about its role),
``prompts/capitals.yaml`` and ``prompts/aliases.yaml`` (names of places and bodies). Other
modules ask this one for a list or a whole-word pattern built from one; none opens a data file.

A **term** is a content word reduced to what two forms of it share, so that "sanctions" in a
claim meets "sanctioned" in its quote. :data:`READ` is the reduction the support measure uses:
``stem5`` (cut "-ing", "-ed", "-s", keep five letters), chosen over lemmas with the numbers in
``benchmarks/support_measure.py`` (docs/ARCHITECTURE.md §4).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from lemminflect import getAllLemmas, getInflection

from briefer.core.prompts import load_yaml
from briefer.text.verify import normalise

FILES = ("words.yaml", "roles.yaml", "capitals.yaml", "aliases.yaml")


@functools.cache
def data(name: str) -> dict[str, Any]:
    """One of :data:`FILES`, as written."""
    if name not in FILES:
        raise KeyError(f"{name} is not a word list of {FILES}")
    return load_yaml(name)


def word_list(name: str, *path: str) -> tuple[str, ...]:
    """The list at ``path`` of data file ``name`` ("words.yaml", "months")."""
    node: Any = data(name)
    for key in path:
        node = node[key]
    return tuple(str(w) for w in node)


@functools.cache
def pattern(name: str, *path: str, plural: bool = False) -> re.Pattern[str]:
    """A case-insensitive pattern of the list's words and phrases, each a whole word (longest
    first); a space in a phrase also matches a hyphen, and with ``plural`` a final "s" is
    optional."""
    def one(phrase: str) -> str:
        body = r"[\s-]+".join(re.escape(w) for w in phrase.split())
        return body + ("s?" if plural else "")
    words = sorted(word_list(name, *path), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(one(w) for w in words) + r")(?![\w-])", re.I)


# --------------------------------------------------------------------------- terms

_TERM = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_SUFFIXES = ("ing", "ed", "s")  # sending/send, crossed/crosses, lines/line


@functools.cache
def stop_words() -> frozenset[str]:
    return frozenset(word_list("words.yaml", "stop"))


def suffix_cut(word: str) -> str:
    """``word`` without one of "-ing", "-ed", "-s" (not "-ss"), three letters left at least."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stem5(word: str) -> str:
    """:func:`suffix_cut`, then the first five letters ("sanctions", "sanctioned" → "sanct")."""
    return suffix_cut(word)[:5]


@functools.lru_cache(maxsize=4096)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """The lemmas of ``word`` by part of speech, from lemminflect's English lexicon (this is the
    one module that imports it): "lines" → {"NOUN": ("line",), "VERB": ("line",)}."""
    return dict(getAllLemmas(word.lower()))


def inflections(lemma: str, tag: str) -> tuple[str, ...]:
    """The forms of ``lemma`` for a Penn tag ("VBD": simple past, "VBN": participle)."""
    return tuple(getInflection(lemma, tag))


@functools.lru_cache(maxsize=16384)
def lemma(word: str) -> str:
    """The word's lemma (a noun's first, then a verb's, an adjective's), or the word itself
    when it has none ("fentanyl")."""
    found = lemmas(word)
    for upos in ("NOUN", "VERB", "ADJ", "ADV"):
        if found.get(upos):
            return str(found[upos][0]).lower()
    return word


READ: Callable[[str], str] = stem5  # how a word becomes a term (see the module's docstring)


def terms(text: str) -> set[str]:
    """Content terms of ``text``: lower-cased words, stop words and words under three letters
    left out, each reduced by :data:`READ`; a token with a digit stays whole ("K-2", "2720"),
    a hyphenated word gives its parts ("air-defence")."""
    read = READ
    stop = stop_words()
    out: set[str] = set()
    for token in _TERM.findall(normalise(text).lower()):
        if any(c.isdigit() for c in token):
            out.add(token.removesuffix("'s"))
            continue
        for word in token.split("-"):
            word = word.removesuffix("'s")
            if word in stop or len(word) < 3:
                continue
            out.add(read(word))
    return out


__all__ = ["FILES", "READ", "data", "inflections", "lemma", "lemmas", "pattern", "stem5",
           "stop_words", "suffix_cut", "terms", "word_list"]
