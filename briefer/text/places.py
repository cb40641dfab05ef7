"""Names of places and bodies as documents use them: a capital stands for its country ("Seoul's
red lines"); a country, an agency or an alliance has other names (``prompts/aliases.yaml``:
formal names, acronyms, adjectives). Both data files are read by :mod:`briefer.text.words`."""

from __future__ import annotations

import functools
import re

from briefer.text.words import data


@functools.cache
def _capital_cities() -> dict[str, tuple[str, ...]]:
    """``prompts/capitals.yaml`` as written: city -> the countries it stands for."""
    cities = data("capitals.yaml")["capitals"]
    return {str(city): tuple(str(c) for c in countries) for city, countries in cities.items()}


@functools.cache
def _capitals() -> dict[str, tuple[str, ...]]:
    return {city.lower(): countries for city, countries in _capital_cities().items()}


def countries_of(name: str) -> tuple[str, ...]:
    """The countries a capital ("Seoul's") stands for; () for any other name."""
    bare = re.sub(r"['\u2019]s$", "", name.strip())
    return _capitals().get(bare.lower(), ())


@functools.cache
def _aliases() -> dict[str, frozenset[str]]:
    """Each name of ``prompts/aliases.yaml`` (lower case) -> the names of its group; each
    country of ``prompts/capitals.yaml`` -> its capitals too."""
    out: dict[str, set[str]] = {}
    for group in data("aliases.yaml")["aliases"]:
        for name in group:
            out.setdefault(str(name).lower(), set()).update(str(n) for n in group)
    for city, countries in _capital_cities().items():
        for country in countries:
            out.setdefault(country.lower(), set()).add(city)
    return {name: frozenset(others) for name, others in out.items()}


def other_names(name: str) -> set[str]:
    """What else documents call ``name``: its aliases and capitals, for a capital its
    countries, and theirs in turn ("Seoul": South Korea, ROK, South Korean; "PRC": China,
    Chinese, Beijing)."""
    aliases = _aliases()
    if name.lower() not in aliases and name.endswith("s") and name[:-1].lower() in aliases:
        name = name[:-1]  # a people in the plural: "Americans" is "American"
    first = {o for n in (name, *countries_of(name)) for o in (n, *aliases.get(n.lower(), ()))}
    return {o for n in first for o in (n, *aliases.get(n.lower(), ()))} - {name}
