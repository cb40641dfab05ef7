"""Loaders: each file type → Document text + metadata; unreadable files → SkipFile/CorpusError."""

from __future__ import annotations

from pathlib import Path

import pytest
from docgen import build_pdf

from briefer.core.errors import CorpusError
from briefer.corpus.loaders import SkipFile, load


def test_txt_dateline_and_title(tmp_path: Path) -> None:
    p = tmp_path / "story.txt"
    p.write_text("55.1 F\r\nLos Angeles\r\nWednesday, January 22, 2025\r\n\r\n"
                 "Troops on the Move Near the Border\r\n\r\nThe body of the story follows.\r\n",
                 encoding="utf-8")
    doc = load(p)
    assert doc.kind == "text"
    assert doc.date == "2025-01-22"
    assert doc.title == "Troops on the Move Near the Border"
    assert "\r" not in doc.text
    assert "The body of the story follows." in doc.text
    assert doc.warnings == []


def test_txt_date_is_the_first_dateline_not_a_date_the_text_names(tmp_path: Path) -> None:
    """A saved page's "Published:" line comes before its first paragraph's dates."""
    p = tmp_path / "notice.txt"
    p.write_text("Notice on the Harbour Emergency\n\nPublished: 2023-03-01\n\n"
                 "On March 8, 2015, the Governor declared an emergency in the harbour.\n",
                 encoding="utf-8")
    assert load(p).date == "2023-03-01"


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_markdown_links_keep_their_words_not_their_targets(tmp_path: Path, suffix: str) -> None:
    """A link's target is not what the document says; its words are, even wrapped over lines."""
    p = tmp_path / f"notice{suffix}"
    p.write_text("# Harbour Notice\n\nThe ministry [released](https://example.org/a?b=1#:~:text=x)"
                 " its plan ([3/5/24](https://video.example/clip_(full))). The [Department of\n"
                 "    Defense](https://grants.example/view.html?id=33) funds it.\n"
                 "![Map of the harbour](map.png \"a map\")\n\n"
                 "A [bracket] (not a link) and [a paragraph\n\nlater](x) stay.\n",
                 encoding="utf-8")
    text = load(p).text
    assert "The ministry released its plan (3/5/24). The Department of\n    Defense funds it." \
        in text
    assert "Map of the harbour\n" in text
    assert "A [bracket] (not a link) and [a paragraph\n\nlater](x) stay." in text
    assert "http" not in text


def test_txt_without_title_falls_back_to_stem(tmp_path: Path) -> None:
    p = tmp_path / "short-note.txt"
    p.write_text("tiny\n", encoding="utf-8")
    doc = load(p)
    assert doc.title == "short-note"
    assert doc.date is None


def test_markdown_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "note.md"
    p.write_text("---\ntitle: Options Paper\ndate: 2024-03-05\nauthor: someone\n---\n"
                 "# A Heading In The Body\n\nFirst paragraph of the note.\n", encoding="utf-8")
    doc = load(p)
    assert doc.kind == "markdown"
    assert doc.title == "Options Paper"
    assert doc.date == "2024-03-05"
    assert doc.text.startswith("# A Heading In The Body")
    assert "title:" not in doc.text and "author" not in doc.text and "---" not in doc.text


def test_markdown_without_front_matter_uses_heading(tmp_path: Path) -> None:
    p = tmp_path / "plain.md"
    p.write_text("intro line\n\n# The Real Heading\n\nBody text.\n", encoding="utf-8")
    doc = load(p)
    assert doc.title == "The Real Heading"
    assert doc.text.startswith("intro line")


HTML = """<!doctype html>
<html><head>
<title>Page title from the title tag</title>
<meta property="article:published_time" content="2024-11-05">
<style>body { color: red; } .STYLE_MARK {}</style>
<script>var SCRIPT_MARK = 1;</script>
</head><body>
<header><p>HEADER_MARK site banner</p></header>
<nav><ul><li>NAV_MARK home</li></ul></nav>
<div class="sidebar"><p>OUTER_SIDEBAR_MARK</p></div>
<article>
  <h1>Main headline of the article</h1>
  <p>First   paragraph
     of the article.</p>
  <div class="sidebar"><p>SIDEBAR_MARK related links</p></div>
  <h2>A second section</h2>
  <p>Second paragraph with <b>bold</b> words.</p>
  <script>var INNER_SCRIPT_MARK = 2;</script>
</article>
<footer><p>FOOTER_MARK copyright</p></footer>
</body></html>
"""


