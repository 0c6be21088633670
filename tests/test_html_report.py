"""The HTML report: well-formed, self-contained, inert case text, and the bottom line set apart.

Every report of the examples is parsed with html5lib in strict mode (any parse error fails) and
checked again with the standard library's parser that every element is closed, in order. The
browser tests (printing to PDF with Chromium) are in test_html_browser.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.batch.html_pages import PageNames, slug
from ntrk_advisor.contract.result import Result, TraceStep
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.i18n import LANGS, Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.case_path import answer_short, short
from ntrk_advisor.render.html_report import render_html
from ntrk_advisor.render.path_svg import path_steps, path_svg, text_width, wrap
from ntrk_advisor.render.view import answer_label, bottom_line, strength_label
from tests.conftest import PROJECT, CliRun
from tests.helpers import loaded_modules
from tests.test_startup import CASE as STARTUP_CASE

GENERATED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
"""A fixed generation time: a report says when it was made, and a test must not depend on today."""

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLE_FILES = (PROJECT / "examples" / "cases.jsonl", PROJECT / "examples" / "clinical-v2.jsonl")
EXAMPLES = [
    json.loads(line)
    for path in EXAMPLE_FILES
    for line in path.read_text(encoding="utf-8").splitlines()
    if line
]
VOID = {"meta", "br", "link", "img", "hr", "input", "wbr", "col", "area", "base", "source", "track", "embed"}
ATTACKS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "{% raw %}x",
    "</style><script>alert(2)</script>",
    "' onmouseover='alert(3)",
    "<svg onload=alert(4)>",
    "&lt;b&gt;&amp;",
]


def example_id(case: dict[str, Any]) -> str:
    return str(case.get("id"))


@functools.cache
def example_report(index: int, lang: Lang) -> tuple[Result, str]:
    case = EXAMPLES[index]
    result = evaluate(case, lang)
    return result, render_html(result, _kb(), lang, tumor_type=case.get("tumor_type"), generated=GENERATED)


@functools.lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    from ntrk_advisor.pathway.knowledge import load_knowledge_base

    return load_knowledge_base()


def parse(html: str) -> Element:
    """The document as an element tree; any HTML parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(html)


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <rect .../> in SVG: opened and closed

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def assert_balanced(html: str) -> None:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    assert checker.problems == [] and checker.open == []


def by_class(root: Element, cls: str, tag: str = "*") -> list[Element]:
    return [e for e in root.iter(tag) if cls in (e.get("class") or "").split()]


def text_of(element: Element) -> str:
    return "".join(element.itertext())


FETCHING = {
    "script",
    "link",
    "img",
    "iframe",
    "frame",
    "object",
    "embed",
    "base",
    "audio",
    "video",
    "source",
    "track",
    "picture",
    "form",
    "image",
    "use",
    "feimage",
    "foreignobject",
}
URL_ATTRIBUTES = {
    "src",
    "href",
    "xlink:href",
    "action",
    "formaction",
    "poster",
    "srcset",
    "data",
    "background",
    "ping",
    "manifest",
    "cite",
    "longdesc",
    "codebase",
}
CSS_FETCH = re.compile(r"""@import|url\(\s*["']?(?!data:)|image-set\(""", re.I)


def external_references(html: str, pages: frozenset[str] = frozenset()) -> list[str]:
    """Anything in the page's markup or styles that could make a browser fetch something.

    Read from the parsed document, so a case's text that merely says `src=x` does not count: an
    in-page `#anchor` is the only link allowed (and, in a batch index, `pages`: the sibling reports
    it lists, followed only when clicked), and `url(` in a style only with a `data:` URL.
    """
    found = []
    for element in parse(html).iter():
        tag = str(element.tag).rpartition("}")[2].lower()
        if tag in FETCHING:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.rpartition("}")[2].lower()
            if name in URL_ATTRIBUTES and not value.startswith("#") and not (tag == "a" and value in pages):
                found.append(f"{name}={value}")
            if name == "style" and CSS_FETCH.search(value):
                found.append(f"style={value}")
        if tag == "style" and CSS_FETCH.search(element.text or ""):
            found.append(CSS_FETCH.search(element.text or "").group())  # type: ignore[union-attr]
    return found


