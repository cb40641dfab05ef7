"""What passages a question gets: the question and its standalone form searched and fused by
reciprocal rank, and the document an act the question names by its number is held under
(:mod:`briefer.text.acts`). :mod:`briefer.pipeline.ask` answers from them, and ``brief eval``
scores them (hit@k: what reaches the model, not a plain search)."""

from __future__ import annotations

from glob import escape

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.store.retrieve import Filters, best_similarity, fuse
from briefer.text.acts import acts_named, cited_titles, same_title
from briefer.text.structure import opening_only

CITING = 20  # the passages searched for an act's citations, and for its title


def retrieve_for_question(question: str, standalone: str, workspace: Workspace,
                          k: int) -> tuple[list[Chunk], float]:
    """Passages for the question (and its standalone form), fused by reciprocal rank, with the
    best cosine similarity. A several-part question is searched whole: its later parts lean
    on the first ("and what did that bring the week's total to?"), and searched alone they
    bring passages about nothing it asks (real-dev: searching each part too found no document
    more on the tuning half and lost one on the test half, docs/MEASUREMENTS.md session 18)."""
    queries = [question] if standalone == question else [standalone, question]
    keep = workspace.settings.retrieval.keep_best  # a ranking's best is never fused away
    results = [workspace.search(q, k=k, keep=keep) for q in queries]
    best = best_similarity(results)
    # an order the question names by its number is searched too (briefer.text.acts)
    results += [workspace.search(standalone, k=k, filters=Filters(sources=[escape(source)]))
                for source in cited_documents(standalone, workspace)]
    return past_openings(fuse(results, k, workspace.settings.retrieval.rrf_k), workspace), best


def past_openings(chunks: list[Chunk], workspace: Workspace) -> list[Chunk]:
    """``chunks`` with a document's opening alone (its title, date and source lines, and no
    sentence: :func:`~briefer.text.structure.opening_only`) given way to the document's next
    passage, unless that one is there already (then it is left out). A statement's title
    names its subject as a question does and its opening is searched up, but there is
    nothing in it to answer from: "Statement ... on the Return of Americans Wrongfully
    Detained in Venezuela / Published: 2022-10-01 / Source: ..." over the statement whose
    next passage names the seven Americans brought home."""
    openings = {c.source for c in chunks if c.position == 0 and opening_only(c.text, c.title)}
    if not openings:
        return chunks
    following = {c.source: c for c in workspace.store.of_sources(sorted(openings))
                 if c.position == 1}
    out: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.position == 0 and chunk.source in openings:
            chunk = following.get(chunk.source, chunk)
        out.setdefault(chunk.id, chunk)
    return list(out.values())


def cited_documents(question: str, workspace: Workspace) -> list[str]:
    """The documents ``question`` names by an act's number ("Executive Order 14195") that the
    store holds under the title other documents cite it with (:mod:`briefer.text.acts`)."""
    lexical, out = workspace.lexical(), []
    for act in acts_named(question):
        citing = workspace.store.get([cid for cid, _ in lexical.search(act, CITING)])
        for title in dict.fromkeys(t for c in citing for t in cited_titles(act, c.text)):
            titled = workspace.store.get([cid for cid, _ in lexical.search(title, CITING)])
            out += [c.source for c in titled if same_title(c.title, title)]
    return list(dict.fromkeys(out))
