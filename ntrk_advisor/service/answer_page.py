"""The answer page: `/app`, where a clinician gives the answers a record could not, and reads the advice.

The card of an incomplete case links here with a page token (`service.page_token`). The page is
server-rendered (Jinja2, autoescaped, templates in `service/templates/`), has no script, and
fetches only its own style sheet:

- `GET /app?token=…` spends the card's token and shows what the record gave, each answer with
  its source, then asks only the missing questions, with the consult's texts, help and order
  (`questions.yaml` through the knowledge base, the engine's `missing` order);
- `POST /app` (the form, with a fresh token and its CSRF field) reads the answers through the
  one intake rule (`intake.Answers.over`), the one validation and the one engine: a bad value
  gives the form again naming the field; a case still incomplete gives the form again with what
  is still missing; a complete one gives the result, bottom line first, then the plan, and links
  to the MDT report (`render.html_report`) as HTML and, when a Chromium is on the server, PDF
  (`render.pdf`, as `consult --format pdf`);
- `GET /app/report?token=…&format=html|pdf` gives that report.

Language: `?lang=en|zh` (or the form's `lang` field) when given, else `Accept-Language`, else
English. A token that is malformed, forged, expired or already used gives a page saying so, with
a 4xx status; a form without its CSRF field, or with a wrong one, is 403.
"""

from __future__ import annotations

import asyncio
import functools
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ntrk_advisor import api
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.errors import UsageError
from ntrk_advisor.fhir.age import IMPORT_DATE_SOURCE
from ntrk_advisor.i18n import Lang, has, t
from ntrk_advisor.intake import Answers
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.html_report import LANG_TAGS
from ntrk_advisor.render.safe_text import shown
from ntrk_advisor.render.view import (
    AVOID_STRENGTHS,
    answer_label,
    bottom_line,
    bottom_line_item,
    field_label,
    knowledge_line,
    urgent_first,
)
from ntrk_advisor.service.bodies import read_limited
from ntrk_advisor.service.errors import HttpError
from ntrk_advisor.service.hook_case import language_of
from ntrk_advisor.service.page_token import FROM_CALL, FROM_PAGE, PageCase, PageTokens, TokenRefused

PAGE_PATH = "/app"
MAX_FORM_BYTES = 64 * 1024
"""A form of every question answered is well under 4 KiB."""
MAX_FORM_FIELDS = 200
NONE_VALUE = "__none__"
"""The value of a checklist's "None of these" box (never a choice key, which is a plain word)."""
FORM_TYPE = "application/x-www-form-urlencoded"
PDF_AT_ONCE = 2
"""Reports printed to PDF at the same time by one worker (each is a Chromium process)."""


def content_policy(frame_origins: Sequence[str]) -> str:
    """The page's Content-Security-Policy: nothing but its own style sheet and its own form.

    `frame-ancestors` lets the service itself, and the EHR's origins (`serve --cors-origin`),
    show the page in a frame; no other site can.
    """
    ancestors = " ".join(["'self'", *frame_origins])
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {ancestors}"
    )


def report_policy(frame_origins: Sequence[str]) -> str:
    """The MDT report's policy: its own (inline styles, data images), framed as the page is."""
    ancestors = " ".join(["'self'", *frame_origins])
    return f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors {ancestors}"


@functools.lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The page's templates, autoescaped, failing loudly on a name the template does not get."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ntrk_advisor.service", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_language(query: str | None, accept_language: str | None) -> Lang:
    """The one rule: `lang` of the URL or form (en or zh) when given, else Accept-Language, else en."""
    if query in ("en", "zh"):
        return "zh" if query == "zh" else "en"
    return language_of(accept_language)


@dataclass(frozen=True)
class Choice:
    """One radio button or check box."""

    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class QuestionView:
    """One missing question as the form asks it: the consult's prompt, help and choices."""

    name: str
    kind: str
    """`radio` (enum, yes/no), `checkbox` (tick all that apply), `number` or `text`."""
    prompt: str
    help: str
    choices: tuple[Choice, ...] = ()
    value: str = ""
    error: str = ""
    limits: str = ""


@dataclass(frozen=True)
class GivenView:
    """One answer already known: its question, the answer as the consult words it, its source."""

    label: str
    answer: str
    source: str


