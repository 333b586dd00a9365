"""The classroom game played as a class would: one teacher's screen and three students' browsers.

Starts `trustsim classroom` on a free port of 127.0.0.1, joins three firms (after a wrong join
code is refused), plays three rounds with different decisions, kills the server with SIGKILL in
the middle of round 2 and restarts it with the same command, and checks every effect: each
firm's decisions are the policy in force in the supplier table, round by round; a firm that did
not decide kept its policy; a student cannot change another firm; bad and over-budget values get
a clear message; the restarted game shows the same round, leaderboard and results; the
leaderboard lists three firms; the debrief gives a two-sentence lesson. No request leaves
127.0.0.1 and no page reports a script error.

Set ``TRUSTSIM_GAME_SCREENSHOTS=docs`` to write the screenshots of the README there.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
K = 3  # periods per round, as in the class_game fixture
FIELDS = ("promise", "over_delivery", "care", "transparency", "ad_budget", "anchoring")
PLANS: dict[int, dict[str, dict[str, float]]] = {
    1: {
        "Promise Keepers": dict(
            promise=0.6, over_delivery=0.05, care=0.9, transparency=0.9, ad_budget=0.5, anchoring=0.3
        ),
        "Loud & Co": dict(promise=0.9, over_delivery=0.0, care=0.3, transparency=0.2, ad_budget=8, anchoring=0.0),
        "Middle Way": dict(promise=0.75, over_delivery=0.02, care=0.6, transparency=0.5, ad_budget=2, anchoring=0.1),
    },
    2: {
        "Promise Keepers": dict(
            promise=0.6, over_delivery=0.05, care=1.0, transparency=1.0, ad_budget=0.2, anchoring=0.5
        ),
        "Loud & Co": dict(promise=0.95, over_delivery=0.0, care=0.2, transparency=0.1, ad_budget=10, anchoring=0.0),
        "Middle Way": dict(promise=0.7, over_delivery=0.03, care=0.6, transparency=0.6, ad_budget=3, anchoring=0.2),
    },
    3: {  # only the first firm decides; the teacher closes the round early
        "Promise Keepers": dict(
            promise=0.65, over_delivery=0.04, care=0.95, transparency=0.9, ad_budget=1.0, anchoring=0.4
        ),
    },
}
NAMES = list(PLANS[1])
LOCAL = ("http://127.0.0.1", "data:", "about:")


class Watch:
    """Requests and script errors of one page."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        outside = [u for u in self.requests if not u.startswith(LOCAL)]
        assert not outside, f"requests left the machine: {outside[:5]}"
        assert not self.errors, f"script errors: {self.errors[:5]}"


def visit(page: Any, url: str) -> Any:
    """Open `url`; again if the page's own auto-refresh (a new round, a new decision) got in the way."""
    from playwright.sync_api import Error

    attempts = 6
    for attempt in range(attempts):
        try:
            response = page.goto(url)
            page.wait_for_load_state("load")  # a reload the poll started meanwhile ends before we read
            return response
        except Error as e:
            if attempt == attempts - 1 or not any(s in str(e) for s in ("ERR_ABORTED", "interrupted", "destroyed")):
                raise
            page.wait_for_timeout(250)  # let the page's own navigation finish before the next goto
    return None


def decide(page: Any, base: str, plan: dict[str, float]) -> None:
    """Fill a student's decision form and submit it."""
    visit(page, base + "firm")
    for field, value in plan.items():
        page.fill(f"#in-{field}", str(value))
    with page.expect_navigation():
        page.click("#decide")


def leaderboard(page: Any) -> list[list[str]]:
    """The rows of the teacher's leaderboard, as text."""
    rows = page.locator("#leaderboard tr.firm-row")
    return [[c.strip() for c in rows.nth(i).inner_text().split("\t")] for i in range(rows.count())]


def results(page: Any) -> str:
    return page.locator("#results").inner_text()


