"""The answer page (`/app`): the card's link, the form, its CSRF field, the result and the report.

Through the real application (Starlette's test client): every page is parsed strictly by html5lib,
every question is labelled, nothing is fetched from elsewhere, and the policy headers are there.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import html5lib
import pytest

from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.service.app import CdsService, create_app
from ntrk_advisor.service.config import ServiceConfig
from tests.service.helpers import BASE, PATIENT_VIEW, Keys, cards_of, hook_request, make_client

NS = "{http://www.w3.org/1999/xhtml}"
PATIENT = {
    "resourceType": "Patient",
    "id": "pat-77",
    "name": [{"family": "Zhang", "given": ["Wei"]}],
    "identifier": [{"system": "urn:mrn", "value": "MRN-998877"}],
    "birthDate": "1986-03-01",
}
PREFETCH = {"patient": PATIENT, "observations": None}


def call(client: Any, keys: Keys | None, body: dict[str, Any]) -> Any:
    headers = keys.auth(PATIENT_VIEW) if keys is not None else {}
    return client.post(PATIENT_VIEW, json=body, headers=headers)


def card_link(client: Any, keys: Keys | None, lang: str = "en") -> str:
    cards = cards_of(call(client, keys, hook_request(prefetch=PREFETCH, lang=lang)))
    (link,) = cards[-1]["links"]
    assert link["type"] == "absolute"
    return str(link["url"])


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def parsed(text: str) -> Any:
    """The page parsed strictly: any HTML parse error fails the test."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def form_fields(page: Any) -> dict[str, str]:
    return {i.get("name"): i.get("value") for i in page.iter(f"{NS}input") if i.get("type") == "hidden"}


def answer_everything(page: Any) -> dict[str, list[str]]:
    """Every question asked answered: a checklist by "None of these", a choice by its first item."""
    answers: dict[str, list[str]] = {}
    for fieldset in page.iter(f"{NS}fieldset"):
        inputs = list(fieldset.iter(f"{NS}input"))
        name = inputs[0].get("name")
        kind = inputs[0].get("type")
        if kind == "checkbox":
            answers[name] = ["__none__"]
        elif kind == "radio":
            answers[name] = [inputs[0].get("value")]
        else:
            answers[name] = ["40"]
    return answers


def post(client: Any, page: Any, answers: dict[str, list[str]], **override: str) -> Any:
    fields = {**form_fields(page), **override}
    body = [(k, v) for k, v in fields.items() if v is not None]
    body += [(name, value) for name, values in answers.items() for value in values]
    return client.post("/app", data=dict(_grouped(body)))


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


@pytest.fixture
def open_client(tmp_path: Path) -> Any:
    return make_client(tmp_path, None)


def test_the_incomplete_card_links_to_the_answer_page_of_this_service(client: Any, keys: Keys) -> None:
    url = card_link(client, keys)
    assert url.startswith(f"{BASE}/app?token=") and parse_qs(urlsplit(url).query)["lang"] == ["en"]


