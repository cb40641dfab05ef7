"""Chunking: exact offsets, token budget, stable ids, page and section attribution."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from docgen import build_pdf, make_text, wrap_lines

from briefer.core.schemas import Chunk
from briefer.corpus.chunking import chunk_id, split_document
from briefer.corpus.loaders import Document, load
from briefer.store.embed import MiniLMEmbedder


def _write_txt(folder: Path) -> Path:
    p = folder / "long.txt"
    p.write_text("Wednesday, January 22, 2025\n\nA Long Generated Report On Many Things\n\n"
                 + make_text(seed=1, paragraphs=30), encoding="utf-8")
    return p


def _write_md(folder: Path) -> Path:
    body = "\n\n".join([
        "# Guide", make_text(seed=2, paragraphs=3),
        "## Background", make_text(seed=3, paragraphs=8),
        "## Options", make_text(seed=4, paragraphs=2),
        "### Military", make_text(seed=5, paragraphs=8),
        "## Outlook", make_text(seed=6, paragraphs=5),
    ])
    p = folder / "guide.md"
    p.write_text("---\ntitle: Options Guide\ndate: 2024-02-01\n---\n" + body + "\n",
                 encoding="utf-8")
    return p


def _write_html(folder: Path) -> Path:
    parts = ["<html><body><nav>menu</nav><article><h1>Html Report</h1>"]
    for i in range(4):
        parts.append(f"<h2>Part {i}</h2>")
        for para in make_text(seed=10 + i, paragraphs=6).split("\n\n"):
            parts.append(f"<p>{para}</p>")
    parts.append("<ul><li>one bullet point</li><li>another bullet point</li></ul>")
    parts.append("</article></body></html>")
    p = folder / "report.html"
    p.write_text("\n".join(parts), encoding="utf-8")
    return p


PAGE_TEXTS = [make_text(seed=20, paragraphs=9), make_text(seed=21, paragraphs=9)]


def _write_pdf(folder: Path) -> Path:
    p = folder / "paper.pdf"
    p.write_bytes(build_pdf([wrap_lines(t) for t in PAGE_TEXTS]))
    return p


def _write_docx(folder: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Docx Assessment", level=1)
    for i in range(3):
        d.add_heading(f"Chapter {i}", level=2)
        for para in make_text(seed=30 + i, paragraphs=6).split("\n\n"):
            d.add_paragraph(para)
    p = folder / "memo.docx"
    d.save(str(p))
    return p


WRITERS: dict[str, Callable[[Path], Path]] = {
    "text": _write_txt, "markdown": _write_md, "html": _write_html, "pdf": _write_pdf,
    "docx": _write_docx,
}


def _split(doc: Document, embedder: MiniLMEmbedder, source: str = "src", size: int = 200,
           overlap: int = 32, doc_hash: str = "h") -> list[Chunk]:
    return split_document(doc, source=source, doc_hash=doc_hash, length=embedder.count_tokens,
                          size=size, overlap=overlap)


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize(("size", "overlap"), [(200, 32), (64, 16)])
def test_offsets_and_token_budget(tmp_path: Path, embedder: MiniLMEmbedder, kind: str,
                                  size: int, overlap: int) -> None:
    doc = load(WRITERS[kind](tmp_path))
    assert doc.kind == kind
    chunks = _split(doc, embedder, size=size, overlap=overlap)
    assert len(chunks) >= 5, f"{kind}: expected many chunks, got {len(chunks)}"
    assert doc.warnings == []
    for i, c in enumerate(chunks):
        assert doc.text[c.start:c.end] == c.text
        assert c.text.strip() == c.text and c.text
        assert embedder.count_tokens(c.text) <= size, (kind, i, c.text)
        assert c.position == i
        assert c.source == "src" and c.doc_hash == "h"
        assert c.title == doc.title and c.date == doc.date
    # chunks follow the document: starts never go backwards, and together they cover it
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    covered = [False] * len(doc.text)
    for c in chunks:
        covered[c.start:c.end] = [True] * (c.end - c.start)
    missing = "".join(ch for ch, ok in zip(doc.text, covered, strict=True) if not ok)
    assert missing.strip() == ""


def test_ids_stable_and_sensitive(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    path = _write_txt(tmp_path)
    first = _split(load(path), embedder, source="a/long.txt")
    second = _split(load(path), embedder, source="a/long.txt")
    assert [c.id for c in first] == [c.id for c in second]
    assert first == second
    ids = [c.id for c in first]
    assert len(set(ids)) == len(ids)

    renamed = _split(load(path), embedder, source="b/long.txt")
    assert not {c.id for c in renamed} & set(ids)

    text = path.read_text(encoding="utf-8")
    changed_path = tmp_path / "changed.txt"
    changed_path.write_text(text.replace("A Long Generated Report", "A Long Rewritten Report"),
                            encoding="utf-8")
    changed = _split(load(changed_path), embedder, source="a/long.txt")
    assert changed[0].id != first[0].id
    assert {c.id for c in changed} != set(ids)
    # untouched passages later in the document keep their ids
    assert changed[-1].id == first[-1].id


def test_chunk_id_function() -> None:
    a = chunk_id("x.txt", 0, "hello")
    assert a == chunk_id("x.txt", 0, "hello")
    assert len(a) == 24 and int(a, 16) >= 0
    assert len({a, chunk_id("y.txt", 0, "hello"), chunk_id("x.txt", 1, "hello"),
                chunk_id("x.txt", 0, "hello!")}) == 4
    # the separator keeps (source, position) pairs from colliding
    assert chunk_id("x1", 0, "t") != chunk_id("x", 10, "t")


def test_pdf_chunks_carry_their_page(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    doc = load(_write_pdf(tmp_path))
    chunks = _split(doc, embedder, size=64, overlap=16)
    page2 = doc.pages[1][0]
    assert {c.page for c in chunks} == {1, 2}
    normalised = [" ".join(t.split()) for t in PAGE_TEXTS]
    for c in chunks:
        assert c.page == (2 if c.start >= page2 else 1)
        assert c.end <= page2 or c.start >= page2, "a chunk spans two pages"
        assert " ".join(c.text.split()) in normalised[c.page - 1]


def test_markdown_sections(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    doc = load(_write_md(tmp_path))
    assert doc.title == "Options Guide"
    chunks = _split(doc, embedder, size=64, overlap=8)
    text = doc.text
    marks = [
        (text.index("# Guide"), "Guide"),
        (text.index("## Background"), "Guide > Background"),
        (text.index("## Options"), "Guide > Options"),
        (text.index("### Military"), "Guide > Options > Military"),
        (text.index("## Outlook"), "Guide > Outlook"),
    ]
    seen = set()
    for c in chunks:
        expected = [section for start, section in marks if start <= c.start][-1]
        assert c.section == expected, (c.start, c.text[:60])
        seen.add(c.section)
    assert seen == {section for _, section in marks}


def test_html_and_docx_sections(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    html = _split(load(_write_html(tmp_path)), embedder, size=64, overlap=8)
    parts = {f"Html Report > Part {i}" for i in range(4)}
    assert parts <= {c.section for c in html} <= parts | {"Html Report"}
    docx = _split(load(_write_docx(tmp_path)), embedder, size=64, overlap=8)
    assert {f"Docx Assessment > Chapter {i}" for i in range(3)} <= {c.section for c in docx}


def test_text_chunks_have_no_section_or_page(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    chunks = _split(load(_write_txt(tmp_path)), embedder)
    assert all(c.section == "" and c.page is None for c in chunks)
    assert all(c.date == "2025-01-22" for c in chunks)


def test_doc_hash_is_passed_through(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    path = _write_txt(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    chunks = _split(load(path), embedder, doc_hash=digest)
    assert {c.doc_hash for c in chunks} == {digest}


# --------------------------------------------------------------------------- pathological input


def _prose(chars: int) -> str:
    text, seed = "", 100
    while len(text) < chars:
        text += make_text(seed=seed, paragraphs=12) + "\n\n"
        seed += 1
    return text[:chars]


def _one_line(chars: int) -> str:
    """No sentence or line breaks at all: words and spaces only."""
    return " ".join(_prose(chars).replace(".", " ").split())


def _no_spaces(chars: int) -> str:
    return "".join(_prose(chars).split())


class CountingLength:
    """The embedder's token count, adding up how many characters it was asked to read."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self.embedder = embedder
        self.chars = 0

    def __call__(self, text: str) -> int:
        self.chars += len(text)
        return self.embedder.count_tokens(text)


