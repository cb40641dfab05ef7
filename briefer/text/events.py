"""The events a question asks about ("what did they agree", "who commands", "how much did it
cost") and whether a quote states them in so many words — as having happened, when the
question asks so. Read from text, no model; :mod:`briefer.text.needs` and
:mod:`briefer.grounding.decide` use them."""

from __future__ import annotations

import re

# Events a question can ask about that a quote must state in so many words: near-miss
# questions ask "who commands", "which company manufactured", "what did the cabinet decide",
# "how much did it cost", and a small model answers them from a quote that names the person,
# the doses or the meeting but not the command, the maker or a decision. Each: the question's
# word, and the words a quote states the event with.
EVENTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    name: (re.compile(asked, re.I), re.compile(stated, re.I)) for name, asked, stated in [
        ("decide", r"\b(?:decid\w*|decision)\b",
         r"\b(?:decid\w*|decision\w*|resolv\w*|agreed|approv\w*|adopt\w*|voted|ruled)\b"),
        ("agree", r"\b(?:agree[ds]?|agreement)\b",
         r"\b(?:agree\w*|accept\w*|sign\w*|approv\w*|endors\w*)\b"),
        ("approve", r"\bapprov\w*", r"\b(?:approv\w*|adopt\w*|passed|ratif\w*|agreed)\b"),
        ("sign", r"\bsign(?:ed|s)?\b", r"\bsign\w*"),
        ("win", r"\b(?:won|win|wins|winners?)\b",
         r"\b(?:won|win\w*|victor\w*|champion\w*|first prize|took the (?:title|prize))\b"),
        ("attend", r"\battend\w*", r"\b(?:attend\w*|turnout|visited|came to)\b"),
        ("make", r"\b(?:manufactur\w*|produced|producers?)\b",
         r"\b(?:manufactur\w*|produc\w*|made by|makers?|built by|supplied by)\b"),
        ("command", r"\bcommand\w*",
         r"\b(?:command\w*|led by|leads|headed by|heads|in charge)\b"),
        ("pay", r"\b(?:paid|pays?|salary|salaries|earns?)\b",
         r"\b(?:paid|pay\w*|salar\w*|wages?|earn\w*)\b"),
        ("cost", r"\bcost\w*",
         r"\b(?:cost\w*|price\w*|spen[dt]\w*|paid|expens\w*|budget\w*|loss\w*|lost)\b"),
        ("arrive", r"\barriv\w*", r"\b(?:arriv\w*|reached|landed|delivered)\b"),
    ]}
# An event stated as expected, planned or possible has not happened ("organisers expect up to
# 40,000 visitors", "the cabinet is due to meet ... to discuss a proposal").
FORECAST = re.compile(
    r"\b(?:could|would|may|might|will|shall|expect\w*|plan\w*|propos\w*|due to|set to|"
    r"likely|intend\w*|hope\w*|aim\w*|to)\s+(?:\w+\s+){0,2}$", re.I)


def events(text: str) -> tuple[str, ...]:
    """The events (of :data:`EVENTS`) ``text`` asks about; not a word that is part of a name
    ("under the Bilateral Security Agreement" asks about no agreement being made), nor a
    noun that refers to a known text ("who is barred under the 2025 Fund agreement"): it asks
    what the text says, not whether it was made."""
    return tuple(name for name, (asked, _) in EVENTS.items()
                 if any((m.start() == 0 or not m.group(0)[:1].isupper())
                        and not (m.group(0).lower() in _EVENT_NOUNS
                                 and _DEFINITE.search(text[:m.start()]))
                        for m in asked.finditer(text)))


_EVENT_NOUNS = frozenset({"agreement", "decision"})
# a preposition and "the", "this" or a possessive, then a name or year, before the noun
# ("under the 2025 Reconstruction Investment Fund agreement", "in the Council's decision")
_DEFINITE = re.compile(r"\b(?i:under|in|of|by|per|within|to|from|with)\s+"
                       r"(?i:the|this|that|its|their|\w+['\u2019]s)\s+"
                       r"(?:[A-Z0-9][\w'\u2019.,-]*\s+){0,5}$")


def event_stated(event: str, text: str, *, happened: bool) -> bool:
    """Whether ``text`` states ``event`` — as having happened, when ``happened``: not
    only as expected, planned or possible."""
    for m in EVENTS[event][1].finditer(text):
        if not happened or not FORECAST.search(text[max(0, m.start() - 60):m.start()]):
            return True
    return False
