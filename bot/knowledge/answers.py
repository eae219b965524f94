"""The wording of answers: the entry text (at most three sentences), the ``Bron:`` line, the refusal."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, List, Optional, Sequence

from bot.knowledge.model import Entry, Publication

if TYPE_CHECKING:  # pragma: no cover
    from bot.knowledge.analysis import Analyzer

MAX_SENTENCES = 3
REFUSAL = "Dat staat niet in de publicaties die ik ken."
SUGGESTION = (
    "Ik kan je wel helpen met vragen over het invoeren van nieuwe techniek met je mensen erbij: "
    "uitleggen en betrekken, meerwaarde voor medewerkers, jong talent, leren op de werkvloer, "
    'duurzame loopbanen en sociale innovatie. Vraag bijvoorbeeld: "geef alle kernconclusies".'
)

_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9])")
_ABBREVIATIONS = {
    "dr",
    "prof",
    "nr",
    "m",
    "sc",
    "bijv",
    "ca",
    "etc",
    "dhr",
    "mevr",
    "al",
    "vs",
    "jr",
    "ir",
    "ing",
}


def split_sentences(text: str) -> List[str]:
    """Split Dutch text into sentences, keeping abbreviations (dr., e.a.) and initials (M.V.) intact."""
    sentences: List[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.start()].rstrip('"”’)')
        last_word = head.split()[-1] if head.split() else ""
        bare = last_word.rstrip(".").lower().lstrip('("“')
        if all(part in _ABBREVIATIONS or len(part) == 1 for part in bare.split(".")):
            continue  # dr., prof.dr., e.a., initials such as M.V.
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def trim_text(text: str, query_stems: Sequence[str] = (), analyzer: Optional["Analyzer"] = None) -> str:
    """At most ``MAX_SENTENCES`` sentences: the first one plus those sharing most words with the question."""
    sentences = split_sentences(text)
    if len(sentences) <= MAX_SENTENCES:
        return " ".join(sentences)
    wanted = set(query_stems)

    def overlap(sentence: str) -> int:
        if analyzer is None or not wanted:
            return 0
        return len(wanted & set(analyzer.content_stems(sentence)))

    rest = sorted(range(1, len(sentences)), key=lambda i: (-overlap(sentences[i]), i))[: MAX_SENTENCES - 1]
    return " ".join(sentences[i] for i in sorted([0, *rest]))


def citation_line(entry: Entry, publication: Publication) -> str:
    """``Bron: <short citation> — <section>, <speaker>``; always the entry's own publication."""
    if entry.publication != publication.id:
        raise ValueError(f"entry {entry.id} hoort bij {entry.publication}, niet bij {publication.id}")
    where = entry.section
    if entry.speaker:
        where = f"{entry.section}; {entry.speaker}"
    return f"Bron: {publication.citation} — {where}"


def format_answer(
    entry: Entry,
    publication: Publication,
    query_stems: Sequence[str] = (),
    analyzer: Optional["Analyzer"] = None,
) -> str:
    """The answer text: the (trimmed) entry text, then the ``Bron:`` line."""
    return f"{trim_text(entry.text, query_stems, analyzer)}\n{citation_line(entry, publication)}"


def refusal_text() -> str:
    """The honest refusal, with what the bot can help with; never a ``Bron:`` line."""
    return f"{REFUSAL} {SUGGESTION}"
