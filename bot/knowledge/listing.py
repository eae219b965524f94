"""Listings for consultants: "wat zegt het rapport over sociale innovatie?", "geef alle kernconclusies".

``list_entries(query)`` returns a short overview (at most ``MAX_LINES`` entries, one line each, grouped
per publication with a ``Bron:`` line per publication), or None when the query does not ask for a
listing of a topic or a publication, so the caller can treat it as a normal question.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from bot.knowledge.analysis import strip_accents
from bot.knowledge.answers import split_sentences
from bot.knowledge.model import Entry

if TYPE_CHECKING:  # pragma: no cover
    from bot.knowledge.retrieval import Retriever

MAX_LINES = 8
LINE_CHARS = 110

_DOCUMENT = (
    r"(?:rapport|publicatie|publicaties|artikel|artikelen|onderzoek|quick-?scan|kennisbank|literatuur|bronnen)"
)
#: "wat zegt het rapport over X", "wat staat er in de publicatie over X", "wat staat er in de X-publicatie"
_ABOUT = re.compile(
    rf"\bwat\s+(?:zegt|zeggen|staat|staan|schrijft|schrijven|vertelt|vertellen|weet|weten)\b.*?\b{_DOCUMENT}\b"
    r".*?\bover\s+(?P<topic>.+)$"
    rf"|\bwat\s+(?:staat|staan)\s+er\s+(?:in\s+)?(?:de|het|die|dat)\s+{_DOCUMENT}\b"
    r"(?:\s+over)?\s+(?P<topic2>.+)$"
    rf"|\bwat\s+(?:staat|staan)\s+er\s+in\s+(?:de|het)\s+(?P<topic3>.+?)[\s-]+{_DOCUMENT}\b"
)
#: an explicit request for a list: "geef alle kernconclusies", "een overzicht van ...", "op een rij"
_LIST = re.compile(
    r"^(?:(?:kun|kan|wil)\s+(?:je|jij|u)\s+|kunt\s+u\s+|graag\s+)?(?:(?:me|mij)\s+)?"
    r"(?:geef|noem|toon|laat\s+\w+\s+zien|som\s+\w+\s+op)\b"
    r"|\b(?:overzicht|lijst|lijstje|opsomming|op\s+een\s+rij)\b"
)
_FILLER = re.compile(
    r"\b(?:kun|kan|kunt|wil|je|jij|u|geef|noem|toon|laat|som|zien|zetten|mij|me|eens|even|een|de|het|alle|"
    r"allemaal|lijst|lijstje|overzicht|opsomming|van|op|rij|over|wat|zegt|zeggen|staat|staan|er|in|graag|"
    rf"alsjeblieft|punten|entries|onderwerpen|{_DOCUMENT})\b"
)


def list_entries(
    query: str, retriever: Optional["Retriever"] = None, max_lines: int = MAX_LINES
) -> Optional[str]:
    """A short listing for a topic or publication query, or None when the query is not one."""
    if retriever is None:
        from bot.knowledge.retrieval import default_retriever

        retriever = default_retriever()
    text = strip_accents(query.lower()).strip(" ?!.")
    about = _ABOUT.search(text)
    if about:
        phrase = about.group("topic") or about.group("topic2") or about.group("topic3") or ""
    elif _LIST.search(text):
        phrase = _FILLER.sub(" ", text)
    else:
        return None
    phrase = phrase.strip(" ?!.,")
    if not phrase:
        return None
    matcher = _Matcher(retriever)
    ids = [pid for pid in retriever.kb.publications if pid in text]
    entries, label = matcher.select(
        phrase, strict=bool(about) and not _LIST.search(text), publication_ids=ids
    )
    if not entries:
        return None
    return _format(retriever, entries, label, max_lines, phrase)


class _Matcher:
    """Matches a phrase to topic words of the entries and to publications (title words or id)."""

    def __init__(self, retriever: "Retriever"):
        self.retriever = retriever
        self.analyzer = retriever.analyzer
        topics: Set[str] = {t for e in retriever.kb.entries for t in e.topics}
        self.topic_concepts = {t: self.analyzer.concepts(t.replace("-", " ")) for t in sorted(topics)}
        titles = {
            p.id: {stem for stem, _ in self.analyzer.concepts(f"{p.title} {p.id.replace('-', ' ')}")}
            for p in retriever.kb.publications.values()
        }
        #: title/id words that only one publication has (duurzaam, loopbaan; werkplekleren; fraunhofer ...)
        self.publication_words: Dict[str, Set[str]] = {
            pid: {w for w in words if not any(w in other for o, other in titles.items() if o != pid)}
            for pid, words in titles.items()
        }

    def _topic_matches(self, concepts) -> Dict[str, Tuple[bool, FrozenSet[int]]]:
        """Topic -> (strong, query words used): every word of the topic must be in the phrase, as the
        same word (strong) or as a synonym (weak)."""
        result = {}
        for topic, topic_concepts in self.topic_concepts.items():
            if not topic_concepts:
                continue
            used, strong = set(), True
            for stem, tags in topic_concepts:
                same = [i for i, (s, _) in enumerate(concepts) if s == stem]
                similar = [i for i, (_, t) in enumerate(concepts) if t & tags]
                if not same and not similar:
                    break
                strong = strong and bool(same)
                used.update(same or similar)
            else:
                result[topic] = (strong, frozenset(used))
        return result

    def select(
        self, phrase: str, strict: bool, publication_ids: Sequence[str] = ()
    ) -> Tuple[List[Entry], str]:
        """The entries a listing phrase asks for (best first) and a label for the heading."""
        concepts = [] if publication_ids else self.analyzer.concepts(phrase)
        if not concepts and not publication_ids:
            return [], ""
        used: Set[int] = set()
        publications = list(publication_ids)
        for pid, words in self.publication_words.items():
            hits = [i for i, (stem, _) in enumerate(concepts) if stem in words]
            if len(hits) >= 2 or (len(hits) == 1 and len(concepts) == 1):
                publications.append(pid)
                used.update(hits)
        matches = self._topic_matches(concepts)
        if any(strong for strong, _ in matches.values()):
            matches = {t: m for t, m in matches.items() if m[0]}
        # topics per query word group: AND across groups ("voorbeelden van cobots"), OR within one
        groups: Dict[FrozenSet[int], List[str]] = {}
        for topic, (_, words) in matches.items():
            if publications and words <= used:
                continue  # the words were the publication's title ("duurzame loopbanen")
            groups.setdefault(words, []).append(topic)
            used.update(words)
        if strict and len(concepts) - len(used) > 0:
            return [], ""  # a specific question ("... over sociale innovatie bij DSM") is not a listing
        if not publications and not groups:
            return [], ""
        kb = self.retriever.kb
        candidates = [
            e
            for e in kb.entries
            if (not publications or e.publication in publications)
            and all(set(e.topics) & set(topics) for topics in groups.values())
        ]
        if not candidates:
            return [], ""
        topic_label = " en ".join(" / ".join(t.replace("-", " ") for t in ts) for ts in groups.values())
        pub_label = " en ".join(f"'{kb.publication(p).title}'" for p in publications)
        label = " over ".join(x for x in (pub_label, topic_label) if x)
        return self._rank(candidates, phrase), label

    def _rank(self, entries: Sequence[Entry], phrase: str) -> List[Entry]:
        index = {e.id: i for i, e in enumerate(self.retriever.kb.entries)}
        scores = self.retriever.combine(self.retriever.field_scores(self.retriever.query_units(phrase)))
        return sorted(entries, key=lambda e: (-float(scores[index[e.id]]), index[e.id]))


def _summary(entry: Entry) -> str:
    first = split_sentences(entry.text)[0] if entry.text else entry.section
    if len(first) > LINE_CHARS:
        first = first[:LINE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return first


def _format(retriever: "Retriever", entries: List[Entry], label: str, max_lines: int, phrase: str) -> str:
    kb = retriever.kb
    shown = entries[:max_lines]
    order = {e.id: i for i, e in enumerate(kb.entries)}
    where = label if label.startswith("'") else f"de publicaties over {label}"
    lines = [f"Dit staat er in {where} ({len(shown)} van {len(entries)} punten):"]
    for pid, publication in kb.publications.items():
        group = sorted((e for e in shown if e.publication == pid), key=lambda e: order[e.id])
        if not group:
            continue
        lines.extend(f"- {_summary(e)}" for e in group)
        lines.append(f"Bron: {publication.citation}")
    if len(entries) > len(shown):
        lines.append("Vraag gerust door over een van deze punten, of stel een preciezere vraag.")
    return "\n".join(lines)
