"""ChatModel protocol and the llama.cpp backend: the only module that imports llama_cpp.

The model is loaded lazily and once per process (per file and settings). Chat prompts are
formatted with the GGUF's own chat template and tokenized here, so that the KV cache is reused
for any prefix shared with the previous call (llama-cpp-python keeps the evaluated tokens and
only evaluates the new suffix) and so that the tokens actually evaluated can be reported.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypedDict, runtime_checkable

from . import structured
from .errors import ModelError
from .schema_subset import plain, supports
from .vocab import Vocab


class Message(TypedDict):
    role: str
    content: str


@dataclass
class Completion:
    text: str
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = 0  # chosen by the model, one decode step each
    forced_tokens: int = 0  # left no choice by the schema, evaluated in batches
    prefill_s: float = 0.0
    decode_s: float = 0.0
    seconds: float = 0.0
    finish_reason: str = "stop"


OnToken = Callable[[str], None]


class ChatModel(Protocol):
    """What the pipeline needs from a language model."""

    name: str

    def describe(self) -> dict[str, str]:
        """{"file": ..., "sha256": ...} for the manifest."""
        ...

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None = None,
                 max_tokens: int = 512, on_token: OnToken | None = None,
                 extractive: bool = False) -> Completion:
        """``extractive``: the reply copies words from the prompt (labels from quotes); local
        backends then spare the prompt's tokens from the repetition penalty."""
        ...



@runtime_checkable
class Judge(Protocol):
    """A yes/no judgement as a probability: what the model gives "yes" against "no".

    The prompt asks a yes/no question; the answer is the probability mass the model puts on a
    first reply token meaning "yes", normalised against the tokens meaning "no" (so it is in
    [0, 1] whatever else the model would have said). Thresholded by the caller, at a value
    calibrated on a development set, not at 0.5.
    """

    def yes_probability(self, messages: Sequence[Message]) -> float: ...


YES_WORDS = ("yes",)
NO_WORDS = ("no",)


def two_way(yes: Sequence[float], no: Sequence[float]) -> float:
    """P(yes) from the log-scores of the yes tokens and of the no tokens (log-sum-exp each)."""
    import math

    if not yes and not no:
        return 0.5
    top = max([*yes, *no])
    mass_yes = sum(math.exp(v - top) for v in yes)
    mass_no = sum(math.exp(v - top) for v in no)
    return mass_yes / (mass_yes + mass_no)


def _word(token_text: str) -> str:
    return token_text.strip().strip(".,!:\"'").lower()



@dataclass(frozen=True)
class LlamaOptions:
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    seed: int = 1234
    jump_forward: bool = True  # schema'd replies through briefer.structured (see there)


_LOADED: dict[tuple[str, LlamaOptions], Any] = {}
_VOCABS: dict[str, Any] = {}
_SHA256: dict[str, str] = {}


