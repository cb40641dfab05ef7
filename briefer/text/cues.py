"""Wording cues: what a sentence must say to be a red line's or a response option's source.

A small model cannot tell an option from a forecast or a fact (Qwen2.5-1.5B, asked each
sentence's role, tagged fact sentences "option" and options "indicator"), and asked to write
the option a sentence states it writes one for every sentence. So the sections that go
sentence by sentence visit only the sentences whose wording can state what they hold:

- :data:`CONDITION` — a threshold: "if", "should North Korea ...", "unless", "red line",
  "crossing it would unlock" ...
- :data:`ACTION` — a step someone could take: a modal or a word of intent ("could", "may",
  "is considering", "we recommend", "proposal", "plans to" ...), or an order, i.e. a sentence
  (or list item) that opens with a verb in its base form ("Summon the ambassador", "- Patch
  the appliances"). A statement of fact ("LNG imports reached 1.25 Mt", "Children under five
  account for 19% of cases") has neither.

Verbs are known from lemminflect's English lexicon (read through :mod:`briefer.text.words`). English
only, like the rest of the wording rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from briefer.core.schemas import tidy_phrase
from briefer.text.conditions import CONDITION, CONDITION_CLAUSE, MAIN_CLAUSE
from briefer.text.words import inflections, lemmas, pattern, word_list


class Cue(Protocol):
    """Something that says whether a text holds the wording a rule needs."""

    def search(self, text: str) -> object: ...


def strength(cue: Cue, text: str) -> int:
    """How strongly ``text`` holds the cue's wording (a cue without degrees: 1 or 0)."""
    rank = getattr(cue, "strength", None)
    return int(rank(text)) if rank is not None else int(bool(cue.search(text)))


def limits_only(cue: Cue, texts: Sequence[str]) -> bool:
    """Whether ``texts`` hold the cue's wording at its weakest, a limit and no condition (the
    cue's own ``limits_only``; else its degree 1 at most, reached by one of them)."""
    own = getattr(cue, "limits_only", None)
    if own is not None:
        return bool(own(texts))
    return max((strength(cue, t) for t in texts), default=0) == 1


# Conditional wording (:data:`CONDITION`, by degree) is in :mod:`briefer.text.conditions`.

# A possible step: a modal. Forecasts hold them too, so they rank below intent and orders.
MODAL = re.compile(r"\b(could|may|might|should|must|would|will|shall|can)\b", re.IGNORECASE)
# An intended or recommended step. Not "all options remain on the table" (no step is named)
# nor "the ground has been offered to the army" (done, and by someone else).
INTENT = re.compile(
    r"\b(consider(?:s|ed|ing)?|contemplat(?:e|es|ed|ing)|explor(?:e|es|ed|ing)|"
    r"plan(?:s|ned|ning)? to|propos(?:e|es|ed|ing|als?)|recommend(?:s|ed|ing|ations?)?|"
    r"options? (?:to|for|of)|intend(?:s|ed)?|prepar(?:e|es|ed|ing) to|weigh(?:s|ed|ing)?|"
    r"urg(?:e|es|ed|ing)|call(?:s|ed)? (?:on|for)|aim(?:s|ed)? to|seek(?:s|ing)? to|"
    r"ready to|decid(?:e|es|ed|ing)|agree(?:s|d)? to|pledg(?:e|es|ed)|"
    r"(?<!been )(?<!was )(?<!were )(?<!is )(?<!are )offer(?:s|ed)? to)\b",
    re.IGNORECASE)

# What stands before a list item's first word: a bullet or number, a bold or bracketed
# lead-in ("**Phase 2 (if ...).**"), a label ending in a colon.
_LEAD = re.compile(
    r"^(?:\s*(?:[-*•‣◦]|\d{1,2}[.)]|\(?[a-z][.)])\s+"
    r"|\s*\*\*[^*]{0,200}\*\*[.:]?\s*"
    r"|\s*\[[^\]]{0,80}\]\s*"
    r"|\s*[A-Z][\w ]{0,30}:\s+)+")
