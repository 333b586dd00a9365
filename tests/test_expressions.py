"""The safe expression language: what it reads, what it refuses, and that nothing refused runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim import expressions
from trustsim.errors import ConfigError

RUNS = pd.DataFrame(
    {
        "nps": [10.0, 40.0, 35.0, np.nan],
        "revenue": [100.0, 250.0, 90.0, 0.0],
        "customers[A]": [5, 9, 2, 0],
        "wom.rate": [0.1, 0.2, 0.3, 0.4],
        "winner": ["A", "B", "A", "B"],
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nps > 30", [False, True, True, False]),
        ("nps > 30 and revenue > 100", [False, True, False, False]),
        ("nps > 30 or `customers[A]` == 0", [False, True, True, True]),
        ("not nps > 30", [True, False, False, True]),
        ("(nps > 30) & ~(revenue < 100)", [False, True, False, False]),
        ("0.15 < `wom.rate` <= 0.3", [False, True, True, False]),
        ("winner == 'A'", [True, False, True, False]),
        ('winner != "A" and revenue >= 0', [False, True, False, True]),
        ("revenue / 10 - 5 * 2 > `customers[A]` ** 1", [False, True, False, False]),
        ("revenue % 100 == 50", [False, True, False, False]),
    ],
)
def test_conditions_read_the_columns(text, expected):
    assert expressions.condition(RUNS, text).tolist() == expected


def test_formulas_are_float_arithmetic():
    np.testing.assert_allclose(expressions.formula(RUNS, "revenue - 2 * `customers[A]`"), [90, 232, 86, 0])
    assert expressions.formula(RUNS, "nps > 30").tolist() == [0.0, 1.0, 1.0, 0.0]
    # numbers are floats: a tower of powers overflows to inf at once instead of computing a huge integer
    assert np.isinf(expressions.formula(RUNS, "revenue + 9 ** 9 ** 9 ** 9")).all()
    assert expressions.parse("`a b` + `a b` * c").names == ("a b", "c")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(nps > 15) & (@pd.io.common.os.system('id') == 0)", "'@' is not allowed"),
        ("__import__('os').system('id') == 0", "a call"),
        ("nps.__class__ == 1", "an attribute"),
        ("open('/etc/passwd') == 1", "a call"),
        ("nps[0] > 1", "a subscript"),
        ("(lambda: 1) == 1", "a lambda"),
        ("[x for x in nps] == 1", "a comprehension"),
        ("f'{nps}' == 1", "an f-string"),
        ("nps if nps else nps", "'if ... else'"),
        ("(y := 1) == 1", "':='"),
        ("nps in (1, 2)", "the comparison 'in'"),
        ("nps is None", "the comparison 'is'"),
        ("nps << 2 > 1", "the operator '<<'"),
        ("nps > True", "the constant True"),
        ("nps >", "not an expression"),
        ("`nps > 1", "never closed"),
        ("", "empty"),
        ("nps > 1" + " " * expressions.MAX_LENGTH, "at most"),
        ("not " * 80 + "nps > 1", "nested too deeply"),
        ("(" * 300 + "nps" + ")" * 300 + " > 1", "too many nested parentheses"),
    ],
)
def test_anything_outside_the_language_is_refused_before_it_runs(text, message):
    with pytest.raises(ConfigError, match=r"Allowed|at most") as e:
        expressions.parse(text, "--outcome")
    assert message in str(e.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nsp > 30", "no column 'nsp'. Did you mean 'nps'?"),
        ("1 == 1", "reads no column"),
        ("nps", "not a condition"),
        ("nps and revenue", "'and' joins conditions"),
        ("winner > 'A'", "text can only be compared with == or !="),
        ("winner * 2 == 'AA'", "needs numbers, not text"),
    ],
)
def test_bad_conditions_say_what_is_wrong(text, message):
    with pytest.raises(ConfigError) as e:
        expressions.condition(RUNS, text, "--outcome")
    assert message in str(e.value) and str(e.value).startswith("--outcome")


def test_a_refused_expression_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    attempts = [
        f"(nps > 15) & (@pd.io.common.os.system('touch {marker}') == 0)",
        f"__import__('os').system('touch {marker}') == 0",
        f"().__class__.__base__.__subclasses__()[0]('touch {marker}') == 0",
    ]
    for text in attempts:
        with pytest.raises(ConfigError):
            expressions.condition(RUNS, text)
    assert not marker.exists()
