"""A disk cache of checked, compiled knowledge bases, keyed by the content of their files.

Loading means parsing YAML, validating it and running every check: tens of milliseconds that a
quick consult should not pay twice for unchanged files. The cache is a convenience and never an
authority, so it is built to be safe to lose and impossible to abuse:

- It holds JSON data only (`compiled_codec`), never pickle or anything else that can run code, and
  every value is checked when read back.
- A file is a header line (format, layout, key, the SHA-256 and size of the body) and a JSON body.
  A file whose key is not the one asked for, whose body does not hash to what the header claims, or
  that fails any check is rebuilt, never used.
- The folder must belong to the user running the tool and be writable by nobody else; otherwise it
  is not used at all (one warning), because anyone who can write there could plant advice that
  would be stamped as the built-in knowledge. Files are opened without following links or
  blocking, and must be regular files of the same owner.
- Writes go to a temporary file in the folder, then a rename; the temporary file is removed on any
  failure (a full disk included).

Set NTRK_ADVISOR_NO_CACHE=1 to bypass it and NTRK_ADVISOR_CACHE to move it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ntrk_advisor._version import __version__

if TYPE_CHECKING:
    from ntrk_advisor.pathway.compiled import CompiledLayer

CACHE_ENV = "NTRK_ADVISOR_CACHE"
NO_CACHE_ENV = "NTRK_ADVISOR_NO_CACHE"

APP_NAME = "ntrk-advisor"
FORMAT = "ntrk-advisor compiled knowledge"
SUFFIX = ".json"
MAX_BYTES = 32 * 1024 * 1024
"""A cache file is about 400 KB; anything far larger is not ours and is not read."""

_LAYOUT_SOURCES = (
    "i18n.py",
    "pathway/schema.py",
    "pathway/checks.py",
    "pathway/tree.py",
    "pathway/compiled.py",
    "pathway/compiled_codec.py",
    "contract/vocabulary.py",
    "contract/fields.py",
    "contract/result.py",
    "pathway/knowledge.py",
    "pathway/sources.py",
    "pathway/yaml_data.py",
    "pathway/loading.py",
    "pathway/look_alike.py",
    "pathway/catalogues.py",
    "pathway/statements.py",
    "pathway/reviews.py",
    "pathway/signing.py",
)
"""The code that decides what a cached knowledge base holds and how it is built."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class UnsafeCacheWarning(UserWarning):
    """The cache folder could be written by someone else, so the tool works without it."""


def key_of(texts: dict[str, str | None], *, builtin: bool) -> str:
    """A key that changes with any file, the code that builds the cache, Python, and built-in or local.

    Built-in and local differ because a local copy is checked for a rule the built-ins are not.
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


def file_name(key: str) -> str:
    """The name of the cache file for a key."""
    return f"knowledge-{key}{SUFFIX}"


def load(key: str) -> CompiledLayer | None:
    """The cached layer for a key, or None (missing, unsafe, damaged, tampered or of another layout)."""
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        raw = _read_regular(folder, file_name(key))
    finally:
        os.close(folder)
    if raw is None:
        return None
    body = _verified_body(raw, key)
    if body is None:
        return None
    from ntrk_advisor.contract.decode import loads_strict
    from ntrk_advisor.pathway.compiled_codec import CorruptLayer, from_data

    try:
        return from_data(loads_strict(body))
    except (CorruptLayer, ValueError, RecursionError):
        return None


def save(key: str, layer: CompiledLayer) -> None:
    """Store a layer for a key; silently skipped when the folder is unsafe or cannot be written."""
    from ntrk_advisor.pathway.compiled_codec import to_data

    body = json.dumps(to_data(layer), ensure_ascii=False, separators=(",", ":")).encode()
    header = {
        "format": FORMAT,
        "key": key,
        "sha256": hashlib.sha256(body).hexdigest(),
        "bytes": len(body),
    }
    content = json.dumps(header).encode() + b"\n" + body
    folder = _open_folder(create=True)
    if folder is None:
        return
    try:
        _tidy(folder)
        _write_atomically(folder, file_name(key), content)
    finally:
        os.close(folder)


def _verified_body(raw: bytes, key: str) -> bytes | None:
    head, newline, body = raw.partition(b"\n")
    if not newline:
        return None
    from ntrk_advisor.contract.decode import loads_strict

    try:
        header = loads_strict(head)
    except ValueError:  # a key given twice (`DuplicateKey`) included
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
        return None
    if header.get("bytes") != len(body) or header.get("sha256") != hashlib.sha256(body).hexdigest():
        return None
    return body


def _folder() -> Path | None:
    if os.environ.get(NO_CACHE_ENV) == "1":
        return None
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    return user_cache_folder()


def user_cache_folder() -> Path:
    """The user's cache folder for the tool: platformdirs' `user_cache_dir`.

    On Linux that is the XDG rule, `$XDG_CACHE_HOME` when it is an absolute path, else `~/.cache`,
    which is read here directly when it is plain (an absolute HOME): platformdirs and the
    `tempfile` it imports cost a quick consult about 4 ms of CPU to say the same. Everything else
    (another system, no usable HOME) is platformdirs' to decide.
    """
    if sys.platform == "linux":
        xdg, home = os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", "")
        if os.path.isabs(xdg):
            return Path(xdg, APP_NAME)
        if os.path.isabs(home):
            return Path(home, ".cache", APP_NAME)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME))


def _open_folder(*, create: bool) -> int | None:
    """A descriptor of the cache folder, or None when there is none or it is not safe to use.

    Everything afterwards goes through this descriptor, so the folder checked is the folder used,
    whatever happens to the path meanwhile.
    """
    path = _folder()
    if path is None:
        return None
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDONLY | _DIRECTORY)
    except OSError:
        return None
    problem = _unsafe(os.fstat(fd), "folder")
    if problem is None and not stat.S_ISDIR(os.fstat(fd).st_mode):
        problem = "is not a folder"
    if problem is not None:
        os.close(fd)
        if str(path) not in _warned:  # once per folder and process, however often it is asked
            _warned.add(str(path))
            warnings.warn(
                UnsafeCacheWarning(f"not using the knowledge cache {path}: it {problem}"), stacklevel=3
            )
        return None
    return fd


_warned: set[str] = set()


def _unsafe(info: os.stat_result, what: str) -> str | None:
    """Why a folder or file must not be trusted, or None."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is a {what} others can write to (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _read_regular(folder: int, name: str) -> bytes | None:
    """The bytes of a regular file of ours in the folder, or None; never follows a link or blocks."""
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES or _unsafe(info, "file"):
            return None
        chunks = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > MAX_BYTES:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _tidy(folder: int) -> None:
    """Remove what earlier runs left: temporary files of killed runs, and pickles of old versions."""
    import time

    stale_before = time.time() - 3600
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            old_temp = name.endswith(".tmp") and entry.stat(follow_symlinks=False).st_mtime < stale_before
            if name.startswith(("knowledge-", ".knowledge-")) and (old_temp or name.endswith(".pickle")):
                with contextlib.suppress(OSError):
                    os.unlink(entry.name, dir_fd=folder)


def _write_atomically(folder: int, name: str, content: bytes) -> None:
    """Write a temporary file, then rename it over `name`; remove the temporary file on any failure."""
    temp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except OSError:  # a full disk, a folder at the file's place: no cache this time
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=folder)
