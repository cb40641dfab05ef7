"""What changed between two briefs on one topic, and keeping each brief drafted.

Items are compared section by section (options, red lines, risks, indicators). An item of the new
brief is the same item as one of the old when it rests on the same sentence of the same document
(its evidence: source and normalised quote), else when its wording is close enough
(``grounding.same_wording``, content terms, Jaccard). A matched pair is *changed* when its evidence
differs (a figure in the sentence behind it changed, another sentence now backs it); the same
evidence worded again by the model is not a change. What is left over is *new* or *dropped* when
its documents changed (added, re-issued, removed), and *shown* or *left out* when they did not:
the brief's ranking or its budget of visits moved (a new document took a visit), not the
reporting.
Documents added, changed or removed come from the two store snapshots the records hold.

Works on kept records only (:class:`~briefer.corpus.history.KeptRecord`): `brief diff` needs
neither the store's passages nor a model.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from briefer.core.errors import BrieferError, BrieferWarning, HistoryError
from briefer.core.schemas import Brief, Changes, ChangeSection, Chunk, ItemChange, QuoteRef
from briefer.core.settings import GroundingSettings
from briefer.corpus.history import BriefArchive, KeptBrief, KeptRecord, snapshot
from briefer.corpus.workspace import Workspace
from briefer.text.verify import normalise
from briefer.text.words import terms

TEXT: dict[ChangeSection, Callable[[Any], str]] = {
    "response_options": lambda o: f"{o.label} (when: {o.condition})",
    "red_lines": lambda r: f"{r.trigger} → {r.consequence}",
    "risks": lambda f: str(f.description),
    "indicators": lambda f: str(f.description),
}


def _quotes(item: Any, cited: dict[str, str]) -> list[QuoteRef]:
    return [QuoteRef(source=cited.get(e.chunk_id, "?"), quote=" ".join(e.quote.split()))
            for e in item.evidence]


def _keys(quotes: Sequence[QuoteRef]) -> set[tuple[str, str]]:
    return {(q.source, normalise(q.quote).lower()) for q in quotes}


def _similar(a: str, b: str) -> float:
    ta, tb = terms(a), terms(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


def compare(old: KeptRecord, new: KeptRecord,
            present: Callable[[list[QuoteRef]], bool] | None = None,
            same_wording: float = GroundingSettings().same_wording) -> Changes:
    """The changes from ``old`` to ``new`` (two kept records on one topic). ``present(quotes)``:
    the sentences are still in their documents (the store's text, for an item of a document
    re-issued since); without it, an item of a re-issued document counts as changed. Two items
    with no sentence in common are one item worded again when at least ``same_wording`` of
    their content terms are shared ("more than 10,000 troops" → "more than 15,000 troops": 5
    of 7)."""
    def same_documents(quotes: list[QuoteRef]) -> bool:
        return all(q.source in new.documents
                   and old.documents.get(q.source) == new.documents[q.source] for q in quotes)

    def kept_out(quotes: list[QuoteRef]) -> bool:  # left out, its sentences unchanged
        return same_documents(quotes) or (
            present is not None and all(q.source in new.documents for q in quotes)
            and present(quotes))

    items: list[ItemChange] = []
    for section, text_of in TEXT.items():
        before = [(text_of(i), _quotes(i, old.cited)) for i in getattr(old.brief, section)]
        after = [(text_of(i), _quotes(i, new.cited)) for i in getattr(new.brief, section)]
        items += _section_changes(section, before, after, same_documents, kept_out,
                                  same_wording)
    old_docs, new_docs = old.documents, new.documents
    return Changes(
        since=old.entry.created_at, previous_id=old.entry.id, items=items,
        sources_added=sorted(set(new_docs) - set(old_docs)),
        sources_updated=sorted(s for s in set(new_docs) & set(old_docs)
                               if new_docs[s] != old_docs[s]),
        sources_removed=sorted(set(old_docs) - set(new_docs)))


Listed = list[tuple[str, list[QuoteRef]]]


def _section_changes(section: ChangeSection, before: Listed, after: Listed,
                     steady: Callable[[list[QuoteRef]], bool],
                     kept_out: Callable[[list[QuoteRef]], bool], same_wording: float
                     ) -> list[ItemChange]:
    """``steady(quotes)``: the quotes' documents are the same in both briefs' stores;
    ``kept_out(quotes)``: so are the quotes' sentences."""
    pairs: dict[int, tuple[int, str]] = {}  # new index → (old index, matched by)
    free = set(range(len(before)))
    for i, (_, quotes) in enumerate(after):  # the same sentence of the same document
        keys = _keys(quotes)
        best = max(((len(keys & _keys(before[j][1])), j) for j in free), default=(0, -1))
        if best[0] > 0:
            pairs[i] = (best[1], "evidence")
            free.discard(best[1])
    for i, (text, _) in enumerate(after):  # else the same wording
        if i in pairs:
            continue
        best_w = max(((_similar(text, before[j][0]), j) for j in free), default=(0.0, -1))
        if best_w[0] >= same_wording:
            pairs[i] = (best_w[1], "wording")
            free.discard(best_w[1])
    out: list[ItemChange] = []
    for i, (text, quotes) in enumerate(after):
        if i not in pairs:
            kind = "shown" if steady(quotes) else "new"
            out.append(ItemChange(section=section, kind=kind, text=text, quotes=quotes))
            continue
        j, how = pairs[i]
        if _keys(quotes) != _keys(before[j][1]):
            out.append(ItemChange(section=section, kind="changed", text=text,
                                  before=before[j][0], matched_by=how,
                                  quotes=quotes, quotes_before=before[j][1]))
    out += [ItemChange(section=section, kind="left_out" if kept_out(before[j][1]) else "dropped",
                       text=before[j][0], quotes=before[j][1]) for j in sorted(free)]
    return out


