"""Scandals: a sudden fall of trust in one supplier or in the whole sector.

Models: sector-wide shocks (the horse-meat scandal, falling trust in banks) hit every
supplier (MODEL_BRIEF §4); a scandal at one supplier hits only it. Trust is earned only once
(§3): the fall is immediate, the climb back slow.
"""

from __future__ import annotations

import numpy as np

from trustsim.mechanisms.trust import LOGIT_LIMIT


def scandal(
    rng: np.random.Generator,
    trust_logits: np.ndarray,
    heard: np.ndarray,
    propensity_logits: np.ndarray,
    supplier: int | str,
    severity: float,
    reach: float,
) -> np.ndarray:
    """Remove `severity` log-odds from every trust component of those who hear of a scandal.

    A `reach` share of the population hears of it. They lose trust in the supplier hit (or in
    every supplier they know, for ``"all"``); a sector-wide scandal also lowers their benefit
    of the doubt towards suppliers they have not met yet.

    Returns:
        Boolean mask of the customers who heard of it.

    Example:
        A sector-wide scandal everyone hears of: trust falls only in the suppliers each person knows,
        and everyone's benefit of the doubt falls too:

        >>> logits, prop = np.zeros((3, 2, 4), np.float32), np.zeros(3, np.float32)
        >>> heard = np.array([[0, -1], [0, 0], [-1, -1]], np.int8)
        >>> hit = scandal(np.random.default_rng(0), logits, heard, prop, "all", 1.5, 1.0)
        >>> hit.tolist(), logits[:, :, 0].tolist(), prop.tolist()
        ([True, True, True], [[-1.5, 0.0], [-1.5, -1.5], [0.0, 0.0]], [-1.5, -1.5, -1.5])
    """
    n = trust_logits.shape[0]
    hit = rng.random(n) < reach
    cols = slice(None) if supplier == "all" else int(supplier)
    block = trust_logits[hit, cols]
    known = heard[hit, cols] >= 0
    block -= np.where(known[..., None], np.float32(severity), np.float32(0.0))
    np.clip(block, -LOGIT_LIMIT, LOGIT_LIMIT, out=block)
    trust_logits[hit, cols] = block
    if supplier == "all":
        propensity_logits[hit] -= severity
    return hit