def test_a_class_plays_three_rounds(browser: Any, class_game: Any, tmp_path: Path) -> None:
    server, base = class_game, class_game.url
    teacher_ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    teacher = teacher_ctx.new_page()
    teacher.set_default_timeout(TIMEOUT_MS)
    watches = [Watch(teacher)]
    visit(teacher, server.teacher_url)
    assert teacher.url == base + "teacher", "the teacher key should be moved from the URL into a cookie"
    code = teacher.locator("#join-code").inner_text().strip()
    assert teacher.locator("#join-address").inner_text().strip() == base

    # A page for the teacher only: a student's browser without the key is refused.
    students: dict[str, Any] = {}
    for name in NAMES:
        ctx = browser.new_context(viewport={"width": 430, "height": 1100})
        page = ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watches.append(Watch(page))
        students[name] = page
    first = students[NAMES[0]]
    assert visit(first, base + "teacher").status == 403

    # A wrong join code is refused, and no firm is created.
    visit(first, base)
    first.fill("#code", "WRONG7")
    first.fill("#name", NAMES[0])
    with first.expect_navigation():
        first.click("#join-form button")
    assert "Wrong join code" in first.locator("#message").inner_text()
    assert first.locator("#firm-name").count() == 0

    for name, page in students.items():
        visit(page, base)
        page.fill("#code", code.lower())  # case does not matter
        page.fill("#name", name)
        with page.expect_navigation():
            page.click("#join-form button")
        assert page.locator("#firm-name").inner_text() == name
    index = {name: i for i, name in enumerate(NAMES)}

    visit(teacher, base + "teacher")
    assert len(leaderboard(teacher)) == 3
    with teacher.expect_navigation():
        teacher.click("#start")
    assert "Round 1 of 3" in teacher.locator("#round-title").inner_text()

    # Round 1: everyone decides; the last decision runs the round.
    for name in NAMES:
        decide(students[name], base, PLANS[1][name])
    last = students[NAMES[-1]]
    assert "the round ran" in last.locator("#message").inner_text()

    # A student cannot change another firm, even by posting the form by hand.
    own = first.request.post(base + "decide", form={"firm": str(index["Loud & Co"]), **PLANS[2]["Promise Keepers"]})
    assert own.status == 403 and "only change your own firm" in own.text()
    # ...nor without a firm at all (a fresh browser with no cookie).
    stranger = browser.new_context()
    assert stranger.request.post(base + "decide", form={"firm": "1", **PLANS[2]["Loud & Co"]}).status == 403
    stranger.close()
    # Bad values get a clear message, not a crash.
    bad = first.request.post(base + "decide", form={**PLANS[2]["Promise Keepers"], "care": "lots"})
    assert bad.status == 400 and "Care: expected a number" in bad.text()
    bad = first.request.post(base + "decide", form={**PLANS[2]["Promise Keepers"], "promise": "1.5"})
    assert bad.status == 400 and "Promise: 1.5 is not allowed" in bad.text()
    loud = students["Loud & Co"]
    decide(loud, base, {**PLANS[2]["Loud & Co"], "care": 1.0})  # ads 450 + care 300 > 645
    assert "budget is" in loud.locator("#message").inner_text()

    # Round 2: two firms decide, the teacher fires a scandal at the third; then the laptop crashes.
    decide(first, base, PLANS[2]["Promise Keepers"])
    decide(loud, base, PLANS[2]["Loud & Co"])
    visit(teacher, base + "teacher")
    teacher.select_option("#scandal-target", str(index["Middle Way"]))
    with teacher.expect_navigation():
        teacher.click("#fire-scandal")
    assert "Scandal fired" in teacher.locator("#message").inner_text()
    visit(teacher, base + "teacher")
    before = {
        "title": teacher.locator("#round-title").inner_text(),
        "board": leaderboard(teacher),
        "decided": teacher.locator("#decided-count").inner_text(),
        "events": teacher.locator("#events").inner_text(),
    }
    visit(first, base + "firm")
    mine_before = results(first)
    assert "Round 2 of 3" in before["title"] and before["decided"] == "2"

    server.kill()
    server.start()
    visit(teacher, base + "teacher")
    after = {
        "title": teacher.locator("#round-title").inner_text(),
        "board": leaderboard(teacher),
        "decided": teacher.locator("#decided-count").inner_text(),
        "events": teacher.locator("#events").inner_text(),
    }
    assert after == before, "the restarted game is not where it was"
    visit(first, base + "firm")  # the cookie gets the firm back
    assert first.locator("#firm-name").inner_text() == "Promise Keepers"
    assert results(first) == mine_before
    assert first.locator("#decided").count() == 1, "the pending decision was lost in the restart"

    decide(students["Middle Way"], base, PLANS[2]["Middle Way"])
    visit(teacher, base + "teacher")
    assert "Round 3 of 3" in teacher.locator("#round-title").inner_text()
    visit(first, base + "firm")
    shots = Path(os.environ.get("TRUSTSIM_GAME_SCREENSHOTS") or tmp_path)
    teacher.screenshot(path=tmp_path / "game_teacher.png", full_page=True)
    first.screenshot(path=tmp_path / "game_student.png", full_page=True)

    # Round 3: only the first firm decides; the teacher closes the round early and the game ends.
    decide(first, base, PLANS[3]["Promise Keepers"])
    visit(teacher, base + "teacher")
    with teacher.expect_navigation():
        teacher.click("#close-round")
    assert "Game over" in teacher.locator("#round-title").inner_text()
    board = leaderboard(teacher)
    assert sorted(row[1] for row in board) == sorted(NAMES)
    profits = [float(row[5].replace(",", "")) for row in board]
    assert profits == sorted(profits, reverse=True), "the leaderboard is not ranked on long-term profit"

    # Each firm's decisions are the policy in force in the supplier table, round by round.
    csv = teacher_ctx.request.get(base + "teacher/suppliers.csv")
    assert csv.status == 200
    table = pd.read_csv(io.StringIO(csv.text()))
    assert table["step"].max() == 3 * K
    in_force = {name: PLANS[1][name] for name in NAMES}
    for r in (1, 2, 3):
        in_force.update(PLANS[r])
        for name in NAMES:
            rows = table[(table["name"] == name) & table["step"].between((r - 1) * K + 1, r * K)]
            assert len(rows) == K
            for field in FIELDS:
                assert (rows[field] == in_force[name][field]).all(), (name, r, field, rows[field].tolist())
    # The students' CSV is the teacher's: a student cannot download it.
    assert first.request.get(base + "teacher/suppliers.csv").status == 403

    # The debrief: decisions against outcomes, and a two-sentence lesson from these results.
    visit(first, base + "firm")
    with first.expect_navigation():
        first.click("#debrief-link")
    lesson = first.locator("#lesson p")
    assert lesson.count() == 2
    assert "round 3" in lesson.nth(0).inner_text()
    assert first.locator("#debrief-table tr").count() == 1 + 3 * 3
    for page in (teacher, first):
        for img in page.locator("img").all():
            assert img.evaluate("i => i.naturalWidth") > 100
    for watch in watches:
        watch.check()

    if os.environ.get("TRUSTSIM_GAME_SCREENSHOTS"):
        shots.mkdir(parents=True, exist_ok=True)
        for name in ("game_teacher.png", "game_student.png"):
            shutil.copyfile(tmp_path / name, shots / name)
