"""Brief → HTML memo: one standalone, printable HTML5 file.

The Markdown memo's content and order, with inline CSS only: no script, no font, no image,
nothing that names a URL, so the file opens the same offline and prints (``@media print``).
Every piece of text is escaped (documents are untrusted input). Sources are footnotes with their
quotes: ``[n]`` marks (the Markdown memo's numbers) link to ``#note-n``, each note links back to
its first mark. An inline SVG figure (``#ladder``) draws the options as the rungs of a ladder,
mildest at the bottom, each red line a band just below the option its consequence would unlock
(:func:`ladder`).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Sequence

from briefer.core.schemas import Brief, Changes, Chunk, Evidence, Manifest
from briefer.render.memo import SourceRef, citer, manifest_line, steering

# C0 controls other than tab / newline / carriage return: not text, and not valid in HTML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STOP = frozenset(
    "about after against also been before being between could from have into more most only "
    "other over should some such than that their them then there these they this those under "
    "very what when where which while will with would".split())

CSS = """
:root { --ink: #1d2433; --muted: #5b6474; --rule: #c9d1dc; --head: #1f4e79; --red: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
main { max-width: 58rem; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 1.8rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid var(--rule); }
.notice { border-left: 4px solid var(--head); background: #eef3f8; padding: .5rem .8rem; }
.notice.partial { border-color: var(--red); background: #fbeceb; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left;
  vertical-align: top; }
thead th { background: var(--head); color: #fff; }
#options tbody td { background: #dbe9f6; }
#red-lines thead th { background: var(--red); }
#red-lines tbody td { background: #fbeceb; }
td.n { width: 2.2rem; text-align: right; }
sup.cite a, a.back { color: var(--head); text-decoration: none; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .88em; }
.empty { color: var(--muted); font-style: italic; }
figure { margin: 1rem 0; }
figcaption { color: var(--muted); font-size: .9rem; }
#ladder svg { width: 100%; max-width: 46rem; height: auto; display: block; }
svg .rail { stroke: #7a8699; stroke-width: 5; }
svg .rung line { stroke: var(--head); stroke-width: 6; stroke-linecap: round; }
svg .rung .label { font: 600 14px sans-serif; fill: var(--ink); }
svg .rung .cond, svg .axis { font: 12px sans-serif; fill: var(--muted); }
svg .rung .num { font: 700 13px sans-serif; fill: #fff; }
svg .rung circle { fill: var(--head); }
svg .red-line rect { fill: #fbeceb; stroke: var(--red); stroke-width: 2;
  stroke-dasharray: 8 4; }
svg .red-line text { font: 600 12px sans-serif; fill: var(--red); }
ol.notes li { margin-bottom: .4rem; }
footer.manifest { margin-top: 2rem; color: var(--muted); font-size: .8rem;
  border-top: 1px solid var(--rule); padding-top: .5rem; }
@media print {
  @page { margin: 16mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  tr, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  a.back { display: none; }
}
"""


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values, control characters removed."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def content_words(text: str) -> set[str]:
    """Lowercase words of 4+ letters, minus a few function words, plurals stripped."""
    words = set()
    for word in re.findall(r"[a-z]+", text.lower()):
        if len(word) < 4 or word in _STOP:
            continue
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


def ladder(brief: Brief) -> list[tuple[str, int]]:
    """Each red line's trigger and where its band goes: the index of the option it sits just
    below (the option whose label shares the most content words with the red line's
    consequence, the first on a tie), or ``len(options)`` (above the top rung) when none
    shares a word."""
    labels = [content_words(o.label) for o in brief.response_options]
    placed = []
    for r in brief.red_lines:
        wanted = content_words(r.consequence)
        shared = [len(wanted & label) for label in labels]
        best = max(range(len(shared)), key=lambda i: (shared[i], -i), default=-1)
        placed.append((r.trigger, best if best >= 0 and shared[best] else len(labels)))
    return placed


class _Cites:
    """``[n]`` marks linking to the notes; the first mark of each note gets ``id=ref-n``."""

    def __init__(self, numbers: Callable[[Sequence[Evidence]], list[int]]) -> None:
        self.numbers = numbers
        self.marked: set[int] = set()

    def __call__(self, evidence: Sequence[Evidence]) -> str:
        out = []
        for n in self.numbers(evidence):
            anchor = "" if n in self.marked else f' id="ref-{n}"'
            self.marked.add(n)
            out.append(f'<sup class="cite"><a href="#note-{n}"{anchor}>[{n}]</a></sup>')
        return "".join(out)


def render_html(brief: Brief, chunks: dict[str, Chunk]) -> str:
    sources, numbers = citer(brief, chunks)
    cite = _Cites(numbers)
    m = brief.manifest
    title = esc(f"Brief: {brief.topic}")
    parts = [f"<h1>{title}</h1>"]
    if brief.partial:
        parts.append('<p class="notice partial"><strong>Partial brief.</strong> Some sections '
                     f"did not validate: {esc('; '.join(brief.failures))}</p>")
    if steered := steering(m):
        parts.append('<p class="notice steered"><strong>Steered by the analyst.</strong> '
                     + " ".join(f"{what}: {_codes(items)}." for what, items in steered) + "</p>")
    if brief.changes is not None:
        parts.append(_changes(brief.changes))
    parts.append(_section("bottom-line", "Bottom line",
                          f"<p>{esc(brief.bottom_line)} {cite(brief.bottom_line_evidence)}</p>"))
    if brief.situation:
        parts.append(_section("situation", "Situation", f"<p>{esc(brief.situation)}</p>"))
    parts.append(_section("response-options", "Response options", _options(brief, cite)))
    parts.append(_section("red-lines-section", "Red lines", _red_lines(brief, cite)
                          + _figure(brief)))
    none = "None supported by the retrieved passages."
    parts.append(_section("risks", "Risks", _list(
        [f"{esc(f.description)} {cite(f.evidence)}" for f in brief.risks], none)))
    parts.append(_section("indicators", "Indicators to watch", _list(
        [f"{esc(f.description)} {cite(f.evidence)}" for f in brief.indicators], none)))
    parts.append(_section("disagreements", "Disagreements between sources", _list(
        [f"{esc(d.claim)} {cite(d.evidence)}" for d in brief.disagreements],
        "No disagreement found in the retrieved passages.")))
    parts.append(_section("gaps", "Gaps", _list([esc(g) for g in brief.gaps], "None listed.")))
    if brief.unsupported:
        parts.append(_section("unsupported", "Not supported by the sources", (
            "<p>These items were drafted, but their quotes did not verify or do not state what "
            "the item says; they are not findings.</p>") + _list(
            [f"({esc(u.section)}) {esc(u.text)} — <em>{esc(u.reason)}</em>"
             for u in brief.unsupported], "")))
    if m.flagged_passages:
        parts.append(_flagged(m))
    parts.append(_section("notes", "Sources", _notes(sources, cite.marked)))
    parts.append(f'<footer class="manifest">{esc(manifest_line(m))}</footer>')
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="Briefer {esc(m.briefer_version)}">\n'
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
            "</main>\n</body>\n</html>\n")


def _section(ident: str, title: str, inner: str) -> str:
    return f'<section id="{ident}">\n<h2>{esc(title)}</h2>\n{inner}\n</section>'


def _codes(items: Sequence[str]) -> str:
    return ", ".join(f"<code>{esc(i)}</code>" for i in items)


def _list(items: Sequence[str], empty: str) -> str:
    """Items are HTML already."""
    if not items:
        return f'<p class="empty">{esc(empty)}</p>' if empty else ""
    return "<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>"


def _table(ident: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Cells are HTML already; the first is the row number."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    body = "\n".join("<tr>" + f'<td class="n">{row[0]}</td>'
                     + "".join(f"<td>{c}</td>" for c in row[1:]) + "</tr>" for row in rows)
    return (f'<table id="{ident}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
            "</tbody>\n</table>")


def _options(brief: Brief, cite: _Cites) -> str:
    if not brief.response_options:
        return '<p class="empty">No response option is supported by the retrieved passages.</p>'
    described = any(o.description for o in brief.response_options)
    header = ["#", "Option", "Category", "Applies when"] + ["Description"] * described
    rows = [[str(i), esc(o.label), esc(o.category), esc(o.condition)]
            + [esc(o.description)] * described + [cite(o.evidence)]
            for i, o in enumerate(brief.response_options, 1)]
    return _table("options", header + ["Sources"], rows)


def _red_lines(brief: Brief, cite: _Cites) -> str:
    if not brief.red_lines:
        return '<p class="empty">No red line is supported by the retrieved passages.</p>'
    return _table("red-lines", ["#", "Trigger", "What crossing it would unlock", "Sources"],
                  [[str(i), esc(r.trigger), esc(r.consequence), cite(r.evidence)]
                   for i, r in enumerate(brief.red_lines, 1)])


def _flagged(m: Manifest) -> str:
    rows = [[str(i), f"<code>{esc(f.source)}</code>" + (f" p. {f.page}" if f.page else ""),
             f"<code>{esc(f.chunk_id)}</code>", f"<code>{esc(f.text)}</code>", esc(f.reason)]
            for i, f in enumerate(m.flagged_passages, 1)]
    return _section("flagged", "Passages that address the model", (
        "<p>These retrieved passages hold text written to instruct an AI, not to inform a reader "
        "(prompt injection). It was removed from what the model was shown and could not be "
        "quoted; check the documents.</p>\n")
        + _table("flagged-passages", ["#", "Document", "Passage", "Flagged text", "Why"], rows))


def _notes(sources: Sequence[SourceRef], marked: set[int]) -> str:
    items = []
    for s in sources:
        page = f" p. {s.page}" if s.page else ""
        back = (f' <a class="back" href="#ref-{s.n}" aria-label="back to the text">↩</a>'
                if s.n in marked else "")
        items.append(f'<li id="note-{s.n}" value="{s.n}"><code>{esc(s.source)}</code>{page}, '
                     f"passage <code>{esc(s.chunk_id)}</code> (chars {s.start}–{s.end}), "
                     f"{esc(s.match)} match: <q>{esc(s.quote)}</q>{back}</li>")
    return '<ol class="notes">\n' + "\n".join(items) + "\n</ol>"


def _changes(c: Changes) -> str:
    items = []
    for i in c.items:
        section = i.section.replace("_", " ")
        text = f"<strong>{esc(i.kind_label())}</strong> ({esc(section)}): {esc(i.text)}"
        if i.kind == "changed":
            text += f" — <em>was:</em> {esc(i.before)}"
        for q in i.quotes[:1]:
            text += f" — <code>{esc(q.source)}</code>: <q>{esc(q.quote)}</q>"
        items.append(text)
    for what, names in (("Documents added", c.sources_added),
                        ("Documents changed", c.sources_updated),
                        ("Documents removed", c.sources_removed)):
        if names:
            items.append(f"{what}: {_codes(names)}")
    empty = ('<p class="empty">No option, red line, risk or indicator changed, and no document '
             "was added.</p>\n" if c.empty() else "")
    return _section("changes", f"Changes since {c.since.strftime('%Y-%m-%d %H:%M UTC')}",
                    empty + _list(items, ""))


# --------------------------------------------------------------------------- the ladder figure

_W, _LEFT, _RIGHT, _PAD, _RUNG, _BAND = 760, 70, 720, 28, 80, 34


def _fit(text: str, width: float, font_px: float, lines: int) -> list[str]:
    """``text`` wrapped to ``lines`` lines of ``width`` pixels at most, the last cut with …"""
    per_line = max(8, int(width / (font_px * 0.58)))
    wrapped = textwrap.wrap(" ".join(text.split()), per_line) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][:per_line - 1].rstrip() + "…"
    return wrapped


def _text(x: float, y: float, cls: str, lines: Sequence[str], step: float) -> str:
    spans = "".join(f'<tspan x="{x}" dy="{0 if k == 0 else step}">{esc(line)}</tspan>'
                    for k, line in enumerate(lines))
    return f'<text class="{cls}" x="{x}" y="{y:.0f}">{spans}</text>'


def _figure(brief: Brief) -> str:
    options = brief.response_options
    if not options and not brief.red_lines:
        return ""
    placed = ladder(brief)
    stack: list[tuple[str, int]] = []  # bottom to top: ("rung", option) / ("band", red line)
    for i in range(len(options) + 1):
        stack += [("band", r) for r, (_, at) in enumerate(placed) if at == i]
        if i < len(options):
            stack.append(("rung", i))
    height = 2 * _PAD + sum(_RUNG if kind == "rung" else _BAND for kind, _ in stack)
    shapes = [f'<line class="rail" x1="{_LEFT}" y1="{_PAD - 10}" x2="{_LEFT}" '
              f'y2="{height - _PAD + 10}"/>',
              f'<line class="rail" x1="{_RIGHT}" y1="{_PAD - 10}" x2="{_RIGHT}" '
              f'y2="{height - _PAD + 10}"/>',
              f'<text class="axis" x="4" y="{_PAD}">stronger</text>',
              f'<text class="axis" x="4" y="{height - _PAD + 4}">milder</text>']
    bottom = height - _PAD
    width = _RIGHT - _LEFT - 60
    for kind, k in stack:
        if kind == "rung":
            o, y = options[k], bottom - 18
            label = _fit(o.label, width, 14, 2)
            shapes.append(
                f'<g class="rung" data-option="{k + 1}">'
                f'<line x1="{_LEFT}" y1="{y}" x2="{_RIGHT}" y2="{y}"/>'
                f'<circle cx="{_LEFT}" cy="{y}" r="12"/>'
                f'<text class="num" x="{_LEFT}" y="{y + 5}" text-anchor="middle">{k + 1}</text>'
                + _text(_LEFT + 24, y - 14 - 17 * (len(label) - 1) - 14, "label", label, 17)
                + _text(_LEFT + 24, y - 12, "cond", _fit("when: " + o.condition, width, 12, 1),
                        14) + "</g>")
            bottom -= _RUNG
        else:
            r = brief.red_lines[k]
            shapes.append(
                f'<g class="red-line" data-red-line="{k + 1}">'
                f'<rect x="{_LEFT}" y="{bottom - _BAND + 5}" width="{_RIGHT - _LEFT}" '
                f'height="{_BAND - 10}"/>'
                + _text(_LEFT + 12, bottom - _BAND / 2 + 4, "band", _fit(
                    f"Red line {k + 1}: {r.trigger}", _RIGHT - _LEFT - 24, 12, 1), 14) + "</g>")
            bottom -= _BAND
    return ('<figure id="ladder">\n'
            f'<svg viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" role="img" '
            'aria-labelledby="ladder-title"><title id="ladder-title">Response options as a '
            "ladder, mildest at the bottom, with the red lines between them</title>\n"
            + "\n".join(shapes) + "\n</svg>\n<figcaption>The response options, mildest at the "
            "bottom; each red line sits just below the option its consequence would unlock "
            "(above the top rung when it matches none).</figcaption>\n</figure>")
