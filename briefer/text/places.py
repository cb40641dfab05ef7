"""Names of places as documents use them: a capital stands for its country ("Seoul's red lines")."""

from __future__ import annotations

import functools
import re

from briefer.core.prompts import load_yaml


@functools.cache
def _capitals() -> dict[str, tuple[str, ...]]:
    data = load_yaml("capitals.yaml")["capitals"]
    return {str(city).lower(): tuple(str(c) for c in countries) for city, countries in data.items()}


def countries_of(name: str) -> tuple[str, ...]:
    """The countries a capital ("Seoul's") stands for; () for any other name."""
    bare = re.sub(r"['\u2019]s$", "", name.strip())
    return _capitals().get(bare.lower(), ())
