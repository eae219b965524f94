"""The data of the knowledge base: publications, entries and the base that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from bot import CONCLUSION_IDS  # noqa: F401 (re-exported)

#: The kinds an entry may have (knowledge/README.md).
ENTRY_KINDS: Tuple[str, ...] = (
    "definitie",
    "bevinding",
    "cijfer",
    "handvat",
    "voorbeeld",
    "kernconclusie",
    "persoon",
    "achtergrond",
)

#: Every entry id starts with the prefix of its publication (knowledge/README.md).
ID_PREFIXES: Dict[str, str] = {
    "ssas-2025-techniek": "ssas25-",
    "ti-2018-sociale-innovatie": "ti18-",
    "ssas-2024-duurzame-loopbanen": "ssas24-",
    "werkplekleren-middenmoot": "wpl-",
    "fraunhofer-ut-leven-lang-leren": "fh-",
}


class KnowledgeError(ValueError):
    """The knowledge base files are invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: List[str]):
        self.problems = list(problems)
        super().__init__("Kennisbank ongeldig:\n" + "\n".join(self.problems))


@dataclass(frozen=True)
class Publication:
    """One of the five publications the bot may cite."""

    id: str
    title: str
    citation: str
    authors: Tuple[str, ...] = ()
    date: str | None = None
    kind: str = ""
    file: str = ""


@dataclass(frozen=True)
class Entry:
    """One curated piece of knowledge from one publication."""

    id: str
    publication: str
    section: str
    kind: str
    text: str
    questions: Tuple[str, ...]
    topics: Tuple[str, ...] = ()
    conclusions: Tuple[str, ...] = ()
    speaker: str | None = None
    source_file: str = ""


@dataclass(frozen=True)
class TrainingQuestion:
    """A question as users ask it, from ``knowledge/training/``: labelled with the publication that
    answers it, or ``publication`` None for a question the publications do not answer (``kind`` says
    why). Training data of the publication and answerability classifiers; never shown to users."""

    q: str
    publication: Optional[str] = None
    kind: str = ""
    source_file: str = ""

    @property
    def answerable(self) -> bool:
        return self.publication is not None


@dataclass
class KnowledgeBase:
    """The publications (by id, in file order), all entries (in file order) and the training
    questions of ``knowledge/training/``."""

    publications: Dict[str, Publication]
    entries: List[Entry]
    training: List[TrainingQuestion] = field(default_factory=list)
    _by_id: Dict[str, Entry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError when unknown)."""
        return self._by_id[entry_id]

    def publication(self, publication_id: str) -> Publication:
        """The publication with this id (KeyError when unknown)."""
        return self.publications[publication_id]

    def entries_of(self, publication_id: str) -> List[Entry]:
        """The entries of one publication, in file order."""
        return [e for e in self.entries if e.publication == publication_id]

    def __len__(self) -> int:
        return len(self.entries)
