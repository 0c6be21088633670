"""The HTML report in a real browser: headless Chromium renders every example to PNG and prints it to A4.

For each example case and language, Chromium (started with no network features, in a profile of
its own) takes a screenshot and prints a PDF, logging its network activity. The tests check that the
PDF holds the bottom line in the report's language (Chinese included, which needs a CJK font), that
it fits on at most three A4 pages (most on two; the drawn tree can push a long one onto a third), that the page made no request of any kind, and that the browser
reported no blocked load and no console message. A positive control proves the request check sees
a page that does fetch.

Without Chromium or a Chinese font they skip, with one line saying how to run them; with
`NTRK_ADVISOR_REQUIRE_BROWSER=1`, as CI sets it (`.ci/run`), they fail instead, so a machine that
lost its browser cannot pass CI by skipping.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ntrk_advisor.api import evaluate
from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.i18n import LANGS, Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.case_path import case_path
from ntrk_advisor.render.html_report import render_html
from ntrk_advisor.render.view import bottom_line, strength_label
from tests.browser import browser_missing, browser_on_this_machine
from tests.test_html_report import EXAMPLES, example_id

GENERATED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
"""A fixed generation time: a report says when it was made, and a test must not depend on today."""

pytestmark = [pytest.mark.slow, pytest.mark.browser]

A4 = (595.3, 841.9)
"""A4 in PDF points."""
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--hide-scrollbars",
    "--window-size=900,1300",
    "--enable-logging=stderr",
    "--v=0",
)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium and a Chinese font (the tests are left out without them unless CI requires them)."""
    path, missing = browser_on_this_machine()
    if missing:
        browser_missing(missing)
    assert path is not None
    return path


@dataclass
class Printed:
    png: Path
    pdf: Path
    netlog: Path
    log: str


