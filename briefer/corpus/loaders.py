"""File → extracted text + metadata. No splitting, no store, no model.

Every loader returns a :class:`Document` whose ``text`` is what chunk offsets refer to.
PDF text keeps one segment per page so that each chunk knows its page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from briefer.core.errors import CorpusError
from briefer.corpus.tables import as_rows, docx_blocks, html_rows, is_data_table
from briefer.text.dates import DAY_FIRST, LONG_DATE, month_number

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


class SkipFile(Exception):
    """Not a document Briefer reads (unknown type, binary, empty). Carries the one-line reason."""


@dataclass
class Document:
    text: str
    title: str = ""
    date: str | None = None
    kind: str = "text"  # text | markdown | html | pdf | docx: decides the splitter's separators
    # (start offset, page number) for PDFs; a chunk's page is the last segment starting <= it.
    pages: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load(path: Path) -> Document:
    """Read one file. Raises SkipFile for files to pass over, CorpusError for corrupt ones."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SkipFile(f"unsupported file type '{suffix or path.name}'")
    if path.stat().st_size == 0:
        raise SkipFile("empty file")
    loader = _LOADERS[suffix]
    doc = loader(path)
    if not doc.text.strip():
        raise SkipFile("no text could be extracted")
    if not doc.title:
        doc.title = _title_from_text(doc.text) or path.stem
    return doc


# --------------------------------------------------------------------------- text


def _decode(path: Path) -> tuple[str, list[str]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise SkipFile("binary content (NUL bytes) in a text file")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        warning = f"{path.name}: not valid UTF-8 (byte {exc.start}); read as cp1252/latin-1"
        try:
            return raw.decode("cp1252"), [warning]
        except UnicodeDecodeError:
            return raw.decode("latin-1"), [warning]


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A Markdown link or image, ``[words](target "title")``: its target, a web address or a path
# of up to 2,000 characters (one level of parentheses inside: ".../Foo_(bar)"), is not part of
# what the document says (its words may wrap over lines, not over a paragraph). Kept, it is
# copied into quotes and prompts: one article's link to a C-SPAN clip is 60 tokens that every
# reply quoting its sentence repeats. Real-dev's md and txt files hold 590 (3.4 % of their text).
_LINK = re.compile(r"!?\[((?:[^\[\]\n]|\n(?![^\S\n]*\n)){0,300})\]"
                   r"\(\s*<?(?:[^()\s<>]|\([^()\s]*\)){1,2000}>?"
                   r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")


def _unlink(text: str) -> str:
    """Markdown links and images as their words alone: "[released](https://…/HUD_No_23_079)"
    → "released"; "![Map of the region](map.png)" → "Map of the region"."""
    return _LINK.sub(lambda m: m.group(1), text)


def _load_text(path: Path) -> Document:
    text, warnings = _decode(path)
    text = _unlink(_normalise_newlines(text))
    return Document(text=text, date=_date_from_text(text), kind="text", warnings=warnings)


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.S)


def _load_markdown(path: Path) -> Document:
    import yaml

    text, warnings = _decode(path)
    text = _unlink(_normalise_newlines(text))
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
            if isinstance(loaded, dict):
                meta = loaded
        except yaml.YAMLError:
            warnings.append(f"{path.name}: front matter is not valid YAML; kept as text")
        else:
            text = text[m.end():]
    title = str(meta.get("title") or "")
    return Document(
        text=text,
        title=title or _markdown_heading(text),
        date=_as_date(meta.get("date")) or _date_from_text(text),
        kind="markdown",
        warnings=warnings,
    )


def _markdown_heading(text: str) -> str:
    m = re.search(r"^#\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else ""


# --------------------------------------------------------------------------- html

_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "button", "template", "menu"]
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "th",
               "figcaption", "dd", "dt"]
_NOISE = re.compile(r"\b(nav|menu|sidebar|footer|header|cookie|banner|advert|promo|share|social|"
                    r"comment|related|subscribe|newsletter|breadcrumb)", re.I)


def _load_html(path: Path) -> Document:
    from bs4 import BeautifulSoup

    raw, warnings = _decode(path)
    soup = BeautifulSoup(raw, "html.parser")
    title, when = _html_title(soup), _html_date(soup)
    _drop_noise(soup)
    root = soup.find("article") or soup.find("main") or soup.body or soup
    text = "\n\n".join(_html_blocks(root))
    return Document(text=text, title=title or _markdown_heading(text), date=when, kind="html",
                    warnings=warnings)


def _html_title(soup: Any) -> str:
    """og:title or the title meta tag, else <title>."""
    for key, value in (("property", "og:title"), ("name", "title")):
        tag = soup.find("meta", attrs={key: value})
        if tag and tag.get("content"):
            return str(tag["content"]).strip()
    if soup.title and soup.title.string:
        return str(soup.title.string).strip()
    return ""


def _html_date(soup: Any) -> str | None:
    """The first publication date meta tag's date, else the first <time datetime=…>'s."""
    for key, value in (("property", "article:published_time"), ("name", "date"),
                       ("name", "pubdate"), ("itemprop", "datePublished")):
        tag = soup.find("meta", attrs={key: value})
        if tag and tag.get("content"):
            when = _as_date(str(tag["content"]))
            if when is not None:
                return when
            break  # the first tag with content decides, unless it is not a date
    time_tag = soup.find("time", attrs={"datetime": True})
    return _as_date(str(time_tag["datetime"])) if time_tag else None


