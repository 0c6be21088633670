"""The ASGI application: discovery, the two hooks and feedback, behind one refusal path.

Routes (CDS Hooks 2.0):

- `GET  /cds-services`                  discovery (`service.discovery`);
- `POST /cds-services/{id}`             a hook call: the case from the prefetch and the clinician's
                                        answers (`service.hook_case`), the engine, the cards
                                        (`service.cards`, `service.orders`);
- `POST /cds-services/{id}/feedback`    what was done with the cards (`service.feedback`).

Every request is checked in the order that costs least: the route, the caller's token
(`service.auth`), the content type and size, the JSON, its nesting, its shape. A refusal is an
`HttpError` answered here as its status and one line of JSON (an OperationOutcome for the
call's FHIR data, `service.errors`); anything unexpected is HTTP 500 with
one line, logged by exception type only. The worker never stops for a request. No handler makes an
outbound connection (but the opt-in `service.fallback`, to the FHIR servers `serve --fhir-fallback`
names) or writes anything but the feedback log and log lines. Every answer carries
the headers of `service.headers` (no caching, no sniffing). What a connection may cost before a
request reaches this application (header size, slow clients, how many at once) is bounded by
`service.transport`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ntrk_advisor import api
from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.environment import local_now, seconds_by, today_by
from ntrk_advisor.i18n import Lang
from ntrk_advisor.memo import BoundedMemo
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base
from ntrk_advisor.service import logs
from ntrk_advisor.service.answer_page import PAGE_PATH, AnswerPage, style_sheet
from ntrk_advisor.service.auth import Caller, Verifier, load_jwks
from ntrk_advisor.service.bodies import check_content_type, declared_length, parse_object, read_limited
from ntrk_advisor.service.card_templates import (
    LINK,
    NOTE,
    UUID,
    CardTemplates,
    fresh_uuids,
    marker,
    template_of,
)
from ntrk_advisor.service.cards import result_cards
from ntrk_advisor.service.config import ServiceConfig
from ntrk_advisor.service.discovery import ORDER_SELECT, SERVICES, Service, discovery
from ntrk_advisor.service.errors import JSON, HttpError
from ntrk_advisor.service.fallback import Fallback
from ntrk_advisor.service.feedback import items_of
from ntrk_advisor.service.headers import with_security_headers
from ntrk_advisor.service.hook_case import HookCase, case_of, read_call
from ntrk_advisor.service.orders import drafted, order_cards
from ntrk_advisor.service.page_token import PageTokens, page_key
from ntrk_advisor.service.storage import FeedbackStore, open_feedback_log, open_replay_window

MAX_BASES = 64
"""Base URLs kept (one per `Host` a client sent); beyond it they are made afresh."""
CLIENT_CLOSED = 499
"""Logged (never sent) when the client's connection closed before its body arrived, nginx's code;
`service.transport` closes a body that takes too long after answering 408 itself."""


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None, media_type: str = JSON
) -> Response:
    """A compact, one-line JSON answer."""
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


class CdsService:
    """The state one worker keeps: settings, knowledge, the token checker, the feedback log.

    `shared_replay` is for a process that is one of several workers: its replay window is then the
    SQLite file they all share (`service.replay`), so a token replayed to another worker is
    refused too; a process answering alone keeps the window in memory. With a PostgreSQL
    `--feedback-db` the window is in that database, shared by every worker of every machine
    (`service.storage`).
    """

    def __init__(
        self,
        config: ServiceConfig,
        kb: KnowledgeBase | None = None,
        verifier: Verifier | None = None,
        *,
        shared_replay: bool = False,
        clock: Callable[[], dt.datetime] = local_now,
    ) -> None:
        self.config = config
        self.clock = clock
        """The time now: the date ages are computed at for records that give none (a test pins it)."""
        self.kb = kb or default_knowledge_base(config.pathways_dir)
        if verifier is None and not config.insecure_no_auth:
            if config.jwks_path is None:
                from ntrk_advisor.service.errors import ServiceSetupError

                raise ServiceSetupError("usage.no_jwks")
            keys = load_jwks(config.jwks_path)
            replays = open_replay_window(config.feedback_db, config.replay_db, shared=shared_replay)
            verifier = Verifier(keys, config.issuers, config.public_url, replays=replays)
        self.verifier = verifier
        used = verifier.replays if verifier is not None else None
        if used is None:
            used = open_replay_window(config.feedback_db, config.replay_db, shared=shared_replay)
        self._page_uses = used if verifier is None else None
        """The answer page's use window when there is no token checker to share one with."""
        self.page_tokens = PageTokens(page_key(config.page_key_file), lambda: seconds_by(self.clock), used)
        """The answer page's tokens: signed with this server's key, spent in the replay window."""
        self._page: AnswerPage | None = None
        self.cors_origins = tuple(cors_origin(o) for o in config.cors_origins)
        """The allowed browser origins, checked at start (a bad one stops `serve`)."""
        self.fallback = Fallback.of(config.fhir_fallback, config.fhir_timeout_s)
        """The FHIR servers a missing prefetch key may be read from (none: prefetch only)."""
        self._feedback: FeedbackStore | None = None
        self.discovery_body = orjson.dumps(discovery())
        self._bases: BoundedMemo[tuple[Any, ...], str] = BoundedMemo(MAX_BASES)
        """This server's base URL per request host and scheme, when `--base-url` does not give it."""
        self.templates = CardTemplates()
        """Each valid case's answer as encoded JSON with blanks, per language (bounded by bytes)."""

    @property
    def feedback_log(self) -> FeedbackStore:
        """The feedback log (`--feedback-db`: an SQLite file or a PostgreSQL URL), opened on first use."""
        if self._feedback is None:
            self._feedback = open_feedback_log(self.config.feedback_db)
        return self._feedback

    def close(self) -> None:
        """Close the feedback log, if open, and the replay window."""
        if self._feedback is not None:
            self._feedback.close()
            self._feedback = None
        if self.verifier is not None:
            self.verifier.replays.close()
        if self._page_uses is not None:
            self._page_uses.close()

    @property
    def page(self) -> AnswerPage:
        """The answer page (`/app`), made on first use."""
        if self._page is None:
            self._page = AnswerPage(self.kb, self.page_tokens, self.clock, self.cors_origins)
        return self._page

    def page_link(self, request: Request, hook_case: HookCase, lang: str) -> str:
        """The card's link to the answer page: `--base-url` (else this request's own) + `/app?token=…`."""
        token = self.page.link_token(hook_case.answers, hook_case.sources)
        # What `urlencode({"token": …, "lang": …})` gives: a token is base64url text and a dot, and
        # `lang` is `en` or `zh`, none of which a query string escapes.
        return f"{self.base_of(request)}{PAGE_PATH}?token={token}&lang={lang}"

    def base_of(self, request: Request) -> str:
        """`--base-url`, else this request's own base URL (Starlette's), made once per host and scheme.

        Starlette builds it from the scheme, the first `Host` header, the server's address and the
        root path, so those are the key; the hosts kept are bounded (a client chooses its `Host`).
        """
        if self.config.base_url:
            return self.config.base_url.rstrip("/")
        scope = request.scope
        server = scope.get("server")  # a list in some servers (and Starlette's test client)
        key = (
            scope.get("scheme"),
            request.headers.get("host"),
            tuple(server) if isinstance(server, list) else server,
            scope.get("app_root_path", scope.get("root_path", "")),
        )
        found = self._bases.get(key)
        if found is None:
            found = self._bases.keep(key, str(request.base_url).rstrip("/"))
        return found

    def caller(self, request: Request, *paths: str) -> Caller | None:
        """The checked caller (None when auth is off); the token's `aud` must be one of `paths`."""
        if self.verifier is None:
            return None
        return self.verifier.check(request.headers.get("authorization"), paths)

    async def body_of(self, request: Request) -> dict[str, Any]:
        """The request's JSON object, within the limits."""
        check_content_type(request.headers)
        declared_length(request.headers, self.config.max_body_bytes)
        body = await read_limited(request.stream(), self.config.max_body_bytes)
        return parse_object(body, self.config.max_depth)

    # -- the endpoints ----------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        """`GET /cds-services`."""
        self.caller(request, "/cds-services")
        return Response(self.discovery_body, media_type=JSON)

    async def call(self, request: Request) -> Response:
        """`POST /cds-services/{id}`: the cards for this hook call."""
        service = service_of(request)
        self.caller(request, f"/cds-services/{service.id}")
        body = await self.body_of(request)
        call = read_call(body, service, request.headers.get("accept-language"))
        request.state.hook_instance = call.hook_instance
        if self.fallback.bases:
            prefetch = await run_in_threadpool(
                self.fallback.filled_prefetch,
                call.prefetch,
                call.context,
                call.fhir_server,
                call.access_token,
            )
            call = dataclasses.replace(call, prefetch=prefetch)
        hook_case = case_of(call, today_by(self.clock))
        lang = call.lang
        if service.id == ORDER_SELECT:
            case = validated(hook_case.answers)
            found = drafted(call.context)
            cards = order_cards(found, hook_case.answers, hook_case.notes, self.kb, lang)
            request.state.fields = {"drafted": found.drugs, "case": _loggable(case, hook_case.answers)}
            request.state.fields["cards"] = [c["uuid"] for c in cards]
            return json_response({"cards": cards})
        return self.cards_answer(request, hook_case, lang)

    def cards_answer(self, request: Request, hook_case: HookCase, lang: Lang) -> Response:
        """The cards for a case's answers: from their template (`service.card_templates`) once made.

        The key is the answers as exact JSON text: the same text is the same case, so the same
        result. A valid case is rendered the ordinary way (validation, the engine, the cards, the
        encoder) until its second call, which also makes its template, kept only if it gives that
        answer byte for byte; so a case seen once costs no more than before. An invalid case is
        always rendered (its card quotes the answers).
        """
        notes = hook_case.notes
        key = template_key(hook_case.answers, lang, len(notes))
        template = None if key is None else self.templates.get(key)
        if template is not None:
            link = self.link_for(request, hook_case, lang, template.log_fields["result"])
            uuids = fresh_uuids(template.cards)
            request.state.fields = {**template.log_fields, "cards": uuids}
            return Response(template.filled(uuids, notes, link), media_type=JSON)
        case = validated(hook_case.answers)
        result = api.evaluate(case if case is not None else hook_case.answers, lang, self.kb)
        log_fields = {"case": _loggable(case, hook_case.answers), **result_log(result)}
        link = self.link_for(request, hook_case, lang, log_fields["result"])
        cards = result_cards(result, self.kb, lang, notes=notes, app_url=link)
        uuids = [c["uuid"] for c in cards]
        body = orjson.dumps({"cards": cards})
        if key is not None and case is not None and self.templates.seen_before(key):
            self.keep_template(key, result, lang, log_fields, (uuids, notes, link), body)
        request.state.fields = {**log_fields, "cards": uuids}
        return Response(body, media_type=JSON)

    def keep_template(
        self,
        key: tuple[Any, ...],
        result: Result,
        lang: Lang,
        log_fields: dict[str, Any],
        values: tuple[list[str], list[str], str | None],
        body: bytes,
    ) -> None:
        """Make the template of `result`'s cards and keep it if, filled with `values`, it gives `body`."""
        uuids, notes, link = values
        marked = result_cards(
            result,
            self.kb,
            lang,
            notes=[marker(NOTE, i) for i in range(len(notes))],
            app_url=None if link is None else marker(LINK),
        )
        for index, marked_card in enumerate(marked):
            marked_card["uuid"] = marker(UUID, index)
        made = template_of(marked, log_fields)
        if made is not None and made.cards == len(uuids) and made.filled(uuids, notes, link) == body:
            self.templates.put(key, made)

    def link_for(self, request: Request, hook_case: HookCase, lang: Lang, status: str) -> str | None:
        """The cards' app link: `--app-url`, else a fresh answer-page link for an incomplete case."""
        if self.config.app_url is not None:
            return self.config.app_url
        if status == Status.INCOMPLETE.value:
            return self.page_link(request, hook_case, lang)
        return None

    async def feedback(self, request: Request) -> Response:
        """`POST /cds-services/{id}/feedback`: stored, then answered."""
        service = service_of(request)
        caller = self.caller(request, f"/cds-services/{service.id}/feedback", f"/cds-services/{service.id}")
        body = await self.body_of(request)
        items = items_of(body)
        stored = self.feedback_log.append(service.id, items, None if caller is None else caller.issuer)
        request.state.fields = {"stored": stored}
        return json_response({"stored": stored})

    async def page_show(self, request: Request) -> Response:
        """`GET /app`: the answer page (`service.answer_page`)."""
        return await self.page.show(request)

    async def page_submit(self, request: Request) -> Response:
        """`POST /app`: the answer page's form."""
        return await self.page.submit(request)

    async def page_report(self, request: Request) -> Response:
        """`GET /app/report`: the MDT report of a case answered on the page."""
        return await self.page.report(request)

    async def page_style(self, request: Request) -> Response:
        """`GET /app/page.css`: the page's one style sheet."""
        return Response(style_sheet(), media_type="text/css; charset=utf-8")


