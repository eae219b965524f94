"""Dutch text analysis for retrieval: lemmas, a light stemmer, stop words, synonyms and compounds.

``Analyzer.units(text)`` turns a question or an entry field into *units*, one per content word,
each a tuple of alternative terms that BM25 can match (``tokens`` flattens them for indexing):

1. lemmas from the project's spaCy pipeline (``bot.nlp``), lower-cased, accents removed;
2. a light stemmer for what the lemma table misses (plural ``-s``/``-en``, ``-heden``, ``-ende``,
   adjective ``-e``); the same rules run on questions and entries, so a rough stem is fine as long
   as it is consistent; ``woordvormen`` in ``knowledge/synonyms.yml`` fix what the rules get wrong;
3. a hyphenated word counts as its pieces, the joined word being an alternative of the last piece
   (``4.0-teamleider`` -> 4.0 | teamleider; ``AR-bril`` -> ar | bril, arbril);
4. stop words (spaCy's Dutch list plus ``stopwoorden``) are dropped;
5. every word or phrase of a synonym group adds the group tag ``=<group>`` (``operators`` ->
   operator, =medewerker), so synonyms meet on the tag while the exact word still counts more;
6. compounds add their parts: known parts (``woorddelen``: lasrobot -> robot) and splits into two
   words the knowledge base knows (personeelstekort -> personeel + tekort);
7. a word the knowledge base does not know is looked up as a verb form or a one-letter typo of a
   word it does know (``resolve``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from bot.knowledge.loader import DEFAULT_ROOT, is_text, read_yaml
from bot.knowledge.model import KnowledgeError

SYNONYMS_FILE = "synonyms.yml"
TAG = "="  # prefix of a synonym-group term
_SPLIT = re.compile(r"[-/@&+_]+")
_APOSTROPHE_S = re.compile(r"['’`]s?$")
_VOWELS = set("aeiouy")
_TYPO_MIN = 6  # words this long may be corrected for one typo
_NO_S_STRIP = {"proces", "succes", "congres", "kompas", "cursus", "status", "corpus", "virus", "campus"}


@dataclass(frozen=True)
class SynonymConfig:
    """The contents of ``knowledge/synonyms.yml`` (raw words; the Analyzer normalises them)."""

    groups: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    parts: Tuple[str, ...] = ()
    forms: Dict[str, str] = field(default_factory=dict)
    stopwords: Tuple[str, ...] = ()
    out_of_scope: Tuple[str, ...] = ()


def load_synonyms(root: Path = DEFAULT_ROOT) -> SynonymConfig:
    """Read and validate ``synonyms.yml`` under ``root``; a missing file gives an empty config."""
    path = Path(root) / SYNONYMS_FILE
    if not path.is_file():
        return SynonymConfig()
    label = f"{Path(root).name}/{SYNONYMS_FILE}"
    problems: List[str] = []
    data = read_yaml(path, label, problems)
    if problems:
        raise KnowledgeError(problems)
    data = data or {}
    if not isinstance(data, dict):
        raise KnowledgeError([f"{label}: het bestand moet een mapping zijn"])
    groups: Dict[str, Tuple[str, ...]] = {}
    raw_groups = data.get("groepen") or {}
    if not isinstance(raw_groups, dict):
        problems.append(f"{label}: veld 'groepen': moet een mapping groep -> lijst van woorden zijn")
        raw_groups = {}
    for name, words in raw_groups.items():
        if not isinstance(words, list) or not words or not all(is_text(w) for w in words):
            problems.append(
                f"{label}: groep '{name}', veld 'groepen': moet een gevulde lijst van woorden zijn"
            )
            continue
        groups[str(name)] = tuple(str(w) for w in words)
    parts = _words(data.get("woorddelen"), "woorddelen", label, problems)
    stopwords = _words(data.get("stopwoorden"), "stopwoorden", label, problems)
    out_of_scope = _words(data.get("buiten_bereik"), "buiten_bereik", label, problems)
    forms_raw = data.get("woordvormen") or {}
    if not isinstance(forms_raw, dict) or not all(is_text(k) and is_text(v) for k, v in forms_raw.items()):
        problems.append(f"{label}: veld 'woordvormen': moet een mapping woord -> basisvorm zijn")
        forms_raw = {}
    if problems:
        raise KnowledgeError(problems)
    forms = {str(k).lower(): str(v).lower() for k, v in forms_raw.items()}
    return SynonymConfig(
        groups=groups, parts=parts, forms=forms, stopwords=stopwords, out_of_scope=out_of_scope
    )


def _words(value, field_name: str, label: str, problems: List[str]) -> Tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(is_text(v) for v in value):
        problems.append(f"{label}: veld '{field_name}': moet een lijst van woorden zijn")
        return ()
    return tuple(str(v) for v in value)


def strip_accents(word: str) -> str:
    """``oriënteren`` -> ``orienteren``; ``waaróm`` -> ``waarom``."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def light_stem(word: str) -> str:
    """A deliberately small Dutch stemmer (plural, infinitive, participle, adjective endings).

    Runs after the lemma, on questions and entries alike, so a rough stem is fine as long as it is
    consistent: ``brillen`` -> bril, ``operators`` -> operator, ``bedrijven`` -> bedrijf,
    ``vragen`` -> vraag, ``vaardigheden`` -> vaardigheid, ``lerende`` -> leer, ``duurzame`` ->
    duurzaam. Words of 4 letters or fewer and words with digits are kept as they are.
    """
    w = word
    if len(w) <= 4 or not w.isalpha():
        return w
    if w.endswith("heden"):
        return w[:-5] + "heid"
    if w.endswith("ies"):
        return w[:-1]
    if w.endswith("s") and w not in _NO_S_STRIP and not w.endswith("ss"):
        before = w[-2]
        if before in "rlnmp" or (before == "e" and len(w) >= 6 and w[-3] not in "cs"):
            w = w[:-1]
    for suffix, min_len in (("en", 5), ("ende", 7), ("end", 6), ("e", 5)):
        if w.endswith(suffix) and len(w) >= min_len and not (suffix == "e" and w[-2] in _VOWELS):
            return _fix_end(w[: -len(suffix)])
    return w


