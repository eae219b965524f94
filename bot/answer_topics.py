"""Which intake question an answer is about, for owners who are one question ahead of the bot.

An owner who has told a lot in one message expects the bot to skip what they already said; when the
bot asks it anyway ("Wat verandert er in het werk?"), they often answer the *next* question ("lastig,
veel uitzendkrachten en de vaste ploeg wordt ouder"). Stored as the answer to the question asked, such a
message lands one question off, and so do the owner's next answers: "nee, nooit aan gedacht" then
answers the question about looking at other companies instead of the one about hogescholen (four of
the 38 blind REST conversations of sessions 3-7 failed that way).

This module gives, per intake question, the probability that a message answers it: a logistic
regression (scikit-learn, already in the stack for the knowledge classifiers) over the message's
lemmas, word pairs and the rule terms it contains (``knowledge/conclusions.yml``: "hogeschool",
"beurs", ...). It is trained on every intake answer of the labelled conversations
(``knowledge/conclusion_training.yml``, the statements with a question) plus typical answers per
question (``knowledge/intake_answers.yml``) for the questions those conversations rarely reach.
``ahead_of`` says when a message clearly answers one of the next open questions and not the one asked;
``bot.intake`` then files it under that question and goes on from there (the skipped question comes
back at the end). Thresholds and figures: ``scripts/eval_answer_topics.py``, docs/conclusions.md.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot import PROJECT_ROOT
from bot.conclusions.model import INTAKE_SLOTS

EXAMPLES_FILE = PROJECT_ROOT / "knowledge" / "intake_answers.yml"
#: The questions an answer can be about (``technologie`` is left out: owners put anything in the first
#: message, so its answers say nothing about the topic).
TOPICS: Tuple[str, ...] = tuple(slot for slot in INTAKE_SLOTS if slot != "technologie")
#: How many of the next open questions an owner can be ahead of the bot.
LOOKAHEAD = 2
#: How many of the questions the bot passed over (answered, it seemed, by an earlier message, never
#: asked) an owner can still be answering: the nearest ones before the question asked.
LOOKBEHIND = 2
#: A message counts as the answer to a later question when that question is the most likely one, with at
#: least ``MIN_AHEAD``, and the question asked has at most ``MAX_ASKED``; and it has ``MIN_WORDS`` words
#: (a bare "nee, nog niet" answers the question asked). Chosen with scripts/eval_answer_topics.py.
MIN_AHEAD = 0.7
MAX_ASKED = 0.05
MIN_WORDS = 4
C = 3.0
#: Neighbouring questions whose answers overlap ("de magazijnchef en ik, maar eerst hebben vier pickers de
#: brillen getest" answers who decided *and* who was involved; "ze hoeven niet meer te tillen" what changes
#: *and* what it brings): an answer to the first is never moved to the second. Most wrong moves in
#: scripts/eval_answer_topics.py were between these.
OVERLAPPING = frozenset({("besluitvorming", "betrokkenheid"), ("verandering_werk", "meerwaarde_medewerkers")})
#: Owners answer the question asked first and then go on ("doorlooptijd, ik wil beter zien waar de machines
#: stilstaan. de leverancier heeft mij uitgebreid uitgelegd wat het allemaal kan"): a message of several
#: sentences whose first sentence on its own answers the question asked with at least ``FIRST_KEEP`` stays
#: there, however much the rest is about a later question (s22). Chosen with scripts/eval_answer_topics.py.
FIRST_KEEP = 0.2
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class ExamplesFileError(ValueError):
    """The typical-answers file does not follow its format; the message names file and entry."""


def load_examples(path: Path = EXAMPLES_FILE) -> List[Tuple[str, str]]:
    """(question slot, answer) pairs from the typical-answers file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    answers = data.get("answers")
    if not isinstance(answers, Mapping):
        raise ExamplesFileError(f"{path}: 'answers' (question slot -> list of answers) expected")
    pairs = []
    for slot, texts in answers.items():
        if slot not in TOPICS:
            raise ExamplesFileError(f"{path}: unknown question {slot!r} (one of {', '.join(TOPICS)})")
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise ExamplesFileError(f"{path}: '{slot}': a list of non-empty answers expected")
        pairs += [(slot, t.strip()) for t in texts]
    return pairs