def service_of(request: Request) -> Service:
    """The service the URL names, or HTTP 404."""
    service = SERVICES.get(request.path_params.get("service_id", ""))
    if service is None:
        raise HttpError(404, "unknown_service", "no such CDS service; GET /cds-services lists them")
    return service


def validated(answers: dict[str, Any]) -> Case | None:
    """The validated case, or None when it is invalid (the engine words why)."""
    try:
        return case_from_data(answers)
    except CaseInvalid:
        return None


def template_key(answers: dict[str, Any], lang: Lang, notes: int) -> tuple[Any, ...] | None:
    """The key of a case's template: the language, how many notes, the answers as exact JSON text.

    orjson writes `1` and `1.0`, `0.0` and `-0.0`, `true` and `1` differently, and keeps the
    order of the keys, so equal text means equal answers. None for answers it cannot write
    (an integer beyond 64 bits): those are always rendered.
    """
    try:
        return (lang, notes, orjson.dumps(answers))
    except orjson.JSONEncodeError:
        return None


def result_log(result: Result) -> dict[str, Any]:
    """What a request's log line says of its result: its codes, never its text."""
    return {
        "result": result.status.value,
        "pathway": None if result.pathway is None else result.pathway.value,
        "actions": [a.action.value for a in result.actions],
        "missing": list(result.missing),
    }


