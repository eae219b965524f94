"""Two text classifiers trained on the knowledge base: which publication, and answerable at all?

BM25 (``retrieval.py``) ranks single entries by shared words. Owners often ask with few words in
common with any one entry ("moet ik mijn jongens er nu al bij halen of pas als de knoop is
doorgehakt?"). Two classifiers look at the question as a whole instead:

* :class:`PublicationClassifier` gives a probability per publication. Trained on every entry's
  example questions and text, plus the labelled questions of ``knowledge/training/``. The retriever
  mixes it with the best BM25 score per publication to choose the publication, and answers with the
  best entry of that publication (docs/knowledge.md, "Publicatiekeuze").
* :class:`AnswerabilityClassifier` gives the probability that the five publications answer the
  question at all. Trained on the same questions (answerable) against the questions of
  ``knowledge/training/`` the publications do not answer (prices, brands, law, subsidies, technical
  specifications, far-off subjects). The refusal rule uses it next to the BM25 figures
  (``RankingConfig.accepts``).

Features: TF-IDF of character n-grams (3-5, within words: typos and Dutch compounds) and of the
analyser's lemmas and synonym tags (1-2 grams), so "robotarm", "cobot" and "de jongens" count as
in BM25. Model: scikit-learn's logistic regression (already installed with Rasa; deterministic,
trains in about a second). Why not Rasa's ResponseSelector: it would put the knowledge base into
the NLU model (longer training, TensorFlow in the action server) for the same job.
"""

from __future__ import annotations

from typing import AbstractSet, Dict, List, Optional, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from bot.knowledge.analysis import Analyzer
from bot.knowledge.model import KnowledgeBase, TrainingQuestion


class _LemmaFeatures:
    """Lemmas and synonym tags of the analyser, plus their bigrams (a picklable callable)."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def __call__(self, text: str) -> List[str]:
        tokens = self.analyzer.tokens(text)
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _pipeline(analyzer: Analyzer, c: float, class_weight: Optional[str] = None) -> Pipeline:
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer=_LemmaFeatures(analyzer), ngram_range=(1, 1), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(C=c, max_iter=3000, class_weight=class_weight))


def _training(
    kb: KnowledgeBase, training: Optional[Sequence[TrainingQuestion]]
) -> Sequence[TrainingQuestion]:
    return kb.training if training is None else training


class PublicationClassifier:
    """``probabilities(question)`` -> {publication id: probability}, summing to 1.

    For cross-validation (``scripts/eval_knowledge.py --calibrate``): ``training`` replaces the
    knowledge base's training questions (``None``: all of them) and the example questions in
    ``exclude`` are left out.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer,
        c: float = 10.0,
        training: Optional[Sequence[TrainingQuestion]] = None,
        exclude: AbstractSet[str] = frozenset(),
    ) -> None:
        texts: List[str] = []
        labels: List[str] = []
        for entry in kb.entries:
            for question in entry.questions:
                if question in exclude:
                    continue
                texts.append(question)
                labels.append(entry.publication)
            texts.append(entry.text)
            labels.append(entry.publication)
        for item in _training(kb, training):
            if item.publication is not None:
                texts.append(item.q)
                labels.append(item.publication)
        self.model = _pipeline(analyzer, c)
        self.model.fit(texts, labels)
        self.publications: List[str] = [str(p) for p in self.model.classes_]

    def probabilities(self, question: str) -> Dict[str, float]:
        proba = self.model.predict_proba([question])[0]
        return {p: float(x) for p, x in zip(self.publications, np.asarray(proba))}


class AnswerabilityClassifier:
    """``probability(question)``: how likely the five publications answer it (0..1).

    Answerable: the entries' example questions and the labelled training questions; not answerable:
    the training questions with ``kind`` (``knowledge/training/unanswerable.yml``). Classes are
    weighted to count equally. ``available`` is False when there are no unanswerable training
    questions (then ``probability`` is always 1.0 and the rule rests on BM25 alone). ``training`` and
    ``exclude`` as for :class:`PublicationClassifier`.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer,
        c: float = 4.0,
        training: Optional[Sequence[TrainingQuestion]] = None,
        exclude: AbstractSet[str] = frozenset(),
    ) -> None:
        texts: List[str] = []
        labels: List[int] = []
        for entry in kb.entries:
            for question in entry.questions:
                if question in exclude:
                    continue
                texts.append(question)
                labels.append(1)
        for item in _training(kb, training):
            texts.append(item.q)
            labels.append(1 if item.answerable else 0)
        self.available = 0 in labels and 1 in labels
        self.model: Optional[Pipeline] = None
        if self.available:
            self.model = _pipeline(analyzer, c, class_weight="balanced")
            self.model.fit(texts, labels)

    def probability(self, question: str) -> float:
        if self.model is None:
            return 1.0
        proba = self.model.predict_proba([question])[0]
        return float(proba[list(self.model.classes_).index(1)])