def _fix_end(base: str) -> str:
    """Spelling after a removed ending: brill -> bril, bedrijv -> bedrijf, vrag -> vraag."""
    if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in _VOWELS:
        return base[:-1]
    if base.endswith("v"):
        base = base[:-1] + "f"
    elif base.endswith("z"):
        base = base[:-1] + "s"
    if base.endswith("ial") or base.endswith("uel") or base.endswith("iel"):
        return base[:-1] + base[-2] + base[-1]  # sociale -> sociaal, individuele -> individueel
    return _restore_vowel(base)


def _restore_vowel(base: str) -> str:
    """Open syllable before ``-en`` had a long vowel: vrag(en) -> vraag, mak(en) -> maak, ler(en) -> leer."""
    if len(base) < 3:
        return base
    c1, v, c2 = base[-3], base[-2], base[-1]
    if c1 in _VOWELS or v not in "aeou" or c2 in _VOWELS:
        return base
    if v == "e" and len(base) > 3:  # -el/-er/-em: unstressed (ontwikkel, verbeter), keep
        return base
    return base[:-1] + v + c2


def _deletes(word: str) -> Set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def _inflection_variants(stem: str, prefix: bool = True) -> List[str]:
    """Base forms to try for a verb form: stelt -> stel/steln, leerd -> leer, gewerkt -> werk."""
    variants: List[str] = []
    cores = [stem]
    if prefix and stem.startswith("ge") and len(stem) >= 6:
        cores.append(stem[2:])
    for core in cores:
        if core is not stem:
            variants.append(core)
        if core[-1] in "td" and len(core) >= 4:
            variants.extend([core[:-1], core[:-1] + "n", _fix_end(core[:-1])])
    return [v for v in dict.fromkeys(variants) if v != stem]


@lru_cache(maxsize=1)
def _spacy_stopwords() -> FrozenSet[str]:
    from bot.imports import import_without

    import_without("spacy", "tensorflow")  # thinc would import TensorFlow: bot/imports.py
    from spacy.lang.nl.stop_words import STOP_WORDS

    return frozenset(strip_accents(w) for w in STOP_WORDS)


