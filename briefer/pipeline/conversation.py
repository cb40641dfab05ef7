"""What a REPL session remembers (its turns), and how a follow-up question is read in their
light: the standalone question retrieval and answering work from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Turn:
    """One exchange: the question as asked, as retrieved for, and its answer."""

    question: str
    standalone: str
    answer: str


@dataclass
class Conversation:
    """What a REPL session remembers: the turns, for follow-ups."""

    turns: list[Turn] = field(default_factory=list)

    def render(self, last: int = 2) -> str:
        if not self.turns:
            return ""
        lines = ["CONVERSATION SO FAR"]
        for t in self.turns[-last:]:
            lines += [f"Q: {t.question}", f"A: {t.answer}"]
        return "\n".join(lines) + "\n\n"


_FOLLOW_UP = re.compile(
    r"^(and|but|also|so|then|what about|how about|why|why not|how so)\b|"
    r"\b(it|its|they|them|their|theirs|that|those|these|this|he|she|his|her|there|such)\b",
    re.I)


def is_follow_up(question: str) -> bool:
    """Short questions, or ones that lean on an earlier turn ("and what about them?")."""
    return len(question.split()) <= 4 or bool(_FOLLOW_UP.search(question))


def standalone_question(question: str, conversation: Conversation | None) -> str:
    """A follow-up ("and what about sanctions?") read in the light of the last question;
    a self-contained question stays as it is."""
    if not conversation or not conversation.turns or not is_follow_up(question):
        return question
    previous = conversation.turns[-1].standalone
    return f"{previous} {question}"
