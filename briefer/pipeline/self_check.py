"""The answer's optional self-check (``ask.self_check``, off): a second, short call asks
whether the verified quotes state what the question asks."""

from __future__ import annotations

import json
from collections.abc import Sequence

from briefer.core.prompts import load_prompt
from briefer.core.schemas import Citation
from briefer.evidence.run import Run
from briefer.llm.base import ChatModel

CHECK_MAX_TOKENS = 16
CHECK_SCHEMA: dict[str, object] = {
    "type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}},
    "required": ["verdict"], "additionalProperties": False}


def self_check(question: str, answer: str, citations: Sequence[Citation], model: ChatModel,
               run: Run) -> bool:
    """A second, short call: do the verified quotes state what the question asks?

    Writing an answer and judging one are different tasks: a small model that has just answered
    from the wrong passage (a count of festival stewards for "how many staff does the mission
    have?") often says "no" when shown the question beside the bare quotes. An unreadable
    verdict (a server without grammar support) does not decide.
    """
    prompt = load_prompt("check.md")
    run.uses(prompt.version)
    quotes = "\n".join(f"- {c.quote}" for c in citations)
    system, user = prompt.render(question=question, quotes=quotes,
                                 answer=answer)
    completion = model.complete([{"role": "system", "content": system},
                                 {"role": "user", "content": user}],
                                schema=CHECK_SCHEMA, max_tokens=CHECK_MAX_TOKENS)
    run.record(completion)
    try:
        verdict = json.loads(completion.text)["verdict"]
    except (ValueError, KeyError, TypeError):
        return True
    return bool(verdict != "no")
