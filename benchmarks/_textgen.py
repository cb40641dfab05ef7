"""Deterministic synthetic prose for the benchmarks (not a benchmark itself).

Everything here is driven by ``random.Random(seed)``: the same seed gives byte-identical output on
every machine and Python version >= 3.10, so runs are comparable.

The vocabulary is deliberately uneven, like a real news/analysis corpus: a few hundred shared
words (actors, verbs, connectives) that every document uses, eight topic vocabularies that only
some documents use, and a long tail of invented proper names (people, places, organisations) made
from syllables, which gives BM25 rare terms and the embedder out-of-vocabulary word pieces.
"""

from __future__ import annotations

import random

TOPICS: dict[str, list[str]] = {
    "energy": [
        "pipeline", "refinery", "gas storage", "power grid", "transmission line", "fuel depot",
        "wind farm", "coal imports", "electricity tariff", "nuclear plant", "oil terminal",
        "blackout", "LNG cargo", "substation", "price cap", "hydro dam",
    ],
    "maritime": [
        "patrol vessel", "container port", "shipping lane", "coast guard", "fishing fleet",
        "naval exercise", "strait", "harbour pilot", "tanker", "maritime boundary",
        "search-and-rescue zone", "dry dock", "ferry route", "sea mine", "convoy",
    ],
    "health": [
        "vaccine stock", "field hospital", "cholera outbreak", "clinic network",
        "medical supplies", "nurse shortage", "quarantine order", "ambulance fleet",
        "malaria programme", "blood bank", "surgical team", "pharmacy chain", "triage centre",
    ],
    "finance": [
        "bond auction", "currency reserve", "credit line", "inflation target", "budget deficit",
        "sovereign debt", "exchange rate", "interest rate", "bank deposit", "remittance flow",
        "tax receipts", "loan guarantee", "capital controls", "rating downgrade",
    ],
    "agriculture": [
        "grain harvest", "fertiliser price", "irrigation canal", "seed bank", "livestock herd",
        "drought relief", "crop insurance", "wheat export", "rice paddy", "locust swarm",
        "cold store", "cooperative", "cattle market", "orchard",
    ],
    "cyber": [
        "ransomware attack", "data breach", "phishing campaign", "network outage",
        "firewall rule", "botnet", "patch cycle", "intrusion report", "encryption key",
        "incident response team", "zero-day exploit", "server farm", "denial-of-service",
    ],
    "security": [
        "border crossing", "checkpoint", "ceasefire line", "artillery position", "drone strike",
        "militia", "peacekeeping mission", "arms shipment", "troop rotation", "air defence",
        "demining team", "curfew", "observer mission", "supply route",
    ],
    "diplomacy": [
        "summit", "trade agreement", "sanctions package", "embassy", "envoy", "joint statement",
        "prisoner exchange", "mediation effort", "treaty ratification", "visa regime",
        "back-channel talks", "consular office", "communique", "state visit",
    ],
}

ACTORS = [
    "the foreign ministry", "a senior defence official", "analysts in the capital",
    "the coalition", "regional observers", "the finance committee", "field commanders",
    "the relief agency", "opposition lawmakers", "the intelligence service",
    "port authorities", "diplomats", "the central bank", "local farmers",
    "a parliamentary inquiry", "energy regulators", "the provincial governor",
    "union leaders", "the interior ministry", "an independent auditor", "the press office",
    "investigators", "the prime minister", "the trade envoy", "several donors",
]
VERBS = [
    "reported", "questioned", "announced", "reviewed", "postponed", "endorsed", "criticised",
    "documented", "estimated", "proposed", "rejected", "monitored", "expanded", "delayed",
    "suspended", "approved", "audited", "doubled", "restricted", "inspected", "financed",
    "cancelled", "renegotiated", "defended", "disputed", "publicised", "underestimated",
]
ADJECTIVES = [
    "new", "revised", "disputed", "emergency", "long-delayed", "regional", "temporary",
    "joint", "expanded", "scaled-back", "confidential", "costly", "northern", "southern",
    "coastal", "upland", "provisional", "second", "unannounced", "bilateral",
]
CLAUSES = [
    "after weeks of negotiation", "despite objections from partners", "ahead of the summit",
    "following a spike in prices", "while talks continued in private", "citing budget limits",
    "in response to public pressure", "before the rainy season", "under a revised timetable",
    "as shortages spread north", "with support from neighbouring states",
    "without consulting parliament", "once the audit was complete", "amid growing protests",
    "for the third time this year", "pending a court ruling", "after the storm",
]
CLOSERS = [
    "Officials expect a decision within {n} days.",
    "The figure was roughly {n} percent higher than last year.",
    "Critics say at least {n} districts were left out.",
    "Some {n} people attended the briefing in {place}.",
    "A follow-up report is due in {n} weeks.",
    "Why it took {n} months remains unclear.",
    "Nobody disputed the count of {n} sites near {place}.",
    "{person} declined to comment on the {n} complaints.",
    "According to {org}, costs reached {n} million.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

_ONSETS = ["b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "kh", "tr", "br", "gr"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia"]
_CODAS = ["", "", "n", "r", "s", "k", "l", "m", "sk", "nd"]


def _name(rng: random.Random, syllables: int) -> str:
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(syllables))
    return word.capitalize()