_WORD = re.compile(r"\b[A-Za-z][a-z]+\b")
# a first word followed by one of these, within a few words, is a subject, not an order
# ("Bed occupancy was 83%", "Field hospitals and fuel depots have appeared")
_FINITE = re.compile(
    r"^(?:[\s,]+[\w'’-]+){0,6}?\s+(?:is|are|was|were|has|have|had|will|would|can|could|may|"
    r"might|must|should|does|did|remains?|seems?)\b", re.IGNORECASE)


def is_base_verb(word: str) -> bool:
    """Whether ``word`` is an English verb in its base form ("deploy", "patch", "call")."""
    return word.lower() in lemmas(word).get("VERB", ())


def is_verb_form(word: str) -> bool:
    """Whether ``word`` is a form of an English verb and never a noun ("attended", "serve",
    "paid"; not "troops" or "centres")."""
    found = lemmas(word)
    return "VERB" in found and "NOUN" not in found


def opens_with_order(text: str) -> bool:
    """Whether ``text`` (a sentence or list item) opens with an order: its first word, after
    bullets and lead-ins, is a verb in its base form and not the subject of a verb."""
    body = _LEAD.sub("", text, count=1)
    first = _WORD.match(body)
    if first is None or not is_base_verb(first.group()):
        return False
    if body[first.end():first.end() + 1] == "-":  # "Gas-fired power ..."
        return False
    # a word that is also a noun ("Share", "Field", "Water") is an order only when no verb
    # follows it closely
    noun = first.group().lower() in lemmas(first.group()).get("NOUN", ())
    rest = body[first.end():]
    words = _WORD.findall(rest)
    return not noun or (_FINITE.match(rest) is None
                        and not any(map(_is_past, words[:4]))
                        and not any(map(_only_past_tense, words[4:8])))


def _is_past(word: str) -> bool:
    """A past tense or participle ("fell", "showed", "taken"): a form of another verb that
    is neither "-s" nor "-ing". Looked for in the four words after the first only: further
    on, an order's object often holds a participle ("Raise the readiness of the 4th
    Mechanised Brigade"); a long subject's verb is found by :func:`_only_past_tense`."""
    low = word.lower()
    verbs = lemmas(word).get("VERB", ())
    return any(v != low for v in verbs) and not low.endswith(("s", "ing"))


def _only_past_tense(word: str) -> bool:
    """A simple past that is no participle ("fell", "rose", "was"; not "mechanised" or
    "affected", which also qualify a noun): the verb of a long subject ("Gas demand across
    the region fell") further on than :func:`_is_past` looks."""
    low = word.lower()
    return any(low in inflections(v, "VBD") and low not in inflections(v, "VBN")
               for v in lemmas(word).get("VERB", ()) if v != low)


# A risk: harm, danger or a cost that could follow. A sentence that only reports a step or a
# fact ("South Korea is considering sending a monitoring team") states no risk.
_RISK_WORDS = re.compile(
    r"\b(risks?|risky|danger(?:s|ous)?|threat(?:s|en|ens|ened)?|concerns?|worr(?:y|ies|ied)|"
    r"fears?|could|may|might|jeopardi[sz]e[sd]?|undermin(?:e|es|ed|ing)|escalat(?:e|es|ed|ion)|"
    r"hurt|harm(?:s|ed|ful)?|costs?|cost(?:ly|ing)|damag(?:e|es|ed|ing)|loss(?:es)?|los(?:e|es|ing)|"
    r"fail(?:s|ed|ure)?|pretext|vulnerab(?:le|ility)|shortages?|overwhelm(?:ed)?|spread(?:s|ing)?|"
    r"weak(?:ness|ened)?|unlikely|impossible|hostile|disrupt(?:s|ed|ion)?|exceed(?:s|ed)?|"
    r"under-reported|only (?:enough|sufficient) for|will last)\b", re.IGNORECASE)
# A harm or a danger named outright (not a modal's "could", a cost or a worry, which forecasts
# and figures hold too): what a risks section's visits read first
HARM = pattern("words.yaml", "harm")
_COUNTERING = frozenset(word_list("words.yaml", "countering"))
COUNTERED_WITHIN = 4  # words before a harm where a verb of countering makes it a step's object


