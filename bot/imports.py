"""Import a library without the heavy optional backends it would pick up on its own.

Rasa installs TensorFlow and JAX. Some libraries import them at import time just because they are
there: ``thinc`` (under spaCy) imports TensorFlow, ``bm25s`` imports JAX. The action server needs
neither (a lookup lemmatizer and a top-k over a few hundred entries), and importing them costs it
seconds at start and hundreds of MB. :func:`import_without` blocks the named modules only while the
library is imported (the library then takes its numpy path); afterwards anyone may import them. In
a process that already imported them (the Rasa server), nothing is blocked.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_without(name: str, *blocked: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    blocking = [b for b in blocked if b not in sys.modules]
    for module in blocking:
        sys.modules[module] = None  # type: ignore[assignment]  # "import <module>" raises ImportError
    try:
        return importlib.import_module(name)
    finally:
        for module in blocking:
            del sys.modules[module]
