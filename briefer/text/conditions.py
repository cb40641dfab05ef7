"""Conditional wording: what a sentence must say to be a red line's source, by degree
(:data:`CONDITION`), read by :mod:`briefer.text.cues` and through it by the red-line ranker
and the grounding of red lines; and where a sentence's condition begins and ends
(:data:`MAIN_CLAUSE`, :func:`split_at_condition`). English only, like the rest of the wording
rules."""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.schemas import tidy_phrase
from briefer.text.words import pattern, word_list

# Conditional language: a sentence that states a threshold (:data:`CONDITION`, by degree).
# 3, a condition clause: "if", "unless", "in the event", "red line", "trigger" ...; "should"
# before its subject ("However, should North Korea escalate", "(c) Should the PRC retaliate");
# "upon" and "until" only where they open a clause ("Upon a determination of sufficient action,
# the duties will be removed", "- Until the crisis is alleviated, ..."); not as a modal or a
# preposition ("the Minister should declare", "calls upon"). Deliberately without a bare
# "would" and "could", which most forecasts hold.
_OPENS = r"(?:^|[,;:(\u2014]\s*|\b(?:but|and|or)\s+|(?:[-*\u2022]|\(?[a-z0-9]{1,3}[.)])\s+)"
_CLAUSE = re.compile(
    r"\b(if|unless|suppose|supposing|in case|in the event|were to|provided that|"
    r"as long as|so long as|only when|red lines?|threshold|ultimatum|"
    # crossing a line, not a border crossing ("the Rafah crossing", "crossed the border")
    r"cross(?:es|ed|ing)?\s+(?:it|them|(?:the|a|this|that|any|these|those)\s+(?:\w+\s+)?"
    r"(?:lines?|thresholds?))|"
    r"trigger(?:s|ed)?|unlock(?:s|ed)?)\b|"
    # "should" opening a clause has a subject after it ("should the PRC retaliate", "should
    # North Korea escalate"), wherever it stands ("… to be forfeited should the Participating
    # Company enter non-compliance", "… manage clade I cases should they occur"); the modal a
    # verb ("and should not suffer")
    r"\bshould\s+(?:(?:the|a|an|any|this|that|these|those|it|they|he|she)\b|(?-i:[A-Z]))|"
    # "upon" a determination or a notice, not a gerund ("Upon returning to office" tells when)
    + _OPENS + r"(?:until\b|upon\s+(?!\w+ing\b))",
    re.IGNORECASE)
# Formulaic phrases that hold a condition word and state no threshold: an idiom of commitment
# ("for as long as it takes"), a hedge ("if necessary", "if needed", "if any", "if I may"), a
# concession ("even if they have a pending asylum application": it holds whatever happens), a
# date ("until September 2025", "until 2026"), a cause ("the crisis triggered by the war"). Read
# as if they were not there.
_MONTHS = "|".join(sorted({*word_list("words.yaml", "months"),
                           *word_list("words.yaml", "month_abbreviations")}, key=len, reverse=True))
_FORMULAIC = re.compile(
    r"\b(?:for )?as long as (?:it takes|necessary|needed|possible)\b|"
    r"\bif (?:necessary|needed|appropriate|applicable|any|so|possible|required|warranted|"
    r"desired|feasible)\b|\bif (?:i|you|we) (?:may|might|will|would like|like)\b|"
    r"\buntil (?:at least |the end of )?(?:\d|(?:" + _MONTHS + r")\b)|"
    r"\btriggered\b|\bno ifs?,? ands?,? or buts\b|\beven if\b|"
    # an "if" that is the speaker's or the listener's ("if you could walk us through", "if I
    # understand", "if you'd like to ask a question"), or that means "whether" ("to see if we
    # can set up", "asked if", "a status update on if")
    r"\bif (?:you|i)\b|\b(?:see|know|ask|asked|asking|wonder|wondered|check|determine|find out|"
    r"tell us|clarify|confirm|on|about)\s+if\b",
    re.IGNORECASE)
# A condition a licensee or an applicant must meet to use a program: a clause that names a
# licence or a programme's eligibility requirements and ends at a comma or the sentence's end
# with no modal in it ("as long as an activity conforms with what's laid out in the text of
# that public license", "if folks took on new activity that needed General License 44", in a
# Treasury call; "so long as they meet eligibility requirements", in a DHS release). It tells
# the program's users what they must do, not what another party must not: read as if it were
# not there. A licence in the main clause ("GL 44 will not be renewed unless ...", "If X seizes
# a trawler its licences will be revoked": a modal) is untouched.
_MODAL = r"(?:will|shall|would|may|might|must|can|could|should)"
_PROGRAM = re.compile(
    r"\b(?:if|unless|as long as|so long as|provided that|in case)\b"
    r"(?:(?!\b" + _MODAL + r"\b)[^,;:.?!\u2014]){0,120}?"
    + pattern("words.yaml", "program_terms").pattern
    + r"(?:(?!\b" + _MODAL + r"\b)[^,;:.?!\u2014])*(?=[,;:.?!\u2014]|$)", re.IGNORECASE)
