"""Ed25519 signatures of review records checked, through the `cryptography` package.

A reviewer's public key is written in `reviewers.yaml` as `ed25519:` and the 32 raw bytes in
base64. What is signed is the canonical JSON of a review record without its signature
(`reviews.signed_payload`), so a hospital can verify a stamp offline with any Ed25519
implementation. Making keys and signing is the authoring tools' (`authoring/keys.py`); the
knowledge layer only verifies, and only when it compiles the knowledge: a consult from the
compiled cache never loads `cryptography`.
"""

from __future__ import annotations

import base64
import binascii

PUBLIC_PREFIX = "ed25519:"


def verifies(public_text: str, payload: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is the key's signature of `payload`; False for any malformed part."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = public_bytes(public_text)
    if raw is None:
        return False
    try:
        signed = base64.b64decode(signature.encode("ascii"), validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(signed, payload)
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return True


def public_bytes(public_text: str) -> bytes | None:
    """The 32 raw bytes of an `ed25519:…` text, or None when it is not one."""
    if not public_text.startswith(PUBLIC_PREFIX):
        return None
    try:
        raw = base64.b64decode(public_text[len(PUBLIC_PREFIX) :].encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return raw if len(raw) == 32 else None
