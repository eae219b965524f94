"""Fitted objects kept on disk between starts (``.cache/<kind>/<key>.pkl``), so a start loads them.

The action server builds three things from the project's files: the knowledge retriever (~9 s: every
entry lemmatised, two classifiers fitted), the answer-topic model (~4 s) and the conclusion engine's
learned layer (~15 s). Loading each from a pickle takes well under a second. A cached object is used
only under the key it was written with: a hash (:func:`digest`) of every file it was built from, the
code that builds it and the versions of the libraries and the spaCy pipeline whose output it holds.
Change any of them and the object is built again (and written under the new key); the oldest files of
a kind are removed, ``KEEP`` stay (the bot's and a few a developer switches between).

Why not ``joblib.Memory``: it keys a result on the function's own source and its arguments, while
these objects depend on data files and on other modules' code; the key would still be ours, and this
module adds only the atomic write and the pruning to it. A damaged, foreign or unreadable file means:
build again. A read-only checkout means: build at every start, as before the cache. ``BOT_NO_CACHE=1``
switches the cache off (a test that must build from the files).
"""

from __future__ import annotations

import hashlib
import os
import pickle  # noqa: S403 - only our own files, written by this module
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable, Optional, Type, TypeVar

from bot import PROJECT_ROOT

CACHE_ROOT = PROJECT_ROOT / ".cache"
KEEP = 3

T = TypeVar("T")


def digest(files: Iterable[Path], *extra: object) -> str:
    """A hash of the files' names and bytes (in the given order) and of ``extra`` (versions, settings),
    with the Python version (pickles are not portable across it)."""
    h = hashlib.sha256(f"python {sys.version_info[:3]}".encode())
    for path in files:
        path = Path(path)
        h.update(f"\0{path.name}\0".encode())
        h.update(path.read_bytes())
    for item in extra:
        h.update(f"\0{item!r}".encode())
    return h.hexdigest()[:32]


def code_files(*names: str) -> list:
    """Project files (relative to the project root) for :func:`digest`."""
    return [PROJECT_ROOT / name for name in names]


def versions(*distributions: str) -> str:
    """Installed versions of the named packages ("scikit-learn", "spacy", ...) for :func:`digest`."""
    from importlib import metadata

    out = []
    for name in distributions:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} missing")
    return " ".join(out)


def pipeline_id(nlp: object) -> str:
    """What identifies a spaCy pipeline's output: its name, version and spaCy version (the fallback and
    nl_core_news_sm lemmatise differently)."""
    meta = getattr(nlp, "meta", {}) or {}
    return f"{meta.get('lang')}_{meta.get('name')} {meta.get('version')} spacy {meta.get('spacy_version')}"


def enabled() -> bool:
    return os.environ.get("BOT_NO_CACHE", "").strip().lower() not in ("1", "true", "yes")


def load_or_build(
    kind: str,
    key: str,
    build: Callable[[], T],
    expected: Type[T],
    root: Optional[Path] = None,
) -> T:
    """The object of ``kind`` stored under ``key``, or ``build()`` (then stored for the next start)."""
    folder = Path(root or CACHE_ROOT) / kind
    path = folder / f"{key}.pkl"
    if enabled() and path.is_file():
        try:
            with path.open("rb") as handle:
                obj = pickle.load(handle)  # noqa: S301 - our own file
            if isinstance(obj, expected):
                return obj
        except Exception:  # noqa: BLE001 - damaged or written by other code: build again
            pass
    obj = build()
    if enabled():
        store(folder, path, obj)
    return obj


def store(folder: Path, path: Path, obj: object) -> bool:
    """Write ``obj`` atomically (a reader never sees half a file) and prune the folder to ``KEEP``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
        for old in sorted(folder.glob("*.pkl"), key=lambda f: f.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)
        return True
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False  # read-only checkout, or an object that cannot be pickled: built at every start