class _Risk:
    """:data:`RISK`: a sentence that can state a harm or a danger, i.e. what could go wrong."""

    def search(self, text: str) -> re.Match[str] | None:
        return _RISK_WORDS.search(text)

    def strength(self, text: str) -> int:
        """2: a harm or a danger named ("poses a threat", "shortages", "killed"); 1: only what
        forecasts and worries hold ("could", "concerns", "costs"); 0: neither, or a heading."""
        if text.lstrip().startswith("#"):
            return 0
        harms = list(HARM.finditer(text))
        if any(not _countered(text, m.start()) and not _in_a_name(text, m.start())
               and not _conditional(text, m.start()) for m in harms):
            return 2
        named = {m.span() for m in harms}
        return 1 if any(m.span() not in named for m in _RISK_WORDS.finditer(text)) else 0

    def __repr__(self) -> str:
        return "RISK"


RISK: Cue = _Risk()


def _in_a_name(text: str, at: int) -> bool:
    """Whether the word at ``at`` is capitalised inside a sentence that is not all capitals:
    part of a name ("the Annual Threat Assessment", "Statement ... on the Death of ...")."""
    return at > 0 and text[at].isupper() and not text[at:at + 8].isupper() \
        and text[:at].strip()[-1:] not in (".", ":", "*", "-", "")


_CONDITION_OPENS = re.compile(r"\s*(?:(?:however|but|and|so|yet)\s+)?(?:if|should|unless|"
                              r"in the event|in case|were)\b", re.IGNORECASE)


def _conditional(text: str, at: int) -> bool:
    """Whether the clause ``at`` is in opens with a condition ("If the situation escalates,
    …", "should North Korea escalate …"): that harm is a red line's trigger, not a risk stated."""
    start = max(text.rfind(sep, 0, at) for sep in (",", ";", ":", ". ", "\u2014")) + 1
    return _CONDITION_OPENS.match(text, start) is not None


def _countered(text: str, at: int) -> bool:
    """Whether a verb of countering stands in the few words before ``at`` ("to address the
    humanitarian crisis", "eliminate the threat of"): the harm is a step's object."""
    before = re.findall(r"[A-Za-z]+", text[:at])[-COUNTERED_WITHIN:]
    return any(w.lower() in _COUNTERING for w in before)

# What a category of response option is, by the arms its source names: an air-defence missile
# is protective even when the sentence calls it a missile; a tank or a howitzer strikes.
DEFENSIVE_ARMS = pattern("words.yaml", "arms", "defensive", plural=True)
OFFENSIVE_ARMS = pattern("words.yaml", "arms", "offensive", plural=True)


def arms_category(category: str, quotes: list[str]) -> str:
    """``category`` corrected by the arms its quotes name: "military-offensive" for a quote
    that names only defensive arms is "military-defensive", and the other way round."""
    text = " ".join(quotes)
    defensive, offensive = DEFENSIVE_ARMS.search(text), OFFENSIVE_ARMS.search(text)
    if category == "military-offensive" and defensive and not offensive:
        return "military-defensive"
    if category == "military-defensive" and offensive and not defensive:
        return "military-offensive"
    return category


def is_english_word(word: str) -> bool:
    """Whether ``word`` is in lemminflect's English lexicon ("Response" is, "Lusara" is not)."""
    return bool(lemmas(word))


class _Action:
    """:data:`ACTION`: a sentence that can state a step someone could take."""

    def search(self, text: str) -> bool:
        return self.strength(text) > 0

    def strength(self, text: str) -> int:
        """2: an order or a word of intent ("Deploy ...", "is considering", "we propose");
        1: a modal only ("may increase", "will coordinate": forecasts read the same); 0: no
        step (a fact, a heading)."""
        if text.lstrip().startswith("#"):  # a heading names a topic, it takes no step
            return 0
        if INTENT.search(text) or opens_with_order(text):
            return 2
        return 1 if MODAL.search(text) else 0

    def __repr__(self) -> str:
        return "ACTION"


