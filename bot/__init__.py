"""The domain of the MKB technology-introduction advisor.

Plain Python, no Rasa server imports at module level: the action server (``actions/``) and the
custom Rasa components (``bot/nlu``, ``bot/channels``) build on it; it never imports them.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
