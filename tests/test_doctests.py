"""The examples in the package's docstrings run, and print what they say they print."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
from contextlib import redirect_stdout

import pytest

import trustsim
from trustsim.extras import EXTRAS

MODULES = sorted(m.name for m in pkgutil.walk_packages(trustsim.__path__, "trustsim."))
OPTIONAL = {module for modules in EXTRAS.values() for module in modules}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        if e.name in OPTIONAL:
            pytest.skip(f"{name} needs the optional {e.name}")
        raise
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    with redirect_stdout(report):
        for test in doctest.DocTestFinder().find(module, name):
            runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


def test_the_package_has_examples():
    finder = doctest.DocTestFinder()
    examples = sum(
        len(t.examples)
        for n in ("trustsim.builtin", "trustsim.model")
        for t in finder.find(importlib.import_module(n), n)
    )
    assert examples >= 5
