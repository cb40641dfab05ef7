"""`brief ingest`, `brief search`, `brief sources` and `brief forget`: the commands that work on
the store alone (no model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from briefer.cli.common import (
    ChromaOpt,
    JsonOpt,
    KOpt,
    StoreOpt,
    _console,
    _progress,
    _require_ingested,
    _workspace,
)
from briefer.core.errors import ConfigError

WaitOpt = Annotated[bool, typer.Option("--wait", help="If another ingest or forget is writing "
                    "the store, wait for it instead of failing.")]


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.",
                                                show_default=False)],
    store: StoreOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove chunks of files that are "
                                        "gone.")] = False,
    chroma_url: ChromaOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add documents (txt, md, html, pdf, docx) to the store; unchanged files are skipped."""
    ws = _workspace(store, chroma_url)
    bar = _progress()

    def waiting(message: str) -> None:
        typer.echo(message, err=True)

    if bar is None:
        summary = ws.ingest(paths, prune=prune, wait=wait, on_wait=waiting)
    else:
        with bar:
            task = bar.add_task("scanning", total=None)

            def report(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=what[:50])

            summary = ws.ingest(paths, prune=prune, progress=report, wait=wait,
                                on_wait=lambda m: bar.console.print(m, markup=False))
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    err = _console(stderr=True)
    for skipped in summary.skipped:
        err.print(f"skipped {skipped.path}: {skipped.reason}", markup=False)
    for warning in summary.warnings:
        err.print(f"warning: {warning}", markup=False)
    out = _console()
    out.print(
        f"{len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.skipped)} skipped; +{summary.chunks_added} / -{summary.chunks_removed} "
        f"chunks, {summary.chunks_total} in store ({summary.seconds:.1f} s) → {summary.store}",
        markup=False,
    )


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConfigError(f"not a date (YYYY-MM-DD): {value}") from None


def search(
    query: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only sources matching "
                      "this glob (repeatable).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only documents dated on or "
                     "after YYYY-MM-DD.", show_default=False)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only documents dated on or "
                     "before YYYY-MM-DD.", show_default=False)] = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the passages hybrid retrieval (dense + BM25) finds for QUERY, as a question gets
    them (each ranking's best kept: retrieval.keep_best)."""
    from briefer.store.retrieve import Filters

    ws = _workspace(store, chroma_url)
    _require_ingested(ws)
    result = ws.search(query, k=k, filters=Filters(tuple(source or ()), _date(since),
                                                     _date(until)),
                       keep=ws.settings.retrieval.keep_best)
    if as_json:
        hidden = {"hits": {"__all__": {"page", "date", "similarity"}}}
        typer.echo(json.dumps(result.model_dump(exclude=hidden), indent=2, ensure_ascii=False))
        return
    out = _console()
    if not result.hits:
        out.print("no passages found", markup=False)
        return
    from rich.markup import escape

    for hit in result.hits:
        where = hit.source + (f" p.{hit.page}" if hit.page else "")
        out.print(f"[bold]{hit.rank}.[/] [cyan]{escape(where)}[/] "
                  f"[dim]{hit.chunk_id} score {hit.score:.4f}[/]")
        out.print("   " + escape(" ".join(hit.text.split())[:600]))


def sources(
    store: StoreOpt = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the ingested documents: chunks, flagged chunks, when each was ingested."""
    from briefer.corpus.forget import sources as list_sources

    ws = _workspace(store, chroma_url)
    infos = list_sources(ws)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in infos], indent=2,
                              ensure_ascii=False))
        return
    out = _console()
    if not infos:
        out.print(f"the store at {ws.store.location} is empty; run `brief ingest PATH`",
                  markup=False, soft_wrap=True)
        return
    out.print(_sources_table(infos, out.width))


def _sources_table(infos: list[Any], width: int) -> Any:
    """One row per document: the source path folds and the title is cut before a number or a
    date is (at most 40 characters of title)."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, width=width)
    table.add_column("source", overflow="fold", ratio=3)
    table.add_column("title", overflow="ellipsis", no_wrap=True, ratio=2, max_width=40)
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("chunks", justify="right", no_wrap=True, min_width=6)
    table.add_column("flagged", justify="right", no_wrap=True, min_width=7)
    table.add_column("ingested (UTC)", no_wrap=True, min_width=16)
    for i in infos:
        table.add_row(i.source, i.title, i.date or "", str(i.chunks), str(i.flagged or ""),
                      i.ingested_at.strftime("%Y-%m-%d %H:%M") if i.ingested_at else "")
    return table


def forget(
    patterns: Annotated[list[str], typer.Argument(help="Sources, globs over them (quote "
                        "them), file paths or folders, as `brief sources` lists them.",
                                                  show_default=False)],
    store: StoreOpt = None,
    chroma_url: ChromaOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove documents and their chunks from the store (nothing, if a pattern matches none)."""
    ws = _workspace(store, chroma_url)
    summary = ws.forget(patterns, wait=wait,
                        on_wait=lambda message: typer.echo(message, err=True))
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    n = len(summary.removed)
    m = summary.chunks_removed
    _console().print(f"removed {n} document{'s' * (n != 1)} ({m} chunk{'s' * (m != 1)}): "
                     f"{', '.join(summary.removed)}", markup=False, soft_wrap=True)
