"""The headers every answer of the service carries, refusals included.

A card is advice derived from one patient's record, so no cache (a browser's, a proxy's) may keep
it (`Cache-Control: no-store`), and no client may guess another content type than the one given
(`X-Content-Type-Options: nosniff`). `with_security_headers` adds them to whatever the application
answers, its errors and the router's 404 and 405 included; `service.transport` writes them into
the answers it makes itself (431, 408, 503, 400 for broken HTTP).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
)


def with_security_headers(app: ASGIApp) -> ASGIApp:
    """`app` with `SECURITY_HEADERS` on every HTTP answer (outermost, so nothing escapes it)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *SECURITY_HEADERS]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
