"""The memo as DOCX and HTML: the Markdown memo's brief as Word headings, tables and notes, and
as one standalone HTML page (escaped, nothing fetched, a ladder figure), opened in a headless
browser when one is installed."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bs4 import BeautifulSoup
from test_memo import _chunk, sample

from briefer.core.errors import OutputError
from briefer.core.schemas import (
    Brief,
    Changes,
    Chunk,
    Evidence,
    ItemChange,
    QuoteRef,
    RedLine,
    ResponseOption,
)
from briefer.render import memo
from briefer.render.docx import render_docx
from briefer.render.formats import render
from briefer.render.html import content_words, ladder, render_html
from briefer.render.memo import (
    FORMATS,
    format_of,
    memo_path,
    memo_target,
    number_sources,
    render_memo,
    save_memo,
)

HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def rich() -> tuple[Brief, dict[str, Chunk]]:
    """test_memo's sample, plus an option, two red lines, a hostile quote, changes and pins."""
    brief, chunks = sample()
    evil = _chunk("ccc333", "web/evil.html", f"Posted: {HOSTILE} said the page.")
    chunks[evil.id] = evil
    ea, eb = brief.bottom_line_evidence[0], brief.red_lines[0].evidence[0]
    eh = Evidence(chunk_id="ccc333", quote=HOSTILE, match="exact", score=1.0)
    options = brief.response_options + [ResponseOption(
        label="Supply offensive weapons", category="military-offensive",
        condition=f"if {HOSTILE} holds", evidence=[eb, eh])]
    red_lines = brief.red_lines + [RedLine(trigger="Troops reach the capital",
                                           consequence="Nothing here matches", evidence=[ea])]
    changes = Changes(
        since=datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc), previous_id="prev1",
        items=[ItemChange(section="response_options", kind="new", text="Supply offensive weapons",
                          quotes=[QuoteRef(source="reports/b.pdf", quote=eb.quote)]),
               ItemChange(section="risks", kind="changed", text="Relations suffer.",
                          before="Relations hold.")],
        sources_added=["reports/b.pdf"])
    manifest = brief.manifest.model_copy(update={
        "pinned": ["aaa111"], "excluded": ["drafts/*"], "redone": ["red_lines"]})
    return brief.model_copy(update={"response_options": options, "red_lines": red_lines,
                                    "changes": changes, "manifest": manifest}), chunks


def _option_rows(brief: Brief) -> list[tuple[str, str, str]]:
    return [(o.label, o.category, o.condition) for o in brief.response_options]


def _red_line_rows(brief: Brief) -> list[tuple[str, str]]:
    return [(r.trigger, r.consequence) for r in brief.red_lines]


# --------------------------------------------------------------------------- DOCX


def _open_docx(tmp_path: Path) -> tuple[Brief, dict[str, Chunk], Any]:
    import docx

    brief, chunks = rich()
    path = tmp_path / "memo.docx"
    path.write_bytes(render_docx(brief, chunks))
    return brief, chunks, docx.Document(str(path))


def test_docx_headings_and_core_properties(tmp_path: Path) -> None:
    brief, _, doc = _open_docx(tmp_path)
    headings = [(p.style.name, p.text) for p in doc.paragraphs
                if p.style.name in ("Title", "Heading 1")]
    assert headings == [("Title", "Brief: South Korea response")] + [("Heading 1", h) for h in (
        "Changes since 2025-12-01 09:00 UTC", "Bottom line", "Situation", "Response options",
        "Red lines", "Risks", "Indicators to watch", "Disagreements between sources", "Gaps",
        "Not supported by the sources", "Notes")]
    assert doc.core_properties.title == "Brief: South Korea response"
    assert doc.core_properties.created.replace(tzinfo=timezone.utc) == brief.manifest.created_at
    texts = [p.text for p in doc.paragraphs]
    steered = next(t for t in texts if t.startswith("Steered by the analyst."))
    assert "aaa111" in steered and "drafts/*" in steered and "red_lines" in steered
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert "new (response options): Supply offensive weapons — reports/b.pdf: " \
        "“Offensive weapons such as K-9 howitzers”" in bullets
    assert texts[-1].startswith("Manifest: model SmolLM2.gguf")


