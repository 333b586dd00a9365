"""Safe expressions: conditions and formulas over named columns, and never code.

Every expression a user or a file gives trustsim (``trustsim discover --outcome``,
``trustsim optimize --objective``) is read by this module and nothing else. The language is
small on purpose:

* column names (``nps``, ``revenue``), or any name in backticks (```customers[Listener]```,
  ```wom.rate```);
* numbers (``30``, ``1e-3``) and quoted text, which may only be compared (``winner == 'Listener'``);
* arithmetic ``+ - * / // % **`` and unary ``-``/``+``;
* comparisons ``== != < <= > >=`` (chained: ``0.2 < share <= 0.5``);
* ``and``, ``or``, ``not`` (and ``&``, ``|``, ``~`` as their synonyms, on conditions only);
* parentheses.

The text is parsed with Python's :mod:`ast` and every node checked against that whitelist
before anything is evaluated: no attribute (``a.b``), no call (``f(x)``), no subscript
(``a[0]``), no ``@`` (pandas' local variables), no lambda, comprehension or f-string. A refused
expression raises :class:`~trustsim.errors.ConfigError` (exit status 2) naming what is not
allowed; nothing of it runs. Evaluation is numpy arithmetic on the named columns, numbers as
floats (so ``10 ** 10 ** 10`` is ``inf``, not an hour of big-integer arithmetic).

Example:
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"nps": [10.0, 40.0, 35.0], "customers[A]": [5, 9, 2], "customers[B]": [6, 3, 1]})
    >>> condition(runs, "nps > 30 and `customers[A]` > `customers[B]`").tolist()
    [False, True, True]
    >>> formula(runs, "nps / 10 + 1").tolist()
    [2.0, 5.0, 4.5]
    >>> parse("(nps > 15) & (@pd.io.common.os.system('id') == 0)")
    Traceback (most recent call last):
    ...
    trustsim.errors.ConfigError: expression "(nps > 15) & (@pd.io.common.os.system('id') == 0)": '@' is not allowed ...
    >>> parse("__import__('os').system('id')")
    Traceback (most recent call last):
    ...
    trustsim.errors.ConfigError: expression "__import__('os').system('id')": a call ('__import__('os').system(...)') ...
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from trustsim.errors import ConfigError

MAX_LENGTH = 2000
"""Longest expression accepted (characters)."""

MAX_NODES = 500
"""Most syntax-tree nodes accepted (an expression is a condition, not a program)."""

MAX_DEPTH = 50
"""Deepest nesting accepted (parentheses, ``not not not ...``)."""

ALLOWED = (
    "column names (backticks around names with other characters, e.g. `customers[Listener]` or `wom.rate`), "
    "numbers, quoted text compared with == or !=, + - * / // % **, comparisons (== != < <= > >=), "
    "and/or/not, parentheses"
)

_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_LOGICAL: dict[type, Callable[[Any, Any], Any]] = {ast.BitAnd: np.logical_and, ast.BitOr: np.logical_or}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
}
_FORBIDDEN = {
    ast.Attribute: "an attribute ('.' after a name; put dotted column names in backticks: `wom.rate`)",
    ast.Call: "a call",
    ast.Subscript: "a subscript ('[...]' after a name; put such column names in backticks: `customers[A]`)",
    ast.Lambda: "a lambda",
    ast.IfExp: "'if ... else'",
    ast.NamedExpr: "':='",
    ast.Starred: "'*' unpacking",
    ast.JoinedStr: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.Slice: "a slice",
}
_PLACEHOLDER = "__column_{}__"


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to evaluate.

    Attributes:
        text: the expression as given.
        names: the column names it reads, in order of first use.
    """

    text: str
    names: tuple[str, ...]
    tree: ast.Expression
    columns: Mapping[str, str]  # placeholder identifier -> column name (backticked names)

    def evaluate(self, columns: Mapping[str, Any], source: str = "expression") -> np.ndarray:
        """The expression's value for every row of `columns` (name -> 1-D array).

        Raises:
            ConfigError: a name is not a column, or an operation does not fit its operands
                (text in arithmetic, ``and`` of numbers).
        """
        missing = [n for n in self.names if n not in columns]
        if missing:
            raise ConfigError(_unknown(self.text, missing[0], list(columns), source))
        values = {n: np.asarray(columns[n]) for n in self.names}
        with np.errstate(all="ignore"):
            out = _Evaluator(self, values, source).visit(self.tree.body)
        return np.asarray(out)


def _split_backticks(text: str, source: str) -> tuple[str, dict[str, str]]:
    """Replace each ```name``` by a placeholder identifier (quoted text is left alone)."""
    out: list[str] = []
    names: dict[str, str] = {}
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ConfigError(f"{source} {text!r}: a backtick at character {i + 1} is never closed. {_help()}")
            name = text[i + 1 : end]
            if not name.strip():
                raise ConfigError(f"{source} {text!r}: empty backticks at character {i + 1}. {_help()}")
            key = next((k for k, v in names.items() if v == name), _PLACEHOLDER.format(len(names)))
            names[key] = name
            out.append(f" {key} ")
            i = end
        else:
            out.append(ch)
        i += 1
    return "".join(out), names


