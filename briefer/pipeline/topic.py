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
"Korea" finds "Korean"). A name is also found by what else documents call it, as data, not
code: a capital finds its country and a country its capital ("Seoul" and "South Korea";
``prompts/capitals.yaml``), and a country or body its acronyms, formal names and adjective
("China": PRC, People's Republic of China, Chinese; ``prompts/aliases.yaml``), these as
written ("US" is not "us"). Passages of documents that name nothing are dropped, not ranked
after the others: on real documents (benchmarks/topic_filter.py) no relevant passage was
lost to the filter at the brief's k, while filling k with the unnamed ones put off-topic
passages into briefs on evalset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.pipeline.retrieval import past_openings
from briefer.store.retrieve import Filters, fuse
from briefer.text.cues import is_english_word
from briefer.text.names import names
from briefer.text.places import other_names

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


def _phrases(topic: str, words: Sequence[str]) -> set[str]:
    """The runs of up to five words of ``topic`` that hold a name word ("South Korea", "Korea
    response", ...): where a name of more than one word is looked up."""
    tokens = [re.sub(r"['\u2019]s$", "", t) for t in re.findall(r"(?:\w\.)+|[\w'\u2019-]+", topic)]
    return {" ".join(tokens[i:j]) for i in range(len(tokens))
            for j in range(i + 1, min(i + 5, len(tokens)) + 1) if set(words) & set(tokens[i:j])}


def _pattern(topic: str) -> re.Pattern[str] | None:
    """Each name word by its stem, in any case; what else the topic's names are called
    (:func:`briefer.text.places.other_names`) as written: a name by its start, an acronym whole."""
    words = topic_names(topic)
    if not words:
        return None
    others = {o for phrase in _phrases(topic, words) for o in other_names(phrase)}
    acronyms = {o for o in others if " " not in o and sum(ch.isupper() for ch in o) >= 2}
    parts = [r"(?i:\b(?:" + _either({w[: max(MIN_STEM, len(w) - 2)] for w in words}) + "))"]
    if others - acronyms:
        parts.append(r"\b(?:" + _either(others - acronyms) + ")")
    if acronyms:
        parts.append(r"(?<![\w.])(?:" + _either(acronyms) + r")s?(?!\w)")
    return re.compile("|".join(parts))


def _either(alternatives: set[str]) -> str:
    return "|".join(re.escape(a) for a in sorted(alternatives, key=lambda a: (-len(a), a)))


def named_sources(chunks: Sequence[Chunk], topic: str) -> set[str]:
    """The documents of ``chunks`` that name what ``topic`` names (in a passage or a title);
    none when the topic names nothing."""
    pattern = _pattern(topic)
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


def retrieve_for_topic(topic: str, workspace: Workspace, k: int,
                       filters: Filters | None = None) -> list[Chunk]:
    """Sub-queries for options, red lines, risks and indicators, fused by reciprocal rank;
    the best ``k`` from documents that name what the topic names (:mod:`briefer.pipeline.topic`),
    out of twice as many candidates; a document's opening alone gives way to its next passage
    (:func:`~briefer.pipeline.retrieval.past_openings`)."""
    results = [workspace.search(q.format(topic=topic), k=2 * k, filters=filters)
               for q in SUBQUERIES]
    return past_openings(on_topic(fuse(results, 2 * k, workspace.settings.retrieval.rrf_k),
                                  topic, k), workspace)


def parties(topic: str) -> list[re.Pattern[str]]:
    """The parties ``topic`` names, each as a pattern of its names (its stem in any case, what
    else it is called as written), the acting one first: "US response to ... China and Mexico"
    gives US, then China, Mexico. [] when no name opens the topic (within its first words)."""
    found: list[tuple[int, str]] = []
    for name in dict.fromkeys([*names(topic), *topic_names(topic)]):
        at = topic.find(name)
        if at >= 0 and not any(name in other for _, other in found):
            found.append((at, name))
    found.sort()
    if not found or len(topic[: found[0][0]].split()) > 2:
        return []
    out = []
    for _, name in found:
        acronym = sum(ch.isupper() for ch in name) >= 2
        stem = name if acronym else name[: max(MIN_STEM, len(name) - 2)]
        parts = [re.escape(stem) if acronym else f"(?i:{re.escape(stem)})"]
        parts += [re.escape(o) for o in sorted(other_names(name), key=len, reverse=True)]
        out.append(re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![a-z])"
                              if acronym else r"(?<![\w.])(?:" + "|".join(parts) + ")"))
    return out


__all__ = ["SUBQUERIES", "named_sources", "on_topic", "parties", "retrieve_for_topic",
           "topic_names"]

