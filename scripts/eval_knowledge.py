"""Evaluate knowledge retrieval on the held-out questions and write docs/knowledge.md.

    .venv/bin/python scripts/eval_knowledge.py             # held-out evaluation, writes docs/knowledge.md
    .venv/bin/python scripts/eval_knowledge.py --json      # the same figures as JSON on stdout
    .venv/bin/python scripts/eval_knowledge.py --calibrate # choose the refusal rule (calibration set only)

The held-out set (tests/data/knowledge_questions_fresh5.yml, session 5) was written by someone who had
read only the publications, not the entries nor the training questions, and is only used to report.
The earlier held-out sets (tests/data/knowledge_questions.yml of session 1, ..._fresh.yml of session 3,
..._fresh2/3/4.yml of session 5) were each measured once and have informed changes since; they are now
development sets (``--questions <file>``). The field weights,
the publication weight and the refusal rule are chosen with ``--calibrate`` on
tests/data/knowledge_calibration.yml, leave-one-out of the entries' own example questions and
cross-validation over the training questions of knowledge/training/.
Exits with status 1 when a target of the issue is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import sys
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge import Retriever, load_knowledge_base  # noqa: E402
from bot.knowledge.classifier import AnswerabilityClassifier, PublicationClassifier  # noqa: E402
from bot.knowledge.retrieval import DEFAULT_CONFIG, RankingConfig  # noqa: E402

HELD_OUT = ROOT / "tests" / "data" / "knowledge_questions_fresh5.yml"
#: Blind sets of session 5 that were measured once and are development sets since.
SESSION_5_SETS = tuple(ROOT / "tests" / "data" / f"knowledge_questions_fresh{i}.yml" for i in (2, 3, 4))
DEVELOPMENT = ROOT / "tests" / "data" / "knowledge_questions.yml"
DEVELOPMENT_2 = ROOT / "tests" / "data" / "knowledge_questions_fresh.yml"
CALIBRATION = ROOT / "tests" / "data" / "knowledge_calibration.yml"
REPORT = ROOT / "docs" / "knowledge.md"
COMMAND = ".venv/bin/python scripts/eval_knowledge.py"

#: Targets of the issue.
TARGET_ACCURACY = 0.95
TARGET_WRONG_SOURCES = 0
TARGET_REFUSAL = 0.90

#: Field weightings compared by --calibrate (and in docs/knowledge.md).
WEIGHTINGS: Dict[str, Dict[str, float]] = {
    "alleen entrytekst": {"text": 1.0, "questions": 0.0, "meta": 0.0, "all": 0.0},
    "alleen voorbeeldvragen": {"text": 0.0, "questions": 1.0, "meta": 0.0, "all": 0.0},
    "één index over alle velden": {"text": 0.0, "questions": 0.0, "meta": 0.0, "all": 1.0},
    "tekst + vragen + meta": {"text": 1.0, "questions": 1.0, "meta": 0.5, "all": 0.0},
    "tekst + vragen + meta + alles (gekozen)": {"text": 1.0, "questions": 1.0, "meta": 0.5, "all": 1.0},
    "vragen + alles": {"text": 0.0, "questions": 1.0, "meta": 0.0, "all": 1.0},
}
#: The refusal rule may answer at most this share of the unanswerable calibration questions ...
MAX_ANSWERED_UNANSWERABLE = 0.05
#: ... and cite a wrong publication for at most this share of the answerable ones (calibration set and
#: training questions; the training questions name one publication, so some of these "wrong" answers
#: come from another publication that also covers the point).
MAX_WRONG = 0.025


@dataclass(frozen=True)
class Question:
    """One evaluation question: acceptable publications (empty = unanswerable), optional entries."""

    q: str
    sources: tuple
    entries: tuple = ()
    about: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def load_questions(path: Path, retriever: Optional[Retriever] = None) -> List[Question]:
    """Read a question set; ``entries`` (calibration format) imply their publications as sources,
    which needs the ``retriever`` (its knowledge base)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    result = []
    for item in data.get("questions", []):
        entries = tuple(item.get("entries") or ())
        sources = tuple(item.get("sources") or ())
        if entries and not sources:
            if retriever is None:
                raise ValueError(f"{path}: 'entries' need a retriever to find their publications")
            sources = tuple(dict.fromkeys(retriever.kb.entry(e).publication for e in entries))
        result.append(
            Question(q=str(item["q"]), sources=sources, entries=entries, about=str(item.get("about", "")))
        )
    return result


def evaluate(retriever: Retriever, questions: Sequence[Question]) -> Dict[str, Any]:
    """Run every question through ``Retriever.answer`` and compute the figures of the issue."""
    latencies: List[float] = []
    misses: List[Dict[str, Any]] = []
    right = wrong_answerable = invented = refused_unanswerable = 0
    by_length: Dict[str, List[int]] = {}  # band -> [right, answerable]
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    retriever.answer("opwarmen")  # first call loads the spaCy pipeline; not part of the latency
    for item in questions:
        start = time.perf_counter()
        answer = retriever.answer(item.q)
        latencies.append((time.perf_counter() - start) * 1000)
        cited = answer.publication_ids[0] if answer.found else None
        if item.answerable:
            band = by_length.setdefault(length_band(item.q), [0, 0])
            band[1] += 1
            if answer.found and cited in item.sources:
                right += 1
                band[0] += 1
                continue
            if answer.found:
                wrong_answerable += 1
            kind = "wrong_source" if answer.found else "refused"
        else:
            if not answer.found:
                refused_unanswerable += 1
                continue
            invented += 1
            kind = "invented"
        misses.append(
            {
                "q": item.q,
                "kind": kind,
                "expected": list(item.sources),
                "cited": cited,
                "entry": answer.entry_ids[0] if answer.entry_ids else None,
                "score": round(answer.score, 3),
            }
        )
    accuracy = right / len(answerable) if answerable else 0.0
    refusal = refused_unanswerable / len(unanswerable) if unanswerable else 1.0
    result = {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "top1_source_accuracy": round(accuracy, 4),
        "right": right,
        "wrong_source_on_answerable": wrong_answerable,
        "answered_unanswerable": invented,
        "wrong_or_invented_sources": wrong_answerable + invented,
        "refused_answerable": len(answerable) - right - wrong_answerable,
        "refusal_rate_unanswerable": round(refusal, 4),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
        "by_length": {band: {"right": r, "answerable": n} for band, (r, n) in sorted(by_length.items())},
        "misses": misses,
    }
    result["targets_met"] = targets_met(result)
    return result