def _help() -> str:
    return f"Allowed: {ALLOWED}."


def parse(text: str, source: str = "expression") -> Expression:
    """Parse and check an expression against the whitelist (nothing is evaluated).

    Args:
        text: the expression.
        source: what to call it in messages (``--outcome``, a file and key).

    Returns:
        The checked :class:`Expression`.

    Raises:
        ConfigError: empty, too long or too deep, not an expression, or using anything outside
            the language (attribute, call, subscript, ``@``, ...).

    Example:
        >>> parse("`wom.rate` > 0.3 and not nps < 0").names
        ('wom.rate', 'nps')
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{source}: the expression is empty. {_help()}")
    if len(text) > MAX_LENGTH:
        raise ConfigError(f"{source}: the expression has {len(text):,} characters; at most {MAX_LENGTH:,} are allowed.")
    if "\x00" in text:
        raise ConfigError(f"{source} {text!r}: contains a NUL character. {_help()}")
    code, columns = _split_backticks(text, source)
    if "@" in _outside_quotes(code):
        raise ConfigError(f"{source} {text!r}: '@' is not allowed (no local variables, no matrix product). {_help()}")
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as e:
        raise ConfigError(f"{source} {text!r}: not an expression ({e.msg}). {_help()}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ConfigError(f"{source} {text!r}: nested too deeply. {_help()}") from None
    names = _check(tree, text, columns, source)
    return Expression(text, tuple(names), tree, columns)


def _outside_quotes(text: str) -> str:
    """The text with quoted parts removed (what '@' is looked for in)."""
    out, quote = [], ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        else:
            out.append(ch)
    return "".join(out)


def _check(tree: ast.Expression, text: str, columns: Mapping[str, str], source: str) -> list[str]:
    """Walk the tree; refuse any node outside the language; return the column names used."""
    names: list[str] = []
    count = 0

    def visit(node: ast.AST, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES or depth > MAX_DEPTH:
            raise ConfigError(
                f"{source} {text!r}: too long or nested too deeply (at most {MAX_NODES} parts, "
                f"{MAX_DEPTH} levels). {_help()}"
            )
        for kind, what in _FORBIDDEN.items():
            if isinstance(node, kind):
                shown = _shown(node, columns)
                raise ConfigError(f"{source} {text!r}: {what}{shown} is not allowed. {_help()}")
        if isinstance(node, ast.Name):
            name = columns.get(node.id, node.id)
            if name.startswith("__") and node.id not in columns:
                raise ConfigError(f"{source} {text!r}: the name {name!r} is not allowed. {_help()}")
            if name not in names:
                names.append(name)
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
                raise ConfigError(f"{source} {text!r}: the constant {node.value!r} is not allowed. {_help()}")
            return
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITHMETIC and type(node.op) not in _LOGICAL:
                raise ConfigError(
                    f"{source} {text!r}: the operator {_SYMBOL.get(type(node.op), '?')!r} is not allowed. {_help()}"
                )
        elif isinstance(node, ast.UnaryOp):
            pass  # not, -, +, ~: all allowed
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    word = {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}.get(type(op), "?")
                    raise ConfigError(f"{source} {text!r}: the comparison {word!r} is not allowed. {_help()}")
        elif not isinstance(node, (ast.Expression, ast.BoolOp)) and not isinstance(
            node, (ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)
        ):
            raise ConfigError(f"{source} {text!r}: {type(node).__name__} is not allowed. {_help()}")
        for child in ast.iter_child_nodes(node):
            visit(child, depth + 1)

    visit(tree, 0)
    return names


def _shown(node: ast.AST, columns: Mapping[str, str]) -> str:
    """A short quote of the refused part, e.g. " ('os.system(...)')"."""
    if isinstance(node, ast.Call):
        try:
            return f" ('{_restore(ast.unparse(node.func), columns)[:40]}(...)')"
        except Exception:  # unparse of an odd tree: the kind of node is enough
            return ""
    return ""


def _restore(code: str, columns: Mapping[str, str]) -> str:
    for key, name in columns.items():
        code = code.replace(key, f"`{name}`")
    return code


def _unknown(text: str, name: str, known: Iterable[str], source: str) -> str:
    known = [k for k in known if k != "run_id"]
    hint = difflib.get_close_matches(name, known, n=1)
    dym = f" Did you mean '{hint[0]}'?" if hint else ""
    listed = ", ".join(known[:60]) + (", ..." if len(known) > 60 else "")
    return (
        f"{source} {text!r}: no column {name!r}.{dym} Columns: {listed} (put names with other characters in "
        "backticks, e.g. `customers[Steady]`)."
    )


class _Evaluator:
    """Evaluate a checked tree on numpy arrays (only the node kinds :func:`_check` lets through)."""

    def __init__(self, expr: Expression, values: Mapping[str, np.ndarray], source: str) -> None:
        self.expr, self.values, self.source = expr, values, source

    def fail(self, why: str) -> ConfigError:
        return ConfigError(f"{self.source} {self.expr.text!r}: {why}. {_help()}")

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return self.values[self.expr.columns.get(node.id, node.id)]
        if isinstance(node, ast.Constant):
            value = node.value
            return value if isinstance(value, str) else np.float64(value)  # pyright: ignore[reportArgumentType]
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v, "and" if isinstance(node.op, ast.And) else "or") for v in node.values]
            join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = parts[0]
            for p in parts[1:]:
                out = join(out, p)
            return out
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.Not, ast.Invert)):
                return np.logical_not(self.condition(node.operand, "not"))
            value = self.number(node.operand, "unary minus")
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op in _LOGICAL:
                return _LOGICAL[op](self.condition(node.left, _SYMBOL[op]), self.condition(node.right, _SYMBOL[op]))
            a, b = self.number(node.left, _SYMBOL[op]), self.number(node.right, _SYMBOL[op])
            return _ARITHMETIC[op](a, b)
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            out: Any = True
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self.visit(right_node)
                out = np.logical_and(out, self.compare(type(op), left, right))
                left = right
            return out
        raise self.fail(f"{type(node).__name__} is not allowed")  # unreachable after _check

    def condition(self, node: ast.AST, word: str) -> np.ndarray:
        value = np.asarray(self.visit(node))
        if value.dtype != bool:
            raise self.fail(f"'{word}' joins conditions (true or false), not {_kind(value)}")
        return value

    def number(self, node: ast.AST, word: str) -> Any:
        value = self.visit(node)
        arr = np.asarray(value)
        if arr.dtype == bool:
            return arr.astype(float)
        if not np.issubdtype(arr.dtype, np.number):
            raise self.fail(f"'{word}' needs numbers, not {_kind(arr)}")
        return arr.astype(np.float64) if arr.ndim else np.float64(arr)

    def compare(self, op: type, left: Any, right: Any) -> np.ndarray:
        a, b = np.asarray(left), np.asarray(right)
        text_a, text_b = not _numeric(a), not _numeric(b)
        if text_a or text_b:
            if op not in (ast.Eq, ast.NotEq):
                raise self.fail("text can only be compared with == or !=")
            return np.asarray(_COMPARE[op](a.astype(object), b.astype(object)), dtype=bool)
        return np.asarray(_COMPARE[op](a.astype(float), b.astype(float)), dtype=bool)


def _numeric(a: np.ndarray) -> bool:
    return a.dtype == bool or np.issubdtype(a.dtype, np.number)


def _kind(a: np.ndarray) -> str:
    return "numbers" if np.issubdtype(a.dtype, np.number) else "text"


def _frame_columns(frame: Any) -> Mapping[str, Any]:
    """A pandas frame (or a mapping) as name -> values."""
    if isinstance(frame, Mapping):
        return frame
    return {str(c): frame[c].to_numpy() for c in frame.columns}


def evaluate(frame: Any, text: str | Expression, source: str = "expression") -> np.ndarray:
    """The expression per row of `frame` (a pandas DataFrame or a mapping of columns).

    Raises:
        ConfigError: a bad expression or an unknown column.
    """
    expr = text if isinstance(text, Expression) else parse(text, source)
    columns = _frame_columns(frame)
    rows = len(next(iter(columns.values()))) if columns else 0
    out = expr.evaluate(columns, source)
    return np.broadcast_to(out, (rows,)).copy() if out.ndim == 0 else out


def condition(frame: Any, text: str | Expression, source: str = "expression") -> np.ndarray:
    """A condition per row (booleans).

    Raises:
        ConfigError: a bad expression, an unknown column, a value that is not true/false, or an
            expression that reads no column (it would be the same for every row: ``1 == 1``).

    Example:
        >>> condition({"nps": np.array([5.0, 50.0])}, "1 == 1")
        Traceback (most recent call last):
        ...
        trustsim.errors.ConfigError: expression '1 == 1': reads no column, so it is the same for every row...
    """
    expr = text if isinstance(text, Expression) else parse(text, source)
    _needs_a_column(expr, source)
    out = evaluate(frame, expr, source)
    if out.dtype != bool:
        raise ConfigError(
            f"{source} {expr.text!r}: gives {_kind(out)}, not a condition; write one that is true or false per "
            "row, e.g. 'nps > 30'."
        )
    return out


def formula(frame: Any, text: str | Expression, source: str = "expression") -> np.ndarray:
    """A number per row (floats; a condition counts as 1 or 0).

    Raises:
        ConfigError: a bad expression, an unknown column, text values, or no column read.
    """
    expr = text if isinstance(text, Expression) else parse(text, source)
    _needs_a_column(expr, source)
    out = evaluate(frame, expr, source)
    if not _numeric(out):
        raise ConfigError(f"{source} {expr.text!r}: gives text, not a number.")
    return out.astype(float)


def _needs_a_column(expr: Expression, source: str) -> None:
    if not expr.names:
        raise ConfigError(
            f"{source} {expr.text!r}: reads no column, so it is the same for every row; write one about the "
            "runs, e.g. 'nps > 30'."
        )
