"""A reviewer's Ed25519 key pair: made, written for its owner alone, read back only if still private.

The private key is a PEM file (unencrypted PKCS #8) that only its owner may read: a key others can
read could sign in its owner's name, so it is refused until its mode is 0600 again. The public key
goes into the pathways folder's `reviewers.yaml` (`authoring/signoff.py`).
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from ntrk_advisor.errors import UsageError
from ntrk_advisor.pathway.signing import PUBLIC_PREFIX

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAX_KEY_FILE = 16 * 1024


def new_key_pair() -> tuple[bytes, str]:
    """A fresh private key (PEM, unencrypted PKCS #8) and its public key text (`ed25519:…`)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, public_text_of(pem)


def public_text_of(pem: bytes) -> str:
    """The `ed25519:…` text of a private key's public half; raises `UsageError` for anything else."""
    from cryptography.hazmat.primitives import serialization

    key = _private_key(pem)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PUBLIC_PREFIX + base64.b64encode(raw).decode("ascii")


def sign(pem: bytes, payload: bytes) -> str:
    """The base64 Ed25519 signature of `payload` with a private key."""
    return base64.b64encode(_private_key(pem).sign(payload)).decode("ascii")


def read_private_key(path: Path) -> bytes:
    """A private key file's bytes, refused unless it is a regular file only its owner can read.

    A key that others can read could sign in its owner's name; the refusal says how to fix it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise UsageError("review.key_unreadable", path=path, reason=exc.strerror or exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_KEY_FILE:
            raise UsageError("review.key_not_a_key", path=path)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                "review.key_readable_by_others", path=path, mode=f"{stat.S_IMODE(info.st_mode):o}"
            )
        geteuid = getattr(os, "geteuid", None)
        if geteuid is not None and info.st_uid != geteuid():
            raise UsageError("review.key_not_yours", path=path)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_KEY_FILE + 1)
    finally:
        os.close(fd)
    _private_key(data, path)
    return data


def write_private_key(path: Path, pem: bytes) -> None:
    """Write a new private key readable by its owner only (mode 0600); never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise UsageError("review.key_exists", path=path) from None
    except OSError as exc:
        raise UsageError("review.key_unwritable", path=path, reason=exc.strerror or exc) from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_key(pem: bytes, path: Path | None = None) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError("review.key_not_a_key", path=path or "-")
    return key
