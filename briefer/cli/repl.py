"""`brief repl`: questions and briefs over one loaded model and store.

:class:`Repl` holds the session and turns one input line into screen output; it is what the
transcript tests drive. :func:`run` wraps it in a prompt_toolkit prompt with a history file.
The only prompt_toolkit import.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefer.cli.repl_brief import BriefCommands
from briefer.core.errors import BrieferError
from briefer.core.schemas import Answer, Brief, Chunk, Citation
from briefer.corpus.workspace import Workspace
from briefer.llm.base import ChatModel
from briefer.pipeline.ask import Conversation, Turn, answer_question
from briefer.pipeline.draft import Drafted
from briefer.text.verify import in_quotes

HELP = """Ask a question, or use a command:
  /brief TOPIC   draft a brief on TOPIC (items numbered #N, sources [n])
  /memo [PATH]   write the last brief (or this conversation): .md, .docx or .html by PATH
  /sources       the last brief's (or answer's) sources with their quotes
  /show N        the whole passage behind source N
  /why N         what item #N of the brief rests on: its sentences and their support
  /pin N|ID      show passage N (or chunk ID) to every section from now on (/pin: list,
                 /pin clear)
  /exclude GLOB  never use documents matching GLOB in this session (/exclude: list,
                 /exclude clear)
  /redo SECTION  re-draft one section of the brief with the pins and exclusions: options,
                 red-lines, risks, indicators, disagreements, gaps, bottom-line
  /k N           passages retrieved per question (now {k})
  /model [PATH]  show the model, or switch to another GGUF file
  /clear         forget the conversation
  /help          this help
  /quit          leave (Ctrl-D also works; Ctrl-C stops a running answer)"""


@dataclass
class Repl(BriefCommands):
    workspace: Workspace
    model: ChatModel
    write: Callable[[str], None]
    load_model: Callable[[Path], ChatModel] | None = None
    k: int = 6
    conversation: Conversation = field(default_factory=Conversation)
    last_answer: Answer | None = None
    last_brief: Brief | None = None
    last_chunks: dict[str, Chunk] = field(default_factory=dict)  # the brief's, for /memo
    last_drafted: Drafted | None = None
    last: str = ""  # "brief" or "answer": what /sources and /show refer to
    pins: list[str] = field(default_factory=list)  # chunk ids
    exclude: list[str] = field(default_factory=list)  # source globs

    COMMANDS = ("/brief", "/memo", "/sources", "/show", "/why", "/pin", "/exclude", "/redo",
                "/k", "/model", "/clear", "/help", "/quit", "/exit")

    def say(self, text: str = "") -> None:
        self.write(text + "\n")

    # ------------------------------------------------------------------ dispatch
    def handle(self, line: str) -> bool:
        """Process one input line. Returns False when the session should end."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                return self.command(line)
            self.ask(line)
        except KeyboardInterrupt:
            self.say("\n(stopped)")
        except BrieferError as exc:
            self.say(f"error: {' '.join(str(exc).split())}")
        except Exception as exc:  # a bug must not end the analyst's session
            self.say(f"internal error ({type(exc).__name__}: {' '.join(str(exc).split())[:200]});"
                     " the session goes on — please report it")
        return True

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        name = name.lower()
        if name in ("/quit", "/exit"):
            return False
        if name == "/help":
            self.say(HELP.format(k=self.k))
        elif name == "/brief":
            self.brief(arg)
        elif name == "/memo":
            self.memo(arg)
        elif name == "/sources":
            self.sources()
        elif name == "/show":
            self.show(arg)
        elif name == "/why":
            self.why(arg)
        elif name == "/pin":
            self.pin(arg)
        elif name == "/exclude":
            self.exclude_source(arg)
        elif name == "/redo":
            self.redo(arg)
        elif name == "/k":
            if not arg.isdigit() or not 1 <= int(arg) <= 50:
                self.say("usage: /k N (1-50)")
            else:
                self.k = int(arg)
                self.say(f"k = {self.k}")
        elif name == "/model":
            self.switch_model(arg)
        elif name == "/clear":
            self.conversation = Conversation()
            self.last_answer = None
            self.say("conversation cleared")
        else:
            close = [c for c in self.COMMANDS if c.startswith(name[:3])]
            hint = f" — did you mean {close[0]}?" if close else ""
            self.say(f"unknown command {name}{hint} (/help lists commands)")
        return True

    # ------------------------------------------------------------------ actions
    def ask(self, question: str) -> None:
        answer = answer_question(question, workspace=self.workspace, model=self.model, k=self.k,
                                 conversation=self.conversation, on_text=self.write)
        self.say()
        if answer.insufficient_evidence:
            self.say(f"({answer.reason or 'insufficient evidence in the documents'})")
        else:
            if answer.unanswered:
                self.say(f"(not stated in the documents: {'; '.join(answer.unanswered)})")
            self.say(sources_line(answer.citations) + "  (/sources for quotes)")
        self.last_answer = answer
        self.last = "answer"
        self.conversation.turns.append(Turn(question, answer.standalone_question, answer.answer))

    def memo(self, arg: str) -> None:
        from briefer.cli.common import _save_memo
        from briefer.render.formats import render
        from briefer.render.memo import format_of, memo_target

        brief_json = None
        out = Path(shlex.split(arg)[0]) if arg else None
        fmt = format_of(out) if out is not None and out.suffix else "md"
        text: str | bytes
        if self.last_brief is not None:
            brief = self.last_brief
            text = render(brief, self.last_chunks, fmt)
            topic = brief.topic
            brief_json = brief.model_dump_json(indent=2)
        elif self.conversation.turns:
            if fmt != "md":
                self.say("a conversation is written as Markdown only (.md)")
                return
            text, topic = self._conversation_memo(), "conversation"
        else:
            self.say("nothing to write yet: ask a question or run /brief TOPIC")
            return
        path = memo_target(out, topic, self.workspace.settings.brief.memo_dir, ext=fmt)
        try:
            _save_memo(self.workspace, text, path, name=topic, brief_json=brief_json)
        except BrieferError as exc:
            self.say(f"error: {exc}")
            return
        self.say(f"memo written to {path}")

    def _conversation_memo(self) -> str:
        lines = ["# Conversation", ""]
        for t in self.conversation.turns:
            lines += [f"**Q:** {t.question}", "", f"**A:** {t.answer}", ""]
        if self.last_answer and self.last_answer.citations:
            lines += ["## Sources of the last answer", ""]
            for c in self.last_answer.citations:
                lines.append(f"{c.n}. `{c.source}` passage `{c.chunk_id}`: \"{c.shown()}\"")
        return "\n".join(lines) + "\n"

    def sources(self) -> None:
        if self.last == "brief" and self.last_brief is not None:
            for ref in self._sources():
                self.say(f"[{ref.n}] {ref.source} passage {ref.chunk_id} ({ref.match} match): "
                         f"{in_quotes(ref.quote)}")
            return
        if self.last_answer is None or not self.last_answer.citations:
            self.say("no citations yet")
            return
        for c in self.last_answer.citations:
            self.say(f"[{c.n}] {c.source} ({c.match} match, chars {c.start}-{c.end}): "
                     f"{in_quotes(c.shown())}")

    def show(self, arg: str) -> None:
        if self.last == "brief" and self.last_brief is not None and arg.isdigit():
            refs = self._sources()
            if not 1 <= int(arg) <= len(refs):
                self.say(f"no source [{arg}] in the last brief")
                return
            ref = refs[int(arg) - 1]
            chunk = self.workspace.store.get([ref.chunk_id])
            self.say(f"[{ref.n}] {ref.source} — passage {ref.chunk_id}")
            self.say(chunk[0].text if chunk else "(the passage is no longer in the store)")
            return
        if self.last_answer is None or not arg.isdigit():
            self.say("usage: /show N, after an answer or a brief with citations")
            return
        for c in self.last_answer.citations:
            if c.n == int(arg):
                chunk = self.workspace.store.get([c.chunk_id])
                self.say(f"[{c.n}] {c.source} — passage {c.chunk_id}")
                self.say(chunk[0].text if chunk else "(the passage is no longer in the store)")
                return
        self.say(f"no citation [{arg}] in the last answer")

    def switch_model(self, arg: str) -> None:
        if not arg:
            info = self.model.describe()
            self.say(f"model: {info['file']} (sha256 {info['sha256'][:12]}…)")
            return
        if self.load_model is None:
            self.say("switching models is not available here")
            return
        self.model = self.load_model(Path(arg))
        self.say(f"model: {self.model.describe()['file']}")


def sources_line(citations: Sequence[Citation]) -> str:
    """The passages an answer cites, each once, in the order first cited ("sources: [3]
    a.txt, [4] b.txt"): an answer quoting three sentences of one passage cites it three
    times."""
    cited = dict.fromkeys((c.n, c.source) for c in citations)
    return "sources: " + ", ".join(f"[{n}] {source}" for n, source in cited)


def run(repl: Repl, history: Path) -> None:
    """The interactive loop: Ctrl-C clears the line or stops an answer, Ctrl-D leaves."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history.parent.mkdir(parents=True, exist_ok=True)
    session: Any = PromptSession(history=FileHistory(str(history)))
    repl.say("Briefer REPL — ask a question, /help for commands, Ctrl-D to leave.")
    while True:
        try:
            line = session.prompt("brief> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not repl.handle(line):
            break
