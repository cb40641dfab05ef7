"""What a brief retrieves for its topic: the topic and four sub-queries (options, red lines,
risks, indicators) fused by reciprocal rank, kept to the documents that speak of it.

A store often holds more than one crisis. Asked for "South Korea response", retrieval fills its
k passages with whatever reads like a response (another country's phased options, a cholera
memo's recommendations), and their orders then crowd the brief's options. So when the topic
names something — a place, a party, an operation: "Korea", "Valdoria", "Kestrian",
"GRAINSTORM" — the brief keeps the passages of documents that name at least one of those
(in any retrieved passage of theirs, or in their title). When no document names any, or the
topic names nothing, retrieval is left as it is.

A name matches a word it begins, give or take a short ending ("Kestrian" finds "Kestria",
"Korea" finds "Korean"); a capital also finds its country ("Seoul" finds "South Korea";
``prompts/capitals.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.store.retrieve import fuse
from briefer.text.cues import is_english_word
from briefer.text.needs import names
from briefer.text.places import countries_of

SUBQUERIES = ("{topic}", "{topic} response options", "{topic} red lines conditions escalation",
              "{topic} risks consequences", "{topic} indicators signs to watch")
MIN_STEM = 5  # a name is matched by its first max(MIN_STEM, len - 2) letters


def topic_names(topic: str) -> list[str]:
    """The words of the names in ``topic``: capitalised words and acronyms, the first word
    too when it is not an English word ("Lusara cholera outbreak" names Lusara, "Response to
    the flood" names nothing)."""
    words = [w for name in names(topic) for w in name.split() if w != "of"]
    first = re.match(r"\s*([A-Za-z][\w'-]*)", topic)
    if first is not None:
        bare = re.sub(r"'s$", "", first.group(1))
        if bare[:1].isupper() and not is_english_word(bare) and bare not in words:
            words.insert(0, bare)
    return [w for w in words if len(w) >= 3 and w.lower() not in _COMMON]


# capitalised words a topic may hold that name nothing in particular
_COMMON = frozenset(("response", "options", "option", "brief", "crisis", "outbreak", "north",
                     "south", "east", "west", "the", "and", "for", "new"))


def _pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """Each name word by its stem, and a capital also by its countries' names, whole."""
    alternatives = []
    for word in words:
        alternatives.append(re.escape(word[: max(MIN_STEM, len(word) - 2)]))
        alternatives += [re.escape(country) for country in countries_of(word)]
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(set(alternatives), key=len, reverse=True))
                      + r")", re.IGNORECASE)


def named_sources(chunks: Sequence[Chunk], topic: str) -> set[str]:
    """The documents of ``chunks`` that name what ``topic`` names (in a passage or a title);
    none when the topic names nothing."""
    pattern = _pattern(topic_names(topic))
    if pattern is None:
        return set()
    return {c.source for c in chunks if pattern.search(c.text) or pattern.search(c.title)}


def on_topic(chunks: Sequence[Chunk], topic: str, k: int) -> list[Chunk]:
    """The first ``k`` of ``chunks`` (best first) whose documents name the topic; the first
    ``k`` of all when no document does or the topic names nothing."""
    named = named_sources(chunks, topic)
    if not named:
        return list(chunks[:k])
    return [c for c in chunks if c.source in named][:k]


def retrieve_for_topic(topic: str, workspace: Workspace, k: int) -> list[Chunk]:
    """Sub-queries for options, red lines, risks and indicators, fused by reciprocal rank;
    the best ``k`` from documents that name what the topic names (:mod:`briefer.pipeline.topic`),
    out
    of twice as many candidates."""
    results = [workspace.search(q.format(topic=topic), k=2 * k) for q in SUBQUERIES]
    return on_topic(fuse(results, 2 * k, workspace.settings.retrieval.rrf_k), topic, k)


__all__ = ["SUBQUERIES", "named_sources", "on_topic", "retrieve_for_topic", "topic_names"]
