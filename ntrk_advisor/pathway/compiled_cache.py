"""A disk cache of checked, compiled knowledge bases, keyed by the content of their files.

Loading means parsing YAML, validating it and running every check: tens of milliseconds that a
quick consult should not pay twice for unchanged files. The cache lives in the user's own cache
folder (never beside an institution's pathway files), is written atomically, and any problem
reading or writing it simply means building afresh. Set NTRK_ADVISOR_NO_CACHE=1 to bypass it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from ntrk_advisor._version import __version__

CACHE_ENV = "NTRK_ADVISOR_CACHE"
NO_CACHE_ENV = "NTRK_ADVISOR_NO_CACHE"


_LAYOUT_SOURCES = (
    "models.py",
    "fields.py",
    "vocabulary.py",
    "i18n.py",
    "pathway/schema.py",
    "pathway/checks.py",
    "pathway/tree.py",
    "pathway/knowledge.py",
)
"""The code that decides what a cached knowledge base holds and how it is built."""


def key_of(texts: dict[str, str | None], *, builtin: bool) -> str:
    """A key that changes with any file, the code that builds the cache, Python, and built-in or local.

    Built-in and local differ because a local copy is checked for a rule the built-ins are not.
    The cache holds plain Python objects and parsed YAML only, never pydantic models.
    """
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{sys.version}|{builtin}|".encode())
    digest.update(code_fingerprint(Path(__file__).resolve().parent.parent))
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + (texts[name] or "").encode() + b"\0")
    return digest.hexdigest()


def code_fingerprint(package: Path) -> bytes:
    """A digest of the code that builds the cache, by content.

    Not only the version: a development build keeps its version number while the cached layout
    changes, and an older layout must never be read back.
    """
    digest = hashlib.sha256()
    for name in _LAYOUT_SOURCES:
        try:
            digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
        except OSError:  # installed without sources: the version alone has to do
            digest.update(name.encode() + b"\0?\0")
    return digest.digest()


def _folder() -> Path | None:
    if os.environ.get(NO_CACHE_ENV) == "1":
        return None
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ntrk-advisor"))


def load(key: str) -> Any:
    """The cached object for a key, or None (missing, unreadable or from another version)."""
    folder = _folder()
    if folder is None:
        return None
    try:
        with (folder / f"knowledge-{key}.pickle").open("rb") as handle:
            return pickle.load(handle)  # our own file, in the user's own cache folder
    except Exception:  # any failure only means: build afresh
        return None


def save(key: str, value: Any) -> None:
    """Store an object for a key; silently skipped when the cache folder is not writable."""
    folder = _folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".knowledge-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"knowledge-{key}.pickle")
    except Exception:  # a cache that cannot be written is no error
        return
