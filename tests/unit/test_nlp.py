"""The Dutch spaCy pipeline: real model or declared fallback, never a stand-in under the real name."""

import json

import pytest

from bot import nlp


@pytest.fixture(scope="module")
def fallback_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("spacy") / "pipe"
    nlp.prepare(target, force_fallback=True)
    return target


def test_fallback_is_declared_and_not_named_after_the_real_model(fallback_dir):
    info = nlp.describe(fallback_dir)
    assert info is not None
    assert info.kind == "fallback"
    assert info.name == nlp.FALLBACK_NAME
    assert "nl_core_news_sm" not in info.name
    assert "FALLBACK" in info.summary
    meta = json.loads((fallback_dir / "meta.json").read_text())
    assert meta["lang"] == "nl" and meta["name"] != "core_news_sm"


def test_fallback_lemmatizes_dutch(fallback_dir):
    import spacy

    pipe = spacy.load(fallback_dir)
    lemmas = [t.lemma_ for t in pipe("medewerkers leerden snel en gingen kijken bij collega-bedrijven")]
    assert lemmas[0] == "medewerker"
    assert "leren" in lemmas and "gaan" in lemmas


def test_prepare_is_idempotent(fallback_dir):
    before = (fallback_dir / "meta.json").stat().st_mtime_ns
    nlp.prepare(fallback_dir, force_fallback=True)
    assert (fallback_dir / "meta.json").stat().st_mtime_ns == before


def test_describe_without_pipeline_is_none(tmp_path):
    assert nlp.describe(tmp_path) is None


def test_real_model_is_used_when_installed(tmp_path):
    if not nlp.real_model_available():
        pytest.skip("nl_core_news_sm is not installed here (the fallback test covers this machine)")
    info = nlp.prepare(tmp_path / "real", force_fallback=False)
    assert info.kind == "model" and info.name == "nl_core_news_sm"
    assert info.version.startswith("3.4")


def test_cli_describe_prints_the_pipeline(capsys):
    assert nlp.main(["describe"]) == 0
    out = capsys.readouterr().out
    assert "spaCy-pipeline:" in out
