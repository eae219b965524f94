"""Rasa's DIETClassifier, loaded in about a second instead of about half a minute.

Measured (cProfile of ``Agent.load``, docs/figures.md): of the Rasa server's ~38 s from start to
first reply, ~30 s went into loading DIET. Rasa's ``RasaModel.load`` builds the model's weights by
running ``model.fit`` on one dummy example, and in graph mode that first traces the whole
*training* step (loss, CRF, optimizer) into a TensorFlow graph, only to overwrite the weights right
after with ``load_weights``. The training graph is never used by a server.

This subclass loads with ``run_eagerly`` on (the one-example fit then runs eagerly: no tracing),
then switches the model to graph mode and traces only the *prediction* step once, so serving speed
is unchanged. Training is untouched (``run_eagerly`` comes from the component config, which stays
False), and the predictions are the same: the same weights and the same predict step, only traced
at another moment (``tests/unit/test_diet_load.py`` compares them with Rasa's own load).

Use it in ``config.yml`` as ``- name: bot.nlu.diet.QuickLoadDIETClassifier`` with DIET's options.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.extractor import EntityTagSpec
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

TEXT = "text"


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class QuickLoadDIETClassifier(DIETClassifier):
    """DIET whose load skips tracing the training graph (see the module docstring)."""

    @classmethod
    def _load_model_class(
        cls,
        tf_model_file: Text,
        model_data_example: RasaModelData,
        label_data: RasaModelData,
        entity_tag_specs: List[EntityTagSpec],
        config: Dict[Text, Any],
        finetune_mode: bool,
    ) -> RasaModel:
        if finetune_mode or config.get(RUN_EAGERLY):
            # fine-tuning continues training: keep Rasa's own path
            return super()._load_model_class(
                tf_model_file, model_data_example, label_data, entity_tag_specs, config, finetune_mode
            )
        eager = copy.deepcopy(config)
        eager[RUN_EAGERLY] = True
        model = super()._load_model_class(
            tf_model_file, model_data_example, label_data, entity_tag_specs, eager, finetune_mode
        )
        # Serve in graph mode, as Rasa would: trace the predict step once now, not on the first message.
        model.run_eagerly = False
        model.config[RUN_EAGERLY] = False
        model._tf_predict_step = None
        predict_data_example = RasaModelData(
            label_key=model_data_example.label_key,
            data={name: features for name, features in model_data_example.items() if TEXT in name},
        )
        model.run_inference(predict_data_example)
        return model
