"""Which years, months and weekdays a claim's quotes state (pure, no model): read by the
re-pointing search (:mod:`briefer.grounding.claims`) and by what an answer keeps
(:mod:`briefer.grounding.decide`), so that both hold a claim to the same dates."""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.schemas import Chunk, Citation
from briefer.text.dates import MONTHS, WEEKDAYS, YEAR
from briefer.text.needs import Needs, numbers_stated, plain
from briefer.text.verify import locate

NAME_WINDOW = 250  # characters before a quote, in its paragraph, that may name its subject

_MONTH = re.compile(r"\b(?:" + "|".join([m for m in MONTHS if m != "may"] + list(WEEKDAYS))
                    + r")\b", re.I)  # not "may": a verb as often as a month


def window(c: Citation, chunks: dict[str, Chunk]) -> str:
    """The quote and the text just before it in its paragraph (what it is about)."""
    chunk = chunks.get(c.chunk_id)
    span = locate(c.quote, chunk.text) if chunk else None
    if chunk is None or span is None:
        return c.quote
    start = max(0, span[0] - NAME_WINDOW)
    paragraph = chunk.text.rfind("\n\n", start, span[0])
    return chunk.text[paragraph + 2 if paragraph >= 0 else start: span[1]]


def months_stated(sentence: str, own: Sequence[Citation], chunks: dict[str, Chunk],
                   need: Needs | None = None) -> bool:
    """Every month or weekday the claim names is in its quotes or just before them ("in
    November" is not stated by a quote about October), or, for a quote dated by its document
    ("today", "this week"), is the month the document is dated in (remarks dated 25 January:
    "today, I'm announcing ..." states a January announcement). A month the claim takes from
    the question ("What did the December 2023 remarks set out?") is stated by the quotes of
    documents dated in it (and in its year, when the question names one) when those quotes
    name no month and hold every figure of the claim: a figure from a document of another
    month is not."""
    if not years_stated(sentence, own, chunks, need):
        return False
    months = {m.lower() for m in _MONTH.findall(plain(sentence))}
    seen = {m.lower() for c in own for m in _MONTH.findall(window(c, chunks))}
    missing = months - seen - {month_of(chunks.get(c.chunk_id)) for c in own
                               if _TODAY.search(c.quote)}
    if not missing or need is None or seen - months:
        # a quote that names another month dates what it says by it ("In December ..."); a
        # month it names that the claim gives too is the answer ("until September 2022")
        return not missing
    asked = {m.lower() for m in _MONTH.findall(need.question)}
    years = set(YEAR.findall(need.question))
    for month in missing:
        dated = [c for c in own if month_of(chunks.get(c.chunk_id)) == month
                 and (len(years) != 1 or (chunks[c.chunk_id].date or "")[:4] in years)]
        if month not in asked or not dated or not numbers_stated(
                plain(sentence), " ".join(c.quote for c in dated), need.numbers):
            return False
    return True




def years_stated(sentence: str, own: Sequence[Citation], chunks: dict[str, Chunk],
                 need: Needs | None = None) -> bool:
    """Every year the claim names is stated by quotes that also hold its figures: quotes that
    name the year (or whose paragraph does just before them), or that name no year and come
    from a document dated in it (or undated). "Six Americans were released in 2022", its six
    quoted from a statement of December 2023, is not stated because another quote is a 2022
    statement's title. A span ("2024/25", "2022-2023") names each year in it."""
    text = plain(sentence)
    figures = _SPAN.sub(" ", text)
    asked = need.numbers if need is not None else frozenset()
    premise = frozenset().union(*_spans(need.question)) if need is not None else frozenset()
    for span in set(_spans(text)):
        dated = []
        for c in own:
            chunk = chunks.get(c.chunk_id)
            named = frozenset().union(*_spans(window(c, chunks)),
                                      _relative_years(c.quote, chunk))
            of_year = chunk is None or not chunk.date or chunk.date[:4] in span
            # a year the question gives names its documents too ("What did the March 2021
            # designation give?"): a document dated in it states it whatever its quote names
            if span & named or (of_year and (not named or span & premise)):
                dated.append(c.quote)
        if not dated or not numbers_stated(figures, " ".join(dated), asked):
            return False
    return True


_SPAN = re.compile(r"\b((?:19|20)\d\d)(?:[/\u2013-]((?:19|20)?\d\d))?\b")


def _spans(text: str) -> list[frozenset[str]]:
    """The years ``text`` names, a span ("2024/25", "2022-2023", at most ten years) as the set
    of its years."""
    out = []
    for m in _SPAN.finditer(text):
        first = last = int(m.group(1))
        if m.group(2):
            end = int(m.group(2)) if len(m.group(2)) == 4 else first // 100 * 100 + int(m.group(2))
            last = end if first < end <= first + 10 else first
        out.append(frozenset(str(y) for y in range(first, last + 1)))
    return out


_RELATIVE = re.compile(r"\b(last|this|next) year\b", re.I)


def _relative_years(quote: str, chunk: Chunk | None) -> frozenset[str]:
    """The years "last year", "this year" and "next year" name in a quote of a dated document
    ("the training of an additional 18 pilots next year" in a statement of September 2024)."""
    if chunk is None or not chunk.date or not chunk.date[:4].isdigit():
        return frozenset()
    shift = {"last": -1, "this": 0, "next": 1}
    return frozenset(str(int(chunk.date[:4]) + shift[m.lower()])
                     for m in _RELATIVE.findall(quote))


_TODAY = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening|week|month)|"
                    r"yesterday)\b", re.I)


def month_of(chunk: Chunk | None) -> str:
    """The month its document is dated in (lower case), or ""."""
    if chunk is None or not chunk.date or len(chunk.date) < 7 or not chunk.date[5:7].isdigit():
        return ""
    month = int(chunk.date[5:7])
    return MONTHS[month - 1] if 1 <= month <= 12 else ""
