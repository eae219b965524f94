"""Rasa NLU component: foreign-language and no-language messages get a Dutch answer, not a guess.

Place it last in the pipeline (after FallbackClassifier). It learns the words of the Dutch
training examples and, per message, asks ``bot.nlu.language.judge``:

* another language -> intent ``other_language`` (the bot answers that it speaks Dutch);
* no recognisable word at all ("qwrtz pflumk") -> intent ``nlu_fallback`` (Dutch "not understood").

Otherwise the classifier's intent stands.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, FrozenSet, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import language
from bot.nlu.intents import override_intent

logger = logging.getLogger(__name__)
_FILE = "vocabulary.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LanguageGuard(GraphComponent):
    """Overrides the intent for messages that are not Dutch (see module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "other_language_intent": "other_language",
            "fallback_intent": "nlu_fallback",
            # training examples of these intents are not Dutch, so their words do not count as Dutch
            "exclude_intents": ["other_language"],
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: FrozenSet[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.vocabulary: FrozenSet[str] = vocabulary or frozenset()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageGuard:
        vocabulary: FrozenSet[str] = frozenset()
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = frozenset(json.loads((directory / _FILE).read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError) as exc:
            logger.warning("LanguageGuard has no vocabulary (%s); only the word lists are used.", exc)
        language.stop_words(), language.dutch_lemmas(), language.english_lexicon()  # load at start-up
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        excluded = set(self._config["exclude_intents"])
        vocab = set()
        for example in training_data.training_examples:
            if example.get(INTENT) in excluded or not example.get(TEXT):
                continue
            vocab.update(language.words(example.get(TEXT)))
        for synonym, value in training_data.entity_synonyms.items():
            vocab.update(language.words(f"{synonym} {value}"))
        for table in training_data.lookup_tables:
            for element in table.get("elements", []):
                vocab.update(language.words(str(element)))
        self.vocabulary = frozenset(vocab)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(sorted(vocab), ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            verdict = language.judge(text, self.vocabulary)
            if verdict.verdict == "foreign":
                override_intent(message, self._config["other_language_intent"])
            elif verdict.verdict == "unknown":
                override_intent(message, self._config["fallback_intent"])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
