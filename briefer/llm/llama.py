"""The llama.cpp backend: a GGUF chat model run in-process (:class:`LlamaCppModel`).

It reaches ``llama_cpp`` only through :mod:`briefer.llm.binding` (version guard, private names).
The model is loaded lazily and once per process (per file and settings). Chat prompts are
formatted with the GGUF's own chat template and tokenized here, so that the KV cache is reused
for any prefix shared with the previous call (only the new suffix is evaluated) and so that the
tokens actually evaluated can be reported. Schema'd replies are written by the jump-forward
writer (:mod:`briefer.llm.structured`) or, where it does not support the schema, decoded token by
token under a llama.cpp grammar (:func:`briefer.llm.llama_sampling.decode`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefer.core.errors import ModelError
from briefer.llm import binding, structured
from briefer.llm.base import NO_WORDS, YES_WORDS, Completion, Message, OnToken, two_way
from briefer.llm.llama_batch import write_together
from briefer.llm.llama_sampling import Engine, Sampler, common_prefix, decode, vocab_cache
from briefer.llm.schema_subset import plain, supports
from briefer.llm.vocab import Vocab


@dataclass(frozen=True)
class LlamaOptions:
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    seed: int = 1234
    jump_forward: bool = True  # schema'd replies through briefer.llm.structured (see there)
    parallel: int = 8  # replies to one prompt decoded side by side (briefer.llm.llama_batch)


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
        o = self.options
        return binding.load(self.path, n_ctx=o.n_ctx, n_threads=o.n_threads or os.cpu_count() or 1,
                            n_gpu_layers=o.n_gpu_layers, seed=o.seed,
                            n_seq=o.parallel + 1 if o.parallel > 1 else 1)

    def describe(self) -> dict[str, str]:
        key = str(self.path.resolve())
        if key not in _SHA256:
            from briefer.store.embed import sha256_file

            _SHA256[key] = sha256_file(self.path)
        return {"file": str(self.path), "sha256": _SHA256[key]}

    # ------------------------------------------------------------------ prompting
    def _formatter(self) -> Any:
        if self._format is None:
            Jinja2ChatFormatter = binding.import_llama().llama_chat_format.Jinja2ChatFormatter
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
            LlamaGrammar = binding.import_llama().llama_grammar.LlamaGrammar
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
        cached = common_prefix(binding.cached_tokens(llm), tokens)
        cached = min(cached, len(tokens) - 1)  # the last token is re-evaluated for its logits
        if not (cached > 0 and binding.keep_prefix(llm, cached)):
            llm.reset()
            cached = 0
        llm.eval(tokens[cached:])
        return len(tokens) - cached

    def _decode(self, tokens: list[int], grammar: Any, stops: list[str], max_tokens: int,
                on_token: OnToken | None, spare: set[int] | None = None) -> Completion:
        """Greedy (or seeded) decoding, each token checked by the grammar (:func:`decode`)."""
        started = time.perf_counter()
        evaluated = self._prefill(tokens)
        prefilled = time.perf_counter()
        text, n_out, finish = decode(self.llm, grammar, stops, max_tokens, self._sampler(spare),
                                     on_token)
        ended = time.perf_counter()
        return Completion(text=text, prompt_tokens=len(tokens), prompt_tokens_evaluated=evaluated,
                          completion_tokens=n_out, prefill_s=prefilled - started,
                          decode_s=ended - prefilled, seconds=ended - started,
                          finish_reason=finish)

    def complete_many(self, messages: Sequence[Message], schemas: Sequence[dict[str, Any]], *,
                      max_tokens: int = 512, extractive: bool = False) -> list[Completion]:
        """One reply per schema to the same ``messages``, decoded side by side (up to
        ``options.parallel`` at once, :mod:`briefer.llm.llama_batch`); one after another where
        that does not apply (a schema outside the writer's subset, ``parallel`` 1)."""
        return self.complete_each([messages] * len(schemas), schemas,
                                  max_tokens=[max_tokens] * len(schemas), extractive=extractive)

    def complete_each(self, conversations: Sequence[Sequence[Message]],
                      schemas: Sequence[dict[str, Any]], *, max_tokens: Sequence[int],
                      extractive: bool = False) -> list[Completion]:
        """One reply per conversation, each under its schema and token budget, decoded side by
        side: the prefix the conversations share (system prompt, passages) is evaluated once,
        each conversation's own end (its task) in the first batch of its lane."""
        tokenized: dict[int, list[int]] = {}  # complete_many passes one conversation n times
        for m in conversations:
            if id(m) not in tokenized:
                tokenized[id(m)] = self.tokenize_chat(m)[0]
        prompts = [tokenized[id(m)] for m in conversations]
        width = max(1, min(self.options.parallel, len(schemas)))
        shared = min((common_prefix(prompts[0], p) for p in prompts), default=0)

        def one_by_one(index: Sequence[int]) -> list[Completion]:
            return [self.complete(conversations[i], schema=schemas[i], max_tokens=max_tokens[i],
                                  extractive=extractive) for i in index]

        lane_cells = sorted((len(p) - shared + m for p, m in zip(prompts, max_tokens,
                                                                 strict=True)), reverse=True)
        if (width == 1 or shared == 0 or not self.options.jump_forward
                or not all(map(supports, schemas))
                or shared + sum(lane_cells[:width]) > self.llm.n_ctx()):
            return one_by_one(range(len(schemas)))
        written = self._write_side_by_side(prompts, schemas, max_tokens, width, shared,
                                           extractive)
        rest = iter(one_by_one([i for i, c in enumerate(written) if c is None]))  # slow way
        return [c if c is not None else next(rest) for c in written]

    def _write_side_by_side(self, prompts: Sequence[list[int]],
                            schemas: Sequence[dict[str, Any]], max_tokens: Sequence[int],
                            width: int, shared: int, extractive: bool
                            ) -> list[Completion | None]:
        """The replies of :meth:`complete_each`, ``width`` at a time after the shared prefix
        (a finished lane takes the next reply); None for each reply not finished when
        llama.cpp could not decode a batch (the context full): the replies written stand."""
        llm, vocab = self.llm, self._vocab()
        began = time.perf_counter()
        evaluated = self._prefill(prompts[0][:shared])
        prefilled = time.perf_counter()

        def writer(engine: structured.Engine, i: int) -> structured.Writer:
            sampler = self._sampler(set(prompts[i]) if extractive else None)
            return structured.Writer(engine, vocab, max_tokens[i], pick=sampler.pick,
                                     adjust=sampler.penalise)

        lanes = write_together(llm, Engine(llm).logits(), shared, schemas, writer,
                               suffixes=[p[shared:] for p in prompts], width=width)
        share = (time.perf_counter() - prefilled) / len(schemas)
        out: list[Completion | None] = [None] * len(schemas)
        for i, lane in enumerate(lanes):
            if isinstance(lane.error, ModelError) or not lane.done:
                continue  # stopped with the decoding: written again alone
            if lane.error is not None:
                raise lane.error
            prefill_s = (prefilled - began) if i == 0 else 0.0
            out[i] = Completion(
                text=lane.text, prompt_tokens=len(prompts[i]),
                prompt_tokens_evaluated=len(prompts[i]) - shared + (evaluated if i == 0 else 0),
                completion_tokens=lane.counts.sampled, forced_tokens=lane.counts.forced,
                prefill_s=prefill_s, decode_s=share, seconds=share + prefill_s,
                finish_reason=lane.finish)
        return out

    def _vocab(self) -> Vocab:
        key = str(self.path.resolve())
        if key not in _VOCABS:
            _VOCABS[key] = Vocab.of(Engine(self.llm), vocab_cache(self.path))
        vocab: Vocab = _VOCABS[key]
        return vocab

    def _write(self, tokens: list[int], schema: dict[str, Any], max_tokens: int,
               on_token: OnToken | None, spare: set[int] | None) -> Completion:
        """A schema'd reply written by :class:`briefer.llm.structured.Writer` (jump-forward)."""
        started = time.perf_counter()
        evaluated = self._prefill(tokens)
        prefilled = time.perf_counter()
        engine = Engine(self.llm)
        sampler = self._sampler(spare)
        writer = structured.Writer(engine, self._vocab(), max_tokens, pick=sampler.pick,
                                   adjust=sampler.penalise, on_text=on_token)
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

    def _sampler(self, spare: set[int] | None) -> Sampler:
        o = self.options
        return Sampler(self.llm, penalty=o.repeat_penalty, temperature=o.temperature, seed=o.seed,
                       spare=spare, punct=self._punct)

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
        import numpy as np

        llm = self.llm
        ll = binding.import_llama()
        tokens, _ = self.tokenize_chat(messages)
        if len(tokens) >= llm.n_ctx():
            raise ModelError(f"judgement prompt of {len(tokens)} tokens exceeds the context "
                             f"window ({llm.n_ctx()})")
        self._prefill(tokens)
        logits = np.ctypeslib.as_array(ll.llama_get_logits_ith(binding.context(llm), -1),
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