@dataclass(frozen=True)
class Word:
    """One written word: the stems of its hyphen-separated pieces, the joined stem, stop flag."""

    pieces: Tuple[str, ...]
    joined: Optional[str] = None  # ar-bril -> "arbril"; None for a plain word
    stop: bool = False

    @property
    def stems(self) -> Tuple[str, ...]:
        return self.pieces + ((self.joined,) if self.joined else ())


class Unit(tuple):
    """The alternative terms of one word of a text; ``parts`` are those that come from splitting a
    compound (lasrobot -> robot), which count for less when a question is scored."""

    parts: FrozenSet[str]

    def __new__(cls, terms: Iterable[str], parts: Iterable[str] = ()) -> "Unit":
        unit = super().__new__(cls, tuple(terms))
        unit.parts = frozenset(parts)
        return unit

    def weight(self, term: str, part_weight: float) -> float:
        """1 for the word, its synonyms and forms; ``part_weight`` for a compound part."""
        return part_weight if term in self.parts else 1.0


class Analyzer:
    """Turns text into BM25 terms; see the module docstring for the steps."""

    def __init__(self, config: Optional[SynonymConfig] = None, vocabulary: Iterable[str] = ()):
        self.config = config or SynonymConfig()
        self._cache: Dict[str, List[Word]] = {}  # text -> words; the analysis does not change
        self._forms = {strip_accents(k): strip_accents(v) for k, v in self.config.forms.items()}
        self._form_values = set(self._forms.values())  # "jongen" stays jongen (not "jong")
        self._stop_raw = _spacy_stopwords() | {strip_accents(w.lower()) for w in self.config.stopwords}
        self._stop_stems = {light_stem(w) for w in self._stop_raw}
        self._stop_stems |= {self._forms.get(w, w) for w in self._stop_raw}
        self._single: Dict[str, Set[str]] = {}
        self._phrases: Dict[str, Set[Tuple[Tuple[str, ...], str]]] = {}
        for group, members in self.config.groups.items():
            for member in members:
                self._add_member(member, group)
        self.parts: Tuple[str, ...] = tuple(
            sorted({self._stem(strip_accents(p.lower())) for p in self.config.parts}, key=len, reverse=True)
        )
        self.out_of_scope: FrozenSet[str] = frozenset(
            self._stem(strip_accents(w.lower())) for w in self.config.out_of_scope
        )
        self.vocabulary: FrozenSet[str] = frozenset()
        self._canonical: Dict[str, str] = {}
        self.set_vocabulary(vocabulary)

    # -- building ---------------------------------------------------------------------------

    def _stem(self, piece: str) -> str:
        if piece in self._form_values:
            return piece
        return self._forms.get(piece) or light_stem(piece)

    def _add_member(self, member: str, group: str) -> None:
        words = self.words(member)
        seq = tuple(p for w in words for p in w.pieces)
        if not seq:
            return
        if len(words) == 1 and words[0].joined:
            # a hyphenated word also matches written together or apart (ar-bril, arbril, ar bril)
            self._single.setdefault(words[0].joined, set()).add(group)
        elif len(seq) == 1:
            self._single.setdefault(seq[0], set()).add(group)
        if len(seq) > 1:
            self._phrases.setdefault(seq[0], set()).add((seq, group))

    def set_vocabulary(self, vocabulary: Iterable[str]) -> None:
        """The stems the knowledge base uses (with repeats: more frequent wins a typo tie).

        Compounds are split only into known words, and an unknown word of a question is looked up
        as a known inflection or a one-letter typo of a known word (``resolve``).
        """
        counts = Counter(w for w in vocabulary if len(w) >= 4 and w.isalpha() and w not in self._stop_stems)
        for member_stem in self._single:
            if len(member_stem) >= 4 and member_stem.isalpha():
                counts[member_stem] += 1
        self.vocabulary = frozenset(counts)
        self._frequency = counts
        # verb forms on -t/-d whose base form the knowledge base also uses: werkt -> werk, stelt -> stel
        self._canonical = {
            w: v
            for w in counts
            if w[-1] in "td" and len(w) >= 5
            for v in [next((c for c in _inflection_variants(w, prefix=False) if c in counts), None)]
            if v is not None
        }
        self._deletes: Dict[str, List[str]] = {}
        for word in sorted(counts):
            if len(word) >= _TYPO_MIN - 1:
                for variant in _deletes(word):
                    self._deletes.setdefault(variant, []).append(word)

    def resolve(self, stem: str) -> str:
        """A stem the knowledge base does not know, mapped to one it knows when that is obvious.

        First a Dutch verb form the lemma table missed (stelt -> stel, gewerkt -> werk, leerde -> leer),
        then a one-letter typo (implemetatie -> implementatie) for words of 6 letters or more.
        Otherwise the stem is returned unchanged.
        """
        if stem in self._canonical:
            return self._canonical[stem]
        if not self.vocabulary or stem in self.vocabulary or len(stem) < 4 or not stem.isalpha():
            return stem
        for candidate in _inflection_variants(stem):
            if candidate in self.vocabulary:
                return candidate
        if len(stem) >= _TYPO_MIN:
            candidates = set(self._deletes.get(stem, ()))
            for variant in _deletes(stem):
                candidates.update(self._deletes.get(variant, ()))
                if variant in self.vocabulary:
                    candidates.add(variant)
            candidates = {c for c in candidates if _one_edit(stem, c)}
            if candidates:
                return max(sorted(candidates), key=lambda c: self._frequency[c])
        return stem

    # -- analysis ---------------------------------------------------------------------------

    def words(self, text: str) -> List[Word]:
        """The written words of ``text`` with their stems (stop words flagged, not removed)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        from bot import nlp

        result: List[Word] = []
        for lemma in nlp.lemmas(text):
            raw = _APOSTROPHE_S.sub("", strip_accents(lemma.lower()))
            pieces = [p for p in _SPLIT.split(raw) if p and any(c.isalnum() for c in p)]
            if not pieces:
                continue
            stems = tuple(self._stem(p) for p in pieces)
            stop_flags = [
                p in self._stop_raw or s in self._stop_stems or len(p) < 2 for p, s in zip(pieces, stems)
            ]
            joined = None
            if len(pieces) > 1 and "".join(pieces).isalnum() and len("".join(pieces)) >= 3:
                joined = self._stem("".join(pieces))
            if all(stop_flags) and joined is None:
                result.append(Word(stems, None, stop=True))
            else:
                content = tuple(s for s, stop in zip(stems, stop_flags) if not stop)
                result.append(Word(content, joined, stop=False))
        if len(self._cache) < 20000:
            self._cache[text] = result
        return result

    def content_stems(self, text: str) -> List[str]:
        """Stems of the content words of ``text`` (no stop words, tags or compound parts)."""
        return [s for w in self.words(text) if not w.stop for s in w.stems]

    def units(self, text: str) -> List["Unit"]:
        """One tuple of alternative terms per content word: its stems, synonym tags, compound parts.

        A question scores per word the best of its alternatives, so a word and its synonym count
        once, not twice (see retrieval.py).
        """
        words = self.words(text)
        phrase_tags = self._phrase_tags(words)
        units: List[Unit] = []
        for i, word in enumerate(words):
            if word.stop:
                continue
            # a hyphenated word is one unit per piece (4.0-teamleider = 4.0 and teamleider); the
            # joined form (arbril) is one more alternative of its last piece, the head
            groups = [[piece] for piece in word.pieces]
            if word.joined:
                if groups:
                    groups[-1].append(word.joined)
                else:
                    groups = [[word.joined]]
            for group in groups:
                stems = [self.resolve(st) for st in group]
                if all(st in self._stop_stems for st in stems):
                    continue
                alternatives: List[str] = []
                parts: List[str] = []
                for stem in stems:
                    alternatives.append(stem)
                    alternatives.extend(self._tags(stem))
                    for part in self.split_compound(stem):
                        parts.append(part)
                        parts.extend(self._tags(part))
                alternatives.extend(phrase_tags.get(i, ()))
                # the word as written stays an alternative: it never matches when unknown, but
                # is_out_of_scope still sees it ("ontslaan" is out of scope even if a typo rule changed it)
                alternatives.extend(group)
                primary = list(dict.fromkeys(alternatives))
                only_parts = [p for p in dict.fromkeys(parts) if p not in primary]
                units.append(Unit(primary + only_parts, only_parts))
        # a phrase made only of stop words ("tegen zijn") still adds its tag
        covered = {i for i, w in enumerate(words) if not w.stop}
        for i, tags in sorted(phrase_tags.items()):
            if i not in covered and tags:
                units.append(Unit(tags))
                covered.add(i)
        return units

    def concepts(self, text: str) -> List[Tuple[str, FrozenSet[str]]]:
        """Per content word: its (resolved) stem and its synonym tags, without compound parts."""
        words = self.words(text)
        phrase_tags = self._phrase_tags(words)
        result: List[Tuple[str, FrozenSet[str]]] = []
        for i, word in enumerate(words):
            if word.stop:
                continue
            stem = self.resolve(word.joined or (word.pieces[-1] if word.pieces else ""))
            if not stem:
                continue
            tags = {t for st in word.stems for t in self._tags(self.resolve(st))} | set(
                phrase_tags.get(i, ())
            )
            result.append((stem, frozenset(tags)))
        return result

    def is_out_of_scope(self, unit: Sequence[str]) -> bool:
        """True for a word about a subject the publications do not cover (``buiten_bereik``).

        Also an unknown compound that starts or ends with such a word (energiebelasting, levertijd).
        """
        if any(term in self.out_of_scope for term in unit):
            return True
        unknown = [t for t in unit if t.isalpha() and t not in self.vocabulary]
        return any(
            len(w) >= 4 and (t.endswith(w) or t.startswith(w)) for t in unknown for w in self.out_of_scope
        )

    def tokens(self, text: str) -> List[str]:
        """All BM25 terms of ``text`` (every alternative of every word), for indexing."""
        return [term for unit in self.units(text) for term in unit]

    def primary_tokens(self, text: str) -> List[str]:
        """The terms of ``text`` without compound parts (for checks that need the word itself)."""
        return [term for unit in self.units(text) for term in unit if term not in unit.parts]

    def _tags(self, stem: str) -> List[str]:
        return [TAG + g for g in sorted(self._single.get(stem, ()))]

    def _phrase_tags(self, words: Sequence[Word]) -> Dict[int, List[str]]:
        """Tags of multi-word synonyms, per index of every word the phrase covers."""
        seq: List[Tuple[str, int]] = [(p, i) for i, w in enumerate(words) for p in w.pieces]
        stems = [p for p, _ in seq]
        result: Dict[int, List[str]] = {}
        for k, stem in enumerate(stems):
            for phrase, group in self._phrases.get(stem, ()):
                if tuple(stems[k : k + len(phrase)]) == phrase:
                    for _, word_index in seq[k : k + len(phrase)]:
                        tags = result.setdefault(word_index, [])
                        if TAG + group not in tags:
                            tags.append(TAG + group)
        return result

    def split_compound(self, stem: str) -> List[str]:
        """Parts of a compound: known parts (woorddelen) and a split into two known words."""
        if len(stem) < 7 or not stem.isalpha():
            return []
        parts: List[str] = []
        for part in self.parts:
            if part == stem:
                continue
            if (stem.endswith(part) and len(stem) - len(part) >= 2) or (
                stem.startswith(part) and len(stem) - len(part) >= 3
            ):
                parts.append(part)
        for i in range(4, len(stem) - 2):
            left, right = stem[:i], stem[i:]
            if len(right) == 3:  # werkplek|ler: the stem lost its long vowel (leren -> leer)
                right = _restore_vowel(right)
            if right not in self.vocabulary:
                continue
            if left in self.vocabulary:
                parts.extend([left, right])
                break
            if left[-1] in "se" and len(left) > 4 and left[:-1] in self.vocabulary:
                parts.extend([left[:-1], right])
                break
        seen: Set[str] = set()
        return [p for p in parts if not (p in seen or seen.add(p))]