def training_pairs(cases: Iterable[Any], examples: Sequence[Tuple[str, str]]) -> List[Tuple[str, str, str]]:
    """(group, slot, text): the answers of the labelled conversations (grouped by case file) and the
    typical answers (group ``examples``)."""
    out = [
        (case.source, slot, text)
        for case in cases
        for slot, text in case.statements
        if slot in TOPICS and text.strip()
    ]
    return out + [("examples", slot, text) for slot, text in examples]


class TopicModel:
    """P(question | answer) over the intake questions in ``TOPICS``."""

    def __init__(self, engine: Any, vectorizer: Any, classifier: Any) -> None:
        self._engine = engine
        self._vec = vectorizer
        self._clf = classifier
        self.classes: List[str] = [str(c) for c in classifier.classes_]

    @staticmethod
    def features(engine: Any, text: str) -> Dict[str, float]:
        lemmas, terms = engine.lemmas_and_terms(text)
        feats: Dict[str, float] = {}
        for i, lemma in enumerate(lemmas):
            feats["w=" + lemma] = 1.0
            if i + 1 < len(lemmas):
                feats["b=" + lemma + "_" + lemmas[i + 1]] = 1.0
        if lemmas:
            feats["first=" + lemmas[0]] = 1.0
        for term in terms:
            feats["t=" + term] = 1.0
        return feats

    @classmethod
    def train(cls, engine: Any, pairs: Sequence[Tuple[str, str, str]]) -> "TopicModel":
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        rows = [cls.features(engine, text) for _, _, text in pairs]
        vectorizer = DictVectorizer()
        X = vectorizer.fit_transform(rows)
        classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        classifier.fit(X, [slot for _, slot, _ in pairs])
        return cls(engine, vectorizer, classifier)

    def probabilities(self, text: str) -> Dict[str, float]:
        X = self._vec.transform([self.features(self._engine, text)])
        return dict(zip(self.classes, (float(p) for p in self._clf.predict_proba(X)[0])))

    def ahead_of(
        self, text: str, asked: Optional[str], open_after: Sequence[str], unasked_before: Sequence[str] = ()
    ) -> Optional[str]:
        """The other question this message answers instead of ``asked``, or None (it answers ``asked``).

        ``open_after``: the questions still open after the one asked, in the order the bot asks them;
        ``unasked_before``: the questions before it that the bot passed over without asking.
        """
        if not candidates_after(text, asked, open_after, unasked_before):
            return None  # no need to score the message
        first = first_sentence(text)
        first_proba = (lambda: self.probabilities(first)) if first is not None else None
        proba = self.probabilities(text)
        return move(proba, text, asked, open_after, first_proba, unasked_before=unasked_before)


def move(
    proba: Mapping[str, float],
    text: str,
    asked: Optional[str],
    open_after: Sequence[str],
    first_proba: Optional[Callable[[], Mapping[str, float]]] = None,
    min_ahead: float = MIN_AHEAD,
    max_asked: float = MAX_ASKED,
    unasked_before: Sequence[str] = (),
    first_keep: Optional[float] = FIRST_KEEP,
) -> Optional[str]:
    """The whole rule of ``TopicModel.ahead_of`` (``scripts/eval_answer_topics.py`` runs it on held-out
    rows): ``decide``, then the first-sentence check; ``first_proba`` gives the first sentence's
    probabilities (scored only when needed), None for a message of one sentence."""
    moved = decide(proba, text, asked, open_after, min_ahead, max_asked, unasked_before=unasked_before)
    if moved is None or first_proba is None or first_keep is None:
        return moved
    return None if keeps_asked(first_proba(), asked, first_keep) else moved


def first_sentence(text: str) -> Optional[str]:
    """The first sentence of a message of several sentences (None for one sentence)."""
    parts = [part.strip() for part in _SENTENCE.findall(text) if part.strip(" .!?")]
    return parts[0] if len(parts) > 1 else None


