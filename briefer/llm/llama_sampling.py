"""Token by token on a loaded ``llama_cpp.Llama``: the sampler and the two decoding loops' parts.

Helpers of :mod:`briefer.llm.llama` (``llama_cpp`` through :mod:`briefer.llm.binding`):

- :class:`Sampler` chooses a token from logits: the repetition penalty, then greedy (or
  seeded top-40) choice. Both decoders use it.
- :func:`decode` is the grammar path: one token per step, each checked by :class:`GrammarCheck`.
- :class:`Engine` adapts the model to :class:`briefer.llm.structured.Engine` for the jump-forward
  writer; :func:`vocab_cache` says where its token pieces are kept between runs.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from briefer.core.errors import ModelError
from briefer.llm import binding
from briefer.llm.base import OnToken

PENALTY_WINDOW = 64  # chosen tokens the repetition penalty looks back over
TOP_K = 40  # candidates sampled from when temperature > 0


class Sampler:
    """Chooses each token (both decoders): repetition penalty, then greedy or top-k sampling.

    The penalty covers the last :data:`PENALTY_WINDOW` chosen tokens, except, when ``spare`` is
    given (extraction), the prompt's own tokens and pure punctuation: copying a quote's words
    into a label is what extraction is, and JSON's brackets and quotes are structure; a small
    model looping on words of its own ("100% 100% ...") is still held back.
    """

    def __init__(self, llm: Any, *, penalty: float, temperature: float, seed: int,
                 spare: set[int] | None, punct: dict[int, bool]) -> None:
        import numpy as np

        self.llm = llm
        self.penalty = penalty
        self.temperature = temperature
        self.rng = np.random.default_rng(seed)
        self.spare = spare
        self._punct = punct  # per model: token -> has no letter or digit

    def penalise(self, logits: Any, recent: list[int]) -> None:
        import numpy as np

        if self.penalty == 1.0 or not recent:
            return
        ids = set(recent[-PENALTY_WINDOW:])
        if self.spare is not None:
            ids = {t for t in ids if t not in self.spare and not self._punctuation(t)}
        if ids:
            idx = np.fromiter(ids, dtype=np.int64, count=len(ids))
            vals = logits[idx]
            logits[idx] = np.where(vals > 0, vals / self.penalty, vals * self.penalty)

    def _punctuation(self, token: int) -> bool:
        cached = self._punct.get(token)
        if cached is None:
            text = self.llm.detokenize([token], special=False).decode("utf-8", "replace")
            cached = self._punct[token] = not any(ch.isalnum() for ch in text)
        return cached

    def pick(self, logits: Any) -> int:
        import numpy as np

        if self.temperature <= 0:
            return int(np.argmax(logits))
        top = np.argpartition(logits, -TOP_K)[-TOP_K:]
        top = top[np.isfinite(logits[top])]
        scaled = logits[top] / self.temperature
        probs = np.exp(scaled - scaled.max())
        return int(top[self.rng.choice(len(top), p=probs / probs.sum())])


def decode(llm: Any, grammar: Any, stops: list[str], max_tokens: int, sampler: Sampler,
           on_token: OnToken | None) -> tuple[str, int, str]:
    """Decode after the prompt was evaluated: (text, tokens chosen, finish reason).

    llama-cpp-python's sampler chain runs the grammar over the whole vocabulary at every step.
    Here, as in llama.cpp's own common sampler, the token is chosen first and checked alone
    against the grammar; only when it is rejected are the 64 best candidates checked, and only
    when all of those are rejected is the whole vocabulary masked. Greedy output is the same as
    masking first (the best allowed token), at a fraction of the cost.
    """
    llama_cpp = binding.import_llama()
    vocab = binding.vocab(llm)
    n_vocab = llm.n_vocab()
    logits_of = Engine(llm).logits
    check = GrammarCheck(grammar, vocab, n_vocab, sampler.pick) if grammar is not None else None
    recent: list[int] = []
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    parts: list[str] = []
    finish = "length"
    try:
        for _ in range(max_tokens):
            logits = logits_of()
            sampler.penalise(logits, recent)
            token = sampler.pick(logits)
            if check is not None:
                token = check.allowed(token, logits)
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                finish = "stop"
                break
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
    return text, len(recent), finish


class GrammarCheck:
    """A llama.cpp grammar sampler used to check candidates (see :func:`decode`)."""

    FEW = 64

    def __init__(self, grammar: Any, vocab: Any, n_vocab: int,
                 pick: Callable[[Any], int]) -> None:
        llama_cpp = binding.import_llama()
        self._ll = llama_cpp
        self.smpl = llama_cpp.llama_sampler_init_grammar(vocab, *binding.grammar_source(grammar))
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

    def allowed(self, token: int, logits: Any) -> int:
        """``token`` if the grammar accepts it, else the best accepted token; then accept it."""
        import numpy as np

        self.one[0].id, self.one[0].logit, self.one[0].p = token, 0.0, 0.0
        self._apply(self.one, 1)
        if not np.isfinite(self.one[0].logit):
            self.rejections += 1
            token = self._fallback(logits)
        self._ll.llama_sampler_accept(self.smpl, token)
        return token

    def _fallback(self, logits: Any) -> int:
        import numpy as np

        top = np.argpartition(logits, -self.FEW)[-self.FEW:]
        top = top[np.argsort(-logits[top])]
        for j, cand in enumerate(top):
            self.few[j].id, self.few[j].logit, self.few[j].p = int(cand), 0.0, 0.0
        self._apply(self.few, len(top))
        ok = [int(self.few[j].id) for j in range(len(top)) if np.isfinite(self.few[j].logit)]
        if ok:
            masked = np.full_like(logits, -np.inf)
            masked[ok] = logits[ok]
            return self.pick(masked)
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
        return self.pick(masked)

    def free(self) -> None:
        self._ll.llama_sampler_free(self.smpl)


def vocab_cache(path: Path) -> Path | None:
    """Where the token pieces of the model file ``path`` are kept (per file, size and mtime)."""
    try:
        from platformdirs import user_cache_path

        st = path.stat()
        return user_cache_path("briefer", appauthor=False) / "vocab" / (
            f"{path.name}-{st.st_size}-{int(st.st_mtime)}.pieces")
    except (OSError, ImportError):
        return None


class Engine:
    """:class:`briefer.llm.structured.Engine` over a loaded ``llama_cpp.Llama``."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self._ll = binding.import_llama()
        self._ctx = binding.context(llm)
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


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
