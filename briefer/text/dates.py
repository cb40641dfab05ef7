"""Month and weekday names (``prompts/words.yaml``, through :mod:`briefer.text.words`), and the
dates in English text built from them.

Lower case; the regexes match any case. ``MONTH_PATTERN`` is the alternation other modules
build their own date regexes from.
"""

from __future__ import annotations

import re

from briefer.text.words import word_list

MONTHS = word_list("words.yaml", "months")
MONTH_ABBREVIATIONS = word_list("words.yaml", "month_abbreviations")
WEEKDAYS = word_list("words.yaml", "weekdays")

MONTH_PATTERN = "|".join(MONTHS)
# "January 22, 2025" (month, day, year) and "22 January 2025" (day, month, year)
LONG_DATE = re.compile(r"\b(" + MONTH_PATTERN + r")\s+(\d{1,2}),\s+(\d{4})\b", re.I)
DAY_FIRST = re.compile(r"\b(\d{1,2})\s+(" + MONTH_PATTERN + r")\s+(\d{4})\b", re.I)


def month_number(name: str) -> int:
    """1 for "January" (any case), … 12 for "December"; ValueError for anything else."""
    return MONTHS.index(name.lower()) + 1


# "in November 2025", "in 2022": a month and a year, or a year alone
_MONTH_YEAR = re.compile(r"\b(" + MONTH_PATTERN + r")\s+(\d{4})\b", re.I)
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")

def earliest_named(text: str) -> str | None:
    """The first day of the earliest date, month or year ``text`` names, as ISO
    ("September 26, 2024" → "2024-09-26", "in November 2025" → "2025-11-01", "in 2022" →
    "2022-01-01"), or None: what a question asks about cannot be told before it."""
    found: list[str] = []
    for pattern, iso in ((LONG_DATE, lambda m: (m.group(3), m.group(1), m.group(2))),
                         (DAY_FIRST, lambda m: (m.group(3), m.group(2), m.group(1))),
                         (_MONTH_YEAR, lambda m: (m.group(2), m.group(1), "1")),
                         (YEAR, lambda m: (m.group(1), "january", "1"))):
        for m in pattern.finditer(text):
            year, month, day = iso(m)
            found.append(f"{year}-{month_number(month):02d}-{int(day):02d}")
        text = pattern.sub(" ", text)  # a year inside a date is not named alone
    return min(found, default=None)


# a question that names its source by a date: "according to officials in early 2024",
# "According to the March 3, 2025 fact sheet", "the September 26, 2024 statement"
_ACCORDING = re.compile(r"\baccording to\b([^,?;]*)", re.I)
_DATED_DOCUMENT = re.compile(
    r"((?:" + MONTH_PATTERN + r")\s+\d{1,2},\s+\d{4}|\d{1,2}\s+(?:" + MONTH_PATTERN
    + r")\s+\d{4}|(?:" + MONTH_PATTERN + r")\s+\d{4})(?:\s+\w+)?\s+(?:"
    + "|".join(word_list("words.yaml", "document_kinds")) + r")\b", re.I)
_PART_OF_YEAR = re.compile(r"\b(early|mid|late)[- ]((?:19|20)\d\d)\b", re.I)
_PARTS = {"early": ("01-01", "06-30"), "mid": ("04-01", "09-30"), "late": ("07-01", "12-31")}
_DAYS_IN = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def source_period(question: str) -> tuple[str, str] | None:
    """The ISO dates (first, last) of the period in which ``question`` says its source spoke
    or was issued, or None: a date inside an "according to …" clause ("according to
    administration officials in early 2024" → 2024-01-01 … 2024-06-30), or a date just
    before a kind of document (``words.yaml`` ``document_kinds``: "the September 26, 2024
    statement" → that day). A date elsewhere dates what is asked about ("troops deployed in
    March 2024"), which a later document can report: no period."""
    found = [m.group(1) for m in _ACCORDING.finditer(question)]
    for text in [*found, *(m.group(1) for m in _DATED_DOCUMENT.finditer(question))]:
        if m := LONG_DATE.search(text):
            day = f"{m.group(3)}-{month_number(m.group(1)):02d}-{int(m.group(2)):02d}"
            return day, day
        if m := DAY_FIRST.search(text):
            day = f"{m.group(3)}-{month_number(m.group(2)):02d}-{int(m.group(1)):02d}"
            return day, day
        if m := _PART_OF_YEAR.search(text):
            first, last = _PARTS[m.group(1).lower()]
            return f"{m.group(2)}-{first}", f"{m.group(2)}-{last}"
        if m := _MONTH_YEAR.search(text):
            n = month_number(m.group(1))
            return f"{m.group(2)}-{n:02d}-01", f"{m.group(2)}-{n:02d}-{_DAYS_IN[n - 1]}"
        if m := YEAR.search(text):
            return f"{m.group(1)}-01-01", f"{m.group(1)}-12-31"
    return None
