"""The comparison report in a real browser: it opens from disk, every figure loads, nothing errs.

Headless Debian Chromium (never a downloaded browser) opens ``report.html`` by ``file://`` with
the network cut off; the page must show its headline, the executive summary (with its profit
chart) and the horizon section, decode all six embedded figures, log no console or page errors and
request nothing but itself and data URLs. ``--pdf`` prints the same page to ``report.pdf`` with that
Chromium; printed at A4, page one holds the summary alone and nothing runs past the margins.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_report_opens_offline_with_all_figures(browser: Any, cli_run) -> None:
    _, out = cli_run
    page_url = (out / "report.html").resolve().as_uri()
    context = browser.new_context(offline=True)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(page_url, wait_until="load", timeout=30_000)
        assert page.locator("p.lead").inner_text().startswith("Under this market")
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert len(sizes) == 6
        assert all(done and w > 300 and h > 100 for done, w, h in sizes), sizes
        summary = page.locator("section.summary")
        assert summary.locator("h2").inner_text() == "Executive summary"
        text = summary.inner_text()
        assert "The market (baseline.toml): 300 potential customers" in text
        # a conditional recommendation, or the plain statement that the leaders cannot be told apart
        assert re.search(r"Recommendation\. (Choose |On .* cannot be told apart)", text), text
        assert "Limitations and method" in text and "Listener (us)" in text and "rival Listener" in text
        assert summary.locator("img").count() == 1  # profit over time, on page one
        assert "weeks" in text and "period" not in text
        assert "money.service_cost" in text and "Rival" in text  # cost assumptions and rivals' settings
        headers = summary.locator("table").first.locator("th").all_inner_texts()
        assert headers[0] == "Policy" and any("Profit" in h for h in headers)  # the model has money
        assert summary.locator("table").first.locator("tbody tr").count() == 4
        horizon = page.locator("section", has=page.locator("h2", has_text="The horizon"))
        rows = horizon.locator("table").first.locator("tbody tr").all_inner_texts()
        assert [r.split("\t")[0] for r in rows] == ["5", "10", "15", "20"]
        assert horizon.locator("img").count() == 1
    finally:
        context.close()
    assert not problems, problems
    outside = [u for u in requests if not (u.startswith("data:") or u == page_url)]
    assert not outside, outside


def test_pdf_is_printed_with_the_summary_alone_on_page_one(browser: Any, compare_args: list[str], cli_run) -> None:
    """`--pdf` resumes the finished runs and prints report.pdf; page one holds the summary only."""
    import re
    import subprocess
    import sys

    _, out = cli_run
    # in a child process: Playwright's sync API cannot start inside this module's running one
    done = subprocess.run(
        [sys.executable, "-m", "trustsim.cli", "compare", *compare_args, "--pdf"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    data = (out / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 3, pages
    # the page the PDF was printed from, in print media: the summary ends page one
    context = browser.new_context(offline=True)
    page = context.new_page()
    try:
        page.goto((out / "report.html").resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        after = page.eval_on_selector("section.summary", "s => getComputedStyle(s).breakAfter")
        assert after == "page"
        # and it fits on one A4 page (190 x 273 mm printable at 96 dpi: 718 x 1032 px)
        page.set_viewport_size({"width": 718, "height": 1032})
        bottom = page.eval_on_selector("section.summary", "s => s.getBoundingClientRect().bottom")
        assert bottom <= 1032, bottom
        # nothing runs past the right margin: no table, figure or paragraph wider than the printable width
        wide = page.evaluate(
            """() => [...document.querySelectorAll('table, figure, img, p, h1, h2')]
                .filter(e => e.getBoundingClientRect().right > 718.5)
                .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))"""
        )
        assert not wide, wide
        assert page.evaluate("document.documentElement.scrollWidth") <= 718
    finally:
        context.close()