ACTION: Cue = _Action()

__all__ = ["ACTION", "CONDITION", "CONDITION_CLAUSE", "RISK", "Cue", "INTENT", "MODAL",
           "arms_category", "is_base_verb", "is_english_word", "is_verb_form", "limits_only",
           "opens_with_order", "strength"]


# Where a sentence names the particular things of a step: "such as missiles", "including K-2
# tanks, K-9 howitzers", "like the Cheongung II". Small models leave these out of labels.
_EXAMPLES = re.compile(r"\b(such as|including|like|notably|namely|for example|e\.g\.)\s", re.I)
_CONTENT = re.compile(r"[A-Za-z][A-Za-z0-9-]*\d*|\d[\d,.]*")
DETAILS_MAX_CHARS = 190  # ResponseOption.description holds 200


def named_details(label: str, quote: str) -> str:
    """The verbatim part of ``quote`` that names what ``label`` leaves out: from the first
    "such as" / "including" / "like" … whose words the label lacks, to the end of that
    sentence ("" when the label already says it or the quote names nothing)."""
    said = {w.lower() for w in _CONTENT.findall(label)}
    for m in _EXAMPLES.finditer(quote):
        rest = quote[m.start():]
        end = re.search(r"[.;!?](?:\s|$)", rest)
        span = rest[: end.start()] if end else rest
        named = span[len(m.group(0)):]
        words = [w.lower() for w in _CONTENT.findall(named)]
        if not words or words[0] in said:  # the label already names it
            continue
        if m.group(1).lower() == "like" and not re.search(r"\b[A-Z0-9]", named):
            continue  # "like" names things only before a name ("systems like the Cheongung")
        if len(span) > DETAILS_MAX_CHARS:
            span = span[:DETAILS_MAX_CHARS].rsplit(" ", 1)[0] + " …"
        return span.strip(" ,;:\u2014-")
    return ""


# The words that open a condition clause, for :func:`condition_clause`.
_IF = re.compile(r"\b(if|should|unless|suppose|supposing|in case|in the event that|were|once|"
                 r"provided that|as long as|only when)\s+", re.I)
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
CLAUSE_MAX_CHARS = 240  # RedLine.trigger holds 240


def condition_clause(trigger: str, consequence: str, quote: str) -> str:
    """The condition clause of ``quote`` that ``trigger`` shortens, verbatim, or "".

    Small models shorten a trigger ("North Korea escalates troop deployments" for "should North
    Korea further escalate its troop deployments and pursue cooperation with Russia—including
    nuclear weapons ..."), dropping what makes it a red line. The clause runs from the
    condition word to where the consequence begins (its first word after the clause opens),
    or to the end of the sentence. It is returned only when it holds nearly all of the
    trigger's words and says more."""
    def words(text: str) -> list[str]:
        return [w.lower() for w in _WORDS.findall(text)]

    said = words(trigger)
    # the consequence's first word of substance that the trigger does not also hold
    first = [w for w in words(consequence) if len(w) > 3 and w not in said][:1]
    for m in _IF.finditer(quote):
        rest = quote[m.end():]
        ends = [e.start() for e in [re.search(r"[.;!?](?:\s|$)", rest)] if e]
        if first:
            later = re.search(rf"(?<![A-Za-z0-9-]){re.escape(first[0])}(?![A-Za-z0-9-])",
                              rest[len(trigger) // 3:], re.I)
            if later:
                ends.append(later.start() + len(trigger) // 3)
        main = MAIN_CLAUSE.search(rest)  # ", the cabinet could ..."
        if main:
            ends.append(main.start())
        clause = rest[: min(ends)] if ends else rest
        clause = tidy_phrase(clause)
        have = set(words(clause))
        if (len(clause) > CLAUSE_MAX_CHARS or not said
                or sum(w in have for w in said) < 0.8 * len(said)
                or len(words(clause)) < 1.3 * len(said)):
            continue
        return clause
    return ""
