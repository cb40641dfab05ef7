"""Tables kept as rows, where they stand in their document (HTML and DOCX loaders).

Analysts put options, triggers and risks in tables ("| Trigger | Likely response |", "| Option
| Cost | Timing |"). Read cell by cell (HTML's ``<td>`` as paragraphs of their own) a row falls
apart: no cell says which row it is in or which column names it. Read after the text
(python-docx's ``document.tables``) a table leaves the heading it stands under. So a table is
written as Markdown writes one: a line per row, ``| cell | cell |``, and a rule line under the
first row when there are several (the header). The sentence splitter reads each row as a unit
of its own (:func:`briefer.text.verify.sentences`) and the header as its rows' lead-in
(:func:`briefer.text.structure.header_rows`). A table that lays out a page rather than data (a
table inside a cell, or one cell a row) is read as before, its cells' text as paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def as_rows(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (cells' text) as Markdown table lines: empty rows left out, every row as wide
    as the widest, a rule after the first row when there are several; "" for no row."""
    kept = [[" ".join(c.split()).replace("|", "/") for c in row] for row in rows]
    kept = [row for row in kept if any(row)]
    if not kept:
        return ""
    width = max(len(row) for row in kept)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in kept]
    if len(lines) > 1:
        lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def is_data_table(table: Any) -> bool:
    """An HTML ``<table>`` of data: no table inside it, and a row of two cells or more (a
    page laid out in a table frames its text in one column, or nests tables)."""
    return table.find("table") is None and any(len(row) > 1 for row in html_rows(table))


def html_rows(table: Any) -> list[list[str]]:
    """The cells' text of each row of an HTML ``<table>`` (its own rows, not a nested one's)."""
    out: list[list[str]] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            out.append([c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"],
                                                                         recursive=False)])
    return out


def docx_rows(table: Any) -> list[list[str]]:
    """The cells' text of each row of a python-docx table; a merged cell once (python-docx
    repeats it in every grid column it spans)."""
    out: list[list[str]] = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        out.append(cells)
    return out


def docx_blocks(document: Any) -> list[str]:
    """A python-docx document's paragraphs and tables in their order: headings as ``#``
    lines (``Heading N`` styles, ``Title``), tables as rows (:func:`as_rows`)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            rows = as_rows(docx_rows(Table(element, document)))
            if rows:
                blocks.append(rows)
        elif tag == "p":
            para = Paragraph(element, document)
            words = para.text.strip()
            if not words:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            if style.lower().startswith("heading") and style[-1:].isdigit():
                blocks.append("#" * int(style[-1]) + " " + words)
            elif style.lower() == "title":
                blocks.append("# " + words)
            else:
                blocks.append(words)
    return blocks


__all__ = ["as_rows", "docx_blocks", "docx_rows", "html_rows", "is_data_table"]
