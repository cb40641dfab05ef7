"""Orders and proclamations cited by their number (pure, no store).

An executive order or a proclamation does not carry its own number: it is numbered when it is
published, and the documents that cite it later give the number with its date and its title,
as the Federal Register does ("Executive Order 14195 of February 1, 2025 (Imposing Duties to
Address the Synthetic Opioid Supply Chain in the People's Republic of China)"). A question
that names the number ("According to Executive Order 14195, what may the President do …?")
finds the later orders that cite it, not the order itself: only the title that those citations
give leads to it (:func:`acts_named`, :func:`cited_titles`; the search is
:func:`briefer.pipeline.retrieval.retrieve_for_question`'s).
"""

from __future__ import annotations

import re

from briefer.text.dates import MONTH_PATTERN
from briefer.text.verify import normalise

# "Executive Order 14195", "Proclamation 10903", "Presidential Memorandum 12": the kind of act
# and its number, as a question or a citation writes them
_ACT = re.compile(r"\b(Executive\s+Order|Proclamation|(?:National\s+Security|Presidential)\s+"
                  r"Memorandum)\s+(?:No\.\s*)?(\d{3,6})\b", re.I)


def acts_named(text: str) -> list[str]:
    """The numbered acts ``text`` names, each once, as "Executive Order 14195"."""
    found = (f"{' '.join(w.capitalize() for w in m.group(1).split())} {m.group(2)}"
             for m in _ACT.finditer(text))
    return list(dict.fromkeys(found))


def cited_titles(act: str, text: str) -> list[str]:
    """The titles ``text`` gives ``act`` in a citation of it: the act, "of" its date, and the
    title in brackets (line breaks and emphasis markers aside)."""
    kind, number = act.rsplit(" ", 1)
    cited = re.compile(r"\b" + r"\s+".join(map(re.escape, kind.split())) + r"\s+"
                       + re.escape(number) + r"\s+of\s+(?:" + MONTH_PATTERN
                       + r")\s+\d{1,2},\s*\d{4},?\s*\(\s*[*_]*([^()]{8,240}?)[*_]*\s*\)",
                       re.I)
    return list(dict.fromkeys(" ".join(m.group(1).split()) for m in cited.finditer(text)))


def same_title(a: str, b: str) -> bool:
    """Whether two titles are the same up to case, spacing and typographic quotes."""
    return normalise(a).casefold() == normalise(b).casefold()


__all__ = ["acts_named", "cited_titles", "same_title"]