# 2, conditionality without a condition word: what a policy depends on, or a determination
# that the other side failed a test ("will be determined by our assessment of Israel's
# immediate action", "in exchange for", "has not taken adequate steps", "failed to address")
_CONDITIONAL = re.compile(
    r"\b(depend(?:s|ed|ing|ent)? (?:up)?on|contingent (?:up)?on|condition(?:al|ed)? (?:up)?on|"
    r"determined by|in exchange for|in return for|no later than|deadline|"
    r"fail(?:s|ed|ure)? to|(?:has|have|had) not (?:yet )?taken|not taken adequate)\b|"
    # a state kept until a condition is met ("assets will remain immobilized until Russia pays")
    r"\b(?:remain|stay|continue|keep)\w*\b[^.;:]{0,60}\buntil\b",
    re.IGNORECASE)
# 2 as well, a ruling-out: a step or a claim declared excluded, which is what a red line states
# without a condition word ("threats of nuclear use are inadmissible", "we've decided not to
# provide the longer-range munitions", "No state, company, or person who financed ... will be
# allowed to benefit", "under no circumstances")
_RULED_OUT = re.compile(
    r"\b(?:inadmissible|unacceptable|non-negotiable|under no circumstances|"
    r"(?:decided|decides|chose|choose|opted|refused|refuses) not to|"
    r"(?:will|shall|would) not be (?:allowed|permitted|tolerated|accepted)|"
    r"(?:will|shall) be (?:barred|prohibited|banned) from)\b|"
    # a negated subject: "No funds shall be used", "No state ... will be allowed to"
    r"(?:^|[.;:]\s+|\u2014\s*)No\s+[^.;:?!]{0,120}?\b(?:will|shall|may|can)\s+(?:ever\s+)?"
    r"(?:be\s+)?(?:allowed|permitted|used|tolerated|accepted)\b",
    re.IGNORECASE)
# 1, a limit or a demand: what will not be done or must be ("won't require U.S. boots on the
# ground", "the investigation must be swift", "five principles: no forcible displacement")
_LIMIT = re.compile(
    r"\b(must|will not|won['\u2019]t|would not|cannot|never|refus(?:e|es|ed)|insist(?:s|ed)?|"
    r"demand(?:s|ed)?|principles?|not planning)\b",
    re.IGNORECASE)


# A condition on the speaker's own side's conduct ("if we continue to work with one another",
# "If the United States decides to acquire these resources", "Imagine if we weren't getting that
# information"): a red line's trigger is what the other side does or fails to do, or a limit
# set on it, so such a clause is read as if it were not there. Its subject is the first word or
# two after the condition word: a first-person pronoun, or the acting party's name
# (:func:`without_own_conditions`).
_OWN_CLAUSE = re.compile(
    r"\b(?:if|unless|in the event that|in case|as long as|so long as|provided that|only when|"
    r"should)\s+(?:and when\s+)?(?:only\s+)?(?:the\s+)?(?P<subject>[\w.\u2019']+)", re.I)
_FIRST_PERSON = frozenset(word_list("words.yaml", "own_side"))
# what the speaker's side sees or establishes is the other side's act ("if we see Russian forces
# cross", "should we find that they have ..."): the clause still names a trigger
_WITNESS = re.compile(
    r"\s*(?:[\w.\u2019']+\s+){0,2}?(?:(?:" + "|".join(word_list("words.yaml", "witness"))
    + r")\b|(?:" + "|".join(word_list("words.yaml", "witness_that")) + r")\s+that\b)", re.I)


def without_own_conditions(text: str, actor: re.Pattern[str] | None) -> str:
    """``text`` with each condition clause whose subject is the speaker's side (we, I, you,
    our ...; or a name ``actor`` matches: "the United States", "the U.S.") cut to its condition
    word's place, so that only conditions on others give it a red-line degree."""
    def own(m: re.Match[str]) -> str:
        if _WITNESS.match(text, m.end()):
            return m.group(0)  # "if we see them cross the line": the trigger is what is seen
        if m.group("subject").lower() in _FIRST_PERSON or (
                actor is not None and actor.match(text, m.start("subject"))):
            return " "
        return m.group(0)
    return _OWN_CLAUSE.sub(own, text)