def _drop_noise(soup: Any) -> None:
    """Remove scripts, navigation and the like, and elements whose id/class reads as chrome."""
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed if hasattr(tag, "decomposed") else False:
            continue
        ident = " ".join([str(tag.get("id") or "")] + [str(c) for c in tag.get("class") or []])
        if ident.strip() and _NOISE.search(ident) and tag.name not in ("body", "html", "article",
                                                                      "main"):
            tag.decompose()


def _html_blocks(root: Any) -> list[str]:
    """The text of each outermost block element, headings as ``#``, list items as ``-``, a
    table of data as its rows (:mod:`briefer.corpus.tables`)."""
    blocks: list[str] = []
    data = {id(t) for t in root.find_all("table") if is_data_table(t)}
    for el in root.find_all([*_BLOCK_TAGS, "table"]):
        if el.find_parent(_BLOCK_TAGS) or any(id(t) in data for t in el.find_parents("table")):
            continue  # nested: its text is in its parent block's, or its table's rows
        if el.name == "table":  # of data: its caption, then its rows; of layout: its cells
            if id(el) in data:
                caption = el.find("caption")
                blocks += [c for c in [caption.get_text(" ", strip=True) if caption else ""] if c]
                blocks += [rows] if (rows := as_rows(html_rows(el))) else []
            continue
        words = " ".join(el.get_text(" ", strip=True).split())
        if not words:
            continue
        if el.name and el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append("#" * int(el.name[1:]) + " " + words)
        elif el.name == "li":
            blocks.append("- " + words)
        else:
            blocks.append(words)
    if not blocks:  # no block markup: fall back to all visible text
        blocks = [" ".join(line.split()) for line in root.get_text("\n").splitlines()
                  if line.strip()]
    return blocks


# --------------------------------------------------------------------------- pdf / docx


def _load_pdf(path: Path) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise CorpusError(f"pypdf is not installed: {exc}") from None
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise SkipFile("encrypted PDF")
        parts: list[str] = []
        pages: list[tuple[int, int]] = []
        offset = 0
        for number, page in enumerate(reader.pages, start=1):
            page_text = _normalise_newlines(page.extract_text() or "").strip()
            if not page_text:
                continue
            if parts:
                parts.append("\n\n")
                offset += 2
            pages.append((offset, number))
            parts.append(page_text)
            offset += len(page_text)
        meta: Any = reader.metadata or {}
        title = str(meta.get("/Title") or "").strip()
        when = _as_date(str(meta.get("/CreationDate") or "")[2:10]) if meta.get(
            "/CreationDate") else None
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise CorpusError(f"corrupt PDF: {exc}") from None
    text = "".join(parts)
    return Document(text=text, title=title, date=when, kind="pdf", pages=pages)


def _load_docx(path: Path) -> Document:
    import zipfile

    try:
        import docx
    except ImportError as exc:  # pragma: no cover
        raise CorpusError(f"python-docx is not installed: {exc}") from None
    try:
        from docx.opc.exceptions import PackageNotFoundError

        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise CorpusError(f"corrupt DOCX: {exc}") from None
    blocks = docx_blocks(document)  # paragraphs and tables in their order
    props = document.core_properties
    when = props.created.date().isoformat() if props.created else None
    text = "\n\n".join(blocks)
    return Document(text=text, title=(props.title or "").strip(), date=when, kind="docx")


# --------------------------------------------------------------------------- metadata helpers

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _as_date(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    m = _ISO_DATE.search(text)
    if m:
        return _valid(int(m[1]), int(m[2]), int(m[3]))
    if re.fullmatch(r"\d{8}", text):
        return _valid(int(text[:4]), int(text[4:6]), int(text[6:]))
    m = LONG_DATE.search(text)
    if m:
        return _valid(int(m[3]), month_number(m[1]), int(m[2]))
    m = DAY_FIRST.search(text)
    if m:
        return _valid(int(m[3]), month_number(m[2]), int(m[1]))
    return None


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _date_from_text(text: str) -> str | None:
    """The first dateline near the top of a plain document ("Wednesday, January 22, 2025",
    "Published: 2023-03-01"): not a date its first paragraph goes on to name."""
    head = text[:400]
    found = [m for m in (LONG_DATE.search(head), _ISO_DATE.search(head), DAY_FIRST.search(head))
             if m]
    return _as_date(min(found, key=lambda m: m.start()).group(0)) if found else None


def _title_from_text(text: str) -> str:
    """The first line that reads like a headline (several words, not a dateline or a number)."""
    for line in text.splitlines()[:15]:
        line = line.strip().lstrip("#").strip()
        if len(line.split()) >= 4 and not LONG_DATE.search(line) and len(line) <= 160:
            return line
    return ""


_LOADERS: dict[str, Callable[[Path], Document]] = {
    **{s: _load_text for s in TEXT_SUFFIXES},
    **{s: _load_markdown for s in MARKDOWN_SUFFIXES},
    **{s: _load_html for s in HTML_SUFFIXES},
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
