"""The one adapter for llama-cpp-python's internals: version guard, log control, private names.

Briefer drives llama.cpp more closely than ``Llama.__call__`` allows (a KV cache shared by
side-by-side replies, a grammar checked one token at a time, the prompt's cached prefix kept),
so it needs a few names the binding does not promise to keep: ``Llama._ctx``,
``Llama._input_ids``, ``Llama._model.vocab``, ``LlamaGrammar._grammar`` / ``_root`` and the
context-params factory it swaps at load. Every one of them is read here and nowhere else, so a
new binding release is checked in one file.

Before ``llama_cpp`` is imported the installed version is checked (:func:`check_version`):

* the tested versions (:data:`TESTED`) load silently;
* a version known to crash on this machine is refused with one line naming the versions that
  work: llama-cpp-python 0.3.17 to 0.3.36 vendor a llama.cpp whose AMX matrix kernels set up
  their tile configuration on the stack, where GCC 12 drops the stores, so the first prompt of
  two or more tokens dies with SIGILL/SIGSEGV on CPUs with AMX (ggml-org/llama.cpp#26954);
* any other version gets a one-line :class:`~briefer.core.errors.BrieferWarning`.

llama.cpp's own log lines (model metadata, ``n_ctx_per_seq < n_ctx_train`` …) go nowhere
unless :func:`set_verbose` was called (``brief --verbose``).
"""

from __future__ import annotations

import ctypes
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from briefer.core.errors import BrieferWarning, ModelError

TESTED = ("0.3.16",)
TESTED_RANGE = ">=0.3.16,<0.3.17"  # pyproject.toml's range; requirements-lock.txt pins 0.3.16
AMX_CRASH = ((0, 3, 17), (0, 3, 36))  # first and last release seen with the AMX tile fault
INSTALL_HINT = "pip install 'llama-cpp-python==0.3.16'"

_state: dict[str, Any] = {"verbose": False, "callback": None, "checked": False}


def set_verbose(verbose: bool) -> None:
    """Let llama.cpp's own log lines through to stderr (``brief --verbose``), or not."""
    _state["verbose"] = verbose


def _release(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU has AMX tiles (Linux: the ``amx_tile`` flag); False where unknown."""
    try:
        return "amx_tile" in cpuinfo.read_text(errors="ignore")
    except OSError:
        return False


def check_version(version: str, *, amx: bool) -> str | None:
    """None for a tested version; a warning's text for an untested one; raises ModelError for a
    version known to crash on this CPU."""
    if version in TESTED:
        return None
    if amx and AMX_CRASH[0] <= _release(version) <= AMX_CRASH[1]:
        raise ModelError(f"llama-cpp-python {version} crashes on this CPU (its llama.cpp's AMX "
                         f"kernels, ggml-org/llama.cpp#26954); Briefer works with "
                         f"{', '.join(TESTED)}: {INSTALL_HINT}")
    return (f"llama-cpp-python {version} is untested (Briefer is tested with {TESTED_RANGE}); "
            f"if a model command fails: {INSTALL_HINT}")


def import_llama() -> Any:
    """``llama_cpp``, after the version check (once per process) and with its logging quiet."""
    if not _state["checked"]:
        try:
            version = metadata.version("llama-cpp-python")
        except metadata.PackageNotFoundError:
            raise ModelError(f"llama-cpp-python is not installed: {INSTALL_HINT}") from None
        warning = check_version(version, amx=cpu_has_amx())
        if warning:
            warnings.warn(warning, BrieferWarning, stacklevel=2)
        _state["checked"] = True
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelError(f"llama-cpp-python is not installed: {exc}") from None
    if _state["callback"] is None:
        _state["callback"] = llama_cpp.llama_log_callback(_log)  # kept: C holds a pointer
        llama_cpp.llama_log_set(_state["callback"], ctypes.c_void_p(0))
    return llama_cpp


def _log(level: int, text: bytes, user_data: Any) -> None:
    if _state["verbose"]:
        sys.stderr.write(text.decode("utf-8", "replace"))
        sys.stderr.flush()


# ---------------------------------------------------------------------------------- loading
def load(path: Path, *, n_ctx: int, n_threads: int, n_gpu_layers: int | None, seed: int,
         n_seq: int) -> Any:
    """A ``llama_cpp.Llama`` with ``n_seq`` sequences over one unified KV cache (the binding
    sets up one; side-by-side replies need more, sharing the prompt's cells)."""
    ll = import_llama()
    gpu_layers = n_gpu_layers
    if gpu_layers is None:
        gpu_layers = -1 if ll.llama_supports_gpu_offload() else 0
    low = ll.llama_cpp
    defaults = low.llama_context_default_params

    def params() -> Any:
        p = defaults()
        if n_seq > 1:
            p.n_seq_max, p.kv_unified = n_seq, True
        return p

    low.llama_context_default_params = params
    try:
        return ll.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                        n_gpu_layers=gpu_layers, seed=seed, verbose=_state["verbose"],
                        logits_all=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"cannot load model {path}: {exc}") from None
    finally:
        low.llama_context_default_params = defaults


# ---------------------------------------------------------------------- the private names
def context(llm: Any) -> Any:
    """The raw ``llama_context *`` (for ``llama_decode``, ``llama_get_logits_ith``)."""
    return llm._ctx.ctx


def vocab(llm: Any) -> Any:
    """The raw ``llama_vocab *`` (for the grammar sampler and end-of-generation tokens)."""
    return llm._model.vocab


def grammar_source(grammar: Any) -> tuple[bytes, bytes]:
    """A ``LlamaGrammar``'s GBNF text and root rule, for ``llama_sampler_init_grammar``."""
    return grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")


def cached_tokens(llm: Any) -> list[int]:
    """The tokens whose cells the KV cache holds for sequence 0, in order."""
    return [int(t) for t in llm._input_ids[: llm.n_tokens].tolist()]


def keep_prefix(llm: Any, n: int) -> bool:
    """Drop every cell at position ``n`` and after, in every sequence, and tell the binding
    that ``n`` tokens are evaluated; False when llama.cpp cannot (the caller resets).

    Calls llama.cpp itself: the binding's ``kv_cache_seq_rm`` returns None on 0.3.16 (so a
    test of its result always failed and the prefix was never reused) and maps sequence -1 to
    sequence 0 (leaving the side-by-side lanes' cells behind)."""
    ll = import_llama()
    memory = ll.llama_get_memory(context(llm))
    if not memory or not ll.llama_memory_seq_rm(memory, -1, n, -1):
        return False
    llm.n_tokens = n
    return True


def drop_sequence(llm: Any, seq: int) -> None:
    """Remove every cell of sequence ``seq`` (a side-by-side lane)."""
    ll = import_llama()
    ll.llama_memory_seq_rm(ll.llama_get_memory(context(llm)), seq, -1, -1)


def copy_sequence(llm: Any, src: int, dst: int) -> None:
    """Let sequence ``dst`` share every cell of sequence ``src`` (no copy: the cells are tagged)."""
    ll = import_llama()
    ll.llama_memory_seq_cp(ll.llama_get_memory(context(llm)), src, dst, -1, -1)