# The speaker's "must" on the talk itself ("I must tell you", "I have to say", "I must also
# remind all Americans of the long-standing warning against traveling to Venezuela": 150, a
# statement; "I don't think I have to tell anybody here that 100,000 people a year die": 022, a
# press call): no demand on anyone, read as if it were not there
_SPEAKER_MUST = re.compile(
    r"\b(?:I|we)\s+(?:must|have to|need to)\s+(?:also\s+)?(?:" + "|".join(
        [*word_list("words.yaml", "talk"), "remind", "acknowledge", "underscore"]) + r")\b",
    re.IGNORECASE)

_DEGREES = {"clause": 3, "conditional": 2, "ruled_out": 2, "limit": 1, "": 0}


def _kind(text: str) -> str:
    """The strongest conditional wording of ``text`` (a key of :data:`_DEGREES`), formulaic
    phrases read as if they were not there."""
    text = _SPEAKER_MUST.sub(" ", _PROGRAM.sub(" ", _FORMULAIC.sub(" ", text)))
    for kind, wording in (("clause", _CLAUSE), ("conditional", _CONDITIONAL),
                          ("ruled_out", _RULED_OUT), ("limit", _LIMIT)):
        if wording.search(text):
            return kind
    return ""


class _Condition:
    """:data:`CONDITION`: a sentence that can state a threshold, by degree."""

    def search(self, text: str) -> bool:
        return self.strength(text) > 0

    def strength(self, text: str) -> int:
        """3: a condition clause; 2: conditionality ("depends on", "failed to") or a ruling-out
        ("inadmissible", "decided not to"); 1: a limit or a demand ("will not", "must"); 0:
        none."""
        return _DEGREES[_kind(text)]

    def limits_only(self, texts: Sequence[str]) -> bool:
        """Whether ``texts`` state a limit or a ruling-out and no condition nor conditionality:
        what they rule out has no consequence to state ("threats of nuclear use are
        inadmissible", "we will not be directly engaged")."""
        kinds = {_kind(t) for t in texts}
        return not kinds & {"clause", "conditional"} and bool(kinds & {"ruled_out", "limit"})

    def __repr__(self) -> str:
        return "CONDITION"


CONDITION = _Condition()
CONDITION_CLAUSE = 3  # the degree of a condition clause ("if", "should X", "unless")

# A comma or dash, then at most five words and a modal: where the main clause begins.
MAIN_CLAUSE = re.compile(
    r"[,\u2014\u2013]\s*(?:[\w'\u2019-]+\s+){0,4}?(?:could|would|may|might|will|shall|must|"
    r"can|should)\b", re.I)


# a condition word, also after its main clause ("… remain in effect until such time as …");
# not a concession ("even if") nor a date ("until March 2026")
_SPLIT_AT = re.compile(r"(?<!\beven )\b(?:until(?!\s+(?:\d|" + "|".join(word_list(
    "words.yaml", "months")) + r")\b)|if|unless|as long as|so long as|provided that|in case|"
    r"only when|in the event that)\s+", re.I)
_BULLET = re.compile(r"^\s*(?:[-*\u2022]\s*|\(?[a-z0-9]{1,3}[.)]\s+)?", re.I)
_SHOULD = re.compile(r"should\s+", re.I)  # a condition only where it opens the sentence
_COMMA = re.compile(r",\s")


def split_at_condition(sentence: str) -> tuple[str, str] | None:
    """``sentence`` cut at its first condition word into (the condition, the rest), verbatim,
    or None: "If X, Y" → (X, Y); "Y until X" → (X, Y) (a red line written as one phrase)."""
    body = sentence.strip().rstrip(".!?")
    start = _BULLET.match(body).end()  # type: ignore[union-attr]  # matches the empty string
    m = _SHOULD.match(body, start) or _SPLIT_AT.match(body, start)
    if m is not None:  # the clause opens the sentence: it ends where the main clause begins
        main = MAIN_CLAUSE.search(body, m.end()) or _COMMA.search(body, m.end())
        if main is None:
            return None
        condition, rest = body[m.end():main.start()], body[main.start():]
    else:
        m = _SPLIT_AT.search(body, start)
        if m is None:
            return None
        condition, rest = body[m.end():], body[start:m.start()]
    condition, rest = tidy_phrase(condition), tidy_phrase(rest.strip(" ,;:\u2014\u2013"))
    if len(condition.split()) < 2 or len(rest.split()) < 2:
        return None
    return condition, rest


__all__ = ["CONDITION", "CONDITION_CLAUSE", "MAIN_CLAUSE", "split_at_condition",
           "without_own_conditions"]