CASES = [(i, lang) for i in range(len(EXAMPLES)) for lang in LANGS]
CASE_IDS = [f"{example_id(EXAMPLES[i])}-{lang}" for i, lang in CASES]


@pytest.mark.parametrize(("index", "lang"), CASES, ids=CASE_IDS)
def test_every_example_report_is_strict_html_balanced_and_self_contained(index: int, lang: Lang) -> None:
    result, html = example_report(index, lang)
    root = parse(html)
    assert_balanced(html)
    assert root.get("lang") == {"en": "en", "zh": "zh-Hans"}[lang]
    csp = [m for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert [m.get("content") for m in csp] == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    assert external_references(html) == []
    assert html.count("<svg") == 1 and root.find(f".//{SVG}svg") is not None
    assert t("intended_use", lang) in text_of(root.find("body"))  # type: ignore[arg-type]
    assert result.knowledge.version in text_of(root.find(".//footer"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("index", "lang"), CASES, ids=CASE_IDS)
def test_the_bottom_line_is_there_and_avoid_is_apart_and_never_a_step(index: int, lang: Lang) -> None:
    result, html = example_report(index, lang)
    root = parse(html)
    sections = by_class(root, "bottom-line", "section")
    if result.status is not Status.COMPLETE:
        assert sections == [] and by_class(root, "notice", "section")
        return
    [section] = sections
    line = bottom_line(result)
    for key, actions in line.groups():
        [group] = by_class(section, key)
        items = group.findall(".//li")
        assert len(items) == len(actions)
        for item, action in zip(items, actions, strict=True):
            words = text_of(item)
            assert t(f"action.{action.action.value}", lang) in words
            assert strength_label(action.strength, lang) in words
            assert t(f"level.{action.evidence_level.value}", lang) in words
    avoid_groups = by_class(section, "avoid")
    assert [g.tag for g in avoid_groups] == (["section"] if line.avoid else [])
    assert section.find(".//ol") is None  # nothing in the bottom line is numbered
    step = t("step", lang)
    for article in by_class(root, "action", "article"):
        title = text_of(article.find("h3"))  # type: ignore[arg-type]
        if "avoid" in article.get("class", ""):
            assert step not in title and by_class(article, "step") == []
        else:
            assert title.startswith(f"{step} ")
    assert len(by_class(root, "avoid", "article")) == len(line.avoid)
    assert len(by_class(root, "action", "article")) == len(result.actions)


@pytest.mark.parametrize(("index", "lang"), CASES, ids=CASE_IDS)
def test_the_tree_shows_each_question_with_its_answer_in_bold_in_order(index: int, lang: Lang) -> None:
    result, html = example_report(index, lang)
    root = parse(html)
    svg = root.find(f".//{SVG}svg")
    assert svg is not None
    taken = [g for g in svg.iter(f"{SVG}g") if "taken" in (g.get("class") or "").split()]
    asked = [g for g in taken if "ask" in (g.get("class") or "").split()]
    assert [g.get("data-node") for g in asked] == [s.node for s in result.trace]
    for group, step in zip(asked, result.trace, strict=True):
        words = re.sub(r"\s", "", text_of(group))
        label, answer = words.split("→", 1)  # a long label is cut short with "…" (the list has it whole)
        assert len(label) >= 2 and re.sub(r"\s", "", short(_kb().prompt(step.field, lang))).startswith(
            label.removesuffix("…")
        )
        assert re.sub(r"\s", "", answer_short(_kb(), step.field, step.answer, lang)).startswith(
            answer.removesuffix("…")
        )
    last = (taken[-1].get("class") or "").split() if taken else []
    if result.status is Status.COMPLETE:
        assert "outcome" in last and t("html.outcome", lang) in text_of(taken[-1])
    elif result.status is Status.INCOMPLETE:
        assert "waiting" in last and t("html.not_answered", lang) in text_of(taken[-1])
    else:
        assert taken == [] and t("html.not_evaluated", lang) in text_of(svg)
    # the text alternative: the drawing's title, and the same steps as an ordered list
    assert svg.get("role") == "img" and svg.find(f"{SVG}title") is not None
    [steps] = by_class(root, "visually-hidden", "ol")
    assert [text_of(li) for li in steps.findall("li")] == path_steps(result, _kb(), lang)
    assert len(steps.findall("li")) == max(1, len(taken))


def test_incomplete_report_says_what_is_missing_and_has_no_bottom_line(kb: KnowledgeBase) -> None:
    case = {
        "id": "inc",
        "age_years": 9,
        "fusion_status": "confirmed",
        "setting": "locally_advanced",
        "emergency": [],
    }
    for lang in LANGS:
        result = evaluate(case, lang)
        root = parse(render_html(result, kb, lang, generated=GENERATED))
        [notice] = by_class(root, "notice", "section")
        assert "treatment_phase" in text_of(notice) and kb.prompt("treatment_phase", lang) in text_of(notice)
        assert by_class(root, "bottom-line") == [] and by_class(root, "plan") == []


def test_explain_adds_the_questions_and_answers_as_a_table(kb: KnowledgeBase) -> None:
    result = evaluate(EXAMPLES[0], "zh")
    plain = parse(render_html(result, kb, "zh", generated=GENERATED))
    explained = parse(render_html(result, kb, "zh", explain=True, generated=GENERATED))
    assert by_class(plain, "trace", "section") == []
    [table] = by_class(explained, "trace", "section")
    rows = [[text_of(td) for td in tr.findall("td")] for tr in table.iter("tr")][1:]
    assert [row[:2] for row in rows] == [[s.node, s.field] for s in result.trace]
    assert rows[-1][2] == answer_label(kb, result.trace[-1].field, result.trace[-1].answer, "zh")


def test_invalid_report_names_the_wrong_fields_and_has_no_bottom_line(kb: KnowledgeBase) -> None:
    case = {"id": "bad", "age_years": -3, "fusion_status": "maybe", "<script>x</script>": 1}
    for lang in LANGS:
        html = render_html(evaluate(case, lang), kb, lang, generated=GENERATED)
        root = parse(html)
        [notice] = by_class(root, "notice", "section")
        words = text_of(notice)
        assert "age_years" in words and "fusion_status" in words and "<script>x</script>" in words
        assert root.find(".//script") is None and by_class(root, "bottom-line") == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_case_text_in_the_id_and_tumour_type_stays_text(attack: str, kb: KnowledgeBase) -> None:
    case = {**STARTUP_CASE, "id": attack, "tumor_type": attack}
    result = evaluate(case)
    assert result.case_id == attack and result.status is Status.COMPLETE
    html = render_html(result, kb, "en", tumor_type=attack, generated=GENERATED)
    root = parse(html)
    assert_balanced(html)
    assert external_references(html) == []
    assert root.find(".//script") is None and root.find(".//img") is None
    assert all(not name.lower().startswith("on") for e in root.iter() for name in e.attrib)
    assert text_of(root.find(".//title")).startswith(attack)  # type: ignore[arg-type]
    [summary] = by_class(root, "summary", "section")
    assert text_of(summary).count(attack) == 2  # the id and the tumour type, as typed


def test_the_path_escapes_every_text_and_draws_no_case_text(kb: KnowledgeBase) -> None:
    stamp = kb.stamp
    trace = (TraceStep("diagnostic.age", "age_years", "<script>alert(1)</script>"),)
    result = Result(status=Status.INCOMPLETE, knowledge=stamp, trace=trace, missing=("emergency",))
    svg = path_svg(result, kb, "en")
    assert "<script" not in svg and "alert" not in svg  # an answer the knowledge does not word is "…"
    root = parse(f"<!DOCTYPE html><html><head><title>x</title></head><body>{svg}</body></html>")
    assert root.find(".//script") is None


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_tree_never_shows_the_case_id_or_tumour_type(attack: str, kb: KnowledgeBase) -> None:
    result = evaluate({**STARTUP_CASE, "id": attack, "tumor_type": attack})
    svg = path_svg(result, kb, "en")
    assert attack not in svg and escape(attack) not in svg
    assert "taken" in svg


def test_wrapped_lines_fit_and_chinese_breaks_between_characters() -> None:
    text = "Recurrence-risk features of the resected tumour, with a verylongwordthatcannotbreakanywhere"
    for width in (60.0, 120.0, 300.0):
        lines = wrap(text, width)
        assert all(text_width(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    chinese = wrap("已切除肿瘤的复发高危因素，以及术后影像上是否仍可见病灶", 80.0)
    assert len(chinese) > 1 and not any(line.startswith("，") for line in chinese)


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        ("ex-ifs-arm", "ex-ifs-arm"),
        ("Patient 7 / MDT", "patient-7-mdt"),
        ("../../etc/passwd", "etc-passwd"),
        ("病例1", "1"),
        ("病例", ""),
        ("Ünïcodé", "unicode"),
        ('"><img src=x onerror=alert(1)>', "img-src-x-onerror-alert-1"),
        ("a" * 100, "a" * 60),
        ("...", ""),
    ],
)
def test_page_names_are_safe_slugs(case_id: str, expected: str) -> None:
    assert slug(case_id) == expected


def test_page_names_are_unique_and_never_the_index_or_an_input(tmp_path: Path) -> None:
    taken = tmp_path / "a.html"
    taken.write_text("{}", encoding="utf-8")
    names = PageNames(tmp_path, (taken,))
    got = [names.name_for(i, n) for n, i in enumerate(["a", "A", "index", None, "病例", "a-2", "CON"], 1)]
    assert got == [
        "a-2.html",
        "a-3.html",
        "case-index.html",
        "case-4.html",
        "case-5.html",
        "a-2-2.html",
        "case-con.html",
    ]


# The command line.

CASE_TEXT = json.dumps({**STARTUP_CASE, "tumor_type": "infantile fibrosarcoma"})


def test_consult_html_goes_to_stdout_without_output(run_cli: Any, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(CASE_TEXT, encoding="utf-8")
    out: CliRun = run_cli("consult", "--case", str(case), "--no-input", "--format", "html", "--lang", "zh")
    assert out.code == 0 and out.stderr == ""
    root = parse(out.stdout)
    assert root.get("lang") == "zh-Hans" and by_class(root, "bottom-line", "section")
    assert "infantile fibrosarcoma" in out.stdout


@pytest.mark.parametrize("fmt", ["html", "json", "markdown", "rich"])
def test_consult_output_writes_the_file_atomically_for_every_format(
    run_cli: Any, tmp_path: Path, fmt: str
) -> None:
    case = tmp_path / "case.json"
    case.write_text(CASE_TEXT, encoding="utf-8")
    target = tmp_path / f"note.{fmt}"
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", fmt, "-o", str(target))
    assert out.code == 0 and out.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "MDT" in text and "\x1b[" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["case.json", target.name]
    )  # no temporary left


def test_consult_refuses_to_write_the_output_over_the_case_or_the_saved_case(
    run_cli: Any, tmp_path: Path
) -> None:
    case = tmp_path / "case.json"
    case.write_text(CASE_TEXT, encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", "html", "-o", str(case))
    assert out.code == 2 and "refusing to write over an input file" in out.stderr
    assert out.stderr.count("\n") == 1 and case.read_text(encoding="utf-8") == CASE_TEXT
    saved = tmp_path / "saved.json"
    out = run_cli("consult", "--case", str(case), "--no-input", "--save", str(saved), "-o", str(saved))
    assert out.code == 2 and not saved.exists()


def test_consult_pdf_needs_an_output_file_and_a_browser(run_cli: Any, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(CASE_TEXT, encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", "pdf")
    assert out.code == 2 and out.stderr.count("\n") == 1 and "-o FILE" in out.stderr and out.stdout == ""
    target = tmp_path / "note.pdf"
    empty = tmp_path / "bin"
    empty.mkdir()
    args = ("consult", "--case", str(case), "--no-input", "--format", "pdf", "-o", str(target))
    out = run_cli(*args, env={"PATH": str(empty)})
    assert out.code == 2 and "needs Chromium" in out.stderr and not target.exists()


def test_batch_html_writes_one_page_per_case_and_an_index(run_cli: Any, tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    lines = [
        json.dumps({**STARTUP_CASE, "id": "dup"}),
        json.dumps({**STARTUP_CASE, "id": "DUP"}),
        json.dumps({**STARTUP_CASE, "id": "<script>alert(1)</script>", "tumor_type": "{{7*7}}"}),
        "{not json",
        json.dumps({"id": "typo", "settting": "early"}),
        json.dumps({**STARTUP_CASE, "id": None}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = tmp_path / "reports" / "mdt"
    out = run_cli("batch", str(source), "--format", "html", "-o", str(folder), "--lang", "zh")
    assert out.code == 4 and out.stdout == ""
    pages = sorted(p.name for p in folder.iterdir())
    assert len(pages) == len(lines) + 1 and "index.html" in pages
    assert {"dup.html", "dup-2.html", "script-alert-1-script.html", "typo.html"} <= set(pages)
    index = parse((folder / "index.html").read_text(encoding="utf-8"))
    links = [a.get("href") for a in index.iter("a")]
    assert sorted(links) == sorted(p for p in pages if p != "index.html")  # type: ignore[type-var]
    assert "<script>alert(1)</script>" in text_of(index) and index.find(".//script") is None
    for name in pages:
        html = (folder / name).read_text(encoding="utf-8")
        assert external_references(html, frozenset(pages) - {"index.html"}) == []
    assert {"case-4.html", "case-6.html"} <= set(pages)  # no id of their own: named by record number
    broken = (folder / "case-4.html").read_text(encoding="utf-8")
    assert t("status.invalid", "zh") in broken and f"{source}:4" in broken
    assert "7*7" in (folder / "script-alert-1-script.html").read_text(encoding="utf-8")
    assert t("html.written", "zh", count=len(lines), path=folder / "index.html") in out.stderr


def test_batch_html_needs_a_folder_and_never_writes_over_an_input(run_cli: Any, tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(CASE_TEXT + "\n", encoding="utf-8")
    out = run_cli("batch", str(source), "--format", "html")
    assert out.code == 2 and out.stderr.count("\n") == 1 and "-o DIR" in out.stderr
    out = run_cli("batch", str(source), "--format", "html", "-o", str(source))
    assert (
        out.code == 2
        and "not a folder" in out.stderr
        and source.read_text(encoding="utf-8") == CASE_TEXT + "\n"
    )
    out = run_cli("batch", str(source), "--format", "html", "--compact", "-o", str(tmp_path / "x"))
    assert out.code == 2 and not (tmp_path / "x").exists()
    folder = tmp_path / "pages"
    folder.mkdir()
    inside = folder / "index.html"
    inside.write_text(CASE_TEXT + "\n", encoding="utf-8")
    out = run_cli("batch", str(inside), "--format", "html", "-o", str(folder))
    assert out.code == 2 and "refusing to write over an input file" in out.stderr
    assert inside.read_text(encoding="utf-8") == CASE_TEXT + "\n"
    named = folder / "startup.html"  # the page name the case's id would get
    record = json.dumps({**STARTUP_CASE, "id": "startup"}) + "\n"
    named.write_text(record, encoding="utf-8")
    inside.unlink()
    out = run_cli("batch", str(named), "--format", "html", "-o", str(folder), "--quiet")
    assert out.code == 0 and named.read_text(encoding="utf-8") == record
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "startup-2.html", "startup.html"]


# Start-up: jinja2 only on the html path.


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("consult", "--help"),
        ("batch", "--help"),
        ("consult", "--case", "{case}", "--no-input", "--format", "json"),
        ("consult", "--case", "{case}", "--no-input", "--format", "markdown"),
        ("batch", "{case}", "--format", "jsonl", "--quiet", "--no-progress"),
    ],
    ids=lambda a: " ".join(a).replace("{case}", "F"),
)
def test_jinja2_is_not_imported_off_the_html_path(args: tuple[str, ...], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(STARTUP_CASE), encoding="utf-8")
    env = {**os.environ, "NTRK_ADVISOR_CACHE": str(tmp_path / "cache")}
    modules = loaded_modules(*(a.format(case=case) for a in args), env=env)
    assert (
        sorted(m for m in modules if m.split(".")[0] in {"jinja2", "markupsafe"} or "html_report" in m) == []
    )


def test_the_html_path_does_import_jinja2(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(STARTUP_CASE), encoding="utf-8")
    env = {**os.environ, "NTRK_ADVISOR_CACHE": str(tmp_path / "cache")}
    modules = loaded_modules("consult", "--case", str(case), "--no-input", "--format", "html", env=env)
    assert "jinja2" in modules and "ntrk_advisor.render.html_report" in modules
