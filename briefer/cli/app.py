"""The `brief` command: a thin typer layer over the library.

This module holds the app, the entry point and the everyday commands; `brief eval` is in
``cli_eval.py``, `brief models` in ``cli_models.py``, what they share in ``cli_common.py``. These
four are the only modules that import typer (and, with repl.py, rich).

Every BrieferError becomes one line on stderr and an exit code; nothing else is caught here
except Ctrl-C, which exits 130.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from briefer.cli.common import (
    ChromaOpt,
    CtxOpt,
    GpuOpt,
    JsonOpt,
    KOpt,
    LlmOpt,
    ModelOpt,
    StoreOpt,
    ThreadsOpt,
    _console,
    _fetch_with_bar,
    _model_overrides,
    _progress,
    _require_ingested,
    _workspace,
)
from briefer.cli.eval_cmd import eval_
from briefer.cli.models_cmd import models_app
from briefer.core.errors import BrieferError, ConfigError


class _DefaultToBrief(TyperGroup):
    """`brief "TOPIC"` means `brief draft "TOPIC"`: unknown first words go to `draft`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # --verbose belongs to `brief` itself, wherever it is written
        loud = [a for a in args if a in _ROOT_FLAGS]
        args = [a for a in args if a not in _ROOT_FLAGS]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                     "--version"):
            args = ["draft", *args]
        return super().parse_args(ctx, [*loud[:1], *args])


_ROOT_FLAGS = ("--verbose",)


app = typer.Typer(
    cls=_DefaultToBrief,
    help="Briefer: grounded analytic briefs from your own documents, offline.\n\n"
    'Run `brief ingest PATH`, then `brief "TOPIC"` for a brief.',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(models_app, name="models")


def _print_version(value: bool) -> None:
    if value:
        from briefer.core.version import __version__

        typer.echo(f"briefer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", help="Also show llama.cpp's own log "
                                          "lines (hidden by default).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_print_version,
                                          is_eager=True, help="Print the version.")] = False,
) -> None:
    """Briefer: grounded analytic briefs from your own documents, offline."""
    if verbose:
        from briefer.llm import binding

        binding.set_verbose(True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.",
                                                show_default=False)],
    store: StoreOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove chunks of files that are "
                                        "gone.")] = False,
    chroma_url: ChromaOpt = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another ingest is writing the "
                                       "store, wait for it instead of failing.")] = False,
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


@app.command()
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
    """Show the passages hybrid retrieval (dense + BM25) finds for QUERY."""
    from briefer.store.retrieve import Filters

    ws = _workspace(store, chroma_url)
    _require_ingested(ws)
    result = ws.search(query, k=k, filters=Filters(tuple(source or ()), _date(since),
                                                     _date(until)))
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


def _open_with_model(store: Path | None, chroma_url: str | None, model: str | None,
                     n_gpu_layers: int | None, ctx: int | None, threads: int | None,
                     llm_url: str | None, before: Any = None) -> tuple[Any, Any]:
    """The workspace (ingesting corpus/ into an empty store first) and its chat model;
    ``before(ws)`` runs first, before anything slow (the memo path check)."""
    from briefer.llm.models import load_model

    ws = _workspace(store, chroma_url,
                    **_model_overrides(model, n_gpu_layers, ctx, threads, llm_url))
    if before is not None:
        before(ws)
    _ensure_corpus(ws)
    return ws, load_model(ws.settings, on_fetch=_fetch_with_bar)


def _ensure_corpus(ws: Any) -> None:
    """A fresh install answers `brief "TOPIC"` in one command: ingest the corpus folder first."""
    if not ws.is_empty():
        return
    corpus = ws.settings.ingest.corpus
    if not corpus.is_dir():
        from briefer.core.errors import StoreError

        raise StoreError(f"the store at {ws.store.location} is empty and there is no corpus folder "
                         f"'{corpus}'; run `brief ingest PATH` first")
    err = _console(stderr=True)
    err.print(f"The store is empty: ingesting {corpus}/ first …", markup=False)
    summary = ws.ingest([corpus])
    err.print(f"ingested {len(summary.added)} files, {summary.chunks_total} chunks → "
              f"{summary.store}", markup=False)


