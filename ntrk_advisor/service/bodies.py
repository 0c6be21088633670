"""A request body read within limits: JSON only, no larger than the limit, no deeper than the limit.

Checked in the order that costs least first: the content type and the declared length before a
byte is read, the length again while reading (a body sent in chunks declares none), then the
parse, then the nesting. Each refusal is an `HttpError`; the body is never quoted back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ntrk_advisor.contract.decode import DuplicateKey, loads_strict
from ntrk_advisor.service.errors import HttpError


def check_content_type(headers: Mapping[str, str]) -> None:
    """Refuse anything but JSON (`application/json`, or a `+json` type such as FHIR's), HTTP 415."""
    value = headers.get("content-type", "")
    media = value.split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        shown = media[:60] or "none"
        raise HttpError(415, "unsupported_media_type", f"the body must be application/json, not {shown}")


def declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Refuse a body whose Content-Length is over the limit before reading it (HTTP 413)."""
    value = headers.get("content-length")
    if value is None:
        return
    if not value.isdigit():
        raise HttpError(400, "bad_request", "Content-Length is not a number")
    if int(value) > limit:
        raise too_large(limit)


def too_large(limit: int) -> HttpError:
    """The HTTP 413 answer for a body over `limit` bytes."""
    return HttpError(413, "payload_too_large", f"the body is larger than the limit of {limit} bytes")


async def read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, stopping with HTTP 413 as soon as it passes `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def parse_object(body: bytes, max_depth: int) -> dict[str, Any]:
    """The body as a JSON object, nested no deeper than `max_depth` (else HTTP 400)."""
    if not body.strip():
        raise HttpError(400, "bad_json", "the body is empty; a JSON object is expected")
    try:
        value = loads_strict(body)
    except DuplicateKey as exc:
        raise HttpError(400, "duplicate_key", _duplicate_message(exc)) from None
    except ValueError as exc:
        if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
            raise too_deep(max_depth) from None
        raise HttpError(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise HttpError(400, "bad_json", "the body must be a JSON object")
    # Each level of nesting opens with a bracket, so a text with no more brackets than the limit
    # (a count in C; brackets inside strings only add to it) cannot nest deeper: no walk needed.
    if body.count(b"{") + body.count(b"[") > max_depth and nesting_over(value, max_depth):
        raise too_deep(max_depth)
    return value


def _duplicate_message(exc: DuplicateKey) -> str:
    """Names the key when it is a plain name (keys of FHIR and CDS Hooks are); the body is never quoted."""
    plain = len(exc.path) <= 120 and all(c.isascii() and (c.isalnum() or c in "_-.[]$") for c in exc.path)
    where = f"'{exc.path}'" if plain else "a key"
    return f"{where} is given more than once in one JSON object"


def too_deep(max_depth: int) -> HttpError:
    """The HTTP 400 answer for JSON nested deeper than the limit."""
    return HttpError(400, "too_deep", f"the JSON is nested deeper than {max_depth} levels")


def nesting_over(value: object, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object] = item.values() if isinstance(item, dict) else item  # type: ignore[assignment]
        if depth > limit:
            return True
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False
