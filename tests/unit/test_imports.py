"""The action server loads without TensorFlow and JAX (bot/imports.py): seconds and hundreds of MB."""

import subprocess
import sys

from bot import PROJECT_ROOT
from bot.imports import import_without

CHECK = """
import sys
import actions  # loads and warms the retriever, the engine and the spaCy lemmatizer
heavy = sorted(m for m in ("tensorflow", "jax", "rasa") if m in sys.modules)
assert not heavy, heavy
assert "spacy" in sys.modules and "bm25s" in sys.modules
from bot.knowledge.index import bm25s
assert not bm25s.selection.JAX_IS_AVAILABLE  # numpy top-k
rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
print(rss)
"""


def test_action_server_package_loads_without_tensorflow_or_jax():
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) < 400, f"action server package uses {done.stdout.split()[-1]} MB"


def test_blocked_modules_are_importable_again_afterwards():
    assert import_without("json", "this_module_does_not_exist") is sys.modules["json"]
    assert "this_module_does_not_exist" not in sys.modules
