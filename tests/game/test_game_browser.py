"""The classroom game played as a Dutch class would: a projector, a teacher panel and three students.

Starts `trustsim classroom --preset long_game` on a free port of 127.0.0.1; every browser asks for
Dutch (locale nl-NL). The teacher projects /teacher at 1280 × 720 and controls the game from
/teacher/panel. Three students join (after a wrong code is refused), see their goal, rank, score,
promises kept and trust, type decisions with decimal commas, watch the server's budget preview,
get a refused plan back without a re-sent form, see a scandal notice; the server is killed with
SIGKILL in round 2 and restarted; the teacher renames a firm and hands another to a new device
with a firm code; the remaining rounds are closed from the panel. Checked throughout: the
projected view fits 1280 × 720 without scrolling, has no controls and no text under 14 px (page
text measured in the browser, figure text from the server's ``X-Smallest-Text-Px`` scaled to the
size shown); the decisions are the policy in force in the supplier table; the debrief's verdicts
follow their intervals over the replays. No request leaves 127.0.0.1 and no page reports a script
error.

Set ``TRUSTSIM_GAME_SCREENSHOTS=docs`` to write docs/game_teacher.png and docs/game_student.png.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
K = 10  # weeks per round in the long game
ROUNDS = 12
MIN_TEXT_PX = 14.0
FIELDS = ("promise", "over_delivery", "care", "transparency", "ad_budget", "anchoring")
PLANS: dict[int, dict[str, dict[str, str]]] = {  # as typed in a Dutch browser: decimal commas
    1: {
        "Beloftehouders": dict(
            promise="0,7", over_delivery="0,08", care="0,9", transparency="0,8", ad_budget="0,4", anchoring="0,3"
        ),
        "Luid & Co": dict(
            promise="0,95", over_delivery="0", care="0,2", transparency="0,1", ad_budget="8", anchoring="0"
        ),
        "Middenweg": dict(
            promise="0,75", over_delivery="0,02", care="0,6", transparency="0,5", ad_budget="4", anchoring="0,1"
        ),
    },
    2: {
        "Beloftehouders": dict(
            promise="0,7", over_delivery="0,08", care="0,95", transparency="0,9", ad_budget="0,3", anchoring="0,4"
        ),
        "Luid & Co": dict(
            promise="0,95", over_delivery="0", care="0,2", transparency="0,1", ad_budget="9", anchoring="0"
        ),
        "Middenweg": dict(
            promise="0,7", over_delivery="0,03", care="0,6", transparency="0,6", ad_budget="3", anchoring="0,2"
        ),
    },
}
NAMES = list(PLANS[1])
LOCAL = ("http://127.0.0.1", "data:", "about:")

TEXT_SIZES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node, smallest = 1e9, count = 0, where = "";
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("[hidden]")) { continue; }
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.display === "none" || style.visibility === "hidden" || !box.width || !box.height) { continue; }
    const px = parseFloat(style.fontSize);
    count += 1;
    if (px < smallest) { smallest = px; where = text.slice(0, 40); }
  }
  return [smallest, count, where];
}"""


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
            page.wait_for_load_state("load")
            return response
        except Error as e:
            if attempt == attempts - 1 or not any(s in str(e) for s in ("ERR_ABORTED", "interrupted", "destroyed")):
                raise
            page.wait_for_timeout(250)
    return None


def decide(page: Any, base: str, plan: dict[str, str]) -> None:
    """Type a student's decision (as text, decimal commas) and submit it."""
    visit(page, base + "firm")
    for field, value in plan.items():
        page.fill(f"#in-{field}", value)
    with page.expect_navigation():
        page.click("#decide")


def click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def leaderboard(page: Any) -> list[list[str]]:
    rows = page.locator("#leaderboard tr.firm-row")
    return [[c.strip() for c in rows.nth(i).inner_text().split("\t")] for i in range(rows.count())]


