"""Which publication does a question belong to? A text classifier trained on the knowledge base.

BM25 (``retrieval.py``) ranks single entries by shared words. Owners often ask with few words in
common with any one entry, and then a lone entry of the wrong publication can come out on top. This
classifier looks at the whole publication instead: trained on every entry's example questions and
text, labelled with the entry's publication, it gives a probability per publication. The retriever
mixes it with the best BM25 score per publication to choose the publication, and answers with the
best entry of that publication (docs/knowledge.md, "Publicatiekeuze").

Features: TF-IDF of character n-grams (3-5, within words: typos and Dutch compounds) and of the
analyser's lemmas and synonym tags (1-2 grams), so "robotarm", "cobot" and "de jongens" count as
in BM25. Model: scikit-learn's logistic regression (already installed with Rasa; deterministic,
trains in about a second). Why not Rasa's ResponseSelector: it would put the knowledge base into
the NLU model (longer training, TensorFlow in the action server) for the same job.
"""

from __future__ import annotations

from typing import Dict, List

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from bot.knowledge.analysis import Analyzer
from bot.knowledge.model import KnowledgeBase


class PublicationClassifier:
    """``probabilities(question)`` -> {publication id: probability}, summing to 1."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer, c: float = 10.0) -> None:
        texts: List[str] = []
        labels: List[str] = []
        for entry in kb.entries:
            for question in entry.questions:
                texts.append(question)
                labels.append(entry.publication)
            texts.append(entry.text)
            labels.append(entry.publication)
        self._analyzer = analyzer
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer=self._lemmas, ngram_range=(1, 2), sublinear_tf=True),
        )
        self.model = make_pipeline(features, LogisticRegression(C=c, max_iter=3000))
        self.model.fit(texts, labels)
        self.publications: List[str] = [str(p) for p in self.model.classes_]

    def _lemmas(self, text: str) -> List[str]:
        tokens = self._analyzer.tokens(text)
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]

    def probabilities(self, question: str) -> Dict[str, float]:
        proba = self.model.predict_proba([question])[0]
        return {p: float(x) for p, x in zip(self.publications, np.asarray(proba))}
