"""The `brief` command: a thin typer layer over the library.

This module holds the app, the entry point and the commands that load the model (draft, ask,
repl); `brief ingest` and `brief search` are in ``store_cmd.py``, `brief eval` in
``eval_cmd.py``, `brief models` in ``models_cmd.py``, what they share in ``common.py``. The
``briefer.cli`` modules are the only ones that import typer and rich.

Every BrieferError becomes one line on stderr and an exit code; nothing else is caught here
except Ctrl-C, which exits 130.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from briefer.cli.common import (
    JsonOpt,
    ModelOptions,
    _console,
    _fetch_with_bar,
    _save_memo,
    _workspace,
    with_model_options,
)
from briefer.cli.eval_cmd import eval_
from briefer.cli.models_cmd import models_app
from briefer.cli.store_cmd import ingest, search
from briefer.core.errors import BrieferError


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


app.command()(ingest)  # store_cmd.py; before draft: `brief --help` keeps this order
app.command()(search)


def _open_with_model(opts: ModelOptions, before: Any = None) -> tuple[Any, Any]:
    """The workspace (ingesting corpus/ into an empty store first) and its chat model;
    ``before(ws)`` runs first, before anything slow (the memo path check)."""
    from briefer.llm.models import load_model

    ws = _workspace(opts.store, opts.chroma_url, **opts.overrides())
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
@with_model_options
def draft(
    topic: Annotated[str, typer.Argument(help="What the brief is about.", show_default=False)],
    opts: ModelOptions,
    out: Annotated[Path | None, typer.Option("--out", help="Memo file, or a "
                   "folder to write <date>-<slug>.md in (default: memos/<date>-<slug>.md); "
                   "checked before drafting.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a brief on TOPIC (same as `brief "TOPIC"`): terminal rendering + Markdown memo."""
    from briefer.render.memo import check_memo_target, memo_target, render_memo

    target: list[Path] = []

    def check_out(ws: Any) -> None:  # fail before the work: before the model is even loaded
        if not as_json:
            target.append(memo_target(out, topic, ws.settings.brief.memo_dir))
            check_memo_target(target[0])

    ws, llm = _open_with_model(opts, before=check_out)
    drafted = _draft_with_status(topic, ws, llm, opts.k, quiet=as_json)
    brief = drafted.brief
    if as_json:
        typer.echo(brief.model_dump_json(indent=2))
        return
    text = render_memo(brief, drafted.run.chunk_map())
    from rich.markdown import Markdown

    _console().print(Markdown(text))  # on screen first: a failed save loses nothing
    path = _save_memo(ws, text, target[0], name=topic, brief_json=brief.model_dump_json(indent=2))
    _console(stderr=True).print(f"memo written to {path}", markup=False)


def _draft_with_status(topic: str, ws: Any, llm: Any, k: int | None, quiet: bool) -> Any:
    """Draft; on a terminal (and not ``quiet``), sections as the status line and items as
    they land."""
    from briefer.pipeline.draft import draft as draft_run

    err = _console(stderr=True)
    if not sys.stderr.isatty() or quiet:
        return draft_run(topic, workspace=ws, model=llm, k=k)
    with err.status("drafting …") as status:

        def show(line: str) -> None:
            if line.startswith("  "):
                err.print(line, markup=False, highlight=False)
            else:
                status.update(line + " …")

        return draft_run(topic, workspace=ws, model=llm, k=k, progress=show)


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
@with_model_options
def ask(
    question: Annotated[str, typer.Argument(help="Your question.", show_default=False)],
    opts: ModelOptions,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the documents, with verified numbered citations, or decline."""
    from rich.markup import escape

    from briefer.pipeline.ask import answer_question

    ws, llm = _open_with_model(opts)
    stream = sys.stdout.isatty() and not as_json
    result = answer_question(question, workspace=ws, model=llm, k=opts.k,
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
@with_model_options
def repl(opts: ModelOptions) -> None:
    """Interactive questions over the store: /brief, /memo, /sources, /show N, /help."""
    from briefer.cli import repl as repl_mod
    from briefer.llm.models import load_model

    ws, llm = _open_with_model(opts)

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def other_model(path: Path) -> Any:
        from briefer.core.settings import load_settings

        return load_model(load_settings(**{"model.path": path}), on_fetch=_fetch_with_bar)

    session = repl_mod.Repl(ws, llm, write, load_model=other_model,
                            k=opts.k or ws.settings.retrieval.k)
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
