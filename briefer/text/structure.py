"""Structure cues: what a sentence's place in its document says about its role in a brief.

Analysts and governments put options and conditions where the wording cues
(:mod:`briefer.text.cues`) do not look: in list items under a lead-in that announces them
("The Administration's actions include:", "**Triggers**"), in the rows of a table whose header
names them ("| Trigger | Likely response |"), in sections whose heading names them, and in the
author's own voice ("We launched ..."). And some sentences are no item
however they are worded: a question (a journalist's, in a press call), a speaker handing over
the floor, a counterfactual ("if not for the mission, the ships would have been struck").

The word lists are data (``prompts/roles.yaml``), read by :mod:`briefer.text.words`.
"""

from __future__ import annotations

import re

from briefer.text.rows import cells, header_role, header_rows, in_table, is_table_line, is_table_row
from briefer.text.words import pattern

# what stands before a list item's text: a bullet or a number, then bold or italic markers
_ITEM = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u2023]|\d{1,2}[.)]|\([a-z0-9]{1,3}\))\s+")
_MARKS = re.compile(r"[*_#`]+")
# a wire or press-release dateline before the first sentence: a place in capitals, maybe its
# region and an agency, then a dash ("WASHINGTON—Secretary of Homeland Security Alejandro N.
# Mayorkas is designating ..." in a DHS release; "WASHINGTON – Today, President Joe Biden
# announced ..." in White House releases; "KYIV, Ukraine (AP) — ..."): not the subject
_DATELINE = re.compile(r"^(?:[A-Z]{4,}|[A-Z]{2,} [A-Z]{2,})(?:[ -][A-Z]{2,})*"
                       r"(?:,\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?(?:\s+\([A-Za-z]+\))?"
                       r"\s*(?:[\u2014\u2013]|\s-{1,2}\s)\s*(?=[A-Z\"\u201c])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_PROGRESSIVE = re.compile(r"\b(?:is|are)\s+(?:\w+ly\s+)?\w+ing\b", re.I)
LEAD_IN_MAX_WORDS = 25  # a lead-in is a line, not a paragraph
# a stage of a plan with its number or letter ("Phase 2", "Stage B", "Trigger III", "Step two")
_STAGE = re.compile(pattern("roles.yaml", "stage", plural=True).pattern
                    + r"\s+(?:\d{1,2}|(?-i:[A-H]|[IVX]{1,4})|one|two|three|four|five)\b", re.I)
_LABEL_END = re.compile(r"\s*(?:[:.]|\s[\u2013\u2014-])\s")  # after "Phase 2": ": ", ". ", " - "
# a lead-in that opens with a condition clause ("If talks collapse:", "Should the ceasefire
# fail -"; a modal "should include the following:" is none)
_CONDITION_LEAD = re.compile(r"^(?:(?:if|unless|once|in the event|in case)\s+\w|should\s+(?:(?:the|"
                             r"a|an|any|this|that|these|those|it|they)\b|(?-i:[A-Z])))", re.I)


def _pattern(*path: str) -> re.Pattern[str]:
    return pattern("roles.yaml", *path)


def is_list_item(text: str) -> bool:
    """Whether ``text`` opens with a list marker ("- ", "3. ", "(c) ") or is a table's line (a
    row, or the rule under its header)."""
    return _ITEM.match(text) is not None or is_table_line(text)


def item_leads(text: str, carried: str = "") -> dict[str, tuple[str, str]]:
    """Each list item or table row of ``text`` -> the line that leads it and the role that
    line gives (:func:`lead_in_role`): a lead-in line over its list, a table's header over its
    rows (:func:`briefer.text.rows.header_role`; a header naming no role leaves the rows the
    lead-in above the table). The lead ends at a line that is neither an item nor indented; a
    table's at its end, where the lead-in above it resumes. ``carried``: the header of the
    table ``text`` opens inside. Lead-ins are read from the lines, not the quotable units (a
    short one, "Triggers:", is no sentence to quote)."""
    out: dict[str, tuple[str, str]] = {}
    headers = header_rows(text)
    lead: tuple[str, str] = ("", "")
    outer: tuple[str, str] | None = None  # the lead-in above the table being read
    if carried and (role := header_role(carried)):
        outer, lead = lead, (carried, role)
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        if outer is not None and not in_table(line, i == 0, carried):
            lead, outer = outer, None  # the table ended
        role = header_role(line) if line in headers else lead_in_role(line)
        if line in headers:
            outer = lead if outer is None else outer
            lead = (line, role) if role else outer
        elif role is not None:
            lead = (line, role)
        elif is_list_item(line) or in_table(line, i == 0, carried):
            if lead[1]:
                out[line] = lead
        elif not line.startswith((" ", "\t")):  # a continuation line is indented
            lead = ("", "")
    return out


def body_of(text: str) -> str:
    """``text`` without its list marker, emphasis markers and dateline; a table row as its
    cells ("a; b")."""
    if is_table_row(text):
        text = "; ".join(c for c in cells(text) if c)
    return _DATELINE.sub("", _MARKS.sub("", _ITEM.sub("", text, count=1)).strip(), count=1)


def is_heading(text: str) -> bool:
    """A Markdown heading or a line in bold."""
    stripped = text.strip()
    return stripped.startswith("#") or (stripped.startswith("**") and stripped.endswith("**"))


def is_lead_in(text: str) -> bool:
    """A heading, a bold line, or a short line ending with ":", of at most
    :data:`LEAD_IN_MAX_WORDS` words: what announces the items after it."""
    plain = body_of(text.strip())
    return ((is_heading(text) or plain.endswith(":"))
            and len(plain.split()) <= LEAD_IN_MAX_WORDS)


def lead_in_role(text: str) -> str | None:
    """"option", "red_line" or "risk" when ``text`` is a lead-in (a heading, a bold line, or a short
    line ending with ":") whose words announce that role; None otherwise."""
    if not is_lead_in(text):
        return None
    plain = body_of(text.strip())
    # a heading of conditions names its steps' triggers; one of risks is read last
    for role in ("red_line", "option", "risk"):
        if _pattern("lead_in", role).search(plain):
            return role
    # "President X is applying maximum pressure on ...:": a line in the progressive lists
    # what its subject is doing
    return "option" if _PROGRESSIVE.search(plain) else None


def names_when(lead_in: str) -> bool:
    """Whether a lead-in (:func:`lead_in_role`) tells when the items under it apply: it names a
    numbered or lettered stage of a plan ("Phase 2: defensive weapons", "Trigger 1: the North
    transfers missile technology") or states a condition ("If talks collapse:"). A bare label
    of the items' role ("Triggers to watch", "The actions include:") tells nothing more."""
    plain = body_of(lead_in.strip())
    return (_STAGE.search(plain) is not None
            or _CONDITION_LEAD.search(plain) is not None)


def opens_with_stage(line: str) -> bool:
    """A line that opens with a stage's label and a colon or a dash ("Trigger 1: the North
    transfers missile technology", "Phase 2 – defensive weapons"): a heading even without
    heading marks (a PDF's or a plain text's), of at most :data:`LEAD_IN_MAX_WORDS` words."""
    plain = body_of(line.strip())
    found = _STAGE.match(plain)
    return (found is not None and len(plain.split()) <= LEAD_IN_MAX_WORDS
            and _LABEL_END.match(plain, found.end()) is not None)


def names_stage(line: str) -> bool:
    """A lead-in that tells when its items apply (:func:`names_when`), or a line that opens
    with a stage's label: quotable however short ("### Phase 2: defensive weapons"), so that
    an item read with it can quote it."""
    return (is_lead_in(line) and names_when(line)) or opens_with_stage(line)


# a labelled line of a document's opening: "Published: 2022-10-01", "Source: https://...",
# "THE PRESIDENT:  Well, folks, good to see you all." (a transcript's first turn)
_LABELLED = re.compile(r"^[A-Z][\w .]{0,24}:\s+\S")
OPENING_WORDS = 12  # an opening that holds fewer words than this besides its title and labels


def opening_only(text: str, title: str) -> bool:
    """Whether ``text`` (a document's first passage) holds only its opening: the title (or a
    first line of a title's length that ends in no full stop), labelled lines whose value is
    short (a date, a source, a speaker's greeting: the words after a longer label's colon
    count), links, and fewer than :data:`OPENING_WORDS` other words ("East Room", "3:26 P.M.
    EDT", "Via Teleconference")."""
    left = 0
    for n, line in enumerate(line.strip() for line in text.splitlines() if line.strip()):
        plain = _MARKS.sub("", line).strip()
        titled = plain == " ".join(title.split()) or (
            n == 0 and len(plain.split()) <= 25 and not plain.endswith("."))
        if not plain or titled or plain.startswith(("http://", "https://")):
            continue
        labelled = _LABELLED.match(plain)
        value = plain[labelled.end() - 1:] if labelled else plain
        if not (labelled and len(value.split()) <= 8):
            left += len(value.split())
    return left < OPENING_WORDS


def own_voice(subject: str) -> bool:
    """Whether ``subject`` is the voice of the document's author ("We", "The Administration",
    "This order")."""
    return _pattern("own_voice").match(subject.strip()) is not None


def own_measure(subject: str) -> bool:
    """Whether ``subject`` names one of the document's own measures by a demonstrative ("This
    partnership", "that package", "These new sanctions"; ``roles.yaml`` ``own_measure``)."""
    subject = subject.strip()
    found = DEMONSTRATIVE.match(subject)
    return found is not None and pattern("roles.yaml", "own_measure", plural=True).match(
        subject, found.end()) is not None


# "this", "these", "that", "those", maybe "new" or "additional" after it
DEMONSTRATIVE = re.compile(r"(?:this|these|that|those)\s+(?:(?:new|additional)\s+)?", re.I)


def judgement(text: str) -> bool:
    """Whether ``text`` states a view of its subject ("We consider the figure more reliable",
    "Analysts believe Seoul is unlikely to ..."): a judgement, not a step."""
    return _pattern("judgement").search(" ".join(body_of(text).split()[:6])) is not None


def not_an_item(text: str) -> str | None:
    """Why ``text`` is no option or red line whatever its wording, or None: a question, a
    speaker handing over the floor, a counterfactual."""
    plain = body_of(text)
    if (plain.rstrip("\"'\u201d\u2019)").endswith("?") or re.match(r"Q[.:]?\s", plain)
            or _pattern("not_an_item", "question").search(plain)):
        return "a question"
    if _pattern("not_an_item", "hand_over").search(plain):
        return "a speaker handing over the floor"
    if _pattern("not_an_item", "counterfactual").search(plain):
        return "a counterfactual"
    return None


__all__ = ["DEMONSTRATIVE", "body_of", "is_list_item", "item_leads", "judgement", "lead_in_role",
           "not_an_item", "opening_only", "own_measure", "own_voice"]
