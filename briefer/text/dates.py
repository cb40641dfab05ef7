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