def test_docx_tables_match_the_brief(tmp_path: Path) -> None:
    brief, chunks, doc = _open_docx(tmp_path)
    options, red_lines = doc.tables[0], doc.tables[1]
    header = [c.text for c in options.rows[0].cells]
    assert header == ["#", "Option", "Category", "Applies when", "Description", "Sources"]
    rows = [[c.text for c in r.cells] for r in options.rows[1:]]
    assert [(r[1], r[2], r[3]) for r in rows] == _option_rows(brief)
    assert [r[0] for r in rows] == ["1", "2"]
    assert [c.text for c in red_lines.rows[0].cells] == [
        "#", "Trigger", "What crossing it would unlock", "Sources"]
    assert [(r.cells[1].text, r.cells[2].text) for r in red_lines.rows[1:]] == \
        _red_line_rows(brief)
    # the note marks are superscript runs, numbered as in the Markdown memo
    marks = [run for run in options.rows[2].cells[-1].paragraphs[0].runs if run.text]
    assert [(m.text, m.font.superscript) for m in marks] == [("[2][3]", True)]
    assert "| Supply offensive weapons | military-offensive |" in render_memo(brief, chunks)
    assert re.search(r"\| military-offensive \|.*\| \[2\]\[3\] \|", render_memo(brief, chunks))


def test_docx_notes_list_every_source(tmp_path: Path) -> None:
    brief, chunks, doc = _open_docx(tmp_path)
    sources = number_sources(brief.evidence(), chunks)
    texts = [p.text for p in doc.paragraphs]
    notes = [t for t in texts[texts.index("Notes") + 1:] if re.match(r"\d+\. ", t)]
    assert len(notes) == len(sources) == 3
    for note, s in zip(notes, sources, strict=True):
        assert note.startswith(f"{s.n}. {s.source}") and f"passage {s.chunk_id}" in note
        assert s.quote in note
    assert "p. 3" in notes[1]
    assert HOSTILE in notes[2]  # Word text is not markup: the quote is kept as written


def test_docx_drops_characters_xml_cannot_hold() -> None:
    brief, chunks = sample()
    brief = brief.model_copy(update={"situation": "Troops\x0b were\x00 deployed\x1f."})
    assert render_docx(brief, chunks)[:2] == b"PK"


# --------------------------------------------------------------------------- HTML


def _soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def _table_rows(soup: BeautifulSoup, ident: str) -> list[list[str]]:
    table = soup.find("table", id=ident)
    assert table is not None, ident
    return [[td.get_text() for td in tr.find_all("td")] for tr in table.find("tbody")
            .find_all("tr")]


def test_html_tables_notes_and_title() -> None:
    brief, chunks = rich()
    page = render_html(brief, chunks)
    soup = _soup(page)
    assert page.startswith("<!DOCTYPE html>")
    assert soup.title is not None and soup.title.get_text() == "Brief: South Korea response"
    rows = _table_rows(soup, "options")
    assert [(r[1], r[2], r[3]) for r in rows] == _option_rows(brief)
    assert [(r[1], r[2]) for r in _table_rows(soup, "red-lines")] == _red_line_rows(brief)
    sources = number_sources(brief.evidence(), chunks)
    notes = soup.select("ol.notes > li")
    assert [li["id"] for li in notes] == [f"note-{s.n}" for s in sources]
    assert [li.find("q").get_text() for li in notes] == [s.quote for s in sources]
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    links = [a["href"] for a in soup.find_all("a", href=True)]
    assert {f"#note-{s.n}" for s in sources} <= set(links)
    assert all(href.startswith("#") and href[1:] in ids for href in links)
    assert len(soup.select("ol.notes a.back")) == len(sources)  # every note links back
    assert "aaa111" in soup.select_one("p.steered").get_text()
    assert soup.select_one("#changes h2").get_text() == "Changes since 2025-12-01 09:00 UTC"
    assert soup.find("footer").get_text().startswith("Manifest: model SmolLM2.gguf")