@pytest.mark.parametrize("make", [_one_line, _no_spaces], ids=["one-line", "no-spaces"])
def test_pathological_text_keeps_guarantees_and_is_linear(embedder: MiniLMEmbedder,
                                                          make: Callable[[int], str]) -> None:
    work = []
    for chars in (40_000, 160_000):
        text = make(chars)
        assert "\n" not in text
        length = CountingLength(embedder)
        doc = Document(text=text)
        chunks = split_document(doc, source="big.txt", doc_hash="h", length=length, size=200,
                                overlap=32)
        assert doc.warnings == []
        for i, c in enumerate(chunks):
            assert text[c.start:c.end] == c.text and c.text.strip() == c.text and c.text
            assert embedder.count_tokens(c.text) <= 200, i
            assert c.position == i
        covered = [False] * len(text)
        for c in chunks:
            covered[c.start:c.end] = [True] * (c.end - c.start)
        assert "".join(ch for ch, ok in zip(text, covered, strict=True) if not ok).strip() == ""
        again = split_document(Document(text=text), source="big.txt", doc_hash="h",
                               length=embedder.count_tokens, size=200, overlap=32)
        assert [c.id for c in again] == [c.id for c in chunks]
        work.append(length.chars / len(text))
    # characters tokenized per input character does not grow with the input: no rescanning
    assert work[1] <= 1.5 * work[0] + 1, work


