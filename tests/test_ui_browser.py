"""The real Gradio app in headless Chromium: streamed answers with sources, uploads, concurrency, errors,
and the source viewer (a PDF source's page with the cited paragraph highlighted).

A small index is built in a temporary folder from the demo report and a real PDF report; answers come
from the scripted OpenAI-compatible stub over loopback. The embedder is the real offline default (`RAG_TEST_EMBEDDER`
overrides it). Chromium comes from Debian (`apt-get install chromium`, done by .ci/run).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from playwright.sync_api import BrowserContext, Page, expect

from rag.service import RagService
from rag.settings import Settings
from tests.openai_stub import StubOpenAIServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "changqing-2024-government-work-report.txt"
PDF = ROOT.parent / "shared" / "corpus" / "real" / "huaian-2024-gov-info-disclosure-annual-report.pdf"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WAIT_MS = 60_000
BUDGET_Q = "2023年一般公共预算收入是多少？"
PIPES_Q = "去年新建改造了多少公里雨污管网？"
PDF_Q = "2024年全市共受理政府信息公开申请多少件？"
SHOTS = Path(os.environ.get("RAG_SCREENSHOT_DIR", tempfile.gettempdir())) / "rag-ui-screens"

assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class App:
    """The running server plus the handles tests need (the stub, to script LLM failures)."""

    def __init__(self, url: str, stub: StubOpenAIServer, service: RagService) -> None:
        self.url, self.stub, self.service = url, stub, service


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    from ui.app import build_app, serve

    root = tmp_path_factory.mktemp("ui-app")
    data = root / "data"
    data.mkdir()
    shutil.copyfile(CORPUS, data / CORPUS.name)
    if PDF.is_file():
        shutil.copyfile(PDF, data / PDF.name)
    with StubOpenAIServer(delay_s=0.03) as stub:
        settings = Settings(
            _env_file=None,
            RAG_INDEX_DIR=root / "index",
            RAG_DATA_DIR=data,
            RAG_CACHE_DIR=root / "cache",
            RAG_LLM="openai",
            OPENAI_BASE_URL=stub.base_url,
            RAG_EMBEDDER=os.environ.get("RAG_TEST_EMBEDDER", "e5-small-offline"),
        )
        service = RagService(settings)
        service.index([data])
        # `python -m rag serve` builds the paraphrase word vectors while the page loads (Answerer.warm_up); a
        # fresh cache takes about a minute on 2 cores, once: done here first, so the waits below time answers
        service.word_vectors()
        demo = build_app(service)
        port = _free_port()
        serve(demo, "127.0.0.1", port, block=False)
        try:
            yield App(f"http://127.0.0.1:{port}/", stub, service)
        finally:
            demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")  # a fresh user-data-dir for every run
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 900}, locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def open_page(browser: BrowserContext, app: App) -> Page:
    page = browser.new_page()
    page.goto(app.url)
    expect(page.locator("#rag-input textarea")).to_be_visible(timeout=WAIT_MS)
    return page


def ask(page: Page, question: str) -> None:
    """Type and send; returns at once (callers wait for the answer they expect)."""
    page.locator("#rag-input textarea").fill(question)
    page.locator("#rag-send").click()


def last_answer(page: Page, count: int):
    """Wait until `count` finished answers are in the chat and return the newest."""
    done = page.locator("#rag-chat .rag-done")
    expect(done).to_have_count(count, timeout=WAIT_MS)
    return done.nth(count - 1)


def test_streamed_answer_with_linked_sources(app: App, browser: BrowserContext, tmp_path: Path) -> None:
    page = open_page(browser, app)
    # Record whether partial text was shown before the final answer replaced it.
    page.evaluate("""() => {
        window.__ragStreamed = false;
        new MutationObserver(() => {
            const s = document.querySelector('#rag-chat .rag-streaming .rag-text');
            if (s && s.textContent.trim().length > 0) window.__ragStreamed = true;
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    ask(page, BUDGET_Q)
    answer = last_answer(page, 1)
    expect(answer).to_contain_text("30.24")
    assert page.evaluate("window.__ragStreamed"), "the answer was not streamed token by token"
    expect(page.locator("#rag-chat .rag-streaming")).to_have_count(0)

    marker = answer.locator("a.rag-cite").first
    expect(marker).to_be_visible()
    target = marker.get_attribute("href")
    assert target and target.startswith("#src-")
    card = page.locator(f"#rag-sources {target}")
    expect(card).to_contain_text("30.24亿元")
    expect(card).to_contain_text("changqing-2024-government-work-report.txt")
    expect(card).to_contain_text("第 1 页")
    expect(card.locator(".rag-badge-ok")).to_have_text("已核实")
    expect(card.locator("mark.rag-hl")).to_contain_text("30.24")
    expect(page.locator("#rag-sources details.rag-uncited")).to_have_count(1)

    # icons are SVG masks that need no emoji font: they have a size and an SVG image
    badge_icon = card.locator(".rag-badge-ok .rag-ico-check")
    box = badge_icon.bounding_box()
    assert box and box["width"] >= 8 and box["height"] >= 8
    assert "data:image/svg+xml" in badge_icon.evaluate("e => getComputedStyle(e).maskImage || getComputedStyle(e).webkitMaskImage")

    expect(card.locator("details.rag-view-ctx")).to_have_count(1, timeout=WAIT_MS)  # views follow the answer
    marker.click()  # the marker brings its source into view, flashes it and opens the paragraph in context
    expect(card).to_have_class(re.compile(r"\brag-flash\b"))
    expect(card).to_be_in_viewport()
    context = card.locator("details.rag-view-ctx")
    expect(context).to_have_attribute("open", "")
    expect(context.locator(".rag-ctx-this")).to_contain_text("30.24亿元")
    expect(context.locator(".rag-ctx-before, .rag-ctx-after")).to_have_count(2)

    shot = tmp_path / "answered-chat.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the answered chat: {shot}")
    page.close()


def test_upload_then_ask_about_it(app: App, browser: BrowserContext, tmp_path: Path) -> None:
    fact = tmp_path / "charging-piles-2025.txt"
    fact.write_text(
        "示范区充电设施建设情况\n\n"
        "示范区2025年共建成智能充电桩4321个，覆盖全部公共停车场和主要居民小区，充电服务半径缩短到一公里以内。\n",
        encoding="utf-8",
    )
    page = open_page(browser, app)
    page.get_by_role("tab", name="文件管理").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(fact))
    # Gradio shows the name as stem + extension in two spans; their text may be joined with a space
    expect(page.locator("#rag-upload")).to_contain_text(fact.stem, timeout=WAIT_MS)
    page.locator("#rag-add").click()
    expect(page.locator("#rag-report")).to_contain_text("已添加", timeout=WAIT_MS)
    expect(page.locator("#rag-report")).to_contain_text(fact.name)
    # its vectors are computed in the background; the tab follows them until every passage has one
    passages = app.service.store.coverage()[1]
    expect(page.locator("#rag-embedding")).to_contain_text(f"全部 {passages} 个段落已有向量", timeout=WAIT_MS)
    assert app.service.store.coverage() == (passages, passages)
    documents = len(app.service.documents())
    expect(page.locator("#rag-docs")).to_contain_text(fact.name)
    expect(page.locator("#rag-docs")).to_contain_text(f"共 {documents} 个文件")

    page.get_by_role("tab", name="问答").click()
    ask(page, "示范区2025年共建成多少个智能充电桩？")
    answer = last_answer(page, 1)
    expect(answer).to_contain_text("4321")
    expect(page.locator("#rag-sources .rag-src-cited").first).to_contain_text(fact.name)

    # and it can be removed again
    page.get_by_role("tab", name="文件管理").click()
    page.locator("#rag-remove-choice input").click()
    page.get_by_role("option", name=fact.name).click()
    page.locator("#rag-remove").click()
    expect(page.locator("#rag-report")).to_contain_text("已删除", timeout=WAIT_MS)
    expect(page.locator("#rag-docs")).not_to_contain_text(fact.name)
    expect(page.locator("#rag-docs")).to_contain_text(f"共 {documents - 1} 个文件")
    page.close()


def test_two_sessions_at_once_get_their_own_answers(app: App, browser: BrowserContext) -> None:
    first, second = open_page(browser, app), open_page(browser, app)
    ask(first, BUDGET_Q)
    ask(second, PIPES_Q)
    a1, a2 = last_answer(first, 1), last_answer(second, 1)
    expect(a1).to_contain_text("30.24")
    expect(a2).to_contain_text("91")
    assert "雨污" not in a1.inner_text() and "30.24" not in a2.inner_text()
    expect(first.locator("#rag-sources")).not_to_contain_text(PIPES_Q)
    expect(second.locator("#rag-sources")).not_to_contain_text(BUDGET_Q)
    expect(first.locator("#rag-chat .rag-question")).to_have_count(1)
    expect(second.locator("#rag-chat .rag-question")).to_have_count(1)
    first.close()
    second.close()


def test_empty_question_and_llm_failure_are_explained(app: App, browser: BrowserContext) -> None:
    page = open_page(browser, app)
    page.locator("#rag-send").click()  # nothing typed
    error = page.locator("#rag-chat .rag-error")
    expect(error).to_contain_text("请先输入一个问题", timeout=WAIT_MS)
    expect(page.locator("#rag-chat")).not_to_contain_text("Traceback")

    app.stub.behaviour = "http_500"
    try:
        ask(page, BUDGET_Q)
        expect(error).to_have_count(0, timeout=WAIT_MS)  # the one-off message gives way to the conversation
        answer = last_answer(page, 1)
        expect(answer.locator(".rag-notice")).to_contain_text("大模型不可用")
        expect(answer).to_contain_text("30.24")  # answered from the document text instead
    finally:
        app.stub.behaviour = "grounded"
    page.close()


@pytest.mark.skipif(not PDF.is_file(), reason=f"{PDF} is not here")
def test_pdf_source_shows_its_page_with_the_paragraph_highlighted(app: App, browser: BrowserContext) -> None:
    page = open_page(browser, app)
    ask(page, PDF_Q)
    answer = last_answer(page, 1)
    expect(answer).to_contain_text("3119")
    marker = answer.locator("a.rag-cite").first
    card = page.locator(f"#rag-sources {marker.get_attribute('href')}")
    expect(card).to_contain_text(PDF.name)
    view = card.locator("details.rag-view-pdf")
    expect(view).to_have_count(1, timeout=WAIT_MS)  # rendered after the answer is shown
    expect(view).not_to_have_attribute("open", "")

    marker.click()  # [n] opens the page view
    expect(view).to_have_attribute("open", "")
    img = view.locator("img.rag-page-img").first
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=WAIT_MS)
    natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural == [1190, 1684], natural  # an A4 page at 144 dpi

    # the image is a real PNG, served by the app
    response = page.request.get(app.url + img.get_attribute("src"))
    assert response.ok and response.headers["content-type"] == "image/png"
    body = response.body()
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and len(body) > 50_000

    # the highlighted region: reported on the image, drawn over it, inside it, and scrolled into view
    left, top, right, bottom = (float(v) for v in img.get_attribute("data-hl").split(","))
    assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1 and bottom - top > 0.03
    overlay = view.locator(".rag-page-hl").first
    expect(overlay).to_be_visible()
    frame = view.locator(".rag-page-frame").first
    page.wait_for_timeout(1000)  # the card scrolls smoothly into view: measure once it has settled
    o, i, f = overlay.bounding_box(), img.bounding_box(), frame.bounding_box()
    assert o and i and f and o["height"] > 15 and o["width"] > i["width"] * 0.5
    assert i["y"] - 6 <= o["y"] and o["y"] + o["height"] <= i["y"] + i["height"] + 6
    assert abs(o["y"] + 5 - (i["y"] + top * i["height"])) < 3, (o, i)  # its border is 5 px outside the region
    assert f["y"] - 6 <= o["y"] <= f["y"] + f["height"], (o, f)  # the frame scrolled to the highlight
    # the yellow highlight is drawn into the image, where the overlay says
    hit = img.evaluate("""(img, hl) => {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const y0 = Math.round(hl[1] * c.height), y1 = Math.round(hl[3] * c.height);
        const x = Math.round((hl[0] + 0.01) * c.width);
        let yellow = 0;
        for (let y = y0; y < y1; y++) {
            const [r, gr, b] = g.getImageData(x, y, 1, 1).data;
            if (r > 200 && gr > 170 && b < 200) yellow++;  // white is 255, 255, 255
        }
        return yellow;
    }""", [left, top, right, bottom])
    assert hit > 10, hit

    SHOTS.mkdir(parents=True, exist_ok=True)
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "pdf-source-card.png"))
    page.screenshot(path=str(SHOTS / "pdf-source-page.png"))
    img.click()  # a click zooms the page 2x and keeps the highlight in view
    expect(frame).to_have_class(re.compile(r"\brag-zoom\b"))
    page.wait_for_timeout(500)
    assert img.bounding_box()["width"] > f["width"] * 1.5
    o, f = overlay.bounding_box(), frame.bounding_box()
    assert f["y"] - 6 <= o["y"] <= f["y"] + f["height"] and f["x"] - 12 <= o["x"] <= f["x"] + f["width"], (o, f)
    card.screenshot(path=str(SHOTS / "pdf-source-card-zoomed.png"))
    print(f"\nscreenshots of the PDF source view: {SHOTS}")
    page.close()
