"""Start Rasa's server exactly as ``rasa run ...`` does, but without importing JAX.

TensorFlow Lite (imported by TensorFlow, which Rasa imports) tries ``from jax import ...`` and takes
the ImportError path when JAX is missing. JAX is installed in this environment (a dependency of
another package), so every Rasa process imported it for nothing: measured 64 MB of memory and 1.6 s
of start-up (docs/figures.md). Nothing in Rasa uses JAX. This launcher marks ``jax`` as not
importable, then hands over to Rasa's own command line, so all ``rasa`` options work unchanged:

    .venv/bin/python -m bot.serve run --model models/bot.tar.gz --endpoints endpoints.yml ...

(The action server does the same for its libraries with ``bot.imports.import_without``.)
"""

from __future__ import annotations

import sys


def main() -> None:
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # "import jax" -> ImportError
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
