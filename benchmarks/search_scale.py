"""Search latency at scale: full hybrid ``Workspace.search`` on a large store vs a small one.

Embedding 100k real chunks would take over an hour on a laptop CPU, so the stores are built
directly (``ChromaStore.add``, ``LexicalIndex.build`` + ``save``, a manifest) from synthetic
chunks whose texts and vectors stay consistent with each other:

* a pool of ``--pool`` generated sentences (see ``_textgen.py``) is embedded once with the real
  ``MiniLMEmbedder``;
* each chunk's text is 4-7 pool sentences (80% from its document's topic) plus one fresh,
  unembedded sentence (invented names and numbers: the long tail BM25 sees);
* its vector is the normalised mean of its pool sentences' vectors plus a random perturbation
  (``--noise``, relative to the unit mean; 0.2 keeps cosine to the mean at ~0.98), normalised.
  A mean of sentence embeddings is close to what mean pooling gives for the whole passage, so
  the vectors cluster by topic and by shared sentences the way real ones do; nearest-neighbour
  search on them is no easier than on uniform random vectors.

Both stores are built the same way; the small one is a prefix of the large one. Each is then
opened as a normal ``Workspace`` and queried with ``Workspace.search`` (what the CLI and REPL
call): manifest check, query embedding, Chroma dense search, BM25, reciprocal-rank fusion and the
fetch of the hits' texts. Queries alternate between the stores (small-large, large-small) after
a warm-up; the report gives median and p95 per store, the ratio of medians (goal <= 2x), and a
per-stage breakdown to show where the time goes.

Run:  python benchmarks/search_scale.py [--large 100000] [--small 1000] [--json]
      add --store-dir DIR to keep the built stores and reuse them on the next run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _textgen import NAMES, TOPICS, queries, sentence

from briefer.core.schemas import Chunk
from briefer.core.settings import Settings
from briefer.corpus.chunking import chunk_id
from briefer.corpus.workspace import Workspace
from briefer.store.chroma import ChromaStore
from briefer.store.embed import MiniLMEmbedder
from briefer.store.lexical import LexicalIndex
from briefer.store.retrieve import rrf

GOAL_RATIO = 2.0
FORMAT = 1  # bump when the way stores are generated changes (invalidates --store-dir caches)


# --------------------------------------------------------------------------- synthetic data


def make_pool(size: int, seed: int) -> tuple[list[str], list[str]]:
    """(sentences, topic of each): ``size`` distinct sentences spread evenly over the topics."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    seen: set[str] = set()
    texts: list[str] = []
    labels: list[str] = []
    while len(texts) < size:
        topic = topics[len(texts) % len(topics)]
        s = sentence(rng, topic)
        if s not in seen:
            seen.add(s)
            texts.append(s)
            labels.append(topic)
    return texts, labels