class Names:
    """A fixed long tail of invented people, places and organisations."""

    def __init__(self, seed: int = 7, people: int = 300, places: int = 200, orgs: int = 80):
        rng = random.Random(seed)
        self.people = [f"{_name(rng, rng.randint(1, 2))} {_name(rng, rng.randint(2, 3))}"
                       for _ in range(people)]
        self.places = [_name(rng, rng.randint(2, 3)) for _ in range(places)]
        self.orgs = [f"the {_name(rng, 2)} {rng.choice(['Institute', 'Foundation', 'Group'])}"
                     for _ in range(orgs)]


NAMES = Names()


def sentence(rng: random.Random, topic: str) -> str:
    """One sentence; ~80% of its subject matter comes from ``topic``, the rest from anywhere."""
    vocab = TOPICS[topic] if rng.random() < 0.8 else TOPICS[rng.choice(list(TOPICS))]
    thing = f"the {rng.choice(ADJECTIVES)} {rng.choice(vocab)}"
    kind = rng.random()
    if kind < 0.45:
        s = f"{rng.choice(ACTORS).capitalize()} {rng.choice(VERBS)} {thing} {rng.choice(CLAUSES)}"
        if rng.random() < 0.4:
            s += f", and {rng.choice(ACTORS)} {rng.choice(VERBS)} the {rng.choice(vocab)}"
        return s + "."
    if kind < 0.65:
        return (f"In {rng.choice(NAMES.places)}, {rng.choice(NAMES.people)} said {thing} was "
                f"{rng.choice(VERBS)} {rng.choice(CLAUSES)}.")
    if kind < 0.8:
        return rng.choice(CLOSERS).format(n=rng.randint(2, 9000), place=rng.choice(NAMES.places),
                                          person=rng.choice(NAMES.people),
                                          org=rng.choice(NAMES.orgs))
    if kind < 0.9:
        return (f"On {rng.randint(1, 28)} {rng.choice(MONTHS)}, {rng.choice(NAMES.orgs)} "
                f"{rng.choice(VERBS)} {thing} near {rng.choice(NAMES.places)}.")
    return (f"Whether {thing} will be {rng.choice(VERBS)} {rng.choice(CLAUSES)} depends on "
            f"{rng.choice(ACTORS)}.")


def paragraph(rng: random.Random, topic: str, lo: int = 3, hi: int = 7) -> str:
    return " ".join(sentence(rng, topic) for _ in range(rng.randint(lo, hi)))


def document(seed: int, paragraphs: tuple[int, int] = (8, 14),
             markdown: bool = False) -> tuple[str, str, str]:
    """(topic, title, full text) of one document: a headline, a dateline, paragraphs, and for
    Markdown ``##`` section headings every few paragraphs."""
    rng = random.Random(seed)
    topic = rng.choice(list(TOPICS))
    title = (f"{rng.choice(NAMES.places)}: {rng.choice(ACTORS)} {rng.choice(VERBS)} the "
             f"{rng.choice(TOPICS[topic])}").capitalize()
    when = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2025)}"
    blocks = [f"# {title}" if markdown else title, when]
    for p in range(rng.randint(*paragraphs)):
        if markdown and p % 4 == 0:
            blocks.append(f"## {rng.choice(TOPICS[topic]).capitalize()} and "
                          f"{rng.choice(NAMES.places)}")
        blocks.append(paragraph(rng, topic))
    return topic, title, "\n\n".join(blocks) + "\n"


def queries(seed: int, n: int) -> list[str]:
    """Varied search queries: keyword phrases, questions, names, and a few with rare terms."""
    rng = random.Random(seed)
    out: list[str] = []
    forms = [
        lambda: f"{rng.choice(TOPICS[rng.choice(list(TOPICS))])}",
        lambda: f"why was the {rng.choice(TOPICS[rng.choice(list(TOPICS))])} "
                f"{rng.choice(VERBS)}",
        lambda: f"{rng.choice(NAMES.people)} {rng.choice(TOPICS[rng.choice(list(TOPICS))])}",
        lambda: f"{rng.choice(ADJECTIVES)} {rng.choice(TOPICS[rng.choice(list(TOPICS))])} "
                f"{rng.choice(CLAUSES)}",
        lambda: f"what happened in {rng.choice(NAMES.places)} {rng.choice(CLAUSES)}",
        lambda: f"risks to the {rng.choice(TOPICS[rng.choice(list(TOPICS))])} and the "
                f"{rng.choice(TOPICS[rng.choice(list(TOPICS))])}",
        lambda: f"{rng.choice(NAMES.orgs)} estimate of costs",
        lambda: "quarterly outlook for xylophonic procurement",  # no BM25 term matches
    ]
    while len(out) < n:
        q = rng.choice(forms)()
        if q not in out:
            out.append(q)
    return out
