"""One BM25 index (library ``bm25s``) whose documents each belong to an entry, with normalised scores.

A question is scored per *word* (a ``Unit``: the word, its synonym tags and compound parts): the
word adds the best BM25 score of any of its alternatives, so a word and its synonym count once.
The sum is divided by the most the question could score (per word the highest idf of its
alternatives times ``k1 + 1``; a word no document has counts with the highest idf), which puts
every index on one 0..1 scale and makes scores comparable between questions.
"""

from __future__ import annotations

import logging
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.imports import import_without
from bot.knowledge.analysis import TAG

bm25s = import_without("bm25s", "jax")  # numpy top-k; see bot/imports.py


def term_weight(unit: Sequence[str], term: str, part_weight: float, tag_weight: float) -> float:
    """How much a match on ``term`` counts for the word ``unit``: 1, less for a part or a synonym."""
    weight = part_weight if term in getattr(unit, "parts", ()) else 1.0
    return weight * tag_weight if term.startswith(TAG) else weight


class FieldIndex:
    """BM25 over documents (token lists); ``owners[i]`` is the entry of document ``i``.

    An entry with several documents (the example-questions index) scores its best document.
    """

    def __init__(
        self,
        docs: Sequence[List[str]],
        owners: Sequence[int],
        n_entries: int,
        k1: float = 1.2,
        b: float = 0.75,
        part_weight: float = 0.5,
        tag_weight: float = 1.0,
    ):
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
        self.owners = np.asarray(owners, dtype=np.int64)
        self.n_entries = n_entries
        self.one_doc_per_entry = len(self.owners) == n_entries and bool(
            (self.owners == np.arange(n_entries)).all()
        )
        self.k1, self.part_weight, self.tag_weight = k1, part_weight, tag_weight
        docs = [d if d else [""] for d in docs]
        self.bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.bm25.index(list(docs), show_progress=False)
        self.n_docs = len(docs)
        df: Dict[str, int] = {}
        for doc in docs:
            for term in set(doc):
                df[term] = df.get(term, 0) + 1
        # Lucene idf, as bm25s uses for method="lucene"
        self.idf = {t: math.log(1 + (self.n_docs - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.unknown_idf = math.log(1 + (self.n_docs + 0.5) / 0.5)

    def _weight(self, unit: Sequence[str], term: str) -> float:
        return term_weight(unit, term, self.part_weight, self.tag_weight)

    def term_scores(self, term: str) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """(documents, BM25 scores) of the documents that contain ``term``; None when none does.

        Read from the sparse term-document score matrix bm25s precomputes at indexing time (the
        matrix ``BM25.get_scores`` sums over), which avoids a dense array per term.
        """
        token_id = self.bm25.vocab_dict.get(term)
        if token_id is None or term not in self.idf:
            return None
        matrix = self.bm25.scores
        start, end = matrix["indptr"][token_id], matrix["indptr"][token_id + 1]
        return matrix["indices"][start:end], matrix["data"][start:end].astype(np.float64)

    def unit_max(self, unit: Sequence[str]) -> float:
        """The most one word can add: the highest (weighted) idf of its known alternatives times
        ``k1 + 1``, or that of a word no document has."""
        known = [self.idf[t] * self._weight(unit, t) for t in unit if t in self.idf]
        return (max(known) if known else self.unknown_idf) * (self.k1 + 1)

    def entry_scores(self, units: Sequence[Sequence[str]], exclude_doc: Optional[int] = None) -> np.ndarray:
        """Normalised score (0..1) of every entry; ``exclude_doc`` scores as if that doc were absent."""
        if not units:
            return np.zeros(self.n_entries, dtype=np.float64)
        raw = np.zeros(self.n_docs, dtype=np.float64)
        for unit in units:
            best: Optional[np.ndarray] = None
            for term in unit:
                found = self.term_scores(term)
                if found is None:
                    continue
                docs, scores = found
                if best is None:
                    best = np.zeros(self.n_docs, dtype=np.float64)
                best[docs] = np.maximum(best[docs], scores * self._weight(unit, term))  # docs unique per term
            if best is not None:
                raw += best
        if exclude_doc is not None:
            raw[exclude_doc] = 0.0
        if self.one_doc_per_entry:
            result = raw
        else:
            result = np.zeros(self.n_entries, dtype=np.float64)
            np.maximum.at(result, self.owners, raw)
        return result / sum(self.unit_max(u) for u in units)
