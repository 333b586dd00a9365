"""Errors a user can cause and fix: each carries a message meant to be read, not a traceback.

Also the few helpers every message uses: :func:`printable` (no terminal escapes),
:func:`excerpt` (a short quotation of a bad value) and :func:`did_you_mean`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class TrustsimError(Exception):
    """Base class of errors reported to the user as one clear message."""

    exit_code = 1


class ConfigError(TrustsimError):
    """Bad input: a scenario, experiment, policy or edge-list file, or a command-line value.

    The message names the source (file or option), the key, the bad value and what is allowed.
    """

    exit_code = 2


class RunError(TrustsimError):
    """A failure at run time (disk full, permission denied, a cluster that does not answer)."""

    exit_code = 1


# --- wording shared by every message -------------------------------------------------------

EXCERPT = 60
"""Most characters of a user's value quoted in a message (a 3 MB line is never echoed whole)."""


def printable(text: str) -> str:
    """``text`` with control and format characters (escape sequences, bidi overrides) written as
    ``\\x1b``-style escapes, so that nothing a user typed can drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def name_key(name: str) -> str:
    """What a name looks like to a reader: Unicode-normalised (NFKC), case-folded, spaces collapsed.

    Two names with the same key ("Café" typed and "Café" with a combining accent; "A" and "A ";
    "Mine" and "mine") label different columns yet read as one.

    >>> name_key(" Cafe\u0301  Noir ") == name_key("café noir")
    True
    """
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def lookalike(names: Sequence[str]) -> tuple[int, int] | None:
    """The places of the first two of `names` that are equal or look alike (:func:`name_key`), or None."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name_key(name)
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None


def lookalike_message(what: str, first: str, second: str) -> str:
    """Why two names may not label two `what` ("suppliers"): equal, or differ only in form, case or spaces."""
    if first == second:
        return f"two {what} are named {first!r}"
    return (
        f"two {what} are named {first!a} and {second!a}, which look alike (they differ only in "
        f"Unicode form, case or spaces) and would read as one"
    )


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """A short, printable quotation of a value for a message: ``'abc'``, or ``'abc…' (3,000,000 chars)``."""
    text = value if isinstance(value, str) else repr(value)
    quoted = repr(text[:limit]) if isinstance(value, str) else printable(text[:limit])
    if len(text) > limit:
        return f"{quoted}… ({len(text):,} characters)"
    return quoted


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """ " Did you mean 'x'?" for the closest of ``choices`` to ``word``, or "" if none is close.

    >>> did_you_mean("baselin", ["baseline", "channels"])
    " Did you mean 'baseline'?"
    """
    import difflib

    hint = difflib.get_close_matches(str(word)[:200], list(choices), n=1)
    return f" Did you mean {hint[0]!r}?" if hint else ""