def _loggable(case: Case | None, answers: dict[str, Any]) -> dict[str, Any]:
    """What the log may say about a case: its coded answers; for an invalid one, only that."""
    if case is None:
        return {"invalid": True}
    return logs.coded_case(case.answers())


Handler = Callable[[Request], Awaitable[Response]]


def guarded(name: str, handler: Handler) -> Handler:
    """The handler with the one refusal path and one log line per request."""

    async def run(request: Request) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status_code
            return response
        except HttpError as exc:
            status = exc.status
            return json_response(exc.body(), exc.status, exc.headers, exc.media_type)
        except ClientDisconnect:  # gone (or closed by the body timeout): nobody to answer
            status = CLIENT_CLOSED
            return Response(status_code=400)
        except Exception as exc:  # a bug: one line to the caller, the type to the log
            logs.event("internal_error", 40, endpoint=name, exception=type(exc).__name__)
            return json_response({"error": "internal", "message": "unexpected error"}, 500)
        finally:
            line = {
                "endpoint": name,
                "service": _known(request.path_params.get("service_id")),
                "hookInstance": getattr(request.state, "hook_instance", None),
                **getattr(request.state, "fields", {}),
                "status": status,
                "ms": round((time.perf_counter() - start) * 1000, 2),
            }
            logs.event("request", **line)

    return run


