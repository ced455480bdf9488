"""Ask a running web chat one question in headless Chromium and save a screenshot of the answer.

    python -m rag serve --port 7860 &        # with whatever LLM .env selects
    python scripts/ui_screenshot.py --url http://127.0.0.1:7860/ --out answered.png
    python scripts/ui_screenshot.py --question "…" --open-source 1 --out source.png   # with source [1] opened

Uses Debian's /usr/bin/chromium (never a downloaded browser).
"""
from __future__ import annotations

import argparse
import tempfile

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--question", default="2023年一般公共预算收入是多少？")
    parser.add_argument("--out", default="answered.png")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the answer")
    parser.add_argument("--open-source", type=int, default=0, metavar="N",
                        help="click marker [N] in the answer and wait for its page (PDF) or context view")
    args = parser.parse_args()
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", args=ARGS,
                                                        viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(args.url)
        page.locator("#rag-input textarea").fill(args.question)
        page.locator("#rag-send").click()
        done = page.locator("#rag-chat .rag-done").last
        expect(done).to_be_visible(timeout=args.timeout * 1000)
        if args.open_source:
            marker = done.locator(f'a.rag-cite:text-is("[{args.open_source}]")').first
            card = page.locator(f"#rag-sources {marker.get_attribute('href')}")
            expect(card.locator("details.rag-view")).to_have_count(1, timeout=args.timeout * 1000)
            marker.click()
            expect(card.locator("details.rag-view")).to_have_attribute("open", "")
            img = card.locator("img.rag-page-img")
            if img.count():
                page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.first.element_handle())
            page.wait_for_timeout(1000)  # the card scrolls into view smoothly
        page.screenshot(path=args.out, full_page=True)
        print(f"saved {args.out}: {done.inner_text()[:200]}")
        context.close()


if __name__ == "__main__":
    main()
