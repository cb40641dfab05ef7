"""The section table of a brief: each section's model and, as data, every rule the Drafter
applies to it — how each of its lists is grounded (:class:`~briefer.grounding.items.Rule`),
finished (:mod:`briefer.pipeline.finishing`), filtered against another section's list and named
on progress lines, and which of the Brief's other fields it fills. The Drafter loops over
:data:`SECTIONS` without knowing any section by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import annotated_types
from pydantic import BaseModel

from briefer.core.schemas import (
    Brief,
    DisagreementsGapsSection,
    IndicatorsSection,
    OptionsSection,
    RedLinesSection,
    RisksSection,
    SummarySection,
)
from briefer.grounding.items import Grounder, Rule
from briefer.pipeline.finishing import (
    a_red_line_trigger,
    a_risk,
    mildest_first,
    whole_triggers,
    with_particulars,
)
from briefer.pipeline.generate import is_prose, once
from briefer.text.cues import ACTION, CONDITION, RISK

Finish = Callable[[list[Any]], list[Any]]  # kept items → finished items
Fills = Callable[[BaseModel, Grounder], dict[str, Any]]  # drafted section → Brief fields


@dataclass(frozen=True)
class Against:
    """A filter across sections: an item of this list that ``clashes`` with the items of the
    list ``other`` (another section's, once every section is kept) is dropped; ``clashes``
    sets it apart with the reason."""

    other: str
    clashes: Callable[[Any, Sequence[Any], Grounder], bool]


@dataclass(frozen=True)
class ItemList:
    """One list field of a section: its grounding rule, then what is done to what it keeps."""

    rule: Rule
    label: str  # progress lines: "  <label>: <headline> [ids]"
    finish: tuple[Finish, ...] = ()  # applied in order to the kept items
    against: Against | None = None


@dataclass(frozen=True)
class Section:
    """What the model writes for one section, and how each list in it is grounded."""

    model: type[BaseModel]
    lists: dict[str, ItemList]  # field of the section model → how its items are kept
    noun: str = ""
    # the key the model writes for a field, where the field's name reads badly to a small
    # model ("label" drew one-word labels; "action" draws the step itself)
    keys: dict[str, str] = dataclass_field(default_factory=dict)
    fills: Fills | None = None  # the Brief's fields it fills besides its lists

    @property
    def rules(self) -> dict[str, Rule]:
        """Field of the section model → its grounding rule."""
        return {name: listed.rule for name, listed in self.lists.items()}


def summary_fields(drafted: BaseModel, grounder: Grounder) -> dict[str, Any]:
    """The bottom line and situation, when a quote of the summary verifies; else the bottom
    line is set apart (the brief keeps its placeholder)."""
    if not isinstance(drafted, SummarySection):
        return {}
    verified = grounder.verify(drafted.evidence)
    if not verified:
        grounder.set_apart("bottom_line", drafted.bottom_line,
                           "no quote verified against its passage")
        return {}
    return {"bottom_line": once(drafted.bottom_line), "situation": once(drafted.situation),
            "bottom_line_evidence": verified}


def gap_fields(drafted: BaseModel, grounder: Grounder) -> dict[str, Any]:
    """The gaps that read as prose, each once."""
    if not isinstance(drafted, DisagreementsGapsSection):
        return {}
    return {"gaps": list(dict.fromkeys(g.strip() for g in drafted.gaps if is_prose(g)))}


# what a red line from a limit says of its consequence: its source states none
UNSTATED_CONSEQUENCE = "not stated (a limit its source sets)"

SECTIONS = {
    "summary": Section(SummarySection, {}, fills=summary_fields),
    "response_options": Section(OptionsSection, {"response_options": ItemList(
        Rule("response_options", claims=("label",), same=("label", "condition"), cue=ACTION,
             cue_missing="its quotes state no step anyone could take (an option is an action)"),
        "response option", finish=(with_particulars, mildest_first),
        against=Against("red_lines", a_red_line_trigger))},
        "option",
        keys={"label": "action"}),
    "red_lines": Section(RedLinesSection, {"red_lines": ItemList(
        Rule("red_lines", claims=("trigger", "consequence"), cue=CONDITION,
             cue_missing="its quotes state no condition (a red line is a threshold)",
             unstated={"consequence": UNSTATED_CONSEQUENCE}, apart=("trigger", "consequence")),
        "red line", finish=(whole_triggers,))}, "red line"),
    "risks": Section(RisksSection, {"risks": ItemList(
        Rule("risks", claims=("description",), cue=RISK,
             cue_missing="its quotes state no harm or danger (a risk is what could go wrong)"),
        "risk")}, "risk", keys={"description": "risk"}),
    "indicators": Section(IndicatorsSection, {"indicators": ItemList(
        Rule("indicators", claims=("description",)), "indicator",
        against=Against("risks", a_risk))}, "indicator"),
    "disagreements_gaps": Section(DisagreementsGapsSection, {
        "disagreements": ItemList(Rule("disagreements", min_evidence=2, min_sources=2),
                                  "disagreement")},
        "disagreement", fills=gap_fields),
}


def max_items(field: str) -> int:
    """How many items the Brief holds in ``field``."""
    for meta in Brief.model_fields[field].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    raise ValueError(field)
