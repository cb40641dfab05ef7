"""How a kept answer is worded for its reader, from its own quotes (pure, no model).

Two answers say less than they seem to. A bare value ("80% [1]") does not say of what, where
or when: :func:`in_its_sentence` shows it in the sentence of its quote that holds it. A yes or
a no ("Yes, U.S. policy sees Ukraine joining NATO [1][3][5]") restates the question: what the
documents say — "Ukraine's future is in NATO", "we are not planning for this to be an
operation that would require U.S. boots on the ground" — is in a quote, and a reader weighs a
"yes" by it. So does an answer to "what did X say / call for / pledge": a paraphrase of
someone's words ("called on Hamas to accept the deal") is not their words ("We call on Hamas
to accept this deal"). :func:`with_its_quote` shows the sentence of the answer's quotes that
states the question best after the yes, the no or the paraphrase. Both add only a quote, so
they state nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.schemas import Citation
from briefer.grounding.support import Support
from briefer.text.needs import plain
from briefer.text.verify import in_quotes, normalise, sentences
from briefer.text.words import pattern

Kept = list[tuple[str, list[Citation]]]  # (sentence, the citations it now rests on)

BARE_WORDS = 5  # at most five words and no auxiliary: a value, not a sentence ("80% [1]")
_AUXILIARY = frozenset("is are was were be been has have had will would can could do does did "
                       "shall should may might must".split())


def in_its_sentence(text: str, kept: Kept) -> str:
    """An answer that is a bare value ("80% [1]", "Hallsund Shipping [2]") shown in the
    sentence that states it: alone, "80%" does not say of what, where or when; its sentence
    does, and it is a quote, so it states itself. Only an answer that is that one value."""
    if len(kept) != 1 or not kept[0][1]:
        return text
    value = plain(kept[0][0]).rstrip(". ")
    words = value.lower().split()
    if (plain(text).rstrip(". ") != value or len(words) > BARE_WORDS
            or _AUXILIARY.intersection(words) or _YES_NO.match(value)):
        return text
    own = kept[0][1][0]
    # the sentence that holds the value word for word, else the value stays as it is
    holding = next((s for s in _flat(own) if value.lower() in s.lower()), None)
    return f"{value}: {in_quotes(holding)} [{own.n}]." if holding else text


# a question a yes or a no answers: it opens with an auxiliary ("Does U.S. policy see …",
# "Has the threshold been crossed …", "Will the pier require …")
_ASKS_YES_NO = re.compile(r"^\W*(?:did|does|do|is|are|was|were|has|have|had|will|would|can|"
                          r"could|should|shall|may|might|must)\b", re.I)
_YES_NO = re.compile(r"^\W*(?:yes|no)(?:[,.;:!\u2014\u2013]|\s+-|$)", re.I)  # not "No one …"
# a question that asks for someone's words: "What did the G7 leaders call on Hamas to do?",
# "What did the leaders say about …?" (``words.yaml`` ``speech``)
_ASKS_WORDS = re.compile(r"\bwhat\s+(?:did|does|do|has|have|had)\b[^?]{0,80}?"
                         + pattern("words.yaml", "speech").pattern, re.I)


def with_its_quote(text: str, kept: Kept, question: str, units: Sequence[str] = ()) -> str:
    """A yes/no question's answer whose first kept sentence opens with "Yes" or "No", or the
    answer to a question that asks what someone said ("What did the G7 leaders call on Hamas
    to do?"), shown with the sentence of that claim's quotes that states the question best
    (:class:`Support`, weights from the ``units`` the model was shown; the earliest of equals
    first): "Yes, U.S. policy sees Ukraine joining NATO [3][5]: “The United States reaffirms
    that Ukraine's future is in NATO” [1]." Left as it is when the answer already shows that
    sentence, or when no quote states any of the question."""
    yes_no = bool(_ASKS_YES_NO.match(question))
    if not kept or not kept[0][1] or not (yes_no or _ASKS_WORDS.search(question)):
        return text
    first, own = kept[0]
    head = plain(first).rstrip(" .!?;:")
    if yes_no and not _YES_NO.match(head):
        return text
    written = next((w for w in (first, _marked(head, own)) if w in text), None)
    if written is None:
        return text
    read = [(c, _MARKER.sub("", s)) for c in own for s in _flat(c)]
    support = Support(list(units) or [s for _, s in read])
    scores = [support(question, [s]) for _, s in read]
    if not read or max(scores) <= 0:  # no quote states any of the question
        return text
    cited, sentence = read[scores.index(max(scores))]
    if _letters(sentence) in _letters(text):  # shown already, whatever its quotation marks
        return text
    others = "".join(f"[{n}]" for n in sorted({c.n for c in own} - {cited.n}))
    shown = f"{head}{' ' + others if others else ''}: {in_quotes(sentence)} [{cited.n}]."
    return text.replace(written, shown, 1)


def _flat(cited: Citation) -> list[str]:
    """The sentences of a citation's quote as shown, on one line each, without a full stop;
    a quote too short to hold a quotable sentence (a heading, a short row) whole."""
    return [" ".join(s.split()).rstrip(".")
            for s in sentences(cited.shown(), max_chars=10_000, min_chars=1)] or [
        " ".join(cited.shown().split()).rstrip(".")]


_MARKER = re.compile(r"\s*\[\d+\]")  # a document's own footnote mark, not a citation


def _letters(text: str) -> str:
    return re.sub(r"\W+", "", normalise(text).lower())


def _marked(text: str, cited: Sequence[Citation]) -> str:
    """``text`` (no final full stop) with its citations' markers, as ``decide`` writes a
    re-pointed sentence ("… [2]." )."""
    return text + " " + "".join(f"[{n}]" for n in sorted({c.n for c in cited})) + "."
