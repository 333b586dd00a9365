"""Text that goes into a figure exactly as typed.

Matplotlib reads a pair of ``$`` in any label as mathematical notation: a firm or policy named
``$\\foo$`` then fails to draw, or draws something else. Every name from a user or a file passes
through :func:`literal` before it reaches a title, legend, label or annotation.
"""

from __future__ import annotations


def literal(text: object) -> str:
    """`text` as matplotlib shows it verbatim: each ``$`` escaped, so no mathtext is parsed.

    Example:
        >>> literal("$\\\\foo$ & Co")
        '\\\\$\\\\foo\\\\$ & Co'
        >>> literal("S1")
        'S1'
    """
    return str(text).replace("$", "\\$")
