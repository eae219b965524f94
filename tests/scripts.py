"""Load a script of ``scripts/`` as a module, for the tests of what it counts and reads."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from bot import PROJECT_ROOT


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as the module ``<name>`` (registered in ``sys.modules``: dataclasses look their
    module up while it loads)."""
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