def dutch_number(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").replace("−", "-"))


def check_projected(page: Any) -> None:
    """The projected view at 1280 × 720: no scrolling, no controls, no text under 14 px (figures too)."""
    width, height = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert width <= 1280 and height <= 720, f"the projected view scrolls: {width} × {height}"
    assert page.locator("form, button, input, select").count() == 0, "controls on the projected view"
    spilled = page.evaluate(
        "() => [...document.querySelectorAll('.card')].filter(c => c.scrollWidth > c.clientWidth)"
        ".map(c => c.textContent.trim().slice(0, 30))"
    )
    assert not spilled, f"content spills out of its box on the projected view: {spilled}"
    smallest, count, where = page.evaluate(TEXT_SIZES)
    assert count > 5 and smallest >= MIN_TEXT_PX, f"text of {smallest} px on the projected view: {where!r}"
    for img in page.locator("img").all():
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
        natural, shown = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
        drawn = page.request.get(urllib.parse.urljoin(page.url, img.get_attribute("src")))
        px = float(drawn.headers["x-smallest-text-px"]) * shown / natural
        assert px >= MIN_TEXT_PX, f"figure text of {px:.1f} px on the projected view"


def test_a_dutch_class_plays_the_long_game(browser: Any, preset_game: Any, tmp_path: Path) -> None:
    server, base = preset_game, preset_game.url
    dutch = {"locale": "nl-NL"}
    projector_ctx = browser.new_context(viewport={"width": 1280, "height": 720}, **dutch)
    projector = projector_ctx.new_page()
    projector.set_default_timeout(TIMEOUT_MS)
    watches = [Watch(projector)]
    visit(projector, server.teacher_url)
    assert projector.url == base + "teacher", "the teacher key should be moved from the URL into a cookie"
    panel = projector_ctx.new_page()  # the teacher's own screen: the same browser, another window
    panel.set_default_timeout(TIMEOUT_MS)
    watches.append(Watch(panel))
    visit(panel, base + "teacher/panel")
    code = projector.locator("#join-code").inner_text().strip()
    assert projector.locator("#join-address").inner_text().strip() == base
    assert "Het lange spel" in projector.locator("#presets").inner_text()
    assert "heeft 10 rondes nodig" in projector.locator("#presets").inner_text()
    check_projected(projector)

    students: dict[str, Any] = {}
    for name in NAMES:
        page = browser.new_context(viewport={"width": 430, "height": 1100}, **dutch).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watches.append(Watch(page))
        students[name] = page
    first = students[NAMES[0]]
    assert visit(first, base + "teacher").status == 403
    assert visit(first, base + "teacher/panel").status == 403

    # A wrong join code is refused (and the name typed is kept); then everyone joins.
    visit(first, base)
    first.fill("#code", "FOUT77")
    first.fill("#name", NAMES[0])
    click(first, "#join-form button")
    assert "Verkeerde code" in first.locator("#message").inner_text()
    assert first.locator("#name").input_value() == NAMES[0] and first.locator("#firm-name").count() == 0
    for name, page in students.items():
        visit(page, base)
        page.fill("#code", code.lower())
        page.fill("#name", name)
        click(page, "#join-form button")
        assert page.locator("#firm-name").inner_text() == name
        assert "Je doel" in page.inner_text("body") and "Wacht tot de docent" in page.inner_text("body")
    index = {name: i for i, name in enumerate(NAMES)}

    visit(panel, base + "teacher/panel")
    assert panel.locator(".roster-row").count() == 3
    assert panel.locator(".presence.online").count() == 3, "the students polled a moment ago"
    assert panel.locator("#too-short").count() == 0, "the preset is long enough"
    click(panel, "#start")
    assert "ronde 1 is open" in panel.locator("#message").inner_text()

    # Round 1: the student's page shows the goal and scoring rule, in Dutch, no model keys.
    visit(first, base + "firm")
    body = first.inner_text("body")
    assert "Je score = de winst tot nu toe" in body and "Belofte" in body and "Reclame" in body
    assert "advertising." not in body and "ad_budget" not in body and "over_delivery" not in body
    # The budget preview comes from the server as the student types (no money formula in the page).
    before = first.locator("#cost-total").inner_text()
    assert before.startswith("Geplande uitgaven deze ronde:")
    with first.expect_response(lambda r: "/preview?" in r.url):
        first.fill("#in-ad_budget", "9,5")
    first.wait_for_function("t => document.getElementById('cost-total').textContent !== t", arg=before)
    assert "reclame 2.850" in first.locator("#cost-total").inner_text()  # 10 weeks x 1% x 3,000 x 9.5
    for name in NAMES:
        decide(students[name], base, PLANS[1][name])
    assert "de ronde is gespeeld" in students[NAMES[-1]].locator("#message").inner_text()

    # A student cannot change another firm, even by posting the form by hand.
    forged = first.request.post(
        base + "decide",
        form={"firm": str(index["Luid & Co"]), **PLANS[2]["Beloftehouders"]},
        headers={"Accept-Language": "nl-NL,nl"},
    )
    assert forged.status == 403 and "alleen je eigen bedrijf" in forged.text()
    # A refused plan comes back on a fresh page (post/redirect/get) with its message and the values typed.
    loud = students["Luid & Co"]
    decide(loud, base, {**PLANS[2]["Luid & Co"], "care": "1", "over_delivery": "0,1"})
    assert loud.url == base + "firm" and "maar je budget is 4.300" in loud.locator("#message").inner_text()
    assert loud.locator("#in-over_delivery").input_value() == "0,1"
    again = loud.reload()
    assert again.request.method == "GET" and loud.locator("#message").count() == 0, "a reload re-sent the form"

    # Round 2: two firms decide, the teacher fires a scandal at the third; everyone is told.
    decide(first, base, PLANS[2]["Beloftehouders"])
    decide(loud, base, PLANS[2]["Luid & Co"])
    visit(panel, base + "teacher/panel")
    panel.select_option("#scandal-target", str(index["Middenweg"]))
    panel.fill("input[name=severity]", "1,5")
    click(panel, "#fire-scandal")
    assert "Schandaal afgevuurd" in panel.locator("#message").inner_text()
    middle = students["Middenweg"]
    visit(middle, base + "firm")
    assert "schandaal bij jouw bedrijf" in middle.locator("#standing").inner_text()
    visit(projector, base + "teacher")
    assert "schandaal bij Middenweg" in projector.inner_text("body")
    check_projected(projector)
    before = {"title": projector.locator("#round-title").inner_text(), "board": leaderboard(projector)}
    visit(first, base + "firm")
    mine_before = first.locator("#results").inner_text()
    assert before["title"] == "Ronde 2 van 12"

    # The laptop crashes; the same command brings the game back where it was.
    server.kill()
    server.start()
    visit(projector, base + "teacher")
    assert {"title": projector.locator("#round-title").inner_text(), "board": leaderboard(projector)} == before
    visit(first, base + "firm")
    assert first.locator("#firm-name").inner_text() == "Beloftehouders"
    assert first.locator("#results").inner_text() == mine_before
    assert first.locator("#decided").count() == 1, "the pending decision was lost in the restart"
    # The student's standing: rank, score, promises kept, trust.
    assert first.locator("#rank").inner_text().startswith("Je staat op plaats")
    assert first.locator("#my-kept").inner_text().endswith("%") and "," in first.locator("#my-trust").inner_text()

    # The roster: rename a firm; hand another to a new device with a firm code.
    visit(panel, base + "teacher/panel")
    row = panel.locator(".roster-row").nth(index["Luid & Co"])
    row.locator("input[name=name]").fill("Luid & Zonen")
    with panel.expect_navigation():
        row.locator("button.rename").click()
    assert "Hernoemd tot Luid & Zonen" in panel.locator("#message").inner_text()
    row = panel.locator(".roster-row").nth(index["Middenweg"])
    with panel.expect_navigation():
        row.locator("button.issue-code").click()
    firm_code = panel.locator("#message").inner_text().split(": ")[1].split(" ")[0]
    tablet = browser.new_context(viewport={"width": 800, "height": 1000}, **dutch).new_page()
    tablet.set_default_timeout(TIMEOUT_MS)
    watches.append(Watch(tablet))
    visit(tablet, base)
    tablet.fill("#claim", firm_code)
    click(tablet, "#claim-form button")
    assert tablet.locator("#firm-name").inner_text() == "Middenweg"
    visit(middle, base + "firm")
    assert middle.url == base, "the old device should have lost the firm"
    decide(tablet, base, PLANS[2]["Middenweg"])
    visit(projector, base + "teacher")
    assert projector.locator("#round-title").inner_text() == "Ronde 3 van 12"
    assert "Luid & Zonen" in projector.inner_text("#leaderboard")
    check_projected(projector)
    shots = Path(os.environ.get("TRUSTSIM_GAME_SCREENSHOTS") or tmp_path)
    projector.screenshot(path=tmp_path / "game_teacher.png")
    visit(first, base + "firm")
    first.screenshot(path=tmp_path / "game_student.png", full_page=True)

    # Rounds 3-12: nobody decides; the teacher closes each round from the panel.
    for r in range(3, ROUNDS + 1):
        visit(panel, base + "teacher/panel")
        click(panel, "#close-round")
        assert f"Ronde {r} gesloten" in panel.locator("#message").inner_text()
    visit(projector, base + "teacher")
    assert projector.locator("#round-title").inner_text() == "Spel voorbij"
    check_projected(projector)
    scores = [dutch_number(row[6]) for row in leaderboard(projector)]
    assert scores == sorted(scores, reverse=True), "the ranking is not on the score"

    # Each firm's decisions (typed with decimal commas) are the policy in force, round by round.
    csv = projector_ctx.request.get(base + "teacher/suppliers.csv")
    table = pd.read_csv(io.StringIO(csv.text()))
    assert table["step"].max() == ROUNDS * K
    final = {name: PLANS[2][name] for name in NAMES}
    for r, plans in ((1, PLANS[1]), (2, PLANS[2]), (ROUNDS, final)):
        for name, plan in plans.items():
            rows = table[(table["supplier"] == index[name]) & table["step"].between((r - 1) * K + 1, r * K)]
            assert len(rows) == K
            for field in FIELDS:
                assert (rows[field] == float(plan[field].replace(",", "."))).all(), (name, r, field)
    assert first.request.get(base + "teacher/suppliers.csv").status == 403

    # The debrief: its verdicts follow their intervals over 10 replays of the class's decisions.
    visit(first, base + "firm")
    click(first, "#debrief-link")
    statements = first.locator("#lesson p.statement")
    assert statements.count() >= 2
    assert "ronde 12" in statements.nth(0).inner_text()
    compared = 0
    for i in range(statements.count()):
        s = statements.nth(i)
        verdict = s.get_attribute("data-verdict")
        if not verdict:
            continue
        compared += 1
        lo, hi, mean = (float(s.get_attribute(f"data-{k}")) for k in ("lo", "hi", "mean"))
        assert int(s.get_attribute("data-n")) == 10 and math.isfinite(lo) and lo <= mean <= hi
        assert verdict == ("ahead" if lo > 0 else "behind" if hi < 0 else "unclear"), (verdict, lo, hi)
        text = s.inner_text()
        assert "95%-interval" in text and "10 andere markten" in text
        said = {"ahead": "geen toeval", "behind": "doet", "unclear": "dat nul bevat"}[verdict]
        assert said in text, text
    assert compared >= 1
    assert first.locator("#debrief-table tr").count() == 1 + 3 * ROUNDS
    width = first.evaluate("() => document.getElementById('debrief-table').getBoundingClientRect().right")
    visit(projector, base + "debrief")
    smallest, _, where = projector.evaluate(TEXT_SIZES)
    assert smallest >= MIN_TEXT_PX, f"debrief text of {smallest} px: {where!r}"
    assert projector.evaluate("() => document.documentElement.scrollWidth") <= 1280, "the debrief table is cut off"
    assert width > 0
    for page in (projector, first):
        for img in page.locator("img").all():
            assert img.evaluate("i => i.naturalWidth") > 100
    for watch in watches:
        watch.check()

    if os.environ.get("TRUSTSIM_GAME_SCREENSHOTS"):
        shots.mkdir(parents=True, exist_ok=True)
        for name in ("game_teacher.png", "game_student.png"):
            shutil.copyfile(tmp_path / name, shots / name)