class LlamaCppModel:
    """A GGUF chat model run in-process by llama-cpp-python."""

    def __init__(self, path: Path, options: LlamaOptions | None = None) -> None:
        self.path = path
        self.options = options or LlamaOptions()
        self.name = path.name
        self._llm: Any = None
        self._format: Any = None
        self._grammars: dict[str, Any] = {}
        self._punct: dict[int, bool] = {}

    # ------------------------------------------------------------------ loading
    @property
    def llm(self) -> Any:
        if self._llm is None:
            key = (str(self.path.resolve()), self.options)
            if key not in _LOADED:
                _LOADED[key] = self._load()
            self._llm = _LOADED[key]
        return self._llm

    def _load(self) -> Any:
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelError(f"llama-cpp-python is not installed: {exc}") from None
        o = self.options
        gpu_layers = o.n_gpu_layers
        if gpu_layers is None:
            gpu_layers = -1 if llama_cpp.llama_supports_gpu_offload() else 0
        try:
            return llama_cpp.Llama(
                model_path=str(self.path), n_ctx=o.n_ctx, n_threads=o.n_threads or os.cpu_count(),
                n_gpu_layers=gpu_layers, seed=o.seed, verbose=False, logits_all=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"cannot load model {self.path}: {exc}") from None

    def describe(self) -> dict[str, str]:
        key = str(self.path.resolve())
        if key not in _SHA256:
            from .embed import sha256_file

            _SHA256[key] = sha256_file(self.path)
        return {"file": str(self.path), "sha256": _SHA256[key]}

    # ------------------------------------------------------------------ prompting
    def _formatter(self) -> Any:
        if self._format is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llm = self.llm
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ModelError(f"{self.path} has no chat template; use a chat/instruct model")
            eos = llm.detokenize([llm.token_eos()], special=True).decode("utf-8", "ignore")
            bos = llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "ignore")
            self._format = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos,
                                               add_generation_prompt=True)
        return self._format

    def tokenize_chat(self, messages: Sequence[Message]) -> tuple[list[int], list[str]]:
        result = self._formatter()(messages=list(messages))
        stops = result.stop if isinstance(result.stop, list) else (
            [result.stop] if result.stop else [])
        tokens = self.llm.tokenize(result.prompt.encode("utf-8"), add_bos=False, special=True)
        return tokens, stops

    def grammar(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(plain(schema))  # key order matters: the grammar writes keys
        if key not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            try:
                self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"llama.cpp rejected the output schema: {exc}") from None
        return self._grammars[key]

    # ------------------------------------------------------------------ generation
    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None = None,
                 max_tokens: int = 512, on_token: OnToken | None = None,
                 extractive: bool = False) -> Completion:
        llm = self.llm
        tokens, stops = self.tokenize_chat(messages)
        if len(tokens) + max_tokens > llm.n_ctx():
            raise ModelError(f"prompt of {len(tokens)} tokens + {max_tokens} to generate exceeds "
                             f"the context window ({llm.n_ctx()}); lower -k or raise --ctx")
        if schema is not None and self.options.jump_forward and supports(schema):
            return self._write(tokens, schema, max_tokens, on_token,
                               spare=set(tokens) if extractive else None)
        grammar = self.grammar(schema) if schema is not None else None
        return self._decode(tokens, grammar, stops, max_tokens, on_token,
                            spare=set(tokens) if extractive else None)

    def _prefill(self, tokens: list[int]) -> int:
        """Evaluate ``tokens`` reusing the longest cached prefix; returns tokens evaluated."""
        llm = self.llm
        cached = _common_prefix(llm._input_ids[: llm.n_tokens].tolist(), tokens)
        cached = min(cached, len(tokens) - 1)  # the last token is re-evaluated for its logits
        if cached > 0 and llm._ctx.kv_cache_seq_rm(-1, cached, -1):
            llm.n_tokens = cached
        else:
            llm.reset()
            cached = 0
        llm.eval(tokens[cached:])
        return len(tokens) - cached

    def _decode(self, tokens: list[int], grammar: Any, stops: list[str], max_tokens: int,
                on_token: OnToken | None, spare: set[int] | None = None) -> Completion:
        """Greedy (or seeded) decoding; the grammar checks the chosen token, not the vocabulary.

        llama-cpp-python's sampler chain runs the grammar over the whole vocabulary at every
        step. Here, as in llama.cpp's own common sampler, the token is chosen first and checked
        alone against the grammar; only when it is rejected are the 64 best candidates checked,
        and only when all of those are rejected is the whole vocabulary masked. Greedy output is
        the same as masking first (the best allowed token), at a fraction of the cost.

        The repetition penalty covers the last 64 generated tokens, except, when ``spare`` is
        given (extraction), the prompt's own tokens and pure punctuation: copying a quote's
        words into a label is what extraction is, and JSON's brackets and quotes are structure;
        a small model looping on words of its own ("100% 100% ...") is still held back.
        """
        import codecs

        import llama_cpp
        import numpy as np

        llm = self.llm
        o = self.options
        started = time.perf_counter()
        evaluated = self._prefill(tokens)
        prefilled = time.perf_counter()
        vocab = llm._model.vocab
        n_vocab = llm.n_vocab()
        ctx = llm._ctx.ctx
        check = _GrammarCheck(grammar, vocab, n_vocab, self._pick) if grammar is not None else None
        rng = np.random.default_rng(o.seed)
        recent: list[int] = []
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        parts: list[str] = []
        finish = "length"
        n_out = 0
        try:
            for _ in range(max_tokens):
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1),
                                               shape=(n_vocab,)).copy()
                self._penalise(logits, recent, spare)
                token = self._pick(logits, rng)
                if check is not None:
                    token = check.allowed(token, logits, rng)
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                n_out += 1
                recent.append(token)
                piece = decoder.decode(llm.detokenize([token], special=False))
                if piece:
                    parts.append(piece)
                    if on_token:
                        on_token(piece)
                if check is None and stops and any(st in "".join(parts[-8:]) for st in stops):
                    finish = "stop"
                    break
                llm.eval([token])
        finally:
            if check is not None:
                check.free()
        parts.append(decoder.decode(b"", final=True))
        text = "".join(parts)
        for st in stops:
            if st in text:
                text = text[: text.index(st)]
        ended = time.perf_counter()
        return Completion(text=text, prompt_tokens=len(tokens), prompt_tokens_evaluated=evaluated,
                          completion_tokens=n_out, prefill_s=prefilled - started,
                          decode_s=ended - prefilled, seconds=ended - started,
                          finish_reason=finish)

    def _write(self, tokens: list[int], schema: dict[str, Any], max_tokens: int,
               on_token: OnToken | None, spare: set[int] | None) -> Completion:
        """A schema'd reply written by :class:`briefer.structured.Writer` (jump-forward)."""
        import numpy as np

        started = time.perf_counter()
        evaluated = self._prefill(tokens)
        prefilled = time.perf_counter()
        engine = _Engine(self.llm)
        key = str(self.path.resolve())
        if key not in _VOCABS:
            _VOCABS[key] = Vocab.of(engine, _vocab_cache(self.path))
        rng = np.random.default_rng(self.options.seed)
        writer = structured.Writer(
            engine, _VOCABS[key], max_tokens, pick=lambda logits: self._pick(logits, rng),
            adjust=lambda logits, recent: self._penalise(logits, recent, spare),
            on_text=on_token)
        finish = "stop"
        try:
            text = writer.write(schema)
        except structured.Budget:
            text, finish = "".join(writer.out), "length"
        if writer.truncated:
            finish = "length"
        ended = time.perf_counter()
        return Completion(text=text, prompt_tokens=len(tokens), prompt_tokens_evaluated=evaluated,
                          completion_tokens=writer.counts.sampled,
                          forced_tokens=writer.counts.forced, prefill_s=prefilled - started,
                          decode_s=ended - prefilled, seconds=ended - started,
                          finish_reason=finish)

    def _penalise(self, logits: Any, recent: list[int], spare: set[int] | None) -> None:
        """The repetition penalty (both decoders) over the last 64 chosen tokens."""
        import numpy as np

        penalty = self.options.repeat_penalty
        if penalty == 1.0 or not recent:
            return
        ids = set(recent[-64:])
        if spare is not None:
            ids = {t for t in ids if t not in spare and not self._punctuation(t)}
        if ids:
            idx = np.fromiter(ids, dtype=np.int64, count=len(ids))
            vals = logits[idx]
            logits[idx] = np.where(vals > 0, vals / penalty, vals * penalty)

    def _punctuation(self, token: int) -> bool:
        cached = self._punct.get(token)
        if cached is None:
            text = self.llm.detokenize([token], special=False).decode("utf-8", "replace")
            cached = self._punct[token] = not any(ch.isalnum() for ch in text)
        return cached

    def _pick(self, logits: Any, rng: Any) -> int:
        import numpy as np

        if self.options.temperature <= 0:
            return int(np.argmax(logits))
        top = np.argpartition(logits, -40)[-40:]
        top = top[np.isfinite(logits[top])]
        scaled = logits[top] / self.options.temperature
        probs = np.exp(scaled - scaled.max())
        return int(top[rng.choice(len(top), p=probs / probs.sum())])

    def complete_reference(self, messages: Sequence[Message], *,
                           schema: dict[str, Any] | None = None,
                           max_tokens: int = 512) -> Completion:
        """llama-cpp-python's own sampler chain (grammar over the whole vocabulary each step).

        Kept for benchmarks and tests that compare the fast path against it.
        """
        llm = self.llm
        tokens, stops = self.tokenize_chat(messages)
        started = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        for chunk in llm.create_completion(
            prompt=tokens, max_tokens=max_tokens, temperature=self.options.temperature,
            repeat_penalty=self.options.repeat_penalty,
            seed=self.options.seed, stop=stops,
            grammar=self.grammar(schema) if schema is not None else None, stream=True,
        ):
            first = first or time.perf_counter()
            parts.append(chunk["choices"][0].get("text", ""))
        ended = time.perf_counter()
        text = "".join(parts)
        n_out = len(llm.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
        first = first or ended
        return Completion(text=text, prompt_tokens=len(tokens), completion_tokens=n_out,
                          prefill_s=first - started, decode_s=ended - first,
                          seconds=ended - started)


    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P("yes") against P("no") for the first token of the reply (the Judge protocol).

        One prefill of the prompt (the cached prefix reused, as in ``complete``) and one read of
        the logits: nothing is decoded. The yes and no tokens are every single token of the
        vocabulary's spellings of the two words ("yes", "Yes", " YES" ...).
        """
        import llama_cpp
        import numpy as np

        llm = self.llm
        tokens, _ = self.tokenize_chat(messages)
        if len(tokens) >= llm.n_ctx():
            raise ModelError(f"judgement prompt of {len(tokens)} tokens exceeds the context "
                             f"window ({llm.n_ctx()})")
        self._prefill(tokens)
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1),
                                       shape=(llm.n_vocab(),))
        yes, no = self._yes_no_tokens()
        return two_way([float(logits[t]) for t in yes], [float(logits[t]) for t in no])

    def _yes_no_tokens(self) -> tuple[list[int], list[int]]:
        cached: tuple[list[int], list[int]] | None = getattr(self, "_yes_no", None)
        if cached is None:
            found: dict[str, set[int]] = {"yes": set(), "no": set()}
            for word in (*YES_WORDS, *NO_WORDS):
                for spelling in (word, word.capitalize(), word.upper()):
                    for text in (spelling, " " + spelling):
                        ids = self.llm.tokenize(text.encode(), add_bos=False, special=False)
                        if len(ids) == 1:
                            found["yes" if word in YES_WORDS else "no"].add(ids[0])
            cached = (sorted(found["yes"]), sorted(found["no"]))
            self._yes_no = cached
        return cached


class _GrammarCheck:
    """A llama.cpp grammar sampler used to check candidates (see LlamaCppModel._decode)."""

    FEW = 64

    def __init__(self, grammar: Any, vocab: Any, n_vocab: int,
                 pick: Callable[[Any, Any], int]) -> None:
        import llama_cpp

        self._ll = llama_cpp
        self.smpl = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
        if not self.smpl:
            raise ModelError("llama.cpp could not build a grammar from the output schema")
        self.n_vocab = n_vocab
        self.pick = pick
        self.rejections = 0
        self.one = (llama_cpp.llama_token_data * 1)()
        self.few = (llama_cpp.llama_token_data * self.FEW)()
        self.full: Any = None

    def _apply(self, data: Any, size: int) -> None:
        import ctypes

        arr = self._ll.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        self._ll.llama_sampler_apply(self.smpl, ctypes.byref(arr))

    def allowed(self, token: int, logits: Any, rng: Any) -> int:
        """``token`` if the grammar accepts it, else the best accepted token; then accept it."""
        import numpy as np

        self.one[0].id, self.one[0].logit, self.one[0].p = token, 0.0, 0.0  # type: ignore[assignment]
        self._apply(self.one, 1)
        if not np.isfinite(self.one[0].logit):
            self.rejections += 1
            token = self._fallback(logits, rng)
        self._ll.llama_sampler_accept(self.smpl, token)
        return token

    def _fallback(self, logits: Any, rng: Any) -> int:
        import numpy as np

        top = np.argpartition(logits, -self.FEW)[-self.FEW:]
        top = top[np.argsort(-logits[top])]
        for j, cand in enumerate(top):
            self.few[j].id, self.few[j].logit, self.few[j].p = int(cand), 0.0, 0.0  # type: ignore[assignment]
        self._apply(self.few, len(top))
        ok = [int(self.few[j].id) for j in range(len(top)) if np.isfinite(self.few[j].logit)]
        if ok:
            masked = np.full_like(logits, -np.inf)
            masked[ok] = logits[ok]
            return self.pick(masked, rng)
        if self.full is None:
            self.full = (self._ll.llama_token_data * self.n_vocab)()
            self.full_np = np.ctypeslib.as_array(self.full).view(
                np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)]))
        self.full_np["id"] = np.arange(self.n_vocab, dtype=np.int32)
        self.full_np["logit"] = logits
        self.full_np["p"] = 0.0
        self._apply(self.full, self.n_vocab)
        masked = self.full_np["logit"].copy()
        if not np.isfinite(masked).any():
            raise ModelError("the output grammar allows no further token")
        return self.pick(masked, rng)

    def free(self) -> None:
        self._ll.llama_sampler_free(self.smpl)


def _vocab_cache(path: Path) -> Path | None:
    """Where the token pieces of the model file ``path`` are kept (per file, size and mtime)."""
    try:
        from platformdirs import user_cache_path

        st = path.stat()
        return user_cache_path("briefer", appauthor=False) / "vocab" / (
            f"{path.name}-{st.st_size}-{int(st.st_mtime)}.pieces")
    except (OSError, ImportError):
        return None


class _Engine:
    """:class:`briefer.structured.Engine` over a loaded ``llama_cpp.Llama``."""

    def __init__(self, llm: Any) -> None:
        import llama_cpp

        self.llm = llm
        self._ll = llama_cpp
        self._ctx = llm._ctx.ctx
        self.n_vocab = int(llm.n_vocab())

    def tokenize(self, text: bytes) -> list[int]:
        return list(self.llm.tokenize(text, add_bos=False, special=False))

    def feed(self, tokens: list[int]) -> None:
        self.llm.eval(tokens)

    def logits(self) -> Any:
        import numpy as np

        return np.ctypeslib.as_array(self._ll.llama_get_logits_ith(self._ctx, -1),
                                     shape=(self.n_vocab,)).copy()

    def piece(self, token: int) -> bytes:
        return bytes(self.llm.detokenize([token], special=False))


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def __getattr__(name: str) -> Any:
    """``from briefer.llm import FakeModel`` still works: the test doubles live in fakes.py."""
    if name in ("FakeModel", "sample_from_schema"):
        from . import fakes

        return getattr(fakes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
