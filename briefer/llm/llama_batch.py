"""Several schema'd replies to one prompt, decoded together: one llama.cpp batch per step.

On a CPU, decoding one token is bound by reading the weights from memory; a batch that holds
one token of each of several sequences reads them once (Qwen2.5-1.5B on the 2-core dev box,
2026-12-06: one token 40 ms, 4 in one batch 84 ms, 8 150 ms, 16 196 ms). So the replies a
brief asks for one sentence at a time (:meth:`briefer.pipeline.draft.Drafter.by_sentence`) are
written side by side: the prompt is evaluated once (sequence 0), its cells are shared with
sequences 1..width (the KV cache is unified), and each reply's
:class:`~briefer.llm.structured.Writer` runs in its own thread against a :class:`_Lane`, whose
``feed`` waits until the scheduler has put the tokens of every waiting lane into one
``llama_decode``. Only the scheduler (the calling thread) calls llama.cpp's decoder; the
writers' threads only choose tokens. A lane whose reply is done takes the next reply at once
(its sequence dropped and copied again from the prompt), so rounds stay full until the last
replies (``benchmarks/side_by_side.py``: 1.01-1.13x faster than fixed groups of the same width
on a real-dev brief's visits, already sorted by length; a width of 12 or 16 gained nothing
over 8).

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
    index: int = 0  # which reply (the schemas' order)
    began: bool = False  # its writer runs (after the round that evaluated its suffix)
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
                   suffixes: Sequence[Sequence[int]] = (), width: int = 0) -> list[_Lane]:
    """Write one reply per schema after the prompt (evaluated as sequence 0, ``first_logits``
    its last token's logits) and, where given, reply ``i``'s own ``suffixes[i]`` (its task),
    evaluated in its lane's first round; ``make_writer`` gets each lane and its index.

    At most ``width`` replies (all when 0) are written at once, in sequences 1..width: when one
    finishes, its sequence is dropped and the next reply starts in it (:class:`_Lanes`).
    Returns the lanes started, in the schemas' order (text, finish, counts, error): when
    llama.cpp cannot decode a round (the context full), the lanes still writing end with a
    :class:`ModelError` and the replies not started have no lane."""
    import numpy as np

    llama_cpp = binding.import_llama()
    ctx = binding.context(llm)
    n_batch = int(llm.n_batch)
    batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
    lanes = _Lanes(llm, first_logits, prompt_len, schemas, make_writer,
                   list(suffixes) or [[]] * len(schemas))

    def decode_round(waiting: list[_Lane]) -> None:
        _decode_round(llama_cpp, np, ctx, batch, n_batch, lanes.n_vocab, waiting)

    width = min(width or len(schemas), len(schemas))
    try:
        lanes.serve(width, decode_round)
    except ModelError:
        pass  # llama.cpp could not decode a round: the replies written stand, the rest stop
    finally:
        lanes.stop()
        llama_cpp.llama_batch_free(batch)
        for seq in range(1, width + 1):
            binding.drop_sequence(llm, seq)
    return lanes.started


class _Lanes:
    """The replies of one :func:`write_together` call and the scheduler that serves them."""

    def __init__(self, llm: Any, first_logits: Logits, prompt_len: int,
                 schemas: Sequence[dict[str, Any]],
                 make_writer: Callable[[structured.Engine, int], structured.Writer],
                 suffixes: Sequence[Sequence[int]]) -> None:
        self.llm, self.first_logits, self.prompt_len = llm, first_logits, prompt_len
        self.schemas, self.make_writer, self.suffixes = schemas, make_writer, suffixes
        self.n_vocab = int(llm.n_vocab())
        self.gate = threading.Condition()
        self.started: list[_Lane] = []  # in the schemas' order
        self.threads: list[threading.Thread] = []

    def start(self, seq: int) -> _Lane:
        """The next reply, in sequence ``seq`` (a copy of the prompt; cells shared): its
        writer starts now, or after the round that evaluates its own suffix."""
        llm = self.llm
        binding.drop_sequence(llm, seq)
        binding.copy_sequence(llm, 0, seq)
        lane = _Lane(seq, self.prompt_len, self.first_logits.copy(), self.gate,
                     lambda b: list(llm.tokenize(b, add_bos=False, special=False)),
                     lambda t: bytes(llm.detokenize([t], special=False)), self.n_vocab,
                     index=len(self.started))
        lane.request = list(self.suffixes[lane.index]) or None
        self.started.append(lane)
        if lane.request is None:
            self.launch(lane)
        return lane

    def launch(self, lane: _Lane) -> None:
        lane.began = True
        t = threading.Thread(target=_run, args=(lane, self.schemas[lane.index],
                                                self.make_writer, lane.index), daemon=True)
        self.threads.append(t)
        t.start()

    def serve(self, width: int, decode_round: Callable[[list[_Lane]], None]) -> None:
        """The scheduler: whenever every busy lane is done or waiting, start the next replies
        in the finished lanes' sequences, decode the waiting lanes' tokens in one round and
        wake their writers (or start the writer of a lane whose suffix that round evaluated);
        until every reply is written."""
        gate, total = self.gate, len(self.schemas)
        with gate:
            busy = [self.start(seq) for seq in range(1, width + 1)]
        while True:
            with gate:
                while not all(lane.done or lane.request is not None for lane in busy):
                    gate.wait()
                for k, lane in enumerate(busy):
                    if lane.done and len(self.started) < total:
                        busy[k] = self.start(lane.seq)
                waiting = [lane for lane in busy if lane.request is not None]
                if not waiting:
                    if all(lane.done for lane in busy):
                        return
                    gate.wait()  # a reply just started: its writer has not asked for tokens
                    continue
                decode_round(waiting)
                for lane in waiting:
                    lane.request = None
                    if not lane.began:
                        self.launch(lane)
                gate.notify_all()

    def stop(self) -> None:
        """Wake every waiting writer with an error (the scheduler stopped) and let them end."""
        with self.gate:
            for lane in self.started:
                lane.abort = True
            self.gate.notify_all()
        for t in self.threads:
            t.join(timeout=5)


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
