"""Pathological ingest: one huge line vs ordinary prose of the same size.

A file with no sentence or line breaks used to make the recursive splitter rescan it (a 5 MB
single-line file did not finish ingesting in 15 minutes); chunking is now linear in the input.
This script generates, from the same synthetic prose (``_textgen.py``):

- ``prose.txt``: ordinary paragraphs;
- ``one-line.txt``: the same words with every line and sentence break replaced by a space;
- ``no-spaces.txt`` (chunking only): the same text with all whitespace removed, the case the
  old splitter handled worst (it counted tokens one character at a time).

It times (1) chunking alone (``load`` + ``split_document``, no embedding) of each at ``--mb``,
and (2) a full ``Workspace.ingest`` (chunk, embed, Chroma, BM25) of prose and of the single line
at ``--ingest-mb`` into fresh local stores, and prints the times and the ratios one-line/prose
(target <= 2x). The embedder is loaded and warmed first; model load time is not counted.

Embedding dominates an ingest (~1,300 chunks per MB of prose; 16-35 chunks/s on 2 cores), so
the default ingest size is 1 MB, which kept the whole run under 4 minutes on a busy 2-core box;
the output says so. ``--ingest-mb 5`` times the full 5 MB ingest (7-15 minutes there).

Measured here (2 cores, another job running): chunking 5 MB, prose 6.9 s, one line 7.7 s
(1.12x), no spaces 8.9 s (1.28x); full ingest of 1 MB, prose 81 s, one line 77 s (0.95x). Before
the fix the splitter took 33 s for 1 MB without spaces, 0.45 s for 40 kB: worse than linear.

Run:  python benchmarks/pathological_ingest.py [--mb 5] [--ingest-mb 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _textgen import document

from briefer.core.settings import Settings
from briefer.corpus.chunking import split_document
from briefer.corpus.loaders import load
from briefer.corpus.workspace import Workspace
from briefer.store.embed import MiniLMEmbedder

GOAL = 2.0


def prose(chars: int, seed: int = 7) -> str:
    parts: list[str] = []
    total, i = 0, 0
    while total < chars:
        text = document(seed * 100_003 + i, paragraphs=(11, 18))[2]
        parts.append(text)
        total += len(text)
        i += 1
    return "".join(parts)[:chars]


def variants(chars: int) -> dict[str, str]:
    base = prose(chars)
    one_line = re.sub(r"[.?!;]\s+|\s+", " ", base)
    one_line = one_line.replace(". ", " ").replace("\n", " ")
    return {"prose": base, "one-line": one_line, "no-spaces": re.sub(r"\s+", "", base)}


def time_chunking(path: Path, embedder: MiniLMEmbedder, settings: Settings) -> tuple[float, int]:
    s = settings.ingest
    t = time.perf_counter()
    doc = load(path)
    chunks = split_document(doc, source=path.name, doc_hash="bench",
                            length=embedder.count_tokens, size=s.chunk_tokens,
                            overlap=s.overlap_tokens)
    return time.perf_counter() - t, len(chunks)


def time_ingest(path: Path, embedder: MiniLMEmbedder, settings: Settings,
                store: Path) -> tuple[float, int]:
    ws = Workspace.open(settings, embedder=embedder, state_dir=store)
    t = time.perf_counter()
    summary = ws.ingest([path])
    if summary.skipped:
        raise SystemExit(f"{path.name} was skipped: {summary.skipped[0].reason}")
    return time.perf_counter() - t, summary.chunks_added


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    settings.store.url = None  # always a local store in a temp folder
    settings.ingest.max_file_mb = max(settings.ingest.max_file_mb, 2 * max(args.mb,
                                                                           args.ingest_mb))
    settings.ingest.max_chunks_per_doc = 10**9
    tmp = Path(tempfile.mkdtemp(prefix="briefer-bench-patho-"))
    try:
        embedder = MiniLMEmbedder(batch_size=settings.ingest.batch_size)
        embedder.embed(["warm the ONNX session"] * settings.ingest.batch_size)
        result: dict[str, Any] = {"mb": args.mb, "ingest_mb": args.ingest_mb,
                                  "chunk_tokens": settings.ingest.chunk_tokens,
                                  "chunking": {}, "ingest": {}}
        # (1) chunking alone, every variant at --mb
        for name, text in variants(int(args.mb * 1_000_000)).items():
            path = tmp / f"chunk-{name}.txt"
            path.write_text(text, encoding="utf-8")
            seconds, n = time_chunking(path, embedder, settings)
            result["chunking"][name] = {"bytes": path.stat().st_size, "seconds": round(seconds, 2),
                                        "chunks": n}
            path.unlink()
        # (2) full ingest of prose and the single line at --ingest-mb
        texts = variants(int(args.ingest_mb * 1_000_000))
        warm = tmp / "warm.txt"  # import chromadb and start its bindings before timing
        warm.write_text(texts["prose"][:2000], encoding="utf-8")
        time_ingest(warm, embedder, settings, tmp / "warm-store")
        for name in ("prose", "one-line"):
            path = tmp / f"ingest-{name}.txt"
            path.write_text(texts[name], encoding="utf-8")
            seconds, n = time_ingest(path, embedder, settings, tmp / f"store-{name}")
            result["ingest"][name] = {"bytes": path.stat().st_size, "seconds": round(seconds, 2),
                                      "chunks": n}
        c, i = result["chunking"], result["ingest"]
        result["chunking_ratio"] = round(c["one-line"]["seconds"] / c["prose"]["seconds"], 2)
        result["chunking_ratio_no_spaces"] = round(
            c["no-spaces"]["seconds"] / c["prose"]["seconds"], 2)
        result["ingest_ratio"] = round(i["one-line"]["seconds"] / i["prose"]["seconds"], 2)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(r: dict[str, Any]) -> str:
    lines = [f"pathological ingest (chunk_tokens={r['chunk_tokens']}, goal one-line/prose "
             f"<= {GOAL:g}x)", f"chunking only (load + split, no embedding), {r['mb']:g} MB:"]
    for name, row in r["chunking"].items():
        lines.append(f"  {name:10s} {row['bytes'] / 1e6:6.2f} MB  {row['chunks']:6d} chunks  "
                     f"{row['seconds']:8.2f} s")
    lines.append(f"  ratio one-line/prose {r['chunking_ratio']:.2f}x, no-spaces/prose "
                 f"{r['chunking_ratio_no_spaces']:.2f}x")
    note = "" if r["ingest_mb"] >= r["mb"] else (
        f" (smaller than {r['mb']:g} MB so the run stays within minutes on 2 cores: embedding "
        "dominates; pass --ingest-mb 5 for the full size)")
    lines.append(f"full ingest (chunk + embed + Chroma + BM25), {r['ingest_mb']:g} MB{note}:")
    for name, row in r["ingest"].items():
        lines.append(f"  {name:10s} {row['bytes'] / 1e6:6.2f} MB  {row['chunks']:6d} chunks  "
                     f"{row['seconds']:8.2f} s")
    ok = "OK" if r["ingest_ratio"] <= GOAL and r["chunking_ratio"] <= GOAL else "OVER GOAL"
    lines.append(f"  ratio one-line/prose {r['ingest_ratio']:.2f}x  [{ok}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size for chunking-only timing")
    parser.add_argument("--ingest-mb", type=float, default=1.0,
                        help="size for the full ingest timing (embedding dominates)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    sys.exit(main())
