"""Whether a number in a quote counts the noun a question asks about ("how many X", "how
much X"), and which kind of X it asks (pure, no model): read by what an answer keeps
(:mod:`briefer.grounding.decide`) and by another source's figure (:mod:`briefer.grounding.sides`).
"""

from __future__ import annotations

import re

from briefer.text.needs import GENERIC, counted_phrase, numbers
from briefer.text.words import terms


def kind_words(part: str) -> frozenset[str]:
    """The words that say which kind of the counted noun "how many / how much" asks about
    ("humanitarian" in "how much humanitarian assistance"): not what it counts."""
    words = counted_phrase(part)
    # a name ("Kestrian troops", "U.S. overdose deaths") is stated where it will be, not
    # always next to the noun: only common words say the kind
    return frozenset(terms(" ".join(w for w in words[:-1] if w[:1].islower()))) - GENERIC


def counts(quote: str, values: set[float], nouns: frozenset[str],
           kinds: frozenset[str] = frozenset()) -> bool:
    """A number of ``values`` counts one of ``nouns``: the noun follows it within three words
    ("40,000 Kestrian troops", "$300 million in humanitarian assistance"; eight for a sum of
    money), or comes at most eight words before it while the number counts nothing else
    ("cases were 771 in Brennick and 47 in Temmen"; in "the field clinic network has a
    combined 90 beds", 90 counts beds, not clinics)."""
    # a scale word belongs to its number ("$300 million in humanitarian assistance")
    words = [w for w in quote.split() if w.lower().strip(".,;:") not in _SCALE]
    # a share is no count ("21 deaths (case fatality ratio 2.0%)": 2.0 counts no deaths)
    at_number = [i for i, w in enumerate(words) if numbers(w) & values and "%" not in w
                 and not (i + 1 < len(words) and words[i + 1].lower().startswith("percent"))]
    # with ``kinds``, only the noun of that kind ("humanitarian assistance", not "military
    # assistance"), or the noun with no kind of its own ("$180 million in assistance")
    at_noun = [i for i, w in enumerate(words) if terms(w) & nouns
               and (not kinds or any(terms(x) & kinds for x in words[max(0, i - 2):i])
                    or _unqualified(words, i))]
    # a sum of money names what it pays for further on ("$1.9 billion to Ukrainians in need
    # of assistance")
    return any(0 < b - a <= (8 if words[a][:1] in _CURRENCY else 3)
               or (0 <= a - b <= 8 and not _counts_another(words, a, nouns))
               for a in at_number for b in at_noun)


def bare_sum(quote: str, values: set[float]) -> bool:
    """A sum of money of ``values`` that counts nothing named ("we've provided $180 million
    since October 7th", "the package is worth $2.5 billion."): beside an answer whose figure
    is a sum of money, it is a figure of the same thing if its sentence states that thing."""
    words = [w for w in quote.split() if w.lower().strip(".,;:") not in _SCALE]
    for i, w in enumerate(words):
        if w[:1] not in _CURRENCY or not numbers(w) & values:
            continue
        after = words[i + 1].lower() if i + 1 < len(words) and w[-1:].isalnum() else ""
        # "$650 million in military assistance", "$5 million grants": it names what it pays
        if not after or (after in _LINKS and after not in _PAYS_FOR):
            return True
    return False


def _unqualified(words: list[str], at: int) -> bool:
    """The noun at ``at`` has no word of its own before it that says its kind: it follows a
    link word or a figure ("$180 million in assistance", "the assistance"), not an adjective
    ("military assistance")."""
    before = words[at - 1].lower().strip(".,;:()") if at else ""
    return not before or before in _LINKS or bool(numbers(before))


_PAYS_FOR = frozenset({"in", "of", "for", "on"})
_SCALE = frozenset({"thousand", "million", "billion", "trillion", "bn"})
_CURRENCY = frozenset("$\u20ac\u00a3\u00a5")
_LINKS = frozenset("in on at of for by and or to from per as with since until than during "
                   "across among between each a an the".split())
# units measure what the question asks "how much" of ("1,250,000 tonnes" of LNG)
_UNITS = re.compile(r"(?:tonnes?|tons?|kg|kilo\w*|grams?|[a-z]*metres?|[a-z]*meters?|cubic|"
                    r"litres?|liters?|barrels?|bbl|bcm|mcm|mt|mw|gw|kw|[kmgt]wh|euros?|dollars?|"
                    r"pounds?|usd|eur|percent|per|million|billion|thousand|hundred|bn|m|km|"
                    r"miles?|hectares?|acres?|hours?|days?|weeks?|months?|years?)", re.I)


def _counts_another(words: list[str], at: int, nouns: frozenset[str]) -> bool:
    """The number at ``at`` is followed by a word it counts that is not one of ``nouns``."""
    after = re.sub(r"[^\w%-]", "", words[at + 1]) if at + 1 < len(words) else ""
    if not after or not after[0].isalpha() or not words[at][-1:].isalnum():
        return False  # "47.", "47," or "47 %": nothing counted after it
    return (after.lower() not in _LINKS and not _UNITS.fullmatch(after)
            and not terms(after) & nouns)