def test_html_keeps_only_article_text(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(HTML, encoding="utf-8")
    doc = load(p)
    assert doc.kind == "html"
    assert doc.date == "2024-11-05"
    assert doc.title == "Page title from the title tag"
    assert doc.text == (
        "# Main headline of the article\n\n"
        "First paragraph of the article.\n\n"
        "## A second section\n\n"
        "Second paragraph with bold words."
    )
    for mark in ("STYLE_MARK", "SCRIPT_MARK", "HEADER_MARK", "NAV_MARK", "SIDEBAR_MARK",
                 "FOOTER_MARK", "color: red"):
        assert mark not in doc.text


@pytest.mark.parametrize("value", ["2024-11-05T10:00:00Z", "2024-11-05T10:00:00+09:00",
                                   "2024-11-05T10:00"])
def test_html_published_time_as_iso_datetime(tmp_path: Path, value: str) -> None:
    # Open Graph's article:published_time is an ISO 8601 datetime, usually with a time part.
    p = tmp_path / "dated.html"
    p.write_text(f'<html><head><meta property="article:published_time" content="{value}">'
                 "</head><body><article><p>Some article text here.</p></article></body></html>",
                 encoding="utf-8")
    assert load(p).date == "2024-11-05"


def test_html_time_tag_date(tmp_path: Path) -> None:
    p = tmp_path / "timed.html"
    p.write_text('<html><body><article><time datetime="2023-07-09">July 9</time>'
                 "<p>Article text.</p></article></body></html>", encoding="utf-8")
    assert load(p).date == "2023-07-09"


def _two_page_pdf() -> bytes:
    return build_pdf([["Page one says hello (first)."], ["Page two says goodbye."]])


def test_pdf_text_per_page(tmp_path: Path) -> None:
    p = tmp_path / "report.pdf"
    p.write_bytes(_two_page_pdf())
    doc = load(p)
    assert doc.kind == "pdf"
    assert [number for _, number in doc.pages] == [1, 2]
    assert doc.pages[0][0] == 0
    second = doc.pages[1][0]
    assert doc.text[:second].strip() == "Page one says hello (first)."
    assert doc.text[second:] == "Page two says goodbye."
    assert doc.title == "Page one says hello (first)."  # from the text: the PDF has no /Title


def test_pdf_blank_page_is_not_a_segment(tmp_path: Path) -> None:
    p = tmp_path / "gap.pdf"
    p.write_bytes(build_pdf([["First page text here."], [], ["Third page text here."]]))
    doc = load(p)
    assert [number for _, number in doc.pages] == [1, 3]
    assert doc.text[doc.pages[1][0]:] == "Third page text here."


def test_corrupt_pdf_is_corpus_error(tmp_path: Path) -> None:
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(CorpusError):
        load(p)


def test_docx_headings_and_paragraphs(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Assessment Of The Situation", level=1)
    d.add_paragraph("The first paragraph of the assessment.")
    d.add_paragraph("")
    d.add_heading("Details", level=2)
    d.add_paragraph("The second paragraph, with details.")
    d.core_properties.title = "Docx Title"
    p = tmp_path / "memo.docx"
    d.save(str(p))
    doc = load(p)
    assert doc.kind == "docx"
    assert doc.title == "Docx Title"
    assert doc.text == (
        "# Assessment Of The Situation\n\n"
        "The first paragraph of the assessment.\n\n"
        "## Details\n\n"
        "The second paragraph, with details."
    )


def test_docx_table_stays_under_its_heading_as_rows(tmp_path: Path) -> None:
    """A table is read where it stands, a line per row with its header ruled off; a merged
    cell once (python-docx repeats it in every column it spans)."""
    import docx

    d = docx.Document()
    d.add_heading("Escalation matrix", level=2)
    table = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Trigger", "Likely response"),
                                ("Westmark moves troops to the border", "Norland arms Ostravia"),
                                ("A merged note across both columns", "")]):
        table.rows[r].cells[0].text, table.rows[r].cells[1].text = a, b
    table.rows[2].cells[0].merge(table.rows[2].cells[1])
    d.add_heading("Risks", level=2)
    d.add_paragraph("Escalation could draw in third parties.")
    p = tmp_path / "digest.docx"
    d.save(str(p))
    assert load(p).text == (
        "## Escalation matrix\n\n"
        "| Trigger | Likely response |\n|---|---|\n"
        "| Westmark moves troops to the border | Norland arms Ostravia |\n"
        "| A merged note across both columns |  |\n\n"
        "## Risks\n\nEscalation could draw in third parties.")


