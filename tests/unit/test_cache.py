"""The on-disk cache of built objects (``bot.cache``) and its two newer users: the knowledge retriever
and the answer-topic model load from it with the same behaviour as a fresh build."""

import os

import pytest

from bot import cache


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_ROOT", tmp_path / "cache")
    monkeypatch.delenv("BOT_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_the_key_changes_with_a_file_its_name_and_the_extras(tmp_path):
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("x: 1\n")
    b.write_text("x: 1\n")
    key = cache.digest([a], "sklearn 1.0")
    assert key == cache.digest([a], "sklearn 1.0")
    assert key != cache.digest([b], "sklearn 1.0")  # same bytes, other file
    assert key != cache.digest([a], "sklearn 1.1")
    a.write_text("x: 2\n")
    assert key != cache.digest([a], "sklearn 1.0")


def test_built_once_then_loaded_a_damaged_file_is_built_again(root):
    calls = []

    def build():
        calls.append(1)
        return {"fitted": len(calls)}

    assert cache.load_or_build("thing", "k1", build, dict) == {"fitted": 1}
    assert cache.load_or_build("thing", "k1", build, dict) == {"fitted": 1}  # from disk
    assert len(calls) == 1
    (root / "thing" / "k1.pkl").write_bytes(b"\x80\x04 not a pickle")
    assert cache.load_or_build("thing", "k1", build, dict) == {"fitted": 2}
    # an object of another type under the key (foreign code) is not trusted either
    cache.store(root / "thing", root / "thing" / "k2.pkl", ["a", "list"])
    assert cache.load_or_build("thing", "k2", build, dict) == {"fitted": 3}
    assert not list((root / "thing").glob("*.tmp"))


def test_only_the_newest_files_of_a_kind_are_kept(root):
    for n in range(cache.KEEP + 2):
        cache.load_or_build("thing", f"k{n}", lambda n=n: n, int)
        path = root / "thing" / f"k{n}.pkl"
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    kept = sorted(p.stem for p in (root / "thing").glob("*.pkl"))
    assert kept == [f"k{n}" for n in range(2, cache.KEEP + 2)]


def test_switched_off_or_unwritable_the_object_is_built_every_time(root, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setenv("BOT_NO_CACHE", "1")
    assert cache.load_or_build("thing", "k", lambda: calls.append(1) or 7, int) == 7
    assert cache.load_or_build("thing", "k", lambda: calls.append(1) or 7, int) == 7
    assert len(calls) == 2 and not root.exists()
    monkeypatch.delenv("BOT_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cache, "CACHE_ROOT", blocker)  # mkdir under a file fails: no cache, no error
    assert cache.load_or_build("thing", "k", lambda: 8, int) == 8


def test_the_retriever_from_the_cache_answers_as_a_fresh_one(root):
    from bot.knowledge import retrieval

    retrieval.default_retriever.cache_clear()
    try:
        built = retrieval.default_retriever()
        files = list((root / retrieval.CACHE_KIND).glob("*.pkl"))
        assert len(files) == 1
        retrieval.default_retriever.cache_clear()
        loaded = retrieval.default_retriever()
        assert loaded is not built
        for question in (
            "Wat levert een cobot de medewerkers op?",
            "Hoe betrek ik mijn operators bij een nieuwe robot?",
            "Wat kost een lasrobot?",
        ):
            a, b = built.answer(question), loaded.answer(question)
            assert (a.found, a.entry_ids, a.text) == (b.found, b.entry_ids, b.text)
        assert [h.entry.id for h in built.search("exoskelet tillen")] == [
            h.entry.id for h in loaded.search("exoskelet tillen")
        ]
    finally:
        retrieval.default_retriever.cache_clear()


def test_the_topic_model_from_the_cache_gives_the_same_probabilities(root):
    from bot import answer_topics
    from bot.conclusions import ConclusionEngine

    engine = ConclusionEngine.from_file(learned=False)
    answer_topics._MODELS.clear()
    try:
        built = answer_topics.topic_model(engine)
        assert len(list((root / answer_topics.CACHE_KIND).glob("*.pkl"))) == 1
        answer_topics._MODELS.clear()
        loaded = answer_topics.topic_model(engine)
        assert loaded is not built
        text = "we hebben 3 vacatures open en de vaste ploeg wordt ouder"
        assert loaded.probabilities(text) == pytest.approx(built.probabilities(text))
        assert max(loaded.probabilities(text), key=loaded.probabilities(text).get) == "arbeidsmarkt"
    finally:
        answer_topics._MODELS.clear()