def test_oversized_file_is_skipped_and_runaway_document_warns(
        tmp_path: Path, make_workspace: Callable[..., object]) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "small.txt").write_text(make_text(seed=3, paragraphs=4), encoding="utf-8")
    (folder / "huge.txt").write_text(_prose(30_000), encoding="utf-8")
    ws = make_workspace(**{"ingest.max_file_mb": 0.02, "ingest.max_chunks_per_doc": 2,
                           "ingest.chunk_tokens": 64})
    summary = ws.ingest([folder])  # type: ignore[attr-defined]
    assert summary.added == ["small.txt"]
    [skipped] = summary.skipped
    assert skipped.path == "huge.txt"
    assert skipped.reason == "too large: 0.03 MB, over the 0.02 MB limit (setting " \
        "ingest.max_file_mb)"
    assert any(w.startswith("small.txt: ") and "ingest.max_chunks_per_doc" in w
               for w in summary.warnings), summary.warnings


# --------------------------------------------------------------------------- where passages end


def _hard_wrapped(seed: int, paragraphs: int) -> str:
    """Prose as web pages saved as text write it: lines of at most 70 characters, paragraphs
    parted by a line of spaces (a line break inside a sentence on nearly every line)."""
    paras = make_text(seed=seed, paragraphs=paragraphs).split("\n\n")
    return "  \n\xa0  \n".join("\n".join(wrap_lines(p, 70)) for p in paras)


def _ends_a_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?"))


def _ends_well(text: str, chunk: Chunk) -> bool:
    """A passage ends a sentence, a paragraph or the document."""
    after = text[chunk.end:chunk.end + 12]
    return _ends_a_sentence(chunk.text) or not after.strip() or bool(
        re.match(r"[^\S\n]*\n[^\S\n]*\n", after))