def test_html_is_self_contained_and_escaped() -> None:
    brief, chunks = rich()
    page = render_html(brief, chunks)
    soup = _soup(page)
    assert "<script" not in page.lower() and "<b>bold" not in page
    assert not soup.find_all(["script", "link", "img", "iframe", "object", "embed", "base"])
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            assert "http" not in value and "//" not in value, (tag.name, name, value)
    style = " ".join(s.get_text() for s in soup.find_all("style"))
    assert "url(" not in style and "@import" not in style and "@media print" in style
    # the hostile text comes out as text: in the table, the notes and the ladder
    assert f"if {HOSTILE} holds" in [r[3] for r in _table_rows(soup, "options")]
    assert HOSTILE in soup.select("ol.notes > li")[-1].get_text()
    assert "&lt;script&gt;" in str(soup.select_one("#ladder"))


def test_html_ladder_has_a_rung_per_option_and_a_band_per_red_line() -> None:
    brief, chunks = rich()
    svg = _soup(render_html(brief, chunks)).select_one("figure#ladder svg")
    assert svg is not None
    rungs, bands = svg.select("g.rung"), svg.select("g.red-line")
    assert len(rungs) == len(brief.response_options) and len(bands) == len(brief.red_lines)
    rung_y = [float(g.find("line")["y1"]) for g in rungs]
    band_y = [float(g.find("rect")["y"]) for g in bands]
    assert rung_y == sorted(rung_y, reverse=True)  # option 1 at the bottom, climbing
    # "Offensive weapons" unlocks option 2 ("Supply offensive weapons"): just below it
    assert rung_y[1] < band_y[0] < rung_y[0]
    assert band_y[1] < rung_y[-1]  # matches nothing: above the top rung
    assert "Supply offensive weapons" in rungs[1].get_text()


def test_ladder_places_red_lines_by_shared_words() -> None:
    brief, _ = sample()
    ev = brief.bottom_line_evidence
    labels = ["Quiet diplomatic demarche", "Economic sanctions on exports",
              "Arms deliveries to partners"]
    consequences = ["Broader sanctions", "An arms delivery", "War at sea", "Nothing relevant",
                    "Diplomatic sanctions", "Sanctions on arms exports"]
    made_up = brief.model_copy(update={
        "response_options": [ResponseOption(label=label, category="other", condition="now",
                                            evidence=ev) for label in labels],
        "red_lines": [RedLine(trigger=f"T{i}", consequence=c, evidence=ev)
                      for i, c in enumerate(consequences)]})
    assert ladder(made_up) == [("T0", 1), ("T1", 2), ("T2", 3), ("T3", 3), ("T4", 0),
                               ("T5", 1)]
    assert content_words("The deliveries of ARMS with tanks") == {"delivery", "arm", "tank"}
    assert ladder(brief.model_copy(update={"response_options": []})) == [("ICBM cooperation", 0)]


# --------------------------------------------------------------------------- formats and saving


def test_format_of_and_render() -> None:
    assert FORMATS == ("md", "docx", "html")
    assert [format_of(Path(p)) for p in ("a.md", "a.MARKDOWN", "a.docx", "b/a.html", "a.htm")] \
        == ["md", "md", "docx", "html", "html"]
    assert format_of(Path("memo"), "html") == "html"
    with pytest.raises(OutputError) as err:
        format_of(Path("memo.pdf"))
    assert "\n" not in str(err.value) and "md" in str(err.value) and "docx" in str(err.value)
    brief, chunks = sample()
    assert render(brief, chunks, "md") == render_memo(brief, chunks)
    assert isinstance(render(brief, chunks, "docx"), bytes)
    assert str(render(brief, chunks, "html")).startswith("<!DOCTYPE html>")
    with pytest.raises(OutputError):
        render(brief, chunks, "pdf")


