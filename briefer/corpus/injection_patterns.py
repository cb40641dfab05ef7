"""The pattern vocabulary of :mod:`briefer.corpus.injection`: what instruction-like text looks like.

Regular expressions only, no matching logic (that is
:func:`briefer.corpus.injection.find_instructions`):

- :data:`SENTENCE_RULES` — ``(rule name, pattern)`` pairs tried on each sentence, in order; a
  plain pattern is searched anywhere in it, an :class:`AtHead` order is matched only where the
  sentence or one of its clauses (:data:`CLAUSE`) starts. They are built from shared pieces:
  the names of an AI (``_AI``), what an order tells it to ignore (``_TARGET``), the verbs of
  ignoring, of saying, and what may come before an order (``_PREFACE``).
- :func:`cue_positions` — where the words stand that some sentence rule needs (a cheap filter:
  a sentence without any is not tried).
- the block patterns, run on the whole text: chat-template tokens (:data:`TEMPLATE`), role
  labels (:data:`ROLE`, :data:`ALPACA`, counted only with :data:`ADDRESSING`), the brief's and
  the answer's JSON field names (:data:`FIELDS`), and the memo's title, headings and marks
  (:data:`HEADING`, :data:`MEMO_ONLY`, :data:`MEMO_HEADINGS`, :data:`MEMO_TITLE`,
  :data:`MEMO_MARKS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --------------------------------------------------------------------------- sentence rules

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
_HEAD = _PREFACE  # an order: matched where a sentence or one of its clauses starts (CLAUSE)
CLAUSE = re.compile(r"[:;]\s*|\s[\u2014\u2013-]\s*")


@dataclass(frozen=True)
class AtHead:
    """A rule for an order, matched at the start of the sentence and of each clause (not
    searched at every character: a long clause-less line stays cheap)."""

    pattern: re.Pattern[str]
    needs: re.Pattern[str]  # its verbs: a sentence without any is not tried at every clause


def _order(verbs: str, body: str) -> AtHead:
    return AtHead(re.compile(_HEAD + body, re.I), re.compile(r"\b(?:" + verbs + r")\b", re.I))


_I = re.I
SENTENCE_RULES: list[tuple[str, re.Pattern[str] | AtHead]] = [
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


def cue_positions(text: str) -> list[int]:
    """Offsets of the words a sentence rule needs, in order."""
    out = [m.start() for m in _WORD.finditer(text.lower())
           if m.group() in _CUE_WORDS or m.group().startswith(_CUE_PREFIXES)]
    out.extend(m.start() for m in _PASSAGE_ID.finditer(text))
    return sorted(out)


# --------------------------------------------------------------------------- block rules
# rules on the whole text (they need lines and blocks, not sentences)
TEMPLATE = re.compile(
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|"
    r"end_header_id|begin_of_text|end_of_text)\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|"
    r"</?(?:system|assistant|user|instructions?|system_prompt)>", _I)
ROLE = re.compile(
    r"^[ \t>*_\-\[<(]{0,4}(?:system|assistant|developer|user|human|ai|gpt|chatgpt|bot|llm|model)"
    r"(?:\s+(?:prompt|message|instructions?|note|override|update))?[\]>)*_ \t]*[:\]>](?=[^\n]*\w)",
    re.I | re.M)
ALPACA = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)+(?:instruction|system(?: prompt)?|response|input|assistant|user)"
    r"[ \t]*:|^[ \t]*(?:#{1,6}[ \t]*)+(?:instruction|system prompt)[ \t]*$", re.I | re.M)
# a role line counts only when it addresses someone (a staff list's "Assistant: J. Smith" does not)
ADDRESSING = re.compile(
    r"\b(?:you|your|ignore|disregard|forget|must|shall|should|mode|instructions?|prompt|"
    r"passages?|brief|bottom line|answer|respond|reply|always|never)\b", _I)
FIELDS = re.compile(
    r"[\"'](bottom_line|bottom_line_evidence|response_options|red_lines|insufficient_evidence|"
    r"chunk_id|situation|disagreements|indicators|risks|gaps|citations|evidence|answer|quote|"
    r"passage|label|condition|trigger|consequence)[\"']\s*:")
DISTINCT_FIELDS = {"bottom_line", "bottom_line_evidence", "response_options", "red_lines",
                   "insufficient_evidence", "chunk_id"}
HEADING = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|\*\*)?(?P<title>[^\n]{1,80}?)(?:\*\*)?[ \t]*:?"
                     r"[ \t]*$", re.M)
MEMO_ONLY = ("passages that address the model", "not supported by the sources",
             "disagreements between sources")
MEMO_HEADINGS = ("bottom line", "situation", "response options", "red lines", "risks",
                 "indicators to watch", "gaps", "sources")
MEMO_TITLE = re.compile(r"^[ \t]*#{1,6}[ \t]*brief:\s+\S", re.I | re.M)
MEMO_MARKS = re.compile(r"\[\d{1,2}\]|\[P\d|\|\s*#\s*\|\s*Option\s*\||^Manifest:|"
                        r"_No (?:response option|red line) is supported", re.M)