@dataclass
class Posted:
    """What a posted form asked for: the answers read, the values as typed, the problems found."""

    answers: dict[str, Any] = field(default_factory=dict)
    typed: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class AnswerPage:
    """The page's handlers for one service: its knowledge, its tokens, its frame origins."""

    def __init__(
        self, kb: KnowledgeBase, tokens: PageTokens, clock: Any, frame_origins: Sequence[str]
    ) -> None:
        self.kb = kb
        self.tokens = tokens
        self.clock = clock
        """The time now, as a datetime (the report's "generated" line)."""
        self.policy = content_policy(frame_origins)
        self.report_policy = report_policy(frame_origins)
        self._printing = asyncio.Semaphore(PDF_AT_ONCE)

    # -- the link a card carries ---------------------------------------------------------------

    def link_token(self, answers: Mapping[str, Any], sources: Mapping[str, list[str]]) -> str:
        """A token for a card's link: the derived case without identifiers, and its sources."""
        return self.tokens.issue(PageCase(dict(answers), dict(sources), "form"))

    # -- the endpoints -------------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        """`GET /app?token=…`: the card's token spent, the form (or the result) with a fresh one."""
        lang = page_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        try:
            case = self.tokens.read(request.query_params.get("token"), "form")
            self.tokens.spend(case)
        except TokenRefused as exc:
            return self.refused(exc, lang)
        return self.next_page(case.answers, case.sources, lang, Posted())

    async def submit(self, request: Request) -> Response:
        """`POST /app`: the answers through the intake, validation and engine; the form or the result."""
        raw = await self.form_of(request)
        lang = page_language(_one(raw, "lang"), request.headers.get("accept-language"))
        token = _one(raw, "token")
        try:
            case = self.tokens.read(token, "form")
        except TokenRefused as exc:
            return self.refused(exc, lang)
        if not self.tokens.nonce_matches(token or "", _one(raw, "csrf")):
            return self.page("page_refused.html.j2", lang, 403, **self.refusal_texts("csrf", lang))
        try:
            self.tokens.spend(case)
        except TokenRefused as exc:
            return self.refused(exc, lang)
        asked = self.missing_of(case.answers, lang)
        posted = self.read_form(raw, asked, lang)
        return self.next_page(case.answers, case.sources, lang, posted, asked)

    async def report(self, request: Request) -> Response:
        """`GET /app/report?token=…&format=html|pdf`: the MDT report of the answered case."""
        lang = page_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        form = request.query_params.get("format", "html")
        if form not in ("html", "pdf"):
            return self.page("page_refused.html.j2", lang, 400, **self.refusal_texts("malformed", lang))
        try:
            case = self.tokens.read(request.query_params.get("token"), "report")
            self.tokens.spend(case)
        except TokenRefused as exc:
            return self.refused(exc, lang)
        result = api.evaluate(case.answers, lang, self.kb)
        from ntrk_advisor.render.html_report import render_html

        tumor = case.answers.get("tumor_type")
        html = render_html(
            result,
            self.kb,
            lang,
            generated=self.clock(),
            tumor_type=tumor if isinstance(tumor, str) else None,
        )
        if form == "html":
            return Response(
                html, media_type="text/html; charset=utf-8", headers=self.headers(self.report_policy)
            )
        from ntrk_advisor.render.pdf import html_to_pdf

        async with self._printing:
            try:
                pdf = await run_in_threadpool(html_to_pdf, html)
            except UsageError:
                return self.page("page_refused.html.j2", lang, 503, **self.refusal_texts("no_pdf", lang))
        headers = {
            **self.headers(self.policy),
            "Content-Disposition": 'attachment; filename="mdt-report.pdf"',
        }
        return Response(pdf, media_type="application/pdf", headers=headers)

    # -- the flow ------------------------------------------------------------------------------

    def missing_of(self, answers: Mapping[str, Any], lang: Lang) -> list[str]:
        """The questions the engine still needs for `answers`, in the order the consult asks them."""
        return list(api.evaluate(dict(answers), lang, self.kb).missing)

    def next_page(
        self,
        known: Mapping[str, Any],
        sources: Mapping[str, list[str]],
        lang: Lang,
        posted: Posted,
        asked: Sequence[str] | None = None,
    ) -> Response:
        """After the answers known and those posted: the form again, or the result."""
        if posted.errors:  # a bad value: the same questions again, each problem at its field
            return self.form_page(known, sources, asked or [], lang, posted, status=422)
        merged = Answers(dict(known)).over(posted.answers).values
        try:
            case = case_from_data(merged)
        except CaseInvalid as exc:  # answers that contradict each other or the record
            errors = {e.field.partition(".")[0]: e.message for e in exc.field_errors(lang)}
            posted = Posted(posted.answers, posted.typed, errors)
            return self.form_page(known, sources, asked or list(errors), lang, posted, status=422)
        result = api.evaluate(case, lang, self.kb)
        answers = case.answers()
        new_sources = {n: list(s) for n, s in sources.items() if n in answers and n not in posted.answers}
        new_sources.update({name: [FROM_PAGE] for name in posted.answers})
        if result.status is Status.INCOMPLETE:
            return self.form_page(answers, new_sources, list(result.missing), lang, Posted())
        return self.result_page(result, answers, new_sources, lang)

    def form_page(
        self,
        known: Mapping[str, Any],
        sources: Mapping[str, list[str]],
        asked: Sequence[str],
        lang: Lang,
        posted: Posted,
        status: int = 200,
    ) -> Response:
        """The form: what is known with its sources, then each missing question."""
        token = self.tokens.issue(PageCase(dict(known), dict(sources), "form"))
        questions = [self.question(name, lang, posted) for name in asked]
        errors = [(name, field_label(name, lang), message) for name, message in posted.errors.items()]
        return self.page(
            "page_form.html.j2",
            lang,
            status,
            given=self.given(known, sources, lang),
            questions=questions,
            errors=errors,
            token=token,
            csrf=self.tokens.form_nonce(token),
            form_lang=lang,
            other_lang="zh" if lang == "en" else "en",
        )

    def result_page(
        self, result: Result, answers: Mapping[str, Any], sources: Mapping[str, list[str]], lang: Lang
    ) -> Response:
        """The result: the bottom line first, then the plan, the cautions, the answers used, the report."""
        line = bottom_line(result)
        groups = [
            (t(f"group.{key}", lang), [bottom_line_item(a, lang) for a in actions])
            for key, actions in line.groups()
        ]
        plan = [
            {
                "name": t(f"action.{a.action.value}", lang),
                "summary": a.summary,
                "rationale": list(a.rationale),
            }
            for a in urgent_first(result)
            if a.strength not in AVOID_STRENGTHS
        ]
        reports = [
            ("html", t("page.report_html", lang), self.report_token(answers, sources)),
        ]
        if pdf_available():
            reports.append(("pdf", t("page.report_pdf", lang), self.report_token(answers, sources)))
        return self.page(
            "page_result.html.j2",
            lang,
            200,
            groups=groups,
            plan=plan,
            cautions=list(result.cautions),
            given=self.given(answers, sources, lang),
            reports=[
                (fmt, label, urllib.parse.urlencode({"token": tok, "format": fmt, "lang": lang}))
                for fmt, label, tok in reports
            ],
            pdf_offered=len(reports) == 2,
            knowledge=knowledge_line(result, lang),
        )

    def report_token(self, answers: Mapping[str, Any], sources: Mapping[str, list[str]]) -> str:
        """A token for one opening of the MDT report of these answers."""
        return self.tokens.issue(PageCase(dict(answers), dict(sources), "report"))

    # -- pieces --------------------------------------------------------------------------------

    def given(
        self, known: Mapping[str, Any], sources: Mapping[str, list[str]], lang: Lang
    ) -> list[GivenView]:
        """Each known answer by the consult's label and wording, with where it came from."""
        out = []
        for name, value in known.items():
            if name not in FIELD_SPECS:
                continue
            refs = sources.get(name, [])
            if refs == [FROM_PAGE]:
                source = t("page.source_page", lang)
            elif refs == [FROM_CALL] or not refs:
                source = t("page.source_call", lang)
            else:
                source = t(
                    "page.source_record",
                    lang,
                    refs=("、" if lang == "zh" else ", ").join(source_label(r, lang) for r in refs),
                )
            out.append(GivenView(field_label(name, lang), answer_label(self.kb, name, value, lang), source))
        return out

    def question(self, name: str, lang: Lang, posted: Posted) -> QuestionView:
        """A missing field as the consult asks it (`questions.yaml`), with what was typed and its problem."""
        spec = FIELD_SPECS[name]
        question = self.kb.questions.questions[name]
        typed = posted.typed.get(name, [])
        prompt, help_text = getattr(question.prompt, lang), getattr(question.help, lang)
        error = posted.errors.get(name, "")
        if spec.kind in ("enum", "bool", "list"):
            pairs = [(key, getattr(label, lang)) for key, label in (question.choices or {}).items()]
            if spec.kind == "list" and question.none_label is not None:
                pairs.append((NONE_VALUE, getattr(question.none_label, lang)))
            choices = tuple(Choice(key, label, key in typed) for key, label in pairs)
            return QuestionView(
                name, "checkbox" if spec.kind == "list" else "radio", prompt, help_text, choices, error=error
            )
        limits = ""
        if spec.kind == "number":
            limits = t("page.number_limits", lang, minimum=f"{spec.minimum:g}", below=f"{spec.below:g}")
        return QuestionView(
            name, spec.kind, prompt, help_text, value=typed[0] if typed else "", error=error, limits=limits
        )

    def read_form(self, raw: Mapping[str, list[str]], asked: Sequence[str], lang: Lang) -> Posted:
        """The answers of the questions asked, as JSON values; a blank one is simply not given.

        Only the questions asked are read (anything else posted is ignored); the values are
        turned into the JSON the validation takes, and the validation decides.
        """
        posted = Posted()
        for name in asked:
            values = [v.strip() for v in raw.get(name, []) if v.strip()]
            posted.typed[name] = values
            if not values:
                continue
            spec = FIELD_SPECS[name]
            if spec.kind == "list":
                if NONE_VALUE in values and len(values) > 1:
                    posted.errors[name] = t("page.none_and_items", lang)
                    continue
                posted.answers[name] = [] if values == [NONE_VALUE] else values
            elif spec.kind == "bool":
                posted.answers[name] = {"true": True, "false": False}.get(values[0], values[0])
            elif spec.kind == "number":
                number = _number(values[0])
                assert spec.minimum is not None and spec.below is not None
                if number is None or not spec.minimum <= number < spec.below:
                    posted.errors[name] = t(
                        "number_invalid", lang, minimum=f"{spec.minimum:g}", below=f"{spec.below:g}"
                    )
                    continue
                posted.answers[name] = number
            else:
                posted.answers[name] = values[0]
        if not posted.errors:
            try:
                case_from_data(Answers({}).over(posted.answers).values)
            except CaseInvalid as exc:
                for error in exc.field_errors(lang):
                    name = error.field.partition(".")[0]
                    if name in asked:
                        posted.errors.setdefault(name, error.message)
        return posted

    async def form_of(self, request: Request) -> dict[str, list[str]]:
        """The posted form's fields (url-encoded UTF-8, within `MAX_FORM_BYTES`), else HTTP 4xx."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != FORM_TYPE:
            raise HttpError(415, "unsupported_media_type", f"the form is sent as {FORM_TYPE}")
        body = await read_limited(request.stream(), MAX_FORM_BYTES)
        try:
            return urllib.parse.parse_qs(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
            )
        except (UnicodeDecodeError, ValueError):
            raise HttpError(400, "bad_form", "the form cannot be read") from None

    # -- answers -------------------------------------------------------------------------------

    def refusal_texts(self, reason: str, lang: Lang) -> dict[str, str]:
        """The refusal page's title (why) and next step (what to do)."""
        return {"title": t(f"page.refused_{reason}", lang), "next_step": t("page.refused_next", lang)}

    def refused(self, exc: TokenRefused, lang: Lang) -> Response:
        """The page of a token that cannot be used: why, and what to do, with its 4xx (or 503)."""
        return self.page("page_refused.html.j2", lang, exc.status, **self.refusal_texts(exc.reason, lang))

    def headers(self, policy: str) -> dict[str, str]:
        """The policy headers: the CSP given, and no Referer (the URL holds a token)."""
        return {"Content-Security-Policy": policy, "Referrer-Policy": "no-referrer"}

    def page(self, template: str, lang: Lang, status: int, **context: Any) -> Response:
        """A page of the app in `lang`, with its policy headers."""
        html = (
            templates()
            .get_template(template)
            .render(
                lang_tag=LANG_TAGS[lang],
                text=PageTexts(lang),
                sep=t("label_sep", lang),
                safety=t("intended_use", lang),
                **context,
            )
        )
        return Response(
            html, status, media_type="text/html; charset=utf-8", headers=self.headers(self.policy)
        )


