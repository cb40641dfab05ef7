"""Brief → Word memo (DOCX): the Markdown memo's content and order, as a Word document.

The only module that imports python-docx (lazily, in :func:`render_docx`). Headings are Word
headings (Title, Heading 1), options and red lines Word tables with a repeated header row, the
lists Word bullet lists. Sources are *numbered notes at the end* (a "Notes" section), cited by
superscript ``[n]`` marks with the Markdown memo's numbers, not Word endnotes: python-docx has no
endnote API, and a Word endnote belongs to a single reference mark, so a source cited in three
places would become three endnotes numbered apart from the Markdown and HTML memos.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import timezone
from typing import Any

from briefer.core.schemas import Brief, Changes, Chunk, Evidence
from briefer.render.memo import citer, manifest_line, steering

# Characters XML 1.0 cannot hold (python-docx refuses them); PDFs and OCR do produce them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

Row = tuple[Sequence[str], Sequence[int]]  # the cells' texts, then the notes the row cites
Numbers = Callable[[Sequence[Evidence]], list[int]]  # evidence -> its note numbers (citer)


def clean(text: object) -> str:
    """``text`` as one line Word can store."""
    return " ".join(_NOT_XML.sub("", str(text)).split())


def render_docx(brief: Brief, chunks: dict[str, Chunk]) -> bytes:
    """The memo as the bytes of a .docx file."""
    import docx
    from docx.shared import Pt

    sources, numbers = citer(brief, chunks)
    doc = docx.Document()
    m = brief.manifest
    props = doc.core_properties
    props.title = clean(f"Brief: {brief.topic}")
    props.author = props.last_modified_by = "Briefer"
    created = m.created_at.astimezone(timezone.utc).replace(tzinfo=None)
    props.created = props.modified = created
    props.revision = 1

    doc.add_heading(clean(f"Brief: {brief.topic}"), level=0)
    if brief.partial:
        _lead(doc, "Partial brief.", "Some sections did not validate: "
              + "; ".join(brief.failures))
    if steered := steering(m):
        _lead(doc, "Steered by the analyst.",
              " ".join(f"{what}: {', '.join(items)}." for what, items in steered))
    if brief.changes is not None:
        _changes(doc, brief.changes)
    doc.add_heading("Bottom line", level=1)
    _para(doc, brief.bottom_line, numbers(brief.bottom_line_evidence))
    if brief.situation:
        doc.add_heading("Situation", level=1)
        _para(doc, brief.situation)
    _tables(doc, brief, numbers)
    _lists(doc, brief, numbers)

    doc.add_heading("Notes", level=1)
    for s in sources:
        page = f", p. {s.page}" if s.page else ""
        _para(doc, f"{s.n}. {s.source}{page}, passage {s.chunk_id} (chars {s.start}–{s.end}), "
              f"{s.match} match: “{s.quote}”")
    footer = _para(doc, manifest_line(m))
    for run in footer.runs:
        run.font.size = Pt(8)
        run.italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _tables(doc: Any, brief: Brief, numbers: Numbers) -> None:
    doc.add_heading("Response options", level=1)
    described = any(o.description for o in brief.response_options)
    _table(doc, ["#", "Option", "Category", "Applies when"] + (["Description"] * described)
           + ["Sources"], [([str(i), o.label, o.category, o.condition]
                            + ([o.description] * described), numbers(o.evidence))
                           for i, o in enumerate(brief.response_options, 1)],
           [3, 22, 12, 18] + [16] * described + [8],
           "No response option is supported by the retrieved passages.")
    doc.add_heading("Red lines", level=1)
    _table(doc, ["#", "Trigger", "What crossing it would unlock", "Sources"],
           [([str(i), r.trigger, r.consequence], numbers(r.evidence))
            for i, r in enumerate(brief.red_lines, 1)], [3, 30, 30, 8],
           "No red line is supported by the retrieved passages.")


def _lists(doc: Any, brief: Brief, numbers: Numbers) -> None:
    none = "None supported by the retrieved passages."
    for title, findings in (("Risks", brief.risks), ("Indicators to watch", brief.indicators)):
        doc.add_heading(title, level=1)
        _bullets(doc, [(f.description, numbers(f.evidence)) for f in findings], none)
    doc.add_heading("Disagreements between sources", level=1)
    _bullets(doc, [(d.claim, numbers(d.evidence)) for d in brief.disagreements],
             "No disagreement found in the retrieved passages.")
    doc.add_heading("Gaps", level=1)
    _bullets(doc, [(g, []) for g in brief.gaps], "None listed.")
    if brief.unsupported:
        doc.add_heading("Not supported by the sources", level=1)
        _para(doc, "These items were drafted, but their quotes did not verify or do not state "
              "what the item says; they are not findings.")
        _bullets(doc, [(f"({u.section}) {u.text} — {u.reason}", []) for u in brief.unsupported],
                 "")
    if flagged := brief.manifest.flagged_passages:
        doc.add_heading("Passages that address the model", level=1)
        _para(doc, "These retrieved passages hold text written to instruct an AI, not to inform "
              "a reader (prompt injection). It was removed from what the model was shown and "
              "could not be quoted; check the documents.")
        _table(doc, ["Document", "Passage", "Flagged text", "Why"],
               [([f.source + (f" p. {f.page}" if f.page else ""), f.chunk_id, f.text, f.reason],
                 []) for f in flagged], [14, 8, 30, 10], "")


def _para(doc: Any, text: str, notes: Sequence[int] = (), style: str | None = None) -> Any:
    paragraph = doc.add_paragraph(clean(text), style=style)
    if notes:
        paragraph.add_run(" ")
        paragraph.add_run("".join(f"[{n}]" for n in notes)).font.superscript = True
    return paragraph


def _lead(doc: Any, bold: str, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(bold).bold = True
    paragraph.add_run(" " + clean(text))


def _italic(doc: Any, text: str) -> None:
    doc.add_paragraph().add_run(text).italic = True


def _bullets(doc: Any, items: Sequence[tuple[str, Sequence[int]]], empty: str) -> None:
    for text, notes in items:
        _para(doc, text, notes, style="List Bullet")
    if not items and empty:
        _italic(doc, empty)


def _table(doc: Any, header: Sequence[str], rows: Sequence[Row], weights: Sequence[int],
           empty: str) -> None:
    """A grid table: a bold header row (repeated on each page), then one row per item; the
    row's notes go as superscript marks in its last cell when ``len(cells) < len(header)``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if not rows:
        if empty:
            _italic(doc, empty)
        return
    section = doc.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for texts, notes in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, texts, strict=False):
            cell.paragraphs[0].add_run(clean(text))
        if len(texts) < len(header) and notes:
            cells[-1].paragraphs[0].add_run("".join(f"[{n}]" for n in notes)
                                            ).font.superscript = True
    for column, weight in zip(table.columns, weights, strict=True):
        for cell in column.cells:
            cell.width = int(usable * weight / sum(weights))


def _changes(doc: Any, c: Changes) -> None:
    doc.add_heading(f"Changes since {c.since.strftime('%Y-%m-%d %H:%M UTC')}", level=1)
    if c.empty():
        _italic(doc, "No option, red line, risk or indicator changed, and no document was "
                "added.")
    for i in c.items:
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(i.kind_label()).bold = True
        text = f" ({i.section.replace('_', ' ')}): {i.text}"
        if i.kind == "changed":
            text += f" — was: {i.before}"
        for q in i.quotes[:1]:
            text += f" — {q.source}: “{q.quote}”"
        paragraph.add_run(" " + clean(text))
    for what, names in (("Documents added", c.sources_added),
                        ("Documents changed", c.sources_updated),
                        ("Documents removed", c.sources_removed)):
        if names:
            _para(doc, f"{what}: {', '.join(names)}", style="List Bullet")
