"""Several schema'd replies to one prompt, decoded together: one llama.cpp batch per step.

On a CPU, decoding one token is bound by reading the weights from memory; a batch that holds
one token of each of several sequences reads them once. So the replies a brief asks for one
sentence at a time (:meth:`briefer.pipeline.draft.Drafter.by_sentence`) are written side by side:
the
prompt is evaluated once (sequence 0), its cells are shared with sequences 1..n (the KV cache
is unified), and each reply's :class:`~briefer.llm.structured.Writer` runs in its own thread
against a :class:`_Lane`, whose ``feed`` waits until the scheduler has put the tokens of every
waiting lane into one ``llama_decode``. Only the scheduler (the calling thread) calls
llama.cpp's decoder; the writers' threads only choose tokens.

A helper of :mod:`briefer.llm.llama` (``llama_cpp`` through :mod:`briefer.llm.binding`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from briefer.core.errors import ModelError
from briefer.llm import binding, structured

Logits = Any


@dataclass
class _Lane:
    """One reply's view of the model (:class:`briefer.llm.structured.Engine`)."""

    seq: int
    pos: int
    last: Logits
    gate: threading.Condition
    tokenize_fn: Callable[[bytes], list[int]]
    piece_fn: Callable[[int], bytes]
    n_vocab: int
    request: list[int] | None = None
    abort: bool = False  # the scheduler stopped (an error): a waiting feed raises
    done: bool = False
    error: BaseException | None = None
    text: str = ""
    finish: str = "stop"
    counts: structured.Counts = field(default_factory=structured.Counts)

    def tokenize(self, text: bytes) -> list[int]:
        return self.tokenize_fn(text)

    def feed(self, tokens: list[int]) -> None:
        with self.gate:
            self.request = list(tokens)
            self.gate.notify_all()
            while self.request is not None:
                if self.abort:
                    raise ModelError("decoding the replies side by side stopped")
                self.gate.wait()

    def logits(self) -> Logits:
        return self.last.copy()

    def piece(self, token: int) -> bytes:
        return self.piece_fn(token)


def write_together(llm: Any, first_logits: Logits, prompt_len: int,
                   schemas: Sequence[dict[str, Any]],
                   make_writer: Callable[[structured.Engine, int], structured.Writer],
                   suffixes: Sequence[Sequence[int]] = ()) -> list[_Lane]:
    """Write one reply per schema after the prompt (evaluated as sequence 0, ``first_logits``
    its last token's logits) and, where given, lane ``i``'s own ``suffixes[i]`` (its task),
    evaluated for all lanes in the first batch; ``make_writer`` gets each lane and its index.
    Returns the lanes (text, finish, counts, error)."""
    import numpy as np

    llama_cpp = binding.import_llama()
    ctx = binding.context(llm)
    n_vocab = int(llm.n_vocab())
    gate = threading.Condition()
    lanes = _lanes(llm, first_logits, prompt_len, len(schemas), gate, n_vocab)
    n_batch = int(llm.n_batch)
    batch = llama_cpp.llama_batch_init(n_batch, 0, 1)

    def decode_round(waiting: list[_Lane]) -> None:
        _decode_round(llama_cpp, np, ctx, batch, n_batch, n_vocab, waiting)

    threads: list[threading.Thread] = []
    try:
        own = [(lane, list(s)) for lane, s in zip(lanes, list(suffixes) or [[]] * len(lanes),
                                                  strict=True) if s]
        for lane, suffix in own:  # each lane's own end of the prompt, all in the first batch
            lane.request = suffix
        if own:
            decode_round([lane for lane, _ in own])
        for lane, _ in own:
            lane.request = None
        threads = [threading.Thread(target=_run, args=(lane, schema, make_writer, i),
                                    daemon=True)
                   for i, (lane, schema) in enumerate(zip(lanes, schemas, strict=True))]
        for t in threads:
            t.start()
        _serve(lanes, gate, decode_round)
    finally:
        with gate:
            for lane in lanes:
                lane.abort = True
            gate.notify_all()
        llama_cpp.llama_batch_free(batch)
        for t in threads:
            t.join(timeout=5)
        for lane in lanes:
            binding.drop_sequence(llm, lane.seq)
    return lanes


def _serve(lanes: list[_Lane], gate: threading.Condition,
           decode_round: Callable[[list[_Lane]], None]) -> None:
    """The scheduler: whenever every lane is done or waiting, decode the waiting ones' tokens
    in one round and wake their writers; until no lane waits."""
    while True:
        with gate:
            while not all(lane.done or lane.request is not None for lane in lanes):
                gate.wait()
            waiting = [lane for lane in lanes if lane.request is not None]
            if not waiting:
                return
            decode_round(waiting)
            for lane in waiting:
                lane.request = None
            gate.notify_all()


def _run(lane: _Lane, schema: dict[str, Any],
         make_writer: Callable[[structured.Engine, int], structured.Writer], index: int) -> None:
    """One reply, in its own thread: the writer's text, or its error for the caller."""
    writer = make_writer(lane, index)
    try:
        lane.text = writer.write(schema)
        lane.finish = "length" if writer.truncated else "stop"
    except structured.Budget:
        lane.text, lane.finish = "".join(writer.out), "length"
    except BaseException as exc:  # reported to the caller, never lost in a thread
        lane.error = exc
    lane.counts = writer.counts
    with lane.gate:
        lane.done = True
        lane.gate.notify_all()


def _lanes(llm: Any, first_logits: Logits, prompt_len: int, n: int,
           gate: threading.Condition, n_vocab: int) -> list[_Lane]:
    """Sequences 1..n, each starting as a copy of the prompt (sequence 0; cells shared)."""
    lanes = []
    for seq in range(1, n + 1):
        binding.drop_sequence(llm, seq)
        binding.copy_sequence(llm, 0, seq)
        lanes.append(_Lane(seq, prompt_len, first_logits.copy(), gate,
                           lambda b: list(llm.tokenize(b, add_bos=False, special=False)),
                           lambda t: bytes(llm.detokenize([t], special=False)), n_vocab))
    return lanes


def _decode_round(ll: Any, np: Any, ctx: Any, batch: Any, n_batch: int, n_vocab: int,
                  waiting: list[_Lane]) -> None:
    """Every waiting lane's tokens, in as few ``llama_decode`` calls as ``n_batch`` allows;
    each lane's logits are those of its last token."""
    entries = [(lane, tok, j == len(lane.request or ()) - 1)
               for lane in waiting for j, tok in enumerate(lane.request or ())]
    for start in range(0, len(entries), n_batch):
        part = entries[start:start + n_batch]
        for i, (lane, tok, last) in enumerate(part):
            batch.token[i] = tok
            batch.pos[i] = lane.pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = lane.seq
            batch.logits[i] = last
            lane.pos += 1
        batch.n_tokens = len(part)
        if ll.llama_decode(ctx, batch) != 0:
            raise ModelError("llama.cpp could not decode a batch of replies (context full?)")
        for i, (lane, _, last) in enumerate(part):
            if last:
                lane.last = np.ctypeslib.as_array(ll.llama_get_logits_ith(ctx, i),
                                                  shape=(n_vocab,)).copy()