def record_of(brief: Brief, chunks: dict[str, Chunk], workspace: Workspace,
              entry: KeptBrief | None = None) -> KeptRecord:
    """A record of ``brief`` as it would be kept now (its cited documents, the store's)."""
    cited = {e.chunk_id: chunks[e.chunk_id].source for e in brief.evidence()
             if e.chunk_id in chunks}
    entry = entry or KeptBrief(id="(this brief)", topic=brief.topic, key="",
                               created_at=brief.manifest.created_at)
    return KeptRecord(entry=entry, brief=brief, cited=cited,
                      documents=snapshot(workspace.manifest.docs))


def remember(brief: Brief, chunks: dict[str, Chunk], workspace: Workspace) -> Brief:
    """``brief`` with its changes since the last brief kept on its topic (none for a first
    brief), kept in the store's history. Keeping it is best effort: a store that cannot take
    the record costs a warning, never the brief."""
    archive = BriefArchive(workspace.store)
    try:
        record = record_of(brief, chunks, workspace)
        last = archive.latest(brief.topic)
        if last is not None:
            brief = brief.model_copy(update={"changes": compare(
                archive.load(last), record, in_store(workspace),
                workspace.settings.grounding.same_wording)})
        archive.keep(brief, record.cited, record.documents)
    except BrieferError as exc:
        warnings.warn(f"the brief was not kept in the history: {exc}", BrieferWarning,
                      stacklevel=2)
    return brief


def diff(workspace: Workspace, topic: str, since: datetime | None = None) -> Changes:
    """The changes between the last two briefs kept on ``topic``, or from the last one kept at or
    before ``since`` (the first one, when none is that old) to the latest."""
    archive = BriefArchive(workspace.store)
    entries = archive.entries(topic)
    if not entries:
        known = sorted({e.topic for e in archive.entries()})
        hint = f" (kept: {', '.join(repr(t) for t in known[:5])})" if known else ""
        raise HistoryError(f"no brief on {topic!r} has been kept{hint}; `brief history` lists "
                           "them")
    if since is None:
        if len(entries) < 2:
            raise HistoryError(f"only one brief on {topic!r} has been kept "
                               f"({entries[0].created_at:%Y-%m-%d %H:%M}); draft it again to "
                               "compare")
        base = entries[-2]
    else:
        older = [e for e in entries if e.created_at <= since]
        base = older[-1] if older else entries[0]
        if base.id == entries[-1].id:
            raise HistoryError(f"no brief on {topic!r} was kept after "
                               f"{base.created_at:%Y-%m-%d %H:%M}; nothing to compare")
    latest = archive.load(entries[-1])
    if latest.brief.changes is not None and latest.brief.changes.previous_id == base.id:
        return latest.brief.changes  # as computed when it was drafted
    return compare(archive.load(base), latest, in_store(workspace),
                   workspace.settings.grounding.same_wording)


def in_store(workspace: Workspace) -> Callable[[list[QuoteRef]], bool]:
    """``present(quotes)`` for :func:`compare`: each quote is in its document's passages in the
    store now (each document read once, when a call first needs it)."""
    texts: dict[str, str] = {}

    def present(quotes: list[QuoteRef]) -> bool:
        wanted = sorted({q.source for q in quotes} - set(texts))
        if wanted:
            texts.update(dict.fromkeys(wanted, ""))
            for chunk in workspace.store.of_sources(wanted):
                texts[chunk.source] += " " + chunk.text
        return all(normalise(q.quote).lower() in normalise(texts[q.source]).lower()
                   for q in quotes)
    return present