def test_memo_path_takes_an_extension(tmp_path: Path) -> None:
    day = datetime(2025, 1, 2).date()
    assert memo_path("X y", Path("m"), day, ext="docx") == Path("m/2025-01-02-x-y.docx")
    assert memo_target(None, "X y", tmp_path, day, ext="html") == tmp_path / "2025-01-02-x-y.html"
    assert memo_target(tmp_path, "X y", Path("unused"), day) == tmp_path / "2025-01-02-x-y.md"


def test_save_memo_writes_bytes_and_rescues_with_the_right_extension(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = render_docx(*sample())
    assert save_memo(data, tmp_path / "m.docx", rescue=[], name="t").read_bytes() == data
    target = tmp_path / "full" / "m.docx"
    real = memo.write_atomic

    def write(path: Path, text: str | bytes, *, encoding: str = "utf-8") -> None:
        if path == target:
            raise OSError(28, "No space left on device")
        real(path, text, encoding=encoding)

    monkeypatch.setattr(memo, "write_atomic", write)
    with pytest.raises(OutputError) as err:
        save_memo(data, target, rescue=[tmp_path / "unsaved"], name="Red lines")
    kept = Path(str(err.value).rsplit(" ", 1)[1])
    assert kept.suffix == ".docx" and kept.read_bytes() == data


# --------------------------------------------------------------------------- a real browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
HEADER_RGB, OPTION_RGB = (0x1F, 0x4E, 0x79), (0xDB, 0xE9, 0xF6)  # html.CSS: thead, #options td


def _browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def _png_pixels(data: bytes) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """An 8-bit RGB / RGBA PNG (what Chromium writes) as a (height, width, channels) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", (0, 0, 0, 0)
    while pos < len(data):
        (size,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        if kind == b"IHDR":
            header = struct.unpack(">IIBB", data[pos + 8:pos + 18])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + size]
        pos += 12 + size
    width, height, depth, colour = header
    assert depth == 8 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width * bpp + 1)
    out = np.zeros((height, width * bpp), np.uint8)
    prev = np.zeros(width * bpp, np.uint8)
    for y in range(height):
        kind, row = raw[y, 0], raw[y, 1:]
        if kind == 0:
            cur = row.copy()
        elif kind == 1:  # Sub: a running sum per channel (uint8 wraps like PNG)
            cur = np.cumsum(row.reshape(width, bpp), axis=0, dtype=np.uint8).ravel()
        elif kind == 2:
            cur = row + prev
        else:  # Average or Paeth: byte by byte
            cur, up = bytearray(row.tobytes()), prev.tolist()
            for i in range(len(cur)):
                a = cur[i - bpp] if i >= bpp else 0
                b, c = up[i], up[i - bpp] if i >= bpp else 0
                if kind == 3:
                    cur[i] = (cur[i] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) \
                        & 255
            cur = np.frombuffer(bytes(cur), np.uint8)
        out[y], prev = cur, cur
    return out.reshape(height, width, bpp)[:, :, :3]


def test_html_memo_in_a_headless_browser(tmp_path: Path) -> None:
    exe = _browser()
    if exe is None:
        pytest.skip(f"no headless browser: none of {', '.join(BROWSERS)} is on PATH")
    brief, chunks = rich()
    page = tmp_path / "memo.html"
    page.write_text(render_html(brief, chunks), encoding="utf-8")
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=90, check=True).stdout
    soup = _soup(dom)
    assert [(r[1], r[2], r[3]) for r in _table_rows(soup, "options")] == _option_rows(brief)
    assert not soup.find("script")  # the browser read the hostile quote as text too
    shot = tmp_path / "memo.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
                   capture_output=True, timeout=90, check=True)
    assert shot.is_file() and shot.stat().st_size > 20_000
    pixels = _png_pixels(shot.read_bytes())
    assert pixels.shape == (2000, 1200, 3)

    def count(rgb: tuple[int, int, int]) -> int:
        return int((np.abs(pixels.astype(int) - rgb).max(axis=2) <= 3).sum())

    assert count(HEADER_RGB) > 2_000, "the tables' header rows are not drawn"
    assert count(OPTION_RGB) > 20_000, "the options table's cells are not drawn"
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 20, "a blank page"
