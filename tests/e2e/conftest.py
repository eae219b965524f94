"""One real bot (action server + Rasa server) for the whole end-to-end session."""

from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import yaml

from bot import PROJECT_ROOT
from tests.e2e.server import BotServer


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> Iterator[BotServer]:
    server = BotServer(workdir=tmp_path_factory.mktemp("bot"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def responses() -> Dict[str, List[str]]:
    """All response texts of the domain, by response name."""
    found: Dict[str, List[str]] = {}
    for path in sorted(Path(PROJECT_ROOT, "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            found[name] = [v.get("text", "") for v in variants]
    return found
