"""The pattern vocabulary of :mod:`briefer.corpus.injection`: what instruction-like text looks like.

Regular expressions only, no matching logic (that is
:func:`briefer.corpus.injection.find_instructions`):

- :data:`SENTENCE_RULES` — ``(rule name, pattern)`` pairs tried on each sentence, in order; a
  plain pattern is searched anywhere in it, an :class:`AtHead` order is matched only where the
  sentence or one of its clauses (:data:`CLAUSE`) starts, an :class:`AllOf` needs all of its
  patterns. Shared pieces: the names of an AI (``_AI``), what an order tells it to ignore
  (``_TARGET``), the verbs of ignoring, of saying, what may come before an order (``_PREFACE``),
  and the brief's own terms (writer control: ``_PART``, ``_WRITER``, ``_ORDERS`` …).
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
_PRODUCT = (r"(?:briefs?|memos?|bottom[ -]line|answers?|responses?|repl(?:y|ies)|summar(?:y|ies)|"
            r"outputs?|citations?)")  # what is written (not "your questions")
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


@dataclass(frozen=True)
class AllOf:
    """A rule whose patterns must all be found in the sentence (in any order): a part of the
    brief, an order and a way of presenting a claim."""

    patterns: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None = None  # found in the sentence: the rule does not apply


def _order(verbs: str, body: str) -> AtHead:
    return AtHead(re.compile(_HEAD + body, re.I), re.compile(r"\b(?:" + verbs + r")\b", re.I))


# writer control: orders to whoever writes the brief, in its own terms: a part of it (_PART) or
# its writer (_WRITER), an order (_ORDERS), and a claim put first (_RANK), as fact (_CERTAIN) or
# left out (_SUPPRESS); with a named part or a writer, "state that …" (_SAYS) too.
_END = r"(?=\s*(?:[.,;:!?)\"'\u201d\u2019]|$|(?:and|or|by|in|that|without)\b|[\u2014\u2013-]))"
_STRONG = (r"(?:bottom[ -]lines?|(?:recommended|response|policy)\s+options?|red[ -]lines?|"
           r"key\s+judge?ments?)\b")
_IMPERATIVE = (r"(?:list|put|place|present|state|treat|describe|call|rank|make|give|lead|open|"
               r"omit|leave|exclude|drop|report|say|write|cite|mention|frame|portray|begin|start|"
               r"characteri[sz]e|record|show|move|position|include|quote|stress|label|mark)")
_MODAL = r"(?:must|should|shall|ought|is\s+to|are\s+to|needs?\s+to|has\s+to|have\s+to)\b"
# a part where a brief has it, not a speaker's "Bottom line, …" or "if its red lines were crossed"
_NAMED = (r"(?:\b(?:in|under|among|of|into|within|from)\s+[\"'\u201c\u2018]?(?:(?:the|any|"
          r"every|each|your|this|all)\s+)?(?:[\w-]+\s+)?" + _STRONG + r"|\b(?:the|"
          r"any|every|each|your|this)\s+" + _STRONG + r"(?=\s+(?:" + _MODAL + r"|says|reads|"
          r"states))|\b" + _STRONG + r"\s+(?:section|heading|list|paragraph)\b|^[\W_]*" + _STRONG +
          r"\s*[:\u2014\u2013-]+>?\s*(?=" + _IMPERATIVE + r"\b)|\bas\s+the\s+(?:first|top|leading|"
          r"lead|main|preferred|primary)\s+" + _STRONG + r"|^[\W_]*(?:please\s+)?(?:write|draft|"
          r"word|phrase|fill|begin|start|end)\s+(?:the|your|any|each)\s+" + _STRONG + ")")
_SUBJECT = r"^[\W_]*" + _STRONG + r"(?=\s+" + _MODAL + ")"  # "Key judgments must state that …"
_SUMMARY = (r"summar(?:y|ies)(?!\s+of\s+(?:the\s+)?(?:bill|act|legislation|law|rule|provisions?|"
            r"amendments?|changes|order|regulation|major))")  # a bill summary is no brief
_PARTS = (r"(?:(?:executive\s+)?" + _SUMMARY + r"|write-?ups?|memos?|memoranda|briefings?(?:\s+"
          r"(?:notes?|papers?))?|briefs?(?=\s*(?:[.,;:!?)\"'\u201d\u2019]|$|(?:should|must|shall|"
          r"ought|is|are|needs?|has|on|about|of|for|that|in|and|or|treat|present|describe|say|"
          r"omit|rank|put|place|portray|frame)\b)))")  # not "a brief statement"
_DOCS = r"(?:material|document|paper|note|report|text|cable|file|article|page|dossier)s?"
_PART = re.compile(
    r"(?:" + _NAMED + r"|\b(?:the|this|that|your|its|any|every|each|all|a|an)\s+(?:[\w'\u2019-]+"
    r"\s+)?" + _PARTS + r"|\b" + _SUMMARY + r"(?!\s*[:\u2014\u2013])|\bwrite-?ups?|\b(?:any|"
    r"every|each|your)\s+answers?|\brecommendations\s+(?:of|in)\s+(?:this|the|your|any)\s+"
    + _PARTS + r")\b|\bbrief['\u2019]s\b", re.I)
_OBJECT = (r"(?:(?:a|an|any|the|your|their)\s+(?:[\w-]+\s+)?(?:" + _PARTS + r"|answers?|" +
           _STRONG + r")|(?:this|these)\s+(?:[\w-]+\s+)?(?:" + _PARTS + r"|" + _DOCS + r")|" +
           _PARTS + r"|" + _STRONG + r"|recommendations)\b")
_WRITER = re.compile(
    r"\b(?:whoever|anyone|anybody|those|analysts?|drafters?|writers?|editors?|authors?|readers?|"
    r"compilers?|you)\s+(?:(?:who|that)\s+)?(?:(?:are|is|will\s+be)\s+)?(?:writ|draft|compil|"
    r"summari[sz]|prepar|produc)\w*(?:\s+up)?\s+" + _OBJECT + r"|\b(?:writers?|authors?|"
    r"drafters?|compilers?)\s+of\s+" + _OBJECT + r"|\b(?:when|while|in|before)\s+(?:summari[sz]"
    r"ing|drafting\s+" + _OBJECT + r")|\b(?:those|you|anyone|whoever)\s+(?:(?:are|is)\s+)?"
    r"summari[sz]ing\b|\bsummari[sz]ers\b|\b(?:to|for)\s+(?:the"
    r"\s+|all\s+|any\s+)?(?:drafters?|writers?|compilers?)\b|^[\W_]*(?:drafters?|editors?|"
    r"analysts|writers?|compilers?)(?:\s+and\s+\w+)*(?:\s+alike)?\s*[:,]", re.I)
_ORDERS = re.compile(  # a modal ("Should North Korea …" is a condition), or an imperative
    r"\b(?:must|(?<=\S\s)should|shall|ought\s+to|(?:is|are)\s+(?:asked\s+|requested\s+|expected"
    r"\s+)?(?:not\s+)?to|needs?\s+to|has\s+to|have\s+to|make\s+sure|be\s+sure|kindly|please|"
    r"grateful\s+if|(?:essential|important|vital)\s+that|do\s+not|don['\u2019]t|never)\b|(?:^|"
    r"[:;]\s*|\s[\u2014\u2013-]+>?\s*|^[\W_]*(?:in|when|while|for|if|under|before|whenever)\b"
    r"[^,]{1,80},\s*)[\W_]*(?:(?:please|kindly|now|so|then|also|simply|just)\s+)?" + _IMPERATIVE +
    r"\b", re.I)
_RANK = (r"\bfirst\s+(?:among|of\s+all|in\s+(?:the|any|every|each|your|its|this)|on\s+(?:the|any|"
         r"every|your))\b|\bfirst(?=\s*(?:[.,;:!)]|$|(?:and|or)\b|[\u2014\u2013-]))|\bas\s+the\s+"
         r"(?:first|top|leading|lead|main|primary|principal|preferred|foremost|headline)\b|\bthe\s+"
         r"(?:first|top|lead|leading|headline)\s+(?:[\w-]+\s+)?(?:item|point|option|entry|"
         r"recommendation|judge?ment|finding|bullet)s?\b|\bat\s+the\s+(?:top|head|front)\s+of\b|"
         r"\b(?:ahead\s+of|above|before)\s+(?:all|every|any)\s+other\b|\btop\s+billing\b|\b(?:lead|"
         r"open|headline)\s+with\b")
_SURE = r"(?:confirmed|established|verified|proven|certain)"
_FACT = (r"(?<!not\s)(?<!than\s)\bas\s+(?:an?\s+)?(?:(?:" + _SURE + r"|undisputed|settled|known|"
         r"hard|accepted)\s+)?(?:fact|truth|certainty)\b(?!-)|\bas\s+(?:" + _SURE + r"|fact)"
         r"\s+that\b")
_CERTAIN = (_FACT + r"|(?<!not\s)\bas\s+(?:" + _SURE + r"|settled|true|definitive|undisputed|"
            r"authentic|genuine|false|untrue|fabricated|discredited|beyond\s+(?:doubt|dispute|"
            r"question))" + _END + r"|\b(?:call|consider|deem|label|mark)\s+(?:it|this|them|these|"
            r"that)\s+(?:" + _SURE + r"|true|fact)\b|\bwithout\s+(?:caveats?|hedging|"
            r"qualifications?)\b")
_DISSENT = (r"(?:denials?|objections?|dissent|rebuttals?|corrections?|retractions?|caveats?|"
            r"counter-?claims?|statement(?!\s+of\b)s?|warnings?|assessments?)\b")
_CLAIMS = (r"(?:" + _DISSENT + r"|views?|positions?|criticisms?|doubts?|uncertaint(?:y|ies)|"
           r"version|side|allegations?|(?:any\s+)?(?:mention|reference))\b")
_HIDE = (r"(?<!not\s)(?<!n't\s)\b(?:omit|leave\s+out|exclude|drop|strip\s+out|suppress|downplay|"
         r"play\s+down|bury)|\b(?:do|must|should|shall|need|ought\s+to|are|is|asked|requested)\s+"
         r"not\s+(?:to\s+)?(?:mention|cite|quote|include|refer\s+to|report|acknowledge|reference|"
         r"discuss|name|repeat|use)|\b(?:don['\u2019]t|never|avoid|refrain\s+from)\s+(?:mention|cit|"
         r"quot|includ|referr?|report|acknowledg|referenc|discuss|nam|repeat)\w*")
_SUPPRESS = (r"(?:" + _HIDE + r")\b[^.;!?]{0,60}?(?:\b" + _CLAIMS + r"|\b(?:them|it)\s+(?:from|"
             r"out)\b)|\bleave\s+[^.;!?]{1,50}?\bout\s+of\s+" + _OBJECT + r"|\b" + _CLAIMS +
             r"[^.;!?]{0,40}?\b(?:be|is|are)\s+(?:left\s+out|omitted|excluded|dropped)\b")
_SAYS = (r"\b(?:state|say|read|conclude|assert|report|declare|write|show)s?\s+(?:,[^,]{1,40},"
         r"\s*)?(?:that\b|:)|\b(?:include|contain|carry)\s+(?:the\s+)?(?:claim|statement|line|"
         r"sentence|finding|judge?ment)\s+that\b|\bso\s+that\s+(?:it|they)\s+(?:state|say|read|"
         r"conclude)s?\b")
_CLAIM = (_SAYS + r"|\bbe\s+that\b|(?:" + _HIDE + r")\s+(?:the\s+|any\s+|all\s+)?(?:[\w-]+\s+)"
          r"{0,2}?(?:(?-i:[A-Z])[\w.-]*|[\w.-]+['\u2019]s)\b|\b(?:describ|present|portray|"
          r"characteri[sz]|fram|call|depict|report|treat|label|cast|paint)\w*\s+(?:[\w'\u2019-]+"
          r"\s+){0,6}?as\b(?!\s+(?:it|they|needed|appropriate|applicable|necessary|required|"
          r"follows|well|such|part|soon|of|a\s+whole)\b)")
_ADVICE = re.compile(  # writing advice is no order about a claim
    r"\b(?:put|list|place|state|give|present|lead\s+with|open\s+with|start\s+with|begin\s+with)\s+"
    r"(?:the|your|its|their|our)\s+(?:(?:single\s+)?most\s+\w+|main|key|central|primary|biggest|"
    r"highest|top|important|essential|critical|bottom[ -]line|conclusions?|purpose|requests?|"
    r"asks?|answers?|recommendations?|news|summary)\b[^.;]{0,40}?\b(?:first|up\s+front|at\s+the\s+"
    r"(?:top|beginning|start))\b", re.I)
_WRITER_RULES: list[tuple[str, re.Pattern[str] | AtHead | AllOf]] = [
    ("writer control", AllOf((_PART, _ORDERS, re.compile(_RANK + "|" + _CERTAIN + "|" + _SUPPRESS,
                                                        re.I)), unless=_ADVICE)),
    ("writer control", AllOf((re.compile(_NAMED + "|" + _SUBJECT, re.I), _ORDERS,
                              re.compile(_SAYS, re.I)))),
    ("writer control", AllOf((_WRITER, _ORDERS, re.compile(
        _RANK + "|" + _CERTAIN + "|" + _SUPPRESS + "|" + _CLAIM, re.I)), unless=_ADVICE)),
    ("writer control", _order(  # "State the figure as fact", "… and leave out the denial"
        _IMPERATIVE + r"|do|don't|never", r"(?:" + _IMPERATIVE + r"|do\s+not|don['\u2019]t|never)"
        r"\b[^.;!?]{0,80}?(?:" + _FACT + r"|(?<!not\s)\bas\s+" + _SURE + r"(?=\s*(?:[.,;:!?]|$|"
        r"and\b))|(?:" + _HIDE + r")\s+(?:[\w.-]+['\u2019]s\s+|(?:the|any|all|its|their)\s+)"
        r"(?:[\w-]+\s+){0,2}" + _DISSENT + ")")),
    ("writer control", re.compile(  # "it is to be reported as confirmed that …"
        r"\b(?:is|are|must|should|shall|ought|needs?|has|have)\s+(?:to\s+)?be\s+(?:reported|stated|"
        r"presented|described|treated|given|portrayed|listed|regarded)\s+(?:" + _FACT + ")", re.I)),
]

_I = re.I
SENTENCE_RULES: list[tuple[str, re.Pattern[str] | AtHead | AllOf]] = [
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
    # "when asked …, say …" opens the sentence or a clause ("claimants, if asked, report their
    # earnings" is about claimants), and what follows is a claim, not "to the agency"
    ("output control", _order(
        "asked", r"(?:when|if|whenever)\s+(?:you\s+are\s+|you're\s+|you\s+get\s+)?asked\b"
        r"[^.!?\n]{0,120}?[,:;]\s*(?:you\s+(?:must|should)\s+)?(?:always\s+|simply\s+|just\s+|"
        r"only\s+)?(?:say|answer|reply|respond|state|write|tell|claim|report|insist|confirm)\b"
        r"(?!\s+(?:to|for|on|in|their|his|her|its|your|any|all)\b)")),
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
        _SAY, _SAY + r"\b(?!\s+\w+\s+up\b)[^.!?\n]{0,50}?\b(?:in|to|for|on)\s+(?:every|any|each|"
        r"all|your|the)\s+(?:future\s+)?" + _PRODUCT + r"\b")),  # not "open it up to questions"
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
    *_WRITER_RULES,
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
fact facts proven certain lines options whoever anyone anybody those analysts analyst editors
authors readers writers briefing briefings memoranda dissent caveat caveats
""".split())
_CUE_PREFIXES = ("answer", "respon", "repl", "summar", "quot", "cit", "confirm", "establish",
                 "verif", "judg", "recommend", "draft", "compil", "denial", "objection",
                 "rebuttal", "correction", "retraction", "counter", "statement", "warning",
                 "assessment")
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