def keeps_asked(
    first_proba: Mapping[str, float], asked: Optional[str], first_keep: float = FIRST_KEEP
) -> bool:
    """Whether the first sentence answers the question asked (see ``FIRST_KEEP``)."""
    return first_proba.get(asked or "", 0.0) >= first_keep


def candidates_after(
    text: str, asked: Optional[str], open_after: Sequence[str], unasked_before: Sequence[str] = ()
) -> List[str]:
    """The other questions this message may be filed under (none for a short message): the next open
    ones, and the nearest ones before that the bot passed over."""
    if asked not in TOPICS or len(text.split()) < MIN_WORDS:
        return []
    later = [slot for slot in open_after if slot in TOPICS][:LOOKAHEAD]
    earlier = [slot for slot in unasked_before if slot in TOPICS][-LOOKBEHIND:] if LOOKBEHIND else []
    return [slot for slot in later if (asked, slot) not in OVERLAPPING] + [
        slot for slot in earlier if (slot, asked) not in OVERLAPPING
    ]


def decide(
    proba: Mapping[str, float],
    text: str,
    asked: Optional[str],
    open_after: Sequence[str],
    min_ahead: float = MIN_AHEAD,
    max_asked: float = MAX_ASKED,
    unasked_before: Sequence[str] = (),
) -> Optional[str]:
    """The rule of ``TopicModel.ahead_of`` on given probabilities (``scripts/eval_answer_topics.py`` tries
    other thresholds with it)."""
    candidates = candidates_after(text, asked, open_after, unasked_before)
    if not candidates:
        return None
    best = max(proba, key=proba.get)
    if best in candidates and proba[best] >= min_ahead and proba.get(asked, 0.0) <= max_asked:
        return best
    return None


_MODELS: Dict[Tuple[int, str, float, float], TopicModel] = {}
_LOCK = threading.Lock()
#: The fitted vectorizer and classifier on disk (training ~4 s, loading ~0.1 s): ``bot.cache``.
CACHE_KIND = "answer_topics"
_CODE = (
    "bot/answer_topics.py",
    "bot/conclusions/learned.py",  # load_training
    "bot/conclusions/analysis.py",  # the lemmas and terms of a message
    "bot/conclusions/terms.py",
    "bot/conclusions/engine.py",
)


def cache_key(engine: Any, training: Path, examples: Path = EXAMPLES_FILE) -> str:
    """A hash of what the fitted model depends on: both training files, the rules (their terms are
    features), the spaCy pipeline, this code and scikit-learn."""
    from bot import cache

    files = [Path(training), Path(examples), Path(engine.rulebook.path), *cache.code_files(*_CODE)]
    return cache.digest(files, C, cache.pipeline_id(engine.nlp), cache.versions("scikit-learn", "spacy"))


def topic_model(engine: Any) -> TopicModel:
    """The model for ``engine`` trained on the default files (once per process and file version; the
    fitted parts are kept in ``.cache/answer_topics``, so the next start loads them)."""
    from bot import cache
    from bot.conclusions.learned import DEFAULT_TRAINING, load_training

    key = (id(engine), str(DEFAULT_TRAINING), DEFAULT_TRAINING.stat().st_mtime, EXAMPLES_FILE.stat().st_mtime)
    with _LOCK:
        if key not in _MODELS:
            _MODELS.clear()

            def fit() -> tuple:
                pairs = training_pairs(load_training(DEFAULT_TRAINING), load_examples())
                model = TopicModel.train(engine, pairs)
                return (model._vec, model._clf)

            vectorizer, classifier = cache.load_or_build(
                CACHE_KIND, cache_key(engine, DEFAULT_TRAINING), fit, tuple
            )
            _MODELS[key] = TopicModel(engine, vectorizer, classifier)
        return _MODELS[key]


def by_group(pairs: Sequence[Tuple[str, str, str]]) -> Dict[str, List[Tuple[str, str, str]]]:
    groups: Dict[str, List[Tuple[str, str, str]]] = defaultdict(list)
    for pair in pairs:
        groups[pair[0]].append(pair)
    return dict(groups)
