"""Test document builders: deterministic varied prose and hand-made PDFs (no fixtures here)."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SAMPLE = CORPUS / "south-korea-response-options.txt"


# --------------------------------------------------------------------------- text


_SUBJECTS = [
    "The foreign ministry", "A senior defence official", "Analysts in Seoul", "The coalition",
    "Regional observers", "The finance committee", "Field commanders", "The relief agency",
    "Opposition lawmakers", "The intelligence service", "Port authorities", "Diplomats in Geneva",
    "The central bank", "Local farmers", "A parliamentary inquiry", "Energy regulators",
]
_VERBS = [
    "reported", "questioned", "announced", "reviewed", "postponed", "endorsed", "criticised",
    "documented", "estimated", "proposed", "rejected", "monitored", "expanded", "delayed",
]
_OBJECTS = [
    "the new sanctions package", "a shipment of medical supplies", "the rail corridor upgrade",
    "fuel subsidies for the winter", "the border monitoring mission", "grain export quotas",
    "the maritime patrol schedule", "an emergency loan facility", "the ceasefire proposal",
    "satellite imagery of the coast", "reconstruction contracts", "the refugee resettlement plan",
    "cyber defence exercises", "tariffs on steel imports", "a water treatment project",
]
_CLAUSES = [
    "after weeks of negotiation", "despite objections from partners", "ahead of the summit",
    "following a spike in prices", "while talks continued in private", "citing budget limits",
    "in response to public pressure", "before the rainy season", "under a revised timetable",
    "as shortages spread north", "with support from neighbouring states",
]
_CLOSERS = [
    "Officials expect a decision within {n} days.",
    "The figure was roughly {n} percent higher than last year.",
    "Critics say at least {n} districts were left out.",
    "Some {n} people attended the briefing.",
    "A follow-up report is due in {n} weeks.",
    "Why it took {n} months remains unclear?",
    "Nobody disputed the count of {n} sites!",
]


def make_text(seed: int = 0, paragraphs: int = 12, heading: str | None = None) -> str:
    """Deterministic, varied prose: ``paragraphs`` paragraphs of 3-7 different sentences."""
    rng = random.Random(seed)
    paras: list[str] = []
    for p in range(paragraphs):
        sentences = []
        for s in range(rng.randint(3, 7)):
            sentence = (f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
                        f"{rng.choice(_CLAUSES)}")
            if rng.random() < 0.4:
                sentence += f", and {rng.choice(_SUBJECTS).lower()} {rng.choice(_VERBS)} " \
                            f"{rng.choice(_OBJECTS)}"
            sentences.append(sentence + ".")
            if rng.random() < 0.3:
                sentences.append(rng.choice(_CLOSERS).format(n=seed * 100 + p * 10 + s + 2))
        paras.append(" ".join(sentences))
    if heading:
        paras.insert(0, heading)
    return "\n\n".join(paras)


def write_docs(folder: Path, count: int, *, title: str, seed: int) -> Path:
    """A new ``folder`` of ``count`` short documents ``doc00.txt`` …, each a heading
    "``title`` i" and one paragraph of :func:`make_text` (seed ``seed + i``)."""
    folder.mkdir()
    for i in range(count):
        (folder / f"doc{i:02d}.txt").write_text(
            f"{title} {i}\n\n" + make_text(seed=seed + i, paragraphs=1), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- PDF


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one page per item, each a list of text lines (Helvetica, 10 pt).

    Objects are laid out by hand and the xref table holds their true byte offsets.
    """
    n = len(pages)
    font_id = 3
    page_ids = [4 + 2 * i for i in range(n)]
    content_ids = [5 + 2 * i for i in range(n)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: ("<< /Type /Pages /Kids [" + " ".join(f"{p} 0 R" for p in page_ids)
            + f"] /Count {n} >>").encode(),
        font_id: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for j, line in enumerate(lines):
            if j:
                ops.append("T*")
            ops.append(f"({_pdf_escape(line)}) Tj")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects[page_ids[i]] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            f"<< /Font << /F1 {font_id} 0 R >> >> /Contents {content_ids[i]} 0 R >>"
        ).encode()
        objects[content_ids[i]] = (f"<< /Length {len(stream)} >>\nstream\n".encode() + stream
                                   + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n".encode()
    out += b"0000000000 65535 f \n"
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def wrap_lines(text: str, width: int = 80) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n\n"):
        lines.extend(textwrap.wrap(para, width, break_on_hyphens=False))
    return lines
