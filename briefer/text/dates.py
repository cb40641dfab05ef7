"""Month and weekday names, written once, and the dates in English text built from them.

Lower case; the regexes match any case. ``MONTH_PATTERN`` is the alternation other modules
build their own date regexes from.
"""

from __future__ import annotations

import re

MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july",
                           "august", "september", "october", "november", "december")
MONTH_ABBREVIATIONS: tuple[str, ...] = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                                        "sept", "oct", "nov", "dec")
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                             "sunday")

MONTH_PATTERN = "|".join(MONTHS)
# "January 22, 2025" (month, day, year) and "22 January 2025" (day, month, year)
LONG_DATE = re.compile(r"\b(" + MONTH_PATTERN + r")\s+(\d{1,2}),\s+(\d{4})\b", re.I)
DAY_FIRST = re.compile(r"\b(\d{1,2})\s+(" + MONTH_PATTERN + r")\s+(\d{4})\b", re.I)


def month_number(name: str) -> int:
    """1 for "January" (any case), … 12 for "December"; ValueError for anything else."""
    return MONTHS.index(name.lower()) + 1
