"""What-if policies: play supplier policies in a market and rank them with evidence.

The library API (``trustsim compare`` and ``trustsim optimize`` are thin shells over it)::

    from trustsim.compare import compare_policies, write_report

    cmp = compare_policies("configs/baseline.toml", ["listener", "big_advertiser"], "results/cmp",
                           replicates=10, workers=2)
    write_report(cmp, "results/cmp")       # report.html (self-contained) and report.md
    cmp.rankings["revenue"]                # means, 95% CIs, paired differences to the best

Design with common random numbers (:mod:`~trustsim.compare.run`), statistics
(:mod:`~trustsim.compare.stats`), figures and report (:mod:`~trustsim.compare.figures`,
:mod:`~trustsim.compare.report`) and the policy search (:mod:`~trustsim.compare.search`).
"""

from __future__ import annotations

from trustsim.compare.report import write_report
from trustsim.compare.run import Comparison, compare_policies

__all__ = ["Comparison", "compare_policies", "write_report"]
