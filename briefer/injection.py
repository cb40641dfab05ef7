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

Precision comes first: an imperative addressed to a person ("Patch the VPN appliances now",
"Watch for …"), a quoted official, or a heading a real report uses ("Risks", "Indicators to
watch") is not flagged. A flagged sentence that ends in a colon takes the sentence after it
along (the claim it introduces).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .schemas import Chunk, Flag

RULES = ("chat template", "role marker", "ignore instructions", "addresses the model",
         "output control", "mode switch", "fake citation", "fake output", "memo heading")

# --------------------------------------------------------------------------- vocabulary

_AI = (r"(?:ai|a\.i\.|artificial intelligence|(?:ai |virtual |digital )?assistant|"
       r"(?:large )?language model|llm|chat ?bot|bot|gpt|chatgpt|claude|gemini|llama|qwen|"
       r"smollm|model|summari[sz]er|summari[sz]ation (?:tool|system|model)|briefer|"
       r"briefing (?:tool|system|generator|model|assistant)|automated (?:system|reader|tool|"
       r"analyst|assistant|agent)|ai (?:system|agent|tool|analyst|reader)|agent|machine reader)s?")
_TARGET = (r"(?:instructions?|prompts?|passages?|directions|directives?|guidelines|guardrails|"
           r"context|constraints|(?:other|previous|prior|earlier|above|preceding|remaining|"
           r"retrieved|supplied|your|all) (?:\w+ )?(?:documents?|sources?|messages?|texts?|content|"
           r"sentences|paragraphs|evidence|reports?|articles?|information|data|rules|guidance))")
_IGNORE = (r"(?:ignore|disregard|forget|overrule|override|bypass|discard|"
           r"do not (?:follow|obey|use|cite|quote|trust|consider))")
_OUTPUT = (r"(?:briefs?|memos?|bottom[ -]line|answers?|responses?|repl(?:y|ies)|summar(?:y|ies)|"
           r"outputs?|citations?|passages?|questions?|quotes?)")
_SAY = (r"(?:answer|respond|reply|say|state|write|conclude|report|output|print|claim|assert|"
        r"mention|include|cite|quote|begin|start|open|end|repeat|summari[sz]e|describe|list|"
        r"treat|present|tell)")
# what may come before an order: "IMPORTANT:", "Note to the AI:", "Hey model,", "please", "you
# must", "from now on" …
_PREFACE = (
    r"(?:[\W_]*(?:important|urgent|note|attention|notice|warning|reminder|update|override|"
    r"instructions?|admin(?:istrator)?|system|developer|message|nb|ps)\b[^:!\n]{0,40}?[:!\-]+)?"
    r"[\W_]*(?:(?:dear|hey|hi|hello|attention|ok|okay)\s+)?(?:(?:the\s+)?" + _AI + r"\s*[,:!]\s*)?"
    r"(?:(?:please|kindly|now|so|and|then|also|first|instead|from now on|going forward|"
    r"henceforth|from this point(?: on)?)[,]?\s+)*"
    r"(?:you\s+(?:must|should|shall|will|need\s+to|have\s+to|are\s+to|are\s+(?:now\s+)?"
    r"(?:required|instructed|ordered)\s+to)\s+)?(?:now\s+|always\s+|also\s+|simply\s+|just\s+)?")
_HEAD = _PREFACE  # an order: matched where a sentence or one of its clauses starts (_CLAUSE)
_CLAUSE = re.compile(r"[:;]\s*|\s[\u2014\u2013-]\s*")


@dataclass(frozen=True)
class _AtHead:
    """A rule for an order, matched at the start of the sentence and of each clause (not
    searched at every character: a long clause-less line stays cheap)."""

    pattern: re.Pattern[str]
    needs: re.Pattern[str]  # its verbs: a sentence without any is not tried at every clause


def _order(verbs: str, body: str) -> _AtHead:
    return _AtHead(re.compile(_HEAD + body, re.I), re.compile(r"\b(?:" + verbs + r")\b", re.I))


_I = re.I
_SENTENCE_RULES: list[tuple[str, re.Pattern[str] | _AtHead]] = [
    ("ignore instructions", _order(
        _IGNORE, _IGNORE + r"\b[^.!?\n]{0,60}?\b" + _TARGET + r"\b")),
    ("ignore instructions", re.compile(
        r"\b(?:you|" + _AI + r")\s+(?:must|should|shall|will|are to|is to|needs? to|have to|"
        r"has to)\s+(?:now\s+|always\s+)?" + _IGNORE + r"\b[^.!?\n]{0,60}?\b" + _TARGET, _I)),
    ("addresses the model", re.compile(
        r"\b(?:note|message|instructions?|attention|notice|reminder|memo|warning|directive)\s+"
        r"(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+)?" + _AI + r"\b", _I)),
    ("addresses the model", re.compile(
        r"\bif\s+you\s+are\s+(?:an?\s+|the\s+)?(?:ai\b|" + _AI + r"\b|automated)", _I)),
    ("addresses the model", re.compile(
        r"\b" + _AI + r"\s+(?:that\s+(?:is|are)\s+|which\s+(?:is|are)\s+)?(?:now\s+)?(?:reading|"
        r"processing|summari[sz]ing|ingesting|parsing|analy[sz]ing|scanning|indexing)\s+(?:this|"
        r"these|the\s+following)\b", _I)),
    ("addresses the model", re.compile(
        r"^[\W_]*(?:attention|dear|hey|hi|hello|ok|okay|listen|note|psst)[,]?\s+(?:the\s+|all\s+|"
        r"any\s+)?" + _AI + r"\s*[,:!]", _I)),
    ("addresses the model", re.compile(
        r"\b(?:from now on|henceforth|going forward|for the rest of this (?:conversation|session|"
        r"brief|task))\b[^.!?\n]{0,30}?\byou\s+(?:will|must|shall|should|are to)\s+(?:only\s+|"
        r"always\s+|now\s+)*(?:answer|respond|reply|write|output|speak|say|cite|quote|use|refuse|"
        r"ignore)\b", _I)),
    ("addresses the model", re.compile(r"\bas\s+an?\s+(?:ai|language model|llm)\b(?!\s+"
                                       r"(?:researcher|expert|company|firm|start-?up|lab))", _I)),
    # "the assistant must answer …" (singular and definite: "AI chatbots must state that they
    # are not human" is news about a law)
    ("addresses the model", re.compile(
        r"\b(?:the|this)\s+(?:ai\s+)?(?:assistant|model|language model|llm|chat ?bot|bot|"
        r"summari[sz]er|ai)\s+(?:must|should|shall|will now|is to|is instructed to|needs to|has "
        r"to)\s+(?:now\s+|always\s+|only\s+)?(?:answer|respond|reply|say|state|write|conclude|"
        r"output|print|claim|assert|cite|quote|repeat|summari[sz]e|treat|ignore|disregard|"
        r"forget|obey|comply|pretend|reveal)\b", _I)),
    ("addresses the model", re.compile(
        r"\byour\s+(?:new|real|true|actual|updated|only|sole|primary|revised)\s+(?:instructions?|"
        r"directives?|task|system prompt|prompt|orders|objective)\b", _I)),
    ("addresses the model", _order(
        "reveal|print|repeat|show|output|disclose",
        r"(?:reveal|print|repeat|show|output|disclose)\s+(?:your|the)\s+(?:system\s+)?"
        r"(?:prompt|instructions)\b")),
    ("addresses the model", _order(
        "pretend|imagine|act|behave|respond",
        r"(?:pretend|imagine)\s+(?:to\s+be|you\s+are|that\s+you)\b|"
        r"(?:act|behave|respond)\s+as\s+(?:if\s+you\s+were\s+)?(?:an?\s+)?"
        r"(?:unrestricted\s+|unfiltered\s+)?" + _AI + r"\b")),
    ("output control", re.compile(
        r"\bbottom[ -]line\b[^.!?\n]{0,60}?\b(?:must|should|shall|has to|needs to|is to)\s+"
        r"(?:now\s+|always\s+|only\s+)?(?:read|say|state|contain|include|begin|start|mention|"
        r"report|be\s*:|be\s+[\"'\u201c\u2018])", _I)),
    ("output control", re.compile(
        r"\b(?:any|every|each|all|your)\s+(?:future\s+|subsequent\s+)?" + _OUTPUT +
        r"\b[^.!?\n]{0,40}?\b(?:must|should|shall|has to|have to|needs? to|is to|are to)\s+"
        r"(?:now\s+|always\s+|also\s+|only\s+)?(?:read|say|state|include|begin|start|open|"
        r"conclude|contain|mention|report|cite|quote|claim|assert|note|be\s*:|"
        r"be\s+[\"'\u201c\u2018])", _I)),
    ("output control", re.compile(
        r"\b(?:when|if|whenever)\s+(?:you\s+are\s+|you're\s+|you\s+get\s+)?asked\b[^.!?\n]{0,120}?"
        r"[,:;]\s*(?:you\s+(?:must|should)\s+)?(?:always\s+|simply\s+|just\s+|only\s+)?"
        r"(?:say|answer|reply|respond|state|write|tell|claim|report|insist|confirm)\b", _I)),
    ("output control", re.compile(
        r"\bwhen\s+(?:you\s+)?(?:summari[sz]\w*|draft\w*|writ\w+|generat\w+|produc\w+|"
        r"answer\w*|creat\w+)\s+(?:an?\s+|the\s+|any\s+|your\s+)?(?:brief|summary|memo|"
        r"answer|response|output|report)s?\s+(?:on|about|of|from|for)\b", _I)),
    ("output control", re.compile(
        r"\bwhen\s+(?:you\s+)?(?:summari[sz]\w*|read\w*|process\w*|analy[sz]\w*|quot\w+|"
        r"cit\w+)\s+(?:this|these)\s+(?:document|passage|text|file|page|article|note)s?\b", _I)),
    ("output control", _order(
        "conclude|claim|assert|write|output|print|answer|respond|reply",
        r"(?:conclude|claim|assert|write|output|print|answer|respond|reply)\s+(?:only\s+|"
        r"exactly\s+|verbatim\s+)?that\b|(?:answer|respond|reply)\s+(?:only\s+)?"
        r"(?:with\s+)?[\"'\u201c\u2018]?(?:yes|no)\b")),
    ("output control", _order(
        _SAY, _SAY + r"\b[^.!?\n]{0,50}?\b(?:in|to|for|on)\s+(?:every|any|each|all|your|the)\s+"
        r"(?:future\s+)?" + _OUTPUT + r"\b")),
    ("output control", _order(
        "cite|quote|use|trust|rely",
        r"(?:cite|quote|use|trust|rely on)\s+(?:only\s+)?(?:this|these|passage|"
        r"sentence|source)s?\s+(?:passage|document|text|source|note|p?\d)")),
    ("mode switch", re.compile(
        r"\byou\s+are\s+(?:now\s+)?(?:in|entering|operating\s+in|running\s+in|switched\s+to|"
        r"in\s+the)\s+(?:[\w-]+\s+){0,3}mode\b|\byou\s+are\s+(?:now\s+)?no\s+longer\s+(?:bound|"
        r"restricted|limited|an?\s+" + _AI + r")|\byou\s+are\s+now\s+(?:an?\s+|the\s+)?"
        r"(?:[\w-]+\s+){0,3}" + _AI + r"\b", _I)),
    ("mode switch", re.compile(
        r"\b(?:developer|debug|jailbreak|jailbroken|god|dan|unrestricted|unfiltered|uncensored|"
        r"sudo|root|admin|maintenance|override)\s+mode\s+(?:is\s+)?(?:now\s+)?(?:on|enabled|"
        r"activated|engaged)\b|\b(?:enable|activate|enter|engage)\s+(?:developer|debug|"
        r"jailbreak|god|dan|unrestricted|unfiltered|uncensored|sudo)\s+mode\b", _I)),
    ("fake citation", re.compile(
        # bracketed, or named as a passage: a bare "P1.5 billion" is Philippine pesos
        r"\[\s*P\s*\d{1,3}(?:\s*\.\s*\d{1,3})?\s*\]|\b(?:passage|sentence)\s+P\d{1,3}"
        r"(?:\.\d{1,3})?\b")),
]

# every sentence rule needs one of these words (or a prefix of :data:`_CUE_PREFIXES`, or a
# passage id): a sentence without any is not checked further
_CUE_WORDS = frozenset("""
ignore disregard forget overrule override bypass discard follow obey consider you your ai
artificial assistant assistants model models llm llms chatbot chatbots bot bots gpt chatgpt
claude gemini llama qwen smollm briefer automated agent agents machine bottom brief briefs memo
memos outputs output citation citations passage passages question questions asked mode
conclude claim assert write print use trust rely reveal show disclose pretend imagine act
behave sentence sentences prompt prompts instruction instructions system
""".split())
_CUE_PREFIXES = ("answer", "respon", "repl", "summar", "quot", "cit")
_WORD = re.compile(r"[a-z]+")
_PASSAGE_ID = re.compile(r"\bP\d")


def _cue_positions(text: str) -> list[int]:
    """Offsets of the words a sentence rule needs, in order."""
    out = [m.start() for m in _WORD.finditer(text.lower())
           if m.group() in _CUE_WORDS or m.group().startswith(_CUE_PREFIXES)]
    out.extend(m.start() for m in _PASSAGE_ID.finditer(text))
    return sorted(out)


# rules on the whole text (they need lines and blocks, not sentences)
_TEMPLATE = re.compile(
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|"
    r"end_header_id|begin_of_text|end_of_text)\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|"
    r"</?(?:system|assistant|user|instructions?|system_prompt)>", _I)
_ROLE = re.compile(
    r"^[ \t>*_\-\[<(]{0,4}(?:system|assistant|developer|user|human|ai|gpt|chatgpt|bot|llm|model)"
    r"(?:\s+(?:prompt|message|instructions?|note|override|update))?[\]>)*_ \t]*[:\]>](?=[^\n]*\w)",
    re.I | re.M)
_ALPACA = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)+(?:instruction|system(?: prompt)?|response|input|assistant|user)"
    r"[ \t]*:|^[ \t]*(?:#{1,6}[ \t]*)+(?:instruction|system prompt)[ \t]*$", re.I | re.M)
