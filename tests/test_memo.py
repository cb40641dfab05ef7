"""Golden test for the Markdown memo: a fixed Brief renders to a fixed file."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from pathlib import Path

from briefer.core.schemas import (
    Brief,
    Chunk,
    Disagreement,
    Evidence,
    Finding,
    Manifest,
    RedLine,
    ResponseOption,
    Timings,
    Unsupported,
)
from briefer.render.memo import memo_path, render_memo, slugify

GOLDEN = Path(__file__).parent / "fixtures" / "memo_golden.md"


def _chunk(cid: str, source: str, text: str, page: int | None = None) -> Chunk:
    return Chunk(id=cid, text=text, source=source, title="T", start=10, end=10 + len(text),
                 position=0, doc_hash="h", page=page)


def sample() -> tuple[Brief, dict[str, Chunk]]:
    a = _chunk("aaa111", "news/a.txt", "Seoul may send a monitoring team to Kursk.")
    b = _chunk("bbb222", "reports/b.pdf", "Offensive weapons such as K-9 howitzers | maybe.",
               page=3)
    ea = Evidence(chunk_id="aaa111", quote="Seoul may send a monitoring team to Kursk.",
                  match="exact", score=1.0)
    eb = Evidence(chunk_id="bbb222", quote="Offensive weapons such as K-9 howitzers",
                  match="fuzzy", score=0.93)
    brief = Brief(
        topic="South Korea response",
        bottom_line="Seoul starts with indirect steps.",
        situation="Troops were deployed.",
        bottom_line_evidence=[ea],
        response_options=[ResponseOption(label="Monitoring team", description="Observe | learn",
                                         category="intelligence", condition="now",
                                         evidence=[ea])],
        red_lines=[RedLine(trigger="ICBM cooperation", consequence="Offensive weapons",
                           evidence=[eb])],
        risks=[Finding(description="Relations with Russia suffer.", evidence=[ea])],
        indicators=[],
        disagreements=[Disagreement(claim="Whether weapons will flow", evidence=[ea, eb])],
        gaps=["What the US administration will do"],
        unsupported=[Unsupported(section="risks", text="Invented risk", reason="no quote")],
        manifest=Manifest(
            briefer_version="0.1.0", model_file="/m/SmolLM2.gguf", model_sha256="ab" * 32,
            prompt_version="brief-v1+sections-v1", schema_version="brief-schema-v1",
            retrieved_chunk_ids=["aaa111", "bbb222"], store_fingerprint="f00d", k=8,
            temperature=0.0, seed=1, prompt_tokens=100, prompt_tokens_evaluated=40,
            completion_tokens=50, attempts=5,
            timings=Timings(retrieval_s=0.1, generation_s=2.0, total_s=2.2),
            created_at=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)),
    )
    return brief, {a.id: a, b.id: b}


def test_memo_matches_golden() -> None:
    brief, chunks = sample()
    text = render_memo(brief, chunks)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_memo_numbers_sources_once_and_escapes_tables() -> None:
    brief, chunks = sample()
    text = render_memo(brief, chunks)
    assert "Observe \\| learn" in text
    assert text.count("`news/a.txt`") == 1
    assert "[1][2]" in text  # the disagreement cites both sources


def test_memo_path() -> None:
    assert slugify("South Korea: response / options?") == "south-korea-response-options"
    assert memo_path("X y", Path("memos"), date(2025, 1, 2)) == Path("memos/2025-01-02-x-y.md")