def make_chunks(n: int, pool: list[str], labels: list[str], pool_vecs: np.ndarray, seed: int,
                noise: float) -> tuple[list[Chunk], np.ndarray, dict[str, dict[str, Any]]]:
    """``n`` chunks in documents of 5-15 chunks, their vectors, and manifest entries."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    by_topic: dict[str, list[int]] = {t: [] for t in TOPICS}
    for i, t in enumerate(labels):
        by_topic[t].append(i)
    chunks: list[Chunk] = []
    vectors = np.empty((n, pool_vecs.shape[1]), dtype=np.float32)
    docs: dict[str, dict[str, Any]] = {}
    d = 0
    while len(chunks) < n:
        topic = rng.choice(list(TOPICS))
        source = f"{topic}/doc-{d:06d}.txt"
        title = f"{rng.choice(NAMES.places)}: the {rng.choice(TOPICS[topic])} " \
                f"{rng.choice(['in question', 'under review', 'after the vote', 'and its costs'])}"
        date = f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        doc_hash = hashlib.sha256(f"{seed}:{d}".encode()).hexdigest()
        count = min(rng.randint(5, 15), n - len(chunks))
        offset = len(title) + 14
        for position in range(count):
            idx = [rng.choice(by_topic[topic]) if rng.random() < 0.8 else rng.randrange(len(pool))
                   for _ in range(rng.randint(4, 7))]
            text = " ".join(pool[i] for i in idx) + " " + sentence(rng, topic)
            mean = pool_vecs[idx].mean(axis=0)
            mean /= np.linalg.norm(mean)
            g = nrng.standard_normal(mean.shape[0]).astype(np.float32)
            v = mean + noise * g / np.linalg.norm(g)
            vectors[len(chunks)] = v / np.linalg.norm(v)
            chunks.append(Chunk(id=chunk_id(source, position, text), text=text, source=source,
                                title=title, date=date, start=offset, end=offset + len(text),
                                position=position, doc_hash=doc_hash))
            offset += len(text) - 120  # as if chunks overlapped by ~32 tokens
        docs[source] = {"sha256": doc_hash, "chunks": count, "path": f"/synthetic/{source}",
                        "title": title, "date": date, "ingested_at": 0.0}
        d += 1
    return chunks, vectors, docs


# --------------------------------------------------------------------------- store building


def build_store(state_dir: Path, chunks: list[Chunk], vectors: np.ndarray,
                docs: dict[str, dict[str, Any]], settings: Settings,
                batch: int) -> dict[str, float]:
    """A store folder laid out as ``ingest`` leaves a local store: chroma/, manifest.json, bm25/.

    The manifest is written as the JSON file a local store keeps beside its Chroma folder, then
    read back through ``Workspace`` (so a change of that layout fails loudly here), and the BM25
    index is built for the fingerprint ``Workspace`` computes from it.
    """
    shutil.rmtree(state_dir, ignore_errors=True)
    times: dict[str, float] = {}
    t = time.perf_counter()
    store = ChromaStore(state_dir, settings.store.collection)
    for b in range(0, len(chunks), batch):
        store.add(chunks[b: b + batch], vectors[b: b + batch])
    times["chroma_add_s"] = time.perf_counter() - t
    if store.count() != len(chunks):
        raise SystemExit(f"the store holds {store.count()} chunks, expected {len(chunks)}")
    (state_dir / "manifest.json").write_text(
        json.dumps({"version": 1, "docs": docs, "pending": []}, indent=1, sort_keys=True),
        encoding="utf-8")
    ws = Workspace.open(settings, store=store, state_dir=state_dir)
    if len(ws.manifest.docs) != len(docs):
        raise SystemExit(f"Workspace does not read the manifest written to {state_dir}; the "
                         "store layout changed and this benchmark needs updating")
    t = time.perf_counter()
    LexicalIndex.build(chunks, ws.fingerprint()).save(state_dir / "bm25")
    times["bm25_build_s"] = time.perf_counter() - t
    return times


# --------------------------------------------------------------------------- measuring


def stage_times(ws: Workspace, embedder: MiniLMEmbedder, qs: list[str],
                settings: Settings) -> dict[str, float]:
    """Median ms per stage of the search path, timed one at a time (for the breakdown only)."""
    r = settings.retrieval
    lexical = ws.lexical()
    out: dict[str, list[float]] = {k: [] for k in ("manifest", "embed", "dense", "bm25",
                                                   "fuse_fetch", "count")}
    for q in qs:
        tc = time.perf_counter()
        ws.store.count()  # ChromaStore.query calls count() first: part of "dense"
        out["count"].append((time.perf_counter() - tc) * 1000)
        t0 = time.perf_counter()
        ws.manifest.fingerprint()
        t1 = time.perf_counter()
        vec = embedder.embed([q])[0]
        t2 = time.perf_counter()
        dense = [cid for cid, _ in ws.store.query(vec, r.candidates)]
        t3 = time.perf_counter()
        sparse = [cid for cid, _ in lexical.search(q, r.candidates)]
        t4 = time.perf_counter()
        fused = rrf([dense, sparse], k=r.rrf_k)
        ws.store.get([cid for cid, _ in fused[: max(r.k * 2, 16)]])
        t5 = time.perf_counter()
        for key, a, b in (("manifest", t0, t1), ("embed", t1, t2), ("dense", t2, t3),
                          ("bm25", t3, t4), ("fuse_fetch", t4, t5)):
            out[key].append((b - a) * 1000)
    return {k: round(statistics.median(v), 2) for k, v in out.items()}


def summarise(ms: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2), "n": len(ms)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    if getattr(settings.store, "url", None):  # always local stores, whatever the environment
        settings.store.url = None
    r = settings.retrieval
    embedder = MiniLMEmbedder(batch_size=settings.ingest.batch_size)
    params = {"format": FORMAT, "large": args.large, "small": args.small, "pool": args.pool,
              "seed": args.seed, "noise": args.noise, "collection": settings.store.collection}
    root = Path(args.store_dir) if args.store_dir else Path(tempfile.mkdtemp(
        prefix="briefer-bench-search-"))
    root.mkdir(parents=True, exist_ok=True)
    marker = root / "params.json"
    build: dict[str, Any] = {}
    try:
        reuse = marker.is_file() and json.loads(marker.read_text()) == params
        if reuse:
            build["reused"] = str(root)
        else:
            marker.unlink(missing_ok=True)
            pool, labels = make_pool(args.pool, args.seed)
            embedder.embed(pool[:8])  # load the ONNX session outside the timing
            t = time.perf_counter()
            pool_vecs = embedder.embed(pool)
            build["pool_embed_s"] = time.perf_counter() - t
            t = time.perf_counter()
            chunks, vectors, docs = make_chunks(args.large, pool, labels, pool_vecs, args.seed,
                                                args.noise)
            build["generate_s"] = time.perf_counter() - t
            small_docs: dict[str, dict[str, Any]] = {}
            seen = 0
            for source, entry in docs.items():  # documents in chunk order: the prefix
                take = min(entry["chunks"], args.small - seen)
                if take <= 0:
                    break
                small_docs[source] = {**entry, "chunks": take}
                seen += take
            for name, n, d in (("small", args.small, small_docs), ("large", args.large, docs)):
                times = build_store(root / name, chunks[:n], vectors[:n], d, settings,
                                    args.batch)
                build[name] = times
                print(f"built the {name} store ({n:,} chunks): "
                      + ", ".join(f"{k} {v:.1f}" for k, v in times.items()), file=sys.stderr)
            del chunks, vectors
            marker.write_text(json.dumps(params))

        spaces = {name: Workspace.open(settings, embedder=embedder, state_dir=root / name)
                  for name in ("small", "large")}
        sizes = {}
        for name, ws in spaces.items():
            t = time.perf_counter()
            sizes[name] = {"chunks": ws.store.count(), "docs": len(ws.manifest.docs),
                           "bm25_ids": len(ws.lexical().ids)}
            build[f"{name}_open_s"] = time.perf_counter() - t
            if sizes[name]["bm25_ids"] != sizes[name]["chunks"]:
                raise SystemExit(f"the {name} store's BM25 index does not match its chunks")

        warm = queries(args.seed + 1000, args.warmup)
        measured = queries(args.seed + 1, args.queries)
        for q in warm:
            for ws in spaces.values():
                ws.search(q)
        lat: dict[str, list[float]] = {"small": [], "large": []}
        hits: dict[str, list[int]] = {"small": [], "large": []}
        i = 0
        for _ in range(args.repeats):
            for q in measured:
                order = ("small", "large") if i % 2 == 0 else ("large", "small")
                i += 1
                for name in order:
                    t = time.perf_counter()
                    res = spaces[name].search(q)
                    lat[name].append((time.perf_counter() - t) * 1000)
                    hits[name].append(len(res.hits))
        stages = {name: stage_times(ws, embedder, measured, settings)
                  for name, ws in spaces.items()}
    finally:
        if not args.store_dir:
            shutil.rmtree(root, ignore_errors=True)

    small, large = summarise(lat["small"]), summarise(lat["large"])
    ratio = large["median_ms"] / small["median_ms"]
    return {
        "benchmark": "search_scale",
        "settings": {"k": r.k, "candidates": r.candidates, "rrf_k": r.rrf_k},
        "params": params,
        "sizes": sizes,
        "build": {k: ({kk: round(vv, 2) for kk, vv in v.items()} if isinstance(v, dict)
                      else (round(v, 2) if isinstance(v, float) else v))
                  for k, v in build.items()},
        "queries": args.queries, "repeats": args.repeats, "warmup": args.warmup,
        "small": small, "large": large,
        "mean_hits": {k: round(statistics.fmean(v), 2) for k, v in hits.items()},
        "stage_median_ms": stages,
        "ratio_of_medians": round(ratio, 3),
        "ratio_of_p95": round(large["p95_ms"] / small["p95_ms"], 3),
        "goal": GOAL_RATIO,
        "goal_met": ratio <= GOAL_RATIO,
    }


def report(r: dict[str, Any]) -> str:
    s, lg, b = r["small"], r["large"], r["build"]
    sz = r["sizes"]
    lines = [
        "search latency at scale (briefer, Workspace.search = embed query + dense + BM25 + "
        "fusion + fetch)",
        f"  settings: k={r['settings']['k']} candidates={r['settings']['candidates']} "
        f"rrf_k={r['settings']['rrf_k']}; synthetic chunks (pool {r['params']['pool']} embedded "
        f"sentences, noise {r['params']['noise']})",
    ]
    if "reused" in b:
        lines.append(f"  build: reused stores in {b['reused']}")
    else:
        lines.append(f"  build: pool embed {b['pool_embed_s']} s, generate {b['generate_s']} s")
        for name in ("small", "large"):
            lines.append(f"         {name:5} ({sz[name]['chunks']:,} chunks, "
                         f"{sz[name]['docs']:,} docs): Chroma add {b[name]['chroma_add_s']} s, "
                         f"BM25 build+save {b[name]['bm25_build_s']} s")
    lines.append(f"  open (first search path: Chroma + BM25 load): small {b['small_open_s']} s, "
                 f"large {b['large_open_s']} s")
    lines.append(f"  {r['queries']} queries x {r['repeats']} repeats after {r['warmup']} "
                 f"warm-up queries, alternating stores")
    for name, x in (("small", s), ("large", lg)):
        lines.append(f"  {name:5} {sz[name]['chunks']:>8,} chunks: median {x['median_ms']:7.2f} "
                     f"ms  p95 {x['p95_ms']:7.2f} ms  (min {x['min_ms']}, max {x['max_ms']}, "
                     f"mean hits {r['mean_hits'][name]})")
    for name in ("small", "large"):
        st = r["stage_median_ms"][name]
        lines.append(f"  stages {name:5} (median ms): " + ", ".join(
            f"{k} {v}" for k, v in st.items() if k != "count")
            + f" (dense includes store.count() {st['count']})")
    verdict = "MET" if r["goal_met"] else "MISSED"
    lines.append(f"  large/small median = {r['ratio_of_medians']:.3f}x  (goal <= {r['goal']}x: "
                 f"{verdict}); p95 ratio {r['ratio_of_p95']:.3f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--large", type=int, default=100_000, help="chunks in the large store")
    p.add_argument("--small", type=int, default=1_000, help="chunks in the small store")
    p.add_argument("--pool", type=int, default=2_000, help="really embedded sentences")
    p.add_argument("--noise", type=float, default=0.2, help="vector perturbation (default 0.2)")
    p.add_argument("--queries", type=int, default=30, help="distinct measured queries")
    p.add_argument("--repeats", type=int, default=3, help="passes over the queries")
    p.add_argument("--warmup", type=int, default=5, help="warm-up queries (not measured)")
    p.add_argument("--batch", type=int, default=5_000, help="chunks per ChromaStore.add call")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--store-dir", default=None,
                   help="keep the stores here and reuse them when the parameters match")
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = p.parse_args(argv)
    if not 0 < args.small <= args.large:
        p.error("need 0 < --small <= --large")
    if args.queries < 1 or args.repeats < 1 or args.pool < 16:
        p.error("--queries and --repeats must be >= 1, --pool >= 16")
    started = time.perf_counter()
    result = run(args)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result))
    else:
        print(report(result))
        print(f"  wall time: {result['wall_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
