"""Terms: the words of the rule language, and how they match tokens.

A *term* is one word or a few words in a row, e.g. ``betrokken``, ``betrok*``, ``*medewerker*``,
``nog niet``, ``boven de #getal``. Each word of a term (an *atom*) matches a token when it equals
the token's lemma or its text (lower case, accents removed), with these forms:

* ``woord``     exactly this word;
* ``woord*``    a word that starts with ``woord`` (``betrok*``: betrokken, betrokkenheid);
* ``*woord``    a word that ends with ``woord``;
* ``*woord*``   a word that contains ``woord`` (``*medewerker*``: productiemedewerkers);
* ``#getal``    a number (``3``, ``55``, ``twee``);
* ``#getal>=45``  a number written in digits that is at least 45.

Matching both lemma and text keeps the rules working on the fallback pipeline (a lookup table that
leaves many verb forms alone) and on ``nl_core_news_sm`` (which lemmatizes them). Signal words
(negation, tense, hedging) are matched on the text only: they are about the surface form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

NUMBER_ATOM = "#getal"
_THRESHOLD_RE = re.compile(r"^#getal>=(\d+)$")
_ATOM_RE = re.compile(r"^\*?[a-z0-9][a-z0-9'.\-+&/]*\*?$")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes made plain ("Geïnformeerd" -> "geinformeerd")."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def term_error(term: object) -> Optional[str]:
    """Why ``term`` is not a valid term, or None when it is."""
    if not isinstance(term, str) or not term.strip():
        return "een term moet een niet-lege tekst zijn"
    for atom in normalize(term).split():
        if atom == NUMBER_ATOM or _THRESHOLD_RE.match(atom):
            continue
        core = atom.strip("*")
        if not core or "*" in core or not _ATOM_RE.match(atom):
            return (
                f"'{term}': ongeldig woord '{atom}' (gebruik letters/cijfers, eventueel met * aan het "
                f"begin en/of eind, of {NUMBER_ATOM})"
            )
    return None


class Token(NamedTuple):
    """A token as the engine sees it: normalized text and lemma, and whether it is a number."""

    text: str
    lemma: str
    number: bool = False


class TermIndex:
    """Registers terms and finds where they occur in a token sequence.

    ``surface_only=True`` matches the token text only (for signal words).
    """

    def __init__(self, surface_only: bool = False) -> None:
        self.surface_only = surface_only
        self._atom_ids: Dict[str, int] = {}
        self._exact: Dict[str, List[int]] = {}
        self._prefix: Dict[str, List[int]] = {}
        self._suffix: Dict[str, List[int]] = {}
        self._infix: List[Tuple[str, int]] = []
        self._number_atom: Optional[int] = None
        self._thresholds: List[Tuple[int, int]] = []  # (minimum, atom id)
        self._term_ids: Dict[str, int] = {}
        self.terms: List[Tuple[int, ...]] = []  # term id -> atom ids
        self.term_text: List[str] = []
        self._single: Dict[int, List[int]] = {}  # atom id -> one-word terms
        self._multi: Dict[int, Dict[int, List[int]]] = {}  # first atom -> second atom -> longer terms
        self._token_cache: Dict[Token, FrozenSet[int]] = {}
        self._start_cache: Dict[Token, Tuple[Tuple[int, ...], Tuple[int, ...]]] = {}

    def _atom(self, atom: str) -> int:
        if atom in self._atom_ids:
            return self._atom_ids[atom]
        aid = len(self._atom_ids)
        self._atom_ids[atom] = aid
        threshold = _THRESHOLD_RE.match(atom)
        if atom == NUMBER_ATOM:
            self._number_atom = aid
        elif threshold:
            self._thresholds.append((int(threshold.group(1)), aid))
        elif atom.startswith("*") and atom.endswith("*"):
            self._infix.append((atom[1:-1], aid))
        elif atom.endswith("*"):
            self._prefix.setdefault(atom[:-1], []).append(aid)
        elif atom.startswith("*"):
            self._suffix.setdefault(atom[1:], []).append(aid)
        else:
            self._exact.setdefault(atom, []).append(aid)
        self._token_cache.clear()
        return aid

    def add(self, term: str) -> int:
        """Register ``term`` (validated beforehand with ``term_error``) and return its id."""
        key = " ".join(normalize(term).split())
        if key in self._term_ids:
            return self._term_ids[key]
        atoms = tuple(self._atom(a) for a in key.split())
        tid = len(self.terms)
        self._term_ids[key] = tid
        self.terms.append(atoms)
        self.term_text.append(key)
        if len(atoms) == 1:
            self._single.setdefault(atoms[0], []).append(tid)
        else:
            self._multi.setdefault(atoms[0], {}).setdefault(atoms[1], []).append(tid)
        self._start_cache.clear()
        return tid

    def add_all(self, terms: Iterable[str]) -> FrozenSet[int]:
        """Register several terms; the set of their ids."""
        return frozenset(self.add(t) for t in terms)

    def _match_string(self, s: str, out: set) -> None:
        out.update(self._exact.get(s, ()))
        if self._prefix:
            for k in range(1, len(s) + 1):
                hit = self._prefix.get(s[:k])
                if hit:
                    out.update(hit)
        if self._suffix:
            for k in range(len(s)):
                hit = self._suffix.get(s[k:])
                if hit:
                    out.update(hit)
        for needle, aid in self._infix:
            if needle in s:
                out.add(aid)

    def atoms_of(self, token: Token) -> FrozenSet[int]:
        """The atom ids that ``token`` matches (cached per distinct token)."""
        hit = self._token_cache.get(token)
        if hit is not None:
            return hit
        found: set = set()
        self._match_string(token.text, found)
        if not self.surface_only and token.lemma != token.text:
            self._match_string(token.lemma, found)
        if token.number and self._number_atom is not None:
            found.add(self._number_atom)
        if self._thresholds and token.text.isdigit():
            value = int(token.text)
            found.update(aid for minimum, aid in self._thresholds if value >= minimum)
        result = frozenset(found)
        if len(self._token_cache) > 50_000:
            self._token_cache.clear()
        self._token_cache[token] = result
        return result

    def _starts(self, token: Token) -> Tuple[Tuple[int, ...], Tuple[Dict[int, List[int]], ...]]:
        """The one-word terms ``token`` matches and the longer terms it may start (cached)."""
        hit = self._start_cache.get(token)
        if hit is None:
            atoms = self.atoms_of(token)
            single = tuple(tid for aid in atoms for tid in self._single.get(aid, ()))
            multi = tuple(self._multi[aid] for aid in atoms if aid in self._multi)
            hit = (single, multi)
            if len(self._start_cache) > 50_000:
                self._start_cache.clear()
            self._start_cache[token] = hit
        return hit

    def find(self, tokens: Sequence[Token], breaks: Sequence[int] = ()) -> Dict[int, List[Tuple[int, int]]]:
        """Where each term occurs: ``{term id: [(start, end), ...]}`` (end exclusive, in order).

        ``breaks`` are token positions where a new sentence starts; a term never spans one.
        """
        starts = set(breaks)
        found: Dict[int, List[Tuple[int, int]]] = {}
        n = len(tokens)
        atoms: List[FrozenSet[int]] = []
        for i, token in enumerate(tokens):
            single, multi = self._starts(token)
            for tid in single:
                found.setdefault(tid, []).append((i, i + 1))
            if multi and i + 1 < n and i + 1 not in starts:
                if not atoms:
                    atoms = [self.atoms_of(t) for t in tokens]
                following = atoms[i + 1]
                for by_second in multi:
                    for aid in following:
                        for tid in by_second.get(aid, ()):
                            seq = self.terms[tid]
                            end = i + len(seq)
                            if end > n:
                                continue
                            for k in range(2, len(seq)):
                                if i + k in starts or seq[k] not in atoms[i + k]:
                                    break
                            else:
                                found.setdefault(tid, []).append((i, end))
        return found
