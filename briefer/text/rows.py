"""A table's rows: which row heads a table, which header a row is read with, and a row read
with its header's labels.

The loaders write every table as Markdown writes one (:mod:`briefer.corpus.tables`): a line
per row, ``| cell | cell |``, and a rule line under the first row when there are several. That
first row is the **header**: it names what each column holds ("| Trigger | Likely response |",
"| Option | Cost | Timing |"), so a row is read with its labels ("Trigger: the North transfers
missile technology; Likely response: Seoul lifts its ban"), and a header whose first column
names triggers, options or risks makes its rows items of that role (a column of triggers
anywhere makes them red lines). A passage cut from a long table holds rows without
their header: the chunk carries it (``Chunk.table_header``, :func:`header_at`).
"""

from __future__ import annotations

import re
from itertools import zip_longest

from briefer.text.verify import TABLE_LINE, TABLE_RULE, normalise
from briefer.text.words import pattern


def is_table_row(text: str) -> bool:
    """A table's row of cells (not its rule line)."""
    return TABLE_LINE.match(text) is not None and TABLE_RULE.match(text.strip()) is None


def is_table_line(text: str) -> bool:
    """A table's row or its rule."""
    return TABLE_LINE.match(text) is not None


def cells(row: str) -> list[str]:
    """A table row's cells, stripped ("| a | b |" -> ["a", "b"]; Markdown's "\\|" is a pipe
    inside a cell)."""
    inner = row.strip().removeprefix("|")
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [" ".join(c.replace("\\|", "|").split()) for c in _CELL.split(inner)]


_CELL = re.compile(r"(?<!\\)\|")


def in_table(line: str, first: bool, carried: str) -> bool:
    """A table's line; or the first line of a passage cut inside a row of the table it carries
    the header of (the row's end: "… its envoy. | Low |")."""
    return is_table_line(line) or (first and bool(carried) and line.rstrip().endswith("|"))


def header_rows(text: str) -> set[str]:
    """The lines of ``text`` that head a table: a row whose next line is the table's rule."""
    lines = [line for line in text.split("\n") if line.strip()]
    return {line for line, after in zip(lines, lines[1:], strict=False)
            if is_table_row(line) and TABLE_RULE.match(after.strip())}


def row_headers(text: str, carried: str = "") -> dict[str, str]:
    """Each table row of ``text`` (whitespace-normalised, :func:`briefer.text.verify.normalise`)
    -> its table's header row; ``carried``: the header of the table ``text`` opens inside (a
    passage cut from a long table)."""
    headers, out = header_rows(text), {}
    header: str | None = carried or None
    for i, line in enumerate(text.split("\n")):
        if line in headers:
            header = line
        elif header is not None and is_table_row(line):
            out[normalise(line)] = header
        elif line.strip() and not in_table(line, i == 0, carried):  # the table ended
            header = None
    return out


def labelled(row: str, header: str) -> str:
    """A table row read with its header's labels ("Trigger: the North transfers missile
    technology; Likely response: Seoul lifts its ban on lethal arms"): a small model reads a
    row's cells as what they are only with their column's name. A cell past the header's
    columns keeps no label; an empty cell is left out."""
    pairs = zip_longest(cells(header), cells(row), fillvalue="")
    return "; ".join(f"{h}: {c}" if h else c for h, c in pairs if c)


def header_role(header: str) -> str | None:
    """"red_line", "option" or "risk": what a header says each of its rows is. Its first
    column's name ("Trigger", "Option", "Risk", as a lead-in names them, ``roles.yaml``
    ``lead_in``), else a column of triggers anywhere (``trigger_column``: "|
    Scenario | Trigger | Response |"); a header naming none ("| Date | Event | Response |",
    "| Country | Risk level |") gives its rows no role."""
    names = cells(header)
    for role in ("red_line", "option", "risk"):
        if names and pattern("roles.yaml", "lead_in", role).search(names[0]):
            return role
    if pattern("roles.yaml", "trigger_column").search(" ".join(names[1:])):
        return "red_line"
    return None


def trigger_cell(row: str, header: str) -> str:
    """The cell of ``row`` under its header's column of triggers or conditions ("| Trigger |
    Likely response |", "| Condition | Consequence |"), or "": when the row's response
    applies."""
    names = cells(header)
    column = next((i for i, name in enumerate(names)
                   if pattern("roles.yaml", "trigger_column").search(name)
                   or (i == 0 and pattern("roles.yaml", "lead_in", "red_line").search(name))),
                  None)
    found = cells(row)
    return found[column] if column is not None and column < len(found) else ""


def header_at(text: str) -> list[tuple[int, int, str]]:
    """(start, end, header) of each table body in ``text``: from the line after its rule to the
    end of its last row, with its header row. A passage that starts inside a body carries that
    header (:mod:`briefer.corpus.chunking`)."""
    out: list[tuple[int, int, str]] = []
    lines, starts, at = text.split("\n"), [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    i = 0
    while i + 1 < len(lines):
        if is_table_row(lines[i]) and TABLE_RULE.match(lines[i + 1].strip()):
            j = i + 2
            while j < len(lines) and is_table_line(lines[j]):
                j += 1
            out.append((starts[i + 2] if i + 2 < len(lines) else at, starts[j - 1]
                        + len(lines[j - 1]), " ".join(lines[i].split())))
            i = j
        else:
            i += 1
    return out


__all__ = ["cells", "header_at", "header_role", "header_rows", "in_table", "is_table_line",
           "is_table_row", "labelled", "row_headers", "trigger_cell"]