def length_band(question: str) -> str:
    """short (<= 7 words), medium, long (>= 18 words: usually the owner's situation first)."""
    words = len(question.split())
    return "kort" if words <= 7 else ("lang" if words >= 18 else "middel")


def _norm(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def similar(a: str, b: str, threshold: float = 0.85) -> bool:
    """difflib similarity of two normalised questions >= ``threshold``; the cheap upper bounds first
    (``ratio()`` on every pair of a question set and the training questions would take minutes)."""
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def near_copies(
    retriever: Retriever, questions: Sequence[Question], threshold: float = 0.85
) -> List[Question]:
    """The questions identical to an example or calibration question, or within ``threshold`` similarity
    (difflib) of a training question: written independently, but they tell little about generalisation."""
    same = {_norm(q) for e in retriever.kb.entries for q in e.questions}
    same |= {_norm(q.q) for q in load_questions(CALIBRATION, retriever)}
    training = [_norm(t.q) for t in retriever.kb.training]
    return [
        item for item in questions
        if _norm(item.q) in same or any(similar(_norm(item.q), other, threshold) for other in training)
    ]


def targets_met(result: Mapping[str, Any]) -> bool:
    """True when all three targets of the issue are met."""
    return (
        result["top1_source_accuracy"] >= TARGET_ACCURACY
        and result["wrong_or_invented_sources"] <= TARGET_WRONG_SOURCES
        and result["refusal_rate_unanswerable"] >= TARGET_REFUSAL
    )


# -- calibration ----------------------------------------------------------------------------------


#: Weights of the publication classifier compared by --calibrate (``RankingConfig.publication_weight``).
PUBLICATION_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
TOP1 = ("cal_top1", "loo_top1", "cv_top1")

#: Cross-validation folds over the entries' example questions and the training questions
#: (``knowledge/training/``): the classifiers that score a question were trained without it.
FOLDS = 5


def _fold(text: str) -> int:
    return zlib.crc32(text.encode("utf-8")) % FOLDS


@dataclass(frozen=True)
class _Pre:
    """One calibration question with what the rule grid needs, computed once."""

    kind: str  # "cal" (calibration set), "loo" (example question left out), "cv" (training question)
    answerable: bool
    sources: frozenset
    doc_index: Optional[int]
    units: list
    scores: Mapping[str, np.ndarray]
    probabilities: Mapping[str, float]
    answerable_p: float


def precompute(retriever: Retriever, calibration: Sequence[Question]) -> List[_Pre]:
    """Everything the rule grid needs for three kinds of questions. Slow: done once.

    * ``cal``: the calibration set, with the classifiers as the bot has them (not trained on it);
    * ``loo``: every example question of the entries, left out of the BM25 indexes (leave-one-out)
      and scored by classifiers trained without its fold;
    * ``cv``: every training question of ``knowledge/training/`` (answerable or not), scored by
      classifiers trained without its fold (BM25 never sees training questions).
    """
    kb = retriever.kb
    analyzer = retriever.analyzer
    items: List[_Pre] = []
    for item in calibration:
        units = retriever.query_units(item.q)
        items.append(
            _Pre("cal", item.answerable, frozenset(item.sources), None, units, retriever.field_scores(units),
                 retriever.publication_probabilities(item.q), retriever.answerability.probability(item.q))
        )
    entries = kb.entries
    for fold in range(FOLDS):
        exclude = frozenset(q for _, q in retriever.question_docs if _fold(q) == fold)
        training = [t for t in kb.training if _fold(t.q) != fold]
        publication = PublicationClassifier(kb, analyzer, training=training, exclude=exclude)
        answerability = AnswerabilityClassifier(kb, analyzer, training=training, exclude=exclude)
        use_publication = retriever.classifier is not None
        for doc_index, (owner, question) in enumerate(retriever.question_docs):
            if _fold(question) != fold:
                continue
            units = retriever.query_units(question)
            scores = retriever.field_scores(units, exclude_question_doc=doc_index)
            items.append(
                _Pre("loo", True, frozenset({entries[owner].publication}), doc_index, units, scores,
                     publication.probabilities(question) if use_publication else {},
                     answerability.probability(question))
            )
        for item in kb.training:
            if _fold(item.q) != fold:
                continue
            units = retriever.query_units(item.q)
            items.append(
                _Pre("cv", item.answerable, frozenset({item.publication} if item.publication else ()), None,
                     units, retriever.field_scores(units),
                     publication.probabilities(item.q) if use_publication else {},
                     answerability.probability(item.q))
            )
    return items


def _features(retriever: Retriever, weights: Mapping[str, float], pre: Sequence[_Pre]):
    """(kind, answerable, top-1 publication right, score, coverage, unknown, in scope, information,
    answerability) per question."""
    rows = []
    entries = retriever.kb.entries
    for item in pre:
        combined = retriever.combine(item.scores, weights)
        out_of_scope = any(retriever.analyzer.is_out_of_scope(u) for u in item.units)
        ranked = retriever.rank(combined, {} if out_of_scope else item.probabilities)
        top = ranked[0] if ranked else int(np.argmax(combined))
        coverage, unknown, information = retriever.coverage(item.units, top, item.doc_index)
        in_scope = retriever.in_scope(item.units, top, item.doc_index)
        right = entries[top].publication in item.sources
        score = float(combined[top]) if ranked else 0.0
        rows.append(
            (item.kind, item.answerable, right, score, coverage, unknown, in_scope, information,
             item.answerable_p if ranked else 0.0)
        )
    return rows


class _Rows:
    """The feature rows as numpy arrays, so the rule grid can be scored quickly."""

    def __init__(self, rows):
        kind = np.array([r[0] for r in rows])
        self.cal = kind == "cal"
        self.loo = kind == "loo"
        self.cv = kind == "cv"
        self.answerable = np.array([r[1] for r in rows], dtype=bool)
        self.right = np.array([r[2] for r in rows], dtype=bool)
        self.score = np.array([r[3] for r in rows])
        self.coverage = np.array([r[4] for r in rows])
        self.unknown = np.array([r[5] for r in rows])
        self.in_scope = np.array([r[6] for r in rows], dtype=bool)
        self.information = np.array([r[7] for r in rows])
        self.answerable_p = np.array([r[8] for r in rows])
        #: the sets whose answered-right shares are averaged (empty ones left out)
        groups = (self.cal & self.answerable, self.loo, self.cv & self.answerable)
        self.groups = [g for g in groups if g.any()]
        #: the unanswerable questions (calibration set and training)
        self.unanswerable = (self.cal | self.cv) & ~self.answerable
        #: answerable questions whose top entry is from a publication not named for them
        self.wrong = (self.cal | self.cv) & self.answerable & ~self.right


def _found(rows: _Rows, config: RankingConfig) -> np.ndarray:
    """``RankingConfig.accepts`` for every row at once."""
    gate = rows.in_scope & (rows.information >= config.min_information) & (rows.unknown <= config.max_unknown)
    strong = (rows.score >= config.strong_score) & (rows.coverage >= config.strong_coverage)
    gate &= (rows.answerable_p >= config.min_answerable) | strong
    lexical = (rows.score >= config.min_score) & (
        (rows.coverage >= config.min_coverage) | (rows.score >= config.sure_score)
    )
    enough = (rows.score >= config.floor_score) | (rows.coverage * rows.information >= config.floor_matched)
    sure = (rows.answerable_p >= config.sure_answerable) & enough
    return gate & (lexical | sure)


def _share(mask: np.ndarray, group: np.ndarray) -> float:
    return float(mask[group].mean()) if group.any() else float("nan")


def _rates(rows: _Rows, config: RankingConfig) -> Dict[str, float]:
    found = _found(rows, config)
    cal_a = rows.cal & rows.answerable
    cal_u = rows.cal & ~rows.answerable
    cv_a = rows.cv & rows.answerable
    cv_u = rows.cv & ~rows.answerable
    good = found & rows.right
    return {
        "cal_top1": _share(rows.right, cal_a),
        "loo_top1": _share(rows.right, rows.loo),
        "cv_top1": _share(rows.right, cv_a),
        "cal_accuracy": _share(good, cal_a),
        "loo_accuracy": _share(good, rows.loo),
        "cv_accuracy": _share(good, cv_a),
        "cal_wrong": int((found & ~rows.right)[cal_a].sum()),
        "cv_wrong": int((found & ~rows.right)[cv_a].sum()),
        "cal_answered_unanswerable": int(found[cal_u].sum()),
        "cal_refusal": _share(~found, cal_u),
        "cv_answered_unanswerable": int(found[cv_u].sum()),
        "cv_refusal": _share(~found, cv_u),
        "cv_unanswerable": int(cv_u.sum()),
    }


GRID: Dict[str, List[float]] = {
    "min_score": [round(x, 3) for x in np.arange(0.0, 0.2001, 0.01)],
    "min_coverage": [round(x, 2) for x in np.arange(0.3, 1.001, 0.05)],
    "sure_score": [round(x, 3) for x in np.arange(0.0, 0.3001, 0.01)],
    # Not tuned (always 1.0 = no limit): the calibration questions were written by someone who knows
    # the knowledge base's words, so unknown words are rarer in them than in real questions, and a
    # limit chosen on them refuses too many real answerable questions (seen on the held-out set).
    "max_unknown": [1.0],
    "min_information": [0.0, 2.0, 3.0, 4.0, 5.0, 6.0],
}

#: The grid of the answerability classifier's part of the rule (tuned after the lexical part).
CLASSIFIER_GRID: Dict[str, List[float]] = {
    "min_answerable": [round(x, 2) for x in np.arange(0.0, 0.801, 0.1)] + [0.45, 0.55],
    "sure_answerable": [round(x, 2) for x in np.arange(0.5, 0.991, 0.04)] + [1.01],
    "floor_score": [round(x, 3) for x in np.arange(0.0, 0.1001, 0.02)] + [0.07],
    "strong_score": [0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 1.01],
    "strong_coverage": [0.0, 0.8, 0.9, 0.95, 1.0],
    "floor_matched": [4.0, 6.0, 8.0, 10.0, 12.0, 15.0, float("inf")],
}


def _limits(rows: _Rows) -> Tuple[int, int]:
    """How many unanswerable questions the rule may answer, and how many wrong publications it may cite."""
    answerable = int(((rows.cal | rows.cv) & rows.answerable).sum())
    return int(MAX_ANSWERED_UNANSWERABLE * int(rows.unanswerable.sum())), int(MAX_WRONG * answerable)


def _lexical_grid(rows: _Rows, veto: np.ndarray, extra: np.ndarray) -> RankingConfig:
    """The lexical part of the rule (score, coverage, information) by grid search, with the
    classifier's part fixed: ``veto`` (rows it lets through at all) and ``extra`` (rows it accepts
    without a lexical match)."""
    from scipy.ndimage import uniform_filter

    g = {k: np.array(v) for k, v in GRID.items()}
    base = (
        rows.in_scope[None, None, None, :]
        & veto[None, None, None, :]
        & (rows.score[None, None, None, :] >= g["min_score"][:, None, None, None])
        & (rows.unknown[None, None, None, :] <= g["max_unknown"][None, :, None, None])
        & (rows.information[None, None, None, :] >= g["min_information"][None, None, :, None])
    )
    sure_base = rows.in_scope & veto & extra & (rows.unknown <= 1.0)
    either = (rows.coverage[None, None, :] >= g["min_coverage"][:, None, None]) | (
        rows.score[None, None, :] >= g["sure_score"][None, :, None]
    )
    allowed, allowed_wrong = _limits(rows)
    objective = np.zeros(base.shape[:3] + either.shape[:2])
    answered_u = np.zeros_like(objective)
    answered_wrong = np.zeros_like(objective)
    for m, u, i in itertools.product(*(range(k) for k in base.shape[:3])):
        extra_i = sure_base & (rows.information >= g["min_information"][i])
        found = (either & base[m, u, i][None, None, :]) | extra_i[None, None, :]
        good = found & rows.right[None, None, :]
        objective[m, u, i] = sum(good[:, :, grp].mean(axis=2) for grp in rows.groups) / len(rows.groups)
        answered_u[m, u, i] = found[:, :, rows.unanswerable].sum(axis=2)
        answered_wrong[m, u, i] = found[:, :, rows.wrong].sum(axis=2)
    smooth = uniform_filter(objective, size=(3, 1, 1, 3, 3), mode="nearest")
    feasible = (answered_u <= allowed) & (answered_wrong <= allowed_wrong) & (
        g["sure_score"][None, None, None, None, :] >= g["min_score"][:, None, None, None, None]
    )
    smooth = np.where(feasible, smooth, -1.0)
    best = None
    for m, u, i, c, s_ in zip(*np.nonzero(smooth >= smooth.max() - 1e-9)):
        key = (
            float(g["min_score"][m] + g["sure_score"][s_] + g["min_information"][i] / 100),
            float(g["min_coverage"][c]),
            -float(g["max_unknown"][u]),
        )
        if best is None or key > best[0]:
            best = (
                key,
                replace(
                    DEFAULT_CONFIG,
                    min_score=float(g["min_score"][m]),
                    min_coverage=float(g["min_coverage"][c]),
                    sure_score=float(g["sure_score"][s_]),
                    max_unknown=float(g["max_unknown"][u]),
                    min_information=float(g["min_information"][i]),
                ),
            )
    assert best is not None
    return best[1]


def _classifier_grid(rows: _Rows, lexical: RankingConfig) -> RankingConfig:
    """The classifier's part of the rule by grid search, the lexical part fixed. Same objective and
    constraints as the lexical grid; ties go to the stricter rule."""
    allowed, allowed_wrong = _limits(rows)
    best = None
    for min_a, sure_a, floor, strong, strong_cov, matched in itertools.product(*CLASSIFIER_GRID.values()):
        if sure_a < min_a:
            continue
        config = replace(
            lexical, min_answerable=min_a, sure_answerable=sure_a, floor_score=floor, strong_score=strong,
            strong_coverage=strong_cov, floor_matched=matched,
        )
        found = _found(rows, config)
        if int(found[rows.unanswerable].sum()) > allowed or int(found[rows.wrong].sum()) > allowed_wrong:
            continue
        good = found & rows.right
        objective = sum(float(good[grp].mean()) for grp in rows.groups) / len(rows.groups)
        key = (round(objective, 9), min_a + sure_a + floor + strong + strong_cov + min(matched, 100.0))
        if best is None or key > best[0]:
            best = (key, config)
    assert best is not None
    return best[1]


def _objective(rows: _Rows, config: RankingConfig) -> float:
    good = _found(rows, config) & rows.right
    return sum(float(good[grp].mean()) for grp in rows.groups) / len(rows.groups)


#: Starting points of the classifier's part for the alternating search (off, lenient, strict).
STARTS = (
    (0.0, 1.01, 0.09, 1.01, 0.0, float("inf")),
    (0.3, 0.9, 0.05, 0.25, 0.0, float("inf")),
    (0.55, 0.96, 0.05, 0.13, 0.95, float("inf")),
    (0.2, 0.66, 0.08, 0.25, 1.0, 8.0),
)


def best_rule(rows: _Rows, use_classifier: bool = True) -> RankingConfig:
    """The refusal rule, by grid search.

    Objective: the mean of the shares of calibration, LOO and (cross-validated) training questions
    answered from the right publication; the lexical grid is smoothed over neighbouring thresholds
    (so the rule sits on a plateau, not on a lucky peak). Constraints: at most
    ``MAX_ANSWERED_UNANSWERABLE`` of the unanswerable questions (calibration set and training)
    answered, and a wrong publication for at most ``MAX_WRONG`` of the answerable ones. Without the
    classifier: the lexical grid alone. With it: from each of ``STARTS``, the lexical part with the
    classifier's part fixed, then the classifier's part with the lexical part fixed, and so on until
    the rule stays the same; the best of these rules wins.
    """
    everything = np.ones_like(rows.answerable, dtype=bool)
    lexical_only = replace(
        _lexical_grid(rows, everything, ~everything),
        min_answerable=0.0, sure_answerable=1.01, strong_score=1.01, strong_coverage=0.0,
    )
    if not use_classifier or not rows.cv.any():
        return lexical_only
    candidates = []
    for min_a, sure_a, floor, strong, strong_cov, matched in STARTS:
        config = replace(
            lexical_only, min_answerable=min_a, sure_answerable=sure_a, floor_score=floor,
            strong_score=strong, strong_coverage=strong_cov, floor_matched=matched,
        )
        for _ in range(5):
            strong = (rows.score >= config.strong_score) & (rows.coverage >= config.strong_coverage)
            veto = (rows.answerable_p >= config.min_answerable) | strong
            enough = (rows.score >= config.floor_score) | (
                rows.coverage * rows.information >= config.floor_matched
            )
            extra = (rows.answerable_p >= config.sure_answerable) & enough
            lexical = replace(
                _lexical_grid(rows, veto, extra),
                min_answerable=config.min_answerable,
                sure_answerable=config.sure_answerable,
                floor_score=config.floor_score,
                strong_score=config.strong_score,
                strong_coverage=config.strong_coverage,
                floor_matched=config.floor_matched,
            )
            following = _classifier_grid(rows, lexical)
            if following == config:
                break
            config = following
        candidates.append(config)
    return max(candidates, key=lambda c: _objective(rows, c))


def calibrate(retriever: Retriever, calibration_path: Path = CALIBRATION) -> Dict[str, Any]:
    """Compare field weightings and pick the refusal rule (calibration set, LOO and cross-validated
    training questions; never a held-out set)."""
    calibration = load_questions(calibration_path, retriever)
    pre = precompute(retriever, calibration)
    table = []
    chosen_rows = None
    for name, weights in WEIGHTINGS.items():
        rows = _Rows(_features(retriever, weights, pre))
        chosen = dict(weights) == dict(retriever.config.weights)
        rule = best_rule(rows, use_classifier=chosen)
        rates = _rates(rows, rule)
        table.append({"weighting": name, "weights": weights, **rates, "rule": _rule_dict(rule)})
        if chosen:
            chosen_rows = rows
    current = _rates(chosen_rows, retriever.config) if chosen_rows else {}
    publication_weights = []
    for weight in PUBLICATION_WEIGHTS:
        trial = Retriever.__new__(Retriever)
        trial.__dict__.update(retriever.__dict__)
        trial.config = replace(retriever.config, publication_weight=weight)
        rows = _Rows(_features(trial, retriever.config.weights, pre))
        publication_weights.append({"weight": weight, **{k: _rates(rows, trial.config)[k] for k in TOP1}})
    lexical_only = (
        _rates(chosen_rows, best_rule(chosen_rows, use_classifier=False)) if chosen_rows else {}
    )
    return {
        "calibration_questions": len(calibration),
        "calibration_answerable": sum(q.answerable for q in calibration),
        "loo_questions": len(retriever.question_docs),
        "training_questions": len(retriever.kb.training),
        "training_answerable": sum(t.answerable for t in retriever.kb.training),
        "table": table,
        "publication_weights": publication_weights,
        "current_rule": _rule_dict(retriever.config),
        "current": current,
        "lexical_only": lexical_only,
    }


def _rule_dict(config: RankingConfig) -> Dict[str, float]:
    return {
        "min_score": config.min_score,
        "min_coverage": config.min_coverage,
        "sure_score": config.sure_score,
        "max_unknown": config.max_unknown,
        "min_information": config.min_information,
        "min_answerable": config.min_answerable,
        "sure_answerable": config.sure_answerable,
        "floor_score": config.floor_score,
        "strong_score": config.strong_score,
        "strong_coverage": config.strong_coverage,
        "floor_matched": config.floor_matched,
    }


# -- report ---------------------------------------------------------------------------------------


def machine() -> Dict[str, str]:
    """nproc, Python and the spaCy pipeline in use."""
    from bot import nlp

    info = nlp.describe()
    return {
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pipeline": info.summary if info else "geen spaCy-pipeline voorbereid",
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


#: Earlier runs on the held-out set while this was built (each after changes chosen on the
#: calibration set; the held-out set was run five times in all). Kept here so the report keeps them.
HISTORY = [
    "1. Eerste versie (drie indexen, strenge regel op score en dekking): 67,9% juist, "
    "10 verkeerde/verzonnen bronnen, 91,2% weigering.",
    "2. Plus 135 informele voorbeeldvragen (vooral `ssas-2025-techniek`), index `all`, gewicht voor "
    "synoniemen en woorddelen, `buiten_bereik`, dekking en informatie: 77,7% juist, 9 fout, 91,2% weigering.",
    "3. Plus 82 voorbeeldvragen voor de andere vier publicaties en meer synoniemen; regel opnieuw "
    "gekalibreerd (met grens op onbekende woorden): 73,9% juist, 12 fout, 91,2% weigering.",
    "4. Brede synoniemgroepen (werven, verandering, concurrentie, ...) weer weg, regel gladgestreken over "
    "buurpunten: 73,9% juist, 12 fout, 91,2% weigering.",
    "5. De grens op onbekende woorden geschrapt (de kalibratievragen bevatten te weinig woorden die de "
    "kennisbank niet kent; gezien aan de missers van run 4) en een fout met `o&o` gerepareerd: 77,2% "
    "juist, 12 fout, 91,2% weigering.",
    "6. Twee fouten gerepareerd die bij het testen opvielen (niet op de held-out set): de "
    "`buiten_bereik`-controle keek ook naar de voorbeeldvragen (\"kosten robots banen?\" liet \"wat kost "
    "een lasrobot?\" door) en een toegevoegde voorbeeldvraag noemde Enschede, wat niet in de entry "
    "staat: 77,2% juist, 12 fout, 91,2% weigering.",
    "7. Sessie 3: de set van runs 1-6 (`tests/data/knowledge_questions.yml`) had intussen te veel "
    "keuzes gestuurd en is nu **ontwikkelset**. De publicatiekeuze met de tekstclassificatie (gekozen op de "
    "kalibratieset) gaf daar 77,7% juist, 8 fout (was 12), 91,2% weigering. Daarna is een nieuwe held-out "
    "set geschreven door iemand die alleen de publicaties las, niet de entries "
    "(`tests/data/knowledge_questions_fresh.yml`, 160 vragen); eerste meting: 71,1% juist, 2 fout "
    "(1 verkeerde publicatie, 1 verzonnen), 96,0% weigering.",
    "8. Sessie 4: 678 extra voorbeeldvragen (73,3% juist maar 4 fout) en een acceptatie op de kans van de "
    "publicatieclassificatie (verzon antwoorden) geprobeerd en niet gehouden; de set van sessie 3 is "
    "daarmee ook **ontwikkelset** geworden.",
    "9. Sessie 5: 1.669 trainingsvragen in `knowledge/training/` (zes schrijvers die alleen de publicaties "
    "lazen: beantwoordbare vragen met hun publicatie en vragen die de publicaties niet beantwoorden), de "
    "beantwoordbaarheidsclassificatie in de weigerregel, publicatiegewicht 0,5, alles gekozen op "
    "kalibratie, LOO en kruisvalidatie. Op de ontwikkelsets: sessie-3-set 74,1% juist, 2 fout, 100% "
    "weigering (was 71,1% / 2 / 96,0%); sessie-1-set 82,1% / 3 / 100% (was 77,7% / 8 / 91,2%). Daarna "
    "een nieuwe held-out set van 180 vragen door een schrijver die alleen de publicaties las "
    "(`tests/data/knowledge_questions_fresh2.yml`), één keer gemeten met commit 08664e8: 80,7% juist "
    "(121/150), 1 verzonnen bron (\"hoeveel mensen werken er bij amfors\"), 96,7% weigering. De "
    "doelen zijn niet gehaald; 29 van de 30 missers zijn weigeringen, vaak korte vragen naar een naam "
    "(\"wat doet amfors met cobots\") die de beantwoordbaarheidsclassificatie wantrouwt.",
    "10. Sessie 5, zonder iets te veranderen: nog een blinde set van 180 vragen "
    "(`tests/data/knowledge_questions_fresh3.yml`, een andere schrijver), één keer gemeten met commit "
    "c2c26eb: 76,0% juist (114/150), 3 fout (2 verkeerde publicatie, 1 verzonnen), 96,7% weigering. 15 "
    "van die vragen lijken sterk op een voorbeeld-, kalibratie- of trainingsvraag (onafhankelijk "
    "geschreven, meest korte \"wat is ...\"-vragen); zonder die 15: 75,0% juist (105/140), 2 verkeerde "
    "publicaties, 0 verzonnen, 100% weigering. Twee blinde sets samen: 78,3% juist (235/300), 4 fout.",
    "11. Sessie 5, nog steeds zonder wijziging: een derde blinde set (`..._fresh4.yml`, een derde korte "
    "en een derde lange vragen), één keer gemeten: 60,7% juist (91/150), 3 fout (2 verkeerd, 1 verzonnen), "
    "96,7% weigering. Korte vragen 89% goed, lange vragen die met de eigen situatie beginnen maar 16%: "
    "hun genormaliseerde BM25-score wordt verdund door de woorden van het verhaal.",
    "12. Sessie 5: de zekere tak van de classificatie mag daarom ook door op de idf-massa die de entry "
    "dekt (dekking × informatie ≥ 8) in plaats van de scorevloer, gekozen met `--calibrate` "
    "(trainingsvragen 55,8% → 61,1% juist, evenveel verzonnen). Ontwikkelsets daarna: fresh4 66,0%, "
    "fresh2 82,7%, fresh3 75,3% (fout gelijk). Geprobeerd en niet gehouden: sjabloonvragen over de "
    "namen in de entries (\"wat doet amfors\") als trainingsvoorbeelden (kalibratie slechter, "
    "ontwikkelsets gelijk) en namen maskeren (kruisvalidatie slechter). Daarna een vierde blinde set "
    "(`tests/data/knowledge_questions_fresh5.yml`, 120 vragen, een derde kort/middel/lang), één keer "
    "gemeten met commit 1fde3f5: het resultaat bovenaan (70,0% juist, 2 verkeerde publicaties, 0 "
    "verzonnen, 100% weigering; kort 27/33, middel 25/34, lang 18/33). Drie vragen lijken sterk op een "
    "trainingsvraag; zonder die drie 69,4%. Vier blinde sets van sessie 5 samen, elk bij de eerste "
    "meting: 71,7% juist (396/550), 10 fout.",
]


def render_markdown(result: Mapping[str, Any], calib: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """docs/knowledge.md: figures, misses, method, why this ranking, history, how to reproduce."""
    met = "gehaald" if result["targets_met"] else "**niet gehaald**"
    lines = [
        "# Kennisbank: vrije vragen met bronvermelding",
        "",
        f"Gemeten op {dt.date.today().isoformat()} met `{COMMAND}`; dit bestand wordt door dat script",
        "geschreven (draai het opnieuw na een wijziging in `knowledge/` of `bot/knowledge/`).",
        "",
        f"- Machine: {env['nproc']} cores (nproc), Python {env['python']}, {env['platform']}",
        f"- {env['pipeline']}",
        "",
        "## Resultaat op de held-out vragen",
        "",
        f"`{result.get('file', 'tests/data/knowledge_questions_fresh.yml')}`: {result['questions']} vragen, "
        f"{result['answerable']} "
        f"beantwoordbaar en {result['unanswerable']} die de vijf publicaties niet beantwoorden. "
        f"Doelen van de issue: {met}.",
        "",
        "| maat | doel | gemeten |",
        "|---|---|---|",
        f"| top-1 bronjuistheid (beantwoordbaar: antwoord gegeven met de juiste publicatie) | ≥ 95% | "
        f"{_pct(result['top1_source_accuracy'])} ({result['right']}/{result['answerable']}) |",
        f"| verkeerde of verzonnen bronnen | 0 | {result['wrong_or_invented_sources']} "
        f"({result['wrong_source_on_answerable']} verkeerde publicatie, {result['answered_unanswerable']} "
        "antwoord op een onbeantwoordbare vraag) |",
        f"| eerlijke weigering (onbeantwoordbaar) | ≥ 90% | {_pct(result['refusal_rate_unanswerable'])} |",
        f"| beantwoordbare vragen geweigerd | – | {result['refused_answerable']} |",
        "| juist per lengte (kort ≤ 7 woorden, lang ≥ 18) | – | "
        + ", ".join(f"{b} {v['right']}/{v['answerable']}" for b, v in result.get("by_length", {}).items())
        + " |",
        f"| latentie per vraag p50 / p95 | ruim onder 20 ms | {result['latency_ms_p50']} / "
        f"{result['latency_ms_p95']} ms |",
        "",
        "De latentie is `Retriever.answer` per vraag (index al gebouwd; het bouwen, met de",
        "twee classificaties, kost ±8 s bij de start van de actieserver).",
        "De p95 hangt af van de belasting van de machine; de rekentijd zelf is ongeveer 1 ms per vraag.",
        "",
        "**Eerlijk gezegd:** de weigerregel moet kiezen tussen beantwoordbare vragen in spreektaal die",
        "weinig woorden met een entry delen, en onbeantwoordbare vragen die juist veel woorden uit de",
        'kennisbank bevatten ("welke AR-bril raden jullie aan"). Woordovereenkomst (BM25) plus twee',
        "tekstclassificaties (welke publicatie; beantwoordbaar of niet) halen de doelen niet: de regel is",
        "gekalibreerd op hoogstens 5% antwoorden op onbeantwoordbare vragen en hoogstens 2,5% verkeerde",
        "publicaties, en dat kost beantwoordbare vragen. De meeste missers zijn weigeringen, geen verkeerde",
        "bron. Verder komen vraagt begrip van betekenis (een Nederlands embeddingmodel), dat op deze",
        "machines niet te installeren is (alleen Engelstalige modellen staan op PyPI).",
        "",
    ]
    if result["misses"]:
        lines += [
            "### Missers",
            "",
            "`refused`: beantwoordbaar maar geweigerd; `wrong_source`: antwoord uit een andere publicatie;",
            "`invented`: antwoord (met bron) op een vraag die de publicaties niet beantwoorden.",
            "",
            "| soort | vraag | verwacht | gegeven (entry, score) |",
            "|---|---|---|---|",
        ]
        for miss in result["misses"]:
            if miss["cited"]:
                got = f"{miss['cited']} ({miss['entry']}, {miss['score']})"
            else:
                got = f"geweigerd ({miss['score']})"
            expected = ", ".join(miss["expected"]) or "weigeren"
            question = miss["q"].replace("|", "/")
            lines.append(f"| {miss['kind']} | {question} | {expected} | {got} |")
        lines.append("")
    lines += _method_lines(calib)
    return "\n".join(lines) + "\n"


def _method_lines(calib: Mapping[str, Any]) -> List[str]:
    rule = calib.get("current_rule", {})
    current = calib.get("current", {})
    lexical = calib.get("lexical_only", {})
    lines = [
        "## Methode",
        "",
        "1. **Tekstanalyse** (`bot/knowledge/analysis.py`): lemma's van de Nederlandse spaCy-pipeline",
        "   (`bot.nlp`), accenten weg, daarna een kleine stemmer voor wat de lemmatabel mist (meervoud,",
        "   -en, -ende, bijvoeglijk -e; `brillen` → bril, `duurzame` → duurzaam). Stopwoorden: spaCy plus",
        "   `stopwoorden` uit `knowledge/synonyms.yml`. Een woord met koppelteken telt als zijn delen plus",
        "   het aaneengeschreven woord (`AR-bril` → ar, bril, arbril).",
        "2. **Synoniemen en samenstellingen** (`knowledge/synonyms.yml`, leesbaar voor consultants): elk",
        "   woord of woordgroep uit een groep voegt een groepsterm toe (`operators`, `de jongens` →",
        "   `=medewerker`); samenstellingen krijgen hun delen erbij (bekende woorddelen: lasrobot → robot;",
        "   of twee woorden die de kennisbank kent: personeelstekort → personeel + tekort). Een onbekend",
        "   woord in een vraag wordt, als dat eenduidig is, herleid tot een werkwoordsvorm (stelt → stel,",
        "   gewerkt → werk) of tot een bekend woord met één tikfout.",
        "3. **Ranking** (`bot/knowledge/index.py`, `retrieval.py`): BM25 uit de bibliotheek `bm25s`",
        "   (Lucene-variant, k1 = 1.2, b = 0.75) in vier indexen per entry: de tekst, elke",
        "   voorbeeldvraag als eigen document (de entry telt haar beste vraag), meta (sectie, spreker,",
        "   onderwerpen) en alles samen. Per vraagwoord telt het beste alternatief één keer: het woord",
        "   zelf volledig, een synoniem voor 0,75 en een woorddeel voor 0,5. Elke veldscore wordt gedeeld",
        "   door het maximum dat de vraag in dat veld kan halen (Σ idf·(k1+1); een woord dat niemand kent",
        "   telt met de hoogste idf), zodat de velden op één schaal 0..1 liggen: gewichten tekst 1,",
        "   vragen 1, meta 0,5, alles 1.",
        "   **Publicatiekeuze** (`bot/knowledge/classifier.py`): een tekstclassificatie (scikit-learn,",
        "   logistische regressie op TF-IDF van letter-n-grammen 3-5 en van lemma's/synoniemen)",
        "   getraind op alle voorbeeldvragen en teksten en op de gelabelde trainingsvragen van",
        f"   `knowledge/training/` ({calib.get('training_answerable')} vragen zoals eigenaren en consultants",
        "   ze stellen, geschreven uit de publicaties), met de publicatie als label, geeft per publicatie",
        "   een kans.",
        "   Per publicatie telt: beste BM25-score van haar entries / beste score overall +",
        f"   {DEFAULT_CONFIG.publication_weight:g} × die kans; de beste entry van de winnende publicatie",
        "   komt bovenaan.",
        "   Zo wint één losse entry met toevallig gedeelde woorden niet meer van een publicatie die",
        "   als geheel over de vraag gaat. Vragen met een `buiten_bereik`-woord (prijs, subsidie, ...)",
        "   rangschikt BM25 alleen. Het gewicht is gekozen met `--calibrate` (top-1 publicatie per gewicht:",
        *[
            f"   gewicht {row['weight']:g}: kalibratie {_pct(row['cal_top1'])}, LOO {_pct(row['loo_top1'])}, "
            f"trainingsvragen (kruisvalidatie) {_pct(row['cv_top1'])};"
            for row in calib.get("publication_weights", [])
        ],
        "   bij LOO en kruisvalidatie is de classificatie getraind zonder de vragen van die fold).",
        "4. **Weigeren** (`RankingConfig.accepts`): een tweede classificatie (zelfde kenmerken,",
        "   `AnswerabilityClassifier`) geeft de kans dat de publicaties de vraag beantwoorden, getraind op",
        "   de voorbeeldvragen en gelabelde trainingsvragen tegen "
        f"{calib.get('training_questions', 0) - calib.get('training_answerable', 0)} vragen",
        "   die de publicaties niet beantwoorden (prijzen, merken, techniek, wetten, subsidies, cijfers",
        "   die er niet in staan, ver weg van het onderwerp). De bot antwoordt alleen als",
        "   - de vraag specifiek genoeg is: informatie (Σ idf van de bekende woorden) ≥ "
        f"{rule.get('min_information')};",
        f"   - de classificatie de vraag een kans ≥ {rule.get('min_answerable')} geeft, tenzij de entry alle",
        f"     vraagwoorden bevat (dekking ≥ {rule.get('strong_coverage')}) en ≥ "
        f"{rule.get('strong_score')} scoort "
        '(een naam als "Amfors" zegt de classificatie weinig);',
        f"   - én ofwel de beste entry scoort ≥ {rule.get('min_score')} met een *dekking* ≥ "
        f"{rule.get('min_coverage')} (het idf-gewogen deel",
        f"     van de vraagwoorden dat in de entry staat) of een score ≥ {rule.get('sure_score')},",
        f"     ofwel de classificatie is zeker (kans ≥ {rule.get('sure_answerable')}) en de entry scoort ≥ "
        f"{rule.get('floor_score')} of bevat een idf-massa van de vraag (dekking × informatie) ≥ "
        f"{rule.get('floor_matched')} (lange vragen met een eigen verhaal);",
        "   - een woord uit `buiten_bereik` (prijs, kosten, subsidie, wet, garantie, loon, ...) in de entry",
        '     zelf staat. "Hoeveel kost een cobot" vindt wel cobot-entries, maar geen entry met "kost".',
        "5. **Antwoord** (`bot/knowledge/answers.py`): de entrytekst, ingekort tot drie zinnen (de eerste",
        "   plus de zinnen met de meeste vraagwoorden), dan `Bron: <korte citatie uit publications.yml> —",
        '   <sectie>; <spreker>`, altijd van de publicatie van die entry. Weigeren: "Dat staat niet in de',
        '   publicaties die ik ken." plus waarmee de bot wel kan helpen, zonder `Bron:`-regel.',
        '6. **Overzichten** (`bot/knowledge/listing.py`): "wat zegt het rapport over X", "geef alle',
        '   kernconclusies" → hoogstens 8 regels, gegroepeerd per publicatie met een `Bron:`-regel per',
        "   publicatie; `None` als de vraag geen overzicht vraagt.",
        "",
        "## Waarom deze ranking (gemeten op de kalibratieset, niet op de held-out set)",
        "",
        "Kalibratieset `tests/data/knowledge_calibration.yml` (zelf geschreven): "
        f"{calib.get('calibration_questions')} "
        f"vragen, waarvan {calib.get('calibration_answerable')} beantwoordbare",
        "parafrases en informele eigenaarsvragen en de rest onbeantwoordbaar (prijzen, subsidies,",
        "leveranciers, wetten, weer, ...). Daarnaast leave-one-out (LOO) van de",
        f"{calib.get('loo_questions')} voorbeeldvragen van de entries: de vraag wordt uit de vragenindex, de",
        "`all`-index (opnieuw gebouwd) en de dekking gehaald. En kruisvalidatie (5 folds) over de",
        f"{calib.get('training_questions')} trainingsvragen van `knowledge/training/` "
        f"({calib.get('training_answerable')} beantwoordbaar): BM25 kent ze niet, de",
        "classificaties worden per fold zonder die vragen (en zonder de voorbeeldvragen van die fold)",
        "getraind. De weigerregel maximaliseert het gemiddelde van juist beantwoord over kalibratie, LOO",
        f"en trainingsvragen, met hoogstens {MAX_ANSWERED_UNANSWERABLE:.0%} antwoorden op "
        "onbeantwoordbare vragen "
        f"en hoogstens {MAX_WRONG:.1%} verkeerde",
        "publicaties op beantwoordbare vragen (kalibratie en training), gladgestreken over naburige",
        "drempels; het deel van de classificatie wordt afwisselend met het woorddeel gezocht. In de tabel",
        "per weging de woordregel zonder classificatie, voor de gekozen weging de hele regel.",
        "",
        "| weging (tekst / vragen / meta / alles) | top-1 publicatie kalibratie | top-1 LOO "
        "| top-1 training | juist beantwoord kalibratie | juist beantwoord LOO | juist beantwoord training "
        "| onbeantwoordbaar beantwoord (kalibratie + training) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in calib.get("table", []):
        w = row["weights"]
        weights = f"{w['text']:g} / {w['questions']:g} / {w['meta']:g} / {w['all']:g}"
        lines.append(
            f"| {row['weighting']} ({weights}) | {_pct(row['cal_top1'])} | {_pct(row['loo_top1'])} | "
            f"{_pct(row['cv_top1'])} | {_pct(row['cal_accuracy'])} | {_pct(row['loo_accuracy'])} | "
            f"{_pct(row['cv_accuracy'])} | "
            f"{row['cal_answered_unanswerable'] + row['cv_answered_unanswerable']} |"
        )
    lines += [
        "",
        "Alleen de entrytekst mist de woorden waarmee eigenaren vragen stellen; alleen de voorbeeldvragen",
        "mist de inhoud. Aparte indexen per veld, genormaliseerd en gemengd, plus één index over alles,",
        "rangschikken het best (hoogste top-1 bij LOO, en het meeste juist beantwoord na de weigerregel).",
        "Getest en niet beter: k1 0,9 / 1,5 / 2,0 en b 0,5 / 0,9 (verschillen < 1 procentpunt);",
        "woorddelen even zwaar als het woord zelf (top-1 kalibratie 1 procentpunt lager); synoniemen",
        "voor 0,5 of 1 in plaats van 0,75 (gelijk of lager). `Retriever.answer` gebruikt geen",
        "overzichten: \"de hele lijst kernconclusies\" hoort via `list_entries` te lopen.",
        "Met de gekozen weging en regel: kalibratie "
        f"{_pct(current.get('cal_accuracy', 0))} juist beantwoord, "
        f"{current.get('cal_answered_unanswerable', '?')} onbeantwoordbare vragen beantwoord "
        f"(weigering {_pct(current.get('cal_refusal', 0))}); LOO {_pct(current.get('loo_accuracy', 0))}; "
        f"trainingsvragen {_pct(current.get('cv_accuracy', 0))} juist beantwoord, "
        f"{current.get('cv_answered_unanswerable', '?')} van de {current.get('cv_unanswerable', '?')} "
        f"onbeantwoordbare beantwoord, {current.get('cv_wrong', '?')} keer een andere publicatie dan de "
        "schrijver noemde.",
        f"Dezelfde weging met alleen de woordregel: kalibratie {_pct(lexical.get('cal_accuracy', 0))}, LOO "
        f"{_pct(lexical.get('loo_accuracy', 0))}, trainingsvragen {_pct(lexical.get('cv_accuracy', 0))} "
        "juist beantwoord, "
        f"{lexical.get('cal_answered_unanswerable', 0) + lexical.get('cv_answered_unanswerable', 0)} "
        "onbeantwoordbare beantwoord.",
        "",
        "## Verloop op de held-out set",
        "",
        *HISTORY,
        "",
        "## Reproduceren",
        "",
        "```",
        "cd /work/main",
        f"{COMMAND}              # held-out evaluatie + dit rapport; exit 1 als een doel gemist wordt",
        f"{COMMAND} --json       # dezelfde cijfers als JSON",
        f"{COMMAND} --apart --no-report   # zonder vragen die een voorbeeld-, kalibratie- of trainingsvraag "
        "(bijna) kopiëren",
        f"{COMMAND} --calibrate  # wegingen vergelijken en de weigerregel kiezen (kalibratie, LOO, training)",
        f"{COMMAND} --questions tests/data/knowledge_questions_fresh.yml --no-report   # een ontwikkelset",
        ".venv/bin/python -m pytest tests/unit -q",
        "```",
    ]
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=HELD_OUT, help="question set (held-out by default)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--calibrate", action="store_true", help="compare weightings, pick the refusal rule")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the Markdown report")
    parser.add_argument("--no-report", action="store_true", help="do not write the report (faster)")
    parser.add_argument(
        "--apart", action="store_true",
        help="leave out questions that (nearly) copy an example, calibration or training question",
    )
    args = parser.parse_args(argv)

    retriever = Retriever(load_knowledge_base())
    if args.calibrate:
        calib = calibrate(retriever)
        if args.json:
            print(json.dumps(calib, ensure_ascii=False, indent=2))
        else:
            for row in calib["table"]:
                print(json.dumps(row, ensure_ascii=False))
            for row in calib["publication_weights"]:
                print("publication weight", json.dumps(row))
            print("lexical rule only:", calib["lexical_only"])
            print("current rule:", calib["current_rule"], calib["current"])
        return 0

    questions = load_questions(args.questions, retriever)
    left_out = near_copies(retriever, questions) if args.apart else []
    result = evaluate(retriever, [q for q in questions if q not in left_out])
    result["left_out_near_copies"] = len(left_out)
    try:
        result["file"] = str(args.questions.resolve().relative_to(ROOT))
    except ValueError:
        result["file"] = str(args.questions)
    if not args.no_report:
        calib = calibrate(retriever)
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(render_markdown(result, calib, machine()), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"top-1 bronjuistheid {_pct(result['top1_source_accuracy'])} | verkeerde/verzonnen bronnen "
            f"{result['wrong_or_invented_sources']} | weigering onbeantwoordbaar "
            f"{_pct(result['refusal_rate_unanswerable'])} | latentie p50 {result['latency_ms_p50']} ms, "
            f"p95 {result['latency_ms_p95']} ms | "
            f"doelen {'gehaald' if result['targets_met'] else 'NIET gehaald'}"
        )
        bands = ", ".join(f"{b} {v['right']}/{v['answerable']}" for b, v in result["by_length"].items())
        print(f"  per lengte (juist/beantwoordbaar): {bands}; weggelaten bijna-kopieën: {len(left_out)}")
        for miss in result["misses"]:
            cited = miss["cited"] or "geweigerd"
            print(f"  {miss['kind']:<12} {miss['q']}  -> {cited} ({miss['entry']}, {miss['score']})")
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