_TABLES_HTML = [
    # a table of data as rows under its header; a page laid out in a table as its text
    ("<html><body><article><h2>Options</h2><table>"
     "<tr><th>Option</th><th>Cost</th></tr>"
     "<tr><td>Expand sanctions on <b>Westmark</b> banks</td><td>Low | recurring</td></tr>"
     "</table><table><tr><td><p>A page laid out in one column of a table.</p></td></tr>"
     "</table></article></body></html>",
     "## Options\n\n| Option | Cost |\n|---|---|\n"
     "| Expand sanctions on Westmark banks | Low / recurring |\n\n"
     "A page laid out in one column of a table."),
    # cells spanning columns or rows keep every other cell under its column; the caption first
    ("<html><body><table><caption>Table 1: options before the cabinet</caption>"
     "<tr><th>Option</th><th>Cost</th><th>Timing</th></tr>"
     "<tr><td colspan='2'>Ban imports (cost not known)</td><td>Phase 2</td></tr>"
     "<tr><td rowspan='2'>Hotline</td><td>Low</td><td>Now</td></tr>"
     "<tr><td>High</td><td>Later</td></tr></table></body></html>",
     "Table 1: options before the cabinet\n\n| Option | Cost | Timing |\n|---|---|---|\n"
     "| Ban imports (cost not known) |  | Phase 2 |\n| Hotline | Low | Now |\n"
     "|  | High | Later |"),
]


@pytest.mark.parametrize(("html", "expected"), _TABLES_HTML)
def test_html_tables_of_data_as_rows_and_of_layout_as_paragraphs(tmp_path: Path, html: str,
                                                                  expected: str) -> None:
    p = tmp_path / "tables.html"
    p.write_text(html, encoding="utf-8")
    assert load(p).text == expected


def test_a_docx_box_of_one_cell_a_row_is_paragraphs(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    box = d.add_table(rows=2, cols=1)
    box.rows[0].cells[0].text = "All teams are expected to keep a charter."
    box.rows[1].cells[0].text = "Contact the account manager with questions."
    p = tmp_path / "box.docx"
    d.save(str(p))
    assert load(p).text == ("All teams are expected to keep a charter.\n\n"
                            "Contact the account manager with questions.")


@pytest.mark.parametrize("payload", [b"this is not a zip file at all",
                                     b"PK\x03\x04 truncated zip header"])
def test_corrupt_docx_is_corpus_error(tmp_path: Path, payload: bytes) -> None:
    p = tmp_path / "broken.docx"
    p.write_bytes(payload)
    with pytest.raises(CorpusError):
        load(p)


def test_zip_that_is_not_a_docx_is_corpus_error(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "archive.docx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "not a word document")
    with pytest.raises(CorpusError):
        load(p)


def test_invalid_utf8_loads_with_warning(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes(b"caf\xe9 au lait is served every morning in the old town square.\n")
    doc = load(p)
    assert doc.text.startswith("caf\u00e9 au lait")
    assert len(doc.warnings) == 1
    assert "latin.txt" in doc.warnings[0] and "UTF-8" in doc.warnings[0]


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffHello there, this is a file with a byte order mark.".encode())
    doc = load(p)
    assert doc.text.startswith("Hello")
    assert doc.warnings == []


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("empty.txt", b""),
        ("binary.txt", b"abc\x00\x01\x02def" * 10),
        ("data.xyz", b"some text in an unknown format"),
        ("noext", b"some text without an extension"),
        ("blank.md", b"   \n\n\t\n"),
    ],
)
def test_skip_files(tmp_path: Path, name: str, payload: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(payload)
    with pytest.raises(SkipFile) as info:
        load(p)
    assert str(info.value)  # carries a one-line reason
    assert "\n" not in str(info.value)
