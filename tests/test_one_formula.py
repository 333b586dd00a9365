"""Every formula once: no arithmetic on a money or advertising parameter outside trustsim/mechanisms/.

A re-typed ``reach * budget`` in the game, an experiment or the calibration is a second model that
the bit-for-bit checks cannot see: change the rule in ``mechanisms/`` and the copy silently keeps
the old one (issue 24: the game planned 43 for ten weeks of ads while the model billed 171). Such
code must call the functions of :mod:`trustsim.mechanisms.money` and :mod:`trustsim.mechanisms.channels`
instead (``ad_spend``, ``expected_reach``, ``relationship_costs``, ``unit_cost``, ...).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from trustsim.config.schema import Advertising, Money

PACKAGE = Path(__file__).resolve().parents[1] / "trustsim"
GUARDED = {"money": set(Money.model_fields), "advertising": set(Advertising.model_fields)}
"""Sections of the scenario whose values only mechanisms/ may compute with."""

ARITHMETIC = (ast.BinOp, ast.AugAssign, ast.UnaryOp)


def _parameter(node: ast.AST) -> str | None:
    """``section.field`` if `node` reads a guarded parameter (``sc.money.ad_cost``, ``money.ad_cost``)."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    section = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
    if section in GUARDED and node.attr in GUARDED[section]:
        return f"{section}.{node.attr}"
    return None


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.AugAssign):
        return [node.target, node.value]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return []


def retyped_formulas(source: str) -> list[tuple[int, str]]:
    """(line, parameter) of every arithmetic operation that takes a guarded parameter as an operand."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ARITHMETIC):
            for operand in _operands(node):
                name = _parameter(operand)
                if name:
                    found.append((node.lineno, name))
    return found


def test_the_guard_sees_a_retyped_reach_formula():
    assert retyped_formulas("x = min(1.0, sc.advertising.reach * budget) * n") == [(1, "advertising.reach")]
    assert retyped_formulas("cost = k * money.ad_cost * reached") == [(1, "money.ad_cost")]
    assert retyped_formulas("total += scenario.money.care_cost") == [(1, "money.care_cost")]
    assert retyped_formulas("label = f'{sc.advertising.reach:.1%}'") == []  # shown, not computed with
    assert retyped_formulas("cost = money.unit_cost(a, b, sc.money)") == []  # a call of the one formula


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if "mechanisms" not in p.relative_to(PACKAGE).parts),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_arithmetic_on_money_or_advertising_outside_mechanisms(path: Path):
    found = retyped_formulas(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(PACKAGE.parent)} computes with "
        + ", ".join(f"{name} (line {line})" for line, name in found)
        + ": call the formula in trustsim/mechanisms/money.py or channels.py (add it there if it is new)."
    )


# --- the classroom game's browser side ----------------------------------------------------------

MONEY_NAMES = re.compile(
    r"reach|ad_?cost|od_?cost|over_?delivery_?cost|care_?cost|planning|budget|spend", re.IGNORECASE
)
"""Names of the game's cost parameters and of what is computed from them (as the page's script or
templates would spell them: ``d.adCost``, ``cost.reach``, ``data-care-cost``)."""


def retyped_in_script(text: str) -> list[tuple[int, str]]:
    """(line, text) of every line of a script or template that multiplies with a cost parameter."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = re.sub(r"//.*$", "", line)
        if re.search(r"[^*/]\*[^*/=]|\*=", f" {code} ") and MONEY_NAMES.search(code):
            found.append((number, line.strip()))
    return found


def test_the_script_guard_sees_the_old_budget_preview():
    old = "var ads = k * d.adCost * Math.min(1, d.reach * num(form.elements.ad_budget)) * d.n;"
    assert retyped_in_script(old) == [(1, old)]
    assert retyped_in_script("{{ cost.care_cost * care }}")
    assert retyped_in_script("total *= d.odCost;")
    assert not retyped_in_script("// the server computes the spend: no * here")
    assert not retyped_in_script('fetch("/preview?" + query)')


def test_the_game_pages_compute_no_money():
    """The budget preview is served by the server (trustsim.game.rules.planned_spend); the page's
    script and templates must not multiply reach, ad cost, over-delivery cost or care cost."""
    from trustsim.game import pages

    texts = {"JS": pages.JS, **{name: source for name, source in pages.ENV.loader.mapping.items()}}  # type: ignore[union-attr]
    for name, text in texts.items():
        found = retyped_in_script(text)
        assert not found, f"trustsim/game/pages.py {name} computes with a cost parameter: {found[:3]}"