@app.command("draft")
def draft(
    topic: Annotated[str, typer.Argument(help="What the brief is about.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Memo file, or a "
                   "folder to write <date>-<slug>.md in (default: memos/<date>-<slug>.md); "
                   "checked before drafting.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a brief on TOPIC (same as `brief "TOPIC"`): terminal rendering + Markdown memo."""
    from briefer.pipeline.draft import draft as draft_run
    from briefer.render.memo import (
        check_memo_target,
        memo_target,
        render_memo,
        rescue_dirs,
        save_memo,
    )

    target: list[Path] = []

    def check_out(ws: Any) -> None:  # fail before the work: before the model is even loaded
        if not as_json:
            target.append(memo_target(out, topic, ws.settings.brief.memo_dir))
            check_memo_target(target[0])

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url,
                               before=check_out)
    err = _console(stderr=True)
    if sys.stderr.isatty() and not as_json:
        with err.status("drafting …") as status:

            def show(line: str) -> None:  # sections as the status line, items as they land
                if line.startswith("  "):
                    err.print(line, markup=False, highlight=False)
                else:
                    status.update(line + " …")

            drafted = draft_run(topic, workspace=ws, model=llm, k=k, progress=show)
    else:
        drafted = draft_run(topic, workspace=ws, model=llm, k=k)
    brief = drafted.brief
    if as_json:
        typer.echo(brief.model_dump_json(indent=2))
        return
    chunks = drafted.run.chunk_map()
    text = render_memo(brief, chunks)
    from rich.markdown import Markdown

    _console().print(Markdown(text))  # on screen first: a failed save loses nothing
    path = save_memo(text, target[0], rescue=rescue_dirs(ws.state_dir), name=topic,
                     brief_json=brief.model_dump_json(indent=2))
    err.print(f"memo written to {path}", markup=False)


ANSWER_JSON_EXCLUDE: Any = {"standalone_question": True, "validated": True, "claims": True,
                           "answers_question": True,
                           "citations": {"__all__": {"match", "page"}}}


def print_citations(out: Any, answer: Any) -> None:
    from rich.markup import escape

    for c in answer.citations:
        where = c.source + (f" p.{c.page}" if c.page else "")
        out.print(f"  [bold][{c.n}][/] [cyan]{escape(where)}[/] [dim]{c.chunk_id} "
                  f"({c.match})[/] \u201c{escape(c.shown())}\u201d")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the documents, with verified [n] citations, or decline."""
    from rich.markup import escape

    from briefer.pipeline.ask import answer_question

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url)
    stream = sys.stdout.isatty() and not as_json
    result = answer_question(question, workspace=ws, model=llm, k=k,
                             on_text=(lambda t: print(t, end="", flush=True)) if stream else None)
    if as_json:
        typer.echo(result.model_dump_json(indent=2, exclude=ANSWER_JSON_EXCLUDE))
        return
    out = _console()
    if stream:
        print()
    else:
        out.print(result.answer, markup=False)
    if result.insufficient_evidence:
        out.print(f"[dim]({escape(result.reason or 'insufficient evidence in the documents')})[/]")
    elif result.unanswered:
        out.print(f"[dim](not stated in the documents: {escape('; '.join(result.unanswered))})[/]")
    print_citations(out, result)


@app.command()
def repl(
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
) -> None:
    """Interactive questions over the store: /brief, /memo, /sources, /show N, /help."""
    from briefer.cli import repl as repl_mod
    from briefer.llm.models import load_model

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url)

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def other_model(path: Path) -> Any:
        from briefer.core.settings import load_settings

        return load_model(load_settings(**{"model.path": path}), on_fetch=_fetch_with_bar)

    session = repl_mod.Repl(ws, llm, write, load_model=other_model,
                            k=k or ws.settings.retrieval.k)
    repl_mod.run(session, ws.state_dir / "repl_history")


app.command("eval")(eval_)  # after repl: `brief --help` lists the commands in this order


def _one_line_warning(message: Warning | str, category: type[Warning], *_: Any,
                      **__: Any) -> None:
    typer.echo(f"warning: {' '.join(str(message).split())}", err=True)


def main() -> None:
    """Entry point: typer reports usage errors; BrieferError becomes one line + exit code;
    a BrieferWarning, one "warning:" line."""
    import warnings

    from briefer.core.errors import BrieferWarning

    warnings.simplefilter("always", BrieferWarning)
    warnings.showwarning = _one_line_warning
    try:
        app()
    except BrieferError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
