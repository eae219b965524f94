"""bot.serve: Rasa's own command line, without JAX in the process."""

import subprocess
import sys

from bot import PROJECT_ROOT


def test_the_launcher_is_rasas_command_line():
    out = subprocess.run([sys.executable, "-m", "bot.serve", "--version"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Rasa Version" in out.stdout and "3.6.21" in out.stdout


def test_rasa_and_tensorflow_load_without_jax():
    code = (
        "import sys; import bot.serve as s; sys.modules.setdefault('jax', None)\n"
        "import rasa.core.agent, tensorflow\n"
        "print('jax-loaded' if sys.modules.get('jax') is not None else 'no-jax', tensorflow.__version__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "no-jax"
