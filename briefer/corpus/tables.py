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
    """The cells' text of each row of an HTML ``<table>`` (its own rows, not a nested one's),
    a cell spanning columns or rows held in each (empty after the first), so that every
    cell stays under its column."""
    out: list[list[str]] = []
    below: dict[int, int] = {}  # column -> rows a cell above still spans
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        row: list[str] = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            while below.get(len(row), 0):
                below[len(row)] -= 1
                row.append("")
            span = _span(cell, "rowspan")
            for k in range(_span(cell, "colspan")):
                below[len(row)] = span - 1
                row.append(cell.get_text(" ", strip=True) if k == 0 else "")
        out.append(row)
    return out


def _span(cell: Any, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, 1)).strip() or 1), 50))
    except ValueError:
        return 1


def docx_rows(table: Any) -> list[list[str]]:
    """The cells' text of each row of a python-docx table; a cell merged across columns once,
    empty in the other columns it spans (python-docx repeats it in each)."""
    out: list[list[str]] = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            cells.append("" if cell._tc is last else cell.text)
            last = cell._tc
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
            rows = docx_rows(Table(element, document))
            filled = [[c for c in row if c.strip()] for row in rows]
            if any(len(row) > 1 for row in filled):
                blocks.append(as_rows(rows))
            else:  # a box of one cell a row: its text, as paragraphs
                blocks.extend(" ".join(c.split()) for row in filled for c in row)
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
