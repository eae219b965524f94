"""Rank the knowledge-base entries for a free question; answer it with a citation, or refuse.

Every entry is indexed in four BM25 indexes (``bot/knowledge/index.py``, library ``bm25s``):

* ``text``      — the entry text;
* ``questions`` — every example question as its own small document (an entry counts its best one,
  so a paraphrase of one question is not diluted by the others);
* ``meta``      — section heading, speaker and topics;
* ``all``       — everything of the entry in one document.

The normalised field scores (0..1) are mixed with fixed weights (``RankingConfig.weights``; why these:
docs/knowledge.md). The *publication* is chosen by mixing, per publication, its best entry's score
(relative to the best overall) with a text classifier's probability for it
(``bot/knowledge/classifier.py``; ``RankingConfig.publication_weight``); the best entry of that
publication comes first. ``answer`` then decides between answering and refusing with a rule on four
figures of the best entry (``RankingConfig.accepts``): its score, its *coverage* (the idf-weighted
share of the question's words it contains), the question's *information* (summed idf of its known
words: a vague question has little) and *in scope* (a question about prices, law, ... — the
``buiten_bereik`` words of knowledge/synonyms.yml — needs an entry that has that word). The rule's
thresholds are calibrated by ``scripts/eval_knowledge.py --calibrate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from bot.knowledge.analysis import Analyzer, Unit, load_synonyms
from bot.knowledge.answers import format_answer, refusal_text
from bot.knowledge.classifier import AnswerabilityClassifier, PublicationClassifier
from bot.knowledge.index import FieldIndex, term_weight
from bot.knowledge.loader import DEFAULT_ROOT, load_knowledge_base, source_files
from bot.knowledge.model import Entry, KnowledgeBase

FIELDS: Tuple[str, ...] = ("text", "questions", "meta", "all")


@dataclass(frozen=True)
class RankingConfig:
    """Field weights, BM25 and matching parameters, and the refusal rule (see docs/knowledge.md)."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {"text": 1.0, "questions": 1.0, "meta": 0.5, "all": 1.0}
    )
    k1: float = 1.2
    b: float = 0.75
    #: a compound part (lasrobot -> robot) counts for this share of a match on the word itself
    part_weight: float = 0.5
    #: a synonym (operators -> =medewerker) counts for this share of a match on the word itself
    tag_weight: float = 0.75
    #: weight of the publication classifier's probability against the relative BM25 score when the
    #: publication is chosen (0: BM25 alone, the best entry wins)
    publication_weight: float = 0.5
    # The refusal rule, chosen by `scripts/eval_knowledge.py --calibrate` (docs/knowledge.md).
    min_score: float = 0.15
    min_coverage: float = 0.95
    sure_score: float = 0.20
    max_unknown: float = 1.0
    min_information: float = 3.0
    #: the answerability classifier's probability below which the bot does not answer ...
    min_answerable: float = 0.20
    #: ... unless the entry scores at least ``strong_score`` with a coverage of at least
    #: ``strong_coverage`` (a strong match on the question's own words: names such as "Amfors", or a
    #: precise question, tell the classifier little)
    strong_score: float = 0.25
    strong_coverage: float = 1.0
    #: ... and above which a weaker BM25 match (``floor_score``) is enough
    sure_answerable: float = 0.66
    floor_score: float = 0.08
    #: ... or, for a long question whose normalised score is diluted by the owner's own situation, the
    #: idf mass of the question's known words that the entry holds (coverage x information) of at least this
    floor_matched: float = 8.0

    def accepts(
        self,
        score: float,
        coverage: float,
        unknown: float = 0.0,
        in_scope: bool = True,
        information: float = math.inf,
        answerable: float = 1.0,
    ) -> bool:
        """True when an entry with these figures may be given as the answer, False to refuse.

        In scope, a specific enough question, not judged unanswerable by the classifier
        (``min_answerable``; a strong match overrules it), and either a lexical match (a score of at
        least ``min_score`` with a coverage of at least ``min_coverage`` or a score of at least
        ``sure_score``) or a question the classifier is sure of (``sure_answerable``) with a score of
        at least ``floor_score`` or a matched idf mass of at least ``floor_matched``.
        """
        if not (in_scope and information >= self.min_information and unknown <= self.max_unknown):
            return False
        strong = score >= self.strong_score and coverage >= self.strong_coverage
        if answerable < self.min_answerable and not strong:
            return False
        lexical = score >= self.min_score and (coverage >= self.min_coverage or score >= self.sure_score)
        matched = coverage * information if math.isfinite(information) else 0.0
        enough = score >= self.floor_score or matched >= self.floor_matched
        return lexical or (answerable >= self.sure_answerable and enough)


