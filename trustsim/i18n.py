"""Numbers as a Dutch or English reader writes them, and numbers as they type them.

Shared by the classroom game (:mod:`trustsim.game.text`) and open to the classroom app
(:mod:`trustsim.app.text` has the same languages): English writes ``10,000.5``, Dutch
``10.000,5``. Text tables map a key to one text per language (``{"en": ..., "nl": ...}``),
the format of :data:`trustsim.app.text.TEXT`.
"""

from __future__ import annotations

import math
from typing import Any

SEPARATORS: dict[str, tuple[str, str]] = {"en": (",", "."), "nl": (".", ",")}
"""Per language: (thousands separator, decimal mark)."""


def number(value: float | int | None, lang: str, decimals: int = 0, sign: bool = False) -> str:
    """`value` with `decimals` decimals and the language's separators; '–' when it is missing or not
    finite; never "-0".

    Example:
        >>> number(12345.678, "nl", 1), number(12345.678, "en", 1), number(-0.5, "nl", 2, sign=True)
        ('12.345,7', '12,345.7', '-0,50')
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    text = f"{float(value):{'+' if sign else ''},.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "":
        text = text.lstrip("+-")
    thousands, mark = SEPARATORS[lang]
    return text.translate(str.maketrans({",": thousands, ".": mark}))


def percent(share: float | None, lang: str, decimals: int = 0) -> str:
    """A share (0-1) as a percentage: '95%' in English, '95%' in Dutch, with the language's decimal mark.

    Example:
        >>> percent(0.1234, "nl", 1), percent(0.5, "en")
        ('12,3%', '50%')
    """
    if share is None or not math.isfinite(float(share)):
        return "–"
    return number(100 * float(share), lang, decimals) + "%"


def plain(value: float, lang: str) -> str:
    """A decision value as typed in a form: up to 6 significant digits, no thousands separator.

    Example:
        >>> plain(0.75, "nl"), plain(12.5, "en"), plain(3.0, "nl")
        ('0,75', '12.5', '3')
    """
    return f"{float(value):.6g}".replace(".", SEPARATORS[lang][1])


def parse_decimal(text: Any) -> float:
    """A number as typed with a decimal point or a decimal comma ('0.9', '0,9', ' 2 ').

    Raises:
        ValueError: if `text` is not a number.

    Example:
        >>> parse_decimal("0,9"), parse_decimal(" 2 ")
        (0.9, 2.0)
    """
    if isinstance(text, bool):
        raise ValueError(f"not a number: {text!r}")
    if isinstance(text, int | float):
        return float(text)
    return float(str(text).strip().replace(",", "."))


def language_of(accept_language: str | None, languages: tuple[str, ...] = ("en", "nl")) -> str:
    """The first of `languages` a browser's Accept-Language header asks for (the first of them by default).

    Example:
        >>> language_of("nl-NL,nl;q=0.9,en;q=0.8"), language_of("de-DE"), language_of(None)
        ('nl', 'en', 'en')
    """
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in languages:
            return code
    return languages[0]


def lookup(table: dict[str, dict[str, str]], key: str, lang: str, **fields: Any) -> str:
    """Text `key` of a text table in language `lang`, with `fields` filled in.

    Raises:
        KeyError: for an unknown key or language (a bug, caught by the tests).
    """
    return table[key][lang].format(**fields)
