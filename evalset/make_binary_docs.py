"""Regenerate the two binary documents of the eval set.

    . /work/main/.venv/bin/activate && python evalset/make_binary_docs.py

- docs/lusara-response-memo.docx: written with python-docx (title, headings, paragraphs).
- docs/energy-security-bulletin.pdf: written by hand (no PDF library): two pages of
  Helvetica text, WinAnsi encoding, xref offsets computed from the bytes written.
  pypdf is used only afterwards, to check that the text extracts.

The PDF is byte-for-byte deterministic; the docx metadata dates are fixed to the memo's date.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parent / "docs"

# --------------------------------------------------------------------------- docx

MEMO_TITLE = "Options for the Minister of Health: Lusara Cholera Outbreak"
MEMO = [
    ("p", "Ministry of Health, Emergency Operations Unit. Memorandum to the Minister, 20 March 2025. "
          "Classification: official, sensitive."),
    ("h", "Situation"),
    ("p", "The cholera outbreak in Lusara province is still growing. Cases are concentrated in the "
          "eastern wards of Brennick, with smaller clusters in Oskar Vale and Temmen. Treatment "
          "centres are close to full and stocks of intravenous fluids will last little more than a "
          "week at current use."),
    ("p", "District health officers report at least 34 deaths, including deaths in the community "
          "that never reached a treatment centre. The Provincial Health Directorate's situation "
          "report of 18 March gives 21 deaths. We consider the district figure more reliable, "
          "because surveillance in Temmen is weak and the Directorate counts only deaths it has "
          "verified."),
    ("p", "A retrospective review of clinic records in Brennick found a patient whose watery "
          "diarrhoea began on 26 February, before the incident at the water treatment works on "
          "2 March. The water works is very likely the main source, but it may not be the only one, "
          "and food vendors at the Brennick market should be investigated."),
    ("h", "Response options"),
    ("h2", "Option 1: Make the water safe"),
    ("p", "Keep the boil-water notice in force, continue emergency chlorination at the Brennick works, "
          "expand water trucking to Oskar Vale, and distribute chlorine tablets to households. Because "
          "families report that they cannot afford the cooking gas needed to boil water, we propose a "
          "temporary subsidy on gas cylinders in the affected wards."),
    ("h2", "Option 2: Oral cholera vaccination"),
    ("p", "Run a single-dose reactive vaccination campaign targeting 120,000 residents of Brennick, "
          "Oskar Vale and Temmen. The doses already received cover part of the target; the Ministry "
          "should request the remainder through the international vaccine stockpile mechanism now, "
          "since delivery can take two weeks."),
    ("h2", "Option 3: Case management"),
    ("p", "Expand treatment capacity from 140 to 250 beds, open more oral rehydration points in "
          "Temmen, and pre-position intravenous fluids for at least 30 days."),
    ("h2", "Option 4: Surveillance and community engagement"),
    ("p", "Deploy two rapid response teams to Temmen to find cases and record community deaths, and "
          "work with religious leaders on safe burial practices."),
    ("h", "Thresholds and red lines"),
    ("p", "We recommend that the Minister agree in advance to the following triggers, so that "
          "decisions are not delayed when they are reached."),
    ("p", "If weekly suspected cases exceed 400, the Minister should declare a provincial health "
          "emergency. The declaration unlocks the emergency procurement fund of 2,500,000 crowns and "
          "allows staff to be redeployed from other provinces."),
    ("p", "If confirmed cases are reported in the capital, Vessen, the Ministry should request "
          "international emergency medical teams through the regional health network."),
    ("p", "If the case fatality ratio stays above 1% for two consecutive weeks, the Ministry should "
          "ask the Defence Ministry to deploy the army field hospital to Brennick."),
    ("h", "Recommendation"),
    ("p", "Approve Options 1 to 4 now, and approve the thresholds above so that the emergency "
          "declaration can be made without a further meeting."),
]


def make_docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading(MEMO_TITLE, level=0)
    for kind, text in MEMO:
        if kind == "h":
            doc.add_heading(text, level=1)
        elif kind == "h2":
            doc.add_heading(text, level=2)
        else:
            doc.add_paragraph(text)
    doc.core_properties.title = MEMO_TITLE
    doc.core_properties.author = "Emergency Operations Unit"
    # python-docx's template carries a 2013 creation date; stamp the memo's own date instead,
    # which also makes the file's metadata the same on every run.
    when = datetime(2025, 3, 20, 9, 0, 0)
    doc.core_properties.created = when
    doc.core_properties.modified = when
    doc.core_properties.last_modified_by = "Emergency Operations Unit"
    doc.core_properties.revision = 1
    doc.save(str(path))


# --------------------------------------------------------------------------- pdf

PDF_TITLE = "Regional Energy Security Bulletin No. 14"
PAGES = [
    [
        ("title", PDF_TITLE),
        ("p", "Regional Energy Security Agency. Published 10 November 2025."),
        ("h", "1. Storage"),
        ("p", "Gas storage across the region stood at 74% of total capacity on 1 November 2025, well "
              "short of the 95% target for that date. Our figure counts all technical capacity, "
              "including the reopened Vell salt cavern, which some market reports leave out of the "
              "calculation. On that basis the region enters the winter with a thinner buffer than "
              "commercial outlooks suggest."),
        ("h", "2. Prices"),
        ("p", "The October rise in Nordhavn Hub prices was driven mainly by speculative positioning "
              "after Kestria's warnings that it could halt deliveries through the Northline pipeline. "
              "It was not driven by the Hallsund LNG terminal: operator data show that Hallsund "
              "operated at about 90% of its regasification capacity through October. Open interest "
              "in front-month contracts rose by a quarter in the week after the Kestrian statement."),
        ("h", "3. Pipeline flows"),
        ("p", "The Northline pipeline carried an average of 48 million cubic metres per day in "
              "October, unchanged from September. Flows have not yet been reduced, but Kestria's "
              "operator has shortened its nomination notice period from seven days to two, which "
              "would allow a cut at short notice."),
    ],
    [
        ("h", "4. Indicators to watch"),
        ("p", "- Daily nominations on Northline below 30 million cubic metres."),
        ("p", "- Storage withdrawals above 1.1% of capacity per day before mid-January."),
        ("p", "- LNG cargoes diverted away from the region for two weeks running."),
        ("p", "- Forward prices for February more than 20% above the front month."),
        ("h", "5. Recommended measures"),
        ("p", "If daily nominations on Northline fall below 30 million cubic metres for three "
              "consecutive days, member governments should activate their emergency plans: release "
              "gas from strategic storage, order fuel switching at dual-fired power stations, and ask "
              "large industrial users to cut consumption under their interruptible contracts."),
        ("p", "Independently of Northline, the Agency recommends a voluntary reduction in gas demand "
              "of 5% against the five-year average from December to March, and asks member "
              "governments to publish weekly storage figures on a common basis so that market "
              "reports stop disagreeing about how full storage really is."),
        ("h", "6. Next bulletin"),
        ("p", "The next bulletin will be published on 8 December 2025."),
    ],
]


def _pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_stream(blocks: list[tuple[str, str]]) -> bytes:
    out = [b"BT"]
    y = 770.0
    out.append(b"1 0 0 1 72 %.1f Tm" % y)
    first = True

    def line(text: str, font: bytes, size: int, lead: float) -> None:
        nonlocal y, first
        if not first:
            out.append(b"0 %.1f Td" % -lead)
            y -= lead
        first = False
        out.append(b"/%s %d Tf (%s) Tj" % (font, size, _pdf_escape(text)))

    for kind, text in blocks:
        if kind == "title":
            line(text, b"F2", 16, 20)
        elif kind == "h":
            line("", b"F1", 11, 14)  # blank line before a heading
            line(text, b"F2", 12, 16)
        else:
            for i, chunk in enumerate(textwrap.wrap(text, 92)):
                line(chunk, b"F1", 10, 14 if i else 16)
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def make_pdf(path: Path) -> None:
    # objects: 1 catalog, 2 pages, 3 F1 Helvetica, 4 F2 Helvetica-Bold, 5 info,
    # then per page: page object, content stream
    n_pages = len(PAGES)
    page_ids = [6 + 2 * i for i in range(n_pages)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
           % (b" ".join(b"%d 0 R" % p for p in page_ids), n_pages),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        5: (b"<< /Title (%s) /Author (Regional Energy Security Agency) "
            b"/CreationDate (D:20251110090000Z) >>" % _pdf_escape(PDF_TITLE)),
    }
    for pid, blocks in zip(page_ids, PAGES):
        stream = _page_stream(blocks)
        objects[pid] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                        b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
                        % (pid + 1))
        objects[pid + 1] = (b"<< /Length %d >>\nstream\n" % len(stream)) + stream + b"endstream"
    buf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(buf)
        buf += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(buf)
    size = max(objects) + 1
    buf += b"xref\n0 %d\n" % size
    buf += b"0000000000 65535 f \n"
    for num in range(1, size):
        buf += b"%010d 00000 n \n" % offsets[num]
    buf += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at)
    path.write_bytes(bytes(buf))


def check_pdf(path: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=True)
    assert len(reader.pages) == 2, len(reader.pages)
    text = " ".join(p.extract_text() for p in reader.pages)
    for needle in ("74% of total capacity", "48 million cubic metres", "speculative positioning",
                   "below 30 million cubic metres"):
        assert needle in " ".join(text.split()), needle


def check_docx(path: Path) -> None:
    from docx import Document

    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    for needle in ("120,000", "exceed 400", "34 deaths", "Vessen"):
        assert needle in text, needle


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    docx_path = DOCS / "lusara-response-memo.docx"
    pdf_path = DOCS / "energy-security-bulletin.pdf"
    make_docx(docx_path)
    make_pdf(pdf_path)
    check_docx(docx_path)
    check_pdf(pdf_path)
    print(f"wrote {docx_path.name} and {pdf_path.name}; text extraction checked")