def print_page(chromium: str, page: Path, work: Path) -> Printed:
    """Screenshot and PDF of one page, with the browser's network log and its stderr."""
    out = Printed(work / f"{page.stem}.png", work / f"{page.stem}.pdf", work / f"{page.stem}.netlog.json", "")
    done = subprocess.run(
        [
            chromium,
            *BROWSER_FLAGS,
            f"--user-data-dir={work / 'profile'}",
            f"--screenshot={out.png}",
            f"--print-to-pdf={out.pdf}",
            f"--log-net-log={out.netlog}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out.log = done.stderr
    return out


def page_requests(netlog: Path) -> list[str]:
    """The URLs the page itself asked for (the browser's own service requests have no origin)."""
    raw = netlog.read_text(encoding="utf-8").rstrip().rstrip(",")
    log: Any = None
    for ending in ("", "]}", "}"):  # the log may end before its closing brackets
        try:
            log = json.loads(raw + ending)
            break
        except ValueError:
            continue
    assert log is not None, "unreadable network log"
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    starts = [e.get("params", {}) for e in log["events"] if names.get(e["type"]) == "URL_REQUEST_START_JOB"]
    return [p["url"] for p in starts if "url" in p and p.get("initiator") != "not an origin"]


def console_messages(log: str) -> list[str]:
    """What the page said on the browser's console (blocked loads, script errors)."""
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Content Security Policy" in line]


def pdf_text(pdf: Path) -> tuple[int, list[tuple[float, float]], str]:
    """Pages, their sizes, and the text without white space, normalised (NFKC).

    NFKC because the PDF maps some CJK glyphs to compatibility characters (U+2F29 KANGXI RADICAL
    SMALL for 小), which read the same.
    """
    reader = PdfReader(pdf)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    text = "".join(p.extract_text() for p in reader.pages)
    return len(reader.pages), sizes, squeeze(text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()  # CSS may upper-case a heading


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


CASES = [(i, lang) for i in range(len(EXAMPLES)) for lang in LANGS]


@pytest.mark.parametrize(
    ("index", "lang"), CASES, ids=[f"{example_id(EXAMPLES[i])}-{lang}" for i, lang in CASES]
)
def test_chromium_prints_the_example_on_at_most_three_a4_pages_with_its_bottom_line(
    index: int, lang: Lang, chromium: str, kb: KnowledgeBase, tmp_path: Path
) -> None:
    case = EXAMPLES[index]
    result = evaluate(case, lang, kb)
    page = tmp_path / "report.html"
    page.write_text(
        render_html(result, kb, lang, tumor_type=case.get("tumor_type"), generated=GENERATED),
        encoding="utf-8",
    )
    printed = print_page(chromium, page, tmp_path)
    assert is_png(printed.png)
    pages, sizes, text = pdf_text(printed.pdf)
    assert 1 <= pages <= 3
    assert all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in sizes)
    assert page_requests(printed.netlog) == []
    assert console_messages(printed.log) == []
    assert squeeze(t("intended_use", lang)) in text
    if result.status is Status.COMPLETE:
        assert squeeze(t("bottom_line", lang)) in text
        for key, actions in bottom_line(result).groups():
            assert squeeze(t(f"group.{key}", lang)) in text
            for action in actions:
                assert squeeze(t(f"action.{action.action.value}", lang)) in text
                assert squeeze(strength_label(action.strength, lang)) in text
    else:
        assert (
            squeeze(t("incomplete_note" if result.status is Status.INCOMPLETE else "invalid_note", lang))
            in text
        )
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]{4}", text)  # drawn in a font that has the glyphs


@pytest.mark.parametrize("lang", LANGS)
def test_chromium_renders_the_batch_index(lang: Lang, chromium: str, tmp_path: Path) -> None:
    from tests.conftest import run_main

    examples = Path(__file__).resolve().parent.parent / "examples" / "cases.jsonl"
    folder = tmp_path / "pages"
    out = run_main("batch", str(examples), "--format", "html", "-o", str(folder), "--lang", lang, "--quiet")
    assert out.code == 4
    printed = print_page(chromium, folder / "index.html", tmp_path)
    assert is_png(printed.png) and page_requests(printed.netlog) == [] and console_messages(printed.log) == []
    _, _, text = pdf_text(printed.pdf)
    for case in EXAMPLES[:8]:
        assert squeeze(str(case["id"])) in text


def test_the_request_check_sees_a_page_that_fetches(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body><img src="http://127.0.0.1:9/x.png">'
        '<p style="background: url(http://127.0.0.1:9/y.png)">x</p></body></html>',
        encoding="utf-8",
    )
    printed = print_page(chromium, page, tmp_path)
    assert "http://127.0.0.1:9/x.png" in page_requests(printed.netlog)


BYPASS = {  # resistance through a bypass pathway: something to do, to consider and to avoid
    "age_years": 50,
    "fusion_status": "confirmed",
    "setting": "resistant",
    "progression": "widespread",
    "resistance_mechanism": "bypass",
    "prior_trk_inhibitors": ["larotrectinib"],
    "emergency": [],
    "cns_disease": "none",
}


@pytest.mark.parametrize("lang", LANGS)
def test_consult_format_pdf_prints_the_same_report(lang: Lang, chromium: str, tmp_path: Path) -> None:
    from tests.conftest import run_main

    case = tmp_path / "case.json"
    case.write_text(json.dumps(BYPASS), encoding="utf-8")
    target = tmp_path / "note.pdf"
    out = run_main(
        "consult", "--case", str(case), "--no-input", "--format", "pdf", "--lang", lang, "-o", str(target)
    )
    assert out.code == 0 and out.stdout == ""
    pages, sizes, text = pdf_text(target)
    assert 1 <= pages <= 2 and all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in sizes)
    line = bottom_line(evaluate(BYPASS, lang))
    assert line.avoid and line.consider
    for key, actions in line.groups():
        assert squeeze(t(f"group.{key}", lang)) in text
        assert all(squeeze(t(f"action.{a.action.value}", lang)) in text for a in actions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json", "note.pdf"]


HOSTILE = (
    '<iframe src="file:///etc/passwd"></iframe><img src="http://127.0.0.1:9/x.png">'
    '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><script>document.write("SCRIPT"+"RAN")</script>'
)


def test_the_real_pdf_path_prints_hostile_case_text_as_text_and_reads_no_file(
    chromium: str, tmp_path: Path
) -> None:
    """The review's class 13, with the real Chromium `consult --format pdf` starts (review: not tested)."""
    from tests.conftest import run_main

    case = tmp_path / "case.json"
    case.write_text(json.dumps({**BYPASS, "id": "x<b>y", "tumor_type": HOSTILE}), encoding="utf-8")
    target = tmp_path / "note.pdf"
    out = run_main("consult", "--case", str(case), "--no-input", "--format", "pdf", "-o", str(target))
    assert out.code == 0
    _, _, text = pdf_text(target)
    assert squeeze("<iframe") in text and squeeze("<script>") in text  # printed as the case's text
    assert "root:x:0" not in text and "SCRIPTRAN" not in text  # the file was never read, the script never ran
    printed = print_page(chromium, _page_of(tmp_path, {**BYPASS, "tumor_type": HOSTILE}), tmp_path)
    assert page_requests(printed.netlog) == []


def _page_of(folder: Path, case: dict[str, Any]) -> Path:
    from ntrk_advisor.api import default_knowledge_base

    kb = default_knowledge_base()
    page = folder / "hostile.html"
    html = render_html(evaluate(case, "en"), kb, "en", tumor_type=case["tumor_type"], generated=GENERATED)
    page.write_text(html, encoding="utf-8")
    return page


TREE_CASE = next(case for case in EXAMPLES if case.get("id") == "v2-infant-airway-locally-advanced")
"""The case the README's picture of the tree shows: an infant with an emergency, locally advanced."""
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
WRITE_SCREENSHOTS = "NTRK_ADVISOR_WRITE_SCREENSHOTS"
TREE_ONLY = (
    "<style>header, footer, main > :not(figure.path) { display: none !important; } "
    "body { margin: 0; padding: 6px 12px; }</style></head>"
)


def tree_screenshot(chromium: str, html: str, work: Path) -> Path:
    """A PNG of the report's tree alone: the same page, everything but the figure hidden."""
    page = work / "tree.html"
    page.write_text(html.replace("</head>", TREE_ONLY, 1), encoding="utf-8")
    height = float(re.findall(r'viewBox="0 0 640 ([0-9.]+)"', html)[0])
    png = work / "tree.png"
    flags = [flag for flag in BROWSER_FLAGS if not flag.startswith("--window-size")]
    done = subprocess.run(
        [
            chromium,
            *flags,
            f"--window-size=680,{int(height) + 90}",
            f"--user-data-dir={work / 'profile'}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return png


@pytest.mark.parametrize("lang", LANGS)
def test_the_reports_tree_is_drawn_and_printed_with_its_labels(
    lang: Lang, chromium: str, kb: KnowledgeBase, tmp_path: Path
) -> None:
    result = evaluate(TREE_CASE, lang, kb)
    html = render_html(result, kb, lang, tumor_type=TREE_CASE.get("tumor_type"), generated=GENERATED)
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    printed = print_page(chromium, page, tmp_path)
    pages, _, text = pdf_text(printed.pdf)
    assert 1 <= pages <= 2
    nodes = case_path(result, kb, lang)
    assert [node.kind for node in nodes][-1] == "outcome" and any(node.kind == "add" for node in nodes)
    for node in nodes:  # each node on the path printed as text (a long label is cut with "…")
        assert squeeze(node.label[:8]) in text
        assert squeeze(node.taken[:12]) in text
    assert squeeze(t("html.tree_years", lang, value="0.2")) in text
    png = tree_screenshot(chromium, html, tmp_path)
    assert is_png(png)
    if os.environ.get(WRITE_SCREENSHOTS) == "1":  # the README's picture, made by this test
        IMAGES.mkdir(exist_ok=True)
        shutil.copyfile(png, IMAGES / f"report-tree-{lang}.png")


@pytest.mark.parametrize("lang", LANGS)
def test_the_longest_path_still_prints_on_at_most_three_a4_pages(
    lang: Lang, chromium: str, kb: KnowledgeBase, tmp_path: Path
) -> None:
    longest = max(
        walk_leaves(kb), key=lambda leaf: (len(leaf.result.trace), len(case_path(leaf.result, kb, "en")))
    )
    result = evaluate(longest.answers, lang, kb)
    assert len(case_path(result, kb, lang)) >= 20
    page = tmp_path / "report.html"
    page.write_text(render_html(result, kb, lang, generated=GENERATED), encoding="utf-8")
    pages, sizes, text = pdf_text(print_page(chromium, page, tmp_path).pdf)
    assert 1 <= pages <= 3 and all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in sizes)
    assert squeeze(t("html.outcome", lang)) in text


CONSULT_PICTURE = IMAGES / "consult-80-columns.svg"


def test_the_readmes_consult_picture_is_drawn_by_chromium_as_a_png(chromium: str, tmp_path: Path) -> None:
    """The README shows the consult at 80 columns as a PNG Chromium made from the SVG that
    tests/test_readme_picture.py draws; the web fonts rich names are dropped, so nothing is fetched."""
    svg = CONSULT_PICTURE.read_text(encoding="utf-8")
    local = re.sub(r"@font-face\s*\{[^}]*\}", "", svg)
    assert "https://" not in re.sub(r"<!--.*?-->", "", local, flags=re.S)
    width, height = (float(v) for v in re.findall(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', local)[0])
    page = tmp_path / "consult.svg"
    page.write_text(local, encoding="utf-8")
    png = tmp_path / "consult.png"
    flags = [flag for flag in BROWSER_FLAGS if not flag.startswith("--window-size")]
    done = subprocess.run(
        [
            chromium,
            *flags,
            f"--window-size={int(width)},{int(height)}",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert is_png(png)
    if os.environ.get(WRITE_SCREENSHOTS) == "1":  # the README's picture, made by this test
        shutil.copyfile(png, IMAGES / "consult-80-columns.png")
    readme = (IMAGES.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "](docs/images/consult-80-columns.png)" in readme
    assert (IMAGES / "consult-80-columns.png").is_file()
