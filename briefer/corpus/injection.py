"""Instruction-like text in documents: sentences that address the model, not the reader.

A corpus is untrusted input (OWASP LLM01, prompt injection). :func:`find_instructions` returns
the spans of a text that talk to an AI instead of informing a person, each with the rule that
found it. Pure Python, no model, linear in the text's length; run on every chunk at ingest.

What counts (each a rule name in :data:`RULES`):

- **chat template** — chat-template tokens (``<|im_start|>``, ``[INST]``, ``<<SYS>>`` …); the
  whole turn they open is flagged.
- **role marker** — a line that opens with a role label (``System:``, ``[ASSISTANT]``,
  ``### Instruction:``) and addresses someone; the paragraph it opens is flagged.
- **ignore instructions** — "ignore / disregard / forget … previous / other … instructions /
  passages / sources" said as an order (at the start of a sentence, after a colon, or to "you").
- **addresses the model** — a sentence spoken to an AI: "note to the AI", "if you are a language
  model", "assistants reading this", "the model must answer …".
- **output control** — orders about what a brief or answer says: "the bottom line of any brief
  must read …", "every answer should state …", "when asked about X, say …", "answer yes".
- **mode switch** — "you are now in maintenance mode", "developer mode enabled".
- **fake citation** — Briefer's own passage ids (``[P1]``, ``[P3.2]``) written in a document.
- **fake output** — JSON with the brief's or the answer's field names.
- **memo heading** — text that imitates a memo (``# Brief: …``, the memo's own headings, a
  "Bottom line" heading over cited claims); the section under it is flagged.
- **writer control** — orders to whoever writes the brief or the answer, in its own terms and
  with no word for a model: a part of it (the bottom line, the response options, red lines, key
  judgments, the summary, "the write-up") or its writer ("whoever drafts …", "when
  summarising") with an order to put a claim first, present it as fact or confirmed, or leave a
  denial or a statement out; or such an order alone ("State the figure as fact").

Precision comes first: an imperative addressed to a person ("Patch the VPN appliances now",
"Watch for …", "Put America first", "Agencies shall submit a report"), a quoted official, a
speaker's "Bottom line, …", writing advice ("put the most important point first"), or a heading
a real report uses ("Risks", "Indicators to watch") is not flagged. A flagged sentence that
ends in a colon takes the sentence after it along (the claim it introduces).

The patterns are in :mod:`briefer.corpus.injection_patterns`; this module cuts a text into sentences
(:func:`segments`), runs the patterns, widens and merges what they find, and removes it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from briefer.core.schemas import Chunk, Flag
from briefer.corpus.injection_patterns import (
    ADDRESSING,
    ALPACA,
    CLAUSE,
    DISTINCT_FIELDS,
    FIELDS,
    HEADING,
    MEMO_HEADINGS,
    MEMO_MARKS,
    MEMO_ONLY,
    MEMO_TITLE,
    ROLE,
    SENTENCE_RULES,
    TEMPLATE,
    AllOf,
    AtHead,
    cue_positions,
)

RULES = ("chat template", "role marker", "ignore instructions", "addresses the model",
         "output control", "mode switch", "fake citation", "fake output", "memo heading",
         "writer control")

REMOVED_NOTE = "[instruction-like text removed]"


# --------------------------------------------------------------------------- segments

_BREAK = re.compile(
    r"\n[ \t]*\n\s*"                                  # paragraph
    r"|\n(?=[ \t]*(?:#|[-*\u2022|>]|\d+[.)]\s|\w+[ \t]*:|<|\[|\{))"  # a structured line
    r"|(?<=[.!?:])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[<#*]?[A-Z0-9])"  # sentence
    r"|(?<=[.!?])[\"'\u201d\u2019)\]]*\n")             # a line that ends a sentence


def segments(text: str) -> list[tuple[int, int]]:
    """Sentences and structural lines of ``text`` as (start, end) offsets, whitespace trimmed.
    A line that wraps mid-sentence (a PDF's) stays inside its sentence."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BREAK.finditer(text):
        out.extend(_trimmed(text, pos, m.start()))
        pos = m.end()
    out.extend(_trimmed(text, pos, len(text)))
    return out


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


# --------------------------------------------------------------------------- detection


def find_instructions(text: str) -> list[Flag]:
    """Instruction-like spans of ``text`` (offsets into it), in order; overlapping or adjacent
    spans are merged, named by the first rule that found them.

    Each span covers whole sentences (a template turn, a role-marked paragraph, a JSON object,
    or an imitated memo section covers its block)."""
    segs = segments(text)
    starts = [s for s, _ in segs]
    cues = cue_positions(text)
    hits: list[tuple[int, int, str]] = []
    for i, (s, e) in enumerate(segs):
        first = bisect_left(cues, s)
        if first == len(cues) or cues[first] >= e:
            continue  # no word any rule needs
        sentence = " ".join(text[s:e].split())  # a wrapped line reads as one
        heads = [0, *(m.end() for m in CLAUSE.finditer(sentence))]
        for rule, pattern in SENTENCE_RULES:
            if _matches(pattern, sentence, heads):
                hits.append((s, e, rule))
                if sentence.rstrip("\"'\u201d\u2019 ").endswith(":") and i + 1 < len(segs):
                    hits.append((segs[i + 1][0], segs[i + 1][1], rule))  # the claim it opens
                break
    hits.extend(_block_hits(text))
    return _merge(text, hits, segs, starts)


def _matches(pattern: re.Pattern[str] | AtHead | AllOf, sentence: str, heads: list[int]) -> bool:
    if isinstance(pattern, AtHead):
        return bool(pattern.needs.search(sentence)) and any(
            pattern.pattern.match(sentence, h) for h in heads)
    if isinstance(pattern, AllOf):
        return all(p.search(sentence) for p in pattern.patterns) and not (
            pattern.unless and pattern.unless.search(sentence))
    return bool(pattern.search(sentence))


def _block_hits(text: str) -> Iterator[tuple[int, int, str]]:
    for m in TEMPLATE.finditer(text):
        yield m.start(), _paragraph_end(text, m.end()), "chat template"
    for m in ALPACA.finditer(text):
        yield m.start(), _paragraph_end(text, m.end()), "role marker"
    for m in ROLE.finditer(text):
        end = _paragraph_end(text, m.end())
        if ADDRESSING.search(text, m.end(), end):
            yield m.start(), end, "role marker"
    fields = list(FIELDS.finditer(text))
    names = {m.group(1) for m in fields}
    if names & DISTINCT_FIELDS or len(names) >= 2:
        covered = -1
        for m in fields:
            if m.start() < covered:
                continue  # inside the object already flagged
            brace = text.rfind("{", max(0, m.start() - 400), m.start())
            covered = _object_end(text, m.end())
            yield (brace if brace >= 0 else m.start()), covered, "fake output"
    yield from _memo_hits(text)


def _memo_hits(text: str) -> Iterator[tuple[int, int, str]]:
    """A memo's title or its own headings, each with the paragraph under it.

    "Bottom line" is a heading real memos use too: it counts over cited claims ("[1]", a
    passage id, the memo's table), or beside a memo's title or one of its own headings; then
    every memo heading of the text counts."""
    headings = [(m, m.group("title").strip(" #*_:").lower()) for m in HEADING.finditer(text)]
    imitated = bool(MEMO_TITLE.search(text)) or any(t in MEMO_ONLY for _, t in headings)
    for m in MEMO_TITLE.finditer(text):
        yield m.start(), _block_end(text, m.end()), "memo heading"
    for m, title in headings:
        if title in MEMO_ONLY or (imitated and title in MEMO_HEADINGS):
            yield m.start(), _block_end(text, m.end()), "memo heading"
        elif title == "bottom line":
            end = _block_end(text, m.end())
            if MEMO_MARKS.search(text, m.end(), end):
                yield m.start(), end, "memo heading"


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BLOCK = re.compile(r"\S[^\n]*(?:\n[ \t]*\S[^\n]*)*")  # the next run of non-blank lines


def _paragraph_end(text: str, pos: int) -> int:
    found = _BLANK_LINE.search(text, pos)
    return found.start() if found else len(text)


def _block_end(text: str, pos: int) -> int:
    """The end of the paragraph after a heading that ends at ``pos`` (or of the next heading)."""
    found = _BLOCK.search(text, pos)
    return found.end() if found else len(text)


def _object_end(text: str, pos: int) -> int:
    """The end of the JSON object around ``pos``: its closing brace, else the paragraph's end."""
    depth = 0
    limit = min(len(text), pos + 2000)
    for i in range(pos, limit):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i + 1
            depth -= 1
    return _paragraph_end(text, pos)


def _merge(text: str, hits: list[tuple[int, int, str]], segs: list[tuple[int, int]],
           starts: list[int]) -> list[Flag]:
    """Hits widened to whole segments; overlapping ones, and ones only whitespace apart, merged
    (the first rule names them)."""
    widened: list[tuple[int, int, str]] = []
    for start, end, rule in hits:
        i = max(0, bisect_right(starts, start) - 1)
        if segs and segs[i][1] <= start and i + 1 < len(segs):
            i += 1
        j = max(0, bisect_right(starts, end - 1) - 1)
        s = min(start, segs[i][0]) if segs else start
        e = max(end, segs[j][1]) if segs else end
        widened.append((s, e, rule))
    widened.sort()
    out: list[Flag] = []
    for start, end, rule in widened:
        if out and (start <= out[-1].end or not text[out[-1].end:start].strip()):
            last = out[-1]
            out[-1] = Flag(start=last.start, end=max(last.end, end), reason=last.reason)
        else:
            out.append(Flag(start=start, end=end, reason=rule))
    return out


def flag_warnings(source: str, chunks: Sequence[Chunk]) -> list[str]:
    """One ingest warning for a document with instruction-like text (none when it has none)."""
    found = {" ".join(c.text[f.start:f.end].split()) for c in chunks for f in c.flags or ()}
    if not found:
        return []
    first = shorten(min(found, key=len), 80)
    return [f"{source}: {len(found)} instruction-like passage(s) address the model (e.g. "
            f"\"{first}\"); they are kept out of prompts and quotes"]


def strip_instructions(text: str, flags: tuple[Flag, ...] | list[Flag],
                       note: str = REMOVED_NOTE) -> str:
    """``text`` with each flagged span replaced by ``note``."""
    out, pos = [], 0
    for f in sorted(flags, key=lambda f: f.start):
        if f.start < pos:
            continue
        out += [text[pos:f.start], note]
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def visible_pieces(text: str, flags: tuple[Flag, ...] | list[Flag]) -> list[str]:
    """The stretches of ``text`` between flagged spans."""
    out, pos = [], 0
    for f in sorted(flags, key=lambda f: f.start):
        if f.start > pos:
            out.append(text[pos:f.start])
        pos = max(pos, f.end)
    out.append(text[pos:])
    return [p for p in out if p.strip()]


def shorten(text: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "\u2026"

