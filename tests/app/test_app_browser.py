"""End to end, as a teacher would: start `trustsim viz`, open it in headless Chromium, click.

Checks effects, not presence: Step advances the on-screen counter and redraws the network and
the plots; Play advances by itself and Pause stops it; a slider plus Reset changes the market
shown; a lesson replaces the model; the event buttons are recorded; the colour toggle redraws.
Throughout, no request leaves 127.0.0.1 and the page reports no errors.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
TIMEOUT_MS = 20_000


class Recorder:
    """Everything the page asked for or complained about."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} {response.url}")

    @property
    def outside(self) -> list[str]:
        """Requests to anything but the local server."""
        return [u for u in self.requests if not u.startswith(LOCAL)]


def step_shown(page: Any) -> int:
    """The step counter in the banner."""
    return int(page.locator(".trustsim-step").inner_text().split()[-1])


def wait_for_step(page: Any, condition: Any, what: str) -> int:
    """Poll the step counter until `condition(step)` holds; fail naming `what` otherwise."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        step = step_shown(page)
        if condition(step):
            return step
        time.sleep(0.1)
    pytest.fail(f"{what}: the step counter stayed at {step_shown(page)}")


def settled_step(page: Any, quiet: float = 3.0) -> int:
    """The step counter once it has not changed for `quiet` seconds."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    last, since = step_shown(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = step_shown(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    pytest.fail(f"the step counter never stopped changing (last {last})")


def image(page: Any, panel: str) -> str:
    """The `src` of a panel's picture (a new blob URL each time it is redrawn)."""
    img = page.locator(f".{panel} img")
    img.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "sel => { const i = document.querySelector(sel); return i && i.naturalWidth > 100; }",
        arg=f".{panel} img", timeout=TIMEOUT_MS,
    )
    return img.get_attribute("src") or ""


def wait_redrawn(page: Any, panel: str, before: str, what: str) -> str:
    """Wait until a panel shows a new picture."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        now = image(page, panel)
        if now != before:
            return now
        time.sleep(0.1)
    pytest.fail(f"{what}: the {panel} picture was not redrawn")


def button(page: Any, name: str) -> Any:
    """A button by its exact visible name."""
    return page.get_by_role("button", name=name, exact=True)


def slider(page: Any, label: str) -> Any:
    """The handle of the slider with this label."""
    field = page.locator(".v-input", has=page.locator("label", has_text=label))
    return field.locator("[role=slider]").first


def test_classroom_app_end_to_end(browser: Any, app_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(TIMEOUT_MS)
    seen = Recorder(page)
    page.goto(app_url)

    # It renders: banner, network and plots, at step 0.
    page.locator(".trustsim-step").wait_for(timeout=TIMEOUT_MS)
    assert step_shown(page) == 0
    network, trends = image(page, "trustsim-network"), image(page, "trustsim-trends")
    assert "Free play" in page.locator(".trustsim-banner").inner_text()
    page.screenshot(path=tmp_path / "01-start.png")

    # Step: the counter advances and both pictures are redrawn.
    button(page, "Step").click()
    wait_for_step(page, lambda s: s == 1, "after Step")
    network = wait_redrawn(page, "trustsim-network", network, "after Step")
    trends = wait_redrawn(page, "trustsim-trends", trends, "after Step")

    # Play runs on its own; Pause stops it.
    button(page, "▶").click()
    wait_for_step(page, lambda s: s >= 5, "while playing")
    button(page, "❚❚").click()
    button(page, "▶").wait_for()
    paused_at = settled_step(page)  # a step under way when Pause is pressed may still show up
    time.sleep(3.0)
    assert step_shown(page) == paused_at, "the model kept running after Pause"
    trends = wait_redrawn(page, "trustsim-trends", trends, "after playing")
    page.screenshot(path=tmp_path / "02-played.png")

    # A slider, then Reset: a new market with S1's new promise, back at step 0.
    market = page.locator(".trustsim-market")
    assert "S1 promises 0.70" in market.inner_text()
    handle = slider(page, "S1 promise level")
    handle.focus()
    handle.press("ArrowRight")
    handle.press("ArrowRight")
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(0.8)
    button(page, "Reset").click()
    page.wait_for_function(
        "() => document.querySelector('.trustsim-market').innerText.includes('S1 promises 0.80')"
    )
    wait_for_step(page, lambda s: s == 0, "after Reset")

    # A lesson: its explanation appears and the market follows its settings.
    lesson = page.locator(".v-input", has=page.locator("label", has_text=re.compile("^Lesson$")))
    lesson.locator(".v-select__slot").click()
    page.locator(".v-menu__content .v-list-item", has_text="The broken promise").click()
    banner = page.locator(".trustsim-banner")
    page.wait_for_function(
        "() => document.querySelector('.trustsim-banner').innerText.includes('The broken promise')"
    )
    assert "promises more than it can deliver" in banner.inner_text()
    assert "S1 promises 0.95" in market.inner_text()
    assert step_shown(page) == 0

    # One click for a scandal in the middle of a run; it is recorded and shows in the plots.
    network, trends = image(page, "trustsim-network"), image(page, "trustsim-trends")
    for _ in range(3):
        button(page, "Step").click()
    wait_for_step(page, lambda s: s == 3, "three Steps in the lesson")
    trends = wait_redrawn(page, "trustsim-trends", trends, "after three Steps")
    button(page, "Scandal at S1").click()
    page.locator(".trustsim-events", has_text="scandal at S1").wait_for()
    button(page, "S1 breaks promises").click()
    page.locator(".trustsim-events", has_text="broken promises at S1").wait_for()
    button(page, "Step").click()
    wait_for_step(page, lambda s: s == 4, "Step after the scandal")
    wait_redrawn(page, "trustsim-trends", trends, "after the scandal")

    # The colour toggle redraws the network by firm.
    network = image(page, "trustsim-network")
    button(page, "firm").click()
    wait_redrawn(page, "trustsim-network", network, "after colouring by firm")
    page.screenshot(path=tmp_path / "03-lesson.png")

    assert seen.outside == [], f"requests left 127.0.0.1: {seen.outside}"
    assert seen.problems == [], "the page reported problems:\n" + "\n".join(seen.problems)
    assert time.monotonic() - started < 120
    page.close()