def _known(service_id: str | None) -> str | None:
    """A service id fit for the log: one of ours, never text from the URL."""
    return service_id if service_id in SERVICES else None


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answered as one line of JSON, like every refusal."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    message = {404: "no such endpoint", 405: "method not allowed here"}.get(status, "refused")
    headers = getattr(exc, "headers", None)
    return json_response({"error": code, "message": message}, status, headers)


CORS_METHODS = ("GET", "POST")
CORS_HEADERS = ("authorization", "content-type", "accept-language")
"""What a browser client of an allowed origin may send: the calls, the token, JSON, a language."""
CORS_MAX_AGE_S = 600


def cors_origin(value: str) -> str:
    """An origin for `--cors-origin`: `http(s)://host[:port]`, nothing else (no `*`, no path).

    A bad one stops `serve` (`ServiceSetupError`) rather than allowing something else.
    """
    from urllib.parse import urlsplit

    from ntrk_advisor.service.errors import ServiceSetupError

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not value.isprintable()
    ):
        raise ServiceSetupError("usage.cors_origin", value=repr(value))
    return value.rstrip("/")


def with_cors(app: ASGIApp, origins: tuple[str, ...]) -> ASGIApp:
    """`app` answering CORS preflights and marking answers for exactly `origins` (none: unchanged).

    Without origins there is no CORS at all: a preflight is 405 like any OPTIONS, and no answer
    carries `Access-Control-Allow-Origin`, so a browser page of another origin cannot read one.
    """
    if not origins:
        return app
    from starlette.middleware.cors import CORSMiddleware

    return CORSMiddleware(
        app,
        allow_origins=list(origins),
        allow_methods=list(CORS_METHODS),
        allow_headers=list(CORS_HEADERS),
        max_age=CORS_MAX_AGE_S,
    )