DEFAULT_CONFIG = RankingConfig()


@dataclass(frozen=True)
class Hit:
    """One ranked entry with the figures the refusal rule looks at."""

    entry: Entry
    #: weighted mean of the normalised field scores, 0..1
    score: float
    field_scores: Mapping[str, float]
    #: idf-weighted share of the question's words that occur in the entry (any field)
    coverage: float = 0.0
    #: idf-weighted share of the question in words the knowledge base does not know at all
    unknown: float = 0.0
    #: how specific the question is: the summed idf of its known words
    information: float = 0.0
    #: False when the question asks about a subject outside the publications (``buiten_bereik``)
    #: and this entry does not mention it
    in_scope: bool = True
    #: the publication classifier's probability for this entry's publication
    publication_probability: float = 0.0
    #: the answerability classifier's probability that the publications answer the question
    answerable: float = 1.0


@dataclass(frozen=True)
class Answer:
    """The reply to a free question. ``found`` False is an honest refusal, without ``Bron:`` line."""

    found: bool
    text: str
    entry_ids: Tuple[str, ...] = ()
    publication_ids: Tuple[str, ...] = ()
    score: float = 0.0


class Retriever:
    """Index a knowledge base once; ``search`` ranks entries, ``answer`` replies with a citation."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Optional[Analyzer] = None,
        config: RankingConfig = DEFAULT_CONFIG,
    ):
        self.kb = kb
        self.config = config
        self.analyzer = analyzer or Analyzer(load_synonyms())
        entries = kb.entries
        n = len(entries)
        vocabulary: List[str] = []
        for entry in entries:
            for text in (entry.text, entry.section, entry.speaker or "", *entry.questions, *entry.topics):
                vocabulary.extend(self.analyzer.content_stems(text))
        self.analyzer.set_vocabulary(vocabulary)

        tok = self.analyzer.tokens
        text_docs = [tok(e.text) for e in entries]
        meta_docs = [
            tok(" . ".join([e.section, e.speaker or "", *(t.replace("-", " ") for t in e.topics)]))
            for e in entries
        ]
        q_docs: List[List[str]] = []
        self._q_owners: List[int] = []
        #: (entry index, question) per document of the questions index, for leave-one-out runs
        self.question_docs: List[Tuple[int, str]] = []
        for i, entry in enumerate(entries):
            for question in entry.questions:
                q_docs.append(tok(question))
                self._q_owners.append(i)
                self.question_docs.append((i, question))
        self._questions_of: List[List[int]] = [[] for _ in range(n)]
        for doc_index, owner in enumerate(self._q_owners):
            self._questions_of[owner].append(doc_index)
        self._docs = {"text": text_docs, "meta": meta_docs, "questions": q_docs}
        self._all_docs = [self._all_doc(i) for i in range(n)]
        self.indexes: Dict[str, FieldIndex] = {
            "text": self._index(text_docs, range(n)),
            "questions": self._index(q_docs, self._q_owners),
            "meta": self._index(meta_docs, range(n)),
            "all": self._index(self._all_docs, range(n)),
        }

        # For coverage: the terms of each entry (all fields) and their idf over the entries.
        self._base_terms = [frozenset(text_docs[i]) | frozenset(meta_docs[i]) for i in range(n)]
        self._question_terms = [frozenset(d) for d in q_docs]
        self._entry_terms = [self._base_terms[i].union(*self._q_terms(i)) for i in range(n)]
        self._entry_df: Dict[str, int] = {}
        for terms in self._entry_terms:
            for term in terms:
                self._entry_df[term] = self._entry_df.get(term, 0) + 1
        self._entry_idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in self._entry_df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        # For the scope check: what the entry itself says (text, section, topics), without compound
        # parts: an example question "kosten robots banen?" or "verdienvermogen" does not make an
        # entry an answer to "wat kost een robot?" or "wat verdient een operator?".
        self._primary_terms = [
            frozenset(t for x in (e.text, e.section, *e.topics) for t in self.analyzer.primary_tokens(x))
            for e in entries
        ]
        self.classifier = PublicationClassifier(kb, self.analyzer) if config.publication_weight > 0 else None
        self.answerability = AnswerabilityClassifier(kb, self.analyzer)

    # -- building blocks ------------------------------------------------------------------------

    def _index(self, docs: Sequence[List[str]], owners: Sequence[int]) -> FieldIndex:
        c = self.config
        return FieldIndex(docs, owners, len(self.kb.entries), c.k1, c.b, c.part_weight, c.tag_weight)

    def _q_terms(self, entry_index: int, exclude_question_doc: Optional[int] = None) -> List[FrozenSet[str]]:
        return [self._question_terms[d] for d in self._questions_of[entry_index] if d != exclude_question_doc]

    def _all_doc(self, entry_index: int, exclude_question_doc: Optional[int] = None) -> List[str]:
        """Every token of one entry (the document of the ``all`` index)."""
        doc = list(self._docs["text"][entry_index]) + list(self._docs["meta"][entry_index])
        for d in self._questions_of[entry_index]:
            if d != exclude_question_doc:
                doc.extend(self._docs["questions"][d])
        return doc

    def _terms_of(self, entry_index: int, exclude_question_doc: Optional[int] = None) -> FrozenSet[str]:
        if exclude_question_doc is None:
            return self._entry_terms[entry_index]
        return self._base_terms[entry_index].union(*self._q_terms(entry_index, exclude_question_doc))

    # -- scoring ----------------------------------------------------------------------------------

    def query_units(self, question: str) -> List[Unit]:
        """The question's content words, each as a tuple of alternative terms (duplicates dropped)."""
        return list(dict.fromkeys(self.analyzer.units(question)))

    def field_scores(
        self, units: Sequence[Sequence[str]], exclude_question_doc: Optional[int] = None
    ) -> Dict[str, np.ndarray]:
        """Normalised score (0..1) of every entry per field.

        ``exclude_question_doc`` (leave-one-out): score as if that example question were not in the
        knowledge base; the ``all`` index is then rebuilt without it (slow; for calibration only).
        """
        result = {}
        for name, index in self.indexes.items():
            if exclude_question_doc is not None and name == "all":
                owner = self._q_owners[exclude_question_doc]
                docs = list(self._all_docs)
                docs[owner] = self._all_doc(owner, exclude_question_doc)
                result[name] = self._index(docs, range(len(docs))).entry_scores(units)
            elif exclude_question_doc is not None and name == "questions":
                result[name] = index.entry_scores(units, exclude_question_doc)
            else:
                result[name] = index.entry_scores(units)
        return result

    def combine(
        self, scores: Mapping[str, np.ndarray], weights: Optional[Mapping[str, float]] = None
    ) -> np.ndarray:
        """Weighted mean of the field scores."""
        weights = weights or self.config.weights
        total = sum(weights.values()) or 1.0
        return sum(weights.get(f, 0.0) * scores[f] for f in FIELDS) / total

    def coverage(
        self, units: Sequence[Sequence[str]], entry_index: int, exclude_question_doc: Optional[int] = None
    ) -> Tuple[float, float, float]:
        """(coverage, unknown, information) of a question against one entry (see ``Hit``).

        With ``exclude_question_doc`` (leave-one-out) a word only that example question had counts as
        unknown, as it would be for a real question.
        """
        if not units:
            return 0.0, 0.0, 0.0
        terms = self._terms_of(entry_index, exclude_question_doc)
        rest = None
        if exclude_question_doc is not None:
            owner = self._q_owners[exclude_question_doc]
            rest = self._terms_of(owner, exclude_question_doc)
        c = self.config
        total = found = unknown = 0.0
        for unit in units:
            known = [
                self._entry_idf[t] * term_weight(unit, t, c.part_weight, c.tag_weight)
                for t in unit
                if t in self._entry_idf and (rest is None or self._entry_df[t] > 1 or t in rest)
            ]
            weight = max(known) if known else self._unknown_idf
            total += weight
            matched = [
                self._entry_idf[t] * term_weight(unit, t, c.part_weight, c.tag_weight)
                for t in unit
                if t in terms
            ]
            found += min(weight, max(matched, default=0.0))
            if not known:
                unknown += weight
        return found / total, unknown / total, total - unknown

    def in_scope(
        self, units: Sequence[Sequence[str]], entry_index: int, exclude_question_doc: Optional[int] = None
    ) -> bool:
        """False when a word of the question is out of scope (``buiten_bereik``) and the entry's own
        text lacks it."""
        scope_units = [u for u in units if self.analyzer.is_out_of_scope(u)]
        if not scope_units:
            return True
        terms = self._primary_terms[entry_index]
        scope = self.analyzer.out_of_scope
        # the word itself (or another out-of-scope word of it) must be in the entry, not just a part
        return all(any(t in terms for t in unit if t == unit[0] or t in scope) for unit in scope_units)

    def publication_probabilities(self, question: str) -> Dict[str, float]:
        """The classifier's probability per publication ({} without a classifier)."""
        return self.classifier.probabilities(question) if self.classifier else {}

    def rank(self, combined: np.ndarray, probabilities: Mapping[str, float]) -> List[int]:
        """Entry indexes (score > 0), best first: the best entry of the chosen publication, then by score.

        Per publication: its best entry's score divided by the best score overall, plus
        ``publication_weight`` times the classifier's probability; the highest total is chosen.
        """
        order = [int(i) for i in np.argsort(-combined, kind="stable") if combined[i] > 0]
        if not order or not probabilities:
            return order
        best: Dict[str, int] = {}
        for i in order:
            best.setdefault(self.kb.entries[i].publication, i)
        top = float(combined[order[0]])
        weight = self.config.publication_weight

        def total(publication: str) -> float:
            return float(combined[best[publication]]) / top + weight * probabilities.get(publication, 0.0)

        first = best[max(best, key=total)]
        return [first] + [i for i in order if i != first]

    # -- public API -------------------------------------------------------------------------------

    def search(self, question: str, k: int = 5) -> List[Hit]:
        """The ``k`` best entries for ``question``, best first (entries scoring 0 are left out)."""
        units = self.query_units(question)
        scores = self.field_scores(units)
        combined = self.combine(scores)
        probabilities = self.publication_probabilities(question)
        # A question about prices, law, subsidies, ... (``buiten_bereik``) is ranked by BM25 alone:
        # the classifier knows a publication's subjects, not whether it covers that specific point.
        asks_out_of_scope = any(self.analyzer.is_out_of_scope(u) for u in units)
        order = self.rank(combined, {} if asks_out_of_scope else probabilities)[:k]
        answerable = self.answerability.probability(question) if order else 0.0
        hits = []
        for i in order:
            coverage, unknown, information = self.coverage(units, i)
            hits.append(
                Hit(
                    entry=self.kb.entries[i],
                    score=float(combined[i]),
                    field_scores={f: float(scores[f][i]) for f in FIELDS},
                    coverage=coverage,
                    unknown=unknown,
                    information=information,
                    in_scope=self.in_scope(units, i),
                    publication_probability=probabilities.get(self.kb.entries[i].publication, 0.0),
                    answerable=answerable,
                )
            )
        return hits

    def answer(self, question: str) -> Answer:
        """Answer from the best entry with a ``Bron:`` line, or refuse honestly (RankingConfig.accepts)."""
        hits = self.search(question, k=1)
        if not hits:
            return Answer(found=False, text=refusal_text())
        hit = hits[0]
        if not self.config.accepts(
            hit.score, hit.coverage, hit.unknown, hit.in_scope, hit.information, hit.answerable
        ):
            return Answer(found=False, text=refusal_text(), score=hit.score)
        publication = self.kb.publication(hit.entry.publication)
        text = format_answer(hit.entry, publication, self.analyzer.content_stems(question), self.analyzer)
        return Answer(
            found=True,
            text=text,
            entry_ids=(hit.entry.id,),
            publication_ids=(publication.id,),
            score=hit.score,
        )


#: The built retriever on disk (building ~9 s: every entry lemmatised, two classifiers fitted; loading
#: ~0.3 s): ``bot.cache``, keyed on the knowledge files, this package's code and the spaCy pipeline.
CACHE_KIND = "knowledge_retriever"


def _build(root: Path) -> Retriever:
    return Retriever(load_knowledge_base(root), Analyzer(load_synonyms(root)))


@lru_cache(maxsize=4)
def default_retriever(root: str = str(DEFAULT_ROOT)) -> Retriever:
    """The retriever over the project's knowledge base (``knowledge/``), built once per process, or
    loaded from ``.cache/knowledge_retriever`` when neither the files nor the code changed."""
    from bot import cache, nlp

    path = Path(root)
    code = sorted((Path(__file__).parent).glob("*.py")) + [Path(nlp.__file__)]
    key = cache.digest(
        [*source_files(path), *code],
        repr(nlp.describe()),
        cache.versions("scikit-learn", "spacy", "spacy-lookups-data", "numpy"),
    )
    return cache.load_or_build(CACHE_KIND, key, lambda: _build(path), Retriever)