def test_without_base_url_each_call_links_to_the_host_it_was_sent_to(tmp_path: Path) -> None:
    # The base URL is made once per host and scheme (issue 27); a call to another host must not
    # get the first one's, and every call gets a token of its own.
    from starlette.testclient import TestClient

    config = ServiceConfig(insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"))
    app = create_app(CdsService(config, default_knowledge_base()))
    bases = ["http://cds-a.example.org", "https://cds-b.example.org:8443", "http://cds-a.example.org"]
    links = []
    for base in bases:
        body = hook_request(answers={"age_years": 40, "fusion_status": "confirmed"})
        answer = TestClient(app, base_url=base).post(PATIENT_VIEW, json=body)
        links.append(cards_of(answer)[-1]["links"][0]["url"])
    assert [link.split("/app?")[0] for link in links] == bases
    tokens = [parse_qs(urlsplit(link).query)["token"][0] for link in links]
    assert len(set(tokens)) == 3
    assert [urlsplit(link).query for link in links] == [urlencode({"token": t, "lang": "en"}) for t in tokens]
    assert all(TestClient(app, base_url=BASE).get(local(link)).status_code == 200 for link in links)


def test_the_base_url_kept_per_host_follows_the_host_header_not_the_first_request(tmp_path: Path) -> None:
    from starlette.requests import Request

    config = ServiceConfig(insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"))
    service = CdsService(config, default_knowledge_base())

    def request(host: bytes, scheme: str = "http") -> Request:
        headers = [(b"host", host)] if host else []
        return Request(
            {
                "type": "http",
                "scheme": scheme,
                "server": ("10.0.0.5", 8080),
                "path": "/x",
                "root_path": "",
                "query_string": b"",
                "headers": headers,
            }
        )

    seen = [
        service.base_of(request(host, scheme))
        for host, scheme in [
            (b"a.example.org", "http"),
            (b"b.example.org:9", "http"),
            (b"a.example.org", "https"),
            (b"", "http"),
            (b"a.example.org", "http"),
        ]
    ]
    assert seen == [
        "http://a.example.org",
        "http://b.example.org:9",
        "https://a.example.org",
        "http://10.0.0.5:8080",
        "http://a.example.org",
    ]


def test_the_link_is_built_on_base_url_and_app_url_still_replaces_it(tmp_path: Path, keys: Keys) -> None:
    from starlette.testclient import TestClient

    config = ServiceConfig(
        base_url="https://cds.example.org/ntrk/",
        insecure_no_auth=True,
        feedback_db=str(tmp_path / "f.sqlite3"),
    )
    client = TestClient(create_app(CdsService(config, default_knowledge_base())), base_url=BASE)
    cards = cards_of(client.post(PATIENT_VIEW, json=hook_request(prefetch=PREFETCH)))
    assert cards[-1]["links"][0]["url"].startswith("https://cds.example.org/ntrk/app?token=")
    headers = keys.auth(PATIENT_VIEW)
    other = make_client(tmp_path, keys, app_url="https://mdt.example.org/answers")
    cards = cards_of(other.post(PATIENT_VIEW, json=hook_request(prefetch=PREFETCH), headers=headers))
    assert cards[-1]["links"] == [
        {"label": "Enter the missing answers", "url": "https://mdt.example.org/answers", "type": "absolute"}
    ]


def test_the_link_token_holds_no_identifier_of_the_patient(client: Any, keys: Keys) -> None:
    token = parse_qs(urlsplit(card_link(client, keys)).query)["token"][0]
    part = token.split(".")[0]
    text = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
    for identifier in ("pat-77", "Zhang", "Wei", "MRN-998877", "p1"):
        assert identifier not in text
    body = json.loads(text)
    assert "id" not in body["a"] and body["a"]["age_years"] > 0


@pytest.mark.parametrize(
    ("lang", "tag", "question"), [("en", "en", "NTRK fusion"), ("zh", "zh-Hans", "NTRK融合")]
)
def test_the_form_is_labelled_self_contained_and_in_the_language_asked(
    open_client: Any, lang: str, tag: str, question: str
) -> None:
    answer = open_client.get(local(card_link(open_client, None)).replace("lang=en", f"lang={lang}"))
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy and "frame-ancestors" in policy
    assert (
        answer.headers["referrer-policy"] == "no-referrer" and answer.headers["cache-control"] == "no-store"
    )
    page = parsed(answer.text)
    assert page.get("lang") == tag
    ids = {label.get("for") for label in page.iter(f"{NS}label")}
    visible = [i for i in page.iter(f"{NS}input") if i.get("type") != "hidden"]
    assert visible and all(i.get("id") in ids for i in visible)
    fieldsets = list(page.iter(f"{NS}fieldset"))
    assert fieldsets and all(f.find(f"{NS}legend") is not None for f in fieldsets)
    assert question in "".join(f.find(f"{NS}legend").text for f in fieldsets)
    urls = re.findall(r'(?:src|href|action)="([^"]*)"', answer.text)
    assert urls and all(u.startswith("/app") for u in urls)
    assert "<script" not in answer.text and "style=" not in answer.text
    assert open_client.get("/app/page.css").headers["content-type"].startswith("text/css")


def test_the_form_shows_what_the_record_gave_with_its_source(open_client: Any) -> None:
    page = parsed(open_client.get(local(card_link(open_client, None))).text)
    rows = [" ".join("".join(c.itertext()) for c in row) for row in page.iter(f"{NS}tr")]
    assert any(r.startswith("Age") and "Patient.birthDate" in r for r in rows)
    asked = [f.get("id") for f in page.iter(f"{NS}fieldset")]
    assert asked == ["q-emergency", "q-fusion_status"]  # the consult's order, only what is missing


@pytest.mark.parametrize(
    ("lang", "said", "never"), [("en", "the date of the import", "导入"), ("zh", "导入日期", "import date")]
)
def test_the_date_of_the_import_as_a_source_is_said_in_the_page_s_language(
    open_client: Any, lang: str, said: str, never: str
) -> None:
    """A Bundle without a timestamp dates the age at the import: the source says so in words, never
    as the derived case's code ("import date 2026-…") on a Chinese page."""
    page = parsed(open_client.get(local(card_link(open_client, None, lang))).text)
    rows = [" ".join("".join(c.itertext()) for c in row) for row in page.iter(f"{NS}tr")]
    (age,) = [r for r in rows if "Patient.birthDate" in r]
    assert said in age and never not in age


@pytest.mark.parametrize("csrf", [None, "", "forged-value"], ids=["missing", "empty", "wrong"])
def test_a_form_without_its_csrf_field_is_refused(open_client: Any, csrf: str | None) -> None:
    page = parsed(open_client.get(local(card_link(open_client, None))).text)
    fields = {k: v for k, v in form_fields(page).items() if k != "csrf"}
    if csrf is not None:
        fields["csrf"] = csrf
    answer = open_client.post("/app", data=fields)
    assert answer.status_code == 403 and "not sent from the page" in answer.text
    assert post(open_client, page, answer_everything(page)).status_code == 200  # the token was not spent


def test_answering_until_complete_shows_the_bottom_line_first_then_the_plan(open_client: Any) -> None:
    page = parsed(open_client.get(local(card_link(open_client, None))).text)
    for _ in range(10):
        answer = post(open_client, page, answer_everything(page))
        assert answer.status_code == 200
        page = parsed(answer.text)
        if "The advice for this case" in answer.text:
            break
    text = answer.text
    assert text.index("Bottom line") < text.index("The plan, step by step") < text.index("MDT report (HTML)")
    report = re.search(r'href="(/app/report\?[^"]*format=html[^"]*)"', text)
    assert report is not None
    html = open_client.get(report.group(1).replace("&amp;", "&"))
    assert html.status_code == 200 and "<svg" in html.text
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    assert open_client.get(report.group(1).replace("&amp;", "&")).status_code == 409  # spent


def test_a_bad_value_gives_the_form_again_naming_the_field(open_client: Any) -> None:
    body = hook_request(prefetch={"patient": None, "observations": None}, lang="en")
    link = cards_of(call(open_client, None, body))[-1]["links"][0]["url"]
    page = parsed(open_client.get(local(link)).text)
    answers = answer_everything(page)
    answers["age_years"] = ["200"]
    answer = post(open_client, page, answers)
    assert answer.status_code == 422
    again = parsed(answer.text)
    (errors,) = [s for s in again.iter(f"{NS}section") if s.get("class") == "errors"]
    assert "Age" in "".join(errors.itertext()) and "130" in "".join(errors.itertext())
    assert next(f.get("id") for f in again.iter(f"{NS}fieldset")) == "q-age_years"


def test_ticking_none_and_an_item_together_is_refused(open_client: Any) -> None:
    page = parsed(open_client.get(local(card_link(open_client, None))).text)
    answers = {**answer_everything(page), "emergency": ["__none__", "bleeding"]}
    answer = post(open_client, page, answers)
    assert answer.status_code == 422 and "not both" in answer.text


def test_a_replayed_form_is_refused_in_the_page_s_language(open_client: Any) -> None:
    page = parsed(
        open_client.get(local(card_link(open_client, None, "zh")).replace("lang=en", "lang=zh")).text
    )
    assert post(open_client, page, answer_everything(page)).status_code == 200
    again = post(open_client, page, answer_everything(page))
    assert again.status_code == 409 and "此链接已被使用" in again.text


def test_an_opened_link_cannot_be_opened_again(open_client: Any) -> None:
    link = local(card_link(open_client, None))
    assert open_client.get(link).status_code == 200
    again = open_client.get(link)
    assert again.status_code == 409 and "already used" in again.text


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 400), ("token=garbage", 400), ("token=e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 403)],
)
def test_a_bad_token_is_a_page_never_a_traceback(open_client: Any, query: str, status: int) -> None:
    answer = open_client.get(f"/app?{query}", headers={"accept-language": "zh-CN"})
    assert answer.status_code == status and answer.headers["content-type"].startswith("text/html")
    assert 'lang="zh-Hans"' in answer.text and "Traceback" not in answer.text


def test_a_link_opened_after_15_minutes_has_expired(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)]
    config = ServiceConfig(base_url=BASE, insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"))
    service = CdsService(config, default_knowledge_base(), clock=lambda: now[0])
    from starlette.testclient import TestClient

    client = TestClient(create_app(service), base_url=BASE)
    link = local(card_link(client, None))
    now[0] += dt.timedelta(minutes=15)
    answer = client.get(link)
    assert answer.status_code == 410 and "expired" in answer.text


def test_a_form_posted_as_json_is_refused(open_client: Any) -> None:
    assert open_client.post("/app", json={"token": "x"}).status_code == 415
