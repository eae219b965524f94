"""Is a message Dutch, another language, or no language at all?

A classifier trained only on Dutch examples is confidently wrong on text it has never seen words of
("qwrtz pflumk", "Könnten Sie mir helfen"). This looks at the words themselves: a word counts as
Dutch when the bot's training data has it, when it is in the Dutch lemma table of
spacy-lookups-data, or when it is a Dutch stop word; foreign function words come from spaCy's stop
word lists. Plain Python; the Rasa component in ``bot.nlu.language_guard`` wraps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable

FOREIGN_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "pl", "tr")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # letters only, at least two


@dataclass(frozen=True)
class LanguageVerdict:
    verdict: str  # "dutch", "foreign" or "unknown" (no recognisable words) or "empty" (no words at all)
    dutch_share: float
    foreign_share: float
    language: str | None = None


@lru_cache(maxsize=1)
def dutch_lexicon():
    """The Dutch lemma lookup table (word forms) of spacy-lookups-data; ``in`` works on strings."""
    from spacy.lookups import load_lookups

    return load_lookups("nl", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def dutch_lemmas() -> FrozenSet[str]:
    """The lemmas of that table (the keys are only the inflected forms)."""
    return frozenset(str(v).lower() for v in dutch_lexicon().values())


@lru_cache(maxsize=1)
def english_lexicon() -> FrozenSet[str]:
    """English words: forms and lemmas of the lemma lookup table of spacy-lookups-data (~65,000)."""
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    lemmas = {str(v).lower() for v in table.values()}
    return frozenset(lemmas)


@lru_cache(maxsize=1)
def english_forms():
    """The English lemma lookup table itself (inflected forms); ``in`` works on strings."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def stop_words() -> Dict[str, FrozenSet[str]]:
    """spaCy's stop words per language.

    Each ``spacy/lang/<xx>/stop_words.py`` is run on its own: importing it as
    ``spacy.lang.<xx>.stop_words`` would first import the whole language package (tokenizer
    exceptions, syntax iterators, ...), which took ~3 s of the Rasa server's start for nine
    languages. The files only define ``STOP_WORDS`` (no imports).
    """
    import importlib.util
    from pathlib import Path

    import spacy

    lang_dir = Path(spacy.__file__).parent / "lang"
    lists = {}
    for lang in ("nl",) + FOREIGN_LANGUAGES:
        path = lang_dir / lang / "stop_words.py"
        spec = importlib.util.spec_from_file_location(f"_spacy_stop_words_{lang}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        lists[lang] = frozenset(w.lower() for w in module.STOP_WORDS)
    return lists


def words(text: str) -> list:
    return [w.lower() for w in _WORD.findall(text)]


def judge(text: str, vocabulary: Iterable[str] = ()) -> LanguageVerdict:
    """Judge the language of ``text``.

    Function words decide first: the message is *foreign* when it has more stop words of one other
    language (that are not Dutch stop words) than Dutch-only stop words. Without stop words, word
    lists decide: *foreign* when it has more English-only words than Dutch-only words. A message
    with words of which none is known Dutch or foreign is *unknown*. ``vocabulary`` holds the
    words of the bot's Dutch training examples, so domain words (cobot, lasrobot) count as Dutch.
    """
    tokens = words(text)
    if not tokens:
        return LanguageVerdict("empty", 0.0, 0.0)
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    lists = stop_words()
    nl_lexicon, en_lexicon, en_forms = dutch_lexicon(), english_lexicon(), english_forms()
    nl_lemmas = dutch_lemmas()
    is_dutch = [t in vocab or t in lists["nl"] or t in nl_lexicon or t in nl_lemmas for t in tokens]
    dutch_share = sum(is_dutch) / len(tokens)

    best_lang, best_foreign, best_dutch = None, 0, 0
    for lang in FOREIGN_LANGUAGES:
        foreign_only = sum(1 for t, d in zip(tokens, is_dutch) if t in lists[lang] and not d)
        dutch_only = sum(1 for t in tokens if t in lists["nl"] and t not in lists[lang])
        if foreign_only > best_foreign:
            best_lang, best_foreign, best_dutch = lang, foreign_only, dutch_only
    if best_foreign and best_foreign > best_dutch:
        return LanguageVerdict("foreign", dutch_share, best_foreign / len(tokens), best_lang)
    if best_foreign == 0 and not any(t in lists["nl"] for t in tokens):
        english = [t in en_lexicon or t in en_forms for t in tokens]
        en_only = sum(1 for e, d in zip(english, is_dutch) if e and not d)
        nl_only = sum(1 for e, d in zip(english, is_dutch) if d and not e)
        if en_only > nl_only:
            return LanguageVerdict("foreign", dutch_share, en_only / len(tokens), "en")
        if not any(is_dutch) and not any(english):
            return LanguageVerdict("unknown", 0.0, 0.0)
    return LanguageVerdict("dutch", dutch_share, best_foreign / len(tokens))