class PageTexts:
    """`text.key` in a template: the `page.` text `key` in the page's language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        """The page's own text, else the interface's shared one, else the HTML report's."""
        for name in (f"page.{key}", key, f"html.{key}"):
            if has(name):
                return t(name, self.lang)
        raise KeyError(key)


def pdf_available() -> bool:
    """Whether a Chromium is on this server, so the report can be printed to PDF."""
    from ntrk_advisor.render.pdf import find_browser

    try:
        find_browser()
    except UsageError:
        return False
    return True


def _one(raw: Mapping[str, list[str]], name: str) -> str | None:
    values = raw.get(name)
    return values[0] if values and len(values) == 1 else None


def _number(text: str) -> float | int | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value


STYLE_SHEET = "page.css"


@functools.lru_cache(maxsize=1)
def style_sheet() -> bytes:
    """The page's one style sheet (served from `/app/page.css`, the only thing the page fetches)."""
    from importlib.resources import files

    return files("ntrk_advisor.service").joinpath("templates").joinpath(STYLE_SHEET).read_bytes()


def source_label(ref: str, lang: Lang) -> str:
    """One source as the page's reader reads it: an element path as it is, the import's date in words."""
    if ref.startswith(IMPORT_DATE_SOURCE):
        return t("page.source_import_date", lang, date=shown(ref.removeprefix(IMPORT_DATE_SOURCE)))
    return shown(ref)
