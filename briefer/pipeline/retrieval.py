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
    return fuse(results, k, workspace.settings.retrieval.rrf_k), best


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