# a role line counts only when it addresses someone (a staff list's "Assistant: J. Smith" does not)
_ADDRESSING = re.compile(
    r"\b(?:you|your|ignore|disregard|forget|must|shall|should|mode|instructions?|prompt|"
    r"passages?|brief|bottom line|answer|respond|reply|always|never)\b", _I)
_FIELDS = re.compile(
    r"[\"'](bottom_line|bottom_line_evidence|response_options|red_lines|insufficient_evidence|"
    r"chunk_id|situation|disagreements|indicators|risks|gaps|citations|evidence|answer|quote|"
    r"passage|label|condition|trigger|consequence)[\"']\s*:")
_DISTINCT_FIELDS = {"bottom_line", "bottom_line_evidence", "response_options", "red_lines",
                    "insufficient_evidence", "chunk_id"}
_HEADING = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|\*\*)?(?P<title>[^\n]{1,80}?)(?:\*\*)?[ \t]*:?"
                      r"[ \t]*$", re.M)
_MEMO_ONLY = ("passages that address the model", "not supported by the sources",
              "disagreements between sources")
_MEMO_HEADINGS = ("bottom line", "situation", "response options", "red lines", "risks",
                  "indicators to watch", "gaps", "sources")
_BLOCK = re.compile(r"\S[^\n]*(?:\n[ \t]*\S[^\n]*)*")  # the next run of non-blank lines
_MEMO_TITLE = re.compile(r"^[ \t]*#{1,6}[ \t]*brief:\s+\S", re.I | re.M)
_MEMO_MARKS = re.compile(r"\[\d{1,2}\]|\[P\d|\|\s*#\s*\|\s*Option\s*\||^Manifest:|"
                         r"_No (?:response option|red line) is supported", re.M)
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
    cues = _cue_positions(text)
    hits: list[tuple[int, int, str]] = []
    for i, (s, e) in enumerate(segs):
        first = bisect_left(cues, s)
        if first == len(cues) or cues[first] >= e:
            continue  # no word any rule needs
        sentence = " ".join(text[s:e].split())  # a wrapped line reads as one
        heads = [0, *(m.end() for m in _CLAUSE.finditer(sentence))]
        for rule, pattern in _SENTENCE_RULES:
            if (isinstance(pattern, _AtHead) and pattern.needs.search(sentence)
                    and any(pattern.pattern.match(sentence, h) for h in heads)
                    or isinstance(pattern, re.Pattern) and pattern.search(sentence)):
                hits.append((s, e, rule))
                if sentence.rstrip("\"'\u201d\u2019 ").endswith(":") and i + 1 < len(segs):
                    hits.append((segs[i + 1][0], segs[i + 1][1], rule))  # the claim it opens
                break
    hits.extend(_block_hits(text))
    return _merge(text, hits, segs, starts)


