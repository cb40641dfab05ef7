"""Finishing the items grounding kept: the hooks a section declares in :data:`~briefer.pipeline.
sections.SECTIONS` to apply after grounding — an option's particulars and mildest-first order, a
red line's whole trigger, and the cross-section filter that sets apart an option restating a red
line's trigger. Each is a plain function of the kept items; none knows a section's name.
"""

from __future__ import annotations

from collections.abc import Sequence

from briefer.core.schemas import Finding, RedLine, ResponseOption
from briefer.core.settings import GroundingSettings
from briefer.grounding.items import Grounder
from briefer.text.cues import arms_category, condition_clause, named_details
from briefer.text.verify import normalise
from briefer.text.words import terms

# phased, mildest first: non-military steps, then defensive, then offensive arms
LADDER = {"military-defensive": 1, "military-offensive": 2}


def with_particulars(options: list[ResponseOption]) -> list[ResponseOption]:
    """Each option with the particulars of its quotes (:func:`particulars`)."""
    return [particulars(o) for o in options]


def mildest_first(options: list[ResponseOption]) -> list[ResponseOption]:
    """The options phased on the :data:`LADDER` (stable: retrieval order within a rung)."""
    return sorted(options, key=lambda o: LADDER.get(o.category, 0))


def whole_triggers(red_lines: list[RedLine]) -> list[RedLine]:
    """Each red line with its whole trigger (:func:`whole_trigger`)."""
    return [whole_trigger(r) for r in red_lines]


def particulars(option: ResponseOption) -> ResponseOption:
    """``option`` with the category its quotes' arms give it and, as its description, the
    verbatim words of its quote that name what its label leaves out ("including K-2 tanks")."""
    quotes = [e.quote for e in option.evidence]
    details = option.description or next(
        (d for q in quotes if (d := named_details(option.label, q))), "")
    return option.model_copy(update={"category": arms_category(option.category, quotes),
                                     "description": details})


def whole_trigger(red_line: RedLine) -> RedLine:
    """``red_line`` with its trigger in its quote's words when the model shortened it."""
    for e in red_line.evidence:
        clause = condition_clause(red_line.trigger, red_line.consequence, e.quote)
        if clause:
            return red_line.model_copy(update={"trigger": clause})
    return red_line


def a_red_line_trigger(option: ResponseOption, red_lines: Sequence[RedLine],
                       grounder: Grounder) -> bool:
    """Whether ``option`` restates the trigger of a red line drawn from the same sentence
    (the other side's move: "Deploy Grom-7 missiles within 100 km of the border" from
    "Grom-7 missiles deployed within 100 km … would unlock a request for air defence");
    then it is set apart with the reason."""
    quotes = {normalise(e.quote) for e in option.evidence}
    for red_line in red_lines:
        if not quotes & {normalise(e.quote) for e in red_line.evidence}:
            continue
        if restates_trigger(option.label, red_line, grounder.bar.trigger_share):
            grounder.set_apart("response_options", option.label,
                               "it restates a red line's trigger (what the other side "
                               "would do), not a step")
            return True
    return False


def a_risk(indicator: Finding, risks: Sequence[Finding], grounder: Grounder) -> bool:
    """Whether ``indicator`` repeats a risk: the same words, or the same quotes (a sentence
    that states a harm is read as a risk first); then it is set apart with the reason."""
    text = normalise(indicator.description).lower()
    quotes = {(e.chunk_id, normalise(e.quote)) for e in indicator.evidence}
    for risk in risks:
        if (normalise(risk.description).lower() == text
                or quotes == {(e.chunk_id, normalise(e.quote)) for e in risk.evidence}):
            grounder.set_apart("indicators", indicator.description,
                               "it repeats a risk (the same words or the same quotes)")
            return True
    return False


def restates_trigger(label: str, red_line: RedLine,
                     share: float = GroundingSettings().trigger_share) -> bool:
    """``label``'s words are mostly the red line's trigger's, not its consequence's: at
    least ``share`` of them (``grounding.trigger_share``) are in the trigger and not in the
    consequence."""
    words = terms(label)
    if not words:
        return False
    trigger, consequence = terms(red_line.trigger), terms(red_line.consequence)
    return len(words & (trigger - consequence)) >= share * len(words)
