"""The comparison report in a real browser: it opens from disk, every figure loads, nothing errs.

Headless Debian Chromium (never a downloaded browser) opens ``report.html`` by ``file://`` with
the network cut off; the page must show its headline and tables, decode all four embedded
figures, log no console or page errors and request nothing but itself and data URLs.
"""

from __future__ import annotations

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
        sizes = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        )
        assert len(sizes) == 4
        assert all(done and w > 300 and h > 100 for done, w, h in sizes), sizes
        headers = page.locator("table").first.locator("th").all_inner_texts()
        assert headers[0] == "Policy" and any("Revenue" in h for h in headers)
        assert page.locator("table").first.locator("tbody tr").count() == 4
    finally:
        context.close()
    assert not problems, problems
    outside = [u for u in requests if not (u.startswith("data:") or u == page_url)]
    assert not outside, outside