@pytest.mark.parametrize("kind", ["text", "markdown"])
def test_hard_wrapped_passages_end_where_sentences_end(embedder: MiniLMEmbedder,
                                                       kind: str) -> None:
    # one long paragraph (more than a passage) and many short ones, wrapped at 70 characters
    body = "\n".join(wrap_lines(make_text(seed=40, paragraphs=1).replace("\n\n", " ") * 4, 70))
    text = (f"Statement On The Matter\n\nPublished: 2024-04-02\n\n{body}  \n  \n"
            + _hard_wrapped(41, 12))
    chunks = _split(Document(text=text, kind=kind), embedder, size=120, overlap=16)
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start:c.end] == c.text and embedder.count_tokens(c.text) <= 120
    assert all(_ends_well(text, c) for c in chunks), [
        c.text[-60:] for c in chunks if not _ends_well(text, c)]


def test_a_web_address_is_no_pathological_run(embedder: MiniLMEmbedder) -> None:
    """A 150-character address heads the page: the rest is still cut at sentences, not into
    character windows."""
    address = "https://www.example.gov/briefing-room/statements-releases/2024/04/02/" + "-".join(
        ["statement-on-the-deaths-of-aid-workers-in-the-region"] * 2) + "/"
    assert len(address) > 150
    text = f"A Statement\n\nSource: {address}\n\n" + _hard_wrapped(42, 10)
    chunks = _split(Document(text=text), embedder, size=120, overlap=16)
    assert all(_ends_well(text, c) for c in chunks)
    assert any(address in c.text for c in chunks)


def test_a_word_the_tokenizer_reads_whole_still_takes_the_hard_path(
        embedder: MiniLMEmbedder) -> None:
    """Letters without a break for 100 characters are one [UNK] to the tokenizer: its count
    would lie, so that window is cut by characters (and every piece fits)."""
    text = make_text(seed=43, paragraphs=3) + " " + "x" * 5000 + " " + make_text(seed=44)
    chunks = _split(Document(text=text), embedder, size=120, overlap=16)
    assert all(embedder.count_tokens(c.text) <= 120 and len(c.text) <= 1200 for c in chunks)


def test_no_passage_ends_after_an_initial_or_a_title(embedder: MiniLMEmbedder) -> None:
    sentences = [f"In week {i}, U.S. officials met Mr. Smith and Donald J. Trump in the capital "
                 f"to review the {i} shipments held at the border crossing." for i in range(60)]
    text = "\n".join(wrap_lines(" ".join(sentences), 70))
    chunks = _split(Document(text=text), embedder, size=80, overlap=8)
    assert len(chunks) > 5
    assert not [c.text[-20:] for c in chunks if c.text.endswith(("U.S.", "Mr.", " J."))]
    assert all(_ends_well(text, c) for c in chunks)


def test_a_passage_cut_from_a_tables_body_carries_its_header(embedder: MiniLMEmbedder) -> None:
    rows = "\n".join(f"| Westmark blockade trigger number {i} is crossed | Norland response "
                     f"number {i} follows within the week |" for i in range(40))
    text = f"## Matrix\n\n| Trigger | Likely response |\n|---|---|\n{rows}\n\nAfter the table."
    chunks = _split(Document(text=text, kind="markdown"), embedder)
    assert len(chunks) > 3
    assert chunks[0].table_header == ""  # it holds the header itself
    inside = [c for c in chunks[1:] if c.text.startswith("| Westmark")]
    assert inside and all(c.table_header == "| Trigger | Likely response |" for c in inside)
    assert chunks[-1].text.endswith("After the table.")


def test_a_long_table_is_cut_between_rows_not_at_a_full_stop_in_a_cell(
        embedder: MiniLMEmbedder) -> None:
    """Past a window's length (8,000 characters) the cut goes before a row: a passage that
    opened inside a row would lose that row's first cells and, with them, its labels."""
    rows = "\n".join(f"| The North moves launcher number {i} to the coast. It is seen by radar | "
                     f"Seoul raises its alert level. It also recalls its envoy number {i} |"
                     for i in range(150))
    text = f"| Trigger | Likely response |\n|---|---|\n{rows}\n"
    assert len(text) > 8000
    chunks = _split(Document(text=text, kind="markdown"), embedder)
    assert all(c.text.startswith("|") for c in chunks)
    assert all(c.table_header == "| Trigger | Likely response |" for c in chunks[1:])