def _block_hits(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _TEMPLATE.finditer(text):
        yield m.start(), _paragraph_end(text, m.end()), "chat template"
    for m in _ALPACA.finditer(text):
        yield m.start(), _paragraph_end(text, m.end()), "role marker"
    for m in _ROLE.finditer(text):
        end = _paragraph_end(text, m.end())
        if _ADDRESSING.search(text, m.end(), end):
            yield m.start(), end, "role marker"
    fields = list(_FIELDS.finditer(text))
    names = {m.group(1) for m in fields}
    if names & _DISTINCT_FIELDS or len(names) >= 2:
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
    headings = [(m, m.group("title").strip(" #*_:").lower()) for m in _HEADING.finditer(text)]
    imitated = bool(_MEMO_TITLE.search(text)) or any(t in _MEMO_ONLY for _, t in headings)
    for m in _MEMO_TITLE.finditer(text):
        yield m.start(), _block_end(text, m.end()), "memo heading"
    for m, title in headings:
        if title in _MEMO_ONLY or (imitated and title in _MEMO_HEADINGS):
            yield m.start(), _block_end(text, m.end()), "memo heading"
        elif title == "bottom line":
            end = _block_end(text, m.end())
            if _MEMO_MARKS.search(text, m.end(), end):
                yield m.start(), end, "memo heading"


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


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

