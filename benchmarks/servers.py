"""Server throughput: ingest rate into a Chroma server, requests/s of llama-cpp-python's server.

Starts `chroma run` and `python -m llama_cpp.server` (packaged SmolLM2) on loopback, measures,
and stops both by their process ids. Figures feed docs/SCALING.md.

1. Chroma: `Workspace.ingest` of the eval set's documents into the server (chunks/s, embedding
   included), and raw `add` of precomputed vectors in batches of 500 (vectors/s), against the
   same into a local PersistentClient store in the same run.
2. LLM: sequential short chat requests (max_tokens 32) -> requests/s and generated tokens/s;
   then 4 concurrent clients -> requests/s (the llama-cpp-python server serialises them).

Usage: python benchmarks/servers.py [--json] [--requests 12]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.core.schemas import Chunk  # noqa: E402
from briefer.core.settings import load_settings  # noqa: E402
from briefer.corpus.workspace import Workspace  # noqa: E402
from briefer.evaluation.servers import (  # noqa: E402
    free_port,
    start_chroma,
    start_llama_server,
    stop,
    wait_for,
)
from briefer.llm.models import packaged_smollm2  # noqa: E402
from briefer.llm.openai_compat import OpenAICompatModel  # noqa: E402
from briefer.store.chroma import ChromaStore  # noqa: E402


def raw_add_rate(store: ChromaStore, n: int = 5000) -> float:
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    chunks = [Chunk(id=f"raw{i}", text=f"synthetic passage {i}", source="raw.txt", start=0,
                    end=10, position=i, doc_hash="x") for i in range(n)]
    started = time.perf_counter()
    for b in range(0, n, 500):
        store.add(chunks[b:b + 500], vecs[b:b + 500])
    return n / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--requests", type=int, default=12)
    args = ap.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cport, lport = free_port(), free_port()
        chroma = start_chroma(cport, tmp / "chroma", tmp / "chroma.log")
        llm = start_llama_server(lport, packaged_smollm2(), tmp / "llm.log")
        try:
            wait_for(f"http://127.0.0.1:{cport}/api/v2/heartbeat", chroma)
            wait_for(f"http://127.0.0.1:{lport}/v1/models", llm)
            docs = ROOT / "evalset" / "docs"
            for label, settings in (
                ("local", load_settings(**{"store.path": tmp / "local"})),
                ("server", load_settings(**{"store.url": f"http://127.0.0.1:{cport}"})),
            ):
                ws = Workspace.open(settings, state_dir=tmp / f"state-{label}")
                ws.embedder.embed(["warm up"])
                s = ws.ingest([docs])
                out[f"ingest_{label}_chunks_s"] = round(s.chunks_added / s.seconds, 1)
                out[f"raw_add_{label}_vectors_s"] = round(raw_add_rate(ws.store), 1)  # type: ignore[arg-type]
            model = OpenAICompatModel(f"http://127.0.0.1:{lport}/v1", "smollm2")
            msgs: list[Any] = [{"role": "user", "content": "Name one colour."}]
            model.complete(msgs, max_tokens=8)  # warm
            started = time.perf_counter()
            tokens = 0
            for _ in range(args.requests):
                tokens += model.complete(msgs, max_tokens=32).completion_tokens
            elapsed = time.perf_counter() - started
            out["llm_sequential_req_s"] = round(args.requests / elapsed, 2)
            out["llm_sequential_tok_s"] = round(tokens / elapsed, 1)
            started = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: model.complete(msgs, max_tokens=32),
                              range(args.requests)))
            out["llm_concurrent4_req_s"] = round(args.requests / (time.perf_counter() - started),
                                                 2)
        finally:
            stop(llm)
            stop(chroma)
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
