"""Whether an answer's sentence says which X a "which X" question asks for (X is read by
:func:`briefer.text.needs.needs` into ``Part.counted``) or only restates the question ("the three
chemicals", "all countries that import it"). Read from text, no model;
:mod:`briefer.grounding.decide` uses it for ``Part.wants == "name"``.
"""

from __future__ import annotations

import re

from briefer.text.cues import is_verb_form
from briefer.text.dates import DAY_FIRST, LONG_DATE, YEAR
from briefer.text.needs import AUX, plain
from briefer.text.words import terms, word_list


def _undated(sentence: str) -> str:
    """``sentence`` without its dates ("April 2, 2025", "4 May 2031", "2025")."""
    return YEAR.sub(" ", DAY_FIRST.sub(" ", LONG_DATE.sub(" ", plain(sentence))))


_STOP = frozenset(word_list("words.yaml", "stop"))
# what says how many or how important, not which ones
_NOT_WHICH = _STOP.union(*(word_list("words.yaml", name) for name in ("vague", "units", "tens")))
# a phrase after the noun that says which ("sanctions on fuel exports"); a clause after it
# ("countries that import it", "chemicals used to make it") describes them
_OF = frozenset("on of for against from in at with".split())


def identifies(sentence: str, question: str, noun: frozenset[str]) -> bool:
    """``sentence`` says which of ``noun`` (its terms: what "which X" asks to identify) it
    means: it speaks of no X at all ("the laboratory confirmed cholera" for "which pathogen",
    "Hallsund Shipping sponsors the shirts" for "which company"), or an X in it is named or
    narrowed by a word the question lacks — just before it ("the Rafah crossing", "fuel
    sanctions"), a number, code or name right after it ("Resolution 2803", "Piers 3 and 7"),
    or a phrase after it ("sanctions on fuel") — not by how many or how important ("the three
    essential chemicals", "all countries that import it": ``words.yaml`` ``vague``). A name
    elsewhere in the sentence says nothing of the X ("The PRC announced … three chemicals")."""
    words = re.findall(r"[\w'-]+", _undated(sentence))
    asked = terms(question)
    said = {w.lower() for w in re.findall(r"[\w'-]+", question)}
    at = [i for i, w in enumerate(words) if terms(w) & noun]
    for i in at:
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt.lower() not in said and (any(c.isdigit() for c in nxt) or nxt[:1].isupper()):
            return True
        after = words[i + 2:i + 5] if nxt.lower() in _OF else []
        if _says_which(list(reversed(words[max(0, i - 3):i])), asked, before=True) or \
                _says_which(after, asked):
            return True
    return not at


def _says_which(words: list[str], asked: set[str] | frozenset[str], before: bool = False
                ) -> bool:
    """One of ``words`` (read outward from the noun, up to a verb; ``before`` it, up to a
    determiner or a preposition too: "goods from any country" says nothing of the country)
    is neither vague nor the question's."""
    for word in words:
        low = word.lower()
        if (low in AUX and low not in _OF) or is_verb_form(word) or (before and low in _STOP):
            return False  # "imposed sanctions", "X are sanctions": a verb, not a modifier
        if low in _NOT_WHICH or terms(word) <= asked:
            continue
        return True
    return False


__all__ = ["identifies"]
