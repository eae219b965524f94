"""The Dutch spaCy pipeline: the real ``nl_core_news_sm`` where installed, else a declared fallback.

``prepare()`` writes the pipeline the bot runs on to ``.spacy/nl_pipeline`` (the path that
``config.yml`` gives Rasa's ``SpacyNLP``). It is either

* ``nl_core_news_sm`` (spaCy 3.4 release), saved unchanged, when that package is installed; or
* the fallback ``blank_lookup_fallback``: ``spacy.blank("nl")`` with spaCy's lookup lemmatizer and the
  Dutch lemma table from ``spacy-lookups-data``. It tokenizes and lemmatizes, nothing more (no POS
  tags, no parser, no vectors), and it is never named after the real model.

``describe()`` tells which one is in place; the run script prints it at start-up and the status
endpoint (``bot.channels.status``) returns it.

Command line: ``python -m bot.nlp prepare`` / ``python -m bot.nlp describe``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

from bot import PROJECT_ROOT

logger = logging.getLogger(__name__)

REAL_MODEL = "nl_core_news_sm"
FALLBACK_NAME = "blank_lookup_fallback"
#: Where the pipeline the bot runs on is saved; config.yml points SpacyNLP here.
PIPELINE_DIR = PROJECT_ROOT / ".spacy" / "nl_pipeline"
#: Set to "fallback" to force the fallback even where the real model is installed (tests use it).
FORCE_ENV = "BOT_SPACY_PIPELINE"
_KIND_KEY = "mkb_bot_pipeline_kind"


@dataclass(frozen=True)
class PipelineInfo:
    """What the bot's spaCy pipeline is, for logs, the status endpoint and the run script."""

    kind: str  # "model" (the real nl_core_news_sm) or "fallback"
    name: str  # e.g. "nl_core_news_sm" or "blank_lookup_fallback"
    version: str
    spacy_version: str
    components: tuple
    path: str

    @property
    def summary(self) -> str:
        if self.kind == "model":
            return f"spaCy-pipeline: {self.name} {self.version} (het echte Nederlandse model)"
        return (
            f"spaCy-pipeline: {self.name} {self.version} (FALLBACK: spacy.blank('nl') met de "
            f"lookup-lemmatizer uit spacy-lookups-data; {REAL_MODEL} is niet geïnstalleerd)"
        )

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["components"] = list(self.components)
        data["summary"] = self.summary
        return data


def real_model_available() -> bool:
    """True when the ``nl_core_news_sm`` package for this spaCy is installed."""
    import spacy

    if not spacy.util.is_package(REAL_MODEL):
        return False
    meta = spacy.util.get_package_meta(REAL_MODEL) if hasattr(spacy.util, "get_package_meta") else {}
    wanted = meta.get("spacy_version", "")
    return not wanted or spacy.util.is_compatible_version(spacy.about.__version__, wanted) is not False


def build_fallback():
    """Blank Dutch pipeline with the lookup lemmatizer (tables from spacy-lookups-data)."""
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma_lookup table from spacy-lookups-data
    nlp.meta["name"] = FALLBACK_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "Fallback Dutch pipeline of this project: spacy.blank('nl') + lookup lemmatizer "
        f"(spacy-lookups-data). Used because {REAL_MODEL} could not be installed."
    )
    nlp.meta[_KIND_KEY] = "fallback"
    return nlp


def prepare(target: Path = PIPELINE_DIR, force_fallback: bool | None = None) -> PipelineInfo:
    """Save the pipeline the bot will run on to ``target`` and return what it is.

    Rewrites ``target`` only when the choice changed, so a second start costs nothing.
    """
    import spacy

    if force_fallback is None:
        force_fallback = os.environ.get(FORCE_ENV, "").lower() == "fallback"
    want_real = (not force_fallback) and real_model_available()
    current = describe(target)
    if current is not None and current.kind == ("model" if want_real else "fallback"):
        return current
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if want_real:
        nlp = spacy.load(REAL_MODEL)
        nlp.meta[_KIND_KEY] = "model"
    else:
        nlp = build_fallback()
    nlp.to_disk(target)
    info = describe(target)
    assert info is not None
    return info


def describe(path: Path = PIPELINE_DIR) -> PipelineInfo | None:
    """Read what the saved pipeline at ``path`` is, or None when there is none."""
    meta_file = Path(path) / "meta.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    name = f"{meta.get('lang', '?')}_{meta.get('name', '?')}"
    kind = meta.get(_KIND_KEY) or ("model" if name == REAL_MODEL else "fallback")
    if kind == "fallback":
        name = meta.get("name", FALLBACK_NAME)
    return PipelineInfo(
        kind=kind,
        name=name,
        version=str(meta.get("version", "?")),
        spacy_version=str(meta.get("spacy_version", "?")),
        components=tuple(meta.get("pipeline", [])),
        path=str(path),
    )


@lru_cache(maxsize=1)
def load(path: str = str(PIPELINE_DIR)):
    """Load the saved pipeline (once per process); prepares it first when missing."""
    from bot.imports import import_without

    spacy = import_without("spacy", "tensorflow")  # thinc would import TensorFlow: bot/imports.py

    if describe(Path(path)) is None:
        prepare(Path(path))
    nlp = spacy.load(path, disable=["parser", "ner"])
    info = describe(Path(path))
    logger.info(info.summary if info else f"spaCy pipeline at {path}")
    return nlp


def lemmas(text: str) -> list:
    """Lower-cased lemmas of the alphabetic/numeric tokens of ``text``."""
    nlp = load()
    return [t.lemma_.lower() or t.text.lower() for t in nlp(text.lower()) if not (t.is_punct or t.is_space)]


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "describe"])
    parser.add_argument("--json", action="store_true", help="print the description as JSON")
    args = parser.parse_args(argv)
    info = prepare() if args.command == "prepare" else describe()
    if info is None:
        print("Geen spaCy-pipeline voorbereid: draai `python -m bot.nlp prepare`.", file=sys.stderr)
        return 1
    print(json.dumps(info.as_dict(), ensure_ascii=False) if args.json else info.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
