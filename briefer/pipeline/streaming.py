"""Streaming an answer while it is generated: the text of the JSON reply's ``"answer"`` string,
unescaped, piece by piece."""

from __future__ import annotations

import re
from collections.abc import Callable

OnText = Callable[[str], None]


class AnswerStreamer:
    """Feeds the text of the JSON ``"answer"`` string to ``emit`` while it is generated."""

    _START = re.compile(r'"answer"\s*:\s*"')

    def __init__(self, emit: OnText) -> None:
        self.emit = emit
        self.buffer = ""
        self.started = False
        self.done = False
        self.escape = False

    def __call__(self, piece: str) -> None:
        if self.done:
            return
        if not self.started:
            self.buffer += piece
            m = self._START.search(self.buffer)
            if not m:
                return
            self.started = True
            piece, self.buffer = self.buffer[m.end():], ""
        out = []
        for ch in piece:
            if self.escape:
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(ch, ""))
                self.escape = False
            elif ch == "\\":
                self.escape = True
            elif ch == '"':
                self.done = True
                break
            else:
                out.append(ch)
        if out:
            self.emit("".join(out))
