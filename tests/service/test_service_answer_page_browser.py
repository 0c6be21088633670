"""The card → page → result loop in a real browser, against a real `ntrk-advisor serve`.

A patient-view call whose prefetch leaves answers missing gets the card; Chromium (Debian's,
driven by Playwright, never a downloaded one) opens the card's link, answers each question with
the keyboard, submits, and reads the bottom line, in English and in Chinese, with JavaScript off. Each result is saved
as a screenshot: under docs/images/ when `NTRK_ADVISOR_WRITE_SCREENSHOTS=1` (the pair committed
there was made this way), else in the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from ntrk_advisor.i18n import t
from tests.browser import browser_missing, browser_on_this_machine
from tests.service.helpers import hook_request
from tests.service.live import PATIENT_VIEW, live_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PREFETCH = {
    "patient": {"resourceType": "Patient", "id": "pat-77", "birthDate": "1986-03-01"},
    "observations": None,
}


def answer_by_keyboard(page: Any) -> None:
    """Each question answered with Tab-reachable controls: Space ticks, typing fills."""
    for fieldset in page.locator("fieldset").all():
        inputs = fieldset.locator("input")
        kind = inputs.first.get_attribute("type")
        target = inputs.last if kind == "checkbox" else inputs.first  # "None of these" is last
        target.focus()
        if kind in ("checkbox", "radio"):
            page.keyboard.press("Space")
            assert target.is_checked()
        else:
            page.keyboard.type("40")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_card_link_opens_a_page_that_leads_to_the_bottom_line(lang: str, tmp_path: Path) -> None:
    chromium, missing = browser_on_this_machine()
    if missing or chromium is None:
        browser_missing(missing or "no Chromium")
    from playwright.sync_api import sync_playwright

    with live_server(tmp_path) as server:
        body = hook_request(prefetch=PREFETCH, lang=lang)
        cards = httpx.post(server.base + PATIENT_VIEW, json=body, timeout=30).json()["cards"]
        link = cards[-1]["links"][0]["url"]
        assert link.startswith(f"{server.base}/app?token=")
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 900, "height": 1200}, java_script_enabled=False)
                blocked: list[str] = []
                page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
                page.on("request", lambda r: None if r.url.startswith(server.base) else blocked.append(r.url))
                page.goto(link)
                assert page.locator("h1").inner_text() == t("page.title", lang)
                for _ in range(10):
                    answer_by_keyboard(page)
                    if page.locator("h1").inner_text() == t("page.result_title", lang):
                        break
                bottom = page.locator("section.bottom-line")
                assert bottom.locator("h2").inner_text() == t("bottom_line", lang)
                assert bottom.locator("li").count() >= 1
                html_link = page.locator(f"a:has-text('{t('page.report_html', lang)}')")
                assert html_link.count() == 1
                if lang == "en":  # the PDF, printed by the server's Chromium as `consult --format pdf` does
                    pdf_link = page.locator(f"a:has-text('{t('page.report_pdf', lang)}')").get_attribute(
                        "href"
                    )
                    pdf = httpx.get(server.base + str(pdf_link), timeout=180)
                    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(
                        b"%PDF"
                    )
                folder = DOCS_IMAGES if os.environ.get("NTRK_ADVISOR_WRITE_SCREENSHOTS") == "1" else tmp_path
                page.screenshot(path=str(folder / f"app-result-{lang}.png"), full_page=True)
                assert blocked == []
            finally:
                browser.close()