def create_app(service: CdsService) -> ASGIApp:
    """The ASGI application serving `service`, every answer with the security headers.

    CORS only for the origins `serve --cors-origin` named.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.close()

    hook = guarded("hook", service.call)
    routes = [
        Route("/cds-services", guarded("discovery", service.discovery), methods=["GET"]),
        Route("/cds-services/{service_id}", hook, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", guarded("feedback", service.feedback), methods=["POST"]),
        Route(PAGE_PATH, guarded("page", service.page_show), methods=["GET"]),
        Route(PAGE_PATH, guarded("page_submit", service.page_submit), methods=["POST"]),
        Route(f"{PAGE_PATH}/report", guarded("page_report", service.page_report), methods=["GET"]),
        Route(f"{PAGE_PATH}/page.css", guarded("page_style", service.page_style), methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_found, HTTPException: not_found},
        lifespan=lifespan,
    )
    return with_security_headers(with_cors(with_hook_route(app, hook), service.cors_origins))


HOOK_PATHS = {f"/cds-services/{service_id}": service_id for service_id in SERVICES}
"""The hook calls' paths, each with its service id (what the router's `{service_id}` would give)."""


def with_hook_route(app: ASGIApp, hook: Handler) -> ASGIApp:
    """`app` with a hook call (`POST /cds-services/{id}` of one of our services) sent to `hook` first.

    An EHR's calls are almost all hook calls; this spares each of them Starlette's two exception
    middlewares and its router (issue 27). `hook` is the same guarded handler the router holds,
    which answers every exception itself, so the answer is the same; anything else, or a request
    under a root path, goes to `app`.
    """

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            service_id = HOOK_PATHS.get(scope["path"])
            if service_id is not None:
                scope["path_params"] = {"service_id": service_id}
                response = await hook(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return dispatch


def app_from_environment() -> ASGIApp:
    """The application for a worker process, from the settings `serve` put in its environment.

    Such a process is one of several workers (`serve --workers N`, or another server's), so its
    replay window is the shared one.
    """
    config = ServiceConfig.from_environment()
    logs.setup()
    service = CdsService(config, shared_replay=True)
    warm_up(service)
    return create_app(service)


def warm_up(service: CdsService) -> None:
    """Evaluate one case in each language, so the first real call is as fast as the rest."""
    for lang in ("en", "zh"):
        result = api.evaluate({"age_years": 40, "fusion_status": "confirmed"}, lang, service.kb)
        result_cards(result, service.kb, lang)
