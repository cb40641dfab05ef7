"""Whose step a sentence reports: its subject, the words before its first verb, after what
opens it (a conjunction, an adverbial clause set off by a comma, a participle), and whether a
speaker's "I" or "we" is on the talk itself ("I'll turn it over to ...", "I know ...").

Read by :mod:`briefer.pipeline.candidates` (an option is a step the acting party takes, not
another party's). English only, like the rest of the wording rules; the word lists are data
(``prompts/words.yaml``, ``prompts/roles.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.text.cues import is_verb_form
from briefer.text.structure import DEMONSTRATIVE, own_measure
from briefer.text.words import lemmas, word_list

# where a sentence's subject ends: an auxiliary, or a word that can only be a verb
_AUX = frozenset("is are was were has have had will would can could may might must shall "
                 "should did does do".split())
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019.-]*")

# what opens a sentence before its subject: a conjunction, and an adverbial phrase or clause set
# off by a comma ("And thus far, we've provided", "Today, the United States airlifted", "Until
# the crisis is alleviated, President Trump is implementing"), up to 100 characters where it
# opens with an adverbial word ("In 2019, in response to U.S. concerns expressed by the first
# Trump Administration, the PRC government controlled"), else up to 60 (a long clause without
# one is the main clause: "today, I'm announcing that the United States will be sending ...")
_CLAUSE = re.compile(r"[^,]{0,100},\s+")
_ADVERBIAL = re.compile(r"^(?:(?:and|but|so|now|also)\s+)?(?:since|until|soon|when|while|once|"
                        r"following|in|on|at|after|before|"
                        r"during|today|yesterday|earlier|later|thus|together|as|under|over|"
                        r"for|with|through|by|last|this|again|finally|first|second|third|"
                        r"moreover|further|furthermore|additionally|meanwhile|\d)", re.I)


# a sentence's conjunction, set off by a comma in speech ("And, together with more than 150
# nations, we launched ..."); partners named beside the subject, set off by commas: "President
# Biden, together with the President of Mexico ..., directed ...": the subject is the first
_CONJUNCTION = re.compile(r"^(?:and|but|so|now|also),?\s+", re.I)
_BESIDE = re.compile(r"^([^,]{1,60}?),\s+(?:together with|along with|alongside|joined by)\s"
                     r"[^,]{1,120},\s+", re.I)


def subject(text: str) -> str:
    """The words before the sentence's first verb (at most eight; twelve after a
    demonstrative: :func:`subject_span`), after what opens it."""
    return split_subject(text)[0]


def split_subject(text: str) -> tuple[str, list[str], bool]:
    """:func:`subject`, the words after it (its verb first), and whether a verb ended it
    within :func:`subject_span` words: all read from the sentence after what opens it."""
    text = _CONJUNCTION.sub("", text)
    for _ in range(2):  # "Since February 2022, we have adopted ...", "Working with X, the ..."
        clause = _CLAUSE.match(text)
        if clause is None or not _opener(text):
            break
        text = text[clause.end():]
    text = _BESIDE.sub(r"\1 ", _CONJUNCTION.sub("", text))
    every = WORD.findall(text)
    words = every[:subject_span(text)]
    opens = DEMONSTRATIVE.match(text)
    named = len(opens[0].split()) + 1 if opens is not None and own_measure(text) else 0
    for i, word in enumerate(words):
        if i == named and word.lower().endswith("ed") and every[i + 1:i + 2] == ["by"]:
            continue  # a participle after a measure names whose it is: "tariffs imposed by X"
        if i and (word.lower() in _AUX or (word[:1].islower() and is_verb_form(word))
                  or (i == named and "VERB" in lemmas(word.lower()))):
            # right after a measure, a word that can be a verb is one: "This action targets"
            return " ".join(words[:i]), every[i:], True
    return " ".join(words), every[len(words):], False


def subject_span(text: str) -> int:
    """How many words a subject may hold: eight, twelve after a demonstrative ("This
    partnership between the United States and Ukraine establishes ...")."""
    return 12 if DEMONSTRATIVE.match(text) else 8


# what a measure's verb says of it when it states no step: what it is, or what it follows
RELATION = frozenset(word_list("roles.yaml", "measure_relation"))


def _opener(text: str) -> bool:
    """``text`` opens with an adverbial ("Since February 2022,", "Today,") or a participle
    ("Working with European partners and Ukraine,"): the subject follows its comma."""
    if own_measure(text):
        return False  # "This action targets ..., such as ...": the subject, not "This week,"
    first = WORD.match(text)
    return bool(_ADVERBIAL.match(text)) or (
        first is not None and first.group().lower().endswith("ing")
        and "VERB" in lemmas(first.group().lower()))


FIRST_PERSON = re.compile(r"(?:I|[Ww]e)(?:['\u2019][a-z]+)?\b")
_TALK = frozenset(word_list("words.yaml", "talk"))
_SPEAKER = _TALK | frozenset(word_list("words.yaml", "floor"))  # after "I": the floor too
_HELPERS = _AUX | frozenset("hereby also just now then only really am not".split())


def talk(text: str) -> bool:
    """Whether the first verb after the sentence's "I" or "we" (auxiliaries and adverbs passed
    over) is one of saying, knowing or wanting (``words.yaml`` ``talk``; after "I", handling
    the floor too: ``floor``), or there is none ("I'm grateful", "we are committed")."""
    words = WORD.findall(text)
    first = next((i for i, w in enumerate(words) if FIRST_PERSON.fullmatch(w)), len(words))
    be = first < len(words) and words[first].lower().endswith(
        ("'m", "\u2019m", "'re", "\u2019re"))  # "I'm", "we're"
    for word in words[first + 1:first + 7]:
        low = word.lower().replace("\u2019", "'")
        if low in _HELPERS or low.endswith("n't"):  # "don't", "won't", "can't"
            be = be or low in ("am", "was", "are", "were")
            continue
        verbs = lemmas(low).get("VERB", ())
        if be and not low.endswith("ing"):
            return True  # "I am outraged", "I'm grateful": how the speaker is
        talk = _SPEAKER if words[first].startswith("I") else _TALK
        return not verbs or any(v in talk for v in verbs)
    return True


_BE = frozenset("be is are was were been being am".split())


def states_a_state(after: Sequence[str]) -> bool:
    """Whether the verb that opens ``after`` (the words after a subject: :func:`split_subject`)
    is a form of "be" with no verb of its own after it: how the subject is or what it is ("the
    American people will be steadfast in our support", "The United States has been the
    single-largest provider"), not what it does ("is designating", "will be sending", "is
    hereby directed to", "is to close")."""
    be = False
    for word in after[:6]:
        low = word.lower().replace("\u2019", "'")
        if low in _BE:
            be = True
        elif not (low in _HELPERS or low.endswith("n't") or (be and low.endswith("ly"))):
            return be and low != "to" and not low.endswith(("ing", "ed", "en")) and not (
                "VERB" in lemmas(low) and low not in lemmas(low).get("VERB", ()))
    return False


def first_verb(after: Sequence[str]) -> set[str]:
    """The lemmas of the first word of ``after`` that is no auxiliary or adverb ("will
    follow" -> follow)."""
    for word in after[:6]:
        low = word.lower().replace("\u2019", "'")
        if not (low in _HELPERS or low.endswith("n't") or low.endswith("ly")):
            return set(lemmas(low).get("VERB", ()))
    return set()


__all__ = ["FIRST_PERSON", "RELATION", "WORD", "first_verb", "split_subject", "states_a_state",
           "subject", "subject_span", "talk"]
