"""An order named by its number is found through the title that later orders cite it with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefer.corpus.workspace import Workspace
from briefer.pipeline.retrieval import cited_documents, retrieve_for_question
from briefer.text.acts import acts_named, cited_titles, same_title

ORDER = """Closing the Northern Fishing Banks to Foreign Trawlers

By the authority vested in me as Premier, it is hereby ordered:

Section 1. The northern fishing banks are closed to trawlers flagged in Westmark.

Sec. 2. Should Westmark retaliate against this closure, the Premier may widen the closure to
the southern banks.

Sec. 3. Upon a finding that the stocks have recovered, the closure will be lifted.
"""

AMENDMENT = """Further Amending the Closure of the Fishing Banks

By the authority vested in me as Premier, it is hereby ordered:

Section 1. Executive Order 15001 of March 3, 2031 (Closing the Northern Fishing Banks to
Foreign Trawlers), declared that the trawling by Westmark endangers the fishing banks.
Executive Order 15001 is amended so that the closure of the fishing banks covers every
trawler flagged in Westmark. Under Executive Order 15001 the fishing banks stay closed to
Westmark trawlers.
"""


def test_a_numbered_act_and_the_title_a_citation_gives_it() -> None:
    question = "According to executive order 15001, what may the Premier do if Westmark retaliates?"
    assert acts_named(question) == ["Executive Order 15001"]
    assert acts_named("What did Proclamation 10903 invoke, and Proclamation 10903 say?") == [
        "Proclamation 10903"]
    assert acts_named("How many orders did the Premier sign in 2031?") == []
    # a citation over a line break, the title in emphasis
    text = "pursuant to Executive Order 15001 of March\n3, 2031 (*Closing the Northern Fishing " \
           "Banks to Foreign\nTrawlers*), as amended"
    assert cited_titles("Executive Order 15001", text) == [
        "Closing the Northern Fishing Banks to Foreign Trawlers"]
    assert cited_titles("Executive Order 15002", text) == []
    assert cited_titles("Executive Order 15001", "Executive Order 15001 is amended.") == []
    assert same_title("Closing the Premier\u2019s Banks", "closing the premier's  banks")


def test_a_question_naming_an_order_by_its_number_reaches_the_order(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "order.md").write_text(ORDER)
    for n in range(3):  # amendments that repeat the number: plain search ranks them first
        (docs / f"amendment-{n}.md").write_text(AMENDMENT.replace("Further", f"Further ({n})"))
    ws = make_workspace()
    ws.ingest([docs])
    question = "According to Executive Order 15001, what may the Premier do if Westmark retaliates?"
    assert cited_documents(question, ws) == ["order.md"]
    found, _ = retrieve_for_question(question, question, ws, 2)
    assert "order.md" in {c.source for c in found}
    assert "order.md" not in {h.source for h in ws.search(question, k=2).hits}
    # a question that names no act searches as before
    plain = "What may the Premier do if Westmark retaliates against the closure?"
    assert cited_documents(plain, ws) == []
