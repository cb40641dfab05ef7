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
